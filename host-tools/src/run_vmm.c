#define _GNU_SOURCE   /* ppoll */
/* The vCPU threads and the console of `palisade run`: see run_vmm.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "palisade_uapi.h"
#include "run_image.h"
#include "run_uart.h"
#include "run_vmm.h"

struct vmm {
	int vm;
	unsigned vcpus;
	uint32_t caps;
	bool verbose;
	pthread_mutex_t lock;           /* the UART, the output buffer, threads[] */
	struct pl011 uart;
	char out[4096];
	size_t out_len;
	bool out_is_tty;
	pthread_t threads[RUN_VCPUS_MAX];
	bool thread_live[RUN_VCPUS_MAX];   /* created and not yet joined */
	atomic_bool running[RUN_VCPUS_MAX];
	atomic_bool stop;
	enum run_end end;
	struct run_stats *stats;
	struct run_capture *capture;
};

static volatile sig_atomic_t got_signal;

static void on_stop_signal(int sig)
{
	got_signal = sig;
}

static void on_kick(int sig)
{
	(void)sig;                      /* interrupts a VCPU_RUN ioctl: EINTR */
}

static void out_flush(struct vmm *m)
{
	size_t off = 0;

	while (off < m->out_len) {
		ssize_t n = write(STDOUT_FILENO, m->out + off, m->out_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;          /* nowhere to write: drop the console output */
		off += (size_t)n;
	}
	m->out_len = 0;
}

static int hexnib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void capture_line(struct run_capture *c, char *l)
{
	static const char begin[] = "PALISADE-EVIDENCE-BEGIN ", end[] = "PALISADE-EVIDENCE-END";
	size_t n = strlen(l);

	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		l[--n] = 0;
	if (!strncmp(l, begin, sizeof(begin) - 1)) {
		char *e;
		unsigned long want = strtoul(l + sizeof(begin) - 1, &e, 10);

		c->in_record = !*e && want > 0 && want <= RUN_EVIDENCE_MAX;
		c->want = want;
		c->cur_len = 0;
		return;
	}
	if (!c->in_record)
		return;
	if (!strcmp(l, end)) {
		c->in_record = false;
		if (c->cur_len == c->want) {
			memcpy(c->data, c->cur, c->cur_len);
			c->len = c->cur_len;
			c->complete = true;
		}
		return;
	}
	if (n % 2) {
		c->in_record = false;   /* not a record line: the record is broken */
		return;
	}
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexnib(l[i]), lo = hexnib(l[i + 1]);

		if (hi < 0 || lo < 0 || c->cur_len >= c->want) {
			c->in_record = false;
			return;
		}
		c->cur[c->cur_len++] = (uint8_t)(hi << 4 | lo);
	}
}

void run_capture_feed(struct run_capture *c, uint8_t ch)
{
	if (ch == '\r')
		return;
	if (ch != '\n') {
		if (c->line_len < sizeof(c->line) - 1)
			c->line[c->line_len++] = (char)ch;
		else
			c->line_overflow = true;
		return;
	}
	c->line[c->line_len] = 0;
	if (!c->line_overflow)
		capture_line(c, c->line);
	else
		c->in_record = false;
	c->line_len = 0;
	c->line_overflow = false;
}

/* UART transmit (called with m->lock held). */
static void uart_tx(void *ctx, uint8_t c)
{
	struct vmm *m = ctx;

	if (m->capture)
		run_capture_feed(m->capture, c);

	if (c == '\r' && !m->out_is_tty)
		return;                 /* logs and pipes get plain "\n" lines */
	m->out[m->out_len++] = (char)c;
	if (c == '\n' || m->out_len == sizeof(m->out))
		out_flush(m);
}

static int uart_irq(void *ctx, int level)
{
	struct vmm *m = ctx;
	struct palisade_irq_line l = { .intid = PL011_INTID, .level = (uint32_t)level };

	return ioctl(m->vm, PALISADE_VM_IRQ_LINE, &l) == 0 ? 0 : -1;
}

/* Ends the run (first reason wins) and wakes everyone. */
static void vmm_stop(struct vmm *m, enum run_end why)
{
	pthread_mutex_lock(&m->lock);
	if (!m->end)
		m->end = why;
	pthread_mutex_unlock(&m->lock);
	atomic_store(&m->stop, true);
}

