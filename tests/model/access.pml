/*
 * Spin model of EL2's accesses to VM memory (docs/memory.md, Tests), in the design
 * where EL2 reads or writes a VM's memory only through one accessor that, holding
 * db.lock, finds the page the VM sees at the IPA it named, checks in the ownership table
 * that the VM has the access it needs there (read or write permission; for the private
 * variant the page must also be the VM's alone: owned, or borrowed exclusively), copies,
 * and releases the lock. A hypercall that needs a long operation (ATTEST: read
 * report_data, sign for millions of instructions, write the evidence) does copy-in under
 * the lock, works on EL2-private buffers without it, then copy-out under the lock again,
 * re-translated and re-checked: it writes nothing if the page is no longer right.
 *
 * Property, over every interleaving with the ownership calls of other CPUs (donate,
 * lend, share, relinquish, reclaim, unshare, donate to / return from the hypervisor,
 * teardown, re-creation): at the very step where EL2 copies from or to a page on behalf
 * of VM X at IPA i, the table says X sees that page at i with the permission needed, and
 * for the private variant that the page is X's alone (assertions at each copy).
 *
 * Abstractions: one guest (id G) besides the host and the hypervisor; N pages (2 or 3)
 * and a guest IPA space of N page slots; the host sees every page at IPA == PA; borrowers
 * get R or RW. Only the table is modelled: tests/model/ownership.pml checks that stage-2s
 * and TLBs follow it (I3, I6), so the accessor's stage-2 lookup (vm_translate, done with
 * db.lock held, when no call is half-committed) is modelled as the table lookup it
 * equals. A call's check and commit run under the lock; the commit is one step, or one
 * step per page with SPLIT_COMMIT (only a copy made without the lock could tell). One
 * process makes all the calls (CPUS=2: two): db.lock serializes them, so more CPUs show
 * the accessor the same sequences of tables. The hypercall's caller is the guest or the
 * host (GUEST_HC_ONLY: the guest only); its long work is up to WORK local steps, around
 * each of which the calls may take any number of steps. A guest's vCPU in a hypercall is
 * on a CPU, so its VM is not re-created meanwhile (sched.c tears a VM down only after
 * its last vCPU left its CPU); teardown itself may happen at any time here, which is
 * more than the hypervisor lets happen. Each call and copy is printed for the trails.
 *
 * Mutants (tests/model/check-ownership shows each is caught):
 *   BUG_NO_REVALIDATE  the old ATTEST: the buffer is checked once, at copy-in, for
 *                      both copies; the lock is released and the evidence is written
 *                      after the long work into the page found then, unchecked;
 *   BUG_UNLOCKED_COPY  the accessor checks under the lock, releases it, then copies;
 *   BUG_NO_RETRANSLATE copy-out re-checks, under the lock, the page found at copy-in
 *                      instead of the page the caller sees at the IPA now.
 */

#ifndef N
#define N 3
#endif
#ifndef WORK
#define WORK 2
#endif
#ifndef CPUS
#define CPUS 1
#endif

#define HYP  0
#define HOST 1
#define G    2
#define NONE 3

/* entry states */
#define OWNED  0
#define LENT   1
#define SHARED 2
#define HYPD   3

/* borrower permissions (the owner has RWX); 0 is execute-only */
#define PR 1
#define PW 2

/* accessor modes: the permissions needed, plus PRIV for the private variant */
#define PRIV    4
#define M_READ  PR
#define M_WRITE PW
#define M_PREAD  (PRIV | PR)
#define M_PWRITE (PRIV | PW)

/* calls */
#define DONATE     0
#define LEND       1
#define SHARE      2
#define RELINQUISH 3
#define RECLAIM    4
#define UNSHARE    5
#define HYP_DONATE 6
#define HYP_RETURN 7
#define TEARDOWN   8
#define CREATE     9

byte owner[N], borrower[N], st[N];
byte bperm[N];   /* the borrower's PR|PW, 0 unless LENT or SHARED */
byte gipa[N];    /* where the guest sees the page, if it is owner or borrower; else 0 */
bool live = 1;   /* the guest exists */
bit lock;        /* db.lock */
bool ghc;        /* ghost: a hypercall of the guest is under way */

/* The table says: vm can reach page p through its stage-2; at which IPA; with which
 * permissions; exclusively. */
