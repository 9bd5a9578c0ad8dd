/*
 * VM consoles: vpl011 devices wired to the console multiplexer and the physical UART.
 * Lock order: a vpl011's lock, then the multiplexer's locks, then the log's console lock
 * (taken by phys_write); the log never calls back into a vpl011.
 */
#include "palisade/console_mux.h"
#include "palisade/error.h"
#include "palisade/irq.h"
#include "palisade/log.h"
#include "palisade/platform.h"
#include "palisade/timer.h"
#include "palisade/vm_console.h"
#include "palisade/vm_irq.h"
#include "palisade/vpl011.h"

static struct console_mux mux;
static struct vpl011 uarts[VM_MAX];
static uint32_t uart_intid[VM_MAX];
static volatile bool active;

static void phys_write(void *cookie, const char *s, size_t n)
{
	(void)cookie;
	log_write_raw(s, n);
}

static const struct console_mux_ops mux_ops = { .phys_write = phys_write };

void vm_console_init(void)
{
	console_mux_init(&mux, &mux_ops, NULL);
	active = true;
}

bool vm_console_active(void) { return active; }

void vm_console_hyp_write(const char *s, unsigned long n)
{
	console_mux_hyp_write(&mux, s, n);
}

static void uart_tx(void *cookie, uint8_t c)
{
	struct vm *vm = cookie;

	console_mux_output(&mux, vm->id, c);
}

static void uart_irq(void *cookie, bool level)
{
	struct vm *vm = cookie;

	vm_irq_set_level(vm, uart_intid[vm - vms], level);
}

static const struct vpl011_ops uart_ops = { .tx = uart_tx, .set_irq_level = uart_irq };

static int uart_access(struct vm *vm, struct vcpu *v, void *dev, uint64_t off, unsigned size,
		       bool write, uint64_t *value)
{
	(void)vm;
	(void)v;
	return vpl011_mmio(dev, off, size, write, value);
}

int vm_console_attach(struct vm *vm, uint64_t ipa, uint32_t intid)
{
	struct vpl011 *u = &uarts[vm - vms];
	int rc = vpl011_init(u, &uart_ops, vm);

	if (rc)
		return rc;
	uart_intid[vm - vms] = intid;
	rc = vm_add_mmio(vm, ipa, VPL011_MMIO_SIZE, uart_access, u);
	if (!rc)
		rc = console_mux_add_vm(&mux, vm->id, u, NULL);
	return rc;
}

void vm_console_take_input(void)
{
	uint32_t intid = platform_console_irq();

	console_input_intid = intid;
	platform_console_rx_enable();
	irq_route_spi(intid, platform_boot_cpu_mpidr());
	irq_enable(intid, true);
}

void vm_console_rx_irq(void)
{
	int c;

	while ((c = platform_console_getc()) >= 0)
		console_mux_input(&mux, (uint8_t)c);
}

/* A partial line is written once it has not grown for this long (a prompt shows at
 * once to a person; a VM descheduled in the middle of a line is not cut). */
#define PARTIAL_LINE_QUIET_MS 50

uint64_t vm_console_tick(void)
{
	uint64_t now = timer_now(), quiet = timer_ms_to_ticks(PARTIAL_LINE_QUIET_MS);

	return active && console_mux_tick(&mux, now, quiet) ? now + quiet : 0;
}

void vm_console_detach(struct vm *vm)
{
	console_mux_remove_vm(&mux, vm->id);
}
