/*
 * Reference model of docs/memory.md for the randomized test, written separately from
 * the module and as plainly as possible: each page records both parties' IPAs, each
 * call is one flat list of checks in the documented order, then a loop that applies it.
 */
#ifndef MEM_TEST_REF_MODEL_H
#define MEM_TEST_REF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"

enum ref_kind { REF_OWNED, REF_LENT, REF_SHARED, REF_HYP_DONATED };

struct ref_page {
	int owner;
	int borrower;            /* -1: none */
	enum ref_kind kind;
	int perms;               /* the borrower's */
	uint64_t owner_ipa;      /* where the owner sees it (== pa for the host) */
	uint64_t borrower_ipa;
};

struct ref {
	struct ref_page pg[RAM_PAGES];
	bool live[VM_ID_LIMIT];
	bool protected_vm[VM_ID_LIMIT];   /* receives only launch gives, until sealed */
	bool sealed[VM_ID_LIMIT];
	uint64_t zeroed;         /* pages zeroed so far */
};

enum ref_op { R_DONATE, R_LEND, R_SHARE, R_RELINQUISH, R_RECLAIM, R_UNSHARE,
	      R_LAUNCH_DONATE, R_LAUNCH_LEND };

void ref_init(struct ref *m);
int ref_index(uint64_t pa);  /* page index, -1 if not RAM */
/* prepare_fail: what the stage-2 will say if asked to prepare (0: it has room). */
int ref_call(struct ref *m, enum ref_op op, int caller, uint64_t pa, uint64_t ipa,
	     uint64_t pages, int to, uint64_t to_ipa, int perms, int prepare_fail);
int ref_hyp_donate(struct ref *m, uint64_t pa, uint64_t pages);
int ref_hyp_return(struct ref *m, uint64_t pa, uint64_t pages);
int ref_create(struct ref *m, int vm, bool protected_vm);
int ref_seal(struct ref *m, int vm);
int ref_teardown(struct ref *m, int vm);

#endif
