// SPDX-License-Identifier: GPL-2.0
/*
 * palisade.ko: the Linux host driver for Palisade protected VMs (docs/host-linux.md).
 *
 * Linux runs as Palisade's host VM (VM id 1) at EL1; this driver reaches the hypervisor
 * only through HVC #0 with the function IDs of docs/hypercalls.md and exposes them as
 * ioctls (palisade_uapi.h): /dev/palisade creates VMs, each VM is a file descriptor.
 *
 * Memory: the driver never hands the hypervisor a page of a user mapping. It allocates
 * every page a VM gets itself (alloc_pages, up to 2 MiB per physically contiguous
 * chunk) and copies the user's content into them; one VM_LOAD per chunk. So no user
 * mapping, core dump, /proc/pid/mem read, page migration or KSM pass can ever touch a
 * page whose stage-2 mapping the hypervisor has removed (that would be an external abort
 * in the kernel), and the hypervisor can use 2 MiB block mappings. The metadata (the
 * VM's stage-2 tables) is one physically contiguous alloc_pages block of the order
 * needed for 8 + mem/2 MiB + mem/1 GiB pages. Every page is on the VM's lists until
 * VM_DESTROY has given it back zeroed; only then is it freed. If VM_DESTROY ever failed,
 * the pages would be leaked on purpose (counted in debugfs), never freed while the
 * hypervisor may still hand them to the pVM.
 *
 * Locking: vm->lock (mutex) serialises the launch ioctls and teardown; vm->run_sem is
 * held for reading around each VCPU_RUN / VM_IRQ_LINE hypercall and for writing around
 * the state changes START and DESTROY, so no hypercall can name a VM id after it was
 * destroyed (ids are reused). A VCPU_RUN hypercall returns within one host timer tick
 * (any interrupt for the host ends it), so DESTROY never waits long.
 * Lock order: pal_vms_lock -> vm->lock -> vm->run_sem.
 */
#include <linux/anon_inodes.h>
#include <linux/arm-smccc.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/sysreg.h>

#include "palisade_uapi.h"

/*
 * The hypercall ABI, copied from docs/hypercalls.md (generated from
 * hyp/abi/hypercalls.toml; the C names match build/generated/include/palisade/
 * hypercall_abi.h and error.h). SMCCC 1.1 SMC64 fast calls, HVC #0; unused argument
 * registers up to x6 must be zero, which is why every call below passes six arguments.
 */
#define PAL_HC_VERSION          0xC6000000u
#define PAL_HC_CALLER_ID        0xC6000001u
#define PAL_HC_MEM_QUERY        0xC6000106u
#define PAL_HC_VM_CREATE        0xC6000200u
#define PAL_HC_VM_LOAD          0xC6000201u
#define PAL_HC_VM_SET_BOOT      0xC6000202u
#define PAL_HC_VM_START         0xC6000203u
#define PAL_HC_VCPU_RUN         0xC6000204u
#define PAL_HC_VM_IRQ_LINE      0xC6000205u
#define PAL_HC_VM_DESTROY       0xC6000206u

#define PAL_OK                  0
#define PAL_E_NOT_SUPPORTED     (-1)
#define PAL_E_INVALID           (-2)
#define PAL_E_DENIED            (-3)
#define PAL_E_NO_MEMORY         (-4)
#define PAL_E_BUSY              (-5)
#define PAL_E_STATE             (-6)
#define PAL_E_NOT_FOUND         (-7)
#define PAL_E_RANGE             (-8)
#define PAL_E_CRYPTO            (-9)

#define PAL_ABI_MAJOR           0
#define PAL_ABI_MINOR_MIN       3       /* the launch API */
#define PAL_ABI_MINOR_MMIO_ABORT 4      /* VCPU_RUN x4 mmio_flags bit 0 */
#define PAL_VM_CREATE_DEBUG     (1u << 8)
#define PAL_VCPUS_MAX           8

#define SZ_2M_U64               ((u64)2 << 20)
#define SZ_1G_U64               ((u64)1 << 30)
#define PAL_IPA_MIN             SZ_1G_U64
#define PAL_IPA_LIMIT           ((u64)1 << 40)
#define PAL_CHUNK_ORDER_MAX     min(9, MAX_ORDER - 1)   /* 2 MiB: a stage-2 block */
#define PAL_META_ORDER_MAX      (MAX_ORDER - 1)

