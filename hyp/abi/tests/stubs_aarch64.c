/*
 * Compile check of the generated guest-side stubs for aarch64 (the HVC conduit), the
 * way a test guest uses them. Built, never run; abi.stubs_issue_hvc disassembles it.
 */
#include <palisade/hypercall_stubs.h>

int64_t check_version(struct pal_hc_version_result *res);
int64_t check_caller_id(struct pal_hc_caller_id_result *res);

int64_t check_version(struct pal_hc_version_result *res)
{
	return pal_hc_version(res);
}

int64_t check_caller_id(struct pal_hc_caller_id_result *res)
{
	return pal_hc_caller_id(res);
}
