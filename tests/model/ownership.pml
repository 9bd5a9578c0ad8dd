/*
 * Spin model of hyp/mem (docs/memory.md): two CPUs make ownership calls on N pages
 * (2 or 3) while a guest's vCPU writes to whatever it can reach. Checks over all
 * interleavings that the host never reaches guest data the guest did not disclose nor
 * hypervisor metadata (and the guest no metadata), that no VM keeps a stale TLB entry
 * after a call returns, and that the stage-2s match the table after every call.
 *
 * Abstractions: one guest (id G) besides the host and the hypervisor; IPAs and
 * permissions are not modelled (a page is mapped or not in each VM); every mapping may
 * be cached in a TLB, so an unmap leaves a stale entry that only the TLB flush removes
 * (the worst case). A call's check phase is one atomic step (it runs under the lock and
 * reads only the table), while each commit effect (unmap, TLB flush, zero, map) is a
 * separate step that the guest's vCPU can interleave with. A monitor checks in every
 * reachable state that what the host can reach holds no guest secret and no hypervisor
 * metadata. BUG_NO_FLUSH, BUG_NO_ZERO, BUG_ZERO_FIRST and BUG_MAP_FIRST make the
 * commit wrong on purpose; tests/model/check-ownership shows each is caught.
 */

#ifndef N
#define N 3
#endif

#define HYP  0
#define HOST 1
#define G    2
#define NONE 3

/* entry states */
#define OWNED  0
#define LENT   1
#define SHARED 2
#define HYPD   3   /* hypervisor metadata donated by the host */

/* page content */
#define CLEAN   0  /* zeros, the host's data, or guest data in a page it knows is shared */
#define GSECRET 1  /* guest data the guest did not choose to disclose */
#define HSECRET 2  /* hypervisor metadata */

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
bool s2h[N], s2g[N];     /* stage-2 entries: host, guest */
bool tlbh[N], tlbg[N];   /* stale TLB entries: left by unmap until flushed */
byte content[N];
bool gshared[N];         /* ghost: the guest knows the page is shared */
bool live = 1;           /* the guest exists */
bit lock;

/* Can vm reach the page through its stage-2, according to entry (o, b, s)? */
#define ACC(vm, o, b, s) (((o) == (vm) && ((s) == OWNED || (s) == SHARED)) || \
			  ((b) == (vm) && ((s) == LENT || (s) == SHARED)))

