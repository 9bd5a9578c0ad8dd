/*
 * Physical interrupts taken at EL2. The hypervisor's own (SGIs, its timer) are handled
 * and deactivated here; interrupts that belong to a VM are passed to the VM layer.
 */
#include "arch/cpu.h"
#include "palisade/cpu.h"
#include "palisade/irq.h"
#include "palisade/log.h"
#include "palisade/timer.h"
#include "palisade/platform.h"
#include "palisade/vm_console.h"
#include "palisade/vm_irq.h"

/* The physical UART's interrupt once the hypervisor owns console input (0: it does not). */
uint32_t console_input_intid;

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
			/* A vCPU placed here was woken: let the scheduler look (and start time
			 * slicing if it now shares the CPU with the running one). */
			c->kicks++;
			c->need_resched = true;
			break;
		case IRQ_SGI_TEST:
			c->test_sgis++;
			break;
		case IRQ_PPI_HYP_TIMER:
			timer_disarm();
			c->timer_irqs++;
			c->need_resched = true;   /* the running vCPU's slice is over */
			break;
		case IRQ_PPI_MAINT:
			/* The vCPU exited; the LR sync that follows clears the condition. */
			break;
		case IRQ_PPI_VTIMER:
		default:
			if (intid == console_input_intid) {
				vm_console_rx_irq();   /* the hypervisor's own: deactivated below */
				break;
			}
			if (intid == IRQ_PPI_VTIMER || intid >= 32) {
				/* A VM's: stays active until the guest deactivates it. */
				vm_irq_from_hw(intid);
				continue;
			}
			c->stray_irqs++;
			break;
		}
		irq_deactivate(intid);
	}
}
