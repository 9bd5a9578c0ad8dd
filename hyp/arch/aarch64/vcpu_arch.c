/*
 * Running vCPUs at EL1 under VHE. A vCPU's EL1 system registers stay in the hardware
 * while it is this CPU's loaded vCPU; they are saved only when another vCPU is loaded
 * (no work on every exit that can be done once). FP/SIMD registers switch lazily on the
 * first FP access trap.
 */
#include <string.h>
#include "arch/cpu.h"
#include "arch/sysreg.h"
#include "arch/vcpu_arch.h"
#include "palisade/cpu.h"
#include "palisade/stage2.h"
#include "palisade/vm.h"

/* HCR_EL2 while guests run: stage 2 on, interrupts to EL2, WFI and SMC trapped,
 * broadcast TLB maintenance, AArch64 EL1, VHE, pointer authentication not trapped. */
#define HCR_GUEST ((1ull << 0) /* VM */ | (1ull << 1) /* SWIO */ | (1ull << 3) /* FMO */ | \
		   (1ull << 4) /* IMO */ | (1ull << 5) /* AMO */ | (1ull << 9) /* FB */ | \
		   (1ull << 13) /* TWI */ | (1ull << 19) /* TSC */ | (1ull << 31) /* RW */ | \
		   (1ull << 34) /* E2H */ | (1ull << 40) /* APK */ | (1ull << 41) /* API */)

#define CPTR_FPEN_ON   (3ull << 20)    /* E2H layout: no FP/SIMD traps */
#define CNTHCTL_EL1PCTEN (1ull << 10)  /* EL1 may read the physical counter; not the timer */
#define SCTLR_EL1_RESET 0x30d00800ull  /* RES1 bits, MMU and caches off */

#define ESR_IL        (1ull << 25)

#define ICH_LR(n) S3_4_C12_C12_##n
#define ICH_LR_HI(n) S3_4_C12_C13_##n

static void write_lr(unsigned i, uint64_t v)
{
	switch (i) {
	case 0: write_sysreg(ICH_LR(0), v); break;
	case 1: write_sysreg(ICH_LR(1), v); break;
	case 2: write_sysreg(ICH_LR(2), v); break;
	case 3: write_sysreg(ICH_LR(3), v); break;
	case 4: write_sysreg(ICH_LR(4), v); break;
	case 5: write_sysreg(ICH_LR(5), v); break;
	case 6: write_sysreg(ICH_LR(6), v); break;
	case 7: write_sysreg(ICH_LR(7), v); break;
	case 8: write_sysreg(ICH_LR_HI(0), v); break;
	case 9: write_sysreg(ICH_LR_HI(1), v); break;
	case 10: write_sysreg(ICH_LR_HI(2), v); break;
	case 11: write_sysreg(ICH_LR_HI(3), v); break;
	case 12: write_sysreg(ICH_LR_HI(4), v); break;
	case 13: write_sysreg(ICH_LR_HI(5), v); break;
	case 14: write_sysreg(ICH_LR_HI(6), v); break;
	case 15: write_sysreg(ICH_LR_HI(7), v); break;
	}
}

static uint64_t read_lr(unsigned i)
{
	switch (i) {
	case 0: return read_sysreg(ICH_LR(0));
	case 1: return read_sysreg(ICH_LR(1));
	case 2: return read_sysreg(ICH_LR(2));
	case 3: return read_sysreg(ICH_LR(3));
	case 4: return read_sysreg(ICH_LR(4));
	case 5: return read_sysreg(ICH_LR(5));
	case 6: return read_sysreg(ICH_LR(6));
	case 7: return read_sysreg(ICH_LR(7));
	case 8: return read_sysreg(ICH_LR_HI(0));
	case 9: return read_sysreg(ICH_LR_HI(1));
	case 10: return read_sysreg(ICH_LR_HI(2));
	case 11: return read_sysreg(ICH_LR_HI(3));
	case 12: return read_sysreg(ICH_LR_HI(4));
	case 13: return read_sysreg(ICH_LR_HI(5));
	case 14: return read_sysreg(ICH_LR_HI(6));
	default: return read_sysreg(ICH_LR_HI(7));
	}
}

unsigned arch_gic_nr_lrs(void)
{
	unsigned n = (unsigned)(read_sysreg(S3_4_C12_C11_1 /* ICH_VTR_EL2 */) & 0x1f) + 1;

	return n > VCPU_MAX_LRS ? VCPU_MAX_LRS : n;
}

