/*
 * memprobe: a host-side test program (static arm64 Linux binary, no libc) that maps a
 * physical page through /dev/mem and tries to read it in a child process. Prints
 * "sigbus" if the child died of SIGBUS, "read <hex>" if it read a word, "error <what>"
 * otherwise. Used by the host's /init to attack a protected VM's memory the way a
 * program would, beside busybox devmem.
 *   memprobe PHYS_ADDR
 */
#include <stdint.h>

#define SYS_openat 56
#define SYS_close 57
#define SYS_write 64
#define SYS_exit 93
#define SYS_wait4 260
#define SYS_clone 220
#define SYS_mmap 222
#define AT_FDCWD -100
#define O_RDWR 2
#define O_SYNC 04010000
#define PROT_READ 1
#define MAP_SHARED 1
#define SIGCHLD 17
#define SIGBUS 7

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

static void out(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	sys(SYS_write, 1, (long)s, n, 0, 0, 0);
}

static void out_hex(uint64_t v)
{
	char b[19] = "0x";

	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	b[18] = 0;
	out(b);
}

/* Decimal, or hexadecimal with 0x (what the shell's $((...)) gives is decimal). */
static int parse(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		uint64_t d;

		if (*s >= '0' && *s <= '9')
			d = (uint64_t)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (uint64_t)((*s | 0x20) - 'a' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static __attribute__((noreturn)) void die(int code)
{
	sys(SYS_exit, code, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

void probe_main(long argc, char **argv)
{
	uint64_t pa;
	long pid, status = 0;

	if (argc != 2 || parse(argv[1], &pa) != 0) {
		out("usage: memprobe PHYS_ADDR   (decimal, or hexadecimal with 0x)\n");
		die(2);
	}
	pid = sys(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
	if (pid == 0) {
		long fd = sys(SYS_openat, AT_FDCWD, (long)"/dev/mem", O_RDWR | O_SYNC, 0, 0, 0);
		volatile uint32_t *p;

		if (fd < 0) {
			out("error open\n");
			die(3);
		}
		p = (volatile uint32_t *)sys(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, fd,
					     (long)(pa & ~0xfffull));
		if ((long)p < 0 && (long)p > -4096) {
			out("error mmap\n");
			die(3);
		}
		uint32_t v = p[(pa & 0xfff) / 4];
		out("read ");
		out_hex(v);
		out("\n");
		die(0);
	}
	if (pid < 0 || sys(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid) {
		out("error wait\n");
		die(3);
	}
	if ((status & 0x7f) == SIGBUS) {
		out("sigbus\n");
		die(0);
	}
	die((status & 0x7f) ? 4 : (status >> 8) & 0xff);
}

/* Entry: the kernel leaves argc at [sp] and argv after it. */
__asm__(".global _start\n_start:\n\tldr x0, [sp]\n\tadd x1, sp, #8\n\tbl probe_main\n");
