/*
 * The boot stage's measurement and key layering (docs/attestation.md sections 2, 3, 6).
 * Portable: buffers in, handoff block out; the EL2 stage (main.c) and the host unit test
 * (loader/boot/tests) run exactly this code over the same crypto/ interface.
 */
#include <string.h>

#include <palisade/crypto.h>
#include <palisade/dice.h>

const char *dice_strerror(int status)
{
	switch (status) {
	case DICE_OK:		return "ok";
	case DICE_E_ARGS:	return "missing argument";
	case DICE_E_SHORT:	return "shorter than its 64-byte header";
	case DICE_E_MAGIC:	return "bad magic (not PALHYP01)";
	case DICE_E_SIZE_SMALL:	return "image_size smaller than its header";
	case DICE_E_SIZE_LARGE:	return "image_size larger than 6 MiB";
	case DICE_E_TRUNCATED:	return "image_size larger than the image";
	case DICE_E_CRYPTO:	return "key derivation or signing failed";
	}
	return "unknown error";
}

int dice_header_check(const uint8_t *image, size_t avail, uint32_t *image_size, uint32_t *svn)
{
	uint64_t size;

	if (!image || !image_size || !svn)
		return DICE_E_ARGS;
	if (avail < HYP_HDR_SIZE)
		return DICE_E_SHORT;
	if (memcmp(image + HYP_HDR_OFF_MAGIC, HYP_HDR_MAGIC, 8) != 0)
		return DICE_E_MAGIC;
	size = dice_get_le64(image + HYP_HDR_OFF_IMAGE_SIZE);
	if (size < HYP_IMAGE_MIN)
		return DICE_E_SIZE_SMALL;
	if (size > HYP_IMAGE_MAX)
		return DICE_E_SIZE_LARGE;
	if (size > avail)
		return DICE_E_TRUNCATED;
	*image_size = (uint32_t)size;
	*svn = dice_get_le32(image + HYP_HDR_OFF_SVN);
	return DICE_OK;
}

bool dice_uds_present(const uint8_t uds[DICE_UDS_SIZE])
{
	uint8_t any = 0;

	for (unsigned i = 0; i < DICE_UDS_SIZE; i++)
		any |= uds[i];
	return any != 0;
}

/* CDI, device key, attestation key and the signed endorsement, into the handoff. */
static int derive_identity(const uint8_t *uds, uint8_t *handoff)
{
	/* Every secret this function holds, in one place, wiped in one call. */
	struct {
		uint8_t device_priv[CRYPTO_P384_PRIV_LEN];
		uint8_t device_pub[CRYPTO_P384_PUB_LEN];
		uint8_t attest_priv[CRYPTO_P384_PRIV_LEN];
		uint8_t digest[CRYPTO_SHA384_LEN];
	} s;
	const uint8_t *hm = handoff + HANDOFF_OFF_HM;
	uint8_t *cdi = handoff + HANDOFF_OFF_CDI;
	uint8_t *e = handoff + HANDOFF_OFF_ENDORSEMENT;
	int rc;

	/* CDI = HKDF-SHA384(salt = HM, IKM = UDS, info = "Palisade CDI v1", L = 48) */
	rc = crypto_hkdf_sha384(hm, DICE_HASH_SIZE, uds, DICE_UDS_SIZE,
				(const uint8_t *)DICE_CDI_INFO, sizeof(DICE_CDI_INFO) - 1,
				cdi, DICE_HASH_SIZE);
	if (!rc)
		rc = crypto_p384_key_from_secret(uds, DICE_UDS_SIZE, DICE_DEVICE_KEY_LABEL,
						 s.device_priv, s.device_pub);
	if (!rc)
		rc = crypto_p384_key_from_secret(cdi, DICE_HASH_SIZE, DICE_ATTEST_KEY_LABEL,
						 s.attest_priv, e + ENDORSEMENT_OFF_PUB);
	if (!rc) {
		dice_put_le32(e + ENDORSEMENT_OFF_VERSION, ENDORSEMENT_VERSION);
		dice_put_le32(e + ENDORSEMENT_OFF_SIZE, ENDORSEMENT_SIZE);
		memcpy(e + ENDORSEMENT_OFF_SVN, handoff + HANDOFF_OFF_SVN, 4);
		memcpy(e + ENDORSEMENT_OFF_HM, hm, DICE_HASH_SIZE);
		rc = crypto_sha384(e, ENDORSEMENT_SIGNED_SIZE, s.digest);
	}
	if (!rc)
		rc = crypto_p384_sign(s.device_priv, s.digest, e + ENDORSEMENT_OFF_SIG);
	crypto_wipe(&s, sizeof(s));
	return rc;
}

int dice_measure(const uint8_t *uds, const uint8_t *image, size_t avail,
		 uint8_t handoff[HANDOFF_SIZE])
{
	uint32_t size, svn;
	int rc;

	if (!handoff)
		return DICE_E_ARGS;
	memset(handoff, 0, HANDOFF_SIZE);
	rc = dice_header_check(image, avail, &size, &svn);
	if (rc)
		return rc;
	memcpy(handoff + HANDOFF_OFF_MAGIC, HANDOFF_MAGIC, 8);
	dice_put_le32(handoff + HANDOFF_OFF_VERSION, HANDOFF_VERSION);
	dice_put_le32(handoff + HANDOFF_OFF_SIZE, HANDOFF_SIZE);
	dice_put_le32(handoff + HANDOFF_OFF_SVN, svn);
	/* HM = SHA-384(image bytes [0, image_size)) */
	if (crypto_sha384(image, size, handoff + HANDOFF_OFF_HM) != 0) {
		memset(handoff, 0, HANDOFF_SIZE);
		return DICE_E_CRYPTO;
	}
	if (!uds)
		return DICE_OK;
	if (derive_identity(uds, handoff) != 0) {
		crypto_wipe(handoff, HANDOFF_SIZE);
		return DICE_E_CRYPTO;
	}
	dice_put_le32(handoff + HANDOFF_OFF_FLAGS, HANDOFF_FLAG_IDENTITY);
	return DICE_OK;
}
