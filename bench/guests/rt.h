/*
 * Runtime of the bare-metal bench guests: console, number printing, the clock, the
 * measuring loop and the structured lines bench/run parses:
 *
 *   BENCH-INFO <key> <value>
 *   BENCH-RESULT <name> <value> [key=value ...]     value: decimal, up to 3 fraction digits
 *   BENCH-SKIP <name> <reason ...>                  the figure could not be taken
 *   BENCH-END
 *
 * Time is read from the PMU cycle counter (PMCCNTR_EL0, counting at EL0, EL1 and EL2)
 * when it works, else from the virtual counter CNTVCT_EL0; both are converted to virtual
 * nanoseconds, which under QEMU -icount shift=0 are guest instructions (docs/performance.md).
 */
#ifndef BENCH_RT_H
#define BENCH_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define rd_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define wr_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))

#define PSCI_CPU_ON 0xC4000003u
#define PSCI_SYSTEM_OFF 0x84000008u

/* Console (PL011 at 0x09000000, physical or emulated). Lines are printed under a lock. */
void rt_lock(void);
void rt_unlock(void);
void rt_putc(char c);
void rt_puts(const char *s);
void rt_put_u64(uint64_t v);
void rt_put_i64(int64_t v);
void rt_put_hex(uint64_t v);
/* v / 1000 with three decimals ("123.456"), trailing zeros dropped. */
void rt_put_milli(uint64_t milli);

/* A raw SMCCC call (HVC #0), for PSCI. */
int64_t rt_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
void rt_system_off(void) __attribute__((noreturn));

/* The clock: virtual nanoseconds (= instructions under icount). */
extern bool rt_clock_pmu;
extern uint64_t rt_ns_per_tick;
/* Sets up the PMU cycle counter and checks it against CNTVCT, also across an HVC
 * (EL2 must be counted); falls back to CNTVCT. Returns the clock's name. */
const char *rt_clock_init(void);
/* The PMU setup alone, for a second vCPU. */
void rt_pmu_enable(void);

static inline uint64_t rt_now(void)
{
	uint64_t v;

	if (rt_clock_pmu) {
		__asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
		return v;
	}
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v * rt_ns_per_tick;
}

/* Structured output. */
void bench_info(const char *key, const char *value);
void bench_info_u64(const char *key, uint64_t value);
void bench_result(const char *name, uint64_t milli, uint64_t median_milli, unsigned iters,
		  unsigned batches);
void bench_result_once(const char *name, uint64_t value);
void bench_skip(const char *name, const char *why, int64_t rc);
void bench_end(void);

/*
 * Measuring: 'op' runs 'iters' times per batch, 'batches' times; the same loop around an
 * empty operation is measured the same way, and its time (loop, indirect call, reading
 * the clock) is subtracted. Results are per operation, in thousandths of an instruction:
 * the minimum over the batches (*min) and the median (*median).
 */
typedef void (*bench_op)(void *arg);
void bench_measure(bench_op op, void *arg, unsigned iters, unsigned batches,
		   uint64_t *min_milli, uint64_t *median_milli);
/* One iteration of the empty measuring loop, in thousandths of an instruction. */
uint64_t bench_empty_milli(unsigned iters);
/* One operation, once (a cold cost): instructions, timing overhead subtracted. */
uint64_t bench_measure_once(bench_op op, void *arg);

/* The value of property 'name' of /chosen in a flattened device tree (32 or 64 bits). */
bool fdt_chosen_u64(const void *fdt, const char *name, uint64_t *out);

#endif
