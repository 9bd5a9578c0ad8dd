/*
 * The protected VM lifecycle (docs/hypercalls.md, "Launch"): one state per VM, every
 * launch call checked against it in one pure function, so the order of calls is a
 * table, not a product of flags. Portable (EL2 and host unit tests).
 *
 *   CREATED --SET_BOOT--> BOOT_SET --START--> RUNNING --STOP--> STOPPED
 *   LOAD in CREATED and BOOT_SET; RUN, IRQ, ATTEST in RUNNING; DESTROY from any state
 *   but DESTROYING, which then ends in teardown (the VM slot is freed).
 */
#ifndef PALISADE_PVM_LIFECYCLE_H
#define PALISADE_PVM_LIFECYCLE_H

enum pvm_phase {
	PVM_CREATED = 0,   /* memory being loaded (measured), no boot state yet */
	PVM_BOOT_SET,      /* boot state recorded; still loading */
	PVM_RUNNING,       /* sealed: measurement final, vCPUs may run, no more loads */
	PVM_STOPPED,       /* it powered off (or reset): nothing runs; only DESTROY */
	PVM_DESTROYING,    /* VM_DESTROY in progress: nothing else, ever */
};

enum pvm_event {
	PVM_EV_LOAD,
	PVM_EV_SET_BOOT,
	PVM_EV_START,
	PVM_EV_RUN,        /* VCPU_RUN, VM_IRQ_LINE, ATTEST and MEASURE_* */
	PVM_EV_STOP,       /* PSCI SYSTEM_OFF / SYSTEM_RESET from the VM */
	PVM_EV_DESTROY,
};

/* PAL_OK and *next, or PAL_E_STATE (the event is not allowed in cur; *next = cur). */
int pvm_step(enum pvm_phase cur, enum pvm_event ev, enum pvm_phase *next);

#endif