static bool check_zero;
module_param(check_zero, bool, 0644);
MODULE_PARM_DESC(check_zero, "after VM_DESTROY, check that every page came back zeroed (counted in debugfs stats)");

static bool test_physmap;
module_param(test_physmap, bool, 0444);
MODULE_PARM_DESC(test_physmap, "TESTS ONLY: let CAP_SYS_RAWIO map pages the driver gave a VM (mmap of /dev/palisade at their physical address) to prove the hypervisor refuses host access");

/* Module-wide counters (debugfs "stats"). */
static atomic64_t st_vms_created, st_vms_destroyed, st_vms_live;
static atomic64_t st_pages_held, st_pages_allocated, st_pages_freed, st_pages_leaked;
static atomic64_t st_pages_checked, st_pages_nonzero, st_pages_quarantined;
static atomic64_t st_exits, st_exits_mmio, st_exits_halt, st_exits_interrupted;
static atomic64_t st_run_eintr;

static u32 pal_abi, pal_hyp_version;

static LIST_HEAD(pal_vms);
static DEFINE_MUTEX(pal_vms_lock);

struct pal_chunk {
	struct list_head node;
	struct page *page;
	unsigned int order;
	u64 ipa;
	u32 flags;              /* PALISADE_LOAD_* it was loaded with */
};

struct pal_vm {
	struct list_head node;  /* on pal_vms */
	struct mutex lock;
	struct rw_semaphore run_sem;
	int state;              /* PALISADE_VM_STATE_* */
	u16 id;
	unsigned int vcpus;
	u32 flags;
	u64 mem_base, mem_size;
	struct page *meta;
	unsigned int meta_order;
	u64 meta_pages;         /* donated: the first meta_pages of the block */
	struct list_head chunks;        /* given to the VM */
	unsigned long *given;           /* one bit per guest page */
	u64 pages_given;
	bool boot_set;
	bool leaked;
	atomic64_t exits;
	atomic_t *vcpu_busy;
};

static long pal_hvc(u32 fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6,
		    struct arm_smccc_res *res)
{
	arm_smccc_1_1_hvc(fn, a1, a2, a3, a4, a5, a6, res);
	return (long)res->a0;
}

static int pal_errno(long rc)
{
	switch (rc) {
	case PAL_OK:              return 0;
	case PAL_E_NOT_SUPPORTED: return -EOPNOTSUPP;
	case PAL_E_INVALID:       return -EINVAL;
	case PAL_E_DENIED:        return -EPERM;
	case PAL_E_NO_MEMORY:     return -ENOMEM;
	case PAL_E_BUSY:          return -EEXIST;
	case PAL_E_STATE:         return -EBADFD;
	case PAL_E_NOT_FOUND:     return -ENOENT;
	case PAL_E_RANGE:         return -ERANGE;
	default:                  return -EIO;
	}
}

static bool pal_has_mmio_abort(void)
{
	return (pal_abi >> 16) == PAL_ABI_MAJOR && (pal_abi & 0xffff) >= PAL_ABI_MINOR_MMIO_ABORT;
}

/* ------------------------------------------------------------------ pages */

static void pal_clean_dcache(void *addr, size_t len)
{
	/* The pVM starts with its MMU off (non-cacheable accesses): content written through
	 * the kernel's cacheable mapping must reach the point of coherency first. */
	u64 ctr = read_sysreg(ctr_el0);
	unsigned long line = 4ul << ((ctr >> 16) & 0xf);
	unsigned long p = (unsigned long)addr & ~(line - 1), end = (unsigned long)addr + len;

	for (; p < end; p += line)
		asm volatile("dc civac, %0" : : "r"(p) : "memory");
	dsb(sy);
}

/*
 * Before a page the hypervisor gave back goes to Linux: is it really the host's again,
 * mapped read/write in its stage 2 (MEM_QUERY: owned by VM 1, perms RW)? A page that is
 * not would take an external abort on the kernel's first access, so it is kept out of
 * Linux for good (counted as quarantined) instead.
 */
static bool pal_block_is_hosts(struct page *page, unsigned int order)
{
	struct arm_smccc_res res;
	u64 n = 1ull << order;

	for (u64 i = 0; i < n; i++) {
		phys_addr_t pa = page_to_phys(page + i);

		if (pal_hvc(PAL_HC_MEM_QUERY, pa, 0, 0, 0, 0, 0, &res) != PAL_OK ||
		    (res.a2 & 0xffff) != 1 || (res.a3 & 3) != 3) {
			pr_err_ratelimited("palisade: page 0x%llx came back without host access "
					   "(state 0x%lx parties 0x%lx perms 0x%lx): quarantined\n",
					   (u64)pa, res.a1, res.a2, res.a3);
			return false;
		}
	}
	return true;
}

