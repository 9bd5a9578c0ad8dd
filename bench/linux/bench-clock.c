/*
 * bench-clock: the clock and workload of the Linux boot benchmarks. A static arm64 Linux
 * program without libc (raw system calls), run by the benchmark initramfs's /init.
 *
 *   bench-clock boot        BENCH-BOOT cntvct=<ticks> cntfrq=<Hz>   (first thing /init runs)
 *   bench-clock mark NAME   BENCH-MARK NAME cntvct=<ticks>
 *   bench-clock touch N     map N fresh pages, write one byte in each, unmap, exit
 *
 * CNTVCT_EL0 is read in the entry code, before anything else. Under QEMU's -icount it
 * counts virtual time from reset (the hypervisors compared here leave CNTVOFF_EL2 at 0
 * for this VM, except Xen, whose dom0 counter starts at dom0's creation: bench/run adds
 * that offset from Xen's own log).
 */
#include <stdint.h>

#define SYS_write 64
#define SYS_exit 93
#define SYS_munmap 215
#define SYS_mmap 222
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20

static long sys(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

static char buf[256];
static long len;

static void put(const char *s)
{
	while (*s && len < (long)sizeof(buf))
		buf[len++] = *s++;
}

static void put_u64(uint64_t v)
{
	char b[21];
	int i = 0;

	do {
		b[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i && len < (long)sizeof(buf))
		buf[len++] = b[--i];
}

static void flush(void)
{
	sys(SYS_write, 1, (long)buf, len, 0, 0, 0);
	len = 0;
}

static __attribute__((noreturn)) void die(int code)
{
	sys(SYS_exit, code, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

static int eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static uint64_t cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

void clock_main(long argc, char **argv, uint64_t t)
{
	uint64_t n;

	if (argc == 2 && eq(argv[1], "boot")) {
		put("BENCH-BOOT cntvct=");
		put_u64(t);
		put(" cntfrq=");
		put_u64(cntfrq());
		put("\n");
		flush();
		die(0);
	}
	if (argc == 3 && eq(argv[1], "mark")) {
		put("BENCH-MARK ");
		put(argv[2]);
		put(" cntvct=");
		put_u64(t);
		put("\n");
		flush();
		die(0);
	}
	if (argc == 3 && eq(argv[1], "touch") && parse(argv[2], &n) == 0 && n > 0) {
		long size = (long)(n * 4096);
		volatile char *p = (volatile char *)sys(SYS_mmap, 0, size, PROT_READ | PROT_WRITE,
							 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if ((long)p < 0 && (long)p > -4096)
			die(3);
		for (long off = 0; off < size; off += 4096)
			p[off] = (char)off;
		sys(SYS_munmap, (long)p, size, 0, 0, 0, 0);
		die(0);
	}
	put("usage: bench-clock boot | mark NAME | touch PAGES\n");
	flush();
	die(2);
}

/* Entry: read the counter first; the kernel leaves argc at [sp] and argv after it. */
__asm__(".global _start\n_start:\n\tisb\n\tmrs x2, cntvct_el0\n\tldr x0, [sp]\n"
	"\tadd x1, sp, #8\n\tbl clock_main\n");
