/*
 * Unit tests of the stage-2 page tables, on the host: tables come from aligned_alloc
 * (pointer == "PA"), every allocation, free and TLB invalidation is counted, and the
 * descriptors are read back by a walker of this file's own, written from the Arm ARM
 * rather than from the module, so the module's constants are checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <palisade/stage2.h>

#define K4 ((uint64_t)0x1000)
#define M2 ((uint64_t)0x200000)
#define G1 ((uint64_t)0x40000000)

#define RO S2_R
#define RW (S2_R | S2_W)
#define RWX (S2_R | S2_W | S2_X)

/* ---- Ops with counters, failure injection and an invalidation log ---- */

#define INV_LOG 64

struct env {
	long attempts;          /* alloc_table calls since the last arm */
	long fail_at;           /* 0: never; n: the n-th call after arming fails */
	int bad_pa;             /* report a PA that is not the pointer */
	long allocs, frees;     /* successful */
	long live4k, live8k;
	long inv_calls;
	struct { uint64_t ipa, size; } inv[INV_LOG];
	long first_free_inv;    /* inv_calls at the first free since inv_reset(), or -1 */
	uint64_t op_ipa, op_size; /* the call's range, if set: other calls are splits */
};

static struct env env;
static struct s2_pgtable pt;

static void *t_alloc(void *cookie, size_t bytes, paddr_t *pa)
{
	void *p;

	assert_ptr_equal(cookie, &env);
	assert_true(bytes == 4096 || bytes == 8192);
	env.attempts++;
	if (env.fail_at && env.attempts == env.fail_at)
		return NULL;
	p = aligned_alloc(bytes, bytes);
	assert_non_null(p);
	memset(p, 0xa5, bytes);  /* the module must zero it itself */
	*pa = pa_init((uintptr_t)p + (env.bad_pa ? 0x1000 : 0));
	env.allocs++;
	if (bytes == 4096)
		env.live4k++;
	else
		env.live8k++;
	return p;
}

static void t_free(void *cookie, void *va, size_t bytes)
{
	assert_ptr_equal(cookie, &env);
	assert_true(bytes == 4096 || bytes == 8192);
	assert_int_equal((uintptr_t)va & (bytes - 1), 0);
	env.frees++;
	if (env.first_free_inv < 0)
		env.first_free_inv = env.inv_calls;
	if (bytes == 4096)
		env.live4k--;
	else
		env.live8k--;
	assert_true(env.live4k >= 0 && env.live8k >= 0);
	free(va);
}

static uint64_t raw_desc(uint64_t ipa, unsigned *level);

static void t_inv(void *cookie, ipaddr_t ipa, uint64_t size)
{
	assert_ptr_equal(cookie, &env);
	if (env.op_size && (ipa_addr(ipa) != env.op_ipa || size != env.op_size)) {
		/* Break-before-make: the block is already gone, its table not yet there. */
		unsigned level;

		assert_true(size == M2 || size == G1);
		assert_int_equal(raw_desc(ipa_addr(ipa), &level) & 1, 0);
		assert_int_equal(level, size == G1 ? 1 : 2);
	}
	if (env.inv_calls < INV_LOG) {
		env.inv[env.inv_calls].ipa = ipa_addr(ipa);
		env.inv[env.inv_calls].size = size;
	}
	env.inv_calls++;
}

static const struct s2_mm_ops ops = {
	.alloc_table = t_alloc, .free_table = t_free, .tlb_inv_ipa = t_inv, .cookie = &env,
};

static void arm_fail(long n)
{
	env.attempts = 0;
	env.fail_at = n;
}

static void inv_reset(void)
{
	env.inv_calls = 0;
	env.first_free_inv = -1;
}

/* Tables an unmap emptied were freed only after its last invalidation. */
static void expect_frees_after_inv(void)
{
	if (env.first_free_inv >= 0)
		assert_int_equal(env.first_free_inv, env.inv_calls);
}

static int setup(void **state)
{
	(void)state;
	memset(&env, 0, sizeof(env));
	env.first_free_inv = -1;
	memset(&pt, 0, sizeof(pt));
	assert_int_equal(s2_init(&pt, &ops), PAL_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	s2_destroy(&pt);
	assert_null(pt.root);
	assert_int_equal(env.live4k, 0);
	assert_int_equal(env.live8k, 0);
	assert_int_equal(env.allocs, env.frees);
	return 0;
}

/* ---- An independent walker: VMSAv8-64, 4 KiB granule, start level 1, 40-bit IPA ---- */

#define OA_BITS 0x0000fffffffff000ull

static const uint64_t *next_table(uint64_t d)
{
	return (const uint64_t *)(uintptr_t)(d & OA_BITS);
}

/* The descriptor that ends the walk for ipa, and its level. */
static uint64_t raw_desc(uint64_t ipa, unsigned *level)
{
	const uint64_t *t = pt.root;
	uint64_t d = t[(ipa >> 30) & 0x3ff];

	*level = 1;
	if ((d & 3) != 3)
		return d;
	/* A table descriptor at level 1 or 2: nothing but the type and the address. */
	assert_int_equal(d & ~(OA_BITS | 3), 0);
	d = next_table(d)[(ipa >> 21) & 0x1ff];
	*level = 2;
	if ((d & 3) != 3)
		return d;
	assert_int_equal(d & ~(OA_BITS | 3), 0);
	d = next_table(d)[(ipa >> 12) & 0x1ff];
	*level = 3;
	return d;
}

static unsigned leaf_level(uint64_t ipa)
{
	unsigned level;
	uint64_t d = raw_desc(ipa, &level);

	assert_int_equal(d & 1, 1);
	assert_int_equal(d & 3, level == 3 ? 3 : 1);
	return level;
}

/* Every reachable non-root table holds a valid entry; returns how many tables. */
static long raw_tables(void)
{
	long n = 0;

	for (unsigned i = 0; i < 1024; i++) {
		uint64_t d1 = pt.root[i];

		if ((d1 & 3) != 3)
			continue;
		const uint64_t *t2 = next_table(d1);
		int valid2 = 0;

		n++;
		for (unsigned j = 0; j < 512; j++) {
			uint64_t d2 = t2[j];

			valid2 |= d2 & 1;
			if ((d2 & 3) != 3)
				continue;
			const uint64_t *t3 = next_table(d2);
			int valid3 = 0;

			n++;
			for (unsigned k = 0; k < 512; k++)
				valid3 |= t3[k] & 1;
			assert_true(valid3);
		}
		assert_true(valid2);
	}
	return n;
}

/* ---- Snapshots: every reachable descriptor, plus counters ---- */

struct snap {
	uint64_t *v;
	size_t n, cap;
	long live4k, live8k, inv_calls, allocs;
};

static void snap_push(struct snap *s, uint64_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n++] = x;
}

static void snap_table(struct snap *s, const uint64_t *t, unsigned level, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!t[i])
			continue;
		snap_push(s, ((uint64_t)level << 32) | i);
		snap_push(s, t[i]);
		if (level < 3 && (t[i] & 3) == 3)
			snap_table(s, next_table(t[i]), level + 1, 512);
	}
}

static void snap_take(struct snap *s)
{
	s->n = 0;
	snap_table(s, pt.root, 1, 1024);
	s->live4k = env.live4k;
	s->live8k = env.live8k;
	s->inv_calls = env.inv_calls;
	s->allocs = env.allocs;
}

