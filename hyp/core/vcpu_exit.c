/*
 * Guest exits: hypercalls (SMCCC/PSCI, then Palisade's own calls through the generated
 * dispatch table), MMIO emulation, system register traps, WFI, FP/SIMD switching and
 * interrupts. Nothing a guest does here can stop the hypervisor: anything not handled
 * becomes an exception injected into the guest.
 */
#include "arch/cpu.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/hypercall.h"
#include "palisade/irq.h"
#include "palisade/boot.h"
#include "palisade/log.h"
#include "palisade/mem_s2.h"
#include "palisade/sched.h"
#include "palisade/vcpu_exit.h"
#include "palisade/stage2.h"
#include "palisade/vm.h"
#include "palisade/vm_irq.h"
#include "palisade/vm_launch.h"

#define EC_WFX      0x01
#define EC_FP       0x07
#define EC_SVE      0x19
#define SMCCC_NOT_SUPPORTED ((uint64_t)(int64_t)-1)

/* ICC_SGI1R_EL1: Op0=3 Op1=0 CRn=12 CRm=11 Op2=5, as encoded in the ISS of EC 0x18. */
#define SYSREG_ISS_MASK   0x3ffc1eull
#define SYSREG_ISS(op0, op1, crn, crm, op2) \
	(((uint64_t)(op0) << 20) | ((uint64_t)(op2) << 17) | ((uint64_t)(op1) << 14) | \
	 ((uint64_t)(crn) << 10) | ((uint64_t)(crm) << 1))
#define ISS_ICC_SGI1R SYSREG_ISS(3, 0, 12, 11, 5)

static uint64_t reg_read(const struct vcpu *v, unsigned r)
{
	return r == 31 ? 0 : v->regs.x[r];
}

/* Length of the trapped instruction: 2 for a 16-bit T32 one (AArch32 EL0), else 4. */
static unsigned insn_len(uint64_t esr)
{
	return (esr >> 25) & 1 ? 4 : 2;
}

static void reg_write(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r != 31)
		v->regs.x[r] = val;
}

static void handle_hvc(struct vcpu *v)
{
	uint32_t fn = (uint32_t)v->regs.x[0];

	if (psci_guest_call(v))
		return;
	if ((fn & 0xff000000u) == 0xc6000000u) {
		struct hc_ctx ctx = { .caller = v->vm->id, .vm = v->vm };

		hc_dispatch(&ctx, v->vm->id, v->regs.x);
		return;
	}
	v->regs.x[0] = SMCCC_NOT_SUPPORTED;
}

/* The host's IPA is the PA: is it RAM (as opposed to a device or a hole)? */
static bool is_ram(uint64_t pa)
{
	return ram_region_containing(pa, 1) != NULL;
}

/* The faulting IPA of a stage-2 abort: page from HPFAR_EL2, offset from FAR_EL2. */
static uint64_t fault_ipa(const struct vcpu_exit *e)
{
	return ((e->hpfar >> 4) << 12) | (e->far & 0xfff);
}

/*
 * A stage-2 fault on RAM that is mapped by the time we hold the VM's lock was taken in
 * the window of a block split (break-before-make: stage2.h) or another remap on another
 * CPU: the access is retried, not punished. Only what is still unmapped (or mapped
 * without the permission) is a real fault.
 */
static bool in_launch_memory(const struct vm *vm, uint64_t ipa);

/* Could ipa be the VM's RAM (worth a look in its stage-2)? Its devices never are. */
static bool may_be_memory(const struct vm *vm, uint64_t ipa)
{
	if (vm->is_host)
		return is_ram(ipa);
	if (vm->launch.host_launched)
		return in_launch_memory(vm, ipa);
	return ipa >= 0x40000000ull;   /* guests' devices sit below 1 GiB (guest_fdt.h) */
}

static bool fault_was_transient(struct vm *vm, uint64_t ipa, bool write, bool exec)
{
	unsigned prot = 0;
	int rc = vm_translate(vm, ipa_init(ipa), NULL, &prot);

	return rc == PAL_OK && (prot & (exec ? S2_X : write ? S2_W : S2_R));
}

static bool in_launch_memory(const struct vm *vm, uint64_t ipa)
{
	return ipa >= vm->launch.mem_base && ipa - vm->launch.mem_base < vm->launch.mem_size;
}

