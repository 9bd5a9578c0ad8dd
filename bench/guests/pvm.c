/*
 * Benchmarks a protected VM makes of the hypervisor's attestation calls: ATTEST (a
 * signed report), MEASURE_EXTEND and MEASURE_READ. Runs as VM 2 from a boot manifest
 * beside an idle host VM, so that only its own work (and the hypervisor's on its behalf)
 * advances virtual time. A call the hypervisor does not have yet gives a BENCH-SKIP with
 * its status; bench/run records the figure as null with that note.
 */
#include "rt.h"
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"

#define EVIDENCE_SIZE 760

static uint8_t evidence[4096] __attribute__((aligned(4096)));
static uint8_t digest[48] __attribute__((aligned(64)));
static uint8_t rmr[48] __attribute__((aligned(64)));
static volatile int64_t op_rc;

static const char *why(int64_t rc)
{
	switch (rc) {
	case PAL_E_NOT_SUPPORTED:
		return "not implemented by the hypervisor yet";
	case PAL_E_STATE:
		return "the hypervisor has no attestation key (booted without the boot stage)";
	default:
		return "the call failed";
	}
}

static void op_null(void *arg)
{
	uint64_t out[3];
	int64_t rc = pal_hc_call(HC_VERSION, 0, 0, 0, 0, 0, 0, out);

	(void)arg;
	if (rc && !op_rc)
		op_rc = rc;
}

static void op_attest(void *arg)
{
	struct pal_hc_attest_result r;
	int64_t rc;

	(void)arg;
	for (unsigned i = 0; i < 64; i++)
		evidence[i] = (uint8_t)i;     /* report_data: the nonce */
	rc = pal_hc_attest((uint64_t)evidence, sizeof(evidence), &r);
	if (!rc && r.written != EVIDENCE_SIZE)
		rc = PAL_E_INVALID;
	if (rc && !op_rc)
		op_rc = rc;
}

static void op_extend(void *arg)
{
	int64_t rc = pal_hc_measure_extend(1, (uint64_t)digest);

	(void)arg;
	if (rc && !op_rc)
		op_rc = rc;
}

static void op_read(void *arg)
{
	int64_t rc = pal_hc_measure_read(1, (uint64_t)rmr);

	(void)arg;
	if (rc && !op_rc)
		op_rc = rc;
}

static void figure(const char *name, bench_op op, unsigned iters, unsigned batches)
{
	uint64_t min, med;

	op_rc = 0;
	op(0);                 /* one call first: is it there at all? */
	if (op_rc) {
		bench_skip(name, why(op_rc), op_rc);
		return;
	}
	bench_measure(op, 0, iters, batches, &min, &med);
	if (op_rc)
		bench_skip(name, why(op_rc), op_rc);
	else
		bench_result(name, min, med, iters, batches);
}

/* The evidence of the last ATTEST, for bench/run to time `palisade verify` on it:
 * BENCH-EVIDENCE <offset> <hex of 32 bytes>, report_data = bytes 0..63. */
static void print_evidence(void)
{
	for (unsigned off = 0; off < EVIDENCE_SIZE; off += 32) {
		rt_lock();
		rt_puts("BENCH-EVIDENCE ");
		rt_put_u64(off);
		rt_putc(' ');
		for (unsigned i = off; i < off + 32 && i < EVIDENCE_SIZE; i++) {
			rt_putc("0123456789abcdef"[evidence[i] >> 4]);
			rt_putc("0123456789abcdef"[evidence[i] & 0xf]);
		}
		rt_putc('\n');
		rt_unlock();
	}
}

void bench_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
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

void bench_main(uint64_t cpu, uint64_t x0, uint64_t entry_ticks)
{
	struct pal_hc_caller_id_result id;

	(void)cpu;
	(void)x0;
	(void)entry_ticks;
	for (unsigned i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t)(0xa5 ^ i);
	bench_info("guest", "pvm");
	bench_info("clock", rt_clock_init());
	bench_info_u64("vm_id", pal_hc_caller_id(&id) == 0 ? id.vm_id : 0);
	bench_info_u64("timing_overhead_milli_insns", bench_empty_milli(100));
	figure("null_hvc_pvm_insns", op_null, 1000, 5);
	figure("attest_insns", op_attest, 2, 3);
	if (!op_rc)
		print_evidence();
	figure("measure_extend_insns", op_extend, 20, 5);
	figure("measure_read_insns", op_read, 20, 5);
	bench_end();
	rt_system_off();
}
