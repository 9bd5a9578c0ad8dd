/*
 * fuzz-host: the untrusted bare-metal host of qemu.fuzz.hypercalls (tests/README.md).
 * All 3 host vCPUs make seeded random hypercalls, valid and invalid, over a small shared
 * set of VMs and vCPUs (VM_CREATE, VM_LOAD, VM_SET_BOOT, VM_START, VCPU_RUN, VM_DESTROY,
 * VM_IRQ_LINE, MEM_*), while each vCPU launches and relaunches a 2-vCPU protected VM
 * (pvm-fuzz, embedded) that fuzzes its own pages; any vCPU may destroy any VM at any
 * time, so VM_DESTROY races everything the pVMs do.
 *
 * Each host vCPU has its own pages (its partition: PART(c)) and is the only one to
 * name them, so it knows which it has (a pattern in their first and last words must
 * stay; reading must not fault) and which it gave away (reading must fault until MEM_QUERY
 * says they are back, and then they must be zero). Checks after each call:
 *  - the status is PAL_OK or a PAL_E_* code; calls that must fail fail (any MEM_DONATE/
 *    LEND/SHARE from the host: every guest is protected; calls with undefined bits set);
 *  - one of its pages (by the rule above), and the hypervisor's image faults when read.
 * The hypervisor must not fault or hang, and the debug image checks the ownership table
 * against every stage-2 after each call (PALISADE-INVARIANT lines).
 *
 * Seed and steps: FUZZ_SEED and FUZZ_STEPS (build defines), overridden by a parameter
 * block QEMU can place at PARAMS (scripts/fuzz-hypercalls). Only vCPU 0 prints.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/elf_image.h"
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"
#include "launch_lib.h"
#include "fuzz_proto.h"

#ifndef FUZZ_SEED
#define FUZZ_SEED 1
#endif
#ifndef FUZZ_STEPS
#define FUZZ_STEPS 400
#endif
#ifndef FUZZ_DRAIN
#define FUZZ_DRAIN 0
#endif
#ifndef FUZZ_PVM_STEPS
#define FUZZ_PVM_STEPS 120
#endif

#define NVCPU           3u
#define PARAMS          0x47e00000ull     /* magic, seed, steps (scripts/fuzz-hypercalls) */
#define PARAMS_MAGIC    0x4d5241505a5a5546ull   /* "FUZZPARM" */
#define PART(c)         (0x60000000ull + (uint64_t)(c) * 0x1000000ull)
#define SET_PAGES       32u               /* PART + 0: pages for MEM_* and VM_LOAD */
#define STAGE_OFF       0x400000ull       /* the pVM's 2 MiB */
#define META_OFF        0x600000ull       /* its metadata */
#define META_PAGES      16u
#define OUT_OFF         0x700000ull       /* VM_START's out page */
#define RMETA_OFF       0x800000ull       /* metadata for random VM_CREATEs */
#define RMETA_PAGES     16u
#define HYP_PAGE        0x40200000ull     /* the hypervisor's image */
#define PSCI_CPU_ON     0xC4000003u
#define PSCI_SYSTEM_OFF 0x84000008u
#define MAX_VMS         8u
/* FUZZ_DRAIN (qemu.fuzz.hypercalls_pool_drained, --mem 4G): RAM above the partitions. */
#define SPLIT_META      0x63000000ull     /* a short-lived VM's metadata (pre-split) */
#define SINK_META       0x63100000ull     /* the sink's metadata */
#define DRAIN_FIRST     0x63200000ull     /* one page of each 2 MiB region from here */
#define DRAIN_END       0x13f000000ull    /* below the ownership table at the top */
#define DRAIN_REGIONS   ((DRAIN_END - DRAIN_FIRST) >> 21)
#define DRAIN_PVM_SIZE  0x800000ull       /* 2048 pages: one per region fits */

extern const uint8_t pvm_elf[], pvm_elf_end[];
extern char secondary_start[];

/* A page of a partition: pattern present (HAVE), or given away (GIVEN). */
enum hstate { H_HAVE = 0, H_GIVEN = 1 };

struct part {
	uint8_t set[SET_PAGES];
	uint8_t rmeta[RMETA_PAGES];
	uint16_t pvm;                 /* the pVM launched from the stage, 0 if none */
	bool stage_given;             /* stage and metadata given away */
	uint64_t rng;
	uint64_t launches, back, calls, ok, pvm_exits;
	uint64_t fails;
	uint64_t fail_what, fail_a, fail_b, fail_step;
};