#define ACC(vm, p)   ((owner[p] == (vm) && (st[p] == OWNED || st[p] == SHARED)) || \
		      (borrower[p] == (vm) && (st[p] == LENT || st[p] == SHARED)))
#define IPA(vm, p)   ((vm) == HOST -> (p) : gipa[p])
#define PERMS(vm, p) (owner[p] == (vm) -> (PR | PW) : bperm[p])
#define EXCL(vm, p)  ((owner[p] == (vm) && st[p] == OWNED) || (borrower[p] == (vm) && st[p] == LENT))

/* The property: EL2 may copy from / to page p for vm, which named IPA i, in mode m. */
#define MAY(vm, p, i, m) (ACC(vm, p) && IPA(vm, p) == (i) && \
			  (PERMS(vm, p) & ((m) & 3)) == ((m) & 3) && \
			  (((m) & PRIV) == 0 || EXCL(vm, p)))

/* A party of the guest on page q (it is owner or borrower, so it has an IPA there). */
#define GPARTY(q)    (owner[q] == G || borrower[q] == G)

/* Names for the trails (spin -t prints them; the search does not). */
mtype = { hypervisor, host, guest, none, owned, lent_to, shared_with, hyp_donated,
	  donate, lend, share, relinquish, reclaim, unshare, hyp_donate, hyp_return,
	  teardown, create };
#define VMNAME(v) ((v) == HOST -> host : ((v) == G -> guest : ((v) == HYP -> hypervisor : none)))
#define STNAME(s) ((s) == OWNED -> owned : ((s) == LENT -> lent_to : \
		   ((s) == SHARED -> shared_with : hyp_donated)))
#define OPNAME(o) ((o) == DONATE -> donate : ((o) == LEND -> lend : ((o) == SHARE -> share : \
		   ((o) == RELINQUISH -> relinquish : ((o) == RECLAIM -> reclaim : \
		   ((o) == UNSHARE -> unshare : ((o) == HYP_DONATE -> hyp_donate : \
		   ((o) == HYP_RETURN -> hyp_return : ((o) == TEARDOWN -> teardown : create)))))))))

inline say_call()
{
	if
	:: op == TEARDOWN || op == CREATE -> printf("CALL: %e of the guest\n", OPNAME(op))
	:: op == DONATE && caller == HOST ->
		printf("CALL: %e by host, pages %d..%d, to the guest at IPA %d..\n",
		       OPNAME(op), first, first + n - 1, b)
	:: (op == LEND || op == SHARE) && caller == HOST ->
		printf("CALL: %e by host, pages %d..%d, to the guest at IPA %d.., perms %d (1 R, 3 RW)\n",
		       OPNAME(op), first, first + n - 1, b, perm)
	:: op == SHARE && caller == G ->
		printf("CALL: %e by guest, pages %d..%d, perms %d (1 R, 3 RW)\n",
		       OPNAME(op), first, first + n - 1, perm)
	:: else ->
		printf("CALL: %e by %e, pages %d..%d\n", OPNAME(op), VMNAME(caller), first, first + n - 1)
	fi
}

inline say_page(p)
{
	if
	:: GPARTY(p) && borrower[p] != NONE ->
		printf("page %d (owner %e, %e %e, guest IPA %d)\n", p,
		       VMNAME(owner[p]), STNAME(st[p]), VMNAME(borrower[p]), gipa[p])
	:: GPARTY(p) && borrower[p] == NONE ->
		printf("page %d (owner %e, %e, guest IPA %d)\n", p,
		       VMNAME(owner[p]), STNAME(st[p]), gipa[p])
	:: !GPARTY(p) && borrower[p] != NONE ->
		printf("page %d (owner %e, %e %e)\n", p,
		       VMNAME(owner[p]), STNAME(st[p]), VMNAME(borrower[p]))
	:: else -> printf("page %d (owner %e, %e)\n", p, VMNAME(owner[p]), STNAME(st[p]))
	fi
}

