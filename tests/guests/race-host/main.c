/*
 * race-host: an untrusted bare-metal host VM (3 vCPUs) that races hypercalls against
 * each other and against a protected VM (pvm-race, embedded) to check the security
 * invariants of the launch and memory APIs under concurrency. One scenario per build
 * (RACE_TEST, tests/guests/CMakeLists.txt); every race is ordered with flags in this VM's
 * memory (or the pVM's), never by timing alone, and each verdict holds for every
 * interleaving a correct hypervisor allows. Delay loops only make the interleaving the
 * current hypervisor gets wrong the likely one. Only vCPU 0 prints.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"
#include "launch_lib.h"
#include "race_proto.h"

#define NVCPU           3u
#define STAGE_A         0x60000000ull     /* the first pVM's 2 MiB */
#define META_A          0x60200000ull
#define STAGE_B         0x60400000ull     /* a second pVM's 2 MiB */
#define META_B          0x60600000ull
#define META_PAGES      16ull
#define P_PAGE          0x60700000ull     /* the host page of scenario start_out_vs_load */
#define BIG_META        0x60800000ull     /* 32 pages */
#define SPARE           0x60a00000ull     /* host pages offered by create_publish */
#define BIG_STAGE       0x61000000ull     /* 16 MiB for the long measured VM_LOAD */
#define BIG_SIZE        0x1000000ull
#define Q_PA            (STAGE_A + (Q_IPA - PVM_BASE))
#define PSCI_CPU_ON     0xC4000003u
#define PSCI_SYSTEM_OFF 0x84000008u

extern const uint8_t pvm_elf[], pvm_elf_end[];
extern char secondary_start[];

/* What the pVM being run reported (race_proto.h), written by whichever host vCPU runs
 * the pVM vCPU that made the exit; each field has one writer. */
static struct {
	volatile uint64_t slot[REPORT_SLOTS];
	volatile uint8_t seen[REPORT_SLOTS];
	volatile uint8_t cpu_on[8];
	volatile unsigned nbytes;
	volatile uint64_t bytes_exit[8], bytes_data[8];
	uint64_t scenario, peer;
} st;

/* Work for the other host vCPUs: a function each runs once, then done is bumped. */
typedef void (*work_fn)(void);
static volatile work_fn work[NVCPU];
static volatile unsigned work_done[NVCPU];
static volatile uint64_t flag[8];

static void barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static void delay(uint64_t n)
{
	for (volatile uint64_t i = 0; i < n; i++)
		;
}

static void wait_flag(unsigned f)
{
	while (!flag[f])
		;
	barrier();
}

static void set_flag(unsigned f)
{
	barrier();
	flag[f] = 1;
	barrier();
}

static void reset_state(uint64_t scenario)
{
	for (unsigned i = 0; i < REPORT_SLOTS; i++) {
		st.slot[i] = 0;
		st.seen[i] = 0;
	}
	for (unsigned i = 0; i < 8; i++) {
		st.cpu_on[i] = 0;
		flag[i] = 0;
	}
	st.nbytes = 0;
	st.scenario = scenario;
	st.peer = 0;
	barrier();
}

static void dispatch(unsigned idx, work_fn f)
{
	barrier();
	work[idx] = f;
}

static void wait_work(unsigned idx, unsigned before)
{
	while (work_done[idx] == before)
		;
	barrier();
}

/*
 * Runs one vCPU of a pVM on this host vCPU, serving its exits: the device of
 * race_proto.h, the PL011 (output dropped), CPU_ON (noted for another host vCPU).
 * Returns the exit reason that ended it (5 CPU_OFF, 6 SHUTDOWN), 0x100 | k when it
 * reported slot k == stop_slot, or the VCPU_RUN error.
 */
