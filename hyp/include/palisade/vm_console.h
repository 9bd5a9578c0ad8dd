/*
 * VM consoles: each VM gets an emulated PL011 (hyp/vconsole/vpl011) whose output the
 * console multiplexer writes to the physical UART with a per-VM prefix, and whose input
 * comes from the physical UART (docs/console.md has the escape sequences that switch it).
 */
#ifndef PALISADE_VM_CONSOLE_H
#define PALISADE_VM_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/vm.h"

void vm_console_init(void);

/* An emulated PL011 for vm at ipa whose interrupt is the VM's INTID intid. */
int vm_console_attach(struct vm *vm, uint64_t ipa, uint32_t intid);

/* The VM is gone: its pending output is flushed, its input goes back to the host. */
void vm_console_detach(struct vm *vm);

/* The hypervisor takes the physical UART's input (for a host on the virtual console). */
void vm_console_take_input(void);

/* Physical UART receive interrupt. */
void vm_console_rx_irq(void);

/* Periodic flush of partial lines (idle, time slices): each is written once it has not
 * grown for a while. Returns when to tick again for the ones left (0: none left). */
uint64_t vm_console_tick(void);

/* True once VM consoles are in use: hypervisor log lines go through the multiplexer. */
bool vm_console_active(void);
void vm_console_hyp_write(const char *s, unsigned long n);

#endif
