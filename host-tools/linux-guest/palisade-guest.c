// SPDX-License-Identifier: GPL-2.0
/*
 * palisade-guest.ko: attestation for Linux running as a Palisade protected VM
 * (docs/host-linux.md, "Attestation from a Linux pVM"; docs/attestation.md).
 *
 * /dev/palisade-guest (root only) offers three ioctls (palisade_guest_uapi.h), shaped
 * like Linux's /dev/tdx_guest:
 *   GET_REPORT        64 bytes of report data in, the 760-byte evidence out (PAL_ATTEST)
 *   EXTEND_RMR        runtime register 0..3 extended with a 48-byte digest
 *                     (PAL_MEASURE_EXTEND)
 *   READ_MEASUREMENT  register 0..3, or 4 for the launch measurement (PAL_MEASURE_READ)
 *
 * The hypervisor reads and writes these buffers by guest physical address and accepts
 * only the caller's own private memory, 8-byte aligned and inside one 4 KiB page: the
 * driver keeps one zeroed page of its own (kernel linear map; a pVM's memory is private
 * unless it shares it) and serialises its use with a mutex. The page is wiped after each
 * call. HVC #0 with the function IDs of docs/hypercalls.md; unused argument registers
 * up to x6 are zero.
 */
#include <linux/arm-smccc.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/memory.h>

#include "palisade_guest_uapi.h"

#define PAL_HC_VERSION          0xC6000000u
#define PAL_HC_CALLER_ID        0xC6000001u
#define PAL_HC_ATTEST           0xC6000300u
#define PAL_HC_MEASURE_EXTEND   0xC6000301u
#define PAL_HC_MEASURE_READ     0xC6000302u

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

static DEFINE_MUTEX(pg_lock);
static void *pg_page;           /* one private page: the hypercalls' buffer */
static u32 pg_abi, pg_vm_id;

static long pg_hvc(u32 fn, u64 a1, u64 a2, struct arm_smccc_res *res)
{
	arm_smccc_1_1_hvc(fn, a1, a2, 0, 0, 0, 0, res);
	return (long)res->a0;
}

static int pg_errno(long rc)
{
	switch (rc) {
	case PAL_OK:              return 0;
	case PAL_E_NOT_SUPPORTED: return -EOPNOTSUPP;
	case PAL_E_INVALID:       return -EINVAL;
	case PAL_E_DENIED:        return -EPERM;
	case PAL_E_NO_MEMORY:     return -ENOMEM;
	case PAL_E_BUSY:          return -EBUSY;
	case PAL_E_STATE:         return -EBADFD;   /* no attestation key */
	case PAL_E_NOT_FOUND:     return -ENOENT;
	case PAL_E_RANGE:         return -EFAULT;
	case PAL_E_CRYPTO:        return -EIO;
	default:                  return -EIO;
	}
}

static long pg_get_report(void __user *argp)
{
	struct palisade_guest_report_req *req;
	struct arm_smccc_res res;
	long ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	if (copy_from_user(req, argp, sizeof(*req))) {
		ret = -EFAULT;
		goto out;
	}
	if (req->reserved || req->evidence_len) {
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&pg_lock);
	memset(pg_page, 0, PAGE_SIZE);
	memcpy(pg_page, req->report_data, sizeof(req->report_data));
	ret = pg_errno(pg_hvc(PAL_HC_ATTEST, virt_to_phys(pg_page), PAGE_SIZE, &res));
	if (!ret && (res.a1 < 1 || res.a1 > sizeof(req->evidence)))
		ret = -EIO;
	if (!ret) {
		memcpy(req->evidence, pg_page, res.a1);
		req->evidence_len = (u32)res.a1;
	}
	memset(pg_page, 0, PAGE_SIZE);
	mutex_unlock(&pg_lock);
	if (!ret && copy_to_user(argp, req, sizeof(*req)))
		ret = -EFAULT;
out:
	kfree(req);
	return ret;
}

static long pg_extend(void __user *argp)
{
	struct palisade_guest_extend_req req;
	struct arm_smccc_res res;
	long ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.index >= PALISADE_GUEST_RMR_COUNT)
		return -EINVAL;
	mutex_lock(&pg_lock);
	memcpy(pg_page, req.digest, sizeof(req.digest));
	ret = pg_errno(pg_hvc(PAL_HC_MEASURE_EXTEND, req.index, virt_to_phys(pg_page), &res));
	memset(pg_page, 0, PAGE_SIZE);
	mutex_unlock(&pg_lock);
	return ret;
}

static long pg_read(void __user *argp)
{
	struct palisade_guest_measurement_req req;
	struct arm_smccc_res res;
	long ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.index > PALISADE_GUEST_LAUNCH_INDEX)
		return -EINVAL;
	mutex_lock(&pg_lock);
	memset(pg_page, 0, PAGE_SIZE);
	ret = pg_errno(pg_hvc(PAL_HC_MEASURE_READ, req.index, virt_to_phys(pg_page), &res));
	if (!ret)
		memcpy(req.value, pg_page, sizeof(req.value));
	memset(pg_page, 0, PAGE_SIZE);
	mutex_unlock(&pg_lock);
	if (!ret && copy_to_user(argp, &req, sizeof(req)))
		ret = -EFAULT;
	return ret;
}

static long pg_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PALISADE_GUEST_GET_REPORT:
		return pg_get_report(argp);
	case PALISADE_GUEST_EXTEND_RMR:
		return pg_extend(argp);
	case PALISADE_GUEST_READ_MEASUREMENT:
		return pg_read(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pg_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pg_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pg_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "palisade-guest",
	.fops = &pg_fops,
	.mode = 0600,
};

static int __init pg_init(void)
{
	struct arm_smccc_res res;
	int rc;

	/* HVC is only safe when something answers it at EL2: the pVM's device tree names
	 * HVC as PSCI's conduit, which Linux records. */
	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC) {
		pr_info("palisade-guest: PSCI is not via HVC: not under Palisade\n");
		return -ENODEV;
	}
	if (pg_hvc(PAL_HC_VERSION, 0, 0, &res) != PAL_OK ||
	    ((u32)res.a1 >> 16) != PAL_ABI_MAJOR) {
		pr_info("palisade-guest: PAL_VERSION not answered (%ld): not Palisade\n",
			(long)res.a0);
		return -ENODEV;
	}
	pg_abi = (u32)res.a1;
	if (pg_hvc(PAL_HC_CALLER_ID, 0, 0, &res) != PAL_OK) {
		pr_info("palisade-guest: PAL_CALLER_ID failed (%ld)\n", (long)res.a0);
		return -ENODEV;
	}
	pg_vm_id = (u32)res.a1;
	pg_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!pg_page)
		return -ENOMEM;
	rc = misc_register(&pg_misc);
	if (rc) {
		free_page((unsigned long)pg_page);
		return rc;
	}
	pr_info("palisade-guest: hypervisor ABI %u.%u, VM id %u, %s ready\n", pg_abi >> 16,
		pg_abi & 0xffff, pg_vm_id, PALISADE_GUEST_DEVICE);
	return 0;
}

static void __exit pg_exit(void)
{
	misc_deregister(&pg_misc);
	free_page((unsigned long)pg_page);
}

module_init(pg_init);
module_exit(pg_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Palisade protected VM attestation (guest side)");
MODULE_VERSION("0.1");
