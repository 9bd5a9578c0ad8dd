/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/palisade: the Linux host driver's user-space interface (docs/host-linux.md).
 *
 * The ioctls map one to one onto Palisade's protected-VM launch API (docs/hypercalls.md,
 * "Protected VM launch and lifecycle"); the driver owns every page it gives a VM and the
 * VM's metadata, so user space never names a physical address.
 *
 *   fd = open("/dev/palisade", O_RDWR)
 *   vm = ioctl(fd, PALISADE_CREATE_VM, &create)          -> a VM file descriptor
 *   ioctl(vm, PALISADE_VM_LOAD, &load)                    (repeat; content, then the rest)
 *   ioctl(vm, PALISADE_VM_SET_BOOT, &boot)
 *   ioctl(vm, PALISADE_VM_START, &start)                  -> the launch measurement
 *   ioctl(vm, PALISADE_VCPU_RUN, &run)                    (one thread per vCPU, in a loop)
 *   ioctl(vm, PALISADE_VM_IRQ_LINE, &irq)                 (host-emulated device interrupts)
 *   ioctl(vm, PALISADE_VM_DESTROY) or close(vm)           -> every page back, zeroed
 *
 * Errors (errno): EINVAL malformed argument, EFAULT bad user pointer, EEXIST a guest page
 * already given, ERANGE outside the VM's memory, ENOMEM / E2BIG out of memory or a VM
 * too large for the driver, EBADFD wrong VM state (for instance RUN before START),
 * ENODEV the VM was destroyed, EBUSY the vCPU is being run by another thread, EINTR a
 * signal is pending (RUN: call again with the same arguments), EPERM / EIO the
 * hypervisor refused (DENIED) or failed.
 *
 * This header is part of the GPL-2.0 driver (host-tools/linux); the Linux-syscall-note
 * lets user space of any license include it, as for the kernel's own uapi headers.
 */
#ifndef PALISADE_UAPI_H
#define PALISADE_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PALISADE_UAPI_VERSION    1
#define PALISADE_DEVICE          "/dev/palisade"
#define PALISADE_MEASUREMENT_LEN 48

/* PALISADE_GET_VERSION */
struct palisade_version {
	__u32 uapi;              /* PALISADE_UAPI_VERSION */
	__u32 abi;               /* hypervisor ABI: major << 16 | minor (PAL_VERSION x1) */
	__u32 hyp_version;       /* hypervisor release (PAL_VERSION x2) */
	__u32 caps;              /* PALISADE_CAP_* */
};
#define PALISADE_CAP_MMIO_ABORT  (1u << 0)   /* PALISADE_RUN_MMIO_ABORT is available */
#define PALISADE_CAP_TEST_PHYSMAP (1u << 1)  /* mmap of held pages (module test_physmap=1) */

/* PALISADE_CREATE_VM (on /dev/palisade): returns a new VM file descriptor. */
struct palisade_create_vm {
	__u32 vcpus;             /* in: 1..8 (and at most the machine's CPUs) */
	__u32 flags;             /* in: PALISADE_VM_DEBUG */
	__u64 mem_base;          /* in: guest physical base, 2 MiB aligned, >= 1 GiB */
	__u64 mem_size;          /* in: bytes, a 2 MiB multiple */
	__u32 vm_id;             /* out: the hypervisor's VM id (2..63) */
	__u32 metadata_pages;    /* out: pages the driver donated for the VM's metadata */
};
#define PALISADE_VM_DEBUG        (1u << 0)   /* policy: debug allowed (attested) */

/* PALISADE_VM_LOAD: gives the VM the guest pages [guest_addr, guest_addr + size rounded
 * up to 4 KiB). With PALISADE_LOAD_MEASURE the driver copies 'size' bytes from
 * user_addr into pages of its own (the rest of the last page zero) and the hypervisor
 * measures them page by page; without it user_addr must be 0 and the pages are plain
 * memory the hypervisor zeroes (not measured). Every page of the VM's memory must be
 * given exactly once before PALISADE_VM_START. */
