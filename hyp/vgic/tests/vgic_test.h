/*
 * Helpers shared by the vgic unit tests: register access shorthands, a snapshot for
 * "writes ignored / refused calls change nothing", and a tiny model of what the guest
 * does to its list registers (acknowledge, EOI).
 */
#ifndef VGIC_TEST_H
#define VGIC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <palisade/error.h>
#include <palisade/vgic.h>

#define NR_VCPUS 4
#define SGI_BASE 0x10000u

/* Register offsets the tests use (the spec's names). */
#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IIDR        0x0008
#define GICD_TYPER2      0x000c
#define GICD_STATUSR     0x0010
#define GICD_IGROUPR     0x0080
#define GICD_ISENABLER   0x0100
#define GICD_ICENABLER   0x0180
#define GICD_ISPENDR     0x0200
#define GICD_ICPENDR     0x0280
#define GICD_ISACTIVER   0x0300
#define GICD_ICACTIVER   0x0380
#define GICD_IPRIORITYR  0x0400
#define GICD_ITARGETSR   0x0800
#define GICD_ICFGR       0x0c00
#define GICD_IGRPMODR    0x0d00
#define GICD_NSACR       0x0e00
#define GICD_SGIR        0x0f00
#define GICD_IROUTER     0x6000
#define GICD_PIDR2       0xffe8
#define GICR_CTLR        0x0000
#define GICR_IIDR        0x0004
#define GICR_TYPER       0x0008
#define GICR_STATUSR     0x0010
#define GICR_WAKER       0x0014
#define GICR_PROPBASER   0x0070
#define GICR_PENDBASER   0x0078
#define GICR_PIDR2       0xffe8

extern struct vgic V;
int vgic_setup(void **state);

static inline uint64_t d_rd(uint64_t off, unsigned int size)
{
	uint64_t val = 0xdeadbeefdeadbeefull;

	assert_int_equal(vgic_dist_access(&V, 0, off, size, false, &val), PAL_OK);
	return val;
}

static inline void d_wr(uint64_t off, unsigned int size, uint64_t val)
{
	assert_int_equal(vgic_dist_access(&V, 0, off, size, true, &val), PAL_OK);
}

static inline uint64_t r_rd(unsigned int vcpu, uint64_t off, unsigned int size)
{
	uint64_t val = 0xdeadbeefdeadbeefull;

	assert_int_equal(vgic_redist_access(&V, vcpu, off, size, false, &val), PAL_OK);
	return val;
}

static inline void r_wr(unsigned int vcpu, uint64_t off, unsigned int size, uint64_t val)
{
	assert_int_equal(vgic_redist_access(&V, vcpu, off, size, true, &val), PAL_OK);
}

#define d_rd32(off) ((uint32_t)d_rd((off), 4))
#define d_wr32(off, val) d_wr((off), 4, (val))
#define r_rd32(c, off) ((uint32_t)r_rd((c), (off), 4))
#define r_wr32(c, off, val) r_wr((c), (off), 4, (val))

/* Bit-per-interrupt register of intid, and its bit. */
#define REG_OF(base, intid) ((base) + ((intid) / 32) * 4)
#define BIT_OF(intid) (1u << ((intid) % 32))

static inline struct vgic_irq_info info(unsigned int vcpu, uint32_t intid)
{
	struct vgic_irq_info i;

	assert_int_equal(vgic_irq_state(&V, vcpu, intid, &i), PAL_OK);
	return i;
}

/* Enable an SPI through the distributor, or a private interrupt of vcpu. */
static inline void enable(unsigned int vcpu, uint32_t intid)
{
	if (intid < VGIC_NR_PRIVATE)
		r_wr32(vcpu, SGI_BASE + GICD_ISENABLER, BIT_OF(intid));
	else
		d_wr32(REG_OF(GICD_ISENABLER, intid), BIT_OF(intid));
}

static inline void set_prio(unsigned int vcpu, uint32_t intid, uint8_t prio)
{
	if (intid < VGIC_NR_PRIVATE)
		r_wr(vcpu, SGI_BASE + GICD_IPRIORITYR + intid, 1, prio);
	else
		d_wr(GICD_IPRIORITYR + intid, 1, prio);
}

static inline void dist_enable(void)
{
	d_wr32(GICD_CTLR, 0x13);       /* what Linux writes: ARE_NS | EnableGrp1A | EnableGrp1 */
}

static inline void set_edge(unsigned int vcpu, uint32_t intid)
{
	uint64_t off = GICD_ICFGR + (intid / 16) * 4;
	uint32_t v = intid < VGIC_NR_PRIVATE ? r_rd32(vcpu, SGI_BASE + off) : d_rd32(off);

	v |= 2u << ((intid % 16) * 2);
	if (intid < VGIC_NR_PRIVATE)
		r_wr32(vcpu, SGI_BASE + off, v);
	else
		d_wr32(off, v);
}

static inline uint32_t lr_intid(uint64_t lr) { return (uint32_t)(lr & VGIC_LR_VINTID_MASK); }
static inline unsigned int lr_state(uint64_t lr) { return (unsigned int)(lr >> 62); }
static inline uint8_t lr_prio(uint64_t lr) { return (uint8_t)(lr >> VGIC_LR_PRIO_SHIFT); }

#define ST_INVALID 0u
#define ST_PENDING 1u
#define ST_ACTIVE  2u
#define ST_PA      3u

static inline uint64_t lr_with_state(uint64_t lr, unsigned int st)
{
	return (lr & ~(3ull << 62)) | ((uint64_t)st << 62);
}

/* Guest acknowledges the LR (ICV_IAR1): pending -> active. */
static inline uint64_t guest_ack(uint64_t lr)
{
	assert_int_equal(lr_state(lr), ST_PENDING);
	return lr_with_state(lr, ST_ACTIVE);
}

/* Guest EOIs with EOImode 0 (drop and deactivate): active -> invalid, p+a -> pending. */
static inline uint64_t guest_eoi(uint64_t lr)
{
	assert_true(lr_state(lr) & ST_ACTIVE);
	return lr_with_state(lr, lr_state(lr) & ST_PENDING);
}

/* Find intid among the first n LRs; -1 when absent. */
static inline int find_lr(const uint64_t *lrs, unsigned int n, uint32_t intid)
{
	for (unsigned int i = 0; i < n; i++)
		if (lr_state(lrs[i]) != ST_INVALID && lr_intid(lrs[i]) == intid)
			return (int)i;
	return -1;
}

extern const struct CMUnitTest vgic_mmio_tests[];
extern const size_t vgic_mmio_tests_count;
extern const struct CMUnitTest vgic_lr_tests[];
extern const size_t vgic_lr_tests_count;
extern const struct CMUnitTest vgic_model_tests[];
extern const size_t vgic_model_tests_count;

#endif
