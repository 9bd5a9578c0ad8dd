/*
 * paltest: the host VM's test program for the Linux host driver (/dev/palisade) and the
 * memory it gives protected VMs. Static arm64 Linux binary (libc), run by the host's
 * /init. Prints PALISADE-TEST verdict lines (the /init counts them).
 *
 *   paltest misuse        every ioctl with bad arguments, in the wrong state, on a
 *                         destroyed VM; a tiny pVM run to its power-off (MMIO write and
 *                         read exits); a spinning pVM for EBUSY, EINTR and a destroy
 *                         while a vCPU runs; the host attacking the pages it gave
 *   paltest probe-vm ID   attacks the live VM ID's memory at the physical pages the
 *                         driver gave it (/sys/kernel/debug/palisade/pages): /dev/mem
 *                         and the driver's test_physmap mapping; prints one verdict
 *   paltest stat NAME     prints a counter of /sys/kernel/debug/palisade/stats
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "palisade_uapi.h"

#define BASE 0x80000000ull
#define STATS "/sys/kernel/debug/palisade/stats"
#define PAGES "/sys/kernel/debug/palisade/pages"

static unsigned passed, failed;

static void verdict(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void verdict(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PALISADE-TEST %s PASS\n", name);
		passed++;
	} else {
		printf("PALISADE-TEST %s FAIL ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		failed++;
	}
	fflush(stdout);
}

/* ioctl expected to fail with 'want' (0: to succeed). */
static void expect(const char *name, int rc, int want)
{
	int e = rc < 0 ? errno : 0;

	verdict(name, want ? (rc < 0 && e == want) : rc >= 0, "got %s, expected %s",
		rc < 0 ? strerror(e) : "success", want ? strerror(want) : "success");
}

/* Guest programs (AArch64 code, copied into the pVM's first page), as instruction words.
 * (Labels in a top-level asm block were tried first: GCC reached both local labels of
 * a pair through one GOT slot, so their difference was 0 and the pVM got a page of
 * zeroes: UDF, an exception loop, and no MMIO exit ever.) */
static const uint32_t g_uart[] = {
	0xd2a12001,     /* mov  x1, #0x09000000 */
	0x528009e2,     /* mov  w2, #0x4f */
	0xb9000022,     /* str  w2, [x1]          MMIO write 'O' (32-bit) */
	0xb9401823,     /* ldr  w3, [x1, #0x18]   MMIO read: the host answers */
	0xb9000023,     /* str  w3, [x1]          writes back what it read */
	0xd2800100,     /* mov  x0, #0x8 */
	0xf2b08000,     /* movk x0, #0x8400, lsl #16 */
	0xd4000002,     /* hvc  #0                PSCI SYSTEM_OFF */
	0x14000000,     /* b    . */
};
static const uint32_t g_spin[] = {
	0x14000000,     /* b    . */
};

static uint8_t page[4096] __attribute__((aligned(4096)));

static long stat_value(const char *name)
{
	FILE *f = fopen(STATS, "r");
	char line[128], key[64];
	long long v;
	long r = -1;

	if (!f)
		return -1;
	/* Line by line: not every value is a number ("abi 0.3"). */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &v) == 2 && !strcmp(key, name))
			r = (long)v;
	fclose(f);
	return r;
}

static int create(int dev, uint64_t size, struct palisade_create_vm *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->mem_base = BASE;
	c->mem_size = size;
	return ioctl(dev, PALISADE_CREATE_VM, c);
}

static int load(int vm, uint64_t ipa, uint64_t size, const void *p, uint32_t flags)
{
	struct palisade_load l = { ipa, size, (uint64_t)(uintptr_t)p, flags, 0 };

	return ioctl(vm, PALISADE_VM_LOAD, &l);
}

static int irq(int vm, uint32_t intid, uint32_t level)
{
	struct palisade_irq_line l = { intid, level };

	return ioctl(vm, PALISADE_VM_IRQ_LINE, &l);
}

