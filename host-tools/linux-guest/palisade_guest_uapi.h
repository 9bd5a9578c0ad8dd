/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/palisade-guest: attestation from inside a Palisade protected VM running Linux
 * (host-tools/linux-guest/palisade-guest.c, docs/host-linux.md "Attestation from a
 * Linux pVM"). The shape follows Linux's /dev/tdx_guest: a report request carries the
 * caller's 64 bytes of report data and returns the evidence; runtime measurement
 * registers are extended with a 48-byte (SHA-384) digest and read back.
 */
#ifndef PALISADE_GUEST_UAPI_H
#define PALISADE_GUEST_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PALISADE_GUEST_DEVICE        "/dev/palisade-guest"
#define PALISADE_GUEST_REPORTDATA_LEN 64
#define PALISADE_GUEST_EVIDENCE_LEN  760     /* docs/attestation.md section 5 */
#define PALISADE_GUEST_DIGEST_LEN    48
#define PALISADE_GUEST_RMR_COUNT     4       /* runtime registers 0..3 */
#define PALISADE_GUEST_LAUNCH_INDEX  4       /* READ_MEASUREMENT: the launch measurement */

/* GET_REPORT: report_data in; evidence (evidence_len bytes, 760) out. */
struct palisade_guest_report_req {
	__u8 report_data[PALISADE_GUEST_REPORTDATA_LEN];
	__u8 evidence[1024];
	__u32 evidence_len;                  /* out */
	__u32 reserved;                      /* must be zero */
};

/* EXTEND_RMR: RMR[index] = SHA-384(RMR[index] || digest), index 0..3. */
struct palisade_guest_extend_req {
	__u32 index;
	__u32 reserved;                      /* must be zero */
	__u8 digest[PALISADE_GUEST_DIGEST_LEN];
};

/* READ_MEASUREMENT: index 0..3 a runtime register, 4 the launch measurement. */
struct palisade_guest_measurement_req {
	__u32 index;
	__u32 reserved;                      /* must be zero */
	__u8 value[PALISADE_GUEST_DIGEST_LEN]; /* out */
};

#define PALISADE_GUEST_IOC 0xB8
#define PALISADE_GUEST_GET_REPORT \
	_IOWR(PALISADE_GUEST_IOC, 0x01, struct palisade_guest_report_req)
#define PALISADE_GUEST_EXTEND_RMR \
	_IOW(PALISADE_GUEST_IOC, 0x02, struct palisade_guest_extend_req)
#define PALISADE_GUEST_READ_MEASUREMENT \
	_IOWR(PALISADE_GUEST_IOC, 0x03, struct palisade_guest_measurement_req)

#endif
