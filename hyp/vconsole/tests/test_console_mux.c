/*
 * Unit tests of the console multiplexer, wired as the hypervisor wires it: each VM has
 * an emulated PL011 whose tx callback feeds console_mux_output(), guests "type" by
 * writing DR, and the physical console is a buffer that records every phys_write.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "palisade/console_mux.h"
#include "palisade/error.h"
#include "palisade/vpl011.h"

#define CTRL_A 0x01

struct vm {
	vm_id_t id;
	struct vpl011 uart;
};

static struct console_mux mux;
static struct vm vms[VM_ID_LIMIT];
static char phys[1 << 20];
static size_t phys_len;
static unsigned phys_calls;

static bool phys_overflow, phys_bad_cookie;

/* May run on a test's other threads: record problems, assert in the main thread. */
static void phys_write(void *cookie, const char *s, size_t n)
{
	if (cookie != &mux)
		phys_bad_cookie = true;
	if (phys_len + n >= sizeof(phys)) {
		phys_overflow = true;
		return;
	}
	memcpy(phys + phys_len, s, n);
	phys_len += n;
	phys[phys_len] = '\0';
	phys_calls++;
}

static const struct console_mux_ops mux_ops = { .phys_write = phys_write };

static void vm_tx(void *cookie, uint8_t c)
{
	struct vm *vm = cookie;

	console_mux_output(&mux, vm->id, c);
}

static void vm_irq(void *cookie, bool level)
{
	(void)cookie;
	(void)level;
}

static const struct vpl011_ops uart_ops = { .tx = vm_tx, .set_irq_level = vm_irq };

static struct vm *vm_create(vm_id_t id, const char *prefix)
{
	struct vm *vm = &vms[id];
	uint64_t v;

	vm->id = id;
	assert_int_equal(vpl011_init(&vm->uart, &uart_ops, vm), PAL_OK);
	/* As Linux leaves it: FIFOs on, UART enabled. */
	v = 0x70;
	assert_int_equal(vpl011_mmio(&vm->uart, VPL011_LCR_H, 2, true, &v), PAL_OK);
	v = VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE;
	assert_int_equal(vpl011_mmio(&vm->uart, VPL011_CR, 2, true, &v), PAL_OK);
	assert_int_equal(console_mux_add_vm(&mux, id, &vm->uart, prefix), PAL_OK);
	return vm;
}

/* The guest writes bytes to its UART's DR. */
static void guest_putc(struct vm *vm, char c)
{
	uint64_t v = (uint8_t)c;

	assert_int_equal(vpl011_mmio(&vm->uart, VPL011_DR, 1, true, &v), PAL_OK);
}

static void guest_puts(struct vm *vm, const char *s)
{
	while (*s)
		guest_putc(vm, *s++);
}

/* What the guest would read from its RX FIFO, as a string. */
static const char *guest_input(struct vm *vm)
{
	static char buf[64];
	size_t n = 0;
	uint64_t v;

	for (;;) {
		assert_int_equal(vpl011_mmio(&vm->uart, VPL011_FR, 2, false, &v), PAL_OK);
		if (v & VPL011_FR_RXFE)
			break;
		assert_int_equal(vpl011_mmio(&vm->uart, VPL011_DR, 2, false, &v), PAL_OK);
		assert_true(n < sizeof(buf) - 1);
		buf[n++] = (char)v;
	}
	buf[n] = '\0';
	return buf;
}

static void type(const char *s)
{
	while (*s)
		console_mux_input(&mux, (uint8_t)*s++);
}

static void escape(char c)
{
	console_mux_input(&mux, CTRL_A);
	console_mux_input(&mux, (uint8_t)c);
}

static void clear_phys(void)
{
	phys_overflow = phys_bad_cookie = false;
	phys_len = 0;
	phys[0] = '\0';
	phys_calls = 0;
}

static void expect_phys(const char *want)
{
	assert_false(phys_overflow || phys_bad_cookie);
	assert_string_equal(phys, want);
	clear_phys();
}

