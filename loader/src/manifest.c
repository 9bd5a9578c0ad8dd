/*
 * Boot manifest parser (docs/manifest.md is the specification). Portable.
 *
 * Three passes, each bounded: (1) the blob and the root node, (2) each vm@N node on its
 * own, properties gathered first and then checked in a fixed order so that a message
 * does not depend on property order, (3) checks across VMs and RAM placement of each
 * guest's memory. Any failure zeroes the output.
 */
#include <string.h>
#include <libfdt.h>

#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/manifest.h"
#include "ranges.h"

struct ctx {
	const void *fdt;
	const struct manifest_limits *lim;
	struct manifest *m;
	char *err;
	size_t err_size;
};

#define FAIL(rc, ...) do { fmt_snprintf(c->err, c->err_size, __VA_ARGS__); return (rc); } while (0)

enum prop_id {
	P_REG, P_ROLE, P_PROTECTED, P_DEBUG, P_VCPUS, P_MEMORY, P_KERNEL, P_INITRD,
	P_BOOTARGS, P_CONSOLE, P_COUNT
};

static const char *const prop_names[P_COUNT] = {
	[P_REG] = "reg", [P_ROLE] = "role", [P_PROTECTED] = "protected", [P_DEBUG] = "debug",
	[P_VCPUS] = "vcpus", [P_MEMORY] = "memory", [P_KERNEL] = "kernel",
	[P_INITRD] = "initrd", [P_BOOTARGS] = "bootargs", [P_CONSOLE] = "console",
};

struct raw_prop {
	const uint8_t *val;
	int len;
	bool present;
};

typedef unsigned long long ull;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/*
 * Names from the blob end up in log lines: print them only when they are short and made
 * of the characters device-tree names use, so a hostile manifest cannot inject text.
 */
static const char *printable_name(const char *s, int len)
{
	if (!s || len <= 0 || len > 31)
		return "(unprintable name)";
	for (int i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == ',' || ch == '.' || ch == '_' ||
		      ch == '+' || ch == '-' || ch == '@' || ch == '#' || ch == '?'))
			return "(unprintable name)";
	}
	return s;
}

/* A property holding one printable ASCII string of at most max bytes with its NUL. */
static int check_string(struct ctx *c, const char *node, enum prop_id id,
			const struct raw_prop *p, size_t max)
{
	const char *name = prop_names[id];

	if (p->len < 1 || p->val[p->len - 1] != '\0')
		FAIL(PAL_E_INVALID, "%s: %s: not a NUL-terminated string", node, name);
	for (int i = 0; i < p->len - 1; i++) {
		uint8_t ch = p->val[i];

		if (ch == '\0')
			FAIL(PAL_E_INVALID, "%s: %s: holds more than one string", node, name);
		if (ch < 0x20 || ch > 0x7e)
			FAIL(PAL_E_INVALID, "%s: %s: byte %d (0x%02x) is not printable ASCII",
			     node, name, i, ch);
	}
	if ((size_t)p->len > max)
		FAIL(PAL_E_INVALID, "%s: %s: %d bytes, longer than the %zu allowed", node, name,
		     p->len - 1, max - 1);
	return 0;
}

static int read_u32(struct ctx *c, const char *node, enum prop_id id,
		    const struct raw_prop *p, uint32_t *v)
{
	if (p->len != 4)
		FAIL(PAL_E_INVALID, "%s: %s: length %d, expected 4 (one u32 cell)", node,
		     prop_names[id], p->len);
	*v = be32(p->val);
	return 0;
}

