/* VMs described by the boot manifest (palisade.manifest=<address>). */
#ifndef PALISADE_VM_BOOT_H
#define PALISADE_VM_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/* SPIs forwarded to the host VM: those the vGIC models (QEMU virt's device SPIs). */
#define VGIC_FORWARD_LIMIT 288

extern volatile bool sched_started;

/* Builds and starts the manifest's VMs, then runs this CPU's scheduler. */
__attribute__((noreturn)) void vm_boot(uint64_t dtb);

#endif
