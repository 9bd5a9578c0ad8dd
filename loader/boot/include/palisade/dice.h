/*
 * The boot stage's DICE-style layering (docs/attestation.md sections 2, 3 and 6).
 *
 * Byte layouts shared by the boot stage (loader/boot, which writes them) and the
 * hypervisor (hyp/core/boot_identity.c, which reads them), and dice_measure(): the
 * portable core of the boot stage. From the UDS and the hypervisor's flat image it
 * checks the image header, measures the image (HM), derives CDI, the device identity key
 * and the attestation key, signs the endorsement and fills the handoff block. It touches
 * no hardware, so it runs unchanged in the EL2 boot stage and in the host unit test.
 *
 * Every multi-byte integer is little-endian.
 */
#ifndef PALISADE_DICE_H
#define PALISADE_DICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DICE_UDS_SIZE		64
#define DICE_HASH_SIZE		48	/* SHA-384: HM and CDI */
#define DICE_PUB_SIZE		97	/* SEC1 uncompressed P-384 */
#define DICE_SIG_SIZE		96	/* r || s */

#define DICE_CDI_INFO		"Palisade CDI v1"
#define DICE_DEVICE_KEY_LABEL	"Palisade device identity v1"
#define DICE_ATTEST_KEY_LABEL	"Palisade attestation v1"

/* Hypervisor image header (section 6): the first 64 bytes of palisade-hyp.bin. */
#define HYP_HDR_SIZE		64
#define HYP_HDR_MAGIC		"PALHYP01"	/* 8 bytes, no NUL */
#define HYP_HDR_OFF_MAGIC	8
#define HYP_HDR_OFF_IMAGE_SIZE	16	/* u64: bytes of the file, from offset 0 */
#define HYP_HDR_OFF_SVN		24	/* u32 */
#define HYP_IMAGE_MIN		HYP_HDR_SIZE
#define HYP_IMAGE_MAX		(6u << 20)

/* Endorsement (section 3), 264 bytes; the device key signs SHA-384 of bytes 0..167. */
#define ENDORSEMENT_SIZE	264
#define ENDORSEMENT_VERSION	1
#define ENDORSEMENT_OFF_VERSION	0
#define ENDORSEMENT_OFF_SIZE	4
#define ENDORSEMENT_OFF_SVN	8
#define ENDORSEMENT_OFF_HM	16
#define ENDORSEMENT_OFF_PUB	64
#define ENDORSEMENT_SIGNED_SIZE	168
#define ENDORSEMENT_OFF_SIG	168

/* Handoff block (section 6), 384 bytes, written by the boot stage for the hypervisor. */
#define HANDOFF_SIZE		384
#define HANDOFF_VERSION		1
#define HANDOFF_MAGIC		"PALHOFF1"	/* 8 bytes, no NUL */
#define HANDOFF_OFF_MAGIC	0
#define HANDOFF_OFF_VERSION	8
#define HANDOFF_OFF_SIZE	12
#define HANDOFF_OFF_SVN		16
#define HANDOFF_OFF_FLAGS	20
#define HANDOFF_OFF_HM		24
#define HANDOFF_OFF_CDI		72
#define HANDOFF_OFF_ENDORSEMENT	120
/* flags bit 0: a UDS was present, so cdi and endorsement are valid. When clear they
 * are zero and the hypervisor has no attestation key. */
#define HANDOFF_FLAG_IDENTITY	1u

/* Results of dice_measure() and dice_header_check(); dice_strerror() names them. */
enum dice_status {
	DICE_OK = 0,
	DICE_E_ARGS = -1,		/* NULL pointer */
	DICE_E_SHORT = -2,		/* fewer bytes available than a header */
	DICE_E_MAGIC = -3,		/* not "PALHYP01" */
	DICE_E_SIZE_SMALL = -4,		/* image_size < HYP_IMAGE_MIN */
	DICE_E_SIZE_LARGE = -5,		/* image_size > HYP_IMAGE_MAX */
	DICE_E_TRUNCATED = -6,		/* image_size > the bytes available */
	DICE_E_CRYPTO = -7,		/* a crypto_* call failed */
};

const char *dice_strerror(int status);

static inline uint32_t dice_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t dice_get_le64(const uint8_t *p)
{
	return (uint64_t)dice_get_le32(p) | (uint64_t)dice_get_le32(p + 4) << 32;
}

static inline void dice_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * Checks the header of the image at 'image', of which 'avail' bytes may be read: magic,
 * HYP_IMAGE_MIN <= image_size <= HYP_IMAGE_MAX, image_size <= avail. On DICE_OK sets
 * *image_size and *svn.
 */
int dice_header_check(const uint8_t *image, size_t avail, uint32_t *image_size, uint32_t *svn);

/* True if the UDS is not all zero (constant time: no early exit on secret bytes). */
bool dice_uds_present(const uint8_t uds[DICE_UDS_SIZE]);

/*
 * The boot stage's work (docs/attestation.md section 2): checks the header, measures the
 * image and fills 'handoff' (HANDOFF_SIZE bytes). With a UDS: CDI, device key,
 * attestation key, signed endorsement, flags = HANDOFF_FLAG_IDENTITY. With uds == NULL:
 * HM and SVN only, CDI and endorsement zero, flags = 0.
 * Every secret it derived is wiped before it returns (the UDS itself is the caller's to
 * erase). On failure the handoff is all zero.
 */
int dice_measure(const uint8_t *uds, const uint8_t *image, size_t avail,
		 uint8_t handoff[HANDOFF_SIZE]);

#endif