void arch_vcpu_cpu_init(void)
{
	uint64_t pmcr_n = (read_sysreg(pmcr_el0) >> 11) & 0x1f;

	write_sysreg(hcr_el2, HCR_GUEST);
	write_sysreg(vtcr_el2, s2_vtcr(read_sysreg(id_aa64mmfr0_el1) & 0xf));
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(mdcr_el2, pmcr_n);       /* HPMN: the guest sees every counter */
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(S3_4_C12_C11_0 /* ICH_HCR_EL2 */, 0);
	write_sysreg(cptr_el2, 0);            /* FP/SIMD traps until a vCPU owns them */
	isb();
}

void arch_vcpu_reset(struct vcpu *v, uint64_t pc, uint64_t x0)
{
	memset(&v->regs, 0, sizeof(v->regs));
	memset(&v->sys, 0, sizeof(v->sys));
	memset(&v->gic, 0, sizeof(v->gic));
	memset(&v->fp, 0, sizeof(v->fp));
	v->regs.pc = pc;
	v->regs.x[0] = x0;
	v->regs.pstate = ARCH_VCPU_RESET_PSTATE;
	v->sys.sctlr = SCTLR_EL1_RESET;
	v->gic.vmcr = 0;
}

/* Pointer authentication keys (S3_0_C2_C1..C3): each VM signs with its own. */
#define PAC_KEYS(op) \
	op(0, S3_0_C2_C1_0) op(1, S3_0_C2_C1_1) op(2, S3_0_C2_C1_2) op(3, S3_0_C2_C1_3) \
	op(4, S3_0_C2_C2_0) op(5, S3_0_C2_C2_1) op(6, S3_0_C2_C2_2) op(7, S3_0_C2_C2_3) \
	op(8, S3_0_C2_C3_0) op(9, S3_0_C2_C3_1)
#define PAC_LOAD(i, reg) write_sysreg(reg, s->pac_keys[i]);
#define PAC_SAVE(i, reg) s->pac_keys[i] = read_sysreg(reg);

static bool have_pauth(void)
{
	uint64_t isar1 = read_sysreg(id_aa64isar1_el1);

	/* APA [7:4], API [11:8], GPA [27:24], GPI [31:28]; ISAR2.APA3 [15:12] (QARMA3). */
	return (isar1 & 0xff000ff0ull) != 0 || (read_sysreg(S3_0_C0_C6_2) & 0xf000ull) != 0;
}

static void load_sysregs(const struct vcpu *v)
{
	const struct vcpu_sysregs *s = &v->sys;

	write_sysreg(sctlr_el12, s->sctlr);
	write_sysreg(cpacr_el12, s->cpacr);
	write_sysreg(ttbr0_el12, s->ttbr0);
	write_sysreg(ttbr1_el12, s->ttbr1);
	write_sysreg(tcr_el12, s->tcr);
	write_sysreg(mair_el12, s->mair);
	write_sysreg(amair_el12, s->amair);
	write_sysreg(contextidr_el12, s->contextidr);
	write_sysreg(vbar_el12, s->vbar);
	write_sysreg(elr_el12, s->elr);
	write_sysreg(spsr_el12, s->spsr);
	write_sysreg(sp_el1, s->sp_el1);
	write_sysreg(esr_el12, s->esr);
	write_sysreg(far_el12, s->far);
	write_sysreg(afsr0_el12, s->afsr0);
	write_sysreg(afsr1_el12, s->afsr1);
	write_sysreg(tpidr_el1, s->tpidr_el1);
	write_sysreg(tpidr_el0, s->tpidr_el0);
	write_sysreg(tpidrro_el0, s->tpidrro_el0);
	write_sysreg(par_el1, s->par);
	write_sysreg(csselr_el1, s->csselr);
	write_sysreg(mdscr_el1, s->mdscr);
	write_sysreg(cntkctl_el12, s->cntkctl);
	write_sysreg(cntv_cval_el02, s->cntv_cval);
	write_sysreg(cntv_ctl_el02, s->cntv_ctl);
	if (have_pauth()) {
		PAC_KEYS(PAC_LOAD)
	}
}

static void save_sysregs(struct vcpu *v)
{
	struct vcpu_sysregs *s = &v->sys;

	s->sctlr = read_sysreg(sctlr_el12);
	s->cpacr = read_sysreg(cpacr_el12);
	s->ttbr0 = read_sysreg(ttbr0_el12);
	s->ttbr1 = read_sysreg(ttbr1_el12);
	s->tcr = read_sysreg(tcr_el12);
	s->mair = read_sysreg(mair_el12);
	s->amair = read_sysreg(amair_el12);
	s->contextidr = read_sysreg(contextidr_el12);
	s->vbar = read_sysreg(vbar_el12);
	s->elr = read_sysreg(elr_el12);
	s->spsr = read_sysreg(spsr_el12);
	s->sp_el1 = read_sysreg(sp_el1);
	s->esr = read_sysreg(esr_el12);
	s->far = read_sysreg(far_el12);
	s->afsr0 = read_sysreg(afsr0_el12);
	s->afsr1 = read_sysreg(afsr1_el12);
	s->tpidr_el1 = read_sysreg(tpidr_el1);
	s->tpidr_el0 = read_sysreg(tpidr_el0);
	s->tpidrro_el0 = read_sysreg(tpidrro_el0);
	s->par = read_sysreg(par_el1);
	s->csselr = read_sysreg(csselr_el1);
	s->mdscr = read_sysreg(mdscr_el1);
	s->cntkctl = read_sysreg(cntkctl_el12);
	s->cntv_ctl = read_sysreg(cntv_ctl_el02);
	s->cntv_cval = read_sysreg(cntv_cval_el02);
	if (have_pauth()) {
		PAC_KEYS(PAC_SAVE)
	}
	/* A descheduled vCPU's timer must not raise the physical PPI. */
	write_sysreg(cntv_ctl_el02, 0);
}