static struct part parts[NVCPU];
static volatile uint16_t known[MAX_VMS];          /* VM ids some vCPU created */
static volatile uint64_t vm_seed[64];
static volatile uint64_t pvm_fail_count, pvm_fail_code, pvm_fail_arg, pvm_progress, pvm_done;
static volatile uint64_t statuses_bad, destroys, creates, runs;
static volatile uint64_t nomem_host, nomem_pvm, nomem_create, nomem_load, nomem_bad;
static uint64_t drain_loaded;
static uint16_t drain_sink;
static volatile unsigned finished;
static uint64_t seed = FUZZ_SEED, steps = FUZZ_STEPS;
static bool stage_given_page[NVCPU][512];   /* pages of each stage VM_LOAD gave */

/* ---- helpers ---------------------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static void info(const char *what, uint64_t v)
{
	guest_puts("FUZZ-INFO ");
	guest_puts(what);
	guest_puts(" ");
	guest_put_hex64(v);
	guest_puts("\n");
}

static unsigned this_cpu(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (unsigned)(mpidr & 7);
}

/* What went wrong first on this vCPU (vCPU 0 prints it at the end). */
enum hfail {
	HF_UNDEFINED_RC = 1, HF_MUST_FAIL, HF_OWN_PAGE_FAULT, HF_OWN_PAGE_CHANGED,
	HF_GIVEN_PAGE_READ, HF_BACK_NOT_ZERO, HF_HYP_PAGE_READ, HF_REFUSED_CHANGED,
	HF_LAUNCH, HF_END_NOT_BACK, HF_NOMEM_UNEXPECTED,
};
static const char *const hfail_names[] = {
	"", "undefined status", "a call that must fail succeeded", "own page faults",
	"own page changed", "host read a page it gave away", "page came back not zeroed",
	"host read a hypervisor page", "a refused call changed a page", "launching the pVM failed",
	"memory not back at the end", "PAL_E_NO_MEMORY from a call that needs no page table",
};

static void hfail(struct part *p, enum hfail what, uint64_t a, uint64_t b, uint64_t step)
{
	if (!p->fails++) {
		p->fail_what = what;
		p->fail_a = a;
		p->fail_b = b;
		p->fail_step = step;
	}
}

static bool rc_defined(int64_t rc)
{
	return rc <= 0 && rc >= PAL_E_CRYPTO;
}

/*
 * PAL_E_NO_MEMORY is a defined status, but only where a call can need memory: VM_CREATE
 * (no free VM slot; its metadata pages taken from a host 2 MiB block need a host level-3
 * table) and VM_LOAD (the VM's metadata pool used up; host pages given from a 2 MiB block
 * need a host table). Every other call the host makes here either needs no new table
 * (VCPU_RUN, VM_SET_BOOT, VM_START, VM_IRQ_LINE, MEM_QUERY, unknown calls) or must be
 * refused before any table is counted (MEM_* from the host: every guest is protected).
 * VM_DESTROY returns pages to the host where it had mapped them, and its metadata to
 * where the host's level-3 tables still are (blocks are not merged back): never refused.
 */
static bool nomem_allowed(uint64_t fid)
{
	return fid == 0xC6000200u || fid == 0xC6000201u;
}

static int64_t note(struct part *p, int64_t rc, uint64_t fid, uint64_t step)
{
	p->calls++;
	if (rc == PAL_E_NO_MEMORY) {
		__atomic_fetch_add(&nomem_host, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(fid == 0xC6000200u ? &nomem_create : fid == 0xC6000201u ?
				   &nomem_load : &nomem_bad, 1, __ATOMIC_RELAXED);
		if (!nomem_allowed(fid))
			hfail(p, HF_NOMEM_UNEXPECTED, fid, 0, step);
	}
	if (!rc_defined(rc)) {
		__atomic_fetch_add(&statuses_bad, 1, __ATOMIC_RELAXED);
		hfail(p, HF_UNDEFINED_RC, (uint64_t)rc, fid, step);
	} else if (rc == 0) {
		p->ok++;
	}
	return rc;
}

static uint64_t pat(uint64_t pa, unsigned w)
{
	return (pa * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)w << 60) ^ 0x5a5a000000000000ull;
}

static void mark(uint64_t pa)
{
	((volatile uint64_t *)(uintptr_t)pa)[0] = pat(pa, 0);
	((volatile uint64_t *)(uintptr_t)pa)[511] = pat(pa, 1);
}

static bool marked(uint64_t pa)
{
	return ((volatile uint64_t *)(uintptr_t)pa)[0] == pat(pa, 0) &&
	       ((volatile uint64_t *)(uintptr_t)pa)[511] == pat(pa, 1);
}

/* The host sees the page at pa (view owned: 1). */
static bool host_owns(uint64_t pa)
{
	struct pal_hc_mem_query_result q;

	return pal_hc_mem_query(pa, &q) == 0 && ((q.state >> 8) & 0xff) == 1;
}