static int setup(void **state)
{
	(void)state;
	memset(vms, 0, sizeof(vms));
	clear_phys();
	assert_int_equal(console_mux_init(&mux, &mux_ops, &mux), PAL_OK);
	return 0;
}

/* Host plus two guests, all with default prefixes. */
static int setup3(void **state)
{
	setup(state);
	vm_create(VM_ID_HOST, NULL);
	vm_create(2, NULL);
	vm_create(3, NULL);
	return 0;
}

/* ---- output ---- */

static void test_interleaved_lines_come_out_whole(void **state)
{
	const char *a = "hello from vm two\r\n", *b = "vm three here\r\n";
	size_t la = strlen(a), lb = strlen(b);

	(void)state;
	for (size_t i = 0; i < la || i < lb; i++) {
		if (i < la)
			guest_putc(&vms[2], a[i]);
		if (i < lb)
			guest_putc(&vms[3], b[i]);
	}
	/* vm3's line is shorter and completes first. The writer adds the '\r'. */
	expect_phys("[vm3] vm three here\n[vm2] hello from vm two\n");

	/* Three writers, several lines each, one byte at a time. */
	const char *h = "root@host:~# uname\nLinux\n";
	const char *c = "one\ntwo\n";
	size_t lh = strlen(h), lc = strlen(c);

	for (size_t i = 0; i < lh; i++) {
		guest_putc(&vms[VM_ID_HOST], h[i]);
		if (i < lc)
			guest_putc(&vms[2], c[i]);
		if (i < lc)
			guest_putc(&vms[3], c[i]);
	}
	expect_phys("[vm2] one\n[vm3] one\n[vm2] two\n[vm3] two\nroot@host:~# uname\nLinux\n");
}

static void test_each_line_is_one_physical_write(void **state)
{
	(void)state;
	guest_puts(&vms[2], "abc\n");
	assert_int_equal(phys_calls, 1);
	guest_puts(&vms[3], "\n");  /* an empty line keeps its prefix */
	assert_int_equal(phys_calls, 2);
	expect_phys("[vm2] abc\n[vm3] \n");
}

static void test_prefixes(void **state)
{
	(void)state;
	vm_create(VM_ID_HOST, "[host] ");
	vm_create(5, "");
	vm_create(63, NULL);
	guest_puts(&vms[VM_ID_HOST], "h\n");
	guest_puts(&vms[5], "five\n");
	guest_puts(&vms[63], "last\n");
	expect_phys("[host] h\nfive\n[vm63] last\n");
}

static void test_long_line_split_at_buffer_size(void **state)
{
	char line[CONSOLE_MUX_LINE_MAX + 45], want[1024];

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';

	/* Alone on the console: the full buffer goes out and the line continues. */
	guest_puts(&vms[2], line);
	assert_int_equal(phys_calls, 1);
	assert_int_equal(phys_len, 6 + CONSOLE_MUX_LINE_MAX);
	guest_putc(&vms[2], '\n');
	assert_int_equal(phys_calls, 2);
	snprintf(want, sizeof(want), "[vm2] %s\n", line);
	expect_phys(want);

	/* Another VM's line in between: each piece is its own prefixed line. */
	guest_puts(&vms[2], line);
	guest_puts(&vms[3], "x\n");
	guest_putc(&vms[2], '\n');
	snprintf(want, sizeof(want), "[vm2] %.*s\n[vm3] x\n[vm2] %s\n", CONSOLE_MUX_LINE_MAX,
		 line, line + CONSOLE_MUX_LINE_MAX);
	expect_phys(want);
}