static int snap_same(const struct snap *a)
{
	struct snap b = { 0 };
	int same;

	snap_take(&b);
	same = a->n == b.n && (!a->n || !memcmp(a->v, b.v, a->n * sizeof(*a->v))) &&
	       a->live4k == b.live4k && a->live8k == b.live8k &&
	       a->inv_calls == b.inv_calls;
	free(b.v);
	return same;
}

static struct snap snap;

/* A refused call returns code and leaves every descriptor and counter as it was. */
#define REFUSED(code, call) do {                        \
	snap_take(&snap);                               \
	assert_int_equal((call), (code));               \
	assert_true(snap_same(&snap));                  \
} while (0)

/* The wrappers tell t_inv() the call's range, so it can check each split's ordering. */
static int op_done(int ret)
{
	env.op_size = 0;
	return ret;
}

static int map(uint64_t ipa, uint64_t pa, uint64_t size, unsigned prot)
{
	env.op_ipa = ipa;
	env.op_size = size;
	return op_done(s2_map(&pt, ipa_init(ipa), pa_init(pa), size, prot));
}

static int unmap(uint64_t ipa, uint64_t size)
{
	env.op_ipa = ipa;
	env.op_size = size;
	return op_done(s2_unmap(&pt, ipa_init(ipa), size));
}

static int protect(uint64_t ipa, uint64_t size, unsigned prot)
{
	env.op_ipa = ipa;
	env.op_size = size;
	return op_done(s2_protect(&pt, ipa_init(ipa), size, prot));
}

/* Asserts ipa translates to pa with prot through a descriptor of size sz. */
static void expect_map(uint64_t ipa, uint64_t pa, unsigned prot, uint64_t sz)
{
	paddr_t opa;
	unsigned oprot;
	uint64_t osz;

	assert_int_equal(s2_lookup(&pt, ipa_init(ipa), &opa, &oprot, &osz), PAL_OK);
	assert_int_equal(pa_addr(opa), pa);
	assert_int_equal(oprot, prot);
	assert_int_equal(osz, sz);
	assert_int_equal(leaf_level(ipa & ~(K4 - 1)), sz == G1 ? 1 : sz == M2 ? 2 : 3);
}

static void expect_unmapped(uint64_t ipa)
{
	unsigned level;

	assert_int_equal(s2_lookup(&pt, ipa_init(ipa), NULL, NULL, NULL), PAL_E_NOT_FOUND);
	assert_int_equal(raw_desc(ipa, &level) & 1, 0);
}

static void expect_inv(long i, uint64_t ipa, uint64_t size)
{
	assert_true(i < env.inv_calls);
	assert_int_equal(env.inv[i].ipa, ipa);
	assert_int_equal(env.inv[i].size, size);
}

/* ---- VTCR_EL2 / VTTBR_EL2 ---- */

static void test_vtcr(void **state)
{
	uint64_t v;

	(void)state;
	/* PARange 0b0101 (48 bits): T0SZ=24, SL0=1, IRGN0=ORGN0=1, SH0=3, TG0=0, PS=5, RES1. */
	v = s2_vtcr(5);
	assert_int_equal(v, 0x80053558);
	assert_int_equal(v & 0x3f, 24);
	assert_int_equal((v >> 6) & 3, 1);
	assert_int_equal((v >> 8) & 3, 1);
	assert_int_equal((v >> 10) & 3, 1);
	assert_int_equal((v >> 12) & 3, 3);
	assert_int_equal((v >> 14) & 3, 0);
	assert_int_equal((v >> 16) & 7, 5);
	assert_int_equal((v >> 19) & 1, 0);  /* 8-bit VMIDs */
	assert_int_equal((v >> 31) & 1, 1);
	assert_int_equal(v >> 32, 0);
	/* QEMU -cpu max reports 52 bits (0b0110): capped at 48. */
	assert_int_equal(s2_vtcr(6), 0x80053558);
	assert_int_equal(s2_vtcr(7), 0x80053558);
	assert_int_equal(s2_vtcr(2), 0x80023558);  /* 40 bits */
	assert_int_equal(s2_vtcr(4), 0x80043558);  /* 44 bits */
	/* A 40-bit IPA space cannot sit on 32- or 36-bit PAs; not a 4-bit field. */
	assert_int_equal(s2_vtcr(0), 0);
	assert_int_equal(s2_vtcr(1), 0);
	assert_int_equal(s2_vtcr(16), 0);
}

static void test_vttbr(void **state)
{
	struct s2_pgtable none = { 0 };
	uint64_t base = pa_addr(pt.root_pa);

	(void)state;
	assert_int_equal(base, (uintptr_t)pt.root);
	assert_int_equal(base & 0x1fff, 0);  /* 8 KiB concatenated root, 8 KiB aligned */
	assert_int_equal(s2_vttbr(&pt, 5), base | (5ull << 48));
	assert_int_equal(s2_vttbr(&pt, 255), base | (255ull << 48));
	assert_int_equal(s2_vttbr(&pt, 0), base);
	assert_int_equal(s2_vttbr(&pt, 256), 0);
	assert_int_equal(s2_vttbr(&none, 5), 0);
	assert_int_equal(s2_vttbr(NULL, 5), 0);
}

/* ---- init / destroy ---- */

static void test_init_destroy(void **state)
{
	struct s2_pgtable p2 = { 0 };
	struct s2_mm_ops o = ops;

	(void)state;
	/* setup() made one 8 KiB root, zeroed by the module. */
	assert_int_equal(env.allocs, 1);
	assert_int_equal(env.live8k, 1);
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(pt.root[i], 0);

	assert_int_equal(s2_init(NULL, &ops), PAL_E_INVALID);
	assert_int_equal(s2_init(&p2, NULL), PAL_E_INVALID);
	o.alloc_table = NULL;
	assert_int_equal(s2_init(&p2, &o), PAL_E_INVALID);
	o = ops;
	o.free_table = NULL;
	assert_int_equal(s2_init(&p2, &o), PAL_E_INVALID);
	o = ops;
	o.tlb_inv_ipa = NULL;
	assert_int_equal(s2_init(&p2, &o), PAL_E_INVALID);
	assert_null(p2.root);

	arm_fail(1);
	assert_int_equal(s2_init(&p2, &ops), PAL_E_NO_MEMORY);
	assert_null(p2.root);
	arm_fail(0);

	/* Memory whose PA is not its address is given back and refused. */
	env.bad_pa = 1;
	assert_int_equal(s2_init(&p2, &ops), PAL_E_NO_MEMORY);
	assert_int_equal(map(0, 0, M2, RW), PAL_E_NO_MEMORY);  /* the same for tables */
	env.bad_pa = 0;
	assert_int_equal(env.live8k, 1);
	assert_int_equal(env.live4k, 0);

	/* The ops are copied: the caller's struct may change afterwards. */
	o = ops;
	assert_int_equal(s2_init(&p2, &o), PAL_OK);
	memset(&o, 0, sizeof(o));
	s2_destroy(&p2);
	assert_null(p2.root);
	s2_destroy(&p2);  /* twice is harmless */
	s2_destroy(NULL);
	assert_int_equal(env.live8k, 1);

	/* An uninitialised table is refused everywhere. */
	assert_int_equal(s2_map(&p2, ipa_init(0), pa_init(0), K4, RW), PAL_E_INVALID);
	assert_int_equal(s2_unmap(&p2, ipa_init(0), K4), PAL_E_INVALID);
	assert_int_equal(s2_protect(&p2, ipa_init(0), K4, RW), PAL_E_INVALID);
	assert_int_equal(s2_lookup(&p2, ipa_init(0), NULL, NULL, NULL), PAL_E_INVALID);
}