/* A VM of 'size' bytes with 'code' at BASE, started. Returns its fd or -1. */
static int launch(int dev, uint64_t size, const void *code, size_t len, uint32_t *id)
{
	struct palisade_create_vm c;
	struct palisade_boot b = { BASE, 0 };
	struct palisade_start s;
	int vm = create(dev, size, &c);

	if (vm < 0)
		return -1;
	*id = c.vm_id;
	memset(page, 0, sizeof(page));
	memcpy(page, code, len);
	if (load(vm, BASE, 4096, page, PALISADE_LOAD_MEASURE | PALISADE_LOAD_LEND) ||
	    load(vm, BASE + 4096, size - 4096, NULL, 0) || ioctl(vm, PALISADE_VM_SET_BOOT, &b) ||
	    ioctl(vm, PALISADE_VM_START, &s)) {
		close(vm);
		return -1;
	}
	return vm;
}

/* ------------------------------------------------------------------ memory probes */

/* In a child: 0 read fine (value in *v), 1 SIGBUS, 2 refused (errno in *v), 3 other. */
static int probe_child(int how, uint64_t pa, uint32_t *v)
{
	int pipefd[2], status;
	pid_t pid;
	uint32_t msg[2] = { 3, 0 };

	if (pipe(pipefd))
		return 3;
	pid = fork();
	if (pid == 0) {
		volatile uint32_t *p;
		int fd;

		close(pipefd[0]);
		alarm(5);               /* an access retried forever shows up as SIGALRM */
		if (how == 0) {         /* /dev/mem: read(), then mmap */
			fd = open("/dev/mem", O_RDONLY | O_SYNC);
			if (fd < 0 || pread(fd, &msg[1], 4, (off_t)pa) != 4) {
				msg[0] = 2;
				msg[1] = (uint32_t)errno;
				if (fd >= 0) {
					p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
						 (off_t)(pa & ~0xfffull));
					if (p != MAP_FAILED) {
						msg[0] = 0;
						msg[1] = p[(pa & 0xfff) / 4];   /* SIGBUS ends us here */
					}
				}
			} else {
				msg[0] = 0;
			}
		} else {                /* the driver's test mapping: read, then write */
			fd = open(PALISADE_DEVICE, O_RDWR);
			p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
						       fd, (off_t)(pa & ~0xfffull));
			if (p == MAP_FAILED) {
				msg[0] = 2;
				msg[1] = (uint32_t)errno;
			} else {
				msg[1] = p[(pa & 0xfff) / 4];   /* SIGBUS ends us here */
				p[(pa & 0xff8) / 4] = 0x11111111;
				msg[0] = 0;
			}
		}
		if (write(pipefd[1], msg, sizeof(msg)) < 0)
			_exit(4);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		close(pipefd[0]);
		return 3;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) {
		close(pipefd[0]);
		return 1;
	}
	if (WIFSIGNALED(status)) {
		close(pipefd[0]);
		*v = (uint32_t)WTERMSIG(status);
		return 5;
	}
	if (read(pipefd[0], msg, sizeof(msg)) != sizeof(msg))
		msg[0] = 3;
	close(pipefd[0]);
	*v = msg[1];
	return (int)msg[0];
}

/* The host may not read nor write any page it gave VM 'id'. Returns the pages probed,
 * -1 if one was readable; 'why' says which. */