static int64_t run_pvm_vcpu(uint16_t vm, unsigned vcpu, int stop_slot)
{
	uint64_t data = 0;
	uint8_t flags = 0;

	for (;;) {
		struct pal_hc_vcpu_run_result r;
		int64_t rc = pal_hc_vcpu_run(vm, vcpu, data, flags, &r);
		unsigned reason = r.exit & 0xff;
		bool write = (r.exit >> 12) & 1;

		data = 0;
		flags = 0;
		if (rc != 0)
			return rc;
		if (reason == 4) {                         /* CPU_ON */
			if (r.addr < 8)
				st.cpu_on[r.addr] = 1;
			continue;
		}
		if (reason == 5 || reason == 6)
			return reason;
		if (reason != 1)
			continue;                          /* HALT, INTERRUPTED */
		if (r.addr >= UART_IPA && r.addr < UART_IPA + 0x1000) {
			data = !write && r.addr == UART_IPA + 0x18 ? 0x90 : 0;
		} else if (r.addr == DEV_SCENARIO && !write) {
			data = st.scenario;
		} else if (r.addr == DEV_PEER && !write) {
			data = st.peer;
		} else if (write && r.addr >= DEV_REPORT && r.addr < DEV_REPORT + 8 * REPORT_SLOTS &&
			   !(r.addr & 7)) {
			unsigned k = (unsigned)((r.addr - DEV_REPORT) >> 3);

			st.slot[k] = r.data;
			barrier();
			st.seen[k] = 1;
			if ((int)k == stop_slot)
				return 0x100 | k;
		} else if (write && r.addr == DEV_BYTES && st.nbytes < 8) {
			st.bytes_exit[st.nbytes] = r.exit;
			st.bytes_data[st.nbytes] = r.data;
			st.nbytes = st.nbytes + 1;
		} else {
			flags = HC_VCPU_RUN_MMIO_FLAGS_ABORT_MASK;
		}
	}
}

static void info(const char *what, uint64_t v)
{
	guest_puts("RACE-INFO ");
	guest_puts(what);
	guest_puts(" ");
	guest_put_hex64(v);
	guest_puts("\n");
}

static uint64_t elf_size(void)
{
	return (uint64_t)(pvm_elf_end - pvm_elf);
}

/* A 2 MiB pvm-race VM staged at 'stage', started. 0 on failure (with a FAIL verdict). */
static uint16_t launch_started(const char *test, unsigned vcpus, uint64_t stage, uint64_t meta)
{
	uint16_t vm = launch_elf_pvm(pvm_elf, elf_size(), vcpus, PVM_BASE, PVM_SIZE, stage, meta,
				     META_PAGES, 0);

	if (!vm || pal_hc_vm_start(vm, 0) != 0) {
		guest_verdict(test, false, "launching the pVM failed");
		return 0;
	}
	return vm;
}

/* VM_DESTROY, then its pages back and zero. */
static bool destroy_back_zero(uint16_t vm, uint64_t stage, uint64_t meta)
{
	return pal_hc_vm_destroy(vm) == 0 && !read_faults(stage) && all_zero(stage, PVM_SIZE) &&
	       all_zero(meta, META_PAGES << 12);
}

/* ---- attest_vs_donate, mread_vs_donate ---------------------------------------------- */

static uint16_t job_vm;
static volatile int64_t job_rc[NVCPU];

/* Host vCPU 1: runs the pVM's vCPU 1 once the pVM has started it. */
static void job_run_vcpu1(void)
{
	while (!st.cpu_on[1])
		;
	job_rc[1] = run_pvm_vcpu(job_vm, 1, -1);
}

/* One round: true when the invariant held. The pVM's memory is destroyed and checked. */
static bool vs_donate_round(const char *name, uint64_t scenario, bool verbose, bool *back_zero)
{
	uint16_t vm = launch_elf_pvm(pvm_elf, elf_size(), 2, PVM_BASE, PVM_SIZE, STAGE_A, META_A,
				     META_PAGES, 0);
	unsigned before = work_done[1];
	int64_t rc0;
	bool ok, donated;

	if (!vm || pal_hc_vm_start(vm, 0) != 0) {
		guest_verdict(name, false, "launching the pVM failed");
		return false;
	}
	reset_state(scenario);
	job_vm = vm;
	dispatch(1, job_run_vcpu1);
	rc0 = run_pvm_vcpu(vm, 0, -1);
	wait_work(1, before);
	donated = st.seen[2] && st.slot[2] == 0;
	/* Refused: Q stayed the pVM's (VM_DESTROY zeroes it). Donated: it is the host's, and
	 * must read as zero, whatever order the calls took effect in. */
	ok = st.seen[1] && st.seen[2] &&
	     (!donated || (!read_faults(Q_PA) && all_zero(Q_PA, 4096)));
	if (verbose || !ok) {
		info("vcpu0 run ended", (uint64_t)rc0);
		info("vcpu1 run ended", (uint64_t)job_rc[1]);
		info("pVM call on Q (vCPU 0) rc", st.slot[1]);
		info("pVM calls made on Q", st.slot[3]);
		info("pVM MEM_DONATE Q to host (vCPU 1) rc", st.slot[2]);
		if (st.seen[15])
			info("pVM unexpected exception", st.slot[15]);
	}
	if (!ok && donated) {
		guest_puts("RACE-INFO Q after the donation: ");
		put_hex((const uint8_t *)(uintptr_t)Q_PA, 32);
		guest_puts("\n");
	}
	/* Everything else of the pVM comes back zeroed (Q too, when it was not donated). */
	*back_zero = *back_zero && pal_hc_vm_destroy(vm) == 0 &&
		     all_zero(STAGE_A, Q_PA - STAGE_A) &&
		     all_zero(Q_PA + 4096, STAGE_A + PVM_SIZE - Q_PA - 4096) &&
		     (donated || all_zero(Q_PA, 4096)) && all_zero(META_A, META_PAGES << 12);
	return ok;
}

