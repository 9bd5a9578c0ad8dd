/*
 * GICv3 physical driver: distributor, this CPU's redistributor and the system-register
 * CPU interface. All interrupts are group 1 (non-secure); SPIs start disabled except
 * where the core enables them.
 */
#include <stddef.h>
#include "arch/cpu.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/irq.h"

#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IGROUPR     0x0080
#define GICD_ISENABLER   0x0100
#define GICD_ICENABLER   0x0180
#define GICD_ICPENDR     0x0280
#define GICD_ISACTIVER   0x0300
#define GICD_ICACTIVER   0x0380
#define GICD_IPRIORITYR  0x0400
#define GICD_ICFGR       0x0c00
#define GICD_IROUTER     0x6000
#define GICD_CTLR_RWP    (1u << 31)
#define GICD_CTLR_ARE    (1u << 4)
#define GICD_CTLR_GRP1   (1u << 1)

#define GICR_FRAME       0x20000          /* RD_base + SGI_base */
#define GICR_TYPER       0x0008
#define GICR_WAKER       0x0014
#define GICR_TYPER_LAST  (1ull << 4)
#define WAKER_SLEEP      (1u << 1)
#define WAKER_ASLEEP     (1u << 2)
#define GICR_SGI         0x10000

#define PRIO_DEFAULT     0xa0

static volatile uint8_t *gicd;
static uint64_t gicr_base_addr, gicr_size_bytes;
static uint32_t lines;

/* Per-CPU redistributor bases, found at irq_init_cpu(). */
static volatile uint8_t *gicr_of_cpu[CPU_MAX];

static inline uint32_t rd32(volatile uint8_t *b, uint64_t off) { return *(volatile uint32_t *)(b + off); }
static inline void wr32(volatile uint8_t *b, uint64_t off, uint32_t v) { *(volatile uint32_t *)(b + off) = v; }
static inline uint64_t rd64(volatile uint8_t *b, uint64_t off) { return *(volatile uint64_t *)(b + off); }
static inline void wr64(volatile uint8_t *b, uint64_t off, uint64_t v) { *(volatile uint64_t *)(b + off) = v; }

static void gicd_wait_rwp(void)
{
	while (rd32(gicd, GICD_CTLR) & GICD_CTLR_RWP)
		;
}