static void handle_dabt(struct vcpu *v, const struct vcpu_exit *e)
{
	uint64_t ipa = fault_ipa(e);
	struct mmio_access a;
	struct vm *vm = v->vm;

	for (unsigned i = 0; i < vm->mmio_count; i++) {
		struct vm_mmio_device *d = &vm->mmio[i];
		uint64_t value;

		if (ipa < d->base || ipa - d->base >= d->size)
			continue;
		if (!mmio_decode(e->esr, ipa, &a))
			break;
		value = a.write ? mmio_store_value(&a, reg_read(v, a.reg)) : 0;
		if (d->access(vm, v, d->dev, ipa - d->base, a.size, a.write, &value) != PAL_OK)
			break;
		if (!a.write)
			reg_write(v, a.reg, mmio_load_value(&a, value));
		v->regs.pc += insn_len(e->esr);
		return;
	}
	if (may_be_memory(vm, ipa) && fault_was_transient(vm, ipa, (e->esr >> 6) & 1, false))
		return;
	/* A host-launched VM's devices outside its RAM are the host's to emulate: the
	 * access goes to the host as an MMIO exit of VCPU_RUN (vcpu_run.c completes it). */
	if (vm->launch.host_launched && !in_launch_memory(vm, ipa) && mmio_decode(e->esr, ipa, &a)) {
		v->mmio = a;
		v->mmio_far = e->far;
		v->mmio_insn_len = (uint8_t)insn_len(e->esr);
		v->mmio_pending = true;
		/* Only the accessed bytes leave the VM, zero-extended. */
		vcpu_run_set_exit(v, VCPU_EXIT_MMIO | (uint64_t)a.size << 8 | (uint64_t)a.write << 12,
				  ipa, a.write ? mmio_store_value(&a, reg_read(v, a.reg)) : 0);
		return;
	}
	/* Nothing there (or an access the device cannot take): an external abort, as a
	 * bus error would be on hardware. The hypervisor carries on. The host touching RAM
	 * it does not own is worth a (rate-limited) line in the log. */
	if (vm->is_host && is_ram(ipa))
		mem_s2_report_host_fault(ipa, (e->esr >> 6) & 1, false);
	arch_vcpu_inject_dabt(v, e->far, (e->esr >> 6) & 1);
}

/*
 * A protected VM's debug (op0 = 2: breakpoints, watchpoints, MDSCR, the OS lock) and
 * PMU (op0 = 3, CRn 9 or 14 with op1 0 or 3) registers trap here (vcpu_arch.c,
 * pmu_debug_for): they read as zero and ignore writes, as pKVM does, so an unmodified
 * kernel boots (Linux clears the OS lock and resets PMU registers early) while nothing
 * of its own lands in registers the host will see.
 */
static bool pvm_raz_wi(const struct vcpu *v, uint64_t esr)
{
	unsigned op0 = (esr >> 20) & 3, op1 = (esr >> 14) & 7, crn = (esr >> 10) & 0xf;

	if (!v->vm->is_protected)
		return false;
	return op0 == 2 || (op0 == 3 && (crn == 9 || crn == 14) && (op1 == 0 || op1 == 3));
}

static void handle_sysreg(struct vcpu *v, const struct vcpu_exit *e)
{
	bool read = e->esr & 1;
	unsigned rt = (e->esr >> 5) & 0x1f;

	if (!read && (e->esr & SYSREG_ISS_MASK) == ISS_ICC_SGI1R) {
		vm_irq_sgi(v, reg_read(v, rt));
		v->regs.pc += insn_len(e->esr);
		return;
	}
	if (pvm_raz_wi(v, e->esr)) {
		if (read)
			reg_write(v, rt, 0);
		v->regs.pc += insn_len(e->esr);
		return;
	}
	arch_vcpu_inject_undef(v);
}

static void handle_wfx(struct vcpu *v, const struct vcpu_exit *e)
{
	v->regs.pc += insn_len(e->esr);
	if (e->esr & 1)      /* WFE: just let others run */
		return;
	if (!vm_irq_pending(v)) {
		enum vcpu_state s = VCPU_RUNNABLE;

		__atomic_compare_exchange_n(&v->state, &s, VCPU_BLOCKED, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		/* An interrupt injected from another CPU in between must not be lost. */
		if (vm_irq_pending(v))
			sched_wake(v);
	}
}

void vcpu_handle_exit(struct vcpu *v, const struct vcpu_exit *e)
{
	uint64_t ec = ESR_EC(e->esr);

	/* Exception kinds from guest.S: the vector index; 8..11 from a lower EL in AArch64,
	 * 12..15 the same from AArch32 (EL0 only: EL1 is always AArch64, HCR_EL2.RW). */
	switch (e->kind) {
	case 9:   /* IRQ */
	case 10:  /* FIQ */
	case 13:
	case 14:
		irq_handle();
		return;
	case 11:
	case 15:
		log_printf("PALISADE: VM %u vCPU %u: SError (ESR 0x%llx)\n", v->vm->id, v->index,
			   (unsigned long long)e->esr);
		vm_stop(v->vm, "SError");
		return;
	case 8:
	case 12:
		break;
	default:
		vm_stop(v->vm, "unexpected exception kind");
		return;
	}

	switch (ec) {
	case EC_HVC64:
		handle_hvc(v);
		break;
	case EC_SMC64:
		v->regs.pc += insn_len(e->esr);   /* trapped SMC: ELR is the SMC itself */
		handle_hvc(v);
		break;
	case EC_DABT_LOW:
		handle_dabt(v, e);
		break;
	case EC_IABT_LOW: {
		uint64_t ipa = fault_ipa(e);
		/* A fault on a stage-1 table walk (ESR.S1PTW) was a read of the table, not a
		 * fetch: an execute-only page holding a table is a real fault, not transient. */
		bool walk = (e->esr >> 7) & 1;

		if (may_be_memory(v->vm, ipa) && fault_was_transient(v->vm, ipa, false, !walk))
			break;
		if (v->vm->is_host && is_ram(ipa))
			mem_s2_report_host_fault(ipa, false, true);
		arch_vcpu_inject_iabt(v, e->far);
		break;
	}
	case EC_SYSREG:
		handle_sysreg(v, e);
		break;
	case EC_WFX:
		handle_wfx(v, e);
		break;
	case EC_FP:
		arch_vcpu_fp_switch(v);
		break;
	default:
		arch_vcpu_inject_undef(v);
		break;
	}
}
