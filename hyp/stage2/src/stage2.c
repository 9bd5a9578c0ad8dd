/*
 * Stage-2 translation tables (see palisade/stage2.h for the contract).
 *
 * Every mutating call runs the same walker twice: a check pass that changes nothing,
 * finds every reason to refuse and counts the tables the call will need, then (after
 * all those tables are allocated) a commit pass that cannot fail. So a refusal, an
 * out-of-memory included, leaves the tables exactly as they were.
 *
 * The walk is at most three levels deep (1, 2, 3), so the recursion is bounded.
 * Lock: none here; callers hold the VM lock.
 */
#include <string.h>

#include <palisade/stage2.h>

/* Descriptor bits (Arm ARM, VMSAv8-64 stage 2 descriptors, FEAT_S2FWB off). */
#define DESC_VALID      (1ull << 0)
#define DESC_TYPE       3ull                    /* bits [1:0] */
#define DESC_TABLE      3ull                    /* levels 1-2: next-level table */
#define DESC_BLOCK      1ull                    /* levels 1-2: block */
#define DESC_PAGE       3ull                    /* level 3: page */
#define DESC_OA         0x0000fffffffff000ull   /* output address [47:12] */
#define ATTR_MEMATTR    (0xfull << 2)           /* MemAttr[3:0] at [5:2] */
#define MEMATTR_NORMAL  (0xfull << 2)           /* Normal, outer and inner write-back */
#define MEMATTR_DEVICE  (0x1ull << 2)           /* Device-nGnRE */
#define ATTR_S2AP_R     (1ull << 6)
#define ATTR_S2AP_W     (1ull << 7)
#define ATTR_SH_IS      (3ull << 8)             /* ignored for Device memory */
#define ATTR_AF         (1ull << 10)            /* set: no access-flag faults */
#define ATTR_XN_SHIFT   53
#define ATTR_XN_MASK    (3ull << ATTR_XN_SHIFT)
/* XN[1:0] = 0b10: no execution at EL1 or EL0 (plain XN at bit 54 without FEAT_XNX). */
#define ATTR_XN_NONE    (2ull << ATTR_XN_SHIFT)

#define LEVELS_LAST     3
#define ROOT_ENTRIES    1024
#define TABLE_ENTRIES   512

/* VTCR_EL2 fields. */
#define VTCR_T0SZ(n)    ((uint64_t)(n) << 0)
#define VTCR_SL0(n)     ((uint64_t)(n) << 6)
#define VTCR_IRGN0_WBWA (1ull << 8)
#define VTCR_ORGN0_WBWA (1ull << 10)
#define VTCR_SH0_IS     (3ull << 12)
#define VTCR_TG0_4K     (0ull << 14)
#define VTCR_PS(n)      ((uint64_t)(n) << 16)
#define VTCR_RES1       (1ull << 31)
#define PARANGE_40      2
#define PARANGE_48      5
#define VTTBR_VMID_SHIFT 48

enum op { OP_MAP, OP_UNMAP, OP_PROTECT };

/* A list of 4 KiB tables, linked through entry 0 (a 4 KiB aligned pointer, bit 0 clear,
 * so a walker that still reaches the table reads an invalid descriptor). */
struct pool {
	uint64_t *head;
};

struct walk {
	enum op op;
	bool commit;            /* false: check and count; true: write */
	bool blocks;            /* map: may use blocks */
	bool over_leaves;       /* map check: count through existing leaves, never BUSY */
	uint64_t attr;          /* map/protect: leaf attributes, type and OA excluded */
	uint64_t pa_off;        /* map: pa - ipa, modulo 2^64 */
	uint64_t tables;        /* check: tables the commit pass will take */
	struct pool pool;       /* commit: allocated tables to take from */
	struct pool freed;      /* commit of unmap: emptied tables, freed after the TLBI */
	const struct s2_mm_ops *ops;
};

static unsigned lvl_shift(unsigned level)
{
	return 39 - 9 * level;  /* 30, 21, 12 */
}

static uint64_t lvl_size(unsigned level)
{
	return (uint64_t)1 << lvl_shift(level);
}

static unsigned lvl_index(unsigned level, uint64_t ipa)
{
	/* Level 1 resolves IPA[39:30]: 1024 entries across the two concatenated tables. */
	return (ipa >> lvl_shift(level)) & (level == 1 ? ROOT_ENTRIES - 1 : TABLE_ENTRIES - 1);
}

static bool desc_is_table(uint64_t d, unsigned level)
{
	return level < LEVELS_LAST && (d & DESC_TYPE) == DESC_TABLE;
}

