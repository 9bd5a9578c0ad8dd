/*
 * Random corruption of the example manifest under ASan/UBSan: bit flips anywhere,
 * byte overwrites in the structure and strings blocks, and truncations. Every run must
 * end in a clean accept (with the output's invariants holding) or a clean reject (one
 * line, zeroed output); never a crash, a read outside the blob, or a hang.
 * argv[1] (optional) is the iteration count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "palisade/error.h"
#include "palisade/manifest.h"
#include "support.h"

static unsigned iterations = 200000;
static struct manifest m;

static void check_outcome(int rc, const char *err, unsigned *accepted, unsigned *rejected)
{
	if (rc == 0) {
		unsigned hosts = 0;

		(*accepted)++;
		assert_true(m.count >= 1 && m.count <= MANIFEST_MAX_VMS);
		for (unsigned i = 0; i < m.count; i++) {
			const struct manifest_vm *vm = &m.vms[i];

			hosts += vm->role == MANIFEST_ROLE_HOST;
			assert_true(vm->vcpus >= 1 && vm->vcpus <= MANIFEST_MAX_VCPUS);
			assert_true(vm->kernel.size > 0);
			assert_true(pa_page_aligned(vm->kernel.base));
			assert_true(strlen(vm->bootargs) < MANIFEST_BOOTARGS_MAX);
			if (vm->role == MANIFEST_ROLE_GUEST) {
				assert_true(vm->mem_size && !(vm->mem_size & (SZ_2M - 1)));
				assert_true(!(pa_addr(vm->mem_pa) & (SZ_2M - 1)));
			}
		}
		assert_int_equal(hosts, 1);
		assert_int_equal(m.vms[m.host].role, MANIFEST_ROLE_HOST);
	} else {
		(*rejected)++;
		assert_true(rc == PAL_E_INVALID || rc == PAL_E_RANGE || rc == PAL_E_NO_MEMORY);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
		assert_int_equal(m.count, 0);
	}
}

static void test_fuzz(void **state)
{
	size_t size;
	uint8_t *orig = t_load_dtb("example", &size);
	uint8_t *blob = t_dup("", 0, size);
	uint64_t seed = 0x5eed0f5a1154deull;
	unsigned accepted = 0, rejected = 0;
	struct manifest_limits lim = t_limits_2g();
	(void)state;

	for (unsigned it = 0; it < iterations; it++) {
		uint64_t r = t_rand(&seed);
		size_t len = size;
		char err[256];
		int rc;

		memcpy(blob, orig, size);
		switch (r % 4) {
		case 0: /* a few bit flips anywhere */
		case 1:
			for (unsigned n = 1 + (unsigned)(t_rand(&seed) % 8); n; n--) {
				size_t bit = t_rand(&seed) % (size * 8);

				blob[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			break;
		case 2: { /* overwrite bytes past the header with interesting values */
			static const uint8_t vals[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0x03, 0x09 };

			for (unsigned n = 1 + (unsigned)(t_rand(&seed) % 4); n; n--) {
				size_t at = 40 + t_rand(&seed) % (size - 40);

				blob[at] = vals[t_rand(&seed) % sizeof(vals)];
			}
			break;
		}
		default: /* truncate, maybe also shrink totalsize to match */
			len = t_rand(&seed) % size;
			if (t_rand(&seed) & 1)
				((struct fdt_header *)blob)->totalsize = cpu_to_fdt32((uint32_t)len);
			break;
		}
		/* Parse a copy of exactly len bytes so ASan sees any read past it. */
		uint8_t *exact = t_dup(blob, len, len);

		memset(err, 0, sizeof(err));
		rc = manifest_parse(exact, len, &lim, &m, err, sizeof(err));
		check_outcome(rc, err, &accepted, &rejected);
		free(exact);
	}
	printf("[ info ] %u corrupted manifests: %u accepted, %u rejected\n", iterations,
	       accepted, rejected);
	assert_true(rejected > iterations / 2);
	free(blob);
	free(orig);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz),
	};

	if (argc > 1)
		iterations = (unsigned)strtoul(argv[1], NULL, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
