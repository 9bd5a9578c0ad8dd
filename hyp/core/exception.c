/*
 * Exceptions taken to EL2. No guest runs yet, so every exception is unexpected except a
 * fault that a self-test probe armed on purpose. An unexpected one gets a full
 * diagnostic (kind, ESR with its class, FAR, ELR, SPSR, all registers, CPU) and the CPU
 * is parked with interrupts masked; the other CPUs keep running.
 */
#include <stddef.h>
#include "arch/cpu.h"
#include "palisade/boot_identity.h"
#include "palisade/cpu.h"
#include "palisade/exception.h"
#include "palisade/irq.h"
#include "palisade/log.h"

_Static_assert(sizeof(struct exception_frame) == 36 * 8, "vectors.S FRAME_SIZE");
_Static_assert(offsetof(struct exception_frame, elr) == 256, "vectors.S layout");
_Static_assert(offsetof(struct exception_frame, esr) == 272, "vectors.S layout");

static const char *const kind_names[16] = {
	"sync (EL2, SP_EL0)", "irq (EL2, SP_EL0)", "fiq (EL2, SP_EL0)", "serror (EL2, SP_EL0)",
	"sync (EL2)", "irq (EL2)", "fiq (EL2)", "serror (EL2)",
	"sync (lower EL, AArch64)", "irq (lower EL, AArch64)", "fiq (lower EL, AArch64)",
	"serror (lower EL, AArch64)",
	"sync (lower EL, AArch32)", "irq (lower EL, AArch32)", "fiq (lower EL, AArch32)",
	"serror (lower EL, AArch32)",
};

static const char *ec_name(uint64_t ec)
{
	switch (ec) {
	case EC_UNKNOWN: return "unknown/undefined instruction";
	case EC_HVC64: return "HVC";
	case EC_SMC64: return "SMC";
	case EC_SYSREG: return "system register access";
	case EC_IABT_LOW: return "instruction abort (lower EL)";
	case EC_IABT_CUR: return "instruction abort";
	case EC_PC_ALIGN: return "PC alignment";
	case EC_DABT_LOW: return "data abort (lower EL)";
	case EC_DABT_CUR: return "data abort";
	case EC_SP_ALIGN: return "SP alignment";
	case EC_BRK64: return "BRK";
	default: return "other";
	}
}

static void report_and_park(uint64_t kind, const struct exception_frame *f)
{
	struct cpu *c = arch_this_cpu();
	unsigned idx = c ? c->index : 0;
	uint64_t ec = ESR_EC(f->esr);

	/* The hypervisor is broken: its attestation key must not outlive what it vouches for. */
	boot_identity_wipe();
	log_printf_panic("PALISADE-FAULT cpu=%u kind=%s ec=0x%02llx (%s)\n", idx,
			 kind_names[kind & 15], (unsigned long long)ec, ec_name(ec));
	log_printf_panic("  ESR_EL2=0x%016llx FAR_EL2=0x%016llx\n",
			 (unsigned long long)f->esr, (unsigned long long)f->far);
	log_printf_panic("  ELR_EL2=0x%016llx SPSR_EL2=0x%016llx SP=0x%016llx\n",
			 (unsigned long long)f->elr, (unsigned long long)f->spsr,
			 (unsigned long long)f->sp);
	for (int i = 0; i < 31; i += 4) {
		if (i + 3 < 31)
			log_printf_panic("  x%-2d=%016llx x%-2d=%016llx x%-2d=%016llx x%-2d=%016llx\n",
					 i, (unsigned long long)f->x[i], i + 1,
					 (unsigned long long)f->x[i + 1], i + 2,
					 (unsigned long long)f->x[i + 2], i + 3,
					 (unsigned long long)f->x[i + 3]);
		else
			log_printf_panic("  x%-2d=%016llx x%-2d=%016llx x%-2d=%016llx\n", i,
					 (unsigned long long)f->x[i], i + 1,
					 (unsigned long long)f->x[i + 1], i + 2,
					 (unsigned long long)f->x[i + 2]);
	}
	log_printf_panic("PALISADE: cpu %u stopped\n", idx);
	if (c)
		c->parked = true;
	arch_cpu_park();
}

void exception_entry(uint64_t kind, struct exception_frame *f)
{
	struct cpu *c = arch_this_cpu();
	uint64_t ec = ESR_EC(f->esr);

	/* A self-test probe expected exactly this: record it and resume past the access. */
	if (kind == 4 && c && c->probe_armed && (ec == EC_DABT_CUR || ec == EC_IABT_CUR)) {
		c->probe_armed = 0;
		c->probe_esr = f->esr;
		f->elr = c->probe_resume;
		return;
	}
	/* Physical interrupts while EL2 itself runs with IRQs unmasked (idle, waits). */
	if (kind == 5) {
		irq_handle();
		return;
	}
	report_and_park(kind, f);
}
