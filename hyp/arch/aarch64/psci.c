/* PSCI calls to the firmware (QEMU's built-in PSCI at EL3, reached with SMC). */
#include "arch/cpu.h"
#include "arch/psci.h"
#include "palisade/boot_identity.h"

void psci_system_off(void)
{
	/* Every shutdown path comes here: the attestation key and CDI are zeroed first. */
	boot_identity_wipe();
	arch_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
	/* SYSTEM_OFF does not return; if the firmware refused, stop here. */
	arch_cpu_park();
}