int irq_init_boot(uint64_t gicd_base, uint64_t gicr_base, uint64_t gicr_size)
{
	gicd = (volatile uint8_t *)(uintptr_t)gicd_base;
	gicr_base_addr = gicr_base;
	gicr_size_bytes = gicr_size;
	lines = 32 * ((rd32(gicd, GICD_TYPER) & 0x1f) + 1);
	if (lines > 1020)
		lines = 1020;

	wr32(gicd, GICD_CTLR, 0);
	gicd_wait_rwp();
	for (uint32_t i = 32; i < lines; i += 32) {
		wr32(gicd, GICD_ICENABLER + i / 8, ~0u);
		wr32(gicd, GICD_ICPENDR + i / 8, ~0u);
		wr32(gicd, GICD_ICACTIVER + i / 8, ~0u);
		wr32(gicd, GICD_IGROUPR + i / 8, ~0u);
	}
	for (uint32_t i = 32; i < lines; i += 4)
		wr32(gicd, GICD_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
	gicd_wait_rwp();
	wr32(gicd, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
	gicd_wait_rwp();
	return PAL_OK;
}

uint32_t irq_lines(void) { return lines; }

static volatile uint8_t *find_redistributor(uint64_t mpidr)
{
	uint64_t aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);

	for (uint64_t off = 0; off + GICR_FRAME <= gicr_size_bytes; off += GICR_FRAME) {
		volatile uint8_t *rd = (volatile uint8_t *)(uintptr_t)(gicr_base_addr + off);
		uint64_t typer = rd64(rd, GICR_TYPER);

		if ((typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return NULL;
}

int irq_init_cpu(void)
{
	struct cpu *c = arch_this_cpu();
	volatile uint8_t *rd = find_redistributor(c->mpidr);

	if (!rd)
		return PAL_E_NOT_FOUND;
	gicr_of_cpu[c->index] = rd;
	wr32(rd, GICR_WAKER, rd32(rd, GICR_WAKER) & ~WAKER_SLEEP);
	while (rd32(rd, GICR_WAKER) & WAKER_ASLEEP)
		;
	volatile uint8_t *sgi = rd + GICR_SGI;
	wr32(sgi, GICD_ICENABLER, ~0u);
	wr32(sgi, GICD_ICPENDR, ~0u);
	wr32(sgi, GICD_ICACTIVER, ~0u);
	wr32(sgi, GICD_IGROUPR, ~0u);
	for (uint32_t i = 0; i < 32; i += 4)
		wr32(sgi, GICD_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);

	/* System-register interface at EL2 (and let EL1 use its own, virtualised). */
	write_sysreg(S3_4_C12_C9_5 /* ICC_SRE_EL2 */, 0xf);
	isb();
	write_sysreg(S3_0_C4_C6_0 /* ICC_PMR_EL1 */, 0xff);
	write_sysreg(S3_0_C12_C12_3 /* ICC_BPR1_EL1 */, 0);
	write_sysreg(S3_0_C12_C12_4 /* ICC_CTLR_EL1 */, 1u << 1);  /* EOImode: drop != deactivate */
	write_sysreg(S3_0_C12_C12_7 /* ICC_IGRPEN1_EL1 */, 1);
	isb();
	return PAL_OK;
}

uint32_t irq_ack(void)
{
	uint64_t v = read_sysreg(S3_0_C12_C12_0 /* ICC_IAR1_EL1 */);

	dsb(sy);
	return (uint32_t)(v & 0xffffff);
}

void irq_eoi(uint32_t intid)
{
	write_sysreg(S3_0_C12_C12_1 /* ICC_EOIR1_EL1 */, intid);
	isb();
}

void irq_deactivate(uint32_t intid)
{
	write_sysreg(S3_0_C12_C11_1 /* ICC_DIR_EL1 */, intid);
	isb();
}

void irq_enable(uint32_t intid, bool on)
{
	volatile uint8_t *base;

	if (intid < 32) {
		base = gicr_of_cpu[arch_this_cpu()->index] + GICR_SGI;
	} else {
		if (intid >= lines)
			return;
		base = gicd;
	}
	wr32(base, (on ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4, 1u << (intid % 32));
	if (intid >= 32 && !on)
		gicd_wait_rwp();
}

bool irq_is_active(uint32_t intid)
{
	volatile uint8_t *base = intid < 32 ? gicr_of_cpu[arch_this_cpu()->index] + GICR_SGI : gicd;

	return (rd32(base, GICD_ISACTIVER + (intid / 32) * 4) >> (intid % 32)) & 1;
}

void irq_set_active(uint32_t intid, bool active)
{
	volatile uint8_t *base = intid < 32 ? gicr_of_cpu[arch_this_cpu()->index] + GICR_SGI : gicd;

	wr32(base, (active ? GICD_ISACTIVER : GICD_ICACTIVER) + (intid / 32) * 4,
	     1u << (intid % 32));
}

void irq_route_spi(uint32_t intid, uint64_t mpidr)
{
	if (intid < 32 || intid >= lines)
		return;
	wr64(gicd, GICD_IROUTER + intid * 8, mpidr & 0xff00ffffffull);
}

void irq_send_sgi(uint64_t mpidr, uint32_t sgi)
{
	uint64_t v = ((uint64_t)(sgi & 0xf) << 24) | (1ull << (mpidr & 0xf)) |
		     (((mpidr >> 8) & 0xff) << 16) | (((mpidr >> 16) & 0xff) << 32) |
		     (((mpidr >> 32) & 0xff) << 48);

	dsb(ishst);
	write_sysreg(S3_0_C12_C11_5 /* ICC_SGI1R_EL1 */, v);
	isb();
}