proctype cpu()
{
	byte op, caller, first, n, p;
	byte nown[N], nbor[N], nst[N];
	bool nz[N], inr[N], ok, fh, fg;

	do
	:: /* take the lock, then pick a call and its arguments (picking them under the
	    * lock gives fewer states and the same runs: they do not depend on the state) */
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

	   /* A guest that shares its own pages stops keeping secrets there first. */
		p = first;
		do
		:: p < first + n ->
			if
			:: op == SHARE && caller == G && owner[p] == G && live ->
				gshared[p] = 1;
				if :: content[p] == GSECRET -> content[p] = CLEAN :: else -> skip fi
			:: else -> skip
			fi;
			p++
		:: else -> break
		od
	   };

	   /* check: every page, all or nothing (one step: the lock is held) */
	   d_step {
		ok = 1;
		p = 0;
		do
		:: p < N ->
			inr[p] = (op == TEARDOWN || (p >= first && p < first + n));
			nown[p] = owner[p]; nbor[p] = borrower[p]; nst[p] = st[p]; nz[p] = 0;
			if
			:: !inr[p] -> skip
			:: inr[p] && (op == DONATE || op == LEND || op == SHARE) ->
				if
				:: owner[p] == caller && st[p] == OWNED && live ->
					if
					:: op == DONATE ->
						nown[p] = HOST + G - caller; nz[p] = (caller == G)
					:: op == LEND && caller == HOST ->
						nst[p] = LENT; nbor[p] = G
					:: op == SHARE ->
						nst[p] = SHARED; nbor[p] = HOST + G - caller
					:: else -> ok = 0   /* guests do not lend */
					fi
				:: else -> ok = 0
				fi
			:: inr[p] && op == RELINQUISH ->
				if
				:: borrower[p] == caller && (st[p] == LENT || st[p] == SHARED) &&
				   (caller == HOST || live) ->
					nz[p] = (st[p] == LENT && caller == G);
					nst[p] = OWNED; nbor[p] = NONE
				:: else -> ok = 0
				fi
			:: inr[p] && (op == RECLAIM || op == UNSHARE) ->
				if
				:: owner[p] == caller && (caller == HOST || live) &&
				   ((op == RECLAIM && st[p] == LENT) ||
				    (op == UNSHARE && st[p] == SHARED)) ->
					nz[p] = (op == RECLAIM && borrower[p] == G);
					nst[p] = OWNED; nbor[p] = NONE
				:: else -> ok = 0
				fi
			:: inr[p] && op == HYP_DONATE ->
				if
				:: owner[p] == HOST && st[p] == OWNED -> nown[p] = HYP; nst[p] = HYPD
				:: else -> ok = 0
				fi
			:: inr[p] && op == HYP_RETURN ->
				if
				:: owner[p] == HYP && st[p] == HYPD ->
					nown[p] = HOST; nst[p] = OWNED; nz[p] = 1
				:: else -> ok = 0
				fi
			:: inr[p] && op == TEARDOWN ->
				if
				:: owner[p] == G -> nown[p] = HOST; nbor[p] = NONE; nst[p] = OWNED; nz[p] = 1
				:: borrower[p] == G -> nz[p] = (st[p] == LENT); nbor[p] = NONE; nst[p] = OWNED
				:: else -> skip
				fi
			:: inr[p] && op == CREATE -> skip
			fi;
			p++
		:: else -> break
		od;
		if
		:: op == TEARDOWN -> ok = live; live = 0  /* nobody can give it pages now */
		:: op == CREATE -> ok = !live; live = 1
		:: else -> skip
		fi
	   };

	   if
	   :: ok && op != CREATE ->
		fh = 0; fg = 0;
#ifdef BUG_ZERO_FIRST
		p = 0;
		do
		:: p < N -> if :: inr[p] && nz[p] -> content[p] = CLEAN :: else -> skip fi; p++
		:: else -> break
		od;
#endif
#ifdef BUG_MAP_FIRST
		p = 0;
		do
		:: p < N && inr[p] ->
			atomic {
				if
				:: ACC(HOST, nown[p], nbor[p], nst[p]) && !s2h[p] -> s2h[p] = 1
				:: else -> skip
				fi
			};
			p++
		:: p < N && !inr[p] -> p++
		:: else -> break
		od;
#endif
		/* 1. revoke every access that ends (all of them where the page is zeroed) */
		p = 0;
		do
		:: p < N && inr[p] ->
			atomic {
				if
				:: ACC(HOST, owner[p], borrower[p], st[p]) &&
				   (nz[p] || !ACC(HOST, nown[p], nbor[p], nst[p])) ->
					s2h[p] = 0; tlbh[p] = 1; fh = 1
				:: else -> skip
				fi
			};
			atomic {
				if
				:: ACC(G, owner[p], borrower[p], st[p]) &&
				   (nz[p] || !ACC(G, nown[p], nbor[p], nst[p])) ->
					s2g[p] = 0; tlbg[p] = 1; fg = 1
				:: else -> skip
				fi
			};
			p++
		:: p < N && !inr[p] -> p++
		:: else -> break
		od;
		/* 2. one TLB flush per VM touched, over the range */
#ifndef BUG_NO_FLUSH
		if
		:: fh -> d_step { p = 0; do :: p < N -> if :: inr[p] -> tlbh[p] = 0 :: else -> skip fi; p++ :: else -> break od }
		:: else -> skip
		fi;
		if
		:: fg -> d_step { p = 0; do :: p < N -> if :: inr[p] -> tlbg[p] = 0 :: else -> skip fi; p++ :: else -> break od }
		:: else -> skip
		fi;
#endif
		/* 3. zero */