static int count_leaf(void *arg, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	(void)ipa, (void)pa, (void)size, (void)prot;
	(*(long *)arg)++;
	return 0;
}

static void test_destroy_frees_everything(void **state)
{
	long leaves = 0;

	(void)state;
	/* Pages, blocks and split blocks all over the IPA space. */
	for (uint64_t i = 0; i < 40; i++) {
		uint64_t ipa = i * (25 * G1 + 7 * M2 + 3 * K4) % (900 * G1);

		assert_int_equal(map(ipa, ipa + G1, 3 * K4, RW), PAL_OK);
	}
	assert_int_equal(map(1000 * G1, 2 * G1, G1, RWX), PAL_OK);
	assert_int_equal(map(1001 * G1 + 4 * M2, 8 * M2, 6 * M2, RO), PAL_OK);
	assert_int_equal(unmap(1000 * G1 + 5 * M2 + 7 * K4, K4), PAL_OK);
	assert_int_equal(s2_for_each_leaf(&pt, count_leaf, &leaves), PAL_OK);
	assert_true(leaves > 40);
	assert_int_equal(env.live4k, raw_tables());
	assert_true(env.live4k > 40);
	/* teardown() destroys and checks that every table came back. */
}

/* ---- map and lookup ---- */

static void test_map_pages(void **state)
{
	uint64_t ipa = 0x80003000, pa = 0x12345000;

	(void)state;
	assert_int_equal(map(ipa, pa, 3 * K4, RW), PAL_OK);
	for (int i = 0; i < 3; i++)
		expect_map(ipa + i * K4, pa + i * K4, RW, K4);
	expect_map(ipa + K4 + 0x123, pa + K4 + 0x123, RW, K4);  /* byte offsets */
	expect_unmapped(ipa - K4);
	expect_unmapped(ipa + 3 * K4);
	assert_int_equal(env.live4k, 2);  /* one level-2 and one level-3 table */
	assert_int_equal(env.inv_calls, 1);
	expect_inv(0, ipa, 3 * K4);

	/* Output pointers are optional. */
	assert_int_equal(s2_lookup(&pt, ipa_init(ipa), NULL, NULL, NULL), PAL_OK);
	/* The very top of the IPA space. */
	assert_int_equal(map(S2_IPA_LIMIT - K4, 0xfffffffff000, K4, RO), PAL_OK);
	expect_map(S2_IPA_LIMIT - 1, 0xffffffffffff, RO, K4);
	assert_int_equal(s2_lookup(&pt, ipa_init(S2_IPA_LIMIT), NULL, NULL, NULL),
			 PAL_E_RANGE);
}

static void test_map_2m_block(void **state)
{
	uint64_t ipa = G1 + 4 * M2, pa = 0x80600000;

	(void)state;
	assert_int_equal(map(ipa, pa, M2, RW), PAL_OK);
	expect_map(ipa, pa, RW, M2);
	expect_map(ipa + 0x1234, pa + 0x1234, RW, M2);
	expect_map(ipa + M2 - 1, pa + M2 - 1, RW, M2);
	expect_unmapped(ipa + M2);
	assert_int_equal(env.live4k, 1);  /* a level-2 table only */

	/* The same size with a PA that is only page aligned: 512 pages. */
	assert_int_equal(map(ipa + 2 * M2, pa + 3 * M2 + K4, M2, RO), PAL_OK);
	expect_map(ipa + 2 * M2, pa + 3 * M2 + K4, RO, K4);
	expect_map(ipa + 3 * M2 - K4, pa + 4 * M2, RO, K4);
	assert_int_equal(env.live4k, 2);

	/* Block-aligned IPA and PA but a size one page short: pages again. */
	assert_int_equal(map(ipa + 4 * M2, pa + 4 * M2, M2 - K4, RO), PAL_OK);
	expect_map(ipa + 4 * M2, pa + 4 * M2, RO, K4);
	expect_unmapped(ipa + 5 * M2 - K4);
}

static void test_map_1g_block(void **state)
{
	(void)state;
	assert_int_equal(map(2 * G1, 3 * G1, G1, RWX), PAL_OK);
	expect_map(2 * G1, 3 * G1, RWX, G1);
	expect_map(3 * G1 - 1, 4 * G1 - 1, RWX, G1);
	expect_unmapped(3 * G1);
	expect_unmapped(2 * G1 - K4);
	assert_int_equal(env.live4k, 0);  /* the root holds it */

	/* 1 GiB aligned IPA, PA only 2 MiB aligned: 512 level-2 blocks in one table. */
	assert_int_equal(map(5 * G1, 7 * G1 + M2, G1, RO), PAL_OK);
	expect_map(5 * G1, 7 * G1 + M2, RO, M2);
	expect_map(6 * G1 - K4, 8 * G1 + M2 - K4, RO, M2);
	assert_int_equal(env.live4k, 1);

	/* Blocks in the upper half of the concatenated root (IPA bit 39 set). */
	assert_int_equal(map(600 * G1, 2 * G1, 2 * G1, RO), PAL_OK);
	expect_map(601 * G1 + 5, 3 * G1 + 5, RO, G1);
}

static void test_map_mixed_sizes(void **state)
{
	uint64_t ipa = G1 - K4, size = K4 + G1 + M2 + K4, pa = ipa + 5 * G1;

	(void)state;
	assert_int_equal(map(ipa, pa, size, RW), PAL_OK);
	expect_map(ipa, pa, RW, K4);
	expect_map(G1, G1 + 5 * G1, RW, G1);
	expect_map(2 * G1 - K4, 2 * G1 - K4 + 5 * G1, RW, G1);
	expect_map(2 * G1, 7 * G1, RW, M2);
	expect_map(2 * G1 + M2, 7 * G1 + M2, RW, K4);
	expect_unmapped(2 * G1 + M2 + K4);
	expect_unmapped(ipa - K4);
	/* Level 2 and 3 tables below 1 GiB and above 2 GiB. */
	assert_int_equal(env.live4k, 4);
	assert_int_equal(env.inv_calls, 1);
	expect_inv(0, ipa, size);
}

/* ---- descriptor bits ---- */

static void check_leaf_bits(uint64_t d, unsigned level, uint64_t pa, unsigned prot)
{
	unsigned s2ap = ((prot & S2_R) ? 1 : 0) | ((prot & S2_W) ? 2 : 0);

	assert_int_equal(d & 3, level == 3 ? 3 : 1);
	assert_int_equal((d >> 2) & 0xf, (prot & S2_DEVICE) ? 0x1 : 0xf);  /* MemAttr */
	assert_int_equal((d >> 6) & 3, s2ap);                                /* S2AP */
	assert_int_equal((d >> 8) & 3, 3);                                   /* SH: IS */
	assert_int_equal((d >> 10) & 1, 1);                                  /* AF */
	assert_int_equal((d >> 53) & 3, (prot & S2_X) ? 0 : 2);              /* XN */
	assert_int_equal(d & OA_BITS, pa);
	/* Nothing else: bit 11, bits 48-52 (incl. Contiguous), 55-63 are clear. */
	assert_int_equal(d & ~(OA_BITS | (3ull << 53) | 0x7ff), 0);
}