/*
 * PMU and debug for a protected vCPU (docs/threat-model.md, "PMU and debug"): its own
 * accesses to PMU, debug and OS-lock registers trap to EL2 (and take an UNDEF, as for
 * any register it is not given: pKVM gives protected VMs neither), so it can leave no
 * state in them for the host to read; and the host's counters stop counting while it
 * runs, so they cannot measure it. Other VMs share the PMU and debug registers with the
 * host, as before.
 */
#define MDCR_TPMCR (1ull << 5)
#define MDCR_TPM   (1ull << 6)
#define MDCR_TDA   (1ull << 9)
#define MDCR_TDOSA (1ull << 10)
#define MDCR_TDRA  (1ull << 11)
#define MDCR_TTRF  (1ull << 19)

static void pmu_debug_for(struct cpu *c, const struct vcpu *v)
{
	uint64_t mdcr = (read_sysreg(pmcr_el0) >> 11) & 0x1f;   /* HPMN: every counter */
	bool prot = v->vm->is_protected;

	if (prot) {
		mdcr |= MDCR_TPMCR | MDCR_TPM | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA;
		if ((read_sysreg(id_aa64dfr0_el1) >> 40) & 0xf)   /* FEAT_TRF */
			mdcr |= MDCR_TTRF;
	}
	if (prot && !c->pmu_paused) {
		c->pmu_enabled = read_sysreg(pmcntenset_el0);
		write_sysreg(pmcntenclr_el0, ~0ull);
		c->pmu_paused = true;
	} else if (!prot && c->pmu_paused) {
		write_sysreg(pmcntenset_el0, c->pmu_enabled);
		c->pmu_paused = false;
	}
	write_sysreg(mdcr_el2, mdcr);
}

void arch_vcpu_load(struct vcpu *v)
{
	struct cpu *c = arch_this_cpu();

	if (c->loaded_vcpu == v)
		return;
	if (c->loaded_vcpu)
		arch_vcpu_put();
	load_sysregs(v);
	pmu_debug_for(c, v);
	write_sysreg(vttbr_el2, v->vm->vttbr);
	write_sysreg(vmpidr_el2, (1ull << 31) | v->index);
	write_sysreg(S3_4_C12_C11_7 /* ICH_VMCR_EL2 */, v->gic.vmcr);
	write_sysreg(S3_4_C12_C9_0 /* ICH_AP1R0_EL2 */, v->gic.ap1r0);
	write_sysreg(cptr_el2, c->fp_owner == v ? CPTR_FPEN_ON : 0);
	isb();
	c->loaded_vcpu = v;
}

void arch_vcpu_put(void)
{
	struct cpu *c = arch_this_cpu();
	struct vcpu *v = c->loaded_vcpu;

	if (!v)
		return;
	save_sysregs(v);
	v->gic.vmcr = read_sysreg(S3_4_C12_C11_7);
	v->gic.ap1r0 = read_sysreg(S3_4_C12_C9_0);
	write_sysreg(S3_4_C12_C11_0 /* ICH_HCR_EL2 */, 0);
	write_sysreg(cptr_el2, 0);
	isb();
	c->loaded_vcpu = NULL;
}

void arch_vcpu_run(struct vcpu *v, const uint64_t *lrs, unsigned nr_lrs, uint64_t ich_hcr,
		   uint64_t *lrs_out, struct vcpu_exit *e)
{
	for (unsigned i = 0; i < nr_lrs; i++)
		write_lr(i, lrs[i]);
	write_sysreg(S3_4_C12_C11_0, ich_hcr);
	write_sysreg(elr_el2, v->regs.pc);
	write_sysreg(spsr_el2, v->regs.pstate);

	e->kind = guest_enter(&v->regs);

	v->regs.pc = read_sysreg(elr_el2);
	v->regs.pstate = read_sysreg(spsr_el2);
	e->esr = read_sysreg(esr_el2);
	e->far = read_sysreg(far_el2);
	e->hpfar = read_sysreg(hpfar_el2);
	for (unsigned i = 0; i < nr_lrs; i++)
		lrs_out[i] = read_lr(i);
	/* Off while EL2 runs: no maintenance interrupts from a vCPU that is not running. */
	write_sysreg(S3_4_C12_C11_0, 0);
	v->exits++;
}

