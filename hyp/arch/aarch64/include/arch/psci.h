/* PSCI calls the hypervisor makes to the firmware below it (SMC conduit). */
#ifndef ARCH_PSCI_H
#define ARCH_PSCI_H

#include <stdint.h>

#define PSCI_VERSION        0x84000000u
#define PSCI_CPU_ON_64      0xC4000003u
#define PSCI_SYSTEM_OFF     0x84000008u
#define PSCI_SYSTEM_RESET   0x84000009u

#define PSCI_SUCCESS        0
#define PSCI_ALREADY_ON     (-4)

int64_t arch_smc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

static inline int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	return arch_smc(PSCI_CPU_ON_64, mpidr, entry, ctx);
}

__attribute__((noreturn)) void psci_system_off(void);

#endif