static void test_descriptor_bits(void **state)
{
	static const unsigned prots[] = {
		S2_R, S2_W, RW, S2_X, S2_R | S2_X, S2_W | S2_X, RWX,
		S2_R | S2_DEVICE, S2_W | S2_DEVICE, RW | S2_DEVICE,
	};
	unsigned level;
	uint64_t d;

	(void)state;
	for (unsigned i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		uint64_t ipa = 4 * G1 + i * 3 * M2, pa = 0x900000000 + i * 4 * M2;

		assert_int_equal(map(ipa, pa + K4, K4, prots[i]), PAL_OK);
		d = raw_desc(ipa, &level);
		assert_int_equal(level, 3);
		check_leaf_bits(d, 3, pa + K4, prots[i]);
		assert_int_equal(map(ipa + M2, pa, M2, prots[i]), PAL_OK);
		d = raw_desc(ipa + M2, &level);
		assert_int_equal(level, 2);
		check_leaf_bits(d, 2, pa, prots[i]);
		expect_map(ipa + M2 + 8, pa + 8, prots[i], M2);
	}
	assert_int_equal(map(9 * G1, 0xfffc0000000, G1, RW | S2_DEVICE), PAL_OK);
	d = raw_desc(9 * G1, &level);
	assert_int_equal(level, 1);
	check_leaf_bits(d, 1, 0xfffc0000000, RW | S2_DEVICE);

	/* Protect down to no access: S2AP 00 and XN 0b10, still mapped. */
	assert_int_equal(protect(9 * G1, G1, S2_DEVICE), PAL_OK);
	d = raw_desc(9 * G1, &level);
	check_leaf_bits(d, 1, 0xfffc0000000, S2_DEVICE);
	expect_map(9 * G1, 0xfffc0000000, S2_DEVICE, G1);
	REFUSED(PAL_E_BUSY, map(9 * G1, 0, K4, RW));
	assert_int_equal(protect(9 * G1, G1, S2_W | S2_DEVICE), PAL_OK);
	check_leaf_bits(raw_desc(9 * G1, &level), 1, 0xfffc0000000, S2_W | S2_DEVICE);
}

/* ---- argument checks ---- */

static void test_bad_args(void **state)
{
	uint64_t t;
	long leaves = 0;

	(void)state;
	assert_int_equal(map(G1, 2 * G1, G1, RW), PAL_OK);
	assert_int_equal(map(3 * G1 + K4, 0x5000, 4 * K4, RO), PAL_OK);

	REFUSED(PAL_E_INVALID, s2_map(NULL, ipa_init(0), pa_init(0), K4, RW));
	REFUSED(PAL_E_INVALID, map(0x800, 0, K4, RW));             /* unaligned IPA */
	REFUSED(PAL_E_INVALID, map(0, 0x800, K4, RW));             /* unaligned PA */
	REFUSED(PAL_E_INVALID, map(0, 0, K4 + 1, RW));             /* unaligned size */
	REFUSED(PAL_E_INVALID, map(0, 0, 0, RW));                  /* empty */
	REFUSED(PAL_E_INVALID, map(~0ull - K4 + 1, 0, 2 * K4, RW)); /* IPA wraps */
	REFUSED(PAL_E_INVALID, map(0, ~0ull - K4 + 1, 2 * K4, RW)); /* PA wraps */
	REFUSED(PAL_E_RANGE, map(S2_IPA_LIMIT, 0, K4, RW));
	REFUSED(PAL_E_RANGE, map(S2_IPA_LIMIT - K4, 0, 2 * K4, RW));
	REFUSED(PAL_E_RANGE, map(0, S2_PA_LIMIT - K4, 2 * K4, RW));
	REFUSED(PAL_E_RANGE, map(0, S2_PA_LIMIT, K4, RW));
	REFUSED(PAL_E_INVALID, map(0, 0, K4, 0));                  /* grants nothing */
	REFUSED(PAL_E_INVALID, map(0, 0, K4, S2_DEVICE));
	REFUSED(PAL_E_INVALID, map(0, 0, K4, RW | 0x10));          /* unknown flag */
	REFUSED(PAL_E_INVALID, map(0, 0, K4, S2_R | S2_X | S2_DEVICE));
	/* Argument errors win over overlap. */
	REFUSED(PAL_E_INVALID, map(G1, 0, K4, 0));

	REFUSED(PAL_E_INVALID, s2_unmap(NULL, ipa_init(0), K4));
	REFUSED(PAL_E_INVALID, unmap(G1 + 0x10, K4));
	REFUSED(PAL_E_INVALID, unmap(G1, 0x10));
	REFUSED(PAL_E_INVALID, unmap(G1, 0));
	REFUSED(PAL_E_INVALID, unmap(~0ull - K4 + 1, 2 * K4));
	REFUSED(PAL_E_RANGE, unmap(S2_IPA_LIMIT - K4, 2 * K4));
	REFUSED(PAL_E_RANGE, unmap(0, S2_IPA_LIMIT + K4));

	REFUSED(PAL_E_INVALID, s2_protect(NULL, ipa_init(G1), K4, RO));
	REFUSED(PAL_E_INVALID, protect(G1 + 1, K4, RO));
	REFUSED(PAL_E_INVALID, protect(G1, K4 - 1, RO));
	REFUSED(PAL_E_INVALID, protect(G1, 0, RO));
	REFUSED(PAL_E_INVALID, protect(G1, K4, 0x20));
	REFUSED(PAL_E_INVALID, protect(G1, K4, S2_X | S2_DEVICE));
	REFUSED(PAL_E_INVALID, protect(~0ull - K4 + 1, 2 * K4, RO));
	REFUSED(PAL_E_RANGE, protect(S2_IPA_LIMIT, K4, RO));

	REFUSED(PAL_E_INVALID, s2_lookup(NULL, ipa_init(G1), NULL, NULL, NULL));
	REFUSED(PAL_E_RANGE, s2_lookup(&pt, ipa_init(S2_IPA_LIMIT), NULL, NULL, NULL));
	REFUSED(PAL_E_RANGE, s2_lookup(&pt, ipa_init(~0ull), NULL, NULL, NULL));
	REFUSED(PAL_E_NOT_FOUND, s2_lookup(&pt, ipa_init(0), NULL, NULL, NULL));

	REFUSED(PAL_E_INVALID, s2_map_tables_needed(&pt, ipa_init(0), K4, NULL));
	REFUSED(PAL_E_INVALID, s2_map_tables_needed(NULL, ipa_init(0), K4, &t));
	REFUSED(PAL_E_INVALID, s2_map_tables_needed(&pt, ipa_init(1), K4, &t));
	REFUSED(PAL_E_RANGE, s2_map_tables_needed(&pt, ipa_init(S2_IPA_LIMIT), K4, &t));
	REFUSED(PAL_E_INVALID, s2_for_each_leaf(&pt, NULL, NULL));
	REFUSED(PAL_E_INVALID, s2_for_each_leaf(NULL, count_leaf, &leaves));
	assert_int_equal(env.allocs, 1 + 2);  /* nothing was even attempted */
	expect_map(G1, 2 * G1, RW, G1);
}

