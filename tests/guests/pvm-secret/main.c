/*
 * Protected test VM: keeps a secret the host must never read, shares one page with the
 * host on purpose (the host reads it, writes an acknowledgement), ends the share, and
 * powers off so that its memory is torn down. Also checks that bad memory requests
 * are refused. Verdicts go to its (emulated, multiplexed) console.
 */
#include <stdbool.h>
#include <stdint.h>
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"

#define SECRET_IPA 0x40100000ul
#define SHARED_IPA 0x40200000ul
#define SECRET_WORD 0x5ec2e7a5u
#define SHARED_MAGIC 0x53484152u   /* "SHAR" */
#define HOST_ACK 0xacc0ffeeu
#define PSCI_SYSTEM_OFF 0x84000008u

#define verdict guest_verdict

static uint64_t now(void) { uint64_t v; __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)); return v; }
static uint64_t freq(void) { uint64_t v; __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v)); return v; }

/* Waits up to 'seconds' for word to become 'want'. */
static bool wait_for(volatile uint32_t *word, uint32_t want, unsigned seconds)
{
	uint64_t end = now() + freq() * seconds;

	while (now() < end)
		if (*word == want)
			return true;
	return false;
}

void pvm_main(void)
{
	volatile uint32_t *secret = (volatile uint32_t *)SECRET_IPA;
	volatile uint32_t *shared = (volatile uint32_t *)SHARED_IPA;
	struct pal_hc_mem_query_result q;
	bool ok;

	for (unsigned i = 0; i < 1024; i++)
		secret[i] = SECRET_WORD ^ i;
	ok = true;
	for (unsigned i = 0; i < 1024; i++)
		ok &= secret[i] == (SECRET_WORD ^ i);
	verdict("pvm_wrote_secret", ok, "secret page does not hold what was written");

	ok = pal_hc_mem_query(SECRET_IPA, &q) == 0 && (q.state & 0xff) == 0 &&
	     ((q.state >> 8) & 0xff) == 1 && (q.parties & 0xffff) == 2;
	verdict("pvm_query_owns_secret", ok, "MEM_QUERY does not report the page as its own");

	ok = pal_hc_mem_share(SHARED_IPA + 1, 1, 1, 0, 3) == PAL_E_INVALID &&
	     pal_hc_mem_share(SHARED_IPA, 0, 1, 0, 3) == PAL_E_INVALID &&
	     pal_hc_mem_share(SHARED_IPA, 1, 9, 0x40000000, 3) == PAL_E_NOT_FOUND &&
	     pal_hc_mem_share(SHARED_IPA, 1, 1, 0x1000, 3) == PAL_E_INVALID &&
	     pal_hc_mem_relinquish(SECRET_IPA, 1) < 0 &&
	     pal_hc_mem_unshare(SECRET_IPA, 1) < 0 &&
	     pal_hc_mem_lend(SECRET_IPA, 1, 1, 0, 3) == PAL_E_DENIED &&
	     pal_hc_mem_query(0x90000000, &q) < 0;
	verdict("pvm_bad_requests_refused", ok, "a malformed or forbidden request was accepted");

	shared[1] = 0;
	shared[0] = SHARED_MAGIC;
	verdict("pvm_shared_page_with_host", pal_hc_mem_share(SHARED_IPA, 1, 1, 0, 3) == 0,
		"MEM_SHARE to the host failed");
	verdict("pvm_sees_host_ack", wait_for(&shared[1], HOST_ACK, 120),
		"the host never wrote its acknowledgement into the shared page");
	verdict("pvm_unshared_page", pal_hc_mem_unshare(SHARED_IPA, 1) == 0, "MEM_UNSHARE failed");
	ok = pal_hc_mem_query(SHARED_IPA, &q) == 0 && ((q.state >> 8) & 0xff) == 1;
	verdict("pvm_owns_page_again", ok, "the unshared page is not its own alone");

	/* Give the host time to see the page go, then power off: teardown zeroes it all. */
	wait_for(&shared[2], 1, 6);
	verdict("pvm_powering_off", true, "");
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}