static void test_vs_donate(const char *name, uint64_t scenario, unsigned rounds)
{
	unsigned failed = 0, donated = 0;
	bool back_zero = true;

	for (unsigned i = 0; i < rounds; i++) {
		if (!vs_donate_round(name, scenario, i == 0, &back_zero))
			failed++;
		donated += st.slot[2] == 0;
	}
	info("rounds", rounds);
	info("rounds where the donation went through", donated);
	info("rounds where the invariant broke", failed);
	guest_verdict(name, failed == 0,
		      "the hypervisor wrote into a page after the pVM donated it to the host");
	guest_verdict("race_memory_back_zero", back_zero,
		      "VM_DESTROY failed, or memory not returned zeroed");
}

static __attribute__((unused)) void test_attest_vs_donate(void)
{
	test_vs_donate("attest_vs_donate_page_stays_zero", SC_ATTEST_VS_DONATE, 3);
}

static __attribute__((unused)) void test_mread_vs_donate(void)
{
	test_vs_donate("measure_read_vs_donate_page_stays_zero", SC_MREAD_VS_DONATE, 100);
}

/* ---- start_out_vs_load ---------------------------------------------------------------- */

static uint16_t vm_a, vm_b;
static volatile int64_t rc_load_a, rc_load_b;

/* Host vCPU 2: the long measured VM_LOAD of all of A's memory. */
static void job_long_load(void)
{
	set_flag(0);
	rc_load_a = pal_hc_vm_load(vm_a, BIG_STAGE, BIG_SIZE >> 12, PVM_BASE, 3);
}

/* Host vCPU 1: once vCPU 0 is in VM_START(A, out = P), P goes to B (lent, zeroed). */
static void job_load_p(void)
{
	wait_flag(1);
	delay(10000000);          /* (vCPU 0 is then most likely waiting in VM_START) */
	rc_load_b = pal_hc_vm_load(vm_b, P_PAGE, 1, P_IPA, 2);
}

static __attribute__((unused)) void test_start_out_vs_load(void)
{
	const char *name = "start_out_vs_load_b_page_untouched";
	struct pal_hc_vm_create_result c;
	unsigned b1 = work_done[1], b2 = work_done[2];
	int64_t rc_start, rc;
	bool ok;

	reset_state(SC_CHECK_P_ZERO);
	ok = pal_hc_vm_create(1, PVM_BASE, BIG_SIZE, BIG_META, 32, &c) == 0;
	vm_a = c.vm_id;
	ok = ok && pal_hc_vm_set_boot(vm_a, PVM_BASE, 0) == 0;
	vm_b = ok ? launch_elf_pvm(pvm_elf, elf_size(), 1, PVM_BASE, PVM_SIZE, STAGE_B, META_B,
				   META_PAGES, P_IPA) : 0;
	if (!ok || !vm_b) {
		guest_verdict(name, false, "setting up the two pVMs failed");
		return;
	}
	fill(P_PAGE, 0xa5, 4096);
	dispatch(1, job_load_p);
	dispatch(2, job_long_load);
	wait_flag(0);             /* vCPU 2 is about to enter VM_LOAD(A) */
	delay(200000);
	set_flag(1);
	rc_start = pal_hc_vm_start(vm_a, P_PAGE);
	wait_work(1, b1);
	wait_work(2, b2);
	info("VM_LOAD(A, 16 MiB) rc", (uint64_t)rc_load_a);
	info("VM_START(A, out = P) rc", (uint64_t)rc_start);
	info("VM_LOAD(B, P) rc", (uint64_t)rc_load_b);
	if (rc_load_a != 0 || rc_load_b != 0) {
		guest_verdict(name, false, "a VM_LOAD failed");
	} else {
		rc = pal_hc_vm_start(vm_b, 0);
		rc = rc ? rc : run_pvm_vcpu(vm_b, 0, -1);
		info("B run ended", (uint64_t)rc);
		info("B's page P: 0 zero, else 1 + first nonzero offset", st.slot[1]);
		guest_verdict(name, st.seen[1] && st.slot[1] == 0,
			      "VM_START wrote the measurement into a page the host had given to B");
	}
	ok = pal_hc_vm_destroy(vm_a) == 0 && pal_hc_vm_destroy(vm_b) == 0 &&
	     all_zero(BIG_STAGE, BIG_SIZE) && all_zero(STAGE_B, PVM_SIZE) && all_zero(P_PAGE, 4096);
	guest_verdict("race_memory_back_zero", ok, "VM_DESTROY failed, or memory not returned zeroed");
}

