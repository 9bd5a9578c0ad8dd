/*
 * Micro-benchmarks of the hypervisor, measured from inside its host VM (this program,
 * running at EL1 in place of Linux, with 2 vCPUs) beside a guest VM (VM 2, idle) that
 * borrows memory: hypercall round trip, MMIO exit emulated at EL2, virtual IPI between
 * two vCPUs, lend/reclaim and share/unshare, and, once the hypervisor has them, the
 * measured load (VM_LOAD) and the launch of a Linux pVM from VM_CREATE to its first
 * instruction. Prints BENCH-* lines (rt.h) that bench/run turns into figures.
 *
 * Each figure is one function below; a figure whose hypercall is not there yet prints
 * BENCH-SKIP with the status it got, and bench/run records it as null with that note.
 */
#include "rt.h"
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"

#define GICD 0x08000000ul
#define GICR 0x080a0000ul

#define TARGET_VM 2            /* the idle guest VM of the manifest */
#define PERM_RW 3

/* Host memory the benchmarks use (host IPA == PA); QEMU -m 2G: RAM 0x40000000..0xc0000000.
 * bench/run loads the Linux Image as this VM's initrd at 0x50000000. */
#define LEND_PA 0x60000000ul   /* 1 page */
#define LEND512_PA 0x60201000ul   /* 512 pages, not 2 MiB aligned */
#define LEND2M_PA 0x60600000ul    /* one aligned 2 MiB block */
#define SHARE_PA 0x60a00000ul
#define BORROWER_IPA 0x80000000ul   /* same offsets in the borrower */
#define META_PA 0x5f000000ul
#define META_PAGES 128
#define MEAS_PA 0x64000000ul
#define MEAS_BYTES (32ul << 20)
#define ZERO_PA 0x68000000ul
#define STUB_PA 0x6f000000ul
#define PVM_BASE 0x40000000ul
#define PVM_MMIO_PROBE 0x0a000000ul   /* unbacked in a pVM: an MMIO exit to the host */

#define PAGE 4096ul
#define MIB (1ul << 20)

static volatile int64_t op_rc;

static void note_rc(int64_t rc)
{
	if (rc && !op_rc)
		op_rc = rc;
}

/* Measures op and prints its figure, or a BENCH-SKIP if any call failed. */
static void figure(const char *name, bench_op op, void *arg, unsigned iters, unsigned batches)
{
	uint64_t min, med;

	op_rc = 0;
	bench_measure(op, arg, iters, batches, &min, &med);
	if (op_rc)
		bench_skip(name, "a hypercall failed", op_rc);
	else
		bench_result(name, min, med, iters, batches);
}

static void figure_once(const char *name, bench_op op, void *arg)
{
	uint64_t t;

	op_rc = 0;
	t = bench_measure_once(op, arg);
	if (op_rc)
		bench_skip(name, "a hypercall failed", op_rc);
	else
		bench_result_once(name, t);
}

/* ------------------------------------------------------------------ exits */

static void op_null_hvc(void *arg)
{
	uint64_t out[3];

	(void)arg;
	note_rc(pal_hc_call(HC_VERSION, 0, 0, 0, 0, 0, 0, out));
}

static void op_mmio_read(void *arg)
{
	(void)arg;
	(void)*(volatile uint32_t *)(GICD + 0x4);   /* GICD_TYPER, emulated at EL2 */
}

/* ------------------------------------------------------------------ memory */

struct range { uint64_t pa, pages; };

static void op_lend_reclaim(void *arg)
{
	const struct range *r = arg;
	int64_t rc = pal_hc_mem_lend(r->pa, r->pages, TARGET_VM,
				     BORROWER_IPA + (r->pa - LEND_PA), PERM_RW);

	if (!rc)
		rc = pal_hc_mem_reclaim(r->pa, r->pages);
	note_rc(rc);
}

static void op_share_unshare(void *arg)
{
	const struct range *r = arg;
	int64_t rc = pal_hc_mem_share(r->pa, r->pages, TARGET_VM,
				      BORROWER_IPA + (r->pa - LEND_PA), PERM_RW);

	if (!rc)
		rc = pal_hc_mem_unshare(r->pa, r->pages);
	note_rc(rc);
}