static void pal_free_block(struct page *page, unsigned int order)
{
	u64 n = 1ull << order;

	if (!pal_block_is_hosts(page, order)) {
		atomic64_sub(n, &st_pages_held);
		atomic64_add(n, &st_pages_quarantined);
		return;
	}
	if (check_zero) {
		for (u64 i = 0; i < n; i++) {
			void *va = page_address(page + i);

			atomic64_inc(&st_pages_checked);
			if (memchr_inv(va, 0, PAGE_SIZE))
				atomic64_inc(&st_pages_nonzero);
		}
	}
	__free_pages(page, order);
	atomic64_sub(n, &st_pages_held);
	atomic64_add(n, &st_pages_freed);
}

static struct page *pal_alloc_block(unsigned int order)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ACCOUNT;
	struct page *page;

	if (order)
		gfp |= __GFP_NORETRY | __GFP_NOWARN;
	page = alloc_pages(gfp, order);
	if (page) {
		atomic64_add(1ull << order, &st_pages_held);
		atomic64_add(1ull << order, &st_pages_allocated);
	}
	return page;
}

/* ------------------------------------------------------------------ VM lifecycle */

static void pal_vm_free_pages(struct pal_vm *vm)
{
	struct pal_chunk *c, *t;

	list_for_each_entry_safe(c, t, &vm->chunks, node) {
		list_del(&c->node);
		if (vm->leaked)
			atomic64_add(1ull << c->order, &st_pages_leaked);
		else
			pal_free_block(c->page, c->order);
		kfree(c);
	}
	if (vm->meta) {
		if (vm->leaked)
			atomic64_add(1ull << vm->meta_order, &st_pages_leaked);
		else
			pal_free_block(vm->meta, vm->meta_order);
		vm->meta = NULL;
	}
}

/* VM_DESTROY, then every page back to Linux. Called with vm->lock held. */
static int pal_vm_teardown(struct pal_vm *vm)
{
	struct arm_smccc_res res;
	long rc = PAL_OK;

	if (vm->state == PALISADE_VM_STATE_DESTROYED)
		return -ENODEV;
	down_write(&vm->run_sem);
	if (vm->id)
		rc = pal_hvc(PAL_HC_VM_DESTROY, vm->id, 0, 0, 0, 0, 0, &res);
	vm->state = PALISADE_VM_STATE_DESTROYED;
	up_write(&vm->run_sem);
	if (rc != PAL_OK) {
		/* The hypervisor may still own the pages: never give them back to Linux. */
		pr_err("palisade: VM_DESTROY of VM %u failed (%ld): leaking its pages\n", vm->id, rc);
		vm->leaked = true;
	}
	pal_vm_free_pages(vm);
	atomic64_dec(&st_vms_live);
	atomic64_inc(&st_vms_destroyed);
	return rc == PAL_OK ? 0 : -EIO;
}

static int pal_vm_release(struct inode *inode, struct file *file)
{
	struct pal_vm *vm = file->private_data;

	mutex_lock(&vm->lock);
	if (vm->state != PALISADE_VM_STATE_DESTROYED)
		pal_vm_teardown(vm);
	mutex_unlock(&vm->lock);
	mutex_lock(&pal_vms_lock);
	list_del(&vm->node);
	mutex_unlock(&pal_vms_lock);
	bitmap_free(vm->given);
	kfree(vm->vcpu_busy);
	kfree(vm);
	return 0;
}

