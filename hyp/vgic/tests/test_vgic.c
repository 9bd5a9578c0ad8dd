/* Unit tests of the virtual GICv3: runs the register, list-register and model groups. */
#include "vgic_test.h"

struct vgic V;

int vgic_setup(void **state)
{
	(void)state;
	memset(&V, 0xa5, sizeof(V));    /* vgic_init must not rely on zeroed memory */
	assert_int_equal(vgic_init(&V, NR_VCPUS), PAL_OK);
	return 0;
}

int main(void)
{
	int failed = 0;

	failed += _cmocka_run_group_tests("vgic_mmio", vgic_mmio_tests, vgic_mmio_tests_count,
					  NULL, NULL);
	failed += _cmocka_run_group_tests("vgic_lr", vgic_lr_tests, vgic_lr_tests_count,
					  NULL, NULL);
	failed += _cmocka_run_group_tests("vgic_model", vgic_model_tests, vgic_model_tests_count,
					  NULL, NULL);
	return failed;
}