static int read_pair(struct ctx *c, const char *node, enum prop_id id,
		     const struct raw_prop *p, uint64_t *base, uint64_t *size)
{
	uint64_t end;

	if (p->len != 16)
		FAIL(PAL_E_INVALID,
		     "%s: %s: length %d, expected 16 (<base-hi base-lo size-hi size-lo>)",
		     node, prop_names[id], p->len);
	*base = be64(p->val);
	*size = be64(p->val + 8);
	if (*size == 0)
		FAIL(PAL_E_RANGE, "%s: %s: size is zero", node, prop_names[id]);
	if (!range_end(*base, *size, &end))
		FAIL(PAL_E_RANGE, "%s: %s: 0x%llx + 0x%llx wraps around", node, prop_names[id],
		     (ull)*base, (ull)*size);
	return 0;
}

static int check_flag(struct ctx *c, const char *node, enum prop_id id,
		      const struct raw_prop *p, bool host)
{
	if (!p->present)
		return 0;
	if (host)
		FAIL(PAL_E_INVALID, "%s: %s: not allowed for the host VM", node, prop_names[id]);
	if (p->len != 0)
		FAIL(PAL_E_INVALID, "%s: %s: a boolean takes no value (length %d)", node,
		     prop_names[id], p->len);
	return 1;
}