/* ---- mmio_exit_bytes ------------------------------------------------------------------ */

static __attribute__((unused)) void test_mmio_exit_bytes(void)
{
	static const char *const names[4] = {
		"mmio_exit_strb_data_is_the_byte", "mmio_exit_strh_data_is_the_halfword",
		"mmio_exit_strw_data_is_the_word", "mmio_exit_strx_data_is_the_doubleword" };
	static const uint64_t want[4] = { BYTES_VALUE & 0xff, BYTES_VALUE & 0xffff,
					  BYTES_VALUE & 0xffffffff, BYTES_VALUE };
	uint16_t vm = launch_started(names[0], 1, STAGE_A, META_A);
	int64_t rc;

	if (!vm)
		return;
	reset_state(SC_MMIO_BYTES);
	rc = run_pvm_vcpu(vm, 0, -1);
	info("run ended", (uint64_t)rc);
	for (unsigned i = 0; i < 4; i++) {
		bool ok = i < st.nbytes && ((st.bytes_exit[i] >> 8) & 0xf) == (1u << i) &&
			  st.bytes_data[i] == want[i];

		if (i < st.nbytes) {
			info(names[i], st.bytes_data[i]);
			info("  exit", st.bytes_exit[i]);
		}
		guest_verdict(names[i], ok,
			      "an MMIO write exit carries register bits the store did not write");
	}
	guest_verdict("race_memory_back_zero", destroy_back_zero(vm, STAGE_A, META_A),
		      "VM_DESTROY failed, or memory not returned zeroed");
}

/* ---- create_publish ------------------------------------------------------------------- */

static volatile uint64_t publish_ok[3], publish_calls;

/* Host vCPU 1: offers a host page to the next VM id, in every way, until told to stop. */
static void job_publish(void)
{
	uint64_t page = SPARE;

	set_flag(0);
	while (!flag[1]) {
		for (unsigned how = 0; how < 3; how++) {
			int64_t rc = how == 0 ? pal_hc_mem_share(page, 1, 2, FOREIGN_IPA, 3) :
				     how == 1 ? pal_hc_mem_lend(page, 1, 2, FOREIGN_IPA, 3) :
						pal_hc_mem_donate(page, 1, 2, FOREIGN_IPA);

			if (rc == 0) {
				publish_ok[how]++;
				if (page < SPARE + 0xff000)
					page += 4096;   /* that page is gone: use another */
			}
		}
		publish_calls++;
	}
}

static __attribute__((unused)) void test_create_publish(void)
{
	const unsigned rounds = 300;
	unsigned before = work_done[1], bad = 0;

	reset_state(SC_IDLE);
	dispatch(1, job_publish);
	wait_flag(0);
	for (unsigned i = 0; i < rounds; i++) {
		struct pal_hc_vm_create_result c;

		if (pal_hc_vm_create(1, PVM_BASE, PVM_SIZE, META_A, META_PAGES, &c) != 0 ||
		    c.vm_id != 2 || pal_hc_vm_destroy(c.vm_id) != 0)
			bad++;
	}
	set_flag(1);
	wait_work(1, before);
	info("create/destroy rounds", rounds);
	info("share/lend/donate rounds", publish_calls);
	info("MEM_SHARE into an unlaunched pVM succeeded", publish_ok[0]);
	info("MEM_LEND into an unlaunched pVM succeeded", publish_ok[1]);
	info("MEM_DONATE into an unlaunched pVM succeeded", publish_ok[2]);
	guest_verdict("create_publish_rounds_ok", bad == 0, "VM_CREATE or VM_DESTROY failed");
	guest_verdict("create_publish_no_host_memory_into_pvm",
		      publish_ok[0] + publish_ok[1] + publish_ok[2] == 0,
		      "host memory reached a protected VM outside its measured launch");
	guest_verdict("race_memory_back_zero", all_zero(META_A, META_PAGES << 12),
		      "metadata not returned zeroed");
}