static bool desc_is_leaf(uint64_t d, unsigned level)
{
	return (d & DESC_TYPE) == (level == LEVELS_LAST ? DESC_PAGE : DESC_BLOCK);
}

static uint64_t *table_of(uint64_t d)
{
	return (uint64_t *)(uintptr_t)(d & DESC_OA);  /* tables are mapped VA == PA */
}

/* Single-copy atomic accesses, so no walker ever sees a torn descriptor. */
static uint64_t desc_load(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

static void desc_store(uint64_t *e, uint64_t d)
{
	/* Release: a new table's contents are written before the entry pointing to it. */
	__atomic_store_n(e, d, __ATOMIC_RELEASE);
}

static uint64_t prot_to_attr(unsigned prot)
{
	uint64_t a = ATTR_SH_IS | ATTR_AF;

	a |= (prot & S2_DEVICE) ? MEMATTR_DEVICE : MEMATTR_NORMAL;
	if (prot & S2_R)
		a |= ATTR_S2AP_R;
	if (prot & S2_W)
		a |= ATTR_S2AP_W;
	if (!(prot & S2_X))
		a |= ATTR_XN_NONE;
	return a;
}

static unsigned desc_to_prot(uint64_t d)
{
	unsigned prot = 0;

	if (d & ATTR_S2AP_R)
		prot |= S2_R;
	if (d & ATTR_S2AP_W)
		prot |= S2_W;
	if (!(d & ATTR_XN_MASK))
		prot |= S2_X;
	if ((d & ATTR_MEMATTR) == MEMATTR_DEVICE)
		prot |= S2_DEVICE;
	return prot;
}

/* The entry for ipa in the table a split of leaf `parent` (one level up) would create. */
static uint64_t split_entry(uint64_t parent, unsigned level, uint64_t ipa)
{
	uint64_t off = ipa & (lvl_size(level - 1) - 1) & ~(lvl_size(level) - 1);

	return (parent & ~(DESC_OA | DESC_TYPE)) | ((parent & DESC_OA) + off) |
	       (level == LEVELS_LAST ? DESC_PAGE : DESC_BLOCK);
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < TABLE_ENTRIES; i++)
		if (desc_load(&t[i]) & DESC_VALID)
			return false;
	return true;
}

/* Allocates and zeroes a table, refusing memory that breaks the ops contract. */
static uint64_t *table_alloc(const struct s2_mm_ops *ops, size_t bytes, paddr_t *pa_out)
{
	paddr_t pa = pa_init(0);
	void *va = ops->alloc_table(ops->cookie, bytes, &pa);
	uint64_t p = pa_addr(pa);

	if (!va)
		return NULL;
	if (p != (uintptr_t)va || (p & (bytes - 1)) || p > S2_PA_LIMIT - bytes) {
		ops->free_table(ops->cookie, va, bytes);
		return NULL;
	}
	memset(va, 0, bytes);
	if (pa_out)
		*pa_out = pa;
	return va;
}

static void pool_put(struct pool *p, uint64_t *t)
{
	desc_store(&t[0], (uint64_t)(uintptr_t)p->head);
	p->head = t;
}

static uint64_t *pool_take(struct pool *p)
{
	uint64_t *t = p->head;

	/* The check pass counted every table; running short is a bug, not a state. */
	if (!t)
		__builtin_trap();
	p->head = (uint64_t *)(uintptr_t)t[0];
	t[0] = 0;
	return t;
}

static void pool_drain(const struct s2_mm_ops *ops, struct pool *p)
{
	while (p->head) {
		uint64_t *t = p->head;

		p->head = (uint64_t *)(uintptr_t)t[0];
		ops->free_table(ops->cookie, t, S2_TABLE_BYTES);
	}
}

static int pool_fill(const struct s2_mm_ops *ops, struct pool *p, uint64_t n)
{
	for (; n; n--) {
		uint64_t *t = table_alloc(ops, S2_TABLE_BYTES, NULL);

		if (!t) {
			pool_drain(ops, p);
			return PAL_E_NO_MEMORY;
		}
		pool_put(p, t);
	}
	return PAL_OK;
}

static uint64_t table_desc(uint64_t *t)
{
	return (uint64_t)(uintptr_t)t | DESC_TABLE;
}

/*
 * Map [start, end) within the level `level` table (NULL in the check pass for a table
 * that does not exist yet, i.e. all invalid). Never replaces a table by a block: a table
 * is never left empty (unmap frees it), so it holds a mapping and the range is busy.
 */