static void test_partial_lines_flushed_by_tick(void **state)
{
	(void)state;
	guest_puts(&vms[VM_ID_HOST], "# ");
	console_mux_tick(&mux, 0, 0);
	expect_phys("");  /* one tick: the line may still be coming */
	console_mux_tick(&mux, 0, 0);
	expect_phys("# ");
	/* The echo of a keystroke continues the prompt's line. */
	guest_putc(&vms[VM_ID_HOST], 'l');
	console_mux_tick(&mux, 0, 0);
	console_mux_tick(&mux, 0, 0);
	expect_phys("l");
	/* A guest's line ends the host's unfinished one first. */
	guest_puts(&vms[2], "boot\n");
	expect_phys("\n[vm2] boot\n");
	guest_puts(&vms[VM_ID_HOST], "s\r\n");
	expect_phys("s\n");

	/* A partial guest line, interrupted, continues behind a new prefix. */
	guest_puts(&vms[2], "abc");
	console_mux_tick(&mux, 0, 0);
	console_mux_tick(&mux, 0, 0);
	guest_puts(&vms[3], "line\n");
	guest_puts(&vms[2], "def\n");
	expect_phys("[vm2] abc\n[vm3] line\n[vm2] def\n");

	/* A line completed before its second tick is never cut. */
	guest_puts(&vms[2], "x");
	console_mux_tick(&mux, 0, 0);
	guest_puts(&vms[2], "y\n");
	console_mux_tick(&mux, 0, 0);
	expect_phys("[vm2] xy\n");

	/* With a quiet time: written only once the line stopped growing for that long. */
	guest_puts(&vms[2], "PALISADE-TEST pvm_own");
	console_mux_tick(&mux, 100, 50);
	console_mux_tick(&mux, 120, 50);
	expect_phys("");                 /* 20 < 50 */
	guest_puts(&vms[2], "s_page");
	console_mux_tick(&mux, 160, 50);  /* it grew: young again */
	console_mux_tick(&mux, 200, 50);
	expect_phys("");
	guest_puts(&vms[2], "_again PASS\n");
	expect_phys("[vm2] PALISADE-TEST pvm_owns_page_again PASS\n");
	guest_puts(&vms[VM_ID_HOST], "$ ");
	console_mux_tick(&mux, 300, 50);
	console_mux_tick(&mux, 349, 50);
	expect_phys("");
	console_mux_tick(&mux, 350, 50);
	expect_phys("$ ");
}

static void test_flush_writes_everything(void **state)
{
	(void)state;
	guest_puts(&vms[2], "two");
	guest_puts(&vms[3], "three");
	console_mux_flush(&mux);
	expect_phys("[vm2] two\n[vm3] three\n");
	console_mux_flush(&mux);
	expect_phys("");
}

static void test_hyp_lines_start_a_line(void **state)
{
	(void)state;
	guest_puts(&vms[2], "partial");
	console_mux_tick(&mux, 0, 0);
	console_mux_tick(&mux, 0, 0);
	console_mux_hyp_write(&mux, "PALISADE-TEST x PASS\n", 21);
	guest_puts(&vms[2], " rest\n");
	expect_phys("[vm2] partial\nPALISADE-TEST x PASS\n[vm2]  rest\n");
	/* Hypervisor text without a newline is ended before a VM's line. */
	console_mux_hyp_write(&mux, "hyp", 3);
	guest_puts(&vms[3], "v\n");
	expect_phys("hyp\n[vm3] v\n");
}

static void test_guest_output_filtered(void **state)
{
	(void)state;
	/* No terminal control, no carriage return to overwrite the prefix. */
	guest_puts(&vms[2], "\x1b[2J\r[palisade] console input -> vm1\r\n");
	expect_phys("[vm2] ^[[2J[palisade] console input -> vm1\n");
	guest_puts(&vms[2], "bell\a del\x7f hi\xc3\xa9\n");
	expect_phys("[vm2] bell^G del^? hi??\n");
	/* Backspace edits the guest's own text but never reaches into the prefix. */
	guest_puts(&vms[2], "ab\b\b\b\b\b\bc\n");
	expect_phys("[vm2] ab\b\bc\n");
	guest_puts(&vms[2], "abc");
	console_mux_tick(&mux, 0, 0);
	console_mux_tick(&mux, 0, 0);
	guest_puts(&vms[3], "three\n");
	guest_puts(&vms[2], "\b\bX\n");  /* behind a new prefix: nothing to erase */
	expect_phys("[vm2] abc\n[vm3] three\n[vm2] X\n");
	/* The host's shell draws the terminal: raw. */
	guest_puts(&vms[VM_ID_HOST], "\x1b[1m#\x1b[0m \r\n");
	expect_phys("\x1b[1m#\x1b[0m \n");
	/* A guest made raw passes everything. */
	assert_int_equal(console_mux_set_raw(&mux, 2, true), PAL_OK);
	guest_puts(&vms[2], "\x1b[1mbold\n");
	expect_phys("[vm2] \x1b[1mbold\n");
	assert_int_equal(console_mux_set_raw(&mux, 9, true), PAL_E_NOT_FOUND);
}

