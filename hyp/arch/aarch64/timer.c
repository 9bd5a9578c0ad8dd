/* EL2 physical timer (CNTHP_*_EL2). */
#include "arch/cpu.h"
#include "palisade/timer.h"

#define CNT_CTL_ENABLE  (1u << 0)
#define CNT_CTL_IMASK   (1u << 1)

uint64_t timer_now(void) { return arch_counter(); }
uint64_t timer_freq(void) { return arch_counter_freq(); }
uint64_t timer_ms_to_ticks(uint64_t ms) { return arch_counter_freq() / 1000 * ms; }

void timer_arm_at(uint64_t deadline)
{
	write_sysreg(cnthp_cval_el2, deadline);
	write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
	isb();
}

void timer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, CNT_CTL_IMASK);
	isb();
}
