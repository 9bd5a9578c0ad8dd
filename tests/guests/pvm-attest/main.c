/*
 * pvm-attest: a protected VM the host launches through the launch API. From the inside
 * it reads its own launch measurement (MEASURE_READ 4) and prints it for the test to
 * compare with the hypervisor's log and with `palisade measure`; extends a runtime
 * register and reads it back; asks for a report over a fixed nonce and prints the
 * evidence in hex; checks that bad buffers are refused; then powers off. Its console is
 * the PL011 at 0x09000000, which the host emulates through MMIO exits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"

#define PSCI_SYSTEM_OFF 0x84000008u
#define SHARED_PAGE_IPA 0x801ff000ull   /* the last page: shared with the host below */

static uint8_t evidence[4096] __attribute__((aligned(4096)));
static uint8_t digest[48] __attribute__((aligned(8)));

static void put_hex(const uint8_t *p, unsigned n)
{
	static const char h[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		guest_putc(h[p[i] >> 4]);
		guest_putc(h[p[i] & 15]);
	}
}

static void print_hex_line(const char *label, const uint8_t *p, unsigned n)
{
	guest_puts(label);
	put_hex(p, n);
	guest_puts("\n");
}

void pvm_main(void)
{
	int64_t rc;

	rc = pal_hc_measure_read(4, (uint64_t)(uintptr_t)digest);
	guest_verdict("pvm_measure_read_launch", rc == 0, "MEASURE_READ 4 failed");
	print_hex_line("PVM-LAUNCH-MEASUREMENT ", digest, 48);

	for (unsigned i = 0; i < 48; i++)
		digest[i] = (uint8_t)i;
	rc = pal_hc_measure_extend(2, (uint64_t)(uintptr_t)digest);
	guest_verdict("pvm_measure_extend", rc == 0, "MEASURE_EXTEND failed");
	rc = pal_hc_measure_read(2, (uint64_t)(uintptr_t)digest);
	guest_verdict("pvm_measure_read_rmr", rc == 0, "MEASURE_READ 2 failed");
	print_hex_line("PVM-RMR2 ", digest, 48);

	guest_verdict("pvm_measure_bad_index",
		      pal_hc_measure_extend(4, (uint64_t)(uintptr_t)digest) == PAL_E_INVALID &&
		      pal_hc_measure_read(5, (uint64_t)(uintptr_t)digest) == PAL_E_INVALID,
		      "index out of range accepted");
	guest_verdict("pvm_measure_unaligned_refused",
		      pal_hc_measure_read(0, (uint64_t)(uintptr_t)digest + 1) == PAL_E_INVALID,
		      "unaligned buffer accepted");
	guest_verdict("pvm_measure_outside_memory_refused",
		      pal_hc_measure_read(0, 0x40000000) == PAL_E_RANGE, "foreign address accepted");

	/* A page it shares with the host is not private: no report goes there. */
	rc = pal_hc_mem_share(SHARED_PAGE_IPA, 1, 1, 0, 3);
	guest_verdict("pvm_share_page_with_host", rc == 0, "MEM_SHARE failed");
	guest_verdict("pvm_attest_shared_buffer_refused",
		      pal_hc_attest(SHARED_PAGE_IPA, 4096, NULL) == PAL_E_RANGE,
		      "report into shared memory accepted");
	guest_verdict("pvm_attest_small_buffer_refused",
		      pal_hc_attest((uint64_t)(uintptr_t)evidence, 100, NULL) == PAL_E_INVALID,
		      "short buffer accepted");

	for (unsigned i = 0; i < 64; i++)
		evidence[i] = (uint8_t)(0xa0 + (i & 15));   /* the nonce the test expects */
	struct pal_hc_attest_result res = { 0 };
	rc = pal_hc_attest((uint64_t)(uintptr_t)evidence, sizeof(evidence), &res);
	guest_puts("PVM-ATTEST-STATUS ");
	guest_put_dec((unsigned)-rc);
	guest_puts("\n");
	if (rc == 0)
		print_hex_line("PVM-EVIDENCE ", evidence, (unsigned)res.written);

	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}