/* ---- sgi_wakes_off_vcpu --------------------------------------------------------------- */

static __attribute__((unused)) void test_sgi_off_vcpu(void)
{
	const char *name = "sgi_to_off_vcpu_keeps_it_off";
	uint16_t vm = launch_started(name, 2, STAGE_A, META_A);
	struct pal_hc_vcpu_run_result r;
	int64_t rc;

	if (!vm)
		return;
	reset_state(SC_SGI_OFF_VCPU);
	rc = run_pvm_vcpu(vm, 0, 1);
	info("vCPU 0 run ended (0x101: SGI sent)", (uint64_t)rc);
	if (st.seen[15])
		info("pVM unexpected exception", st.slot[15]);
	if (rc != 0x101) {
		guest_verdict(name, false, "the pVM did not send its SGI");
	} else {
		rc = pal_hc_vcpu_run(vm, 1, 0, 0, &r);
		info("VCPU_RUN of the never-started vCPU 1 rc", (uint64_t)rc);
		if (rc == 0)
			info("  its exit", r.exit);
		guest_verdict(name, rc == PAL_E_STATE,
			      "a vCPU the pVM never started ran (from PC 0) after an SGI");
	}
	guest_verdict("race_memory_back_zero", destroy_back_zero(vm, STAGE_A, META_A),
		      "VM_DESTROY failed, or memory not returned zeroed");
}

/* ---- pmu_debug -------------------------------------------------------------------------- */

static uint64_t cycles(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v));
	return v;
}

static __attribute__((unused)) void test_pmu_debug(void)
{
	uint16_t vm = launch_started("debug_regs_not_leaked_to_host", 1, STAGE_A, META_A);
	uint64_t b, w, t0, host_cycles, pvm_cycles, i = BUSY_ITERATIONS;
	int64_t rc;

	if (!vm)
		return;
	__asm__ volatile("msr dbgbvr0_el1, xzr; msr dbgwvr0_el1, xzr; isb");
	reset_state(SC_DEBUG_REGS);
	rc = run_pvm_vcpu(vm, 0, -1);
	__asm__ volatile("isb; mrs %0, dbgbvr0_el1; mrs %1, dbgwvr0_el1" : "=r"(b), "=r"(w));
	info("run ended", (uint64_t)rc);
	info("pVM's DBGBVR0_EL1 as it read it back", st.slot[1]);
	info("host's DBGBVR0_EL1 afterwards", b);
	info("host's DBGWVR0_EL1 afterwards", w);
	guest_verdict("debug_regs_not_leaked_to_host", b != DEBUG_SECRET_B && w != DEBUG_SECRET_W,
		      "the host read the pVM's breakpoint/watchpoint values");
	guest_verdict("race_memory_back_zero", destroy_back_zero(vm, STAGE_A, META_A),
		      "VM_DESTROY failed, or memory not returned zeroed");

	/* The cycle counter counting EL0 and EL1 (not EL2), enabled by the host. */
	__asm__ volatile("msr pmccfiltr_el0, xzr; msr pmcntenset_el0, %0; msr pmcr_el0, %1; isb"
			 : : "r"(1ull << 31), "r"(1ull | 4ull));
	t0 = cycles();
	__asm__ volatile("1: subs %0, %0, #1; b.ne 1b" : "+r"(i));
	host_cycles = cycles() - t0;
	vm = launch_started("pmu_host_counter_excludes_pvm", 1, STAGE_A, META_A);
	if (!vm)
		return;
	reset_state(SC_BUSY_LOOP);
	t0 = cycles();
	rc = run_pvm_vcpu(vm, 0, -1);
	pvm_cycles = cycles() - t0;
	info("run ended", (uint64_t)rc);
	info("host cycles over its own busy loop", host_cycles);
	info("host cycles over VCPU_RUN of the pVM's same loop", pvm_cycles);
	guest_verdict("pmu_host_counter_excludes_pvm", st.seen[1] && pvm_cycles < host_cycles / 4,
		      "the host's cycle counter counted the pVM's execution");
	guest_verdict("race_memory_back_zero_2", destroy_back_zero(vm, STAGE_A, META_A),
		      "VM_DESTROY failed, or memory not returned zeroed");
}

/* ---- donate_into_started_pvm ---------------------------------------------------------- */

