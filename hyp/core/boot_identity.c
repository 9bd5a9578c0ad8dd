/*
 * The hypervisor's boot identity (docs/attestation.md sections 2 and 6): the handoff
 * block from the boot stage, copied into this file's private memory, and the
 * attestation key pair derived from its CDI. The private key and the CDI live only in
 * this file's static storage (hypervisor-private .bss, mapped in no VM's stage 2); other
 * code gets signatures, never the key. The UDS itself never reaches the hypervisor: the
 * boot stage erased it, and this file zeroes the rest of its page.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "palisade/boot.h"
#include "palisade/boot_identity.h"
#include "palisade/crypto.h"
#include "palisade/dice.h"
#include "palisade/error.h"
#include "palisade/log.h"
#include "palisade/platform.h"
#include "palisade/spinlock.h"

#define SECRETS_PAGE_SIZE	4096
#define KEY_ID_LEN		16	/* bytes of SHA-384(public key) shown in the log */
#define WIPE_WAIT_SPINS		10000000u

static struct {
	bool handoff_ok;	/* hm and svn came from a valid handoff */
	bool have_cdi;		/* cdi holds the CDI (until boot_identity_init) */
	bool available;		/* priv and endorsement are ready */
	uint32_t svn;
	const char *why;	/* why attestation is unavailable */
	uint8_t hm[DICE_HASH_SIZE];
	uint8_t cdi[DICE_HASH_SIZE];
	uint8_t priv[CRYPTO_P384_PRIV_LEN];
	uint8_t endorsement[ENDORSEMENT_SIZE];
} id;

/* Serialises signing against wiping, so a wipe never races a signature half-way. */
static spinlock_t id_lock = SPINLOCK_INIT;

/* The security version in this image's own header (entry.S). */
static uint32_t image_svn(void)
{
	return dice_get_le32((const uint8_t *)(uintptr_t)__hyp_start + HYP_HDR_OFF_SVN);
}

void boot_identity_receive(uint64_t handoff)
{
	uint64_t page = platform_boot_secrets_page();
	const uint8_t *h = (const uint8_t *)(uintptr_t)handoff;

	id.svn = image_svn();
	if (!handoff)
		id.why = "no handoff (booted without the boot stage)";
	else if (!page || handoff != platform_boot_handoff())
		id.why = "handoff not at the platform's address";
	else if (memcmp(h + HANDOFF_OFF_MAGIC, HANDOFF_MAGIC, 8) != 0 ||
		 dice_get_le32(h + HANDOFF_OFF_VERSION) != HANDOFF_VERSION ||
		 dice_get_le32(h + HANDOFF_OFF_SIZE) != HANDOFF_SIZE)
		id.why = "malformed handoff";
	else if (dice_get_le32(h + HANDOFF_OFF_SVN) != id.svn)
		id.why = "handoff svn differs from this image's";
	else {
		id.handoff_ok = true;
		memcpy(id.hm, h + HANDOFF_OFF_HM, sizeof(id.hm));
		if (dice_get_le32(h + HANDOFF_OFF_FLAGS) & HANDOFF_FLAG_IDENTITY) {
			memcpy(id.cdi, h + HANDOFF_OFF_CDI, sizeof(id.cdi));
			memcpy(id.endorsement, h + HANDOFF_OFF_ENDORSEMENT, sizeof(id.endorsement));
			id.have_cdi = true;
		} else {
			id.why = "no UDS (the boot stage found none)";
		}
	}
	/* The whole page goes, whatever it held: UDS remnants, CDI, handoff. */
	if (page)
		crypto_wipe((void *)(uintptr_t)page, SECRETS_PAGE_SIZE);
}