static void test_caret_at_buffer_end(void **state)
{
	char line[CONSOLE_MUX_LINE_MAX], want[1024];

	(void)state;
	memset(line, 'b', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	guest_puts(&vms[2], line);  /* 255 bytes: "^[" no longer fits */
	guest_putc(&vms[2], 0x1b);
	guest_puts(&vms[3], "3\n");
	guest_putc(&vms[2], '\n');
	snprintf(want, sizeof(want), "[vm2] %s\n[vm3] 3\n[vm2] ^[\n", line);
	expect_phys(want);
}

static void test_unregistered_output_dropped(void **state)
{
	struct console_mux_stats st;

	(void)state;
	console_mux_output(&mux, 7, 'x');
	console_mux_output(&mux, 0, 'x');
	console_mux_output(&mux, VM_ID_LIMIT, 'x');
	console_mux_output(&mux, VM_ID_NONE, 'x');
	console_mux_flush(&mux);
	expect_phys("");
	console_mux_get_stats(&mux, &st);
	assert_int_equal(st.output_dropped, 4);
}

/* ---- input ---- */

static void test_input_defaults_to_host(void **state)
{
	(void)state;
	assert_int_equal(console_mux_input_target(&mux), VM_ID_HOST);
	type("ls\r");
	assert_string_equal(guest_input(&vms[VM_ID_HOST]), "ls\r");
	assert_string_equal(guest_input(&vms[2]), "");
	expect_phys("");
}

static void test_escape_switches_target(void **state)
{
	(void)state;
	escape('n');
	expect_phys("[palisade] console input -> vm2\n");
	assert_int_equal(console_mux_input_target(&mux), 2);
	type("two");
	assert_string_equal(guest_input(&vms[2]), "two");
	assert_string_equal(guest_input(&vms[VM_ID_HOST]), "");

	escape('n');
	expect_phys("[palisade] console input -> vm3\n");
	escape('n');  /* wraps to the host */
	expect_phys("[palisade] console input -> host (vm1)\n");
	escape('p');
	expect_phys("[palisade] console input -> vm3\n");
	escape('h');
	expect_phys("[palisade] console input -> host (vm1)\n");
	escape('2');
	expect_phys("[palisade] console input -> vm2\n");
	escape('7');
	expect_phys("[palisade] no console for vm7; console input stays on vm2\n");
	assert_int_equal(console_mux_input_target(&mux), 2);
	escape('1');
	expect_phys("[palisade] console input -> host (vm1)\n");
	/* None of the escapes reached a guest. */
	assert_string_equal(guest_input(&vms[VM_ID_HOST]), "");
	assert_string_equal(guest_input(&vms[2]), "");
	assert_string_equal(guest_input(&vms[3]), "");
}

static void test_escape_announcement_ends_open_line(void **state)
{
	(void)state;
	guest_puts(&vms[VM_ID_HOST], "# ");
	console_mux_flush(&mux);
	clear_phys();
	guest_puts(&vms[2], "typing");
	console_mux_tick(&mux, 0, 0);
	console_mux_tick(&mux, 0, 0);
	escape('3');
	expect_phys("[vm2] typing\n[palisade] console input -> vm3\n");
}

static void test_escape_literal_ctrl_a(void **state)
{
	(void)state;
	escape('2');
	clear_phys();
	console_mux_input(&mux, CTRL_A);
	console_mux_input(&mux, CTRL_A);
	type("x");
	assert_string_equal(guest_input(&vms[2]), "\x01x");
	expect_phys("");
}

static void test_escape_help(void **state)
{
	(void)state;
	escape('3');
	clear_phys();
	escape('?');
	assert_non_null(strstr(phys, "[palisade] console escapes: Ctrl-A h host VM"));
	assert_non_null(strstr(phys, "Ctrl-A Ctrl-A send Ctrl-A"));
	assert_non_null(strstr(phys, "[palisade] consoles: vm1(host) vm2 vm3; input -> vm3\n"));
	/* Whole lines, each its own write. */
	assert_int_equal(phys_calls, 3);
	assert_int_equal(phys[phys_len - 1], '\n');
	assert_int_equal(console_mux_input_target(&mux), 3);
	assert_string_equal(guest_input(&vms[3]), "");
}

static void test_help_with_many_vms(void **state)
{
	char *list;

	(void)state;
	for (vm_id_t id = 4; id < VM_ID_LIMIT; id++)
		vm_create(id, NULL);
	escape('?');
	list = strstr(phys, "[palisade] consoles: vm1(host) vm2 vm3 vm4 vm5");
	assert_non_null(list);
	/* Too many to list: cut with "...", still one line, the target still named. */
	assert_non_null(strstr(list, " ...; input -> vm1\n"));
	assert_true(strlen(list) < 200);
	escape('p');  /* previous from the host wraps to the highest id */
	assert_non_null(strstr(phys, "[palisade] console input -> vm63\n"));
}

static void test_unknown_escape_ignored(void **state)
{
	(void)state;
	escape('x');
	expect_phys("[palisade] unknown escape Ctrl-A 'x' ignored; Ctrl-A ? for help\n");
	escape(0x7f);
	expect_phys("[palisade] unknown escape Ctrl-A 0x7f ignored; Ctrl-A ? for help\n");
	type("y");
	assert_string_equal(guest_input(&vms[VM_ID_HOST]), "y");
	assert_int_equal(console_mux_input_target(&mux), VM_ID_HOST);
}

static void test_escape_configurable(void **state)
{
	(void)state;
	assert_int_equal(console_mux_set_escape(&mux, 0), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, '\r'), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, '\n'), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, '\b'), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, '\t'), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, 0x1b), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, 'a'), PAL_E_INVALID);
	assert_int_equal(console_mux_set_escape(&mux, 0x1d), PAL_OK);  /* Ctrl-] */
	type("\x01n");  /* Ctrl-A is now ordinary input */
	assert_string_equal(guest_input(&vms[VM_ID_HOST]), "\x01n");
	type("\x1dn");
	expect_phys("[palisade] console input -> vm2\n");
	type("\x1d?");
	assert_non_null(strstr(phys, "Ctrl-] n / Ctrl-] p next / previous VM"));
}