proctype cpu()
{
	byte op, caller, first, n, b, perm, p, q;
	byte nown[N], nbor[N], nst[N], nperm[N], nipa[N];
	bool inr[N], ok;

	do
	:: /* take the lock, then pick a call and its arguments */
	   atomic {
	   lock == 0 -> lock = 1;
	   if
	   :: op = DONATE; caller = HOST
	   :: op = DONATE; caller = G
	   :: op = LEND; caller = HOST
	   :: op = SHARE; caller = HOST
	   :: op = SHARE; caller = G
	   :: op = RELINQUISH; caller = HOST
	   :: op = RELINQUISH; caller = G
	   :: op = RECLAIM; caller = HOST
	   :: op = UNSHARE; caller = HOST
	   :: op = UNSHARE; caller = G
	   :: op = HYP_DONATE; caller = HOST
	   :: op = HYP_RETURN; caller = HYP
	   :: op = TEARDOWN; caller = HYP
	   :: op = CREATE; caller = HYP
	   fi;
	   if
	   :: first = 0; n = 1
	   :: first = 0; n = 2
	   :: first = N - 1; n = 1
#if N > 2
	   :: first = 1; n = 1
	   :: first = 1; n = 2
#endif
	   fi;
	   /* the guest IPA of the first page (host to guest) and the borrower's permissions */
	   if
	   :: caller == HOST && op <= SHARE ->
		if
		:: b = 0
		:: b = 1
#if N > 2
		:: b = 2
#endif
		fi
	   :: else -> skip
	   fi;
	   if
	   :: op == LEND || op == SHARE ->
		if
		:: perm = PR
		:: perm = PR | PW
		fi
	   :: else -> skip
	   fi;

	   /* check: every page, all or nothing (same step: the lock is held and the check
	    * reads only the table) */
	   d_step {
		ok = 1;
		/* a transfer to the guest needs IPAs b .. b + n - 1 free in its space */
		if
		:: caller == HOST && op <= SHARE ->
			ok = (b + n <= N);
			q = 0;
			do
			:: q < N ->
				if
				:: GPARTY(q) && gipa[q] >= b && gipa[q] < b + n -> ok = 0
				:: else -> skip
				fi;
				q++
			:: else -> break
			od
		:: else -> skip
		fi;
		p = 0;
		do
		:: p < N ->
			inr[p] = (op == TEARDOWN || (p >= first && p < first + n));
			nown[p] = owner[p]; nbor[p] = borrower[p]; nst[p] = st[p];
			nperm[p] = bperm[p]; nipa[p] = gipa[p];
			if
			:: !inr[p] -> skip
			:: inr[p] && (op == DONATE || op == LEND || op == SHARE) ->
				if
				:: owner[p] == caller && st[p] == OWNED && live ->
					if
					:: op == DONATE && caller == HOST ->
						nown[p] = G; nipa[p] = b + p - first
					:: op == DONATE && caller == G ->
						nown[p] = HOST; nipa[p] = 0
					:: op == LEND && caller == HOST ->
						nst[p] = LENT; nbor[p] = G; nperm[p] = perm;
						nipa[p] = b + p - first
					:: op == SHARE && caller == HOST ->
						nst[p] = SHARED; nbor[p] = G; nperm[p] = perm;
						nipa[p] = b + p - first
					:: op == SHARE && caller == G ->
						nst[p] = SHARED; nbor[p] = HOST; nperm[p] = perm
					:: else -> ok = 0   /* guests do not lend */
					fi
				:: else -> ok = 0
				fi
			:: inr[p] && op == RELINQUISH ->
				if
				:: borrower[p] == caller && (st[p] == LENT || st[p] == SHARED) &&
				   (caller == HOST || live) ->
					nst[p] = OWNED; nbor[p] = NONE; nperm[p] = 0;
					if :: caller == G -> nipa[p] = 0 :: else -> skip fi
				:: else -> ok = 0
				fi
			:: inr[p] && (op == RECLAIM || op == UNSHARE) ->
				if
				:: owner[p] == caller && (caller == HOST || live) &&
				   ((op == RECLAIM && st[p] == LENT) ||
				    (op == UNSHARE && st[p] == SHARED)) ->
					nst[p] = OWNED; nperm[p] = 0;
					if :: borrower[p] == G -> nipa[p] = 0 :: else -> skip fi;
					nbor[p] = NONE
				:: else -> ok = 0
				fi
			:: inr[p] && op == HYP_DONATE ->
				if
				:: owner[p] == HOST && st[p] == OWNED -> nown[p] = HYP; nst[p] = HYPD
				:: else -> ok = 0
				fi
			:: inr[p] && op == HYP_RETURN ->
				if
				:: owner[p] == HYP && st[p] == HYPD -> nown[p] = HOST; nst[p] = OWNED
				:: else -> ok = 0
				fi
			:: inr[p] && op == TEARDOWN ->
				if
				:: GPARTY(p) ->
					nown[p] = (owner[p] == G -> HOST : owner[p]);
					nbor[p] = NONE; nst[p] = OWNED; nperm[p] = 0; nipa[p] = 0
				:: else -> skip
				fi
			:: inr[p] && op == CREATE -> skip
			fi;
			p++
		:: else -> break
		od;
		if
		:: op == TEARDOWN -> ok = live; live = 0
		   /* the slot is not reused while a vCPU of the old guest is still on a CPU */
		:: op == CREATE -> ok = !live && !ghc; live = live || ok
		:: else -> skip
		fi;
		if
		:: ok -> say_call()
		:: else -> skip
		fi;
		/* a refused call (or CREATE, which changes no entry) is over: unlock */
		if
		:: !ok || op == CREATE ->
			p = 0;
			do
			:: p < N ->
				nown[p] = 0; nbor[p] = 0; nst[p] = 0; nperm[p] = 0; nipa[p] = 0;
				inr[p] = 0; p++
			:: else -> break
			od;
			op = 0; caller = 0; first = 0; n = 0; b = 0; perm = 0; p = 0; q = 0;
			ok = 0; lock = 0
		:: else -> skip
		fi
	   }
	   };

	   /* commit the new entries (the stage-2 effects around them are ownership.pml's
	    * business), check the invariants, unlock. With SPLIT_COMMIT each page's entry is
	    * written in a step of its own; otherwise the whole commit is one step, which is
	    * exact for every accessor that holds db.lock (it cannot run before the unlock)
	    * and leaves out only what an accessor that copies without the lock could see. */
	   if
	   :: ok ->
#ifdef SPLIT_COMMIT
		p = 0;
		do
		:: p < N && inr[p] ->
			d_step {
				owner[p] = nown[p]; borrower[p] = nbor[p]; st[p] = nst[p];
				bperm[p] = nperm[p]; gipa[p] = nipa[p]
			};
			p++
		:: p < N && !inr[p] -> p++
		:: else -> break
		od;
		skip;  /* (a break may not jump straight into a d_step) */
#endif
	   d_step {
		p = 0;
		do
		:: p < N ->
#ifndef SPLIT_COMMIT
			if
			:: inr[p] ->
				owner[p] = nown[p]; borrower[p] = nbor[p]; st[p] = nst[p];
				bperm[p] = nperm[p]; gipa[p] = nipa[p]
			:: else -> skip
			fi;
			p++
		:: else -> break
		od;
		p = 0;
		do
		:: p < N ->
#endif
			assert(owner[p] != NONE && owner[p] != borrower[p]);
			assert((st[p] == LENT || st[p] == SHARED) == (borrower[p] != NONE));
			assert(borrower[p] != NONE || bperm[p] == 0);
			assert(GPARTY(p) || gipa[p] == 0);
			assert(live || !GPARTY(p));
			/* the guest sees at most one page at each IPA */
			q = p + 1;
			do
			:: q < N -> assert(!(GPARTY(p) && GPARTY(q) && gipa[p] == gipa[q])); q++
			:: else -> break
			od;
			nown[p] = 0; nbor[p] = 0; nst[p] = 0; nperm[p] = 0; nipa[p] = 0; inr[p] = 0;
			p++
		:: else -> break
		od;
		op = 0; caller = 0; first = 0; n = 0; b = 0; perm = 0; p = 0; q = 0; ok = 0;
		lock = 0
	   }
	   :: else -> skip
	   fi
	od
}