/* ---- overlap ---- */

static void test_overlap_refused(void **state)
{
	uint64_t page = G1 + M2 + 5 * K4;
	long attempts;

	(void)state;
	assert_int_equal(map(page, 0x10000000, K4, RW), PAL_OK);
	assert_int_equal(map(3 * G1, 0, G1, RW), PAL_OK);
	attempts = env.attempts;

	REFUSED(PAL_E_BUSY, map(page, 0x20000000, K4, RW));             /* same page */
	REFUSED(PAL_E_BUSY, map(page - K4, 0x20000000, 2 * K4, RW));    /* tail overlaps */
	REFUSED(PAL_E_BUSY, map(G1 + M2, 0x20000000, M2, RW));          /* block over page */
	REFUSED(PAL_E_BUSY, map(G1, 0x40000000, G1, RW));               /* 1G over page */
	REFUSED(PAL_E_BUSY, map(3 * G1 + 7 * K4, 0, K4, RW));           /* page in 1G */
	REFUSED(PAL_E_BUSY, map(3 * G1 + 4 * M2, 0, M2, RW));           /* 2M in 1G */
	/* Free for most of its length, with new tables needed before the overlap. */
	REFUSED(PAL_E_BUSY, map(K4, 0x30001000, 4 * G1, RW));
	REFUSED(PAL_E_BUSY, map(2 * G1 - K4, 0x30001000, G1 + 2 * K4, RW));
	/* The check pass refused before asking for memory. */
	assert_int_equal(env.attempts, attempts);
	REFUSED(PAL_E_BUSY, s2_map_tables_needed(&pt, ipa_init(G1), 2 * M2, &(uint64_t){ 0 }));

	expect_map(page, 0x10000000, RW, K4);
	expect_unmapped(page - K4);
	/* Right next to the mappings is fine. */
	assert_int_equal(map(page + K4, 0x20000000, M2, RW), PAL_OK);
	assert_int_equal(map(2 * G1, 0x20000000, G1, RW), PAL_OK);
	expect_map(2 * G1, 0x20000000, RW, M2);  /* PA only 512 MiB aligned */
}

/* ---- unmap ---- */

/* Bytes of [base, base + size) mapped with prot; every leaf there maps pa_base + offset. */
struct span_check {
	uint64_t base, size, pa_base, bytes;
	unsigned prot;
};

static int span_leaf(void *arg, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	struct span_check *c = arg;
	uint64_t a = ipa_addr(ipa);

	if (a < c->base || a + size > c->base + c->size)
		return 0;
	assert_int_equal(pa_addr(pa), c->pa_base + (a - c->base));
	if (prot == c->prot)
		c->bytes += size;
	return 0;
}

static uint64_t mapped_bytes(uint64_t base, uint64_t size, uint64_t pa_base, unsigned prot)
{
	struct span_check c = { base, size, pa_base, 0, prot };

	assert_int_equal(s2_for_each_leaf(&pt, span_leaf, &c), PAL_OK);
	return c.bytes;
}

static void test_unmap_split_1g(void **state)
{
	uint64_t hole = G1 + 256 * M2 + 3 * K4, pa = 4 * G1;
	unsigned level;
	uint64_t block;

	(void)state;
	assert_int_equal(map(G1, pa, G1, RW), PAL_OK);
	block = raw_desc(G1, &level);
	inv_reset();
	assert_int_equal(unmap(hole, K4), PAL_OK);
	/* Break-before-make for the 1G block, then for the 2M block, then the range. */
	assert_int_equal(env.inv_calls, 3);
	expect_inv(0, G1, G1);
	expect_inv(1, G1 + 256 * M2, M2);
	expect_inv(2, hole, K4);
	assert_int_equal(env.live4k, 2);

	expect_unmapped(hole);
	expect_map(hole - K4, pa + (hole - K4 - G1), RW, K4);
	expect_map(hole + K4, pa + (hole + K4 - G1), RW, K4);
	expect_map(G1 + 256 * M2, pa + 256 * M2, RW, K4);
	expect_map(G1, pa, RW, M2);
	expect_map(G1 + 255 * M2 + 5, pa + 255 * M2 + 5, RW, M2);
	expect_map(G1 + 257 * M2, pa + 257 * M2, RW, M2);
	expect_map(2 * G1 - 1, pa + G1 - 1, RW, M2);
	assert_int_equal(mapped_bytes(G1, G1, pa, RW), G1 - K4);
	/* The pieces keep the block's attributes exactly. */
	assert_int_equal(raw_desc(G1 + 7 * M2, &level) & ~(OA_BITS | 3), block & ~(OA_BITS | 3));
	assert_int_equal(raw_desc(hole + K4, &level) & ~(OA_BITS | 3), block & ~(OA_BITS | 3));
}

static void test_unmap_split_2m(void **state)
{
	uint64_t base = 9 * M2, pa = 0x40000000 + 13 * M2;

	(void)state;
	assert_int_equal(map(base, pa, 4 * M2, RO | S2_X), PAL_OK);
	assert_int_equal(env.live4k, 1);
	inv_reset();
	assert_int_equal(unmap(base + 256 * K4, 4 * K4), PAL_OK);
	assert_int_equal(env.inv_calls, 2);
	expect_inv(0, base, M2);
	expect_inv(1, base + 256 * K4, 4 * K4);
	expect_unmapped(base + 256 * K4);
	expect_unmapped(base + 259 * K4);
	expect_map(base + 255 * K4, pa + 255 * K4, RO | S2_X, K4);
	expect_map(base + 260 * K4, pa + 260 * K4, RO | S2_X, K4);
	expect_map(base + M2, pa + M2, RO | S2_X, M2);
	assert_int_equal(mapped_bytes(base, 4 * M2, pa, RO | S2_X), 4 * M2 - 4 * K4);

	/* Across the edge between two blocks: both split, the middle goes. */
	inv_reset();
	assert_int_equal(unmap(base + 2 * M2 - 2 * K4, 4 * K4), PAL_OK);
	assert_int_equal(env.inv_calls, 3);
	expect_inv(0, base + M2, M2);
	expect_inv(1, base + 2 * M2, M2);
	expect_inv(2, base + 2 * M2 - 2 * K4, 4 * K4);
	expect_map(base + 2 * M2 - 3 * K4, pa + 2 * M2 - 3 * K4, RO | S2_X, K4);
	expect_unmapped(base + 2 * M2 - 2 * K4);
	expect_unmapped(base + 2 * M2 + K4);
	expect_map(base + 2 * M2 + 2 * K4, pa + 2 * M2 + 2 * K4, RO | S2_X, K4);
	expect_map(base + 3 * M2, pa + 3 * M2, RO | S2_X, M2);
	assert_int_equal(mapped_bytes(base, 4 * M2, pa, RO | S2_X), 4 * M2 - 8 * K4);
	assert_int_equal(env.live4k, 4);

	/* A whole block needs no split: one invalidation. */
	inv_reset();
	assert_int_equal(unmap(base + 3 * M2, M2), PAL_OK);
	assert_int_equal(env.inv_calls, 1);
	expect_unmapped(base + 3 * M2);
}