static void test_remove_vm_flushes_and_falls_back(void **state)
{
	struct console_mux_stats st;

	(void)state;
	escape('2');
	clear_phys();
	guest_puts(&vms[2], "last word");
	assert_int_equal(console_mux_remove_vm(&mux, 2), PAL_OK);
	expect_phys("[vm2] last word\n[palisade] vm2 removed\n"
		    "[palisade] console input -> host (vm1)\n");
	assert_int_equal(console_mux_input_target(&mux), VM_ID_HOST);
	type("back");
	assert_string_equal(guest_input(&vms[VM_ID_HOST]), "back");
	/* The removed VM's output goes nowhere. */
	guest_puts(&vms[2], "ghost\n");
	console_mux_flush(&mux);
	expect_phys("");
	console_mux_get_stats(&mux, &st);
	assert_int_equal(st.output_dropped, 6);
	assert_int_equal(console_mux_remove_vm(&mux, 2), PAL_E_NOT_FOUND);
	escape('2');
	expect_phys("[palisade] no console for vm2; console input stays on vm1\n");

	/* Removing a VM that is not the target says nothing about input. */
	guest_puts(&vms[3], "bye");
	console_mux_tick(&mux, 0, 0);
	console_mux_tick(&mux, 0, 0);
	assert_int_equal(console_mux_remove_vm(&mux, 3), PAL_OK);
	expect_phys("[vm3] bye\n");  /* its unfinished line was ended */

	/* The slot can be used again (a new VM with that id). */
	vm_create(2, NULL);
	guest_puts(&vms[2], "new\n");
	expect_phys("[vm2] new\n");
}