/* Unit address of "vm@<hex>": lowercase hex, no leading zeros, fits a u32. */
static int parse_node_name(struct ctx *c, const char *name, int len, uint32_t *unit)
{
	uint64_t v = 0;

	if (len < 4 || len > 11 || memcmp(name, "vm@", 3) != 0)
		FAIL(PAL_E_INVALID, "/: unexpected node '%s' (only vm@<id> nodes are allowed)",
		     printable_name(name, len));
	if (name[3] == '0' && len > 4)
		FAIL(PAL_E_INVALID, "%s: unit address has a leading zero", name);
	for (int i = 3; i < len; i++) {
		char ch = name[i];

		if (ch >= '0' && ch <= '9')
			v = v * 16 + (uint64_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = v * 16 + (uint64_t)(ch - 'a' + 10);
		else
			FAIL(PAL_E_INVALID, "/: unexpected node '%s' (only vm@<id> nodes, id in "
			     "lowercase hex)", printable_name(name, len));
	}
	*unit = (uint32_t)v;
	return 0;
}

/* Alignment, RAM, reserved memory and boot inputs: the checks one image gets on its own. */
static int check_image(struct ctx *c, const char *node, enum prop_id id,
		       uint64_t base, uint64_t size)
{
	const struct manifest_limits *lim = c->lim;
	const char *name = prop_names[id];
	uint64_t end;
	bool in_ram = false;

	if (base & (MANIFEST_IMAGE_ALIGN - 1))
		FAIL(PAL_E_RANGE, "%s: %s: load address 0x%llx is not 4 KiB aligned", node, name,
		     (ull)base);
	/* Ownership moves page by page, so an image owns its last partial page too. */
	if (!align_up(base + size, PAGE_SIZE, &end))
		FAIL(PAL_E_RANGE, "%s: %s: 0x%llx + 0x%llx wraps around", node, name,
		     (ull)base, (ull)size);
	struct pa_range r = pa_range_init(base, end - base);

	for (unsigned i = 0; i < lim->ram_count; i++)
		if (pa_range_contains(lim->ram[i], r))
			in_ram = true;
	if (!in_ram)
		FAIL(PAL_E_RANGE, "%s: %s: 0x%llx..0x%llx is not inside one RAM region", node,
		     name, (ull)base, (ull)end);
	for (unsigned i = 0; i < lim->reserved_count; i++)
		if (pa_range_overlap(lim->reserved[i], r))
			FAIL(PAL_E_RANGE, "%s: %s: 0x%llx..0x%llx overlaps the hypervisor's "
			     "memory 0x%llx..0x%llx", node, name, (ull)base, (ull)end,
			     (ull)pa_addr(lim->reserved[i].base),
			     (ull)pa_range_end(lim->reserved[i]));
	for (unsigned i = 0; i < lim->inputs_count; i++)
		if (pa_range_overlap(lim->inputs[i], r))
			FAIL(PAL_E_RANGE, "%s: %s: 0x%llx..0x%llx overlaps a boot input (boot DTB "
			     "or manifest) at 0x%llx..0x%llx", node, name, (ull)base, (ull)end,
			     (ull)pa_addr(lim->inputs[i].base),
			     (ull)pa_range_end(lim->inputs[i]));
	return 0;
}

static int check_memory(struct ctx *c, const char *node, uint64_t base, uint64_t size)
{
	if (base & (MANIFEST_MEM_ALIGN - 1))
		FAIL(PAL_E_RANGE, "%s: memory: base 0x%llx is not 2 MiB aligned", node, (ull)base);
	if (size & (MANIFEST_MEM_ALIGN - 1))
		FAIL(PAL_E_RANGE, "%s: memory: size 0x%llx is not a multiple of 2 MiB", node,
		     (ull)size);
	if (base < MANIFEST_GUEST_IPA_MIN)
		FAIL(PAL_E_RANGE, "%s: memory: base 0x%llx is below 0x%llx (the guest's device "
		     "window)", node, (ull)base, (ull)MANIFEST_GUEST_IPA_MIN);
	if (base + size > MANIFEST_GUEST_IPA_LIMIT)
		FAIL(PAL_E_RANGE, "%s: memory: ends at 0x%llx, above the guest IPA limit 0x%llx",
		     node, (ull)(base + size), (ull)MANIFEST_GUEST_IPA_LIMIT);
	return 0;
}

static int lookup_prop(const char *name)
{
	for (int i = 0; i < P_COUNT; i++)
		if (strcmp(name, prop_names[i]) == 0)
			return i;
	return -1;
}

static int parse_vm(struct ctx *c, int node, struct manifest_vm *vm)
{
	struct raw_prop p[P_COUNT] = { { 0 } };
	const char *name;
	uint32_t unit, v;
	int len, off, rc;
	bool host;

	name = fdt_get_name(c->fdt, node, &len);
	if ((rc = parse_node_name(c, name, len, &unit)))
		return rc;
	memcpy(vm->node, name, (size_t)len);   /* len <= 11: fits with its NUL */
	vm->node[len] = '\0';
	const char *n = vm->node;

	off = fdt_first_subnode(c->fdt, node);
	if (off >= 0) {
		const char *child = fdt_get_name(c->fdt, off, &len);

		FAIL(PAL_E_INVALID, "%s: unexpected child node '%s'", n, printable_name(child, len));
	}

	fdt_for_each_property_offset(off, c->fdt, node) {
		const char *pname;
		const void *val = fdt_getprop_by_offset(c->fdt, off, &pname, &len);
		int id;

		if (!val)
			FAIL(PAL_E_INVALID, "%s: unreadable property", n);
		id = lookup_prop(pname);
		if (id < 0)
			FAIL(PAL_E_INVALID, "%s: %s: unknown property", n,
			     printable_name(pname, (int)strnlen(pname, 32)));
		if (p[id].present)
			FAIL(PAL_E_INVALID, "%s: %s: appears twice", n, prop_names[id]);
		p[id] = (struct raw_prop){ val, len, true };
	}

	for (int id = P_REG; id < P_COUNT; id++) {
		bool required = id == P_REG || id == P_ROLE || id == P_VCPUS || id == P_KERNEL ||
				id == P_CONSOLE;

		if (required && !p[id].present)
			FAIL(PAL_E_INVALID, "%s: %s: missing (required)", n, prop_names[id]);
	}

	/* reg: the VM id, also the node's unit address. */
	if ((rc = read_u32(c, n, P_REG, &p[P_REG], &v)))
		return rc;
	if (v != unit)
		FAIL(PAL_E_INVALID, "%s: reg: VM id %u does not match the unit address", n, v);
	if (v != VM_ID_HOST && (v < VM_ID_FIRST_GUEST || v >= VM_ID_LIMIT))
		FAIL(PAL_E_INVALID, "%s: reg: VM id %u is out of range (1 = host, guests %u..%u)",
		     n, v, VM_ID_FIRST_GUEST, VM_ID_LIMIT - 1);
	vm->id = (vm_id_t)v;

	if ((rc = check_string(c, n, P_ROLE, &p[P_ROLE], 8)))
		return rc;
	if (strcmp((const char *)p[P_ROLE].val, "host") == 0)
		vm->role = MANIFEST_ROLE_HOST;
	else if (strcmp((const char *)p[P_ROLE].val, "guest") == 0)
		vm->role = MANIFEST_ROLE_GUEST;
	else
		FAIL(PAL_E_INVALID, "%s: role: \"%s\" is neither \"host\" nor \"guest\"", n,
		     (const char *)p[P_ROLE].val);
	host = vm->role == MANIFEST_ROLE_HOST;
	if (host != (vm->id == VM_ID_HOST))
		FAIL(PAL_E_INVALID, "%s: role: the host VM must have reg = <%u>, and only the host",
		     n, VM_ID_HOST);

	if ((rc = check_flag(c, n, P_PROTECTED, &p[P_PROTECTED], host)) < 0)
		return rc;
	vm->is_protected = rc == 1;
	if ((rc = check_flag(c, n, P_DEBUG, &p[P_DEBUG], host)) < 0)
		return rc;
	vm->debug = rc == 1;

	if ((rc = read_u32(c, n, P_VCPUS, &p[P_VCPUS], &v)))
		return rc;
	if (v < 1 || v > MANIFEST_MAX_VCPUS)
		FAIL(PAL_E_INVALID, "%s: vcpus: %u is out of range 1..%u", n, v, MANIFEST_MAX_VCPUS);
	if (host && c->lim->cpu_count && v > c->lim->cpu_count)
		FAIL(PAL_E_INVALID, "%s: vcpus: %u exceeds the %u physical CPUs", n, v,
		     c->lim->cpu_count);
	vm->vcpus = v;

	if (host && p[P_MEMORY].present)
		FAIL(PAL_E_INVALID, "%s: memory: not allowed for the host VM (it gets all RAM the "
		     "hypervisor and the guests do not)", n);
	if (!host) {
		uint64_t base, size;

		if (!p[P_MEMORY].present)
			FAIL(PAL_E_INVALID, "%s: memory: missing (required for a guest)", n);
		if ((rc = read_pair(c, n, P_MEMORY, &p[P_MEMORY], &base, &size)) ||
		    (rc = check_memory(c, n, base, size)))
			return rc;
		vm->mem_ipa = ipa_init(base);
		vm->mem_size = size;
	}

	uint64_t base, size;

	if ((rc = read_pair(c, n, P_KERNEL, &p[P_KERNEL], &base, &size)) ||
	    (rc = check_image(c, n, P_KERNEL, base, size)))
		return rc;
	vm->kernel = pa_range_init(base, size);
	if (p[P_INITRD].present) {
		if ((rc = read_pair(c, n, P_INITRD, &p[P_INITRD], &base, &size)) ||
		    (rc = check_image(c, n, P_INITRD, base, size)))
			return rc;
		vm->initrd = pa_range_init(base, size);
		vm->has_initrd = true;
	}
	if (!host) {
		/* What must fit: the files, and the 2 MiB device-tree window at the top. The
		 * exact layout (kernel image_size, text_offset) is checked with the image. */
		uint64_t need;

		if (__builtin_add_overflow(vm->kernel.size, vm->initrd.size, &need) ||
		    __builtin_add_overflow(need, MANIFEST_FDT_WINDOW, &need) || need > vm->mem_size)
			FAIL(PAL_E_RANGE, "%s: memory: 0x%llx bytes cannot hold kernel, initrd and "
			     "the 2 MiB device-tree window (0x%llx bytes)", n, (ull)vm->mem_size,
			     (ull)need);
	}

	if ((rc = check_string(c, n, P_CONSOLE, &p[P_CONSOLE], 8)))
		return rc;
	if (strcmp((const char *)p[P_CONSOLE].val, "uart") == 0)
		vm->console = MANIFEST_CONSOLE_UART;
	else if (strcmp((const char *)p[P_CONSOLE].val, "virtual") == 0)
		vm->console = MANIFEST_CONSOLE_VIRTUAL;
	else
		FAIL(PAL_E_INVALID, "%s: console: \"%s\" is neither \"uart\" nor \"virtual\"", n,
		     (const char *)p[P_CONSOLE].val);
	/* The host may drive the physical PL011 itself ("uart") or, like guests, use an
	 * emulated one multiplexed by the hypervisor ("virtual": input can then switch). */
	if (!host && vm->console != MANIFEST_CONSOLE_VIRTUAL)
		FAIL(PAL_E_INVALID, "%s: console: \"uart\" is the physical PL011, which only the "
		     "host may own; use \"virtual\"", n);

	if (p[P_BOOTARGS].present) {
		if ((rc = check_string(c, n, P_BOOTARGS, &p[P_BOOTARGS], MANIFEST_BOOTARGS_MAX)))
			return rc;
		memcpy(vm->bootargs, p[P_BOOTARGS].val, (size_t)p[P_BOOTARGS].len);
	}
	return 0;
}

static int parse_root(struct ctx *c)
{
	bool seen_compat = false, seen_ac = false, seen_sc = false;
	int off, len;

	fdt_for_each_property_offset(off, c->fdt, 0) {
		const char *pname;
		const uint8_t *val = fdt_getprop_by_offset(c->fdt, off, &pname, &len);

		if (!val)
			FAIL(PAL_E_INVALID, "/: unreadable property");
		if (strcmp(pname, "compatible") == 0) {
			if (seen_compat)
				FAIL(PAL_E_INVALID, "/: compatible: appears twice");
			seen_compat = true;
			if (len != (int)sizeof(MANIFEST_COMPATIBLE) ||
			    memcmp(val, MANIFEST_COMPATIBLE, sizeof(MANIFEST_COMPATIBLE)) != 0)
				FAIL(PAL_E_INVALID, "/: compatible: must be exactly \"%s\"",
				     MANIFEST_COMPATIBLE);
		} else if (strcmp(pname, "#address-cells") == 0 ||
			   strcmp(pname, "#size-cells") == 0) {
			bool ac = pname[1] == 'a';
			uint32_t want = ac ? 1 : 0;

			if (ac ? seen_ac : seen_sc)
				FAIL(PAL_E_INVALID, "/: %s: appears twice", pname);
			if (ac)
				seen_ac = true;
			else
				seen_sc = true;
			if (len != 4 || be32(val) != want)
				FAIL(PAL_E_INVALID, "/: %s: must be <%u> (a vm node's reg is its id)",
				     pname, want);
		} else {
			FAIL(PAL_E_INVALID, "/: %s: unknown property",
			     printable_name(pname, (int)strnlen(pname, 32)));
		}
	}
	if (!seen_compat)
		FAIL(PAL_E_INVALID, "/: compatible: missing (must be \"%s\")", MANIFEST_COMPATIBLE);
	if (!seen_ac || !seen_sc)
		FAIL(PAL_E_INVALID, "/: %s: missing (must be <%u>)",
		     seen_ac ? "#size-cells" : "#address-cells", seen_ac ? 0 : 1);
	return 0;
}

static bool overlap(struct u64_range a, struct u64_range b)
{
	return a.base < b.end && b.base < a.end;
}

/* One image of one VM, for the checks across VMs. */
struct image_ref {
	const struct manifest_vm *vm;
	const char *what;
	struct u64_range r;     /* page-rounded */
};

static unsigned collect_images(const struct manifest *m, struct image_ref *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->count; i++) {
		const struct manifest_vm *vm = &m->vms[i];
		uint64_t end;

		align_up(pa_range_end(vm->kernel), PAGE_SIZE, &end);  /* checked already */
		out[n++] = (struct image_ref){ vm, "kernel", { pa_addr(vm->kernel.base), end } };
		if (vm->has_initrd) {
			align_up(pa_range_end(vm->initrd), PAGE_SIZE, &end);
			out[n++] = (struct image_ref){ vm, "initrd",
						       { pa_addr(vm->initrd.base), end } };
		}
	}
	return n;
}

