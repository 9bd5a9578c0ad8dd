/* Boot-time CPU feature checks. */
#include <stddef.h>
#include "arch/cpu.h"

const char *arch_check_features(void)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	uint64_t mmfr1 = read_sysreg(id_aa64mmfr1_el1);

	if (((mmfr1 >> MMFR1_VH_SHIFT) & 0xf) == 0)
		return "VHE (FEAT_VHE)";
	if (((mmfr0 >> MMFR0_TGRAN4_SHIFT) & 0xf) == 0xf)
		return "the 4 KiB translation granule";
	if ((read_sysreg(hcr_el2) & HCR_E2H) == 0)
		return "HCR_EL2.E2H to stick (VHE)";
	return NULL;
}
