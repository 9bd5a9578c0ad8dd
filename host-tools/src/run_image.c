/* The launch plan of `palisade run`: see run_image.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "palisade/elf_image.h"
#include "palisade/guest_fdt.h"
#include "palisade/linux_image.h"
#include "palisade/manifest.h"

#include "run_image.h"

#define FILE_MAX ((size_t)1 << 30)
#define MEM_ALIGN ((uint64_t)2 << 20)
#define IPA_MIN ((uint64_t)1 << 30)
#define IPA_LIMIT ((uint64_t)1 << 40)

typedef unsigned long long ull;

int run_read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
		  size_t err_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = NULL;
	struct stat st;

	*data = NULL;
	*len = 0;
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t r;

		if (n + 1 > cap || !buf) {
			uint8_t *nb;

			if (buf)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				snprintf(err, err_size, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_size, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			snprintf(err, err_size, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	*data = buf;
	*len = n;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

static int add_blob(struct run_plan *p, const char *what, uint64_t ipa, uint8_t *data,
		    uint64_t size, char *err, size_t err_size)
{
	if (p->count == sizeof(p->blob) / sizeof(p->blob[0])) {
		snprintf(err, err_size, "too many content pieces");
		free(data);
		return -1;
	}
	p->blob[p->count++] = (struct run_blob){ what, ipa, size, data };
	return 0;
}

/* The manifest entry a launcher builds for this VM (as vmimage.c's make_vm). */
static void make_vm(const struct run_config *c, uint64_t kernel_size, uint64_t initrd_size,
		    struct manifest_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	strcpy(vm->node, "vm");
	vm->id = VM_ID_FIRST_GUEST;
	vm->role = MANIFEST_ROLE_GUEST;
	vm->is_protected = true;
	vm->debug = c->debug;
	vm->vcpus = c->vcpus;
	vm->mem_ipa = ipa_init(c->mem_base);
	vm->mem_size = c->mem_size;
	vm->mem_pa = pa_init(c->mem_base);
	vm->kernel = pa_range_init(0, kernel_size);
	vm->has_initrd = initrd_size != 0;
	vm->initrd = pa_range_init(0, initrd_size);
	vm->console = MANIFEST_CONSOLE_VIRTUAL;
	if (c->cmdline)
		snprintf(vm->bootargs, sizeof(vm->bootargs), "%s", c->cmdline);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The guest device tree (totalsize bytes) into the plan at layout->fdt. */
static int add_dtb(struct run_plan *p, const struct manifest_vm *vm,
		   const struct vm_boot_layout *layout, char *err, size_t err_size)
{
	struct guest_fdt_config fc;
	uint8_t *buf = calloc(1, MANIFEST_FDT_WINDOW);
	char why[160];
	uint64_t size;

	if (!buf) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	guest_fdt_config_init(&fc, vm, layout);
	if (guest_fdt_build(&fc, buf, MANIFEST_FDT_WINDOW, why, sizeof(why))) {
		snprintf(err, err_size, "device tree: %s", why);
		free(buf);
		return -1;
	}
	size = be32(buf + 4);
	if (size == 0 || size > MANIFEST_FDT_WINDOW) {
		snprintf(err, err_size, "device tree: totalsize %llu out of range", (ull)size);
		free(buf);
		return -1;
	}
	p->x0 = ipa_addr(layout->fdt);
	return add_blob(p, "device tree", ipa_addr(layout->fdt), buf, size, err, err_size);
}

static int plan_linux(const struct run_config *c, struct run_plan *p, char *err, size_t err_size)
{
	uint8_t *kernel = NULL, *initrd = NULL;
	size_t klen = 0, ilen = 0;
	struct linux_image img;
	struct vm_boot_layout layout;
	struct manifest_vm vm;
	char why[256];

	if (run_read_file(c->kernel, FILE_MAX, &kernel, &klen, err, err_size))
		return -1;
	if (linux_image_parse(kernel, klen, &img, why, sizeof(why))) {
		snprintf(err, err_size, "%s: %s", c->kernel, why);
		goto fail;
	}
	if (c->initrd) {
		if (run_read_file(c->initrd, FILE_MAX, &initrd, &ilen, err, err_size))
			goto fail;
		if (ilen == 0) {
			snprintf(err, err_size, "%s: empty initrd", c->initrd);
			goto fail;
		}
	}
	make_vm(c, klen, ilen, &vm);
	if (loader_guest_layout(&vm, &img, &layout, why, sizeof(why))) {
		snprintf(err, err_size, "layout: %s", why);
		goto fail;
	}
	/* Canonical order: kernel, initrd, device tree. */
	if (add_blob(p, "kernel", ipa_addr(layout.kernel), kernel, klen, err, err_size)) {
		free(initrd);
		return -1;
	}
	if (initrd && add_blob(p, "initrd", ipa_addr(layout.initrd), initrd, ilen, err, err_size))
		return -1;
	if (add_dtb(p, &vm, &layout, err, err_size))
		return -1;
	p->entry = ipa_addr(layout.kernel);
	return 0;
fail:
	free(kernel);
	free(initrd);
	return -1;
}

static int plan_elf(const struct run_config *c, struct run_plan *p, char *err, size_t err_size)
{
	uint8_t *file = NULL;
	size_t len = 0;
	struct elf_image img;
	char why[256];
	uint64_t page, run_start = 0, run_len = 0;
	uint8_t *run = NULL;
	bool ok;

	if (run_read_file(c->elf, FILE_MAX, &file, &len, err, err_size))
		return -1;
	if (elf_image_parse(file, len, c->mem_base, c->mem_size, &img, why, sizeof(why))) {
		snprintf(err, err_size, "%s: %s", c->elf, why);
		goto fail;
	}
	if (c->with_dtb && img.end > c->mem_base + c->mem_size - MANIFEST_FDT_WINDOW) {
		snprintf(err, err_size, "%s: the image (up to 0x%llx) reaches into the device-tree "
			 "window at 0x%llx (the top 2 MiB of memory)", c->elf, (ull)img.end,
			 (ull)(c->mem_base + c->mem_size - MANIFEST_FDT_WINDOW));
		goto fail;
	}
	/* The ELF's pages ascending, gathered into runs of consecutive pages. */
	for (ok = elf_image_next_page(&img, img.start, &page); ok;
	     ok = elf_image_next_page(&img, page + RUN_PAGE, &page)) {
		if (run && page != run_start + run_len) {
			if (add_blob(p, "ELF", run_start, run, run_len, err, err_size))
				goto fail;
			run = NULL;
		}
		if (!run) {
			run = malloc((size_t)(img.end - page));
			if (!run) {
				snprintf(err, err_size, "out of memory");
				goto fail;
			}
			run_start = page;
			run_len = 0;
		}
		if (elf_image_page(&img, file, len, page, run + run_len)) {
			snprintf(err, err_size, "%s: page 0x%llx could not be read", c->elf, (ull)page);
			free(run);
			goto fail;
		}
		run_len += RUN_PAGE;
	}
	if (run && add_blob(p, "ELF", run_start, run, run_len, err, err_size))
		goto fail;
	free(file);
	file = NULL;
	p->entry = img.entry;
	if (c->with_dtb) {
		struct manifest_vm vm;
		struct vm_boot_layout layout;

		make_vm(c, 0, 0, &vm);
		memset(&layout, 0, sizeof(layout));
		layout.fdt = ipa_init(c->mem_base + c->mem_size - MANIFEST_FDT_WINDOW);
		layout.fdt_max = MANIFEST_FDT_WINDOW;
		return add_dtb(p, &vm, &layout, err, err_size);
	}
	return 0;
fail:
	free(file);
	return -1;
}

int run_plan_build(const struct run_config *c, struct run_plan *p, char *err, size_t err_size)
{
	uint64_t end;

	memset(p, 0, sizeof(*p));
	if (!c->kernel == !c->elf) {
		snprintf(err, err_size, "give exactly one of --kernel and --elf");
		return -1;
	}
	if ((c->mem_base | c->mem_size) & (MEM_ALIGN - 1) || c->mem_size == 0) {
		snprintf(err, err_size, "memory 0x%llx + 0x%llx: base and size must be non-zero "
			 "multiples of 2 MiB", (ull)c->mem_base, (ull)c->mem_size);
		return -1;
	}
	if (c->mem_base < IPA_MIN || __builtin_add_overflow(c->mem_base, c->mem_size, &end) ||
	    end > IPA_LIMIT) {
		snprintf(err, err_size, "memory 0x%llx + 0x%llx: must lie in [1 GiB, 1 TiB) of the "
			 "VM's address space", (ull)c->mem_base, (ull)c->mem_size);
		return -1;
	}
	if (c->vcpus < 1 || c->vcpus > RUN_VCPUS_MAX) {
		snprintf(err, err_size, "vcpus %u: must be 1..%u", c->vcpus, RUN_VCPUS_MAX);
		return -1;
	}
	if (c->cmdline && strlen(c->cmdline) > RUN_CMDLINE_MAX) {
		snprintf(err, err_size, "command line: %zu bytes, at most %u", strlen(c->cmdline),
			 RUN_CMDLINE_MAX);
		return -1;
	}
	if ((c->kernel || c->with_dtb) && c->mem_size <= MANIFEST_FDT_WINDOW) {
		snprintf(err, err_size, "memory 0x%llx: too small for the image and the 2 MiB "
			 "device-tree window", (ull)c->mem_size);
		return -1;
	}
	if (c->elf && c->initrd) {
		snprintf(err, err_size, "--initrd goes with --kernel only");
		return -1;
	}
	p->mem_base = c->mem_base;
	p->mem_size = c->mem_size;
	p->vcpus = c->vcpus;
	p->debug = c->debug;
	if ((c->kernel ? plan_linux(c, p, err, err_size) : plan_elf(c, p, err, err_size))) {
		run_plan_free(p);
		return -1;
	}
	return 0;
}

void run_plan_free(struct run_plan *p)
{
	for (unsigned i = 0; i < p->count; i++)
		free(p->blob[i].data);
	p->count = 0;
}

uint64_t run_plan_content_pages(const struct run_plan *p)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < p->count; i++)
		n += (p->blob[i].size + RUN_PAGE - 1) / RUN_PAGE;
	return n;
}