static long pal_vm_load(struct pal_vm *vm, void __user *argp)
{
	struct palisade_load l;
	struct arm_smccc_res res;
	struct pal_chunk *c, *t;
	LIST_HEAD(fresh);
	bool measure;
	u64 first, pages, done = 0;
	long ret = 0;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	measure = l.flags & PALISADE_LOAD_MEASURE;
	if (l.reserved || (l.flags & ~(PALISADE_LOAD_MEASURE | PALISADE_LOAD_LEND)) ||
	    !l.size || (l.guest_addr & ~PAGE_MASK) || measure != (l.user_addr != 0))
		return -EINVAL;
	if (l.guest_addr < vm->mem_base || l.guest_addr - vm->mem_base >= vm->mem_size ||
	    l.size > vm->mem_size - (l.guest_addr - vm->mem_base))
		return -ERANGE;
	if (measure && !access_ok((void __user *)(uintptr_t)l.user_addr, l.size))
		return -EFAULT;
	first = (l.guest_addr - vm->mem_base) >> PAGE_SHIFT;
	pages = DIV_ROUND_UP(l.size, PAGE_SIZE);

	mutex_lock(&vm->lock);
	if (vm->state != PALISADE_VM_STATE_CREATED) {
		ret = vm->state == PALISADE_VM_STATE_DESTROYED ? -ENODEV : -EBADFD;
		goto out;
	}
	if (find_next_bit(vm->given, first + pages, first) < first + pages) {
		ret = -EEXIST;
		goto out;
	}
	/* Allocate and fill every chunk first: a failure here gives the VM nothing. */
	while (done < pages) {
		unsigned int order = min_t(unsigned int, ilog2(pages - done), PAL_CHUNK_ORDER_MAX);
		struct page *page;

		while (!(page = pal_alloc_block(order)) && order)
			order--;
		c = page ? kmalloc(sizeof(*c), GFP_KERNEL) : NULL;
		if (!c) {
			if (page)
				pal_free_block(page, order);
			ret = -ENOMEM;
			goto undo;
		}
		c->page = page;
		c->order = order;
		c->ipa = l.guest_addr + (done << PAGE_SHIFT);
		c->flags = l.flags;
		list_add_tail(&c->node, &fresh);
		if (measure) {
			u64 off = done << PAGE_SHIFT, len = PAGE_SIZE << order;
			u64 n = min(l.size - off, len);
			void *va = page_address(page);

			if (copy_from_user(va, (void __user *)(uintptr_t)(l.user_addr + off), n)) {
				ret = -EFAULT;
				goto undo;
			}
			memset(va + n, 0, len - n);
			pal_clean_dcache(va, len);
		}
		done += 1ull << order;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto undo;
		}
		cond_resched();
	}
	/* Then give them away in ascending order: one VM_LOAD per contiguous chunk. */
	list_for_each_entry_safe(c, t, &fresh, node) {
		u64 n = 1ull << c->order;
		long rc = pal_hvc(PAL_HC_VM_LOAD, vm->id, page_to_phys(c->page), n, c->ipa,
				  l.flags, 0, &res);

		if (rc != PAL_OK) {
			pr_warn_ratelimited("palisade: VM %u: VM_LOAD of 0x%llx (%llu pages) failed: %ld\n",
					    vm->id, c->ipa, n, rc);
			ret = pal_errno(rc);
			break;
		}
		list_move_tail(&c->node, &vm->chunks);
		bitmap_set(vm->given, (c->ipa - vm->mem_base) >> PAGE_SHIFT, n);
		vm->pages_given += n;
	}