/*
 * Highest 'align'-aligned block of 'size' bytes inside one of the 'n' ranges of 'in'
 * (sorted by base) that overlaps nothing in 'busy'. Each retry lowers the candidate's end
 * below the base of a busy range it hit, so that range is never hit again: at most
 * busy_count + 1 tries per range.
 */
static bool place(const struct u64_range *in, unsigned n, const struct u64_range *busy,
		  unsigned busy_count, uint64_t size, uint64_t align, uint64_t *out)
{
	for (unsigned i = n; i-- > 0;) {
		uint64_t end = align_down(in[i].end, align);

		for (unsigned tries = 0; tries <= busy_count; tries++) {
			if (end < size || end - size < in[i].base)
				break;
			struct u64_range cand = { end - size, end };
			uint64_t hit = 0;
			bool any = false;

			for (unsigned b = 0; b < busy_count; b++)
				if (overlap(cand, busy[b]) && (!any || busy[b].base > hit)) {
					hit = busy[b].base;
					any = true;
				}
			if (!any) {
				*out = cand.base;
				return true;
			}
			end = align_down(hit, align);
		}
	}
	return false;
}

#define MAX_IMAGES (2 * MANIFEST_MAX_VMS)
#define MAX_BUSY (2 * MANIFEST_MAX_LIMIT_RANGES + MAX_IMAGES + MANIFEST_MAX_VMS)

