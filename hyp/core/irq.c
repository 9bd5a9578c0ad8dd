/*
 * Physical interrupts taken at EL2. The hypervisor's own (SGIs, its timer) are handled
 * and deactivated here; interrupts that belong to a VM are passed to the VM layer.
 */
#include "arch/cpu.h"
#include "palisade/cpu.h"
#include "palisade/irq.h"
#include "palisade/log.h"
#include "palisade/timer.h"

void irq_handle(void)
{
	struct cpu *c = arch_this_cpu();

	for (;;) {
		uint32_t intid = irq_ack();

		if (intid >= IRQ_SPURIOUS)
			break;
		irq_eoi(intid);
		switch (intid) {
		case IRQ_SGI_KICK:
			c->kicks++;
			break;
		case IRQ_SGI_TEST:
			c->test_sgis++;
			break;
		case IRQ_PPI_HYP_TIMER:
			timer_disarm();
			c->timer_irqs++;
			break;
		default:
			c->stray_irqs++;
			break;
		}
		irq_deactivate(intid);
	}
}
