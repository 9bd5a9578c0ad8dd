/*
 * EL2 stage-1 page tables: 4 KiB granule, 39-bit VA (T0SZ=25), walks start at level 1.
 * Identity map (VA == PA). 2 MiB blocks where alignment allows, 4 KiB pages elsewhere.
 * Lock: mmu_lock, a leaf lock; tables are only ever added to, so walkers on other CPUs
 * never see a half-built entry (each new table is zeroed before it is linked).
 */
#include <string.h>
#include "arch/cpu.h"
#include "arch/sysreg.h"
#include "palisade/error.h"
#include "palisade/mmu.h"
#include "palisade/spinlock.h"

#define VA_BITS        39
#define ENTRIES        512
#define L1_SHIFT       30
#define L2_SHIFT       21
#define L3_SHIFT       12
#define BLOCK_2M       (1ull << L2_SHIFT)

#define DESC_VALID     (1ull << 0)
#define DESC_TABLE     (1ull << 1)   /* table at L1/L2; page at L3 */
#define DESC_ATTR(i)   ((uint64_t)(i) << 2)
#define DESC_AP_RO     (1ull << 7)   /* AP[2]: read-only */
#define DESC_SH_INNER  (3ull << 8)
#define DESC_AF        (1ull << 10)
#define DESC_PXN       (1ull << 53)
#define DESC_UXN       (1ull << 54)
#define DESC_ADDR_MASK 0x0000fffffffff000ull

/* Registers secondaries load in entry.S: mair, tcr, ttbr0, sctlr. */
uint64_t boot_mmu_regs[4];

static spinlock_t mmu_lock = SPINLOCK_INIT;
static struct page_pool *table_pool;
static uint64_t *l1_table;

static uint64_t leaf_bits(unsigned attrs)
{
	uint64_t d = DESC_VALID | DESC_AF | DESC_UXN;

	if (attrs & MMU_DEVICE)
		d |= DESC_ATTR(MAIR_IDX_DEVICE);
	else
		d |= DESC_ATTR(MAIR_IDX_NORMAL) | DESC_SH_INNER;
	if (!(attrs & MMU_W))
		d |= DESC_AP_RO;
	if (!(attrs & MMU_X))
		d |= DESC_PXN;
	return d;
}

static unsigned leaf_attrs(uint64_t d)
{
	unsigned a = MMU_R;

	if (!(d & DESC_AP_RO))
		a |= MMU_W;
	if (!(d & DESC_PXN))
		a |= MMU_X;
	if (((d >> 2) & 7) == MAIR_IDX_DEVICE)
		a |= MMU_DEVICE;
	return a;
}

/* The next-level table behind entry *e, allocating it if absent. NULL if *e is a block. */
static uint64_t *next_table(uint64_t *e)
{
	if (*e & DESC_VALID)
		return (*e & DESC_TABLE) ? (uint64_t *)(uintptr_t)(*e & DESC_ADDR_MASK) : NULL;
	uint64_t t = page_alloc(table_pool, 1);
	if (!t)
		return NULL;
	dsb(ishst);  /* the zeroed table is visible before the entry that points to it */
	*e = t | DESC_VALID | DESC_TABLE;
	return (uint64_t *)(uintptr_t)t;
}

int mmu_init(struct page_pool *pool)
{
	table_pool = pool;
	l1_table = (uint64_t *)(uintptr_t)page_alloc(pool, 1);
	return l1_table ? PAL_OK : PAL_E_NO_MEMORY;
}

int mmu_map(uint64_t va, uint64_t pa, uint64_t size, unsigned attrs)
{
	uint64_t end;
	int ret = PAL_OK;

	if (((va | pa | size) & PAGE_MASK) || size == 0 || !range_end(va, size, &end) ||
	    end > (1ull << VA_BITS) || va != pa)
		return PAL_E_INVALID;
	if ((attrs & MMU_W) && (attrs & MMU_X))
		return PAL_E_DENIED;  /* W^X */

	spin_lock(&mmu_lock);
	while (va < end) {
		uint64_t *l1e = &l1_table[(va >> L1_SHIFT) & (ENTRIES - 1)];
		uint64_t *l2 = next_table(l1e);

		if (!l2) {
			ret = (*l1e & DESC_VALID) ? PAL_E_BUSY : PAL_E_NO_MEMORY;
			break;
		}
		uint64_t *l2e = &l2[(va >> L2_SHIFT) & (ENTRIES - 1)];
		if ((va & (BLOCK_2M - 1)) == 0 && end - va >= BLOCK_2M && !(*l2e & DESC_VALID)) {
			*l2e = (pa & DESC_ADDR_MASK) | leaf_bits(attrs);  /* L2 block */
			va += BLOCK_2M;
			pa += BLOCK_2M;
			continue;
		}
		uint64_t *l3 = next_table(l2e);
		if (!l3) {
			ret = (*l2e & DESC_VALID) ? PAL_E_BUSY : PAL_E_NO_MEMORY;
			break;
		}
		uint64_t *l3e = &l3[(va >> L3_SHIFT) & (ENTRIES - 1)];
		if (*l3e & DESC_VALID) {
			ret = PAL_E_BUSY;
			break;
		}
		*l3e = (pa & DESC_ADDR_MASK) | leaf_bits(attrs) | DESC_TABLE;  /* L3 page */
		va += PAGE_SIZE;
		pa += PAGE_SIZE;
	}
	dsb(ishst);
	spin_unlock(&mmu_lock);
	return ret;
}

unsigned mmu_lookup(uint64_t va)
{
	uint64_t e = l1_table[(va >> L1_SHIFT) & (ENTRIES - 1)];

	if (va >= (1ull << VA_BITS) || !(e & DESC_VALID))
		return 0;
	uint64_t *l2 = (uint64_t *)(uintptr_t)(e & DESC_ADDR_MASK);
	e = l2[(va >> L2_SHIFT) & (ENTRIES - 1)];
	if (!(e & DESC_VALID))
		return 0;
	if (!(e & DESC_TABLE))
		return leaf_attrs(e);
	uint64_t *l3 = (uint64_t *)(uintptr_t)(e & DESC_ADDR_MASK);
	e = l3[(va >> L3_SHIFT) & (ENTRIES - 1)];
	return (e & DESC_VALID) ? leaf_attrs(e) : 0;
}

void mmu_enable(void)
{
	uint64_t parange = read_sysreg(id_aa64mmfr0_el1) & MMFR0_PARANGE_MASK;

	if (parange > 5)
		parange = 5;  /* 48-bit output is all Palisade maps */
	boot_mmu_regs[0] = MAIR_VALUE;
	boot_mmu_regs[1] = TCR_T0SZ(64 - VA_BITS) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
			   TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 | (parange << TCR_IPS_SHIFT);
	boot_mmu_regs[2] = (uint64_t)(uintptr_t)l1_table;
	boot_mmu_regs[3] = SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN;

	write_sysreg(mair_el2, boot_mmu_regs[0]);
	write_sysreg(tcr_el2, boot_mmu_regs[1]);
	write_sysreg(ttbr0_el2, boot_mmu_regs[2]);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(sctlr_el2, boot_mmu_regs[3]);
	isb();
}
