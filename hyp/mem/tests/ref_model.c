/* Reference model (see ref_model.h). Deliberately naive; shares no code with the module. */
#include <string.h>

#include "ref_model.h"

#define PG 4096ull

static bool guest(int vm)
{
	return vm >= 2 && vm < 64;
}

void ref_init(struct ref *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < RAM_PAGES; i++) {
		uint64_t pa = env_page((unsigned int)i);

		m->pg[i] = (struct ref_page){ .owner = i < HYP_PAGES ? 0 : 1, .borrower = -1,
					      .kind = REF_OWNED, .owner_ipa = pa };
	}
	m->live[1] = true;
	m->live[2] = true;
	m->live[3] = true;
}

int ref_index(uint64_t pa)
{
	if (pa >= RAM_A && pa < RAM_A + RAM_PAGES_EACH * PG)
		return (int)((pa - RAM_A) / PG);
	if (pa >= RAM_B && pa < RAM_B + RAM_PAGES_EACH * PG)
		return RAM_PAGES_EACH + (int)((pa - RAM_B) / PG);
	return -1;
}

/* Shape of [base, base + pages pages): nonzero, aligned, no wrap. */
static bool shape_ok(uint64_t base, uint64_t pages)
{
	if (pages == 0 || base % PG != 0 || pages > (~0ull / PG))
		return false;
	return base <= ~0ull - pages * PG;  /* the end, base + size, must not pass 2^64 - 1 */
}

/* All pages in one RAM region: returns the first index or -1. */
static int ram_range(uint64_t pa, uint64_t pages)
{
	int first = ref_index(pa);

	if (first < 0)
		return -1;
	if (first < RAM_PAGES_EACH)
		return (uint64_t)first + pages <= RAM_PAGES_EACH ? first : -1;
	return (uint64_t)first + pages <= RAM_PAGES ? first : -1;
}

/* Does guest vm already see some page at an IPA in [ipa, ipa + pages pages)? */
static bool ipa_busy(const struct ref *m, int vm, uint64_t ipa, uint64_t pages)
{
	for (int i = 0; i < RAM_PAGES; i++) {
		const struct ref_page *p = &m->pg[i];

		if (p->owner == vm && p->kind != REF_LENT && p->owner_ipa >= ipa &&
		    p->owner_ipa < ipa + pages * PG)
			return true;
		if (p->borrower == vm && p->borrower_ipa >= ipa &&
		    p->borrower_ipa < ipa + pages * PG)
			return true;
	}
	return false;
}

static void owned(struct ref_page *p, int owner, uint64_t ipa)
{
	*p = (struct ref_page){ .owner = owner, .borrower = -1, .kind = REF_OWNED,
				.owner_ipa = ipa };
}

int ref_call(struct ref *m, enum ref_op op, int caller, uint64_t pa, uint64_t ipa,
	     uint64_t pages, int to, uint64_t to_ipa, int perms, int prepare_fail)
{
	bool launch = op == R_LAUNCH_DONATE || op == R_LAUNCH_LEND;
	int first;

	/* A launch give is the host's donate or lend (RWX) to a protected VM. */
	if (launch) {
		op = op == R_LAUNCH_DONATE ? R_DONATE : R_LEND;
		caller = 1;
		ipa = pa;
		perms = op == R_LEND ? 7 : 0;
	}
	bool gives = op == R_DONATE || op == R_LEND || op == R_SHARE;

	/* 1. argument shape and identities, no state needed */
	if (!shape_ok(pa, pages))
		return PAL_E_INVALID;
	if (!shape_ok(ipa, pages) || (caller == 1 && ipa != pa))
		return PAL_E_INVALID;
	if (caller != 1 && !guest(caller))
		return PAL_E_DENIED;
	if (gives) {
		if (to == caller)
			return PAL_E_INVALID;
		if (op != R_DONATE && (perms == 0 || perms > 7))
			return PAL_E_INVALID;
		if (to == 0)
			return PAL_E_DENIED;
		if (to != 1 && !guest(to))
			return PAL_E_NOT_FOUND;
		if (op == R_LEND && caller != 1)
			return PAL_E_DENIED;
		if (op != R_DONATE && guest(caller) && guest(to))
			return PAL_E_DENIED;
		if (to == 1 && to_ipa != pa)
			return PAL_E_INVALID;
		if (to != 1 && !shape_ok(to_ipa, pages))
			return PAL_E_INVALID;
		if (to != 1 && to_ipa + pages * PG > (1ull << 44))
			return PAL_E_RANGE;
	}
	/* 2. RAM */
	first = ram_range(pa, pages);
	if (first < 0)
		return PAL_E_RANGE;
	/* 3. the parties exist */
	if (!m->live[caller])
		return PAL_E_DENIED;
	if (gives && !m->live[to])
		return PAL_E_NOT_FOUND;
	/* 3a. who may give to whom: protected VMs only by the launch, until sealed */
	if (gives && launch && !(m->protected_vm[to] && !m->sealed[to]))
		return PAL_E_DENIED;
	if (gives && !launch && m->protected_vm[to])
		return PAL_E_DENIED;
	/* 4. every page, in order */
	for (uint64_t k = 0; k < pages; k++) {
		struct ref_page *p = &m->pg[first + k];
		uint64_t want = ipa + k * PG;

		switch (op) {
		case R_DONATE:
		case R_LEND:
		case R_SHARE:
			if (p->owner != caller)
				return PAL_E_DENIED;
			if (p->kind != REF_OWNED)
				return PAL_E_STATE;
			if (p->owner_ipa != want)
				return PAL_E_INVALID;
			break;
		case R_RELINQUISH:
			if (p->borrower != caller)
				return PAL_E_DENIED;
			if (p->borrower_ipa != want)
				return PAL_E_INVALID;
			break;
		case R_RECLAIM:
		case R_UNSHARE:
			if (p->owner != caller)
				return PAL_E_DENIED;
			if (p->kind != (op == R_RECLAIM ? REF_LENT : REF_SHARED))
				return PAL_E_STATE;
			if (op == R_RECLAIM && m->protected_vm[p->borrower])
				return PAL_E_DENIED;
			if (p->owner_ipa != want)
				return PAL_E_INVALID;
			break;
		default:   /* launch gives were turned into donate or lend above */
			return PAL_E_INVALID;
		}
	}
	/* 5. the receiving guest's stage-2 has room */
	if (gives && guest(to)) {
		if (prepare_fail)
			return prepare_fail;
		if (to_ipa + pages * PG > FAKE_IPA_LIMIT)
			return PAL_E_RANGE;
		if (ipa_busy(m, to, to_ipa, pages))
			return PAL_E_BUSY;
	}
	/* 6. apply */
	for (uint64_t k = 0; k < pages; k++) {
		struct ref_page *p = &m->pg[first + k];
		uint64_t page_pa = pa + k * PG;
		uint64_t recv_ipa = to == 1 ? page_pa : to_ipa + k * PG;

		switch (op) {
		case R_DONATE:
			if (guest(caller))
				m->zeroed++;
			owned(p, to, recv_ipa);
			break;
		case R_LEND:
		case R_SHARE:
			p->kind = op == R_LEND ? REF_LENT : REF_SHARED;
			p->borrower = to;
			p->borrower_ipa = recv_ipa;
			p->perms = perms;
			break;
		case R_RELINQUISH:
			if (p->kind == REF_LENT && guest(caller))
				m->zeroed++;
			owned(p, p->owner, p->owner_ipa);
			break;
		case R_RECLAIM:
			if (guest(p->borrower))
				m->zeroed++;
			owned(p, p->owner, p->owner_ipa);
			break;
		case R_UNSHARE:
			owned(p, p->owner, p->owner_ipa);
			break;
		default:
			break;
		}
	}
	return PAL_OK;
}

