/*
 * <assert.h> for the EL2 build of Mbed TLS only: its common.h includes this header for
 * static_assert. The configured modules never call assert(); if one did, it traps.
 */
#ifndef PALISADE_SHIM_ASSERT_H
#define PALISADE_SHIM_ASSERT_H

#define static_assert _Static_assert

#ifdef NDEBUG
#define assert(x) ((void)0)
#else
#define assert(x) ((x) ? (void)0 : __builtin_trap())
#endif

#endif
