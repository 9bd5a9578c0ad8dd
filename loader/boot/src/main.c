/*
 * Palisade boot stage, EL2 side (docs/attestation.md section 2): measure the hypervisor
 * image QEMU placed at 0x40200000, derive the CDI and the keys from the UDS, write the
 * handoff block, erase the UDS, and return to start.S, which erases the stage's own
 * memory and enters the hypervisor. dice.c does the portable work; this file only adds
 * the board: the console, the fixed addresses, the DTB pointer and power-off.
 *
 * Runs with the MMU off (every access is Device memory, so everything is built with
 * -mstrict-align), on one CPU, with interrupts masked. Prints the hypervisor measurement
 * (not secret); never prints the UDS, the CDI or a key.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/crypto.h>
#include <palisade/dice.h>

#include "boot_stage.h"

#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_TXFF	(1u << 5)
#define FDT_MAGIC_LE	0xedfe0dd0u	/* 0xd00dfeed (big-endian) read little-endian */

struct boot_exit {
	uint64_t dtb;		/* x0 for the hypervisor */
	uint64_t handoff;	/* x1 */
};

struct boot_exit boot_stage_main(uint64_t x0);
__attribute__((noreturn)) void boot_stage_fault(uint64_t esr, uint64_t elr, uint64_t far);

static void put_char(char c)
{
	volatile uint32_t *uart = (volatile uint32_t *)BOOT_UART_BASE;

	if (c == '\n')
		put_char('\r');
	while (uart[PL011_FR / 4] & PL011_FR_TXFF)
		;
	uart[PL011_DR / 4] = (uint8_t)c;
}

static void put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

static void put_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		put_char(digits[p[i] >> 4]);
		put_char(digits[p[i] & 15]);
	}
}

static void put_u64(uint64_t v, unsigned base)
{
	char buf[24];
	unsigned n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		put_str("0x");
	while (n)
		put_char(buf[--n]);
}

static __attribute__((noreturn)) void system_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	for (;;)
		__asm__ volatile("wfi");
}

/* The UDS is erased on every path out of the stage, including the failing ones. */
static void erase_uds(void)
{
	crypto_wipe((void *)(uintptr_t)BOOT_UDS_ADDR, DICE_UDS_SIZE);
}

/* Failure paths: nothing the stage derived may outlive it either (UDS, CDI, handoff). */
static void erase_uds_page(void)
{
	crypto_wipe((void *)(uintptr_t)BOOT_UDS_ADDR, BOOT_UDS_PAGE_SIZE);
}

struct boot_exit boot_stage_main(uint64_t x0)
{
	const uint8_t *uds = (const uint8_t *)(uintptr_t)BOOT_UDS_ADDR;
	uint8_t *handoff = (uint8_t *)(uintptr_t)BOOT_HANDOFF_ADDR;
	const uint8_t *image = (const uint8_t *)(uintptr_t)BOOT_HYP_ENTRY;
	bool have_uds = dice_uds_present(uds);
	int rc;

	/*
	 * Sets up the crypto arena and picks the SHA-512 instructions if the CPU has them.
	 * No known-answer tests here: even the power-on subset costs about 31 M
	 * instructions, and the hypervisor runs it on the same objects before anything can
	 * use or export what the stage derived (docs/attestation.md section 2).
	 */
	crypto_init();
	rc = dice_measure(have_uds ? uds : NULL, image, BOOT_RESERVED_END - BOOT_HYP_ENTRY, handoff);
	if (rc == DICE_E_CRYPTO && have_uds) {
		put_str("PALISADE-BOOT: key derivation failed: attestation unavailable\n");
		have_uds = false;
		rc = dice_measure(NULL, image, BOOT_RESERVED_END - BOOT_HYP_ENTRY, handoff);
	}
	erase_uds();
	if (rc != DICE_OK) {
		erase_uds_page();
		put_str("PALISADE-BOOT: refusing to boot the hypervisor image at ");
		put_u64(BOOT_HYP_ENTRY, 16);
		put_str(": ");
		put_str(dice_strerror(rc));
		put_str("; powering off\n");
		system_off();
	}
	put_str("PALISADE-BOOT: hypervisor measurement ");
	put_hex(handoff + HANDOFF_OFF_HM, DICE_HASH_SIZE);
	put_str(" svn ");
	put_u64(dice_get_le32(handoff + HANDOFF_OFF_SVN), 10);
	put_str("\n");
	if (!have_uds)
		put_str("PALISADE-BOOT: no UDS: attestation unavailable\n");

	/* QEMU passes x0 = 0 to an ELF image and puts the DTB at the start of RAM. */
	if (!x0 && *(volatile uint32_t *)(uintptr_t)BOOT_RAM_BASE == FDT_MAGIC_LE)
		x0 = BOOT_RAM_BASE;
	return (struct boot_exit){ .dtb = x0, .handoff = BOOT_HANDOFF_ADDR };
}

void boot_stage_fault(uint64_t esr, uint64_t elr, uint64_t far)
{
	erase_uds_page();
	put_str("PALISADE-FAULT boot stage: exception, ESR_EL2=");
	put_u64(esr, 16);
	put_str(" ELR_EL2=");
	put_u64(elr, 16);
	put_str(" FAR_EL2=");
	put_u64(far, 16);
	put_str("; powering off\n");
	system_off();
}
