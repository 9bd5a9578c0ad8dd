/*
 * Shared between vgic.c (interrupt state, injection, list registers) and vgic_mmio.c
 * (register emulation). Everything here runs with v->lock held.
 */
#ifndef PALISADE_VGIC_INTERNAL_H
#define PALISADE_VGIC_INTERNAL_H

#include <palisade/vgic.h>

/* struct vgic_irq.flags */
#define VGIC_IRQ_ENABLED   0x01u
#define VGIC_IRQ_LATCH     0x02u   /* pending latch: edges, ISPENDR, SGIs */
#define VGIC_IRQ_LINE      0x04u   /* input line level */
#define VGIC_IRQ_ACTIVE    0x08u
#define VGIC_IRQ_EDGE      0x10u   /* GICD_ICFGR: edge-triggered */
#define VGIC_IRQ_HW        0x20u   /* backed by physical hw_intid */

/* struct vgic_irq.lr_flags: valid while in flight (in vCPU lr_vcpu's LRs). */
#define VGIC_LRF_IN        0x01u   /* in flight */
#define VGIC_LRF_LATCH     0x02u   /* the LR's pending state came from the latch */
#define VGIC_LRF_CPEND     0x04u   /* ICPENDR since the fill: drop the LR's pending */
#define VGIC_LRF_ACT_SW    0x08u   /* active written since the fill: flags win over the LR */

#define VGIC_IROUTER_IRM   (1ull << 31)
#define VGIC_IROUTER_MASK  0xff80ffffffull   /* Aff3, IRM, Aff2, Aff1, Aff0 */

struct vgic_irq *vgic_irq_get(struct vgic *v, unsigned int vcpu, uint32_t intid);

/* Pending as the guest sees it through ISPENDR (including the copy in an LR). */
bool vgic_irq_pending_view(const struct vgic_irq *irq);

/* The vCPU an SPI's route selects now, or -1. */
int vgic_spi_target(const struct vgic *v, const struct vgic_irq *irq);

/*
 * State changes made by register writes. Each one handles in-flight interrupts, the
 * live bitmaps, HW deactivation requests and kicks (accumulated in v->kicks).
 */
void vgic_op_enable(struct vgic *v, unsigned int vcpu, uint32_t intid, bool on);
void vgic_op_pending(struct vgic *v, unsigned int vcpu, uint32_t intid, bool on);
void vgic_op_active(struct vgic *v, unsigned int vcpu, uint32_t intid, bool on);
void vgic_op_edge(struct vgic *v, unsigned int vcpu, uint32_t intid, bool edge);
void vgic_op_priority(struct vgic *v, unsigned int vcpu, uint32_t intid, uint8_t prio);
void vgic_op_route(struct vgic *v, uint32_t intid, uint64_t route);

/* Re-evaluate every interrupt's deliverability (distributor enable, WAKER). */
void vgic_settle_all(struct vgic *v);

#endif