/*
 * One page of this vCPU's partition, by the rule at the top. *st is its state; a page
 * that is back is checked zero, marked and becomes H_HAVE. strict: nobody can share it
 * with the host meanwhile (not a pVM's zone page).
 */
static void check_page(struct part *p, uint64_t pa, uint8_t *st, bool strict, uint64_t step)
{
	if (*st == H_HAVE) {
		if (read_faults(pa))
			hfail(p, HF_OWN_PAGE_FAULT, pa, 0, step);
		else if (!marked(pa))
			hfail(p, HF_OWN_PAGE_CHANGED, pa, ((volatile uint64_t *)(uintptr_t)pa)[0], step);
		return;
	}
	if (!read_faults(pa)) {
		/* Readable: it must be the host's now (nobody takes a host page back). */
		if (host_owns(pa)) {
			if (!all_zero(pa, 4096))
				hfail(p, HF_BACK_NOT_ZERO, pa, ((volatile uint64_t *)(uintptr_t)pa)[0], step);
			mark(pa);
			*st = H_HAVE;
			p->back++;
		} else if (strict) {
			struct pal_hc_mem_query_result q = { 0, 0, 0 };

			pal_hc_mem_query(pa, &q);
			hfail(p, HF_GIVEN_PAGE_READ, pa, (uint64_t)q.state << 32 | q.parties, step);
		}
	}
}

