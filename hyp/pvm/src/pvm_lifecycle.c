/* The protected VM lifecycle table (pvm_lifecycle.h). */
#include <palisade/error.h>
#include <palisade/pvm_lifecycle.h>

int pvm_step(enum pvm_phase cur, enum pvm_event ev, enum pvm_phase *next)
{
	enum pvm_phase to = cur;
	int ok;

	switch (ev) {
	case PVM_EV_LOAD:
		ok = cur == PVM_CREATED || cur == PVM_BOOT_SET;
		break;
	case PVM_EV_SET_BOOT:
		ok = cur == PVM_CREATED;
		to = PVM_BOOT_SET;
		break;
	case PVM_EV_START:
		ok = cur == PVM_BOOT_SET;
		to = PVM_RUNNING;
		break;
	case PVM_EV_RUN:
		ok = cur == PVM_RUNNING;
		break;
	case PVM_EV_STOP:
		ok = cur == PVM_RUNNING;
		to = PVM_STOPPED;
		break;
	case PVM_EV_DESTROY:
		ok = cur != PVM_DESTROYING && cur <= PVM_DESTROYING;
		to = PVM_DESTROYING;
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok || cur > PVM_DESTROYING) {
		*next = cur;
		return PAL_E_STATE;
	}
	*next = to;
	return PAL_OK;
}