/* The accessor's lookup, done with db.lock held: the page vm sees at IPA i (NONE if
 * none), then whether the table grants mode m there (mem_query's view and perms). */
#define TRANSLATE(vm, i, p) \
	if \
	:: vm == HOST -> p = (ACC(HOST, i) -> i : NONE) \
	:: else -> \
		p = 0; \
		do \
		:: p < N && GPARTY(p) && gipa[p] == i && ACC(G, p) -> break \
		:: p < N && !(GPARTY(p) && gipa[p] == i && ACC(G, p)) -> p++ \
		:: p == N -> p = NONE; break \
		od \
	fi
#define GRANTS(vm, p, m) \
	((PERMS(vm, p) & ((m) & 3)) == ((m) & 3) && \
	 (((m) & PRIV) == 0 || (owner[p] == vm && st[p] == OWNED) || \
	  (borrower[p] == vm && st[p] == LENT)))

inline say_check()
{
	if
	:: (min & PRIV) && ok ->
		printf("HC: %e names its IPA %d (private buffer, as ATTEST): page %d passes the check\n",
		       VMNAME(caller), ipa, p)
	:: !(min & PRIV) && ok ->
		printf("HC: %e names its IPA %d (read, then write): page %d passes the check\n",
		       VMNAME(caller), ipa, p)
	:: else -> printf("HC: %e names its IPA %d: refused\n", VMNAME(caller), ipa)
	fi
}