static void bench_memory(void)
{
	struct range one = { LEND_PA, 1 }, many = { LEND512_PA, 512 }, block = { LEND2M_PA, 512 };
	struct range shared = { SHARE_PA, 1 };

	/* The first lend of a page splits the host's 2 MiB mapping: a cold cost, kept apart. */
	figure_once("lend_reclaim_1p_first_insns", op_lend_reclaim, &one);
	figure("lend_reclaim_1p_insns", op_lend_reclaim, &one, 100, 7);
	/* The same with a neighbour page kept lent to the same borrower: its stage-2 tables
	 * then stay, so this shows what creating and freeing them costs the figure above. */
	int64_t rc = pal_hc_mem_lend(LEND_PA + PAGE, 1, TARGET_VM, BORROWER_IPA + PAGE, PERM_RW);

	if (rc) {
		bench_skip("lend_reclaim_1p_warm_insns", "lending the neighbour page failed", rc);
	} else {
		figure("lend_reclaim_1p_warm_insns", op_lend_reclaim, &one, 100, 7);
		rc = pal_hc_mem_reclaim(LEND_PA + PAGE, 1);
		if (rc)
			bench_skip("lend_reclaim_1p_warm_insns", "reclaiming the neighbour page failed", rc);
	}
	figure("lend_reclaim_512p_insns", op_lend_reclaim, &many, 4, 5);
	figure_once("lend_reclaim_2m_first_insns", op_lend_reclaim, &block);
	figure("lend_reclaim_2m_insns", op_lend_reclaim, &block, 8, 5);
	figure("share_unshare_1p_insns", op_share_unshare, &shared, 100, 7);
}

/* ------------------------------------------------------------------ virtual IPIs */

static volatile uint64_t pings, pongs;
static volatile bool cpu1_up;

static void sgi_send(unsigned intid, unsigned target_vcpu)
{
	wr_sysreg(S3_0_C12_C11_5, ((uint64_t)intid << 24) | (1u << target_vcpu));   /* ICC_SGI1R_EL1 */
	__asm__ volatile("isb");
}

static void gic_cpu_init(void)
{
	volatile uint32_t *rd = (volatile uint32_t *)(GICR + 0x20000 * (rd_sysreg(mpidr_el1) & 0xff));
	volatile uint32_t *sgi = (volatile uint32_t *)((uintptr_t)rd + 0x10000);

	rd[0x14 / 4] &= ~2u;                   /* GICR_WAKER.ProcessorSleep */
	while (rd[0x14 / 4] & 4u)
		;
	sgi[0x80 / 4] = ~0u;                   /* IGROUPR0: group 1 */
	sgi[0x100 / 4] = (1u << 1) | (1u << 2) | (1u << 27);   /* ISENABLER0: SGIs 1, 2, vtimer */
	wr_sysreg(S3_0_C12_C12_5, 7);          /* ICC_SRE_EL1 */
	__asm__ volatile("isb");
	wr_sysreg(S3_0_C4_C6_0, 0xff);         /* ICC_PMR_EL1 */
	wr_sysreg(S3_0_C12_C12_7, 1);          /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb; msr daifclr, #2");
}

void bench_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	if ((kind & 3) == 1) {   /* IRQ */
		uint64_t intid = rd_sysreg(S3_0_C12_C12_0) & 0xffffff;   /* ICC_IAR1_EL1 */

		if (intid == 1) {          /* on vCPU 1: ping; answer vCPU 0 */
			pings++;
			sgi_send(2, 0);
		} else if (intid == 2) {   /* on vCPU 0: pong */
			pongs++;
		} else if (intid == 27) {  /* the virtual timer of sleep_ms(): one shot */
			wr_sysreg(cntv_ctl_el0, 2);
		}
		if (intid < 1020)
			wr_sysreg(S3_0_C12_C12_1, intid);   /* ICC_EOIR1_EL1 */
		return;
	}
	rt_lock();
	rt_puts("BENCH-FAULT kind=");
	rt_put_u64(kind);
	rt_puts(" esr=");
	rt_put_hex(esr);
	rt_puts(" far=");
	rt_put_hex(far);
	rt_puts(" elr=");
	rt_put_hex(*elr);
	rt_putc('\n');
	rt_unlock();
	rt_system_off();
}

extern char secondary_start[];

/* Waits about 'ms' of virtual time in WFI (woken by the virtual timer), not spinning:
 * under QEMU's -icount the vCPUs' CPUs take turns, and a spinning vCPU 0 kept vCPU 1 from
 * starting for seconds (docs/performance.md). */
static void sleep_ms(unsigned ms)
{
	wr_sysreg(cntv_tval_el0, rd_sysreg(cntfrq_el0) / 1000 * ms);
	wr_sysreg(cntv_ctl_el0, 1);
	__asm__ volatile("isb; wfi");
	wr_sysreg(cntv_ctl_el0, 0);
}