static __attribute__((unused)) void test_donate_into_started(void)
{
	const char *name = "donate_into_started_pvm_refused";
	uint16_t e = launch_started(name, 1, STAGE_A, META_A);
	uint16_t v = e ? launch_started(name, 1, STAGE_B, META_B) : 0;
	int64_t rc;

	if (!v)
		return;
	reset_state(SC_DONATE_TO_PEER);
	st.peer = v;
	rc = run_pvm_vcpu(e, 0, -1);
	info("run ended", (uint64_t)rc);
	info("MEM_DONATE(Q, to = the other started pVM) rc", st.slot[1]);
	guest_verdict(name, st.seen[1] && st.slot[1] != 0,
		      "a pVM put a page into another, started, pVM's memory");
	/* Both destroyed before looking: a page that did move is back only with V. */
	rc = pal_hc_vm_destroy(e) | pal_hc_vm_destroy(v);
	guest_verdict("race_memory_back_zero",
		      rc == 0 && all_zero(STAGE_A, PVM_SIZE) && all_zero(STAGE_B, PVM_SIZE) &&
		      all_zero(META_A, META_PAGES << 12) && all_zero(META_B, META_PAGES << 12),
		      "VM_DESTROY failed, or memory not returned zeroed");
}

/* ---- destroy_while_measure ------------------------------------------------------------ */

static void job_run_vcpu0(void)
{
	job_rc[1] = run_pvm_vcpu(job_vm, 0, -1);
}

static __attribute__((unused)) void test_destroy_while_measure(void)
{
	const unsigned rounds = 8;
	bool all_ok = true, zero = true;

	for (unsigned i = 0; i < rounds; i++) {
		uint16_t vm = launch_started("destroy_while_measure_returns", 1, STAGE_A, META_A);
		unsigned before = work_done[1];
		int64_t rc;

		if (!vm)
			return;
		reset_state(SC_MEASURE_LOOP);
		job_vm = vm;
		dispatch(1, job_run_vcpu0);
		while (!st.seen[1])         /* the pVM is in its MEASURE_* loop */
			;
		delay(1000 * i);
		rc = pal_hc_vm_destroy(vm);
		wait_work(1, before);
		all_ok = all_ok && rc == 0;
		zero = zero && !read_faults(STAGE_A) && all_zero(STAGE_A, PVM_SIZE) &&
		       all_zero(META_A, META_PAGES << 12);
		info("round; VM_DESTROY rc", (uint64_t)rc);
	}
	guest_verdict("destroy_while_measure_returns", all_ok, "VM_DESTROY failed");
	guest_verdict("race_memory_back_zero", zero, "memory not returned zeroed");
}

/* ---- aarch32_el0 ---------------------------------------------------------------------- */

static __attribute__((unused)) void test_aarch32(void)
{
	uint16_t vm = launch_started("aarch32_el0_survives_interrupt", 1, STAGE_A, META_A);
	int64_t rc;

	if (!vm)
		return;
	reset_state(SC_AARCH32_EL0);
	rc = run_pvm_vcpu(vm, 0, -1);
	info("run ended", (uint64_t)rc);
	info("phase 1 (T32 loop, interrupts on): ESR_EL1 of the SVC", st.slot[5]);
	info("phase 1: its vector (12: lower EL AArch32 sync)", st.slot[6]);
	info("phase 1: virtual counter ticks at EL0", st.slot[4]);
	info("phase 2 (WFI): ESR_EL1 of the SVC", st.slot[1]);
	info("phase 2: its ELR_EL1 - t32_wfi (4: right after SVC #0)", st.slot[2]);
	info("phase 2: its vector", st.slot[3]);
	if (st.seen[15])
		info("pVM unexpected exception", st.slot[15]);
	guest_verdict("aarch32_el0_survives_interrupt",
		      st.seen[5] && st.slot[6] == 12 && st.slot[5] == 0x44000002ull,
		      "the pVM did not come back from its T32 loop at EL0 (stopped by the hypervisor?)");
	guest_verdict("aarch32_wfi_resumes_at_next_t32_instruction",
		      st.seen[3] && st.slot[3] == 12 && (st.slot[1] >> 26) == 0x11 &&
		      (st.slot[1] & 0xffff) == 0 && st.slot[2] == 4,
		      "not SVC #0 with ELR right after it");
	guest_verdict("race_memory_back_zero", destroy_back_zero(vm, STAGE_A, META_A),
		      "VM_DESTROY failed, or memory not returned zeroed");
}

/* ---------------------------------------------------------------------------------------- */