struct palisade_load {
	__u64 guest_addr;        /* page aligned, inside the VM's memory */
	__u64 size;              /* bytes, > 0 */
	__u64 user_addr;         /* content (MEASURE) or 0 */
	__u32 flags;             /* PALISADE_LOAD_* */
	__u32 reserved;          /* 0 */
};
#define PALISADE_LOAD_MEASURE    (1u << 0)   /* VM_LOAD flags bit 0: content, measured */
#define PALISADE_LOAD_LEND       (1u << 1)   /* VM_LOAD flags bit 1: lent, not donated */

/* PALISADE_VM_SET_BOOT: vCPU 0's entry point and x0 (measured). */
struct palisade_boot {
	__u64 entry;
	__u64 arg;
};

/* PALISADE_VM_START: seals the launch; returns the 48-byte launch measurement. */
struct palisade_start {
	__u8 measurement[PALISADE_MEASUREMENT_LEN];
};

/* PALISADE_VCPU_RUN: runs a vCPU until an exit user space must serve (HALT and
 * INTERRUPTED are handled inside the call). For an MMIO read exit, pass the value in
 * mmio_data of the next RUN of that vCPU (or PALISADE_RUN_MMIO_ABORT: no device). */
struct palisade_run {
	__u32 vcpu;              /* in */
	__u32 flags;             /* in: PALISADE_RUN_MMIO_ABORT */
	__u64 mmio_data;         /* in: the value of the pending MMIO read */
	__u32 reason;            /* out: PALISADE_EXIT_* */
	__u32 mmio_size;         /* out: MMIO: 1, 2, 4 or 8 */
	__u32 mmio_write;        /* out: MMIO: 1 for a write */
	__u32 reserved;
	__u64 addr;              /* out: MMIO: guest address; CPU_ON: the vCPU started;
				  *      SHUTDOWN: 1 for a reset request */
	__u64 data;              /* out: MMIO write: the value written */
};
#define PALISADE_RUN_MMIO_ABORT  (1u << 0)
#define PALISADE_EXIT_MMIO       1
#define PALISADE_EXIT_HALT       2   /* never returned: handled in the driver */
#define PALISADE_EXIT_INTERRUPTED 3  /* never returned: handled in the driver */
#define PALISADE_EXIT_CPU_ON     4
#define PALISADE_EXIT_CPU_OFF    5
#define PALISADE_EXIT_SHUTDOWN   6

/* PALISADE_VM_IRQ_LINE: level of a host-emulated device's SPI (INTID 32..63). */
struct palisade_irq_line {
	__u32 intid;
	__u32 level;             /* 0 or 1 */
};

/* PALISADE_VM_INFO */
struct palisade_vm_info {
	__u32 vm_id;
	__u32 state;             /* PALISADE_VM_STATE_* */
	__u32 vcpus;
	__u32 flags;
	__u64 mem_base;
	__u64 mem_size;
	__u64 pages_given;       /* guest pages loaded so far */
	__u64 metadata_pages;
	__u64 exits;             /* VCPU_RUN exits seen, HALT/INTERRUPTED included */
};
#define PALISADE_VM_STATE_CREATED   1
#define PALISADE_VM_STATE_STARTED   2
#define PALISADE_VM_STATE_SHUTDOWN  3   /* the VM powered off; destroy it */
#define PALISADE_VM_STATE_DESTROYED 4

#define PALISADE_IOC 0xB6
#define PALISADE_GET_VERSION   _IOR(PALISADE_IOC, 0x00, struct palisade_version)
#define PALISADE_CREATE_VM     _IOWR(PALISADE_IOC, 0x01, struct palisade_create_vm)
#define PALISADE_VM_LOAD       _IOW(PALISADE_IOC, 0x10, struct palisade_load)
#define PALISADE_VM_SET_BOOT   _IOW(PALISADE_IOC, 0x11, struct palisade_boot)
#define PALISADE_VM_START      _IOR(PALISADE_IOC, 0x12, struct palisade_start)
#define PALISADE_VCPU_RUN      _IOWR(PALISADE_IOC, 0x13, struct palisade_run)
#define PALISADE_VM_IRQ_LINE   _IOW(PALISADE_IOC, 0x14, struct palisade_irq_line)
#define PALISADE_VM_DESTROY    _IO(PALISADE_IOC, 0x15)
#define PALISADE_VM_INFO       _IOR(PALISADE_IOC, 0x16, struct palisade_vm_info)

#endif /* PALISADE_UAPI_H */