int ref_hyp_donate(struct ref *m, uint64_t pa, uint64_t pages)
{
	int first;

	if (!shape_ok(pa, pages))
		return PAL_E_INVALID;
	first = ram_range(pa, pages);
	if (first < 0)
		return PAL_E_RANGE;
	for (uint64_t k = 0; k < pages; k++) {
		if (m->pg[first + k].owner != 1)
			return PAL_E_DENIED;
		if (m->pg[first + k].kind != REF_OWNED)
			return PAL_E_STATE;
	}
	for (uint64_t k = 0; k < pages; k++) {
		owned(&m->pg[first + k], 0, 0);
		m->pg[first + k].kind = REF_HYP_DONATED;
	}
	return PAL_OK;
}

int ref_hyp_return(struct ref *m, uint64_t pa, uint64_t pages)
{
	int first;

	if (!shape_ok(pa, pages))
		return PAL_E_INVALID;
	first = ram_range(pa, pages);
	if (first < 0)
		return PAL_E_RANGE;
	for (uint64_t k = 0; k < pages; k++) {
		if (m->pg[first + k].kind != REF_HYP_DONATED)
			return PAL_E_DENIED;
	}
	for (uint64_t k = 0; k < pages; k++) {
		owned(&m->pg[first + k], 1, pa + k * PG);
		m->zeroed++;
	}
	return PAL_OK;
}

int ref_create(struct ref *m, int vm, bool protected_vm)
{
	if (!guest(vm))
		return PAL_E_INVALID;
	if (m->live[vm])
		return PAL_E_STATE;
	m->live[vm] = true;
	m->protected_vm[vm] = protected_vm;
	m->sealed[vm] = false;
	return PAL_OK;
}

int ref_seal(struct ref *m, int vm)
{
	if (!guest(vm))
		return PAL_E_INVALID;
	if (!m->live[vm])
		return PAL_E_NOT_FOUND;
	m->sealed[vm] = true;
	return PAL_OK;
}

int ref_teardown(struct ref *m, int vm)
{
	if (!guest(vm))
		return PAL_E_INVALID;
	if (!m->live[vm])
		return PAL_E_NOT_FOUND;
	m->live[vm] = false;
	m->protected_vm[vm] = false;
	m->sealed[vm] = false;
	for (int i = 0; i < RAM_PAGES; i++) {
		struct ref_page *p = &m->pg[i];
		uint64_t pa = env_page((unsigned int)i);

		if (p->owner == vm) {
			owned(p, 1, pa);
			m->zeroed++;
		} else if (p->borrower == vm) {
			if (p->kind == REF_LENT)
				m->zeroed++;
			owned(p, p->owner, p->owner_ipa);
		}
	}
	return PAL_OK;
}