/* ---- pool_drain (issue 21, finding 1) -------------------------------------------------
 * The host fragments its own identity map until the hypervisor's page pool (which holds
 * the host's stage-2 tables) is empty: one page of every 2 MiB region goes into a pVM,
 * each costing a level-3 table. Then VM_CREATE/VM_DESTROY with metadata in regions not
 * split yet (each needs another table). Before the fix a committed transition then ran
 * out of tables and the hypervisor panicked; now every call either succeeds or returns
 * PAL_E_NO_MEMORY having changed nothing, and everything comes back at the end.
 * Boots with 4 GiB (tests/CMakeLists.txt).
 */
#define DRAIN_FIRST     0x62000000ull      /* above everything else this host uses */
#define DRAIN_END       0x13f000000ull     /* below the ownership table at the top */
#define DRAIN_REGIONS   ((DRAIN_END - DRAIN_FIRST) >> 21)
#define DRAIN_PVM_SIZE  0x800000ull        /* 2048 pages: one per region fits */

static __attribute__((unused)) void test_pool_drain(void)
{
	struct pal_hc_vm_create_result c;
	uint64_t loaded = 0, r, created = 0, refused = 0, odd = 0;
	int64_t rc = 0;
	uint16_t x;
	bool back = true;

	if (pal_hc_vm_create(1, PVM_BASE, DRAIN_PVM_SIZE, META_A, META_PAGES, &c) != 0) {
		guest_verdict("pool_drain_load_refused_cleanly", false, "VM_CREATE failed");
		return;
	}
	x = c.vm_id;
	/* One page of each region (its second page, so the block must be split). */
	for (r = 0; r < DRAIN_REGIONS; r++) {
		rc = pal_hc_vm_load(x, DRAIN_FIRST + (r << 21) + 0x1000, 1, PVM_BASE + (r << 12), 0);
		if (rc != 0)
			break;
		loaded++;
	}
	info("regions split by VM_LOAD before it was refused", loaded);
	info("VM_LOAD status then", (uint64_t)rc);
	guest_verdict("pool_drain_load_refused_cleanly", rc == PAL_E_NO_MEMORY && loaded > 0,
		      "the host's page tables never ran out (or VM_LOAD failed otherwise)");
	/* Metadata in regions nobody split yet, unaligned to 2 MiB: each needs a table. */
	for (uint64_t i = 0; i < 64 && r + 1 + i < DRAIN_REGIONS; i++) {
		uint64_t meta = DRAIN_FIRST + ((r + 1 + i) << 21) + 0x3000;
		int64_t c_rc = pal_hc_vm_create(1, PVM_BASE, PVM_SIZE, meta, META_PAGES, &c);

		if (c_rc == 0) {
			created++;
			if (pal_hc_vm_destroy(c.vm_id) != 0 || read_faults(meta) ||
			    !all_zero(meta, META_PAGES << 12))
				odd++;
		} else if (c_rc == PAL_E_NO_MEMORY) {
			refused++;
		} else {
			odd++;
		}
	}
	info("VM_CREATE + VM_DESTROY that succeeded", created);
	info("VM_CREATE refused for want of page tables", refused);
	guest_verdict("pool_drain_create_destroy_clean", odd == 0 && created + refused > 0,
		      "a VM_CREATE/VM_DESTROY failed otherwise, or memory did not come back");
	rc = pal_hc_vm_destroy(x);
	for (uint64_t i = 0; i < loaded && back; i++) {
		uint64_t pa = DRAIN_FIRST + (i << 21) + 0x1000;

		back = !read_faults(pa) && all_zero(pa, 4096) && all_writable(pa, 4096);
	}
	guest_verdict("pool_drain_destroy_returns_all",
		      rc == 0 && back && all_zero(META_A, META_PAGES << 12),
		      "VM_DESTROY failed, or a page did not come back zeroed and writable");
}

/* ---- s1ptw_xonly_table ----------------------------------------------------------------
 * Regression (fault_was_transient() ignored ESR.S1PTW): the pVM shares its page Q with
 * the host execute-only at stage 2; the host turns its MMU on with a stage-1 table whose
 * level-3 table is Q and fetches an instruction through it. The walk's read of Q faults at
 * stage 2 (an instruction abort with S1PTW set): the hypervisor must check read, not
 * execute, permission and inject the abort. Before the fix it judged the fault transient
 * and resumed the vCPU forever (a timeout here). */
#define S1_VA           0x80000000ull      /* level-1 entry 2 -> l2 -> Q (level 3) */