static void *vcpu_thread(void *arg);

struct vcpu_arg {
	struct vmm *m;
	unsigned index;
};

/* Starts the thread of vCPU i (with m->lock held). */
static int start_vcpu(struct vmm *m, unsigned i)
{
	struct vcpu_arg *a;

	if (i >= m->vcpus || atomic_load(&m->running[i]))
		return -1;
	if (m->thread_live[i]) {        /* an earlier thread of it ended: reap it */
		pthread_join(m->threads[i], NULL);
		m->thread_live[i] = false;
	}
	a = malloc(sizeof(*a));
	if (!a)
		return -1;
	a->m = m;
	a->index = i;
	atomic_store(&m->running[i], true);
	if (pthread_create(&m->threads[i], NULL, vcpu_thread, a)) {
		atomic_store(&m->running[i], false);
		free(a);
		return -1;
	}
	m->thread_live[i] = true;
	return 0;
}

/* Up to 5 s for another thread to stop the run (it saw the VM shut down). */
static void wait_for_stop(struct vmm *m)
{
	const struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 5000 && !atomic_load(&m->stop); i++)
		nanosleep(&ms, NULL);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_arg *a = arg;
	struct vmm *m = a->m;
	struct palisade_run r;
	sigset_t kick;
	bool warned = false;

	memset(&r, 0, sizeof(r));
	r.vcpu = a->index;
	free(a);
	/* Only the kick signal reaches this thread (the main thread takes the others). */
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (!atomic_load(&m->stop)) {
		if (ioctl(m->vm, PALISADE_VCPU_RUN, &r) != 0) {
			if (errno == EINTR)
				continue;       /* same arguments again: nothing was lost */
			/* EBADFD (PAL_E_STATE) also answers a vCPU of a VM that another vCPU has
			 * just powered off: that vCPU's thread gets the SHUTDOWN exit and stops
			 * the run, so give it the time to, before calling this an error. */
			if (errno == EBADFD)
				wait_for_stop(m);
			if (!atomic_load(&m->stop)) {
				snprintf(m->stats->error, sizeof(m->stats->error),
					 "VCPU_RUN of vCPU %u: %s", r.vcpu, strerror(errno));
				vmm_stop(m, RUN_END_ERROR);
			}
			break;
		}
		r.mmio_data = 0;
		r.flags = 0;
		switch (r.reason) {
		case PALISADE_EXIT_MMIO:
			pthread_mutex_lock(&m->lock);
			m->stats->exits_mmio++;
			if (r.addr >= PL011_BASE && r.addr < PL011_BASE + PL011_SIZE) {
				m->stats->exits_uart++;
				if (r.mmio_write)
					pl011_write(&m->uart, r.addr - PL011_BASE, r.mmio_size, r.data);
				else
					r.mmio_data = pl011_read(&m->uart, r.addr - PL011_BASE, r.mmio_size);
			} else {
				/* No device: a bus error where the hypervisor can deliver one, else
				 * reads as zero and writes are ignored. */
				m->stats->exits_unknown_mmio++;
				if (m->caps & PALISADE_CAP_MMIO_ABORT)
					r.flags = PALISADE_RUN_MMIO_ABORT;
				if (m->verbose && !warned) {
					fprintf(stderr, "palisade run: vCPU %u: %s of nothing at 0x%llx\n",
						r.vcpu, r.mmio_write ? "write" : "read",
						(unsigned long long)r.addr);
					warned = true;
				}
			}
			pthread_mutex_unlock(&m->lock);
			break;
		case PALISADE_EXIT_CPU_ON:
			pthread_mutex_lock(&m->lock);
			m->stats->cpu_on++;
			if (start_vcpu(m, (unsigned)r.addr) && m->verbose)
				fprintf(stderr, "palisade run: CPU_ON of vCPU %llu: no thread started\n",
					(unsigned long long)r.addr);
			pthread_mutex_unlock(&m->lock);
			break;
		case PALISADE_EXIT_CPU_OFF:
			pthread_mutex_lock(&m->lock);
			m->stats->cpu_off++;
			pthread_mutex_unlock(&m->lock);
			atomic_store(&m->running[r.vcpu], false);
			return NULL;
		case PALISADE_EXIT_SHUTDOWN:
			vmm_stop(m, r.addr == 1 ? RUN_END_RESET : RUN_END_POWEROFF);
			break;
		default:
			break;
		}
	}
	atomic_store(&m->running[r.vcpu], false);
	return NULL;
}

