/* The lifecycle table: every (state, event) pair against an independent list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <palisade/error.h>
#include <palisade/pvm_lifecycle.h>

#define NPHASE 5
#define NEV 6
#define NO (-1)

/* allowed[phase][event]: the next phase, or NO. */
static const int allowed[NPHASE][NEV] = {
	/*               LOAD          SET_BOOT      START        RUN          STOP         DESTROY */
	[PVM_CREATED]  = { PVM_CREATED,  PVM_BOOT_SET, NO,          NO,          NO,          PVM_DESTROYING },
	[PVM_BOOT_SET] = { PVM_BOOT_SET, NO,           PVM_RUNNING, NO,          NO,          PVM_DESTROYING },
	[PVM_RUNNING]  = { NO,           NO,           NO,          PVM_RUNNING, PVM_STOPPED, PVM_DESTROYING },
	[PVM_STOPPED]  = { NO,           NO,           NO,          NO,          NO,          PVM_DESTROYING },
	[PVM_DESTROYING] = { NO,         NO,           NO,          NO,          NO,          NO },
};

static void every_pair(void **state)
{
	(void)state;
	for (int p = 0; p < NPHASE; p++) {
		for (int e = 0; e < NEV; e++) {
			enum pvm_phase next = (enum pvm_phase)99;
			int rc = pvm_step((enum pvm_phase)p, (enum pvm_event)e, &next);

			if (allowed[p][e] == NO) {
				assert_int_equal(rc, PAL_E_STATE);
				assert_int_equal(next, p);   /* a refusal changes nothing */
			} else {
				assert_int_equal(rc, PAL_OK);
				assert_int_equal(next, allowed[p][e]);
			}
		}
	}
}

static void out_of_range_refused(void **state)
{
	enum pvm_phase next;

	(void)state;
	assert_int_equal(pvm_step((enum pvm_phase)7, PVM_EV_DESTROY, &next), PAL_E_STATE);
	assert_int_equal(next, 7);
	assert_int_equal(pvm_step(PVM_CREATED, (enum pvm_event)42, &next), PAL_E_STATE);
	assert_int_equal(next, PVM_CREATED);
}

/* The launch a host makes: create, loads, boot, more loads, start, run, destroy. */
static void normal_launch(void **state)
{
	static const enum pvm_event seq[] = { PVM_EV_LOAD, PVM_EV_LOAD, PVM_EV_SET_BOOT,
					      PVM_EV_LOAD, PVM_EV_START, PVM_EV_RUN, PVM_EV_RUN,
					      PVM_EV_STOP, PVM_EV_DESTROY };
	enum pvm_phase p = PVM_CREATED;

	(void)state;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		assert_int_equal(pvm_step(p, seq[i], &p), PAL_OK);
	assert_int_equal(p, PVM_DESTROYING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_pair),
		cmocka_unit_test(out_of_range_refused),
		cmocka_unit_test(normal_launch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