static void add_known(uint16_t vm)
{
	for (unsigned i = 0; i < MAX_VMS; i++) {
		uint16_t z = 0;

		if (__atomic_compare_exchange_n(&known[i], &z, vm, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
	}
}

static void drop_known(uint16_t vm)
{
	for (unsigned i = 0; i < MAX_VMS; i++) {
		uint16_t v = vm;

		__atomic_compare_exchange_n(&known[i], &v, 0, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	}
}

/* A VM id to use: mostly one that exists (or did), sometimes anything. */
static uint16_t pick_vm(uint64_t r)
{
	static const uint16_t odd[] = { 0, 1, 6, 63, 64, 0xffff };

	if (r % 8 == 0)
		return odd[(r >> 3) % 6];
	for (unsigned i = 0; i < MAX_VMS; i++) {
		uint16_t v = known[(r >> 8) % MAX_VMS];

		if (v)
			return v;
		r = mix(r);
	}
	return (uint16_t)(2 + (r >> 16) % 6);
}

/* ---- the pVM ------------------------------------------------------------------------ */

/* Serves one VCPU_RUN of vm's vcpu: MMIO reads are answered at once (the run goes on),
 * anything else ends it. SHUTDOWN: the VM is destroyed. */
static int64_t run_vcpu(struct part *p, uint16_t vm, unsigned vcpu, uint64_t step)
{
	uint64_t data = 0;
	uint8_t flags = 0;

	for (unsigned n = 0; n < 64; n++) {
		struct pal_hc_vcpu_run_result r;
		int64_t rc = note(p, pal_hc_vcpu_run(vm, vcpu, data, flags, &r), 0xC6000204, step);
		unsigned reason = r.exit & 0xff;
		bool write = (r.exit >> 12) & 1;

		data = 0;
		flags = 0;
		if (rc != 0)
			return rc;
		__atomic_fetch_add(&runs, 1, __ATOMIC_RELAXED);
		p->pvm_exits++;
		if (reason == 6) {
			if (pal_hc_vm_destroy(vm) == 0) {
				drop_known(vm);
				__atomic_fetch_add(&destroys, 1, __ATOMIC_RELAXED);
			}
			return 0;
		}
		if (reason != 1)
			return 0;     /* HALT, INTERRUPTED, CPU_ON (run it later), CPU_OFF */
		if (!write) {
			if (r.addr == DEV_SEED)
				data = vm_seed[vm & 63];
			else if (r.addr == DEV_DRAINED)
				data = FUZZ_DRAIN;
			else if (r.addr == DEV_STEPS)
				data = FUZZ_PVM_STEPS;
			else if (r.addr >= UART_IPA && r.addr < UART_IPA + 0x1000)
				data = r.addr == UART_IPA + 0x18 ? 0x90 : 0;
			else
				flags = HC_VCPU_RUN_MMIO_FLAGS_ABORT_MASK;
			continue;
		}
		if (r.addr == DEV_FAIL_ARG) {
			pvm_fail_arg = r.data;
		} else if (r.addr == DEV_FAIL) {
			if (!__atomic_fetch_add(&pvm_fail_count, 1, __ATOMIC_RELAXED))
				pvm_fail_code = r.data | (uint64_t)vm << 56 | (uint64_t)vcpu << 52;
		} else if (r.addr == DEV_PROGRESS) {
			__atomic_fetch_add(&pvm_progress, 1, __ATOMIC_RELAXED);
		} else if (r.addr == DEV_NOMEM) {
			__atomic_fetch_add(&nomem_pvm, 1, __ATOMIC_RELAXED);
		} else if (r.addr == DEV_DONE) {
			__atomic_fetch_add(&pvm_done, 1, __ATOMIC_RELAXED);
		} else if (!(r.addr >= UART_IPA && r.addr < UART_IPA + 0x1000)) {
			flags = HC_VCPU_RUN_MMIO_FLAGS_ABORT_MASK;
			continue;
		}
		return 0;
	}
	return 0;
}

/* Launches pvm-fuzz from this vCPU's stage: ELF pages lent and measured, zone pages
 * lent (even) or donated (odd), the rest donated; started. */
static uint16_t launch_pvm(struct part *p, uint64_t base, uint64_t step)
{
	static uint8_t buf[NVCPU][4096] __attribute__((aligned(8)));
	unsigned c = (unsigned)(p - parts);
	uint64_t stage = base + STAGE_OFF, meta = base + META_OFF, page;
	struct pal_hc_vm_create_result cr;
	struct elf_image img;
	char err[64];
	bool ok;

	if (elf_image_parse(pvm_elf, (uint64_t)(pvm_elf_end - pvm_elf), PVM_BASE, PVM_SIZE, &img,
			    err, sizeof(err)) != 0)
		return 0;
	if (note(p, pal_hc_vm_create(2, PVM_BASE, PVM_SIZE, meta, META_PAGES, &cr), 0xC6000200,
		 step) != 0)
		return 0;   /* no free slot now: another time */
	p->stage_given = true;
	vm_seed[cr.vm_id & 63] = mix(seed ^ (c + 1) * 0x100000001ull ^ p->launches * 77);
	ok = elf_image_next_page(&img, img.start, &page);
	while (ok) {
		uint64_t pa = stage + (page - PVM_BASE);

		if (elf_image_page(&img, pvm_elf, (uint64_t)(pvm_elf_end - pvm_elf), page, buf[c]))
			return 0;
		copy((void *)(uintptr_t)pa, buf[c], 4096);
		if (!load_pages(cr.vm_id, pa, page, 4096, 3, PVM_BASE, stage_given_page[c]))
			goto gone;
		ok = elf_image_next_page(&img, page + 4096, &page);
	}
	for (unsigned k = 0; k < ZONE_PAGES; k++) {
		uint64_t ipa = ZONE_IPA + k * 4096ull;

		if (!load_pages(cr.vm_id, stage + (ipa - PVM_BASE), ipa, 4096, ZONE_LENT(k) ? 2 : 0,
				PVM_BASE, stage_given_page[c]))
			goto gone;
	}
	if (!load_rest(cr.vm_id, stage, PVM_BASE, 512, stage_given_page[c]))
		goto gone;
	for (unsigned i = 0; i < 512; i++)
		stage_given_page[c][i] = true;
	if (pal_hc_vm_set_boot(cr.vm_id, img.entry, 0) != 0 ||
	    note(p, pal_hc_vm_start(cr.vm_id, base + OUT_OFF), 0xC6000203, step) != 0)
		goto gone;
	add_known(cr.vm_id);
	p->launches++;
	return cr.vm_id;
gone:
	/* Another vCPU destroyed it half-way (it may: it is in nobody's list yet only if
	 * that vCPU guessed the id). Whatever is left goes. */
	pal_hc_vm_destroy(cr.vm_id);
	return cr.vm_id;
}

/* The stage is back when its first page is the host's again: teardown returns all of a
 * VM's memory and its metadata in one step. Then all of it must be zero. */
static void stage_check(struct part *p, uint64_t base, uint64_t step)
{
	unsigned c = (unsigned)(p - parts);

	if (!p->stage_given)
		return;
	if (read_faults(base + STAGE_OFF))
		return;
	if (!host_owns(base + STAGE_OFF) || !host_owns(base + META_OFF))
		return;   /* (a pVM shared its page with the host) */
	/* Only what was given: a launch cut short leaves staged pages it never gave. And
	 * a launch that went on after its VM was destroyed may have given later pages to
	 * another VM that took the same id: every given page must be back first (readable,
	 * and the host's if not zero: another pVM could have shared it with the host). */
	for (unsigned i = 0; i < 512; i++)
		if (stage_given_page[c][i] && read_faults(base + STAGE_OFF + i * 4096ull))
			return;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t pa = base + STAGE_OFF + i * 4096ull;

		if (stage_given_page[c][i] && !all_zero(pa, 4096)) {
			if (!host_owns(pa))
				return;
			hfail(p, HF_BACK_NOT_ZERO, pa, ((volatile uint64_t *)(uintptr_t)pa)[0], step);
		}
	}
	for (unsigned i = 0; i < 512; i++)
		stage_given_page[c][i] = false;
	if (!all_zero(base + META_OFF, META_PAGES * 4096ull))
		hfail(p, HF_BACK_NOT_ZERO, base + META_OFF, 1, step);
	p->stage_given = false;
	p->pvm = 0;
	p->back++;
}

/* ---- one random call ---------------------------------------------------------------- */

static void fuzz_step(struct part *p, uint64_t base, uint64_t step)
{
	uint64_t r = rnd(&p->rng), r2 = rnd(&p->rng);
	unsigned k = (unsigned)((r >> 8) % SET_PAGES);
	uint64_t pa = base + k * 4096ull;
	unsigned n = 1 + (unsigned)((r >> 16) % 3);
	uint16_t vm = pick_vm(r2);
	int64_t rc;
	uint64_t out[3];

	if (k + n > SET_PAGES)
		n = SET_PAGES - k;
	switch (r % 20) {
	case 0: case 1: {   /* MEM_DONATE/LEND/SHARE: every guest is protected: refused */
		unsigned how = (unsigned)((r >> 24) % 3);
		uint64_t to_ipa = (r2 >> 20) % 3 == 0 ? 0 : PVM_BASE + ((r2 >> 24) % 512) * 4096;

		rc = note(p, pal_hc_call(0xC6000100u + how, pa, n, vm, to_ipa,
					 how ? 1 + (r2 >> 30) % 7 : 0, 0, out), 0xC6000100u + how, step);
		if (rc == 0)
			hfail(p, HF_MUST_FAIL, 0xC6000100u + how, (uint64_t)vm << 32 | k, step);
		break;
	}
	case 2: {           /* MEM_RECLAIM/UNSHARE: nothing of the host's is lent or shared
			     * but to protected VMs, which it may not take back */
		unsigned how = (unsigned)((r >> 24) % 2);

		rc = note(p, pal_hc_call(0xC6000104u + how, pa, n, 0, 0, 0, 0, out),
			  0xC6000104u + how, step);
		if (rc == 0)
			hfail(p, HF_MUST_FAIL, 0xC6000104u + how, k, step);
		break;
	}
	case 3:             /* MEM_QUERY: own page, the hypervisor's, a device, garbage */
		note(p, pal_hc_call(0xC6000106u, (r2 >> 8) % 4 == 0 ? HYP_PAGE :
				    (r2 >> 8) % 4 == 1 ? 0x09000000ull :
				    (r2 >> 8) % 4 == 2 ? r2 & ~0xfffull : pa, 0, 0, 0, 0, 0, out),
		     0xC6000106u, step);
		break;
	case 4: {           /* VM_CREATE with random metadata from its own pages */
		unsigned m = (unsigned)((r >> 24) % RMETA_PAGES), cnt = 1 + (unsigned)((r2 >> 8) % 16);
		uint64_t size = (r2 >> 16) % 4 == 0 ? 0x400000 : (r2 >> 16) % 4 == 1 ? 0x3000 : PVM_SIZE;
		uint32_t cfg = (uint32_t)((r2 >> 24) % 4) | ((r2 >> 40) % 8 == 0 ? 0x100u : 0) |
			       ((r2 >> 44) % 16 == 0 ? 0x200u : 0);
		uint64_t mbase = (r2 >> 48) % 8 == 0 ? 0x1000000 : PVM_BASE;
		struct pal_hc_vm_create_result c;
		uint64_t mpa = base + RMETA_OFF + m * 4096ull;

		if (m + cnt > RMETA_PAGES)
			cnt = RMETA_PAGES - m;
		rc = note(p, pal_hc_vm_create(cfg, mbase, size, mpa, cnt, &c), 0xC6000200, step);
		if (rc == 0) {
			add_known(c.vm_id);
			__atomic_fetch_add(&creates, 1, __ATOMIC_RELAXED);
			for (unsigned i = 0; i < cnt; i++)
				p->rmeta[m + i] = H_GIVEN;
		} else {
			/* Refused: its pages as they were (or zero if the metadata went to the
			 * hypervisor and came back: counted as given, checked zero). */
			for (unsigned i = 0; i < cnt; i++)
				if (p->rmeta[m + i] == H_HAVE && !marked(mpa + i * 4096ull)) {
					if (!all_zero(mpa + i * 4096ull, 4096))
						hfail(p, HF_REFUSED_CHANGED, mpa + i * 4096ull, 0xC6000200, step);
					mark(mpa + i * 4096ull);
				}
		}
		break;
	}
	case 5: case 6: {   /* VM_LOAD own pages into some VM */
		uint64_t to = PVM_BASE + ((r2 >> 8) % 520) * 4096;
		uint64_t flags = (r2 >> 24) % 16 == 0 ? 4 + (r2 >> 28) % 4 : (r2 >> 28) % 4;

		rc = note(p, pal_hc_call(0xC6000201u, vm, pa, n, to, flags, 0, out), 0xC6000201u, step);
		for (unsigned i = 0; i < n; i++) {
			if (rc == 0)
				p->set[k + i] = H_GIVEN;
			else if (p->set[k + i] == H_HAVE && !marked(pa + i * 4096ull))
				hfail(p, HF_REFUSED_CHANGED, pa + i * 4096ull, 0xC6000201u, step);
		}
		break;
	}
	case 7:             /* VM_SET_BOOT */
		note(p, pal_hc_vm_set_boot(vm, (r2 >> 8) % 4 == 0 ? 0x1002 : PVM_BASE +
					   ((r2 >> 12) % 600) * 4, 0), 0xC6000202, step);
		break;
	case 8: {           /* VM_START, measurement into its out page (or a page it gave) */
		uint64_t o = (r2 >> 8) % 2 ? base + OUT_OFF : (r2 >> 9) % 2 ? pa : HYP_PAGE;

		rc = note(p, pal_hc_vm_start(vm, o), 0xC6000203, step);
		if (o == pa && p->set[k] == H_HAVE) {
			if (rc == 0)
				mark(pa);
			else if (!marked(pa))
				hfail(p, HF_REFUSED_CHANGED, pa, 0xC6000203, step);
		}
		if (o == HYP_PAGE && rc == 0)
			hfail(p, HF_MUST_FAIL, 0xC6000203, HYP_PAGE, step);
		break;
	}
	case 9: case 10: case 11: case 12: /* VCPU_RUN */
		run_vcpu(p, vm, (unsigned)((r >> 24) % 3), step);
		break;
	case 13:            /* VM_DESTROY */
		if ((r >> 24) % 3)
			break;
		rc = note(p, pal_hc_vm_destroy(vm), 0xC6000206, step);
		if (rc == 0) {
			drop_known(vm);
			__atomic_fetch_add(&destroys, 1, __ATOMIC_RELAXED);
		}
		break;
	case 14:            /* VM_IRQ_LINE */
		note(p, pal_hc_call(0xC6000205u, vm, 28 + (r2 >> 8) % 40, (r2 >> 16) % 3, 0, 0, 0, out),
		     0xC6000205u, step);
		break;
	case 15: {          /* undefined bits, unknown calls, guest-only calls */
		uint32_t fid = (r2 >> 8) % 3 == 0 ? 0xC6000000u | (uint32_t)((r2 >> 12) & 0xffff) :
			       (r2 >> 8) % 3 == 1 ? 0x86000100u : 0xC6000300u + (uint32_t)((r2 >> 12) % 3);

		rc = note(p, pal_hc_call(fid, pa, r2, 0, 0, 0, r2 | 1, out), fid, step);
		if (rc == 0)
			hfail(p, HF_MUST_FAIL, fid, r2, step);
		break;
	}
	case 16:            /* its pVM: launch when the stage is back */
		stage_check(p, base, step);
		if (!p->stage_given)
			p->pvm = launch_pvm(p, base, step);
		break;
	default: {          /* look at its pages, and at the hypervisor's */
		for (unsigned i = 0; i < 4; i++) {
			unsigned j = (unsigned)((r2 >> (8 * i)) % SET_PAGES);

			check_page(p, base + j * 4096ull, &p->set[j], true, step);
		}
		{
			unsigned j = (unsigned)((r2 >> 40) % RMETA_PAGES);

			check_page(p, base + RMETA_OFF + j * 4096ull, &p->rmeta[j], true, step);
		}
		if (!read_faults(HYP_PAGE + ((r2 >> 48) % 512) * 4096))
			hfail(p, HF_HYP_PAGE_READ, HYP_PAGE, 0, step);
		if (p->stage_given && !read_faults(base + STAGE_OFF + 0x1000)) {
			/* An image page (at an IPA no pVM shares): readable only when it is the
			 * host's again (its VM destroyed), else a breach. */
			struct pal_hc_mem_query_result q = { 0, 0, 0 };

			if (pal_hc_mem_query(base + STAGE_OFF + 0x1000, &q) != 0 ||
			    ((q.state >> 8) & 0xff) != 1)
				hfail(p, HF_GIVEN_PAGE_READ, base + STAGE_OFF + 0x1000,
				      (uint64_t)q.state << 32 | q.parties, step);
			stage_check(p, base, step);
		}
		break;
	}
	}
}

/* ---- the run -------------------------------------------------------------------------- */

static void fuzz_vcpu(unsigned c)
{
	struct part *p = &parts[c];
	uint64_t base = PART(c);

	p->rng = mix(seed + 0x9e3779b97f4a7c15ull * (c + 1)) | 1;
	for (unsigned k = 0; k < SET_PAGES; k++)
		mark(base + k * 4096ull);
	for (unsigned k = 0; k < RMETA_PAGES; k++)
		mark(base + RMETA_OFF + k * 4096ull);
	for (uint64_t s = 0; s < steps; s++)
		fuzz_step(p, base, s);
	__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

static volatile unsigned go;

/*
 * FUZZ_DRAIN: host vCPU 0, before the others start, empties the hypervisor's page pool
 * as race-host's test_pool_drain does. First the 2 MiB regions the fuzz needs working
 * (each partition's set pages, the pVM's stage, its metadata and out page) are split
 * once (a page of each VM_LOADed into a short-lived VM that is destroyed: the host's
 * level-3 tables stay, blocks are not merged back), so pVM launches and VM_LOADs of set
 * pages still need no new table; the random VM_CREATEs' metadata region is left whole.
 * Then one page of each 2 MiB region above the partitions goes to a sink VM until
 * VM_LOAD returns PAL_E_NO_MEMORY. The sink is destroyed with every other VM at the end.
 */
static bool drain_pool(void)
{
	static const uint64_t split_off[] = { 0x1000, STAGE_OFF + 0x1000, OUT_OFF + 0x1000 };
	struct pal_hc_vm_create_result c;
	uint64_t n = 0;
	int64_t rc = 0;

	if (pal_hc_vm_create(1, PVM_BASE, PVM_SIZE, SPLIT_META, 16, &c) != 0)
		return false;
	for (unsigned i = 0; i < NVCPU; i++)
		for (unsigned j = 0; j < 3; j++, n++)
			if (pal_hc_vm_load(c.vm_id, PART(i) + split_off[j], 1, PVM_BASE + n * 4096, 0))
				return false;
	if (pal_hc_vm_destroy(c.vm_id) != 0)
		return false;
	if (pal_hc_vm_create(1, PVM_BASE, DRAIN_PVM_SIZE, SINK_META, 16, &c) != 0)
		return false;
	drain_sink = c.vm_id;
	for (uint64_t r = 0; r < DRAIN_REGIONS; r++) {
		rc = pal_hc_vm_load(c.vm_id, DRAIN_FIRST + (r << 21) + 0x1000, 1, PVM_BASE + (r << 12), 0);
		if (rc != 0)
			break;
		drain_loaded++;
	}
	info("sink VM", drain_sink);
	info("regions split by VM_LOAD before the pool ran dry", drain_loaded);
	info("VM_LOAD status then", (uint64_t)rc);
	return rc == PAL_E_NO_MEMORY && drain_loaded > 0;
}

/* FUZZ_DRAIN, at the end (every VM destroyed, the sink too): its pages and metadata
 * back, zero and writable. */
static bool drain_back(void)
{
	for (uint64_t i = 0; i < drain_loaded; i++) {
		uint64_t pa = DRAIN_FIRST + (i << 21) + 0x1000;

		if (read_faults(pa) || !all_zero(pa, 4096) || !all_writable(pa, 4096))
			return false;
	}
	return !read_faults(SINK_META) && all_zero(SINK_META, 16 * 4096ull) &&
	       all_writable(SINK_META, 16 * 4096ull) && !read_faults(SPLIT_META) &&
	       all_zero(SPLIT_META, 16 * 4096ull);
}

/* After the run: every VM destroyed, every page of every partition the host's again:
 * given ones zero, kept ones with their pattern. */
static bool everything_back(void)
{
	bool ok = true;

	for (uint16_t vm = 2; vm < 64; vm++)
		if (pal_hc_vm_destroy(vm) == 0)
			destroys++;
	for (unsigned c = 0; c < NVCPU; c++) {
		struct part *p = &parts[c];
		uint64_t base = PART(c);

		for (unsigned k = 0; k < SET_PAGES; k++) {
			check_page(p, base + k * 4096ull, &p->set[k], true, steps);
			ok = ok && p->set[k] == H_HAVE;
		}
		for (unsigned k = 0; k < RMETA_PAGES; k++) {
			check_page(p, base + RMETA_OFF + k * 4096ull, &p->rmeta[k], true, steps);
			ok = ok && p->rmeta[k] == H_HAVE;
		}
		stage_check(p, base, steps);
		ok = ok && !p->stage_given && !read_faults(base + STAGE_OFF) &&
		     all_writable(base + STAGE_OFF, PVM_SIZE);
		if (!ok && !p->fails)
			hfail(p, HF_END_NOT_BACK, c, 0, steps);
	}
	return ok;
}

void guest_main(uint64_t idx)
{
	const volatile uint64_t *params = (const volatile uint64_t *)(uintptr_t)PARAMS;
	unsigned fails = 0;

	if (idx != 0) {
		while (!go)
			;
		__asm__ volatile("dsb sy" ::: "memory");
		fuzz_vcpu((unsigned)idx);
		for (;;)
			__asm__ volatile("wfi");
	}
	if (params[0] == PARAMS_MAGIC) {
		seed = params[1];
		steps = params[2];
	}
	guest_puts("FUZZ-HOST: seed ");
	guest_put_hex64(seed);
	guest_puts(" steps ");
	guest_put_hex64(steps);
	guest_puts(" per vCPU\n");
	if (FUZZ_DRAIN)
		guest_verdict("fuzz_pool_drained", drain_pool(),
			      "the hypervisor's page pool did not run dry (or a call failed otherwise)");
	go = 1;
	__asm__ volatile("dsb sy" ::: "memory");
	for (unsigned i = 1; i < NVCPU; i++) {
		register uint64_t x0 __asm__("x0") = PSCI_CPU_ON;
		register uint64_t x1 __asm__("x1") = i;
		register uint64_t x2 __asm__("x2") = (uint64_t)(uintptr_t)secondary_start;
		register uint64_t x3 __asm__("x3") = i;

		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
		if (x0 != 0)
			guest_verdict("fuzz_host_vcpus_started", false, "PSCI CPU_ON failed");
	}
	fuzz_vcpu(0);
	while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < NVCPU)
		;
	(void)this_cpu;
	guest_verdict("fuzz_all_memory_back", everything_back(),
		      "after destroying every VM, a page of the host's is not back, readable and zero");
	if (FUZZ_DRAIN)
		guest_verdict("fuzz_drain_memory_back", drain_back(),
			      "after destroying the sink, a drained page or its metadata is not back");
	for (unsigned c = 0; c < NVCPU; c++) {
		struct part *p = &parts[c];

		info("vCPU", c);
		info("  calls", p->calls);
		info("  calls that succeeded", p->ok);
		info("  pVM launches", p->launches);
		info("  pVM exits served", p->pvm_exits);
		info("  pages seen coming back", p->back);
		if (p->fails) {
			guest_puts("FUZZ-FAIL vCPU ");
			guest_put_dec(c);
			guest_puts(": ");
			guest_puts(hfail_names[p->fail_what]);
			guest_puts(" ");
			guest_put_hex64(p->fail_a);
			guest_puts(" ");
			guest_put_hex64(p->fail_b);
			guest_puts(" at step ");
			guest_put_hex64(p->fail_step);
			guest_puts(" (seed ");
			guest_put_hex64(seed);
			guest_puts(")\n");
			fails++;
		}
	}
	info("VM_CREATE (random) that succeeded", creates);
	info("VM_DESTROY that succeeded", destroys);
	info("VCPU_RUN exits", runs);
	info("pVM progress reports", pvm_progress);
	info("pVM vCPUs that finished their steps", pvm_done);
	if (pvm_fail_count) {
		info("pVM failure (vm << 56 | vcpu << 52 | code << 32 | step)", pvm_fail_code);
		info("pVM failure detail", pvm_fail_arg);
	}
	info("PAL_E_NO_MEMORY returns to the host", nomem_host);
	info("  of VM_CREATE", nomem_create);
	info("  of VM_LOAD", nomem_load);
	info("  of other calls (a failure)", nomem_bad);
	info("PAL_E_NO_MEMORY returns to pVMs (MEM_SHARE/DONATE/RELINQUISH)", nomem_pvm);
	if (FUZZ_DRAIN)
		guest_verdict("fuzz_drained_no_memory_seen", nomem_host + nomem_pvm > 0,
			      "no call met PAL_E_NO_MEMORY: the pool was not drained when it mattered");
	guest_verdict("fuzz_statuses_defined", statuses_bad == 0,
		      "a hypercall returned a status that is neither PAL_OK nor a PAL_E_* code");
	guest_verdict("fuzz_host_checks_hold", fails == 0,
		      "a host-side check failed (FUZZ-FAIL above)");
	guest_verdict("fuzz_pvm_checks_hold", pvm_fail_count == 0,
		      "a pVM-side check failed (pVM failure above)");
	guest_verdict("fuzz_pvms_ran", pvm_progress > 0, "no pVM made progress");
	guest_verdict_end();
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}