undo:
	list_for_each_entry_safe(c, t, &fresh, node) {
		list_del(&c->node);
		pal_free_block(c->page, c->order);
		kfree(c);
	}
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static long pal_vm_set_boot(struct pal_vm *vm, void __user *argp)
{
	struct palisade_boot b;
	struct arm_smccc_res res;
	long ret;

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	if (b.entry & 3)
		return -EINVAL;
	if (b.entry < vm->mem_base || b.entry - vm->mem_base >= vm->mem_size)
		return -ERANGE;
	mutex_lock(&vm->lock);
	if (vm->state != PALISADE_VM_STATE_CREATED || vm->boot_set) {
		ret = vm->state == PALISADE_VM_STATE_DESTROYED ? -ENODEV : -EBADFD;
	} else {
		ret = pal_errno(pal_hvc(PAL_HC_VM_SET_BOOT, vm->id, b.entry, b.arg, 0, 0, 0, &res));
		if (!ret)
			vm->boot_set = true;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static long pal_vm_start(struct pal_vm *vm, void __user *argp)
{
	struct palisade_start s;
	struct arm_smccc_res res;
	u8 *buf;
	long ret;

	/* The hypervisor writes the measurement into host memory: 8-byte aligned, in one
	 * page (kmalloc(64) is both). */
	buf = kzalloc(64, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	if (vm->state != PALISADE_VM_STATE_CREATED) {
		ret = vm->state == PALISADE_VM_STATE_DESTROYED ? -ENODEV : -EBADFD;
	} else if (!vm->boot_set || vm->pages_given != vm->mem_size >> PAGE_SHIFT) {
		ret = -EBADFD;
	} else {
		down_write(&vm->run_sem);
		ret = pal_errno(pal_hvc(PAL_HC_VM_START, vm->id, virt_to_phys(buf), 0, 0, 0, 0, &res));
		if (!ret)
			vm->state = PALISADE_VM_STATE_STARTED;
		up_write(&vm->run_sem);
	}
	mutex_unlock(&vm->lock);
	if (!ret) {
		memcpy(s.measurement, buf, sizeof(s.measurement));
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;   /* started all the same; the log has the value */
	}
	kfree(buf);
	return ret;
}

/* The state a RUN or IRQ_LINE may act in, read under run_sem. */
static int pal_vm_runnable(struct pal_vm *vm)
{
	switch (READ_ONCE(vm->state)) {
	case PALISADE_VM_STATE_STARTED:
		return 0;
	case PALISADE_VM_STATE_DESTROYED:
		return -ENODEV;
	default:
		return -EBADFD;
	}
}

static long pal_vcpu_run(struct pal_vm *vm, void __user *argp)
{
	struct palisade_run r;
	struct arm_smccc_res res;
	u64 data, flags;
	long ret;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (r.flags & ~PALISADE_RUN_MMIO_ABORT)
		return -EINVAL;
	if ((r.flags & PALISADE_RUN_MMIO_ABORT) && !pal_has_mmio_abort())
		return -EOPNOTSUPP;
	if (r.vcpu >= vm->vcpus)
		return -EINVAL;
	if (atomic_cmpxchg(&vm->vcpu_busy[r.vcpu], 0, 1) != 0)
		return -EBUSY;
	data = r.mmio_data;
	flags = r.flags;
	for (;;) {
		long hrc = PAL_OK;
		u32 reason;

		if (signal_pending(current)) {
			atomic64_inc(&st_run_eintr);
			ret = -EINTR;
			break;
		}
		down_read(&vm->run_sem);
		ret = pal_vm_runnable(vm);
		if (!ret)
			hrc = pal_hvc(PAL_HC_VCPU_RUN, vm->id, r.vcpu, data, flags, 0, 0, &res);
		up_read(&vm->run_sem);
		if (!ret)
			ret = pal_errno(hrc);
		if (ret)
			break;
		/* The pending access (if any) is complete: never pass its value twice. */
		data = 0;
		flags = 0;
		reason = res.a1 & 0xff;
		atomic64_inc(&vm->exits);
		atomic64_inc(&st_exits);
		if (reason == PALISADE_EXIT_HALT || reason == PALISADE_EXIT_INTERRUPTED) {
			atomic64_inc(reason == PALISADE_EXIT_HALT ? &st_exits_halt : &st_exits_interrupted);
			cond_resched();
			continue;
		}
		if (reason == PALISADE_EXIT_MMIO)
			atomic64_inc(&st_exits_mmio);
		if (reason == PALISADE_EXIT_SHUTDOWN)
			cmpxchg(&vm->state, PALISADE_VM_STATE_STARTED, PALISADE_VM_STATE_SHUTDOWN);
		r.reason = reason;
		r.mmio_size = (res.a1 >> 8) & 0xf;
		r.mmio_write = (res.a1 >> 12) & 1;
		r.reserved = 0;
		r.addr = res.a2;
		r.data = res.a3;
		ret = copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
		break;
	}
	atomic_set(&vm->vcpu_busy[r.vcpu], 0);
	return ret;
}

static long pal_vm_irq_line(struct pal_vm *vm, void __user *argp)
{
	struct palisade_irq_line l;
	struct arm_smccc_res res;
	long ret;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (l.intid < 32 || l.intid > 63 || l.level > 1)
		return -EINVAL;
	down_read(&vm->run_sem);
	ret = pal_vm_runnable(vm);
	if (!ret)
		ret = pal_errno(pal_hvc(PAL_HC_VM_IRQ_LINE, vm->id, l.intid, l.level, 0, 0, 0, &res));
	up_read(&vm->run_sem);
	return ret;
}

static long pal_vm_info(struct pal_vm *vm, void __user *argp)
{
	struct palisade_vm_info i;

	memset(&i, 0, sizeof(i));
	mutex_lock(&vm->lock);
	i.vm_id = vm->id;
	i.state = READ_ONCE(vm->state);
	i.vcpus = vm->vcpus;
	i.flags = vm->flags;
	i.mem_base = vm->mem_base;
	i.mem_size = vm->mem_size;
	i.pages_given = vm->pages_given;
	i.metadata_pages = vm->meta_pages;
	i.exits = atomic64_read(&vm->exits);
	mutex_unlock(&vm->lock);
	return copy_to_user(argp, &i, sizeof(i)) ? -EFAULT : 0;
}

static long pal_vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pal_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	switch (cmd) {
	case PALISADE_VM_LOAD:
		return pal_vm_load(vm, argp);
	case PALISADE_VM_SET_BOOT:
		return pal_vm_set_boot(vm, argp);
	case PALISADE_VM_START:
		return pal_vm_start(vm, argp);
	case PALISADE_VCPU_RUN:
		return pal_vcpu_run(vm, argp);
	case PALISADE_VM_IRQ_LINE:
		return pal_vm_irq_line(vm, argp);
	case PALISADE_VM_INFO:
		return pal_vm_info(vm, argp);
	case PALISADE_VM_DESTROY:
		/* _IO: no argument. Not checked for zero: ioctl(fd, PALISADE_VM_DESTROY)
		 * without a third argument passes whatever the register held. */
		mutex_lock(&vm->lock);
		ret = pal_vm_teardown(vm);
		mutex_unlock(&vm->lock);
		return ret;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pal_vm_fops = {
	.owner = THIS_MODULE,
	.release = pal_vm_release,
	.unlocked_ioctl = pal_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static u64 pal_meta_pages_needed(u64 mem_size)
{
	return 8 + mem_size / SZ_2M_U64 + mem_size / SZ_1G_U64;
}

static long pal_create_vm(void __user *argp)
{
	struct palisade_create_vm c;
	struct arm_smccc_res res;
	struct pal_vm *vm;
	struct file *file;
	unsigned int order;
	u64 meta_pages, config;
	long rc;
	int fd;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.vcpus < 1 || c.vcpus > PAL_VCPUS_MAX ||
	    (c.flags & ~PALISADE_VM_DEBUG) || c.vm_id || c.metadata_pages ||
	    ((c.mem_base | c.mem_size) & (SZ_2M_U64 - 1)) || !c.mem_size)
		return -EINVAL;
	if (c.mem_base < PAL_IPA_MIN || c.mem_base >= PAL_IPA_LIMIT ||
	    c.mem_size > PAL_IPA_LIMIT - c.mem_base)
		return -ERANGE;
	meta_pages = pal_meta_pages_needed(c.mem_size);
	order = get_order(meta_pages << PAGE_SHIFT);
	if (order > PAL_META_ORDER_MAX)
		return -E2BIG;      /* more than one buddy block of metadata */
	if ((c.mem_size >> PAGE_SHIFT) + meta_pages > totalram_pages())
		return -ENOMEM;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	init_rwsem(&vm->run_sem);
	INIT_LIST_HEAD(&vm->chunks);
	INIT_LIST_HEAD(&vm->node);
	atomic64_set(&vm->exits, 0);
	vm->state = PALISADE_VM_STATE_CREATED;
	vm->vcpus = c.vcpus;
	vm->flags = c.flags;
	vm->mem_base = c.mem_base;
	vm->mem_size = c.mem_size;
	vm->given = bitmap_zalloc(c.mem_size >> PAGE_SHIFT, GFP_KERNEL);
	vm->vcpu_busy = kcalloc(c.vcpus, sizeof(*vm->vcpu_busy), GFP_KERNEL);
	vm->meta = pal_alloc_block(order);
	if (!vm->given || !vm->vcpu_busy || !vm->meta) {
		rc = -ENOMEM;
		goto fail;
	}
	vm->meta_order = order;
	vm->meta_pages = meta_pages;
	/* The metadata must not hold stale host data the hypervisor could trip on; it zeroes
	 * tables itself, but be tidy. */
	memset(page_address(vm->meta), 0, PAGE_SIZE << order);

	config = c.vcpus | ((c.flags & PALISADE_VM_DEBUG) ? PAL_VM_CREATE_DEBUG : 0);
	rc = pal_hvc(PAL_HC_VM_CREATE, config, c.mem_base, c.mem_size, page_to_phys(vm->meta),
		     meta_pages, 0, &res);
	if (rc != PAL_OK) {
		/* Refused before anything moved (the call is all or nothing). */
		rc = pal_errno(rc);
		goto fail;
	}
	vm->id = (u16)res.a1;
	atomic64_inc(&st_vms_created);
	atomic64_inc(&st_vms_live);
	mutex_lock(&pal_vms_lock);
	list_add_tail(&vm->node, &pal_vms);
	mutex_unlock(&pal_vms_lock);

	c.vm_id = vm->id;
	c.metadata_pages = (u32)meta_pages;
	/* The VM belongs to its file from here on: closing it (or failing to make it)
	 * destroys the VM. The fd number is published only once user space has its id. */
	file = anon_inode_getfile("palisade-vm", &pal_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		mutex_lock(&vm->lock);
		pal_vm_teardown(vm);
		mutex_unlock(&vm->lock);
		mutex_lock(&pal_vms_lock);
		list_del(&vm->node);
		mutex_unlock(&pal_vms_lock);
		bitmap_free(vm->given);
		kfree(vm->vcpu_busy);
		kfree(vm);
		return PTR_ERR(file);
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0 || copy_to_user(argp, &c, sizeof(c))) {
		if (fd >= 0)
			put_unused_fd(fd);
		fput(file);             /* release: destroys the VM */
		return fd < 0 ? fd : -EFAULT;
	}
	fd_install(fd, file);
	return fd;
fail:
	if (vm->meta)
		pal_free_block(vm->meta, order);
	bitmap_free(vm->given);
	kfree(vm->vcpu_busy);
	kfree(vm);
	return rc;
}

static long pal_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PALISADE_GET_VERSION: {
		struct palisade_version v = {
			.uapi = PALISADE_UAPI_VERSION,
			.abi = pal_abi,
			.hyp_version = pal_hyp_version,
			.caps = (pal_has_mmio_abort() ? PALISADE_CAP_MMIO_ABORT : 0) |
				(test_physmap ? PALISADE_CAP_TEST_PHYSMAP : 0),
		};

		return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case PALISADE_CREATE_VM:
		return pal_create_vm(argp);
	default:
		return -ENOTTY;
	}
}

/* ------------------------------------------------------------------ test_physmap */

static bool pal_pfn_held(unsigned long pfn)
{
	struct pal_vm *vm;
	struct pal_chunk *c;
	bool held = false;

	mutex_lock(&pal_vms_lock);
	list_for_each_entry(vm, &pal_vms, node) {
		mutex_lock(&vm->lock);
		if (vm->state != PALISADE_VM_STATE_DESTROYED) {
			if (vm->meta && pfn >= page_to_pfn(vm->meta) &&
			    pfn < page_to_pfn(vm->meta) + vm->meta_pages)
				held = true;
			list_for_each_entry(c, &vm->chunks, node) {
				unsigned long p = page_to_pfn(c->page);

				if (pfn >= p && pfn < p + (1ul << c->order))
					held = true;
			}
		}
		mutex_unlock(&vm->lock);
		if (held)
			break;
	}
	mutex_unlock(&pal_vms_lock);
	return held;
}

/*
 * Tests only (test_physmap=1, CAP_SYS_RAWIO): maps one page the driver gave a live VM
 * into the caller at its physical address, so a test can show that the *hypervisor*
 * refuses the access (SIGBUS from the external abort it injects). /dev/mem cannot show
 * this: CONFIG_STRICT_DEVMEM refuses every RAM page before the hypervisor is asked.
 */
static int pal_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pfn = vma->vm_pgoff;

	if (!test_physmap || !capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (vma->vm_end - vma->vm_start != PAGE_SIZE || !pal_pfn_held(pfn))
		return -EINVAL;
	vma->vm_flags |= VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	return remap_pfn_range(vma, vma->vm_start, pfn, PAGE_SIZE, vma->vm_page_prot);
}

static const struct file_operations pal_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pal_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pal_dev_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice pal_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "palisade",
	.fops = &pal_dev_fops,
	.mode = 0600,
};

/* ------------------------------------------------------------------ debugfs */

static int pal_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "abi %u.%u\nhyp_version 0x%x\n", pal_abi >> 16, pal_abi & 0xffff,
		   pal_hyp_version);
	seq_printf(m, "vms_created %lld\nvms_destroyed %lld\nvms_live %lld\n",
		   atomic64_read(&st_vms_created), atomic64_read(&st_vms_destroyed),
		   atomic64_read(&st_vms_live));
	seq_printf(m, "pages_held %lld\npages_allocated %lld\npages_freed %lld\npages_leaked %lld\n",
		   atomic64_read(&st_pages_held), atomic64_read(&st_pages_allocated),
		   atomic64_read(&st_pages_freed), atomic64_read(&st_pages_leaked));
	seq_printf(m, "pages_checked_zero %lld\npages_nonzero %lld\npages_quarantined %lld\n",
		   atomic64_read(&st_pages_checked), atomic64_read(&st_pages_nonzero),
		   atomic64_read(&st_pages_quarantined));
	seq_printf(m, "exits %lld\nexits_mmio %lld\nexits_halt %lld\nexits_interrupted %lld\nrun_eintr %lld\n",
		   atomic64_read(&st_exits), atomic64_read(&st_exits_mmio),
		   atomic64_read(&st_exits_halt), atomic64_read(&st_exits_interrupted),
		   atomic64_read(&st_run_eintr));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pal_stats);