static int probe_vm(uint32_t id, char *why, size_t why_size)
{
	FILE *f = fopen(PAGES, "r");
	char line[256];
	int probed = 0;

	if (!f) {
		snprintf(why, why_size, "%s: %s", PAGES, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned vid;
		unsigned long long ipa = 0, pa, n;
		char kind[16];
		uint32_t v = 0;
		int r;

		if (sscanf(line, "vm %u meta pa %llx pages %llu", &vid, &pa, &n) == 3)
			strcpy(kind, "meta");
		else if (sscanf(line, "vm %u %15s ipa %llx pa %llx pages %llu", &vid, kind, &ipa, &pa,
				&n) != 5)
			continue;
		if (vid != id)
			continue;
		/* First and last page of every chunk. */
		for (int k = 0; k < 2; k++) {
			uint64_t at = pa + (k ? (n - 1) * 4096 + 0xffc : 0x10);

			r = probe_child(0, at, &v);
			if (r == 0) {
				snprintf(why, why_size, "/dev/mem read %s page pa 0x%llx: 0x%x", kind,
					 (unsigned long long)at, v);
				fclose(f);
				return -1;
			}
			r = probe_child(1, at, &v);
			if (r != 1) {
				snprintf(why, why_size, "test_physmap %s page pa 0x%llx: %s", kind,
					 (unsigned long long)at, r == 0 ? "readable" :
					 r == 2 ? strerror((int)v) : r == 5 ? strsignal((int)v) : "probe failed");
				fclose(f);
				return -1;
			}
			probed++;
		}
	}
	fclose(f);
	if (!probed)
		snprintf(why, why_size, "no pages listed for VM %u", id);
	return probed;
}

/* ------------------------------------------------------------------ misuse */

struct spinner {
	int vm;
	int rc, err;
	volatile int phase;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;
	struct palisade_run r = { 0 };

	s->rc = ioctl(s->vm, PALISADE_VCPU_RUN, &r);   /* until a signal */
	s->err = errno;
	s->phase = 1;
	while (s->phase != 2)
		usleep(1000);
	s->rc = ioctl(s->vm, PALISADE_VCPU_RUN, &r);   /* until the VM is destroyed */
	s->err = errno;
	s->phase = 3;
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* VCPU_RUN that gives up (EINTR) after 'sec' seconds: a pVM that never exits fails the
 * check instead of stalling the test. */
static int run_bounded(int vm, struct palisade_run *r, unsigned sec)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int rc;

	sigaction(SIGALRM, &sa, NULL);
	alarm(sec);
	rc = ioctl(vm, PALISADE_VCPU_RUN, r);
	if (rc < 0 && errno == EINTR) {
		struct palisade_vm_info i;

		if (ioctl(vm, PALISADE_VM_INFO, &i) == 0)
			printf("PALTEST VCPU_RUN gave no exit in %u s (%llu exits handled in the "
			       "driver)\n", sec, (unsigned long long)i.exits);
		errno = EINTR;
	}
	alarm(0);
	return rc;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int misuse(void)
{
	struct palisade_version ver;
	struct palisade_create_vm c;
	struct palisade_vm_info info;
	struct palisade_boot b;
	struct palisade_start s;
	struct palisade_run r;
	long held0 = stat_value("pages_held"), live0 = stat_value("vms_live");
	char why[200];
	uint32_t id;
	int dev, vm, rc;
	bool ok;

	dev = open(PALISADE_DEVICE, O_RDWR);
	verdict("drv_open", dev >= 0, "%s: %s", PALISADE_DEVICE, strerror(errno));
	if (dev < 0)
		return 1;
	rc = ioctl(dev, PALISADE_GET_VERSION, &ver);
	verdict("drv_version", rc == 0 && ver.uapi == PALISADE_UAPI_VERSION && ver.abi >= 3,
		"rc %d uapi %u abi 0x%x", rc, ver.uapi, ver.abi);
	expect("drv_unknown_ioctl_enotty", ioctl(dev, _IO(PALISADE_IOC, 0x7f)), ENOTTY);
	expect("drv_create_bad_pointer_efault", ioctl(dev, PALISADE_CREATE_VM, (void *)8), EFAULT);

	/* CREATE_VM validates every field. */
	struct { const char *name; uint32_t vcpus, flags, vm_id; uint64_t base, size; int err; } cc[] = {
		{ "drv_create_zero_vcpus", 0, 0, 0, BASE, 4 << 20, EINVAL },
		{ "drv_create_nine_vcpus", 9, 0, 0, BASE, 4 << 20, EINVAL },
		{ "drv_create_base_misaligned", 1, 0, 0, BASE + 4096, 4 << 20, EINVAL },
		{ "drv_create_size_zero", 1, 0, 0, BASE, 0, EINVAL },
		{ "drv_create_size_not_2m", 1, 0, 0, BASE, 3 << 20, EINVAL },
		{ "drv_create_unknown_flag", 1, 2, 0, BASE, 4 << 20, EINVAL },
		{ "drv_create_output_field_set", 1, 0, 5, BASE, 4 << 20, EINVAL },
		{ "drv_create_base_below_1g", 1, 0, 0, 0x20000000, 4 << 20, ERANGE },
		{ "drv_create_beyond_1t", 1, 0, 0, 1ull << 40, 4 << 20, ERANGE },
		{ "drv_create_wraps", 1, 0, 0, BASE, ~0ull << 21, ERANGE },
		{ "drv_create_too_big_e2big", 1, 0, 0, BASE, 64ull << 30, E2BIG },
	};
	for (unsigned i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.vcpus = cc[i].vcpus;
		c.flags = cc[i].flags;
		c.vm_id = cc[i].vm_id;
		c.mem_base = cc[i].base;
		c.mem_size = cc[i].size;
		rc = ioctl(dev, PALISADE_CREATE_VM, &c);
		expect(cc[i].name, rc, cc[i].err);
		if (rc >= 0)
			close(rc);
	}

	/* A 4 MiB VM, taken through its life with every misuse on the way. */
	vm = create(dev, 4 << 20, &c);
	verdict("drv_create", vm >= 0 && c.vm_id >= 2 && c.vm_id < 64 && c.metadata_pages == 10,
		"fd %d, VM %u, %u metadata pages: %s", vm, c.vm_id, c.metadata_pages, strerror(errno));
	if (vm < 0)
		return 1;
	id = c.vm_id;
	ok = ioctl(vm, PALISADE_VM_INFO, &info) == 0 && info.vm_id == id &&
	     info.state == PALISADE_VM_STATE_CREATED && info.mem_size == 4 << 20;
	verdict("drv_info_created", ok, "state %u", info.state);
	memset(&r, 0, sizeof(r));
	expect("drv_run_before_start_ebadfd", ioctl(vm, PALISADE_VCPU_RUN, &r), EBADFD);
	expect("drv_irq_before_start_ebadfd", irq(vm, 33, 1), EBADFD);
	expect("drv_start_before_load_ebadfd", ioctl(vm, PALISADE_VM_START, &s), EBADFD);
	expect("drv_vm_ioctl_enotty", ioctl(vm, _IO(PALISADE_IOC, 0x7e)), ENOTTY);
	expect("drv_vm_ioctl_on_dev_enotty", ioctl(dev, PALISADE_VM_LOAD, &r), ENOTTY);

	memset(page, 0, sizeof(page));
	memcpy(page, g_uart, sizeof(g_uart));
	expect("drv_load_unaligned_einval", load(vm, BASE + 8, 4096, page, 3), EINVAL);
	expect("drv_load_size_zero_einval", load(vm, BASE, 0, page, 3), EINVAL);
	expect("drv_load_bad_flags_einval", load(vm, BASE, 4096, page, 4), EINVAL);
	expect("drv_load_content_without_buffer_einval", load(vm, BASE, 4096, NULL, 3), EINVAL);
	expect("drv_load_plain_with_buffer_einval", load(vm, BASE, 4096, page, 0), EINVAL);
	{
		struct palisade_load l = { BASE, 4096, (uint64_t)(uintptr_t)page, 3, 1 };

		expect("drv_load_reserved_einval", ioctl(vm, PALISADE_VM_LOAD, &l), EINVAL);
	}
	expect("drv_load_outside_erange", load(vm, BASE + (4 << 20), 4096, NULL, 0), ERANGE);
	expect("drv_load_below_erange", load(vm, BASE - 4096, 4096, NULL, 0), ERANGE);
	expect("drv_load_straddling_end_erange", load(vm, BASE + (4 << 20) - 4096, 8192, NULL, 0),
	       ERANGE);
	expect("drv_load_bad_user_pointer_efault", load(vm, BASE, 4096, (void *)16, 3), EFAULT);
	expect("drv_load_code", load(vm, BASE, 4096, page, 3), 0);
	expect("drv_load_same_page_eexist", load(vm, BASE, 4096, page, 3), EEXIST);
	expect("drv_load_plain_pages", load(vm, BASE + 4096 * 3, 4096 * 4, NULL, 0), 0);
	expect("drv_load_overlapping_range_eexist", load(vm, BASE, 4096 * 8, NULL, 0), EEXIST);
	b.entry = BASE + 2;
	b.arg = 0;
	expect("drv_set_boot_unaligned_einval", ioctl(vm, PALISADE_VM_SET_BOOT, &b), EINVAL);
	b.entry = BASE + (4 << 20);
	expect("drv_set_boot_outside_erange", ioctl(vm, PALISADE_VM_SET_BOOT, &b), ERANGE);
	b.entry = BASE;
	expect("drv_set_boot", ioctl(vm, PALISADE_VM_SET_BOOT, &b), 0);
	expect("drv_set_boot_twice_ebadfd", ioctl(vm, PALISADE_VM_SET_BOOT, &b), EBADFD);
	expect("drv_start_with_memory_missing_ebadfd", ioctl(vm, PALISADE_VM_START, &s), EBADFD);
	ok = load(vm, BASE + 4096, 2 * 4096, NULL, 0) == 0 &&
	     load(vm, BASE + 7 * 4096, (4 << 20) - 7 * 4096, NULL, 0) == 0;
	verdict("drv_load_rest", ok, "%s", strerror(errno));
	memset(&s, 0, sizeof(s));
	rc = ioctl(vm, PALISADE_VM_START, &s);
	ok = false;
	for (unsigned i = 0; rc == 0 && i < sizeof(s.measurement); i++)
		ok |= s.measurement[i] != 0;
	verdict("drv_start_returns_measurement", ok, "%s", rc ? strerror(errno) : "all zero");
	expect("drv_start_twice_ebadfd", ioctl(vm, PALISADE_VM_START, &s), EBADFD);
	expect("drv_load_after_start_ebadfd", load(vm, BASE, 4096, page, 3), EBADFD);
	expect("drv_set_boot_after_start_ebadfd", ioctl(vm, PALISADE_VM_SET_BOOT, &b), EBADFD);

	/* The host attacks what it gave: /dev/mem and a direct mapping (test_physmap). */
	rc = probe_vm(id, why, sizeof(why));
	verdict("drv_host_cannot_touch_vm_pages", rc > 0, "%s", why);

	memset(&r, 0, sizeof(r));
	r.vcpu = 1;
	expect("drv_run_bad_vcpu_einval", ioctl(vm, PALISADE_VCPU_RUN, &r), EINVAL);
	r.vcpu = 0;
	r.flags = 8;
	expect("drv_run_bad_flags_einval", ioctl(vm, PALISADE_VCPU_RUN, &r), EINVAL);
	expect("drv_irq_bad_intid_einval", irq(vm, 31, 1), EINVAL);
	expect("drv_irq_intid_64_einval", irq(vm, 64, 1), EINVAL);
	expect("drv_irq_bad_level_einval", irq(vm, 33, 2), EINVAL);

	/* Run it: MMIO write 'O', MMIO read answered 'K', write of 'K', power-off. */
	memset(&r, 0, sizeof(r));
	rc = run_bounded(vm, &r, 10);
	verdict("drv_run_mmio_write_exit", rc == 0 && r.reason == PALISADE_EXIT_MMIO &&
		r.addr == 0x09000000 && r.mmio_write && r.mmio_size == 4 && r.data == 'O',
		"rc %d reason %u addr 0x%llx write %u size %u data 0x%llx", rc, r.reason,
		(unsigned long long)r.addr, r.mmio_write, r.mmio_size, (unsigned long long)r.data);
	rc = run_bounded(vm, &r, 10);
	verdict("drv_run_mmio_read_exit", rc == 0 && r.reason == PALISADE_EXIT_MMIO &&
		r.addr == 0x09000018 && !r.mmio_write && r.mmio_size == 4,
		"rc %d reason %u addr 0x%llx write %u size %u", rc, r.reason,
		(unsigned long long)r.addr, r.mmio_write, r.mmio_size);
	r.mmio_data = 0x14b;            /* the load gets this; the guest stores it back */
	rc = run_bounded(vm, &r, 10);
	verdict("drv_run_mmio_read_value_reaches_guest", rc == 0 &&
		r.reason == PALISADE_EXIT_MMIO && r.mmio_write && r.data == 0x14b,
		"rc %d reason %u data 0x%llx", rc, r.reason, (unsigned long long)r.data);
	r.mmio_data = 0;
	rc = run_bounded(vm, &r, 10);
	verdict("drv_run_until_shutdown", rc == 0 && r.reason == PALISADE_EXIT_SHUTDOWN && r.addr == 0,
		"rc %d reason %u addr %llu", rc, r.reason, (unsigned long long)r.addr);
	ok = ioctl(vm, PALISADE_VM_INFO, &info) == 0 && info.state == PALISADE_VM_STATE_SHUTDOWN;
	verdict("drv_info_shutdown", ok, "state %u", info.state);
	expect("drv_run_after_shutdown_ebadfd", run_bounded(vm, &r, 5), EBADFD);
	expect("drv_destroy", ioctl(vm, PALISADE_VM_DESTROY, 0), 0);
	expect("drv_destroy_twice_enodev", ioctl(vm, PALISADE_VM_DESTROY, 0), ENODEV);
	expect("drv_run_after_destroy_enodev", ioctl(vm, PALISADE_VCPU_RUN, &r), ENODEV);
	expect("drv_load_after_destroy_enodev", load(vm, BASE, 4096, page, 3), ENODEV);
	expect("drv_irq_after_destroy_enodev", irq(vm, 33, 1), ENODEV);
	expect("drv_start_after_destroy_enodev", ioctl(vm, PALISADE_VM_START, &s), ENODEV);
	ok = ioctl(vm, PALISADE_VM_INFO, &info) == 0 && info.state == PALISADE_VM_STATE_DESTROYED;
	verdict("drv_info_destroyed", ok, "state %u", info.state);
	close(vm);

	/* A spinning pVM: a second RUN of its vCPU is refused, a signal ends a RUN with
	 * EINTR, and a destroy while the vCPU runs ends that RUN with ENODEV. */
	vm = launch(dev, 2 << 20, g_spin, sizeof(g_spin), &id);
	verdict("drv_launch_spinner", vm >= 0, "%s", strerror(errno));
	if (vm >= 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		struct spinner sp = { .vm = vm };
		pthread_t t;
		double t0;

		sigaction(SIGUSR1, &sa, NULL);
		pthread_create(&t, NULL, spin_thread, &sp);
		usleep(300 * 1000);
		expect("drv_irq_line_up_down", irq(vm, 33, 1) || irq(vm, 33, 0) ? -1 : 0, 0);
		memset(&r, 0, sizeof(r));
		expect("drv_run_same_vcpu_twice_ebusy", run_bounded(vm, &r, 5), EBUSY);
		verdict("drv_run_loops_while_guest_spins", sp.phase == 0, "RUN returned (%d, %s)",
			sp.rc, strerror(sp.err));
		for (int i = 0; i < 200 && sp.phase == 0; i++) {
			pthread_kill(t, SIGUSR1);
			usleep(10 * 1000);
		}
		verdict("drv_run_signal_eintr", sp.phase == 1 && sp.rc < 0 && sp.err == EINTR,
			"phase %d rc %d %s", sp.phase, sp.rc, strerror(sp.err));
		sp.phase = 2;
		usleep(200 * 1000);
		t0 = now_ms();
		rc = ioctl(vm, PALISADE_VM_DESTROY, 0);
		t0 = now_ms() - t0;
		for (int i = 0; i < 500 && sp.phase != 3; i++)
			usleep(10 * 1000);
		verdict("drv_destroy_while_vcpu_runs", rc == 0 && sp.phase == 3 && sp.rc < 0 &&
			sp.err == ENODEV, "destroy %d, phase %d, RUN %d %s", rc, sp.phase, sp.rc,
			strerror(sp.err));
		printf("PALTEST destroy with a running vCPU took %.1f ms\n", t0);
		if (sp.phase == 3)
			pthread_join(t, NULL);
		close(vm);
	}

	/* Closing a started VM's fd without a destroy gives everything back too. */
	vm = launch(dev, 2 << 20, g_spin, sizeof(g_spin), &id);
	ok = vm >= 0 && stat_value("vms_live") == live0 + 1;
	if (vm >= 0)
		close(vm);
	verdict("drv_close_destroys", ok && stat_value("vms_live") == live0 &&
		stat_value("pages_held") == held0, "live %ld (was %ld), held %ld (was %ld)",
		stat_value("vms_live"), live0, stat_value("pages_held"), held0);
	verdict("drv_pages_back_zeroed", stat_value("pages_nonzero") == 0 &&
		stat_value("pages_checked_zero") > 0 && stat_value("pages_leaked") == 0,
		"nonzero %ld, checked %ld, leaked %ld", stat_value("pages_nonzero"),
		stat_value("pages_checked_zero"), stat_value("pages_leaked"));
	close(dev);
	printf("PALTEST misuse: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}



int main(int argc, char **argv)
{
	char why[200];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "misuse"))
		return misuse();
	if (argc == 3 && !strcmp(argv[1], "probe-vm")) {
		int n = probe_vm((uint32_t)strtoul(argv[2], NULL, 0), why, sizeof(why));

		verdict("host_cannot_touch_running_pvm", n > 0, "%s", why);
		if (n > 0)
			printf("PALTEST probed %d places in VM %s's pages: /dev/mem refused, "
			       "mapping faulted\n", n, argv[2]);
		return n > 0 ? 0 : 1;
	}
	if (argc == 3 && !strcmp(argv[1], "stat")) {
		printf("%ld\n", stat_value(argv[2]));
		return 0;
	}
	fprintf(stderr, "usage: paltest misuse | probe-vm ID | stat NAME\n");
	return 2;
}