static void to_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The endorsement must describe this handoff and carry the key we derived. */
static const char *check_endorsement(const uint8_t pub[CRYPTO_P384_PUB_LEN])
{
	const uint8_t *e = id.endorsement;

	if (dice_get_le32(e + ENDORSEMENT_OFF_VERSION) != ENDORSEMENT_VERSION ||
	    dice_get_le32(e + ENDORSEMENT_OFF_SIZE) != ENDORSEMENT_SIZE ||
	    dice_get_le32(e + ENDORSEMENT_OFF_SVN) != id.svn ||
	    memcmp(e + ENDORSEMENT_OFF_HM, id.hm, DICE_HASH_SIZE) != 0)
		return "endorsement does not match the handoff";
	if (memcmp(e + ENDORSEMENT_OFF_PUB, pub, CRYPTO_P384_PUB_LEN) != 0)
		return "attestation key does not match the endorsement";
	return NULL;
}

void boot_identity_init(void)
{
	uint8_t pub[CRYPTO_P384_PUB_LEN], key_id[CRYPTO_SHA384_LEN];
	char hm_hex[2 * DICE_HASH_SIZE + 1], id_hex[2 * KEY_ID_LEN + 1];
	const char *why = NULL;

	if (id.have_cdi) {
		if (crypto_p384_key_from_secret(id.cdi, sizeof(id.cdi), DICE_ATTEST_KEY_LABEL,
						id.priv, pub) != PAL_OK)
			why = "attestation key derivation failed";
		else
			why = check_endorsement(pub);
		crypto_wipe(id.cdi, sizeof(id.cdi));
		id.have_cdi = false;
		if (why) {
			crypto_wipe(id.priv, sizeof(id.priv));
			id.why = why;
		} else {
			__atomic_store_n(&id.available, true, __ATOMIC_RELEASE);
		}
	}
	if (!id.handoff_ok) {
		log_printf("PALISADE: boot identity: attestation unavailable: %s\n", id.why);
		return;
	}
	to_hex(hm_hex, id.hm, sizeof(id.hm));
	if (!id.available) {
		log_printf("PALISADE: boot identity: hypervisor measurement %s, svn %u, "
			   "attestation unavailable: %s\n", hm_hex, id.svn, id.why);
		return;
	}
	/* A short public fingerprint of the attestation key: it changes with HM. */
	crypto_sha384(pub, sizeof(pub), key_id);
	to_hex(id_hex, key_id, KEY_ID_LEN);
	log_printf("PALISADE: boot identity: hypervisor measurement %s, svn %u, "
		   "attestation key ready (key id %s)\n", hm_hex, id.svn, id_hex);
}

bool boot_identity_available(void)
{
	return __atomic_load_n(&id.available, __ATOMIC_ACQUIRE);
}

const uint8_t *boot_identity_hm(void)
{
	return id.handoff_ok ? id.hm : NULL;
}

uint32_t boot_identity_svn(void)
{
	return id.svn;
}

const uint8_t *boot_identity_endorsement(void)
{
	return boot_identity_available() ? id.endorsement : NULL;
}

const char *boot_identity_unavailable_reason(void)
{
	return boot_identity_available() ? NULL : id.why;
}

int boot_identity_sign(const uint8_t digest[48], uint8_t sig[96])
{
	int rc = PAL_E_STATE;

	if (!digest || !sig)
		return PAL_E_INVALID;
	spin_lock(&id_lock);
	if (id.available)
		rc = crypto_p384_sign(id.priv, digest, sig);
	spin_unlock(&id_lock);
	if (rc == PAL_E_STATE)
		memset(sig, 0, 96);
	return rc;
}

void boot_identity_wipe(void)
{
	/* Let a signature in progress on another CPU finish, but never wait for long: this
	 * runs on the power-off and panic paths, where the lock holder may be gone. */
	unsigned spins = 0;
	bool locked;

	while (!(locked = spin_trylock(&id_lock)) && spins++ < WIPE_WAIT_SPINS)
		;
	__atomic_store_n(&id.available, false, __ATOMIC_RELEASE);
	id.why = "keys wiped";
	crypto_wipe(id.priv, sizeof(id.priv));
	crypto_wipe(id.cdi, sizeof(id.cdi));
	id.have_cdi = false;
	if (locked)
		spin_unlock(&id_lock);
}