static void test_input_without_host_is_dropped(void **state)
{
	struct console_mux_stats st;

	setup(state);  /* nothing registered */
	type("abc");
	escape('n');
	expect_phys("[palisade] no console for vm1; console input stays on vm1\n");
	vm_create(4, NULL);
	escape('n');
	expect_phys("[palisade] console input -> vm4\n");
	type("4");
	assert_string_equal(guest_input(&vms[4]), "4");
	assert_int_equal(console_mux_remove_vm(&mux, 4), PAL_OK);
	clear_phys();
	type("z");
	console_mux_get_stats(&mux, &st);
	assert_int_equal(st.input_dropped, 4);
}

static void test_input_to_full_fifo_is_counted(void **state)
{
	struct console_mux_stats st;
	struct vpl011_stats us;

	(void)state;
	for (int i = 0; i < 40; i++)
		console_mux_input(&mux, 'k');
	console_mux_get_stats(&mux, &st);
	vpl011_get_stats(&vms[VM_ID_HOST].uart, &us);
	assert_int_equal(us.rx_bytes, VPL011_FIFO_DEPTH);
	assert_int_equal(us.rx_dropped, 40 - VPL011_FIFO_DEPTH);
	assert_int_equal(st.input_dropped, 40 - VPL011_FIFO_DEPTH);
}

/* ---- concurrency: vCPUs printing while the console input is typed and switched ---- */

#define STRESS_LINES 2000

static void *stress_printer(void *arg)
{
	struct vm *vm = arg;
	char line[48];

	for (int i = 0; i < STRESS_LINES; i++) {
		int n = snprintf(line, sizeof(line), "vm%u line %d\r\n", (unsigned)vm->id, i);

		for (int k = 0; k < n; k++) {
			uint64_t v = (uint8_t)line[k];

			vpl011_mmio(&vm->uart, VPL011_DR, 1, true, &v);
		}
	}
	return NULL;
}

static void *stress_typist(void *arg)
{
	bool *stop = arg;

	for (unsigned i = 0; !__atomic_load_n(stop, __ATOMIC_ACQUIRE); i++) {
		console_mux_input(&mux, 'x');
		if (i % 64 == 0 && i < 64 * 1000) {
			console_mux_input(&mux, CTRL_A);
			console_mux_input(&mux, 'n');
		}
		console_mux_tick(&mux, 0, 0);
	}
	return NULL;
}

static void *stress_reader(void *arg)
{
	bool *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
		for (vm_id_t id = 1; id <= 3; id++) {
			uint64_t v;

			vpl011_mmio(&vms[id].uart, VPL011_DR, 2, false, &v);
		}
	}
	return NULL;
}

