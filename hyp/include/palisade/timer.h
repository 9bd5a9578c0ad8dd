/* The EL2 physical timer (CNTHP, PPI 26): the hypervisor's own deadline per CPU. */
#ifndef PALISADE_TIMER_H
#define PALISADE_TIMER_H

#include <stdint.h>

uint64_t timer_now(void);                 /* the physical counter */
uint64_t timer_freq(void);
void timer_arm_at(uint64_t deadline);     /* fires PPI 26 when the counter reaches it */
void timer_disarm(void);
uint64_t timer_ms_to_ticks(uint64_t ms);

#endif