static int check_across(struct ctx *c)
{
	struct manifest *m = c->m;
	const struct manifest_limits *lim = c->lim;
	struct image_ref img[MAX_IMAGES];
	struct u64_range busy[MAX_BUSY];
	unsigned nimg, nbusy = 0, hosts = 0;

	for (unsigned i = 0; i < m->count; i++) {
		if (m->vms[i].role == MANIFEST_ROLE_HOST) {
			if (hosts++)
				FAIL(PAL_E_INVALID, "%s: role: a second host VM (%s is the host)",
				     m->vms[i].node, m->vms[m->host].node);
			m->host = i;
		}
		for (unsigned j = 0; j < i; j++)
			if (m->vms[i].id == m->vms[j].id)
				FAIL(PAL_E_INVALID, "%s: reg: VM id %u is also %s's", m->vms[i].node,
				     m->vms[i].id, m->vms[j].node);
	}
	if (!m->count)
		FAIL(PAL_E_INVALID, "/: no vm@<id> nodes");
	if (!hosts)
		FAIL(PAL_E_INVALID, "/: no host VM (a vm@1 node with role \"host\")");

	nimg = collect_images(m, img);
	for (unsigned i = 0; i < nimg; i++)
		for (unsigned j = 0; j < i; j++)
			if (overlap(img[i].r, img[j].r))
				FAIL(PAL_E_RANGE, "%s: %s: overlaps %s's %s (images may not share a "
				     "4 KiB page)", img[i].vm->node, img[i].what, img[j].vm->node,
				     img[j].what);

	/* Guest memory goes where nothing else is. */
	for (unsigned i = 0; i < lim->reserved_count; i++)
		busy[nbusy++] = (struct u64_range){ pa_addr(lim->reserved[i].base),
						    pa_range_end(lim->reserved[i]) };
	for (unsigned i = 0; i < lim->inputs_count; i++)
		busy[nbusy++] = (struct u64_range){ pa_addr(lim->inputs[i].base),
						    pa_range_end(lim->inputs[i]) };
	for (unsigned i = 0; i < nimg; i++)
		busy[nbusy++] = img[i].r;
	struct u64_range ram[MANIFEST_MAX_LIMIT_RANGES];

	for (unsigned i = 0; i < lim->ram_count; i++)
		ram[i] = (struct u64_range){ pa_addr(lim->ram[i].base), pa_range_end(lim->ram[i]) };
	ranges_sort(ram, lim->ram_count);
	for (unsigned i = 0; i < m->count; i++) {
		struct manifest_vm *vm = &m->vms[i];
		uint64_t pa;

		if (vm->role != MANIFEST_ROLE_GUEST)
			continue;
		if (!place(ram, lim->ram_count, busy, nbusy, vm->mem_size, MANIFEST_MEM_ALIGN, &pa))
			FAIL(PAL_E_NO_MEMORY, "%s: memory: no free 2 MiB-aligned 0x%llx bytes of RAM "
			     "(after the hypervisor, boot inputs, images and earlier guests)",
			     vm->node, (ull)vm->mem_size);
		vm->mem_pa = pa_init(pa);
		busy[nbusy++] = (struct u64_range){ pa, pa + vm->mem_size };
	}

	/* What the host does not see, and what it does. */
	for (unsigned i = 0; i < lim->reserved_count; i++)
		m->hidden[m->hidden_count++] = lim->reserved[i];
	for (unsigned i = 0; i < m->count; i++)
		if (m->vms[i].role == MANIFEST_ROLE_GUEST)
			m->hidden[m->hidden_count++] = (struct pa_range){ m->vms[i].mem_pa,
									  m->vms[i].mem_size };

	struct u64_range hm[MANIFEST_MAX_HOST_RANGES];
	unsigned nhm = lim->ram_count;

	for (unsigned i = 0; i < nhm; i++)
		hm[i] = (struct u64_range){ pa_addr(lim->ram[i].base), pa_range_end(lim->ram[i]) };
	for (unsigned i = 0; i < m->hidden_count; i++)
		if (ranges_subtract(hm, &nhm, MANIFEST_MAX_HOST_RANGES,
				    pa_addr(m->hidden[i].base), pa_range_end(m->hidden[i])))
			FAIL(PAL_E_RANGE, "/: host memory splits into more than %d ranges",
			     MANIFEST_MAX_HOST_RANGES);
	if (!nhm)
		FAIL(PAL_E_NO_MEMORY, "/: no RAM left for the host VM");
	ranges_sort(hm, nhm);
	for (unsigned i = 0; i < nhm; i++)
		m->host_mem[i] = pa_range_init(hm[i].base, hm[i].end - hm[i].base);
	m->host_mem_count = nhm;

	/* The host's images are used in place, so they must be host memory. */
	const struct manifest_vm *h = &m->vms[m->host];

	for (unsigned i = 0; i < nimg; i++) {
		bool inside = false;

		if (img[i].vm != h)
			continue;
		for (unsigned j = 0; j < nhm; j++)
			if (img[i].r.base >= hm[j].base && img[i].r.end <= hm[j].end)
				inside = true;
		if (!inside)
			FAIL(PAL_E_RANGE, "%s: %s: not inside one range of host memory", h->node,
			     img[i].what);
	}

	/*
	 * The host's device tree: the highest 2 MiB-aligned 2 MiB of host memory clear of
	 * every image and boot input (still needed while it is written).
	 */
	uint64_t fdt;

	nbusy = 0;
	for (unsigned i = 0; i < lim->inputs_count; i++)
		busy[nbusy++] = (struct u64_range){ pa_addr(lim->inputs[i].base),
						    pa_range_end(lim->inputs[i]) };
	for (unsigned i = 0; i < nimg; i++)
		busy[nbusy++] = img[i].r;
	if (!place(hm, nhm, busy, nbusy, MANIFEST_FDT_WINDOW, MANIFEST_FDT_WINDOW, &fdt))
		FAIL(PAL_E_NO_MEMORY, "/: no free 2 MiB-aligned 2 MiB of host memory for the "
		     "host's device tree");
	m->host_fdt = pa_init(fdt);
	return 0;
}

