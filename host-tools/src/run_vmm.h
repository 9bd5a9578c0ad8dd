/*
 * The run loop of `palisade run` once a protected VM has started: one thread per vCPU
 * (vCPU 0 first, the others when a CPU_ON exit starts them), the pVM's PL011 console
 * emulated from MMIO exits (run_uart.h) and connected to this process's stdin/stdout,
 * and an orderly stop on the pVM's power-off or on SIGINT/SIGTERM/SIGHUP.
 */
#ifndef PALISADE_RUN_VMM_H
#define PALISADE_RUN_VMM_H

#include <stdbool.h>
#include <stdint.h>

enum run_end {
	RUN_END_POWEROFF = 1,   /* the pVM powered off (PSCI SYSTEM_OFF) */
	RUN_END_RESET,          /* the pVM asked for a reset (not supported: stopped) */
	RUN_END_SIGNAL,         /* SIGINT, SIGTERM or SIGHUP */
	RUN_END_ERROR,          /* a VCPU_RUN failed */
};

struct run_stats {
	uint64_t exits_mmio, exits_uart, exits_unknown_mmio, cpu_on, cpu_off;
	int signal;             /* RUN_END_SIGNAL: which */
	char error[160];        /* RUN_END_ERROR: what */
};

/* Attestation evidence the pVM prints on its console (docs/host-linux.md, "Attestation
 * from a Linux pVM"), framed by the guest tool palisade-guest:
 *   PALISADE-EVIDENCE-BEGIN <bytes>
 *   <hex lines>
 *   PALISADE-EVIDENCE-END
 * The console output still goes to stdout unchanged; this only watches it. The last
 * complete record wins. */
#define RUN_EVIDENCE_MAX 1024
struct run_capture {
	uint8_t data[RUN_EVIDENCE_MAX];
	size_t len;             /* bytes of the last complete record */
	bool complete;          /* a record with as many bytes as announced was seen */
	/* parser state */
	char line[160];
	size_t line_len;
	bool line_overflow, in_record;
	size_t want;
	uint8_t cur[RUN_EVIDENCE_MAX];
	size_t cur_len;
};

/* Runs the started VM behind vm_fd until it ends. 'caps' are PALISADE_CAP_*. 'capture'
 * (may be NULL) collects framed evidence from the console. */
enum run_end run_vmm(int vm_fd, unsigned vcpus, uint32_t caps, bool verbose,
		     struct run_stats *stats, struct run_capture *capture);

/* Feeds one console character to the evidence parser (exposed for tests). */
void run_capture_feed(struct run_capture *c, uint8_t ch);

#endif