static void bench_ipi(void)
{
	const unsigned rounds = 64, batches = 5;
	uint64_t best = ~0ull;

	volatile uint32_t *d = (volatile uint32_t *)GICD;

	d[0] = (1u << 4) | (1u << 1);   /* GICD_CTLR: ARE, EnableGrp1 */
	gic_cpu_init();
	int64_t rc = rt_hvc(PSCI_CPU_ON, 1, (uint64_t)secondary_start, 1);
	for (unsigned i = 0; rc == 0 && !cpu1_up && i < 2000; i++)
		sleep_ms(1);
	if (rc || !cpu1_up) {
		bench_skip("virtual_ipi_insns", "vCPU 1 did not start", rc);
		return;
	}
	for (unsigned b = 0; b < batches; b++) {
		uint64_t t0 = rt_now();

		for (unsigned k = 0; k < rounds; k++) {
			uint64_t want = pongs + 1;

			sgi_send(1, 1);
			while (pongs < want)
				__asm__ volatile("wfi");
		}
		uint64_t t = rt_now() - t0;

		if (t < best)
			best = t;
	}
	/* A ping-pong round trip is two IPIs, each sent, delivered to a vCPU waiting in WFI
	 * on another physical CPU, taken and acknowledged by it. */
	bench_result("virtual_ipi_round_trip_insns", best * 1000 / rounds, best * 1000 / rounds,
		     rounds, batches);
	bench_result("virtual_ipi_insns", best * 500 / rounds, best * 500 / rounds, rounds, batches);
}

/* ------------------------------------------------------------------ launch API */

static const char *why(int64_t rc)
{
	return rc == PAL_E_NOT_SUPPORTED ? "not implemented by the hypervisor yet" : "a hypercall failed";
}

