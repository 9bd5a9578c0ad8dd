/* Runtime of the bare-metal bench guests (see rt.h). */
#include "rt.h"

#define UART 0x09000000ul
#define HC_VERSION_FID 0xC6000000u

bool rt_clock_pmu;
uint64_t rt_ns_per_tick = 16;

static volatile int print_lock;

void rt_lock(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		;
}

void rt_unlock(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

void rt_putc(char c)
{
	volatile uint32_t *u = (volatile uint32_t *)UART;

	if (c == '\n')
		rt_putc('\r');
	while (u[0x18 / 4] & (1u << 5))   /* FR.TXFF */
		;
	u[0] = (uint32_t)(unsigned char)c;
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

void rt_put_u64(uint64_t v)
{
	char b[21];
	int i = 0;

	do {
		b[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		rt_putc(b[--i]);
}

void rt_put_i64(int64_t v)
{
	if (v < 0) {
		rt_putc('-');
		rt_put_u64((uint64_t)0 - (uint64_t)v);
	} else {
		rt_put_u64((uint64_t)v);
	}
}

void rt_put_hex(uint64_t v)
{
	rt_puts("0x");
	for (int s = 60; s >= 0; s -= 4)
		if ((v >> s) || s == 0)
			rt_putc("0123456789abcdef"[(v >> s) & 0xf]);
}

void rt_put_milli(uint64_t milli)
{
	unsigned frac = (unsigned)(milli % 1000);

	rt_put_u64(milli / 1000);
	if (frac) {
		char d[3] = { (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
			      (char)('0' + frac % 10) };
		int n = d[2] != '0' ? 3 : d[1] != '0' ? 2 : 1;

		rt_putc('.');
		for (int i = 0; i < n; i++)
			rt_putc(d[i]);
	}
}

int64_t rt_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = 0, x5 __asm__("x5") = 0, x6 __asm__("x6") = 0;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 : "r"(x4), "r"(x5), "r"(x6) : "memory");
	return (int64_t)x0;
}

void rt_system_off(void)
{
	for (;;)
		rt_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
}

/* ------------------------------------------------------------------ clock */

void rt_pmu_enable(void)
{
	wr_sysreg(pmccfiltr_el0, 1ull << 27);           /* NSH: count at EL2 too; EL0, EL1 */
	wr_sysreg(pmcntenset_el0, 1ull << 31);          /* the cycle counter */
	wr_sysreg(pmcr_el0, (1u << 6) | (1u << 2) | 1u);   /* LC (64-bit), C (reset), E */
	__asm__ volatile("isb");
}

static uint64_t cntvct(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t pmccntr(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

/* Does the PMU cycle counter agree with CNTVCT over 'work' (tolerance 1/den + 64)? */
static bool pmu_agrees(void (*work)(void), uint64_t den)
{
	uint64_t c0 = cntvct(), p0 = pmccntr();
	uint64_t c1, p1, dc, dp;

	work();
	p1 = pmccntr();
	c1 = cntvct();
	dc = (c1 - c0) * rt_ns_per_tick;
	dp = p1 - p0;
	return dc > 0 && dp + dc / den + 64 >= dc && dp <= dc + dc / den + 64;
}

static void spin_work(void)
{
	for (volatile unsigned i = 0; i < 100000; i++)
		;
}

static void hvc_work(void)
{
	for (unsigned i = 0; i < 200; i++)
		rt_hvc(HC_VERSION_FID, 0, 0, 0);
}

const char *rt_clock_init(void)
{
	uint64_t freq = rd_sysreg(cntfrq_el0);

	if (freq && 1000000000ull % freq == 0)
		rt_ns_per_tick = 1000000000ull / freq;
	rt_clock_pmu = false;
	/* PMUVer (ID_AA64DFR0_EL1[11:8]): 0 none, 0xf IMPLEMENTATION DEFINED. */
	uint64_t pmuver = (rd_sysreg(id_aa64dfr0_el1) >> 8) & 0xf;

	if (pmuver == 0 || pmuver == 0xf)
		return "cntvct";
	rt_pmu_enable();
	if (pmu_agrees(spin_work, 100) && pmu_agrees(hvc_work, 20))
		rt_clock_pmu = true;
	return rt_clock_pmu ? "pmccntr" : "cntvct";
}

/* ------------------------------------------------------------------ output */

void bench_info(const char *key, const char *value)
{
	rt_lock();
	rt_puts("BENCH-INFO ");
	rt_puts(key);
	rt_putc(' ');
	rt_puts(value);
	rt_putc('\n');
	rt_unlock();
}

void bench_info_u64(const char *key, uint64_t value)
{
	rt_lock();
	rt_puts("BENCH-INFO ");
	rt_puts(key);
	rt_putc(' ');
	rt_put_u64(value);
	rt_putc('\n');
	rt_unlock();
}

void bench_result(const char *name, uint64_t milli, uint64_t median_milli, unsigned iters,
		  unsigned batches)
{
	rt_lock();
	rt_puts("BENCH-RESULT ");
	rt_puts(name);
	rt_putc(' ');
	rt_put_milli(milli);
	rt_puts(" median=");
	rt_put_milli(median_milli);
	rt_puts(" iters=");
	rt_put_u64(iters);
	rt_puts(" batches=");
	rt_put_u64(batches);
	rt_puts(" clock=");
	rt_puts(rt_clock_pmu ? "pmccntr" : "cntvct");
	rt_putc('\n');
	rt_unlock();
}

void bench_result_once(const char *name, uint64_t value)
{
	rt_lock();
	rt_puts("BENCH-RESULT ");
	rt_puts(name);
	rt_putc(' ');
	rt_put_u64(value);
	rt_puts(" iters=1 clock=");
	rt_puts(rt_clock_pmu ? "pmccntr" : "cntvct");
	rt_putc('\n');
	rt_unlock();
}

void bench_skip(const char *name, const char *why, int64_t rc)
{
	rt_lock();
	rt_puts("BENCH-SKIP ");
	rt_puts(name);
	rt_putc(' ');
	rt_puts(why);
	rt_puts(" (status ");
	rt_put_i64(rc);
	rt_puts(")\n");
	rt_unlock();
}

void bench_end(void)
{
	rt_lock();
	rt_puts("BENCH-END\n");
	rt_unlock();
}

/* ------------------------------------------------------------------ measuring */

static void op_empty(void *arg)
{
	(void)arg;
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static uint64_t run_batch(bench_op op, void *arg, unsigned iters)
{
	bench_op volatile f = op;
	uint64_t t0 = rt_now();

	for (unsigned i = 0; i < iters; i++)
		f(arg);
	return rt_now() - t0;
}

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

#define MAX_BATCHES 15

void bench_measure(bench_op op, void *arg, unsigned iters, unsigned batches,
		   uint64_t *min_milli, uint64_t *median_milli)
{
	uint64_t t_op[MAX_BATCHES], t_empty[MAX_BATCHES];

	if (batches > MAX_BATCHES)
		batches = MAX_BATCHES;
	if (batches == 0)
		batches = 1;
	if (iters == 0)
		iters = 1;
	for (unsigned b = 0; b < batches; b++) {
		t_op[b] = run_batch(op, arg, iters);
		t_empty[b] = run_batch(op_empty, arg, iters);
	}
	sort(t_op, batches);
	sort(t_empty, batches);
	uint64_t dmin = t_op[0] > t_empty[0] ? t_op[0] - t_empty[0] : 0;
	uint64_t dmed = t_op[batches / 2] > t_empty[batches / 2] ?
			t_op[batches / 2] - t_empty[batches / 2] : 0;

	*min_milli = dmin * 1000 / iters;
	*median_milli = dmed * 1000 / iters;
}

uint64_t bench_empty_milli(unsigned iters)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < 3; i++) {
		uint64_t t = run_batch(op_empty, 0, iters);

		if (t < best)
			best = t;
	}
	return best * 1000 / iters;
}

uint64_t bench_measure_once(bench_op op, void *arg)
{
	uint64_t t = run_batch(op, arg, 1), e = ~0ull;

	for (int i = 0; i < 3; i++) {
		uint64_t x = run_batch(op_empty, arg, 1);

		if (x < e)
			e = x;
	}
	return t > e ? t - e : 0;
}

/* ------------------------------------------------------------------ device tree */

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

bool fdt_chosen_u64(const void *fdt, const char *name, uint64_t *out)
{
	const uint8_t *f = fdt;

	if (!f || be32(f) != 0xd00dfeedu)
		return false;
	uint32_t total = be32(f + 4), off_struct = be32(f + 8), off_strings = be32(f + 12);
	const uint8_t *p = f + off_struct, *end = f + total;
	int depth = 0;
	bool in_chosen = false;

	while (p + 4 <= end) {
		uint32_t tok = be32(p);

		p += 4;
		if (tok == 1) {          /* FDT_BEGIN_NODE */
			const char *n = (const char *)p;
			size_t len = 0;

			while (p + len < end && n[len])
				len++;
			depth++;
			if (depth == 2)
				in_chosen = str_eq(n, "chosen");
			p += (len + 4) & ~(size_t)3;
		} else if (tok == 2) {   /* FDT_END_NODE */
			if (depth == 2)
				in_chosen = false;
			depth--;
		} else if (tok == 3) {   /* FDT_PROP */
			uint32_t len = be32(p), nameoff = be32(p + 4);
			const uint8_t *val = p + 8;

			if (in_chosen && depth == 2 && str_eq((const char *)f + off_strings + nameoff, name)) {
				if (len == 4)
					*out = be32(val);
				else if (len == 8)
					*out = ((uint64_t)be32(val) << 32) | be32(val + 4);
				else
					return false;
				return true;
			}
			p = val + ((len + 3) & ~3u);
		} else if (tok == 4) {   /* FDT_NOP */
			continue;
		} else {                 /* FDT_END or garbage */
			break;
		}
	}
	return false;
}
