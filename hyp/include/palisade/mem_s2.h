/*
 * The EL2 side of memory ownership: the ownership table (hyp/mem) wired to the VMs'
 * stage-2 tables. The ownership module counts the page tables a transition needs before
 * committing it, so every stage-2 change it commits succeeds (mem_s2.c).
 */
#ifndef PALISADE_MEM_S2_H
#define PALISADE_MEM_S2_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/addr.h"
#include "palisade/vmid.h"

/* Bytes to carve out of RAM for the ownership table (2 MiB aligned). */
uint64_t mem_s2_table_bytes(uint64_t ram_bytes);

/* Boot: the table at table_pa, every RAM region, and the hypervisor's own ranges. */
void mem_s2_init(uint64_t table_pa, uint64_t table_bytes);

/* Boot, once every boot mapping of the host exists: the most page tables its stage-2 can
 * still grow by (the check phase's fast path, mem_s2.c). */
void mem_s2_set_host_bound(void);

/* A page-table page for a stage-2 from the hypervisor's pool (NULL when empty). */
void *mem_s2_alloc_table(uint64_t bytes, paddr_t *pa);

/* Logs, rate-limited, a host access to memory it does not own (never the content). */
void mem_s2_report_host_fault(uint64_t pa, bool write, bool exec);

#endif