static int map_level(struct walk *w, unsigned level, uint64_t *table, uint64_t start,
		     uint64_t end)
{
	uint64_t sz = lvl_size(level);

	for (uint64_t addr = start, next; addr < end; addr = next) {
		uint64_t base = addr & ~(sz - 1);
		uint64_t *e = table ? &table[lvl_index(level, addr)] : NULL;
		uint64_t d = e ? desc_load(e) : 0;
		uint64_t pa = addr + w->pa_off;
		uint64_t *child;
		int ret;

		next = base + sz < end ? base + sz : end;
		if (desc_is_leaf(d, level) && w->over_leaves) {
			/* Counting for a map that follows an unmap of the same range: the leaf
			 * may be gone by then, so count as if it were (never fewer tables). */
			d = 0;
			e = NULL;
		}
		if (desc_is_leaf(d, level))
			return PAL_E_BUSY;
		if (desc_is_table(d, level)) {
			ret = map_level(w, level + 1, table_of(d), addr, next);
			if (ret)
				return ret;
			continue;
		}
		if (level == LEVELS_LAST ||
		    (w->blocks && addr == base && next == base + sz && !(pa & (sz - 1)))) {
			if (w->commit)
				desc_store(e, pa | w->attr |
					   (level == LEVELS_LAST ? DESC_PAGE : DESC_BLOCK));
			continue;
		}
		child = NULL;
		if (!w->commit) {
			w->tables++;
		} else {
			child = pool_take(&w->pool);
			desc_store(e, table_desc(child));
		}
		ret = map_level(w, level + 1, child, addr, next);
		if (ret)
			return ret;
	}
	return PAL_OK;
}

/* Commit-pass split of leaf *e at level into a new table, break-before-make. */
static uint64_t *split_leaf(struct walk *w, uint64_t *e, unsigned level, uint64_t base)
{
	uint64_t *child = pool_take(&w->pool);
	uint64_t d = desc_load(e);
	uint64_t csz = lvl_size(level + 1);

	for (unsigned i = 0; i < TABLE_ENTRIES; i++)
		child[i] = split_entry(d, level + 1, base + i * csz);
	/* A block may not be replaced by a table in one write (TLB conflicts): break,
	 * invalidate, then make. */
	desc_store(e, 0);
	w->ops->tlb_inv_ipa(w->ops->cookie, ipa_init(base), lvl_size(level));
	desc_store(e, table_desc(child));
	return child;
}

/*
 * Unmap or protect [start, end) within the level `level` table. In the check pass,
 * table is NULL below a leaf that would be split, and the entries are derived from
 * that leaf (`parent`).
 */
static int change_level(struct walk *w, unsigned level, uint64_t *table, uint64_t parent,
			uint64_t start, uint64_t end)
{
	uint64_t sz = lvl_size(level);

	for (uint64_t addr = start, next; addr < end; addr = next) {
		uint64_t base = addr & ~(sz - 1);
		uint64_t *e = table ? &table[lvl_index(level, addr)] : NULL;
		uint64_t d = e ? desc_load(e) : split_entry(parent, level, base);
		bool whole;
		uint64_t nd = 0;
		int ret;

		next = base + sz < end ? base + sz : end;
		whole = addr == base && next == base + sz;
		if (desc_is_table(d, level)) {
			uint64_t *child = table_of(d);

			ret = change_level(w, level + 1, child, 0, addr, next);
			if (ret)
				return ret;
			if (w->commit && w->op == OP_UNMAP && table_empty(child)) {
				desc_store(e, 0);
				pool_put(&w->freed, child);
			}
			continue;
		}
		if (!desc_is_leaf(d, level)) {
			if (w->op == OP_PROTECT)
				return PAL_E_NOT_FOUND;
			continue;
		}
		if (w->op == OP_PROTECT) {
			if ((d & ATTR_MEMATTR) != (w->attr & ATTR_MEMATTR))
				return PAL_E_STATE;
			nd = (d & (DESC_OA | DESC_TYPE)) | w->attr;
			if (nd == d)
				continue;
		}
		if (whole) {
			/* Permission-only changes need no break-before-make. */
			if (w->commit)
				desc_store(e, nd);
			continue;
		}
		/* A leaf straddling an edge of a page-aligned range is a block: split it. */
		if (!w->commit) {
			w->tables++;
			ret = change_level(w, level + 1, NULL, d, addr, next);
		} else {
			ret = change_level(w, level + 1, split_leaf(w, e, level, base), 0,
					   addr, next);
		}
		if (ret)
			return ret;
	}
	return PAL_OK;
}