static uint64_t s1_l1[512] __attribute__((aligned(4096)));
static uint64_t s1_l2[512] __attribute__((aligned(4096)));

static __attribute__((unused)) void test_s1ptw_xonly_table(void)
{
	static const char name[] = "s1ptw_xonly_table_abort_injected";
	uint16_t vm = launch_started(name, 1, STAGE_A, META_A);
	struct pal_hc_mem_query_result q = { 0, 0, 0 };
	uint64_t sctlr, esr, far;
	int64_t rc;

	if (!vm)
		return;
	reset_state(SC_SHARE_XONLY);
	rc = run_pvm_vcpu(vm, 0, -1);
	info("run ended", (uint64_t)rc);
	info("MEM_SHARE(Q, host, X only) status", st.slot[1]);
	if (!st.seen[1] || st.slot[1] != 0) {
		guest_verdict(name, false, "the pVM could not share a page execute-only");
		return;
	}
	pal_hc_mem_query(Q_PA, &q);
	info("Q as the host sees it: state", q.state);
	info("  perms", q.perms);
	/* Stage 1, 4 KiB granule, 39-bit VA from level 1: 0-1 GiB device, 1-2 GiB normal
	 * (this host's code, data and tables), 2-3 GiB through l2 to Q. */
	s1_l1[0] = 0x00000000ull | 1ull << 10 | 0ull << 2 | 1;
	s1_l1[1] = 0x40000000ull | 1ull << 10 | 3ull << 8 | 1ull << 2 | 1;
	s1_l1[2] = (uint64_t)(uintptr_t)s1_l2 | 3;
	s1_l2[0] = Q_PA | 3;
	__asm__ volatile("dsb sy" ::: "memory");
	__asm__ volatile("msr mair_el1, %0" : : "r"(0xff00ull));
	__asm__ volatile("msr tcr_el1, %0" : : "r"(25ull | 1ull << 8 | 1ull << 10 | 3ull << 12 |
						     1ull << 23 | 2ull << 32));
	__asm__ volatile("msr ttbr0_el1, %0" : : "r"((uint64_t)(uintptr_t)s1_l1));
	__asm__ volatile("isb; tlbi vmalle1; dsb sy; isb; mrs %0, sctlr_el1" : "=r"(sctlr));
	__asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr | 1 | 1ull << 2 | 1ull << 12));
	guest_puts("RACE-HOST: MMU on; fetching at 0x80000000 through the execute-only table\n");
	{
		register uint64_t x9 __asm__("x9") = S1_VA;

		__asm__ volatile("adr x10, 1f\n"
				 "str x10, [%1]\n"
				 "dsb sy\n"
				 "blr x9\n"
				 "1:\n"
				 : "+r"(x9) : "r"(&exc_resume_pc)
				 : "x10", "x30", "memory");
	}
	esr = exc_esr;
	far = exc_far;
	__asm__ volatile("msr sctlr_el1, %0; isb; tlbi vmalle1; dsb sy; isb" : : "r"(sctlr));
	info("abort taken: ESR_EL1", esr);
	info("  FAR_EL1", far);
	guest_verdict(name, exc_resume_pc == 0 && ((esr >> 26) == 0x21 || (esr >> 26) == 0x20) &&
		      far == S1_VA,
		      "no instruction abort at the address fetched through the table");
	guest_verdict("race_memory_back_zero", destroy_back_zero(vm, STAGE_A, META_A),
		      "VM_DESTROY failed, or memory not returned zeroed");
}

static void secondary(unsigned idx)
{
	for (;;) {
		work_fn f;

		while (!(f = work[idx]))
			;
		work[idx] = NULL;
		barrier();
		f();
		barrier();
		work_done[idx] = work_done[idx] + 1;
	}
}

void guest_main(uint64_t idx)
{
	if (idx != 0)
		secondary((unsigned)idx);
	guest_puts("RACE-HOST: " RACE_TEST_NAME "\n");
	for (unsigned i = 1; i < NVCPU; i++) {
		register uint64_t x0 __asm__("x0") = PSCI_CPU_ON;
		register uint64_t x1 __asm__("x1") = i;
		register uint64_t x2 __asm__("x2") = (uint64_t)(uintptr_t)secondary_start;
		register uint64_t x3 __asm__("x3") = i;

		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
		if (x0 != 0)
			guest_verdict("race_host_vcpus_started", false, "PSCI CPU_ON failed");
	}
	RACE_TEST();
	guest_verdict_end();
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}