#if !defined(BUG_NO_ZERO) && !defined(BUG_ZERO_FIRST)
		p = 0;
		do
		:: p < N && inr[p] && nz[p] -> content[p] = CLEAN; p++
		:: p < N && !(inr[p] && nz[p]) -> p++
		:: else -> break
		od;
#endif
		/* 4. grant: write the entry, map new accesses */
		p = 0;
		do
		:: p < N && inr[p] ->
			d_step {
				fh = nz[p] || !ACC(HOST, owner[p], borrower[p], st[p]);
				fg = nz[p] || !ACC(G, owner[p], borrower[p], st[p]);
				owner[p] = nown[p]; borrower[p] = nbor[p]; st[p] = nst[p];
				if
				:: nst[p] == HYPD -> content[p] = HSECRET  /* metadata goes in */
				:: else -> skip
				fi
			};
			atomic {
				if
				:: fh && ACC(HOST, nown[p], nbor[p], nst[p]) -> s2h[p] = 1
				:: else -> skip
				fi
			};
			atomic {
				if
				:: fg && ACC(G, nown[p], nbor[p], nst[p]) ->
					gshared[p] = (nst[p] == SHARED); s2g[p] = 1
				:: else -> skip
				fi
			};
			p++
		:: p < N && !inr[p] -> p++
		:: else -> break
		od
	   :: else -> skip
	   fi;
	   skip;  /* (a break may not jump straight into a d_step) */

	   /* after every call, with the lock still held: the invariants */
	   d_step {
		p = 0;
		do
		:: p < N ->
			if
			:: inr[p] -> gshared[p] = (st[p] == SHARED && live)
			:: else -> skip
			fi;
			assert(owner[p] != NONE && owner[p] != borrower[p]);
			assert((st[p] == LENT || st[p] == SHARED) == (borrower[p] != NONE));
			assert(owner[p] != HYP || (st[p] == HYPD && borrower[p] == NONE));
			assert(st[p] != HYPD || owner[p] == HYP);
			assert(!(owner[p] == G && st[p] == LENT));          /* guests do not lend */
			assert(live || (owner[p] != G && borrower[p] != G));
			assert(s2h[p] == ACC(HOST, owner[p], borrower[p], st[p]));  /* I3 */
			assert(s2g[p] == ACC(G, owner[p], borrower[p], st[p]));
			assert(!tlbh[p] && !tlbg[p]);                        /* I6: no stale TLB */
			nown[p] = 0; nbor[p] = 0; nst[p] = 0; nz[p] = 0; inr[p] = 0;
			p++
		:: else -> break
		od;
		op = 0; caller = 0; first = 0; n = 0; p = 0; ok = 0; fh = 0; fg = 0
	   };
	   lock = 0
	od
}

/* The guest's vCPU: writes its data wherever it can reach, even through stale TLB
 * entries after it lost a page; data is secret unless it knows the page is shared. */
proctype guest_vcpu()
{
	byte p;

	do
	:: if
	   :: p = 0
	   :: p = 1
#if N > 2
	   :: p = 2
#endif
	   fi;
	   atomic {
		if
		:: s2g[p] || tlbg[p] ->
			assert(content[p] != HSECRET);
			if
			:: gshared[p] -> content[p] = CLEAN
			:: else -> content[p] = GSECRET
			fi
		:: else -> skip
		fi;
		p = 0
	   }
	od
}

/* I7 and I2, in every reachable state: whatever the host can reach (through its stage-2
 * or a stale TLB entry) holds neither undisclosed guest data nor hypervisor metadata. */
#define HOST_READS_OK(p) (!(s2h[p] || tlbh[p]) || content[p] == CLEAN)
proctype monitor()
{
#if N > 2
	assert(HOST_READS_OK(0) && HOST_READS_OK(1) && HOST_READS_OK(2))
#else
	assert(HOST_READS_OK(0) && HOST_READS_OK(1))
#endif
}

init
{
	atomic {
		byte p = 0;

		do
		:: p < N ->
			owner[p] = HOST; borrower[p] = NONE; st[p] = OWNED; s2h[p] = 1;
			p++
		:: else -> break
		od;
		run cpu();
		run cpu();
		run guest_vcpu();
		run monitor()
	}
}