static int check_range(const struct s2_pgtable *pt, uint64_t ipa, uint64_t size)
{
	uint64_t end;

	if (!pt || !pt->root)
		return PAL_E_INVALID;
	if (size == 0 || ((ipa | size) & PAGE_MASK) || !range_end(ipa, size, &end))
		return PAL_E_INVALID;
	if (end > S2_IPA_LIMIT)
		return PAL_E_RANGE;
	return PAL_OK;
}

static bool prot_ok(unsigned prot)
{
	return !(prot & ~S2_PROT_MASK) && (prot & (S2_DEVICE | S2_X)) != (S2_DEVICE | S2_X);
}

/* Check pass, table allocation, commit pass, one invalidation; nothing on failure. */
static int run(struct s2_pgtable *pt, struct walk *w, uint64_t ipa, uint64_t size)
{
	int ret;

	w->ops = &pt->ops;
	w->commit = false;
	ret = w->op == OP_MAP ? map_level(w, 1, pt->root, ipa, ipa + size)
			      : change_level(w, 1, pt->root, 0, ipa, ipa + size);
	if (ret)
		return ret;
	ret = pool_fill(w->ops, &w->pool, w->tables);
	if (ret)
		return ret;
	w->commit = true;
	if (w->op == OP_MAP)
		map_level(w, 1, pt->root, ipa, ipa + size);
	else
		change_level(w, 1, pt->root, 0, ipa, ipa + size);
	w->ops->tlb_inv_ipa(w->ops->cookie, ipa_init(ipa), size);
	/* Only now can no walker reach the emptied tables. */
	pool_drain(w->ops, &w->freed);
	pool_drain(w->ops, &w->pool);
	return PAL_OK;
}

int s2_init(struct s2_pgtable *pt, const struct s2_mm_ops *ops)
{
	paddr_t pa;
	uint64_t *root;

	if (!pt || !ops || !ops->alloc_table || !ops->free_table || !ops->tlb_inv_ipa)
		return PAL_E_INVALID;
	root = table_alloc(ops, S2_ROOT_BYTES, &pa);
	if (!root)
		return PAL_E_NO_MEMORY;
	pt->root = root;
	pt->root_pa = pa;
	pt->ops = *ops;
	return PAL_OK;
}

static void free_level(const struct s2_mm_ops *ops, uint64_t *table, unsigned level,
		       unsigned entries)
{
	for (unsigned i = 0; i < entries; i++) {
		uint64_t d = table[i];

		if (desc_is_table(d, level)) {
			free_level(ops, table_of(d), level + 1, TABLE_ENTRIES);
			ops->free_table(ops->cookie, table_of(d), S2_TABLE_BYTES);
		}
	}
}

void s2_destroy(struct s2_pgtable *pt)
{
	if (!pt || !pt->root)
		return;
	free_level(&pt->ops, pt->root, 1, ROOT_ENTRIES);
	pt->ops.free_table(pt->ops.cookie, pt->root, S2_ROOT_BYTES);
	pt->root = NULL;
	pt->root_pa = pa_init(0);
}

int s2_map(struct s2_pgtable *pt, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	struct walk w = { .op = OP_MAP, .blocks = true };
	uint64_t end;
	int ret = check_range(pt, ipa_addr(ipa), size);

	if (ret)
		return ret;
	if ((pa_addr(pa) & PAGE_MASK) || !range_end(pa_addr(pa), size, &end))
		return PAL_E_INVALID;
	if (end > S2_PA_LIMIT)
		return PAL_E_RANGE;
	if (!prot_ok(prot) || !(prot & (S2_R | S2_W | S2_X)))
		return PAL_E_INVALID;
	w.attr = prot_to_attr(prot);
	w.pa_off = pa_addr(pa) - ipa_addr(ipa);
	return run(pt, &w, ipa_addr(ipa), size);
}

int s2_map_tables_needed(const struct s2_pgtable *pt, ipaddr_t ipa, uint64_t size,
			 uint64_t *tables)
{
	struct walk w = { .op = OP_MAP, .blocks = false };
	int ret = check_range(pt, ipa_addr(ipa), size);

	if (ret)
		return ret;
	if (!tables)
		return PAL_E_INVALID;
	ret = map_level(&w, 1, pt->root, ipa_addr(ipa), ipa_addr(ipa) + size);
	if (ret)
		return ret;
	*tables = w.tables;
	return PAL_OK;
}