static void test_unmap_frees_tables(void **state)
{
	uint64_t ipas[64];

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		ipas[i] = ((uint64_t)i * 37 % 64) * (3 * G1 + 5 * M2 + K4) + i * K4;
		assert_int_equal(map(ipas[i], 0x100000000 + i * K4, K4, RW), PAL_OK);
	}
	assert_true(env.live4k > 64);
	assert_int_equal(env.live4k, raw_tables());
	for (unsigned i = 0; i < 64; i++) {
		long frees = env.frees;

		inv_reset();
		assert_int_equal(unmap(ipas[i], K4), PAL_OK);
		assert_int_equal(env.frees - frees, 2);
		expect_frees_after_inv();
		assert_int_equal(env.live4k, raw_tables());
	}
	assert_int_equal(env.live4k, 0);  /* only the root is left */
	assert_int_equal(env.live8k, 1);
	assert_int_equal(env.allocs - env.frees, 1);

	/* A wide unmap over holes, blocks and pages, 1G-block splits included. */
	assert_int_equal(map(G1 - 8 * K4, 0x200000000 - 8 * K4, 2 * G1 + 3 * M2, RW), PAL_OK);
	assert_int_equal(map(10 * G1 + 5 * K4, 0x300000000, 7 * K4, RO), PAL_OK);
	assert_int_equal(unmap(G1 + 5 * K4, K4), PAL_OK);
	assert_int_equal(unmap(2 * G1 + M2 + K4, K4), PAL_OK);
	assert_int_equal(env.live4k, raw_tables());
	inv_reset();
	assert_int_equal(unmap(0, 16 * G1), PAL_OK);
	assert_int_equal(env.inv_calls, 1);
	expect_inv(0, 0, 16 * G1);
	expect_frees_after_inv();
	assert_int_equal(env.live4k, 0);
	assert_int_equal(env.live8k, 1);
	/* Unmapping nothing at all is fine, and still one invalidation. */
	inv_reset();
	assert_int_equal(unmap(100 * G1, 3 * K4), PAL_OK);
	assert_int_equal(env.inv_calls, 1);
}

/* ---- protect ---- */

static void test_protect(void **state)
{
	uint64_t base = 7 * G1, pa = 0x80000000;
	long allocs;

	(void)state;
	assert_int_equal(map(base, pa, 4 * M2, RW), PAL_OK);
	inv_reset();
	assert_int_equal(protect(base + M2 / 2, M2, RO), PAL_OK);
	assert_int_equal(env.inv_calls, 3);
	expect_inv(0, base, M2);
	expect_inv(1, base + M2, M2);
	expect_inv(2, base + M2 / 2, M2);
	expect_map(base, pa, RW, K4);
	expect_map(base + M2 / 2 - K4, pa + M2 / 2 - K4, RW, K4);
	expect_map(base + M2 / 2, pa + M2 / 2, RO, K4);
	expect_map(base + M2 + M2 / 2 - K4, pa + M2 + M2 / 2 - K4, RO, K4);
	expect_map(base + M2 + M2 / 2, pa + M2 + M2 / 2, RW, K4);
	expect_map(base + 2 * M2, pa + 2 * M2, RW, M2);

	/* Nothing to change: no split, no table, one invalidation. */
	allocs = env.allocs;
	inv_reset();
	assert_int_equal(protect(base + M2 / 2, M2, RO), PAL_OK);
	assert_int_equal(env.allocs, allocs);
	assert_int_equal(env.inv_calls, 1);

	/* A whole block keeps its size. */
	assert_int_equal(protect(base + 3 * M2, M2, S2_R | S2_X), PAL_OK);
	expect_map(base + 3 * M2 + 5, pa + 3 * M2 + 5, S2_R | S2_X, M2);
	assert_int_equal(env.allocs, allocs);
	/* Part of a block that already has the permissions: no split, even without memory. */
	arm_fail(1);
	assert_int_equal(protect(base + 3 * M2 + K4, K4, S2_R | S2_X), PAL_OK);
	arm_fail(0);
	expect_map(base + 3 * M2 + K4, pa + 3 * M2 + K4, S2_R | S2_X, M2);

	/* Holes refuse the whole call, even at the far end. */
	REFUSED(PAL_E_NOT_FOUND, protect(base, 4 * M2 + K4, RO));
	REFUSED(PAL_E_NOT_FOUND, protect(base - K4, 2 * K4, RO));
	REFUSED(PAL_E_NOT_FOUND, protect(100 * G1, G1, RO));
	/* The memory type stays what it is. */
	assert_int_equal(map(base + 4 * M2, 0x09000000, K4, RW | S2_DEVICE), PAL_OK);
	REFUSED(PAL_E_STATE, protect(base + 4 * M2, K4, RO));
	REFUSED(PAL_E_STATE, protect(base + 3 * M2, M2 + K4, RO | S2_DEVICE));
	assert_int_equal(protect(base + 4 * M2, K4, RO | S2_DEVICE), PAL_OK);
	expect_map(base + 4 * M2, 0x09000000, RO | S2_DEVICE, K4);

	/* Splitting a 1G block down to a page. */
	assert_int_equal(map(20 * G1, 30 * G1, G1, RWX), PAL_OK);
	inv_reset();
	assert_int_equal(protect(20 * G1 + 100 * M2 + 9 * K4, K4, RO), PAL_OK);
	assert_int_equal(env.inv_calls, 3);
	expect_map(20 * G1 + 100 * M2 + 9 * K4, 30 * G1 + 100 * M2 + 9 * K4, RO, K4);
	expect_map(20 * G1 + 100 * M2 + 10 * K4, 30 * G1 + 100 * M2 + 10 * K4, RWX, K4);
	expect_map(20 * G1 + 101 * M2, 30 * G1 + 101 * M2, RWX, M2);
	assert_int_equal(mapped_bytes(20 * G1, G1, 30 * G1, RWX), G1 - K4);
}

/* ---- out of memory: every allocation of each operation fails in turn ---- */

typedef void (*setup_fn)(void);
typedef int (*op_fn)(void);

static void oom_sweep(setup_fn prepare, op_fn op, long expect_tables)
{
	for (long n = 1;; n++) {
		long allocs;
		int ret;

		s2_destroy(&pt);
		assert_int_equal(s2_init(&pt, &ops), PAL_OK);
		prepare();
		snap_take(&snap);
		allocs = env.allocs;
		inv_reset();
		snap.inv_calls = 0;
		arm_fail(n);
		ret = op();
		arm_fail(0);
		if (ret == PAL_E_NO_MEMORY) {
			assert_true(n <= expect_tables);
			assert_true(snap_same(&snap));
			assert_int_equal(env.inv_calls, 0);
			continue;
		}
		assert_int_equal(ret, PAL_OK);
		assert_int_equal(n, expect_tables + 1);
		assert_int_equal(env.allocs - allocs, expect_tables);
		assert_int_equal(env.live4k, raw_tables());
		return;
	}
}

static void prep_none(void) { }
static void prep_1g(void) { assert_int_equal(map(G1, 8 * G1, G1, RW), PAL_OK); }
static void prep_2m(void) { assert_int_equal(map(G1 + 4 * M2, 8 * G1, 2 * M2, RW), PAL_OK); }
static void prep_pages(void)
{
	assert_int_equal(map(G1 - M2, 8 * G1 + K4, 2 * M2, RW), PAL_OK);
	assert_int_equal(map(3 * G1, 3 * G1, G1, RW), PAL_OK);
}