static int pal_pages_show(struct seq_file *m, void *v)
{
	static const char *const states[] = { "?", "created", "started", "shutdown", "destroyed" };
	struct pal_vm *vm;
	struct pal_chunk *c;

	mutex_lock(&pal_vms_lock);
	list_for_each_entry(vm, &pal_vms, node) {
		mutex_lock(&vm->lock);
		seq_printf(m, "vm %u state %s mem 0x%llx+0x%llx given %llu\n", vm->id,
			   states[vm->state <= 4 ? vm->state : 0], vm->mem_base, vm->mem_size,
			   vm->pages_given);
		if (vm->meta)
			seq_printf(m, "vm %u meta pa 0x%llx pages %llu\n", vm->id,
				   (u64)page_to_phys(vm->meta), vm->meta_pages);
		list_for_each_entry(c, &vm->chunks, node)
			seq_printf(m, "vm %u %s ipa 0x%llx pa 0x%llx pages %lu\n", vm->id,
				   (c->flags & PALISADE_LOAD_MEASURE) ? "content" : "memory", c->ipa,
				   (u64)page_to_phys(c->page), 1ul << c->order);
		mutex_unlock(&vm->lock);
	}
	mutex_unlock(&pal_vms_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pal_pages);

static struct dentry *pal_debugfs;

/* ------------------------------------------------------------------ module */

static int __init pal_init(void)
{
	struct arm_smccc_res res;
	int rc;

	/* HVC is only safe when something answers it at EL2: Linux learned the conduit from
	 * the device tree's PSCI node, which Palisade sets to "hvc" for its host. */
	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC) {
		pr_info("palisade: no hypervisor conduit (PSCI is not via HVC): not loading\n");
		return -ENODEV;
	}
	if (pal_hvc(PAL_HC_VERSION, 0, 0, 0, 0, 0, 0, &res) != PAL_OK) {
		pr_info("palisade: PAL_VERSION not answered (%ld): not Palisade\n", (long)res.a0);
		return -ENODEV;
	}
	pal_abi = (u32)res.a1;
	pal_hyp_version = (u32)res.a2;
	if ((pal_abi >> 16) != PAL_ABI_MAJOR || (pal_abi & 0xffff) < PAL_ABI_MINOR_MIN) {
		pr_err("palisade: hypervisor ABI %u.%u, this driver needs %u.%u or a later minor\n",
		       pal_abi >> 16, pal_abi & 0xffff, PAL_ABI_MAJOR, PAL_ABI_MINOR_MIN);
		return -ENODEV;
	}
	if (pal_hvc(PAL_HC_CALLER_ID, 0, 0, 0, 0, 0, 0, &res) != PAL_OK || res.a1 != 1) {
		pr_err("palisade: this Linux is not Palisade's host VM (VM id %lu)\n", res.a1);
		return -ENODEV;
	}
	rc = misc_register(&pal_misc);
	if (rc)
		return rc;
	pal_debugfs = debugfs_create_dir("palisade", NULL);
	debugfs_create_file("stats", 0444, pal_debugfs, NULL, &pal_stats_fops);
	debugfs_create_file("pages", 0400, pal_debugfs, NULL, &pal_pages_fops);
	pr_info("palisade: hypervisor ABI %u.%u, /dev/palisade ready%s\n", pal_abi >> 16,
		pal_abi & 0xffff, test_physmap ? " (test_physmap: TEST BUILD BEHAVIOUR)" : "");
	return 0;
}

static void __exit pal_exit(void)
{
	/* Every VM file holds a module reference: none is left here. */
	debugfs_remove_recursive(pal_debugfs);
	misc_deregister(&pal_misc);
}

module_init(pal_init);
module_exit(pal_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Palisade protected VM host driver");
MODULE_VERSION("0.1");
