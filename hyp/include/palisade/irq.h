/*
 * The physical interrupt controller (GICv3), as the hypervisor uses it.
 * EL2 runs with EOImode=1: irq_eoi() only drops priority; an interrupt is deactivated
 * either by the hypervisor (irq_deactivate, for its own interrupts) or by a guest's EOI
 * through a hardware-mapped list register (for interrupts forwarded to a VM).
 */
#ifndef PALISADE_IRQ_H
#define PALISADE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_SGI_KICK        1    /* wake a CPU to look at its run queue */
#define IRQ_SGI_TEST        2    /* boot self-test */
#define IRQ_PPI_MAINT       25   /* GIC maintenance interrupt */
#define IRQ_PPI_HYP_TIMER   26   /* EL2 physical timer (scheduler tick) */
#define IRQ_PPI_VTIMER      27   /* EL1 virtual timer (guests) */
#define IRQ_SPURIOUS        1020

int irq_init_boot(uint64_t gicd_base, uint64_t gicr_base, uint64_t gicr_size);
int irq_init_cpu(void);                     /* this CPU's redistributor and CPU interface */
uint32_t irq_lines(void);                   /* INTIDs the distributor implements */
uint32_t irq_ack(void);                     /* ICC_IAR1: the highest pending, or >= 1020 */
void irq_eoi(uint32_t intid);               /* priority drop */
void irq_deactivate(uint32_t intid);
void irq_enable(uint32_t intid, bool on);   /* SPIs globally; SGIs/PPIs on this CPU */
bool irq_is_active(uint32_t intid);          /* SPIs globally; SGIs/PPIs on this CPU */
void irq_set_active(uint32_t intid, bool active);
void irq_route_spi(uint32_t intid, uint64_t mpidr);
void irq_send_sgi(uint64_t target_mpidr, uint32_t sgi);

extern uint32_t console_input_intid;

/* Called from the EL2 IRQ vector (and after a guest exit for an IRQ). */
void irq_handle(void);

#endif