static int op_map_mixed(void) { return map(G1 - K4, 6 * G1 - K4, K4 + G1 + M2 + K4, RW); }
static int op_map_pages(void) { return map(2 * G1 - 3 * M2, 0x1000, 6 * M2, RO); }
static int op_unmap_1g(void) { return unmap(G1 + 9 * M2 + K4, K4); }
static int op_unmap_2m(void) { return unmap(G1 + 5 * M2 - K4, 2 * K4); }
static int op_protect_2m(void) { return protect(G1 + 5 * M2 - K4, 2 * K4, RO); }
static int op_protect_1g(void) { return protect(G1 + 3 * K4, G1 - 6 * K4, RO); }
static int op_unmap_wide(void) { return unmap(G1 - M2 + K4, 3 * G1); }

static void test_out_of_memory(void **state)
{
	(void)state;
	oom_sweep(prep_none, op_map_mixed, 4);
	oom_sweep(prep_none, op_map_pages, 8);   /* 2 level-2 + 6 level-3 tables */
	oom_sweep(prep_1g, op_unmap_1g, 2);
	oom_sweep(prep_2m, op_unmap_2m, 2);
	oom_sweep(prep_2m, op_protect_2m, 2);
	oom_sweep(prep_1g, op_protect_1g, 3);    /* level 2 table, two level 3 tables */
	oom_sweep(prep_pages, op_unmap_wide, 2); /* splits a 1G block, then a 2M one */
}

/* ---- invalidation ---- */

static void test_tlb_once_per_call(void **state)
{
	(void)state;
	inv_reset();
	assert_int_equal(map(G1 + K4, 0x5000, 700 * K4, RW), PAL_OK);
	assert_int_equal(env.inv_calls, 1);
	expect_inv(0, G1 + K4, 700 * K4);
	inv_reset();
	assert_int_equal(protect(G1 + 2 * K4, 600 * K4, RO), PAL_OK);
	assert_int_equal(env.inv_calls, 1);
	expect_inv(0, G1 + 2 * K4, 600 * K4);
	inv_reset();
	assert_int_equal(unmap(G1, M2 * 3), PAL_OK);
	assert_int_equal(env.inv_calls, 1);
	expect_inv(0, G1, 3 * M2);
	/* Refused calls invalidate nothing. */
	assert_int_equal(map(G1, 0, G1, RW), PAL_OK);
	inv_reset();
	assert_int_equal(map(G1, 0, K4, RW), PAL_E_BUSY);
	assert_int_equal(protect(G1, G1 + K4, RO), PAL_E_NOT_FOUND);
	arm_fail(1);
	assert_int_equal(unmap(G1, K4), PAL_E_NO_MEMORY);
	arm_fail(0);
	assert_int_equal(env.inv_calls, 0);
}

/* ---- s2_map_tables_needed and s2_for_each_leaf ---- */

