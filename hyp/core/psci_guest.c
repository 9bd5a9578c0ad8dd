/*
 * SMCCC 1.1 and PSCI 1.1 as guests see them. vCPUs of a VM are addressed by their
 * MPIDR, whose Aff0 is the vCPU index. SYSTEM_OFF/RESET stop only the calling VM
 * (the host VM stopping powers the machine off).
 */
#include "arch/cpu.h"
#include "arch/psci.h"
#include "arch/vcpu_arch.h"
#include "palisade/cpu.h"
#include "palisade/sched.h"
#include "palisade/spinlock.h"
#include "palisade/vm_irq.h"
#include "palisade/vcpu_exit.h"
#include "palisade/vm.h"
#include "palisade/vm_launch.h"

#define SMCCC_VERSION          0x80000000u
#define SMCCC_ARCH_FEATURES    0x80000001u
#define PSCI_0_2_VERSION       0x84000000u
#define PSCI_CPU_SUSPEND_32    0x84000001u
#define PSCI_CPU_SUSPEND_64    0xC4000001u
#define PSCI_CPU_OFF           0x84000002u
#define PSCI_CPU_ON_32         0x84000003u
#define PSCI_CPU_ON_64_FN      0xC4000003u
#define PSCI_AFFINITY_INFO_32  0x84000004u
#define PSCI_AFFINITY_INFO_64  0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF_FN     0x84000008u
#define PSCI_SYSTEM_RESET_FN   0x84000009u
#define PSCI_FEATURES          0x8400000Au

#define PSCI_RET_SUCCESS        0
#define PSCI_RET_NOT_SUPPORTED  (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED         (-3)
#define PSCI_RET_ALREADY_ON     (-4)
#define PSCI_RET_ON_PENDING     (-5)

static void ret(struct vcpu *v, int64_t r)
{
	v->regs.x[0] = (uint64_t)r;
}

static struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	if ((mpidr & 0xff00ffff00ull) != 0 || (mpidr & 0xff) >= vm->vcpu_count)
		return NULL;
	return &vm->vcpus[mpidr & 0xff];
}

static bool supported(uint32_t fn)
{
	switch (fn) {
	case PSCI_0_2_VERSION: case PSCI_CPU_SUSPEND_32: case PSCI_CPU_SUSPEND_64:
	case PSCI_CPU_OFF: case PSCI_CPU_ON_32: case PSCI_CPU_ON_64_FN:
	case PSCI_AFFINITY_INFO_32: case PSCI_AFFINITY_INFO_64: case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF_FN: case PSCI_SYSTEM_RESET_FN: case PSCI_FEATURES:
	case SMCCC_VERSION: case SMCCC_ARCH_FEATURES:
		return true;
	default:
		return false;
	}
}

static void cpu_on(struct vcpu *v, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	struct vcpu *t = vcpu_by_mpidr(v->vm, mpidr);
	enum vcpu_state off = VCPU_OFF;
	bool started = false;

	if (!t) {
		ret(v, PSCI_RET_INVALID_PARAMS);
		return;
	}
	/* Serialised per VM: two CPU_ONs of one vCPU cannot both reset it. Its old state
	 * already left its CPU (CPU_OFF unloads before it is seen OFF), so the reset is the
	 * whole truth; OFF -> RUNNABLE by CAS never overrides a concurrent VM stop. */
	spin_lock(&v->vm->psci_lock);
	if (__atomic_load_n(&t->state, __ATOMIC_SEQ_CST) == VCPU_OFF) {
		arch_vcpu_reset(t, entry, ctx);
		started = __atomic_compare_exchange_n(&t->state, &off, VCPU_RUNNABLE, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	spin_unlock(&v->vm->psci_lock);
	if (!started) {
		ret(v, PSCI_RET_ALREADY_ON);
		return;
	}
	sched_kick(t);
	ret(v, PSCI_RET_SUCCESS);
	/* A host-driven VM's new vCPU runs only when the host calls VCPU_RUN for it. */
	if (v->vm->launch.host_launched)
		vcpu_run_set_exit(v, VCPU_EXIT_CPU_ON, t->index, 0);
}

bool psci_guest_call(struct vcpu *v)
{
	uint32_t fn = (uint32_t)v->regs.x[0];
	uint64_t a1 = v->regs.x[1], a2 = v->regs.x[2], a3 = v->regs.x[3];

	if (fn == PSCI_CPU_ON_32 || fn == PSCI_AFFINITY_INFO_32 || fn == PSCI_CPU_SUSPEND_32) {
		a1 &= 0xffffffffull;
		a2 &= 0xffffffffull;
		a3 &= 0xffffffffull;
	}
	switch (fn) {
	case SMCCC_VERSION:
		ret(v, 0x10001);               /* SMCCC 1.1 */
		return true;
	case SMCCC_ARCH_FEATURES:
		/* No firmware workarounds are offered (ARCH_WORKAROUND_1/2/3). */
		ret(v, a1 == SMCCC_VERSION ? 0 : PSCI_RET_NOT_SUPPORTED);
		return true;
	case PSCI_0_2_VERSION:
		ret(v, 0x10001);               /* PSCI 1.1 */
		return true;
	case PSCI_FEATURES:
		ret(v, supported((uint32_t)a1) ? 0 : PSCI_RET_NOT_SUPPORTED);
		return true;
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		/* A standby request: the vCPU waits for an interrupt like WFI would. */
		ret(v, PSCI_RET_SUCCESS);
		return true;
	case PSCI_CPU_OFF: {
		enum vcpu_state running = VCPU_RUNNABLE;

		/* Its EL1, FP/SIMD and vGIC state leave this CPU before it is seen OFF: a
		 * CPU_ON on another CPU may reset it at once (the run loops load it again if
		 * it is started before they notice). */
		vm_irq_vcpu_put(v);
		arch_vcpu_unload(v);
		/* Never over a concurrent VM stop: STOPPED must stick for the teardown. */
		__atomic_compare_exchange_n(&v->state, &running, VCPU_OFF, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return true;
	}
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64_FN:
		cpu_on(v, a1, a2, a3);
		return true;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64: {
		struct vcpu *t = vcpu_by_mpidr(v->vm, a1);

		if (!t || a2 != 0)
			ret(v, PSCI_RET_INVALID_PARAMS);
		else
			ret(v, t->state == VCPU_OFF ? 1 : 0);
		return true;
	}
	case PSCI_MIGRATE_INFO_TYPE:
		ret(v, 2);                     /* no trusted OS to migrate */
		return true;
	case PSCI_SYSTEM_OFF_FN:
		vm_stop(v->vm, "PSCI SYSTEM_OFF");
		return true;
	case PSCI_SYSTEM_RESET_FN:
		/* Guests cannot be restarted yet: a reset request stops the VM. */
		v->vm->launch.reset_requested = true;
		vm_stop(v->vm, "PSCI SYSTEM_RESET");
		return true;
	default:
		return false;
	}
}
