/*
 * Interrupts of VMs: the glue between the physical GIC, the scheduler and each VM's
 * emulated GICv3 (hyp/vgic). Interrupts forwarded from hardware (the virtual timer, the
 * host's device SPIs) are injected hardware-mapped: the guest's EOI deactivates the
 * physical interrupt itself, so the hypervisor needs no exit for it.
 */
#ifndef PALISADE_VM_IRQ_H
#define PALISADE_VM_IRQ_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/vcpu.h"
#include "palisade/vm.h"

/* Gives the VM an emulated GICv3 at (gicd_ipa, gicr_ipa). */
int vm_irq_init(struct vm *vm, uint64_t gicd_ipa, uint64_t gicr_ipa);

/* List registers for v's next entry (returns how many are used) and its ICH_HCR_EL2. */
unsigned vm_irq_fill(struct vcpu *v, uint64_t *lrs, unsigned nr_lrs, uint64_t *ich_hcr);
void vm_irq_sync(struct vcpu *v, const uint64_t *lrs, unsigned nr_lrs);
bool vm_irq_pending(struct vcpu *v);

/* v wrote ICC_SGI1R_EL1. */
void vm_irq_sgi(struct vcpu *v, uint64_t value);

/* Forwards the physical SPI intid to the VM (hardware-mapped, same INTID). */
int vm_irq_forward_spi(struct vm *vm, uint32_t intid);

/* A physical interrupt that belongs to a VM (already priority-dropped, still active). */
void vm_irq_from_hw(uint32_t intid);

/* Software-triggered interrupt line of an emulated device (level semantics). */
void vm_irq_set_level(struct vm *vm, uint32_t intid, bool level);

/* On vCPU switch: the physical virtual-timer PPI's active state belongs to the vCPU. */
void vm_irq_vcpu_put(struct vcpu *v);
void vm_irq_vcpu_load(struct vcpu *v);

#endif