/* A vCPU (of the host or of the guest) in a hypercall that copies a buffer in, works
 * for a long time on EL2's own copy, then copies a result out to the same buffer. */
proctype vcpu_hc()
{
	byte caller, ipa, min, mout, p, w;
	bool ok;

	do
	:: /* start a call; copy-in: lock, translate, check (one step), then copy, unlock */
	   atomic {
#ifdef GUEST_HC_ONLY
		lock == 0 && live -> lock = 1;
#else
		lock == 0 -> lock = 1;
#endif
		if
		:: live -> caller = G; ghc = 1
#ifndef GUEST_HC_ONLY
		:: caller = HOST
#endif
		fi;
		if
		:: ipa = 0
		:: ipa = 1
#if N > 2
		:: ipa = 2
#endif
		fi;
		if
		:: min = M_PREAD; mout = M_PWRITE   /* ATTEST, MEASURE_*: private buffers */
		:: min = M_READ; mout = M_WRITE     /* a buffer the caller may share */
		fi;
		d_step {
			TRANSLATE(caller, ipa, p);
#ifdef BUG_NO_REVALIDATE
			/* the old code checked the buffer once, for both copies */
			ok = (p != NONE && GRANTS(caller, p, min) && GRANTS(caller, p, mout));
#else
			ok = (p != NONE && GRANTS(caller, p, min));
#endif
			say_check()
		}
	   };
#ifdef BUG_UNLOCKED_COPY
	   lock = 0;
#endif
	   atomic {
		if
		:: ok ->
			printf("HC: copy-in from "); say_page(p);
			assert(MAY(caller, p, ipa, min))   /* EL2 reads the page here */
		:: else -> skip
		fi;
#ifndef BUG_UNLOCKED_COPY
		lock = 0
#endif
	   };

	   if
	   :: ok ->
		/* the long work, on EL2's buffers, without the lock: some steps (the other
		 * processes may take any number of steps around each of them anyway) */
		do
		:: w < WORK -> w++
		:: break
		od;
		w = 0;

		/* copy-out */
#ifdef BUG_NO_REVALIDATE
		atomic {
			printf("HC: copy-out to "); say_page(p);
			assert(MAY(caller, p, ipa, mout))  /* EL2 writes the page here */
		}
#else
		d_step {
			lock == 0 -> lock = 1;
#ifdef BUG_NO_RETRANSLATE
			/* re-checks the page found at copy-in, not what is at the IPA now */
			ok = (ACC(caller, p) && GRANTS(caller, p, mout));
#else
			TRANSLATE(caller, ipa, p);
			ok = (p != NONE && GRANTS(caller, p, mout));
#endif
			printf("HC: copy-out check, under the lock again\n")
		};
#ifdef BUG_UNLOCKED_COPY
		lock = 0;
#endif
		atomic {
			if
			:: ok ->
				printf("HC: copy-out to "); say_page(p);
				assert(MAY(caller, p, ipa, mout))  /* EL2 writes the page here */
			:: else -> printf("HC: copy-out refused, nothing written\n")
			fi;
#ifndef BUG_UNLOCKED_COPY
			lock = 0
#endif
		}
#endif
	   :: else -> skip
	   fi;
	   atomic { ghc = 0; caller = 0; ipa = 0; min = 0; mout = 0; p = 0; ok = 0 }
	od
}

init
{
	atomic {
		byte p = 0;


		do
		:: p < N ->
			owner[p] = HOST; borrower[p] = NONE; st[p] = OWNED;
			p++
		:: else -> break
		od;
		p = 0;
		do
		:: p < CPUS -> run cpu(); p++
		:: else -> break
		od;
		run vcpu_hc()
	}
}
