/*
 * What the boot stage handed the hypervisor (docs/attestation.md sections 2 and 6): the
 * hypervisor measurement (HM), its security version (SVN), the endorsement, and the
 * attestation key pair derived from the CDI. The private key never leaves
 * hyp/core/boot_identity.c: callers get signatures.
 *
 * Without a boot stage (palisade-hyp.elf booted directly), without a UDS, or when the
 * handoff does not check out, attestation is unavailable: boot_identity_available() is
 * false and boot_identity_sign() fails. The hypervisor runs VMs either way.
 */
#ifndef PALISADE_BOOT_IDENTITY_H
#define PALISADE_BOOT_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Boot CPU, first thing in boot_main() (MMU off): copies the handoff block at 'handoff'
 * (x1 at entry; 0 if none) into hypervisor-private memory if it is where the platform
 * says and well formed, then zeroes the whole boot secrets page (UDS and handoff).
 */
void boot_identity_receive(uint64_t handoff);

/*
 * Boot CPU, after the crypto self-test: derives the attestation key from the CDI, checks
 * its public key against the endorsement, wipes the CDI, and logs the outcome.
 */
void boot_identity_init(void);

/* True when the attestation key is ready (and not wiped). */
bool boot_identity_available(void);

/* HM (48 bytes) from a valid handoff, or NULL if there was none. */
const uint8_t *boot_identity_hm(void);

/* The hypervisor's security version: the handoff's, else the image header's. */
uint32_t boot_identity_svn(void);

/* The 264-byte endorsement (section 3), or NULL when attestation is unavailable. */
const uint8_t *boot_identity_endorsement(void);

/*
 * ECDSA P-384 with the attestation key over a SHA-384 digest (sig = r || s). Returns
 * PAL_OK, PAL_E_STATE (and a zeroed sig) when attestation is unavailable, or a crypto
 * error. Safe to call from any CPU.
 */
int boot_identity_sign(const uint8_t digest[48], uint8_t sig[96]);

/* Why attestation is unavailable (for logs and self-tests), or NULL when it is ready. */
const char *boot_identity_unavailable_reason(void);

/*
 * Zeroes the private key and the CDI for good; attestation is unavailable afterwards.
 * Called on every power-off (psci_system_off) and on panic. Safe from any CPU and in
 * any state; never blocks for long.
 */
void boot_identity_wipe(void);

#endif