static int check_list(struct ctx *c, const char *what, const struct pa_range *list,
		      unsigned count, bool required)
{
	if ((required && count == 0) || count > MANIFEST_MAX_LIMIT_RANGES || (count && !list))
		FAIL(PAL_E_INVALID, "limits: %u %s ranges (1..%d expected)", count, what,
		     MANIFEST_MAX_LIMIT_RANGES);
	for (unsigned i = 0; i < count; i++)
		if (!pa_range_valid(list[i]) || !pa_page_aligned(list[i].base) ||
		    (list[i].size & PAGE_MASK))
			FAIL(PAL_E_INVALID, "limits: %s range %u (0x%llx + 0x%llx) is empty, "
			     "wraps or is not page aligned", what, i,
			     (ull)pa_addr(list[i].base), (ull)list[i].size);
	return 0;
}

static int parse(struct ctx *c, size_t size)
{
	const void *fdt = c->fdt;
	int rc, node;

	if (!c->lim)
		FAIL(PAL_E_INVALID, "limits: missing");
	if ((rc = check_list(c, "RAM", c->lim->ram, c->lim->ram_count, true)) ||
	    (rc = check_list(c, "reserved", c->lim->reserved, c->lim->reserved_count, false)) ||
	    (rc = check_list(c, "boot input", c->lim->inputs, c->lim->inputs_count, false)))
		return rc;

	if (!fdt || ((uintptr_t)fdt & 7))
		FAIL(PAL_E_INVALID, "manifest: blob missing or not 8-byte aligned");
	if (size < sizeof(struct fdt_header))
		FAIL(PAL_E_INVALID, "manifest: %zu bytes, smaller than a device-tree header", size);
	if ((rc = fdt_check_header(fdt)))
		FAIL(PAL_E_INVALID, "manifest: bad device-tree header: %s", fdt_strerror(rc));
	/* libfdt reads blocks through typed pointers: they must be aligned for their type. */
	if ((fdt_off_mem_rsvmap(fdt) & 7) || (fdt_off_dt_struct(fdt) & 3))
		FAIL(PAL_E_INVALID, "manifest: memory-reservation or structure block misaligned");
	if (fdt_totalsize(fdt) > size)
		FAIL(PAL_E_INVALID, "manifest: header claims %u bytes, only %zu available",
		     fdt_totalsize(fdt), size);
	if (fdt_totalsize(fdt) > MANIFEST_MAX_SIZE)
		FAIL(PAL_E_INVALID, "manifest: %u bytes, larger than the %u allowed",
		     fdt_totalsize(fdt), MANIFEST_MAX_SIZE);
	if ((rc = fdt_check_full(fdt, fdt_totalsize(fdt))))
		FAIL(PAL_E_INVALID, "manifest: malformed device tree: %s", fdt_strerror(rc));
	if (fdt_num_mem_rsv(fdt) != 0)
		FAIL(PAL_E_INVALID, "manifest: has /memreserve/ entries (they mean nothing here)");

	if ((rc = parse_root(c)))
		return rc;
	fdt_for_each_subnode(node, fdt, 0) {
		if (c->m->count == MANIFEST_MAX_VMS)
			FAIL(PAL_E_INVALID, "/: more than %d vm nodes", MANIFEST_MAX_VMS);
		if ((rc = parse_vm(c, node, &c->m->vms[c->m->count])))
			return rc;
		c->m->count++;
	}
	if (node != -FDT_ERR_NOTFOUND)
		FAIL(PAL_E_INVALID, "manifest: malformed device tree: %s", fdt_strerror(node));
	return check_across(c);
}

int manifest_parse(const void *blob, size_t size, const struct manifest_limits *lim,
		   struct manifest *out, char *err, size_t err_size)
{
	struct ctx c = { blob, lim, out, err, err_size };
	int rc;

	if (err_size)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	rc = parse(&c, size);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