static void test_concurrent_output_and_input(void **state)
{
	static char got[4][STRESS_LINES * 24], want[STRESS_LINES * 24];
	pthread_t p2, p3, typist, reader;
	bool stop = false;
	size_t got_len[4] = { 0 };
	char *line;

	(void)state;
	assert_int_equal(pthread_create(&typist, NULL, stress_typist, &stop), 0);
	assert_int_equal(pthread_create(&reader, NULL, stress_reader, &stop), 0);
	assert_int_equal(pthread_create(&p2, NULL, stress_printer, &vms[2]), 0);
	assert_int_equal(pthread_create(&p3, NULL, stress_printer, &vms[3]), 0);
	pthread_join(p2, NULL);
	pthread_join(p3, NULL);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_join(typist, NULL);
	pthread_join(reader, NULL);
	console_mux_flush(&mux);
	assert_false(phys_overflow || phys_bad_cookie);

	/*
	 * The ticks run flat out here, so lines may be cut where a tick found them half
	 * written; but every physical line belongs to one source, and each VM's pieces,
	 * joined, are exactly what it printed.
	 */
	for (line = strtok(phys, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned id;
		int off = 0;

		if (!strncmp(line, "[palisade] console input -> ", 28))
			continue;
		assert_int_equal(sscanf(line, "[vm%u]%n", &id, &off), 1);
		assert_true((id == 2 || id == 3) && off == 5 && line[off] == ' ');
		off++;
		memcpy(got[id] + got_len[id], line + off, strlen(line + off));
		got_len[id] += strlen(line + off);
	}
	for (unsigned id = 2; id <= 3; id++) {
		size_t n = 0;

		for (int i = 0; i < STRESS_LINES; i++)
			n += (size_t)snprintf(want + n, sizeof(want) - n, "vm%u line %d", id, i);
		assert_int_equal(got_len[id], n);
		assert_memory_equal(got[id], want, n);
	}
}

static void test_add_vm_errors(void **state)
{
	struct vpl011 u;

	(void)state;
	assert_int_equal(vpl011_init(&u, &uart_ops, &vms[9]), PAL_OK);
	assert_int_equal(console_mux_add_vm(&mux, VM_ID_HYP, &u, NULL), PAL_E_INVALID);
	assert_int_equal(console_mux_add_vm(&mux, VM_ID_LIMIT, &u, NULL), PAL_E_INVALID);
	assert_int_equal(console_mux_add_vm(&mux, VM_ID_NONE, &u, NULL), PAL_E_INVALID);
	assert_int_equal(console_mux_add_vm(&mux, 9, NULL, NULL), PAL_E_INVALID);
	assert_int_equal(console_mux_add_vm(&mux, 9, &u, "0123456789abcdef"), PAL_E_INVALID);
	assert_int_equal(console_mux_add_vm(&mux, 9, &u, "0123456789abcde"), PAL_OK);
	assert_int_equal(console_mux_add_vm(&mux, 9, &u, NULL), PAL_E_BUSY);
	assert_int_equal(console_mux_add_vm(&mux, 2, &u, NULL), PAL_E_BUSY);
	assert_int_equal(console_mux_init(&mux, NULL, NULL), PAL_E_INVALID);
	assert_int_equal(console_mux_init(&mux, &(struct console_mux_ops){ 0 }, NULL),
			 PAL_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_interleaved_lines_come_out_whole, setup3),
		cmocka_unit_test_setup(test_each_line_is_one_physical_write, setup3),
		cmocka_unit_test_setup(test_prefixes, setup),
		cmocka_unit_test_setup(test_long_line_split_at_buffer_size, setup3),
		cmocka_unit_test_setup(test_partial_lines_flushed_by_tick, setup3),
		cmocka_unit_test_setup(test_flush_writes_everything, setup3),
		cmocka_unit_test_setup(test_hyp_lines_start_a_line, setup3),
		cmocka_unit_test_setup(test_guest_output_filtered, setup3),
		cmocka_unit_test_setup(test_caret_at_buffer_end, setup3),
		cmocka_unit_test_setup(test_unregistered_output_dropped, setup3),
		cmocka_unit_test_setup(test_input_defaults_to_host, setup3),
		cmocka_unit_test_setup(test_escape_switches_target, setup3),
		cmocka_unit_test_setup(test_escape_announcement_ends_open_line, setup3),
		cmocka_unit_test_setup(test_escape_literal_ctrl_a, setup3),
		cmocka_unit_test_setup(test_escape_help, setup3),
		cmocka_unit_test_setup(test_help_with_many_vms, setup3),
		cmocka_unit_test_setup(test_unknown_escape_ignored, setup3),
		cmocka_unit_test_setup(test_escape_configurable, setup3),
		cmocka_unit_test_setup(test_remove_vm_flushes_and_falls_back, setup3),
		cmocka_unit_test_setup(test_input_without_host_is_dropped, setup),
		cmocka_unit_test_setup(test_input_to_full_fifo_is_counted, setup3),
		cmocka_unit_test_setup(test_add_vm_errors, setup3),
		cmocka_unit_test_setup(test_concurrent_output_and_input, setup3),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