static void test_tables_needed(void **state)
{
	uint64_t n;
	long allocs;

	(void)state;
	/* Pages everywhere: 3 level-2 tables, 1 + 512 + 1 level-3 tables. */
	assert_int_equal(s2_map_tables_needed(&pt, ipa_init(G1 - K4), G1 + 2 * K4, &n), PAL_OK);
	assert_int_equal(n, 3 + 514);
	allocs = env.allocs;
	assert_int_equal(map(G1 - K4, 0x1000, G1 + 2 * K4, RW), PAL_OK);
	assert_int_equal(env.allocs - allocs, n);
	/* With blocks possible the map needs fewer than the bound. */
	assert_int_equal(s2_map_tables_needed(&pt, ipa_init(4 * G1), G1 + M2, &n), PAL_OK);
	assert_int_equal(n, 2 + 512 + 1);
	allocs = env.allocs;
	assert_int_equal(map(4 * G1, 8 * G1, G1 + M2, RW), PAL_OK);
	assert_int_equal(env.allocs - allocs, 1);
	/* Existing tables are not counted again. */
	assert_int_equal(s2_map_tables_needed(&pt, ipa_init(2 * G1 + K4), K4, &n), PAL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(s2_map_tables_needed(&pt, ipa_init(2 * G1 + M2), K4, &n), PAL_OK);
	assert_int_equal(n, 1);
}

struct order { uint64_t last_end; long n; long stop_at; };

static int order_leaf(void *arg, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	struct order *o = arg;

	(void)pa, (void)prot;
	assert_true(ipa_addr(ipa) >= o->last_end);
	o->last_end = ipa_addr(ipa) + size;
	return ++o->n == o->stop_at ? 42 : 0;
}

static void test_for_each_leaf(void **state)
{
	struct order o = { 0 };

	(void)state;
	assert_int_equal(map(900 * G1, 0, G1, RW), PAL_OK);
	assert_int_equal(map(G1 - K4, 2 * G1 - K4, K4 + M2, RW), PAL_OK);
	assert_int_equal(map(5 * M2, 0x400000, 2 * K4, RW), PAL_OK);
	assert_int_equal(s2_for_each_leaf(&pt, order_leaf, &o), PAL_OK);
	assert_int_equal(o.n, 5);  /* 2 pages, 1 page, 1 block of 2M, 1 block of 1G */
	assert_int_equal(o.last_end, 901 * G1);
	o = (struct order){ .stop_at = 3 };
	assert_int_equal(s2_for_each_leaf(&pt, order_leaf, &o), 42);
	assert_int_equal(o.n, 3);
}

/* ---- randomized comparison against a per-page reference model ---- */

#define UNMAPPED 0xff

struct model {
	uint64_t base, pages;
	uint64_t *pa;
	uint8_t *prot;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void model_check_page(const struct model *m, uint64_t i, long *sizes)
{
	paddr_t pa;
	unsigned prot;
	uint64_t sz = 0;
	int ret = s2_lookup(&pt, ipa_init(m->base + i * K4), &pa, &prot, &sz);

	if (m->prot[i] == UNMAPPED) {
		assert_int_equal(ret, PAL_E_NOT_FOUND);
	} else {
		assert_int_equal(ret, PAL_OK);
		assert_int_equal(pa_addr(pa), m->pa[i]);
		assert_int_equal(prot, m->prot[i]);
		sizes[sz == G1 ? 2 : sz == M2 ? 1 : 0]++;
	}
}

struct full_check { const struct model *m; uint64_t pages; long *sizes; };

static int model_leaf(void *arg, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	struct full_check *c = arg;
	uint64_t first = (ipa_addr(ipa) - c->m->base) / K4;

	assert_true(ipa_addr(ipa) >= c->m->base);
	assert_true(first + size / K4 <= c->m->pages);
	for (uint64_t i = 0; i < size / K4; i++) {
		assert_int_equal(c->m->prot[first + i], prot);
		assert_int_equal(c->m->pa[first + i], pa_addr(pa) + i * K4);
	}
	c->pages += size / K4;
	c->sizes[size == G1 ? 2 : size == M2 ? 1 : 0]++;
	return 0;
}

static void model_check_all(const struct model *m, long *sizes)
{
	struct full_check c = { m, 0, sizes };
	uint64_t mapped = 0;

	assert_int_equal(s2_for_each_leaf(&pt, model_leaf, &c), PAL_OK);
	for (uint64_t i = 0; i < m->pages; i++)
		mapped += m->prot[i] != UNMAPPED;
	assert_int_equal(c.pages, mapped);
	assert_int_equal(env.live4k, raw_tables());
	assert_int_equal(env.live8k, 1);
}

static const unsigned map_prots[] = {
	S2_R, S2_W, RW, S2_X, S2_R | S2_X, RWX, S2_R | S2_DEVICE, RW | S2_DEVICE,
};
static const unsigned protect_prots[] = {
	0, S2_R, S2_W, RW, S2_X, S2_R | S2_X, RWX,
	S2_DEVICE, S2_R | S2_DEVICE, RW | S2_DEVICE,
};

/* The model's verdict for a protect: the first page in the range that refuses it. */
static int model_protect_verdict(const struct model *m, uint64_t first, uint64_t n,
				 unsigned prot)
{
	for (uint64_t i = first; i < first + n; i++) {
		if (m->prot[i] == UNMAPPED)
			return PAL_E_NOT_FOUND;
		if ((m->prot[i] & S2_DEVICE) != (prot & S2_DEVICE))
			return PAL_E_STATE;
	}
	return PAL_OK;
}

static void run_random(uint64_t seed, uint64_t base, uint64_t size, long nops, int big)
{
	struct model m = { base, size / K4, NULL, NULL };
	long counts[3] = { 0 }, ok = 0, busy = 0, hole = 0, type = 0, oom = 0;
	long sizes[3] = { 0 }, splits[2] = { 0 };

	rng_state = seed;
	m.pa = calloc(m.pages, sizeof(*m.pa));
	m.prot = malloc(m.pages);
	assert_non_null(m.pa);
	assert_non_null(m.prot);
	memset(m.prot, UNMAPPED, m.pages);

	for (long op = 0; op < nops; op++) {
		uint64_t first, n, pa = 0, ipa;
		unsigned kind = rnd_below(100), g = rnd_below(100), prot;
		int expect, ret, armed = 0;

		/* Ranges: pages, 2 MiB-ish runs, or (big windows) whole gigabytes. */
		if (big && g < 15) {
			first = rnd_below(size / G1) * (G1 / K4);
			n = G1 / K4;
		} else if (g < 45) {
			first = rnd_below(m.pages / 512) * 512;
			n = (1 + rnd_below(3)) * 512;
			if (rnd_below(2)) {
				first += rnd_below(8);
				n += rnd_below(16);
			}
		} else {
			first = rnd_below(m.pages);
			n = 1 + rnd_below(48);
		}
		if (first + n > m.pages)
			n = m.pages - first;
		ipa = base + first * K4;

		if (rnd_below(10) == 0) {
			arm_fail(1 + rnd_below(3));
			armed = 1;
		}
		inv_reset();
		if (kind < 45) {
			uint64_t align = rnd_below(3) == 0 ? K4 : rnd_below(2) ? M2 : G1;

			prot = map_prots[rnd_below(sizeof(map_prots) / sizeof(map_prots[0]))];
			pa = (ipa % align) + align * (1 + rnd_below(64)) +
			     (align == K4 ? 0 : (rnd_below(4) == 0 ? K4 * rnd_below(512) : 0));
			expect = PAL_OK;
			for (uint64_t i = first; i < first + n; i++)
				if (m.prot[i] != UNMAPPED)
					expect = PAL_E_BUSY;
			ret = map(ipa, pa, n * K4, prot);
			counts[0]++;
		} else if (kind < 80) {
			prot = 0;
			expect = PAL_OK;
			ret = unmap(ipa, n * K4);
			counts[1]++;
		} else {
			prot = protect_prots[rnd_below(sizeof(protect_prots) /
						       sizeof(protect_prots[0]))];
			expect = model_protect_verdict(&m, first, n, prot);
			ret = protect(ipa, n * K4, prot);
			counts[2]++;
		}
		arm_fail(0);
		expect_frees_after_inv();

		if (ret == PAL_E_NO_MEMORY && armed && expect == PAL_OK)
			oom++;
		else
			assert_int_equal(ret, expect);
		busy += ret == PAL_E_BUSY;
		hole += ret == PAL_E_NOT_FOUND;
		type += ret == PAL_E_STATE;
		if (ret != PAL_OK) {
			assert_int_equal(env.inv_calls, 0);
		} else {
			/* Break-before-make calls for straddling blocks, then the range. */
			long last = env.inv_calls - 1;

			ok++;

			assert_true(env.inv_calls >= 1 && env.inv_calls <= 5);
			expect_inv(last, ipa, n * K4);
			for (long i = 0; i < last; i++) {
				uint64_t b = env.inv[i].ipa, s = env.inv[i].size;

				assert_true(s == M2 || s == G1);
				splits[s == G1]++;
				assert_int_equal(b & (s - 1), 0);
				assert_true((ipa > b && ipa < b + s) ||
					    (ipa + n * K4 > b && ipa + n * K4 < b + s));
			}
			for (uint64_t i = first; i < first + n; i++) {
				if (kind < 45) {
					m.pa[i] = pa + (i - first) * K4;
					m.prot[i] = prot;
				} else if (kind < 80) {
					m.prot[i] = UNMAPPED;
				} else {
					m.prot[i] = prot;
				}
			}
		}

		/* The edges of the range and a few random pages after every call... */
		model_check_page(&m, first, sizes);
		model_check_page(&m, first + n - 1, sizes);
		if (first)
			model_check_page(&m, first - 1, sizes);
		if (first + n < m.pages)
			model_check_page(&m, first + n, sizes);
		for (int i = 0; i < 8; i++)
			model_check_page(&m, rnd_below(m.pages), sizes);
		/* ...and everything, every so often. */
		if (op % 250 == 0 || op == nops - 1)
			model_check_all(&m, sizes);
	}
	print_message("random(seed %#llx): %ld maps, %ld unmaps, %ld protects: %ld done, "
		      "refused %ld busy, %ld hole, %ld type, %ld out of memory\n",
		      (unsigned long long)seed, counts[0], counts[1], counts[2], ok, busy, hole,
		      type, oom);
	print_message("  splits: %ld of 2M, %ld of 1G; pages, 2M and 1G blocks met: %ld, %ld, %ld\n",
		      splits[0], splits[1], sizes[0], sizes[1], sizes[2]);
	/* The mix really exercised every outcome and every descriptor size. */
	assert_true(ok > nops / 3 && busy > 0 && hole > 0 && type > 0 && oom > 0);
	assert_true(splits[0] > 0 && sizes[0] > 0 && sizes[1] > 0);
	if (big)
		assert_true(splits[1] > 0 && sizes[2] > 0);

	assert_int_equal(unmap(base, size), PAL_OK);
	assert_int_equal(env.live4k, 0);
	free(m.pa);
	free(m.prot);
}

static void test_random_small_window(void **state)
{
	(void)state;
	/* 8 MiB straddling the 1 GiB boundary: dense collisions, pages and 2M blocks. */
	run_random(0x5eed5eed12345678ull, G1 - 4 * M2, 8 * M2, 20000, 0);
}

static void test_random_big_window(void **state)
{
	(void)state;
	/* 3 GiB from 1 GiB: 1G blocks and their splits too. */
	run_random(0x0ddba11cafef00dull, G1, 3 * G1, 3000, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtcr),
		cmocka_unit_test_setup_teardown(test_vttbr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_frees_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_2m_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_1g_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_mixed_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_split_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_split_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_frees_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tlb_once_per_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables_needed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_for_each_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_small_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_big_window, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	free(snap.v);
	return failed;
}