static struct termios saved_tio;
static bool tio_saved;

/* A terminal on stdin: characters go to the pVM as typed (no line editing, no echo;
 * the pVM echoes), but Ctrl-C still signals palisade run. */
static void stdin_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	t = saved_tio;
	t.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		tio_saved = true;
}

static void stdin_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	tio_saved = false;
}

static bool any_running(struct vmm *m)
{
	for (unsigned i = 0; i < m->vcpus; i++)
		if (atomic_load(&m->running[i]))
			return true;
	return false;
}

enum run_end run_vmm(int vm_fd, unsigned vcpus, uint32_t caps, bool verbose,
		     struct run_stats *stats, struct run_capture *capture)
{
	static struct vmm m;   /* one per process; its UART outlives no thread */
	struct sigaction sa;
	sigset_t block, wait_mask;
	uint8_t pending[256];
	size_t pend_len = 0, pend_off = 0;
	bool stdin_open = true;

	memset(&m, 0, sizeof(m));
	memset(stats, 0, sizeof(*stats));
	m.vm = vm_fd;
	m.vcpus = vcpus > RUN_VCPUS_MAX ? RUN_VCPUS_MAX : vcpus;
	m.caps = caps;
	m.verbose = verbose;
	m.stats = stats;
	m.capture = capture;
	m.out_is_tty = isatty(STDOUT_FILENO);
	pthread_mutex_init(&m.lock, NULL);
	pl011_init(&m.uart, uart_tx, uart_irq, &m);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;         /* no SA_RESTART: ppoll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_kick;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Threads start with these blocked; the main thread takes them in ppoll. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	stdin_raw();

	pthread_mutex_lock(&m.lock);
	if (start_vcpu(&m, 0)) {
		pthread_mutex_unlock(&m.lock);
		snprintf(stats->error, sizeof(stats->error), "cannot start the vCPU 0 thread");
		stdin_restore();
		return RUN_END_ERROR;
	}
	pthread_mutex_unlock(&m.lock);

	/* The console: host input into the UART's receive FIFO, output flushed at least
	 * every 50 ms (a prompt without a newline). */
	while (!atomic_load(&m.stop)) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		int n = ppoll(&p, stdin_open && pend_off == pend_len ? 1 : 0, &ts, &wait_mask);

		if (got_signal) {
			stats->signal = got_signal;
			vmm_stop(&m, RUN_END_SIGNAL);
			break;
		}
		if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(STDIN_FILENO, pending, sizeof(pending));

			if (r > 0) {
				pend_len = (size_t)r;
				pend_off = 0;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				stdin_open = false;     /* EOF: the pVM just gets no more input */
			}
		}
		pthread_mutex_lock(&m.lock);
		while (pend_off < pend_len && pl011_receive(&m.uart, pending[pend_off]))
			pend_off++;
		out_flush(&m);
		pthread_mutex_unlock(&m.lock);
		if (!any_running(&m) && !atomic_load(&m.stop)) {
			/* Every vCPU turned itself off: nothing will ever run again. */
			vmm_stop(&m, RUN_END_POWEROFF);
		}
	}

	/* Stop: kick every vCPU thread out of VCPU_RUN until all have returned. */
	for (;;) {
		bool live = false;

		pthread_mutex_lock(&m.lock);
		for (unsigned i = 0; i < m.vcpus; i++)
			if (atomic_load(&m.running[i])) {
				pthread_kill(m.threads[i], SIGUSR1);
				live = true;
			}
		pthread_mutex_unlock(&m.lock);
		if (!live)
			break;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	for (unsigned i = 0; i < m.vcpus; i++)
		if (m.thread_live[i])
			pthread_join(m.threads[i], NULL);
	pthread_mutex_lock(&m.lock);
	out_flush(&m);
	pthread_mutex_unlock(&m.lock);
	stdin_restore();
	return m.end ? m.end : RUN_END_ERROR;
}
