/*
 * The per-CPU scheduler: each physical CPU runs the vCPUs placed on it, round robin,
 * with a time slice from the EL2 timer when more than one is runnable, and idles in WFI
 * when none is.
 */
#ifndef PALISADE_SCHED_H
#define PALISADE_SCHED_H

#include "palisade/vcpu.h"

#define SCHED_SLICE_MS 10

void sched_add(struct vcpu *v);          /* place v on its CPU's run queue (boot/VM start) */
void sched_wake(struct vcpu *v);         /* BLOCKED -> RUNNABLE, kick its CPU */
void sched_kick(struct vcpu *v);         /* make v's CPU look at its run queue again */
__attribute__((noreturn)) void sched_run(void);   /* this CPU's scheduling loop */

#endif