static void fill_pattern(uint64_t pa, uint64_t bytes)
{
	uint64_t *p = (uint64_t *)pa, x = 0x9e3779b97f4a7c15ull;

	for (uint64_t i = 0; i < bytes / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

/* SHA-384 measurement throughput: VM_LOAD of a 32 MiB image with the measure flag. */
static void bench_measure_load(void)
{
	struct pal_hc_vm_create_result cr;
	int64_t rc;

	fill_pattern(MEAS_PA, MEAS_BYTES);
	rc = pal_hc_vm_create(1, PVM_BASE, MEAS_BYTES, META_PA, META_PAGES, &cr);
	if (rc) {
		bench_skip("measure_insns_per_byte", why(rc), rc);
		return;
	}
	uint64_t t0 = rt_now();

	rc = pal_hc_vm_load(cr.vm_id, MEAS_PA, MEAS_BYTES / PAGE, PVM_BASE, 3 /* measure, lend */);
	uint64_t t = rt_now() - t0;

	if (rc) {
		bench_skip("measure_insns_per_byte", "VM_LOAD with measure failed", rc);
	} else {
		bench_result("measure_insns_per_byte", t * 1000 / MEAS_BYTES, t * 1000 / MEAS_BYTES, 1, 1);
		bench_result_once("measure_load_32m_insns", t);
	}
	rc = pal_hc_vm_destroy(cr.vm_id);
	if (rc)
		bench_skip("vm_destroy", "VM_DESTROY failed", rc);
}

/* Linux as a pVM, from VM_CREATE to its first instruction: the host gives the kernel
 * (measured), the rest of the memory (zeroed) and an entry page (measured) whose first
 * instruction is an MMIO store that exits to the host at once; VCPU_RUN returning that
 * exit ends the measurement. */
static void bench_launch(const void *dtb)
{
	const char *name = "launch_linux_pvm_insns";
	uint64_t start, end;
	struct pal_hc_vm_create_result cr;
	struct pal_hc_vcpu_run_result run;
	int64_t rc;

	if (!fdt_chosen_u64(dtb, "linux,initrd-start", &start) ||
	    !fdt_chosen_u64(dtb, "linux,initrd-end", &end) || end <= start || (start & (PAGE - 1))) {
		bench_skip(name, "no Linux Image was given to the host VM (as its initrd)", 0);
		return;
	}
	uint64_t kpages = (end - start + PAGE - 1) / PAGE;
	uint64_t mem = ((kpages + 1) * PAGE + 16 * MIB + 2 * MIB - 1) & ~(2 * MIB - 1);
	uint64_t zpages = mem / PAGE - kpages - 1;
	uint64_t entry = PVM_BASE + mem - PAGE;
	volatile uint32_t *stub = (volatile uint32_t *)STUB_PA;

	if (ZERO_PA + zpages * PAGE > STUB_PA || 8 + mem / (2 * MIB) + 1 > META_PAGES) {
		bench_skip(name, "the Linux Image is too large for this benchmark's layout", 0);
		return;
	}
	bench_info_u64("launch_kernel_pages", kpages);
	bench_info_u64("launch_mem_mib", mem / MIB);
	stub[0] = 0xf9000000u;   /* str x0, [x0]: MMIO store to x0 = PVM_MMIO_PROBE */
	stub[1] = 0x14000000u;   /* b . */
	__asm__ volatile("dc cvac, %0; dsb sy" : : "r"(STUB_PA) : "memory");

	uint64_t t0 = rt_now();

	rc = pal_hc_vm_create(1, PVM_BASE, mem, META_PA, META_PAGES, &cr);
	if (rc) {
		bench_skip(name, why(rc), rc);
		return;
	}
	const char *step = "VM_LOAD (kernel)";

	rc = pal_hc_vm_load(cr.vm_id, start, kpages, PVM_BASE, 3);
	if (!rc) {
		step = "VM_LOAD (zeroed memory)";
		rc = pal_hc_vm_load(cr.vm_id, ZERO_PA, zpages, PVM_BASE + kpages * PAGE, 2);
	}
	if (!rc) {
		step = "VM_LOAD (entry page)";
		rc = pal_hc_vm_load(cr.vm_id, STUB_PA, 1, entry, 3);
	}
	if (!rc) {
		step = "VM_SET_BOOT";
		rc = pal_hc_vm_set_boot(cr.vm_id, entry, PVM_MMIO_PROBE);
	}
	if (!rc) {
		step = "VM_START";
		rc = pal_hc_vm_start(cr.vm_id, 0);
	}
	if (!rc) {
		step = "VCPU_RUN";
		rc = pal_hc_vcpu_run(cr.vm_id, 0, 0, 0, &run);
	}
	uint64_t t = rt_now() - t0;

	if (rc)
		bench_skip(name, step, rc);
	else if ((run.exit & 0xff) != 1 || run.addr != PVM_MMIO_PROBE)
		bench_skip(name, "VCPU_RUN did not return the entry page's MMIO exit", (int64_t)run.exit);
	else
		bench_result_once(name, t);
	rc = pal_hc_vm_destroy(cr.vm_id);
	if (rc)
		bench_skip("vm_destroy", "VM_DESTROY failed", rc);
}

/* VM_CREATE of a 1 GiB pVM with n metadata pages, destroyed at once: 0, or the status. */
static int64_t try_create(uint64_t n)
{
	struct pal_hc_vm_create_result cr;
	int64_t rc = pal_hc_vm_create(1, PVM_BASE, 1ul << 30, META_PA, n, &cr);

	return rc ? rc : pal_hc_vm_destroy(cr.vm_id);
}

/* The metadata a pVM needs per GiB of its memory: the fewest pages VM_CREATE accepts for
 * a 1 GiB VM. The ABI's rule (8 + size / 2 MiB + size / 1 GiB) is tried first; if the
 * hypervisor answers otherwise, bisection finds the real minimum. */
static void bench_metadata(void)
{
	const char *name = "pvm_metadata_pages_per_gib";
	uint64_t lo = 1, hi = 2048;       /* 8 MiB below LEND_PA, free host memory */
	uint64_t rule = 8 + 512 + 1;
	int64_t rc = try_create(hi);

	if (rc) {
		bench_skip(name, why(rc), rc);
		return;
	}
	uint64_t t0 = rt_now();

	rc = try_create(rule);
	bench_result_once("vm_create_destroy_1g_insns", rt_now() - t0);
	if (rc == 0 && try_create(rule - 1) == PAL_E_NO_MEMORY) {
		bench_result_once(name, rule);
		return;
	}
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;

		rc = try_create(mid);
		if (rc == 0)
			hi = mid;
		else if (rc == PAL_E_NO_MEMORY)
			lo = mid + 1;
		else
			break;
	}
	if (rc && rc != PAL_E_NO_MEMORY)
		bench_skip(name, "VM_CREATE or VM_DESTROY failed", rc);
	else
		bench_result_once(name, hi);
}

/* ------------------------------------------------------------------ main */

void bench_main(uint64_t cpu, uint64_t x0, uint64_t entry_ticks)
{
	if (cpu == 1) {
		gic_cpu_init();
		cpu1_up = true;
		for (;;)
			__asm__ volatile("wfi");
	}
	struct pal_hc_caller_id_result id;

	bench_info("guest", "micro");
	bench_info("clock", rt_clock_init());
	/* Reset to the host VM's first instruction: the hypervisor's boot (and its boot
	 * stage's), building the manifest's VMs included. */
	bench_result_once("hyp_boot_to_host_insns", entry_ticks * rt_ns_per_tick);
	bench_info_u64("ns_per_tick", rt_ns_per_tick);
	if (pal_hc_caller_id(&id) != 0 || id.vm_id != 1) {
		bench_skip("micro", "not running as the host VM", 0);
		bench_end();
		rt_system_off();
	}
	/* What the measuring loop itself costs per iteration (subtracted from every figure). */
	bench_info_u64("timing_overhead_milli_insns", bench_empty_milli(1000));
	figure("null_hvc_insns", op_null_hvc, 0, 1000, 9);
	figure("mmio_exit_insns", op_mmio_read, 0, 1000, 9);
	bench_memory();
	bench_ipi();
	bench_measure_load();
	bench_metadata();
	bench_launch((const void *)x0);
	bench_end();
	rt_system_off();
}
