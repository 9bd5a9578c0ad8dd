/*
 * The EL2 side of memory ownership: the ownership table (hyp/mem) wired to the VMs'
 * stage-2 tables, and the reserve of page-table pages that lets every stage-2 change
 * the ownership module commits succeed (it must never fail half-way).
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

/* Tops up the page-table reserve before a transition; false if memory ran out. */
bool mem_s2_reserve_fill(void);

/* A page-table page for a stage-2: the pool first, then the reserve. */
void *mem_s2_alloc_table(uint64_t bytes, paddr_t *pa);

/* Logs, rate-limited, a host access to memory it does not own (never the content). */
void mem_s2_report_host_fault(uint64_t pa, bool write, bool exec);

#endif