/*
 * Takes an exception to the guest's EL1 the way the hardware would: return state in
 * ELR_EL1/SPSR_EL1, syndrome in ESR_EL1 (and FAR_EL1), PC at the right vector.
 */
static void inject_sync(struct vcpu *v, uint64_t esr, uint64_t far, bool set_far)
{
	uint64_t mode = v->regs.pstate & 0xf;
	uint64_t vbar = read_sysreg(vbar_el12);
	uint64_t offset;

	if (v->regs.pstate & 0x10)   /* AArch32 (EL0): lower EL using AArch32 */
		offset = 0x600;
	else if (mode == 0x5)   /* EL1h */
		offset = 0x200;
	else if (mode == 0x4)   /* EL1t */
		offset = 0x000;
	else                    /* EL0 */
		offset = 0x400;
	write_sysreg(elr_el12, v->regs.pc);
	write_sysreg(spsr_el12, v->regs.pstate);
	write_sysreg(esr_el12, esr);
	if (set_far)
		write_sysreg(far_el12, far);
	v->regs.pc = vbar + offset;
	/* EL1h, DAIF masked; PAN set unless SCTLR_EL1.SPAN says leave it. */
	v->regs.pstate = ARCH_VCPU_RESET_PSTATE |
		((read_sysreg(sctlr_el12) & (1ull << 23)) ? (v->regs.pstate & (1ull << 22)) : (1ull << 22));
}

static bool from_el0(const struct vcpu *v) { return (v->regs.pstate & 0xf) == 0; }

void arch_vcpu_inject_undef(struct vcpu *v)
{
	inject_sync(v, ESR_IL, 0, false);
}

void arch_vcpu_inject_dabt(struct vcpu *v, uint64_t far, bool write)
{
	uint64_t ec = from_el0(v) ? EC_DABT_LOW : EC_DABT_CUR;
	/* DFSC 0b010000: synchronous external abort, not on a table walk. */
	uint64_t esr = (ec << ESR_EC_SHIFT) | ESR_IL | (write ? (1ull << 6) : 0) | 0x10;

	inject_sync(v, esr, far, true);
}

void arch_vcpu_inject_iabt(struct vcpu *v, uint64_t far)
{
	uint64_t ec = from_el0(v) ? EC_IABT_LOW : EC_IABT_CUR;

	inject_sync(v, (ec << ESR_EC_SHIFT) | ESR_IL | 0x10, far, true);
}

void fpsimd_save(struct vcpu_fp *fp);
void fpsimd_load(const struct vcpu_fp *fp);

void arch_vcpu_fp_switch(struct vcpu *v)
{
	struct cpu *c = arch_this_cpu();

	write_sysreg(cptr_el2, CPTR_FPEN_ON);
	isb();
	if (c->fp_owner != v) {
		if (c->fp_owner)
			fpsimd_save(&c->fp_owner->fp);
		fpsimd_load(&v->fp);
		c->fp_owner = v;
	}
}

void arch_vcpu_fp_release(struct vcpu *v)
{
	struct cpu *c = &cpus[v->pcpu];

	/* Only v's own CPU runs this (VM teardown happens there for each vCPU). */
	if (c->fp_owner == v) {
		static const struct vcpu_fp zero;

		write_sysreg(cptr_el2, CPTR_FPEN_ON);
		isb();
		fpsimd_load(&zero);   /* leave nothing of v in the registers */
		write_sysreg(cptr_el2, 0);
		isb();
		c->fp_owner = NULL;
	}
}

void arch_vcpu_fp_save_release(struct vcpu *v)
{
	struct cpu *c = arch_this_cpu();

	if (c->fp_owner == v) {
		static const struct vcpu_fp zero;

		write_sysreg(cptr_el2, CPTR_FPEN_ON);
		isb();
		fpsimd_save(&v->fp);
		fpsimd_load(&zero);
		write_sysreg(cptr_el2, 0);
		isb();
		c->fp_owner = NULL;
	}
}

bool arch_vtimer_should_fire(const struct vcpu *v)
{
	uint64_t ctl = v->sys.cntv_ctl;

	return (ctl & 1) && !(ctl & 2) && read_sysreg(cntvct_el0) >= v->sys.cntv_cval;
}

void arch_vcpu_unload(struct vcpu *v)
{
	if (arch_this_cpu()->loaded_vcpu == v)
		arch_vcpu_put();
	arch_vcpu_fp_save_release(v);
}
