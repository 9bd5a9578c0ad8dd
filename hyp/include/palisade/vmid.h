/*
 * Identities of the parties that can own memory and issue hypercalls.
 * Portable. The numbers appear in logs, reports and the ownership table.
 */
#ifndef PALISADE_VMID_H
#define PALISADE_VMID_H

#include <stdint.h>

typedef uint16_t vm_id_t;

#define VM_ID_HYP   ((vm_id_t)0)   /* the hypervisor itself */
#define VM_ID_HOST  ((vm_id_t)1)   /* the host (primary) VM */
#define VM_ID_FIRST_GUEST ((vm_id_t)2)
#define VM_MAX_GUESTS 62           /* guests are 2 .. 63: fits the 8-bit owner field */
#define VM_ID_LIMIT ((vm_id_t)(VM_ID_FIRST_GUEST + VM_MAX_GUESTS))
#define VM_ID_NONE  ((vm_id_t)0xffff)

#endif
