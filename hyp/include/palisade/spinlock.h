/*
 * Ticket-free test-and-set spinlock, portable (EL2 and host unit tests).
 * Acquire/release ordering comes from the compiler's atomics (LDAXR/STLXR at EL2).
 */
#ifndef PALISADE_SPINLOCK_H
#define PALISADE_SPINLOCK_H

#include <stdbool.h>

typedef struct { volatile int locked; } spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
	}
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