int s2_change_tables_needed(const struct s2_pgtable *pt, ipaddr_t ipa, paddr_t pa,
			    uint64_t size, bool map, uint64_t *tables)
{
	struct walk w = { .op = map ? OP_MAP : OP_UNMAP, .blocks = true, .over_leaves = true };
	int ret = check_range(pt, ipa_addr(ipa), size);

	if (ret)
		return ret;
	if (!tables)
		return PAL_E_INVALID;
	w.pa_off = pa_addr(pa) - ipa_addr(ipa);
	ret = map ? map_level(&w, 1, pt->root, ipa_addr(ipa), ipa_addr(ipa) + size)
		  : change_level(&w, 1, pt->root, 0, ipa_addr(ipa), ipa_addr(ipa) + size);
	if (ret)
		return ret;
	*tables = w.tables;
	return PAL_OK;
}

int s2_unmap(struct s2_pgtable *pt, ipaddr_t ipa, uint64_t size)
{
	struct walk w = { .op = OP_UNMAP };
	int ret = check_range(pt, ipa_addr(ipa), size);

	if (ret)
		return ret;
	return run(pt, &w, ipa_addr(ipa), size);
}

int s2_protect(struct s2_pgtable *pt, ipaddr_t ipa, uint64_t size, unsigned prot)
{
	struct walk w = { .op = OP_PROTECT };
	int ret = check_range(pt, ipa_addr(ipa), size);

	if (ret)
		return ret;
	if (!prot_ok(prot))
		return PAL_E_INVALID;
	w.attr = prot_to_attr(prot);
	return run(pt, &w, ipa_addr(ipa), size);
}

int s2_lookup(const struct s2_pgtable *pt, ipaddr_t ipa, paddr_t *pa, unsigned *prot,
	      uint64_t *mapping_size)
{
	const uint64_t *table;
	uint64_t a = ipa_addr(ipa);

	if (!pt || !pt->root)
		return PAL_E_INVALID;
	if (a >= S2_IPA_LIMIT)
		return PAL_E_RANGE;
	table = pt->root;
	for (unsigned level = 1; level <= LEVELS_LAST; level++) {
		uint64_t d = desc_load(&table[lvl_index(level, a)]);
		uint64_t sz = lvl_size(level);

		if (desc_is_leaf(d, level)) {
			if (pa)
				*pa = pa_init((d & DESC_OA) + (a & (sz - 1)));
			if (prot)
				*prot = desc_to_prot(d);
			if (mapping_size)
				*mapping_size = sz;
			return PAL_OK;
		}
		if (!desc_is_table(d, level))
			break;
		table = table_of(d);
	}
	return PAL_E_NOT_FOUND;
}

static int leaf_level(const uint64_t *table, unsigned level, unsigned entries, uint64_t base,
		      s2_leaf_fn fn, void *arg)
{
	uint64_t sz = lvl_size(level);

	for (unsigned i = 0; i < entries; i++) {
		uint64_t d = desc_load(&table[i]);
		uint64_t ipa = base + i * sz;
		int ret = 0;

		if (desc_is_table(d, level))
			ret = leaf_level(table_of(d), level + 1, TABLE_ENTRIES, ipa, fn, arg);
		else if (desc_is_leaf(d, level))
			ret = fn(arg, ipa_init(ipa), pa_init(d & DESC_OA), sz, desc_to_prot(d));
		if (ret)
			return ret;
	}
	return 0;
}

int s2_for_each_leaf(const struct s2_pgtable *pt, s2_leaf_fn fn, void *arg)
{
	if (!pt || !pt->root || !fn)
		return PAL_E_INVALID;
	return leaf_level(pt->root, 1, ROOT_ENTRIES, 0, fn, arg);
}

uint64_t s2_vtcr(unsigned parange)
{
	if (parange > 0xf || parange < PARANGE_40)
		return 0;
	if (parange > PARANGE_48)
		parange = PARANGE_48;  /* 52-bit output needs other descriptor formats */
	return VTCR_T0SZ(64 - S2_IPA_BITS) | VTCR_SL0(1) | VTCR_IRGN0_WBWA |
	       VTCR_ORGN0_WBWA | VTCR_SH0_IS | VTCR_TG0_4K | VTCR_PS(parange) | VTCR_RES1;
}

uint64_t s2_vttbr(const struct s2_pgtable *pt, uint16_t vmid)
{
	if (!pt || !pt->root || vmid >> S2_VMID_BITS)
		return 0;
	return pa_addr(pt->root_pa) | ((uint64_t)vmid << VTTBR_VMID_SHIFT);
}
