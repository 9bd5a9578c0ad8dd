/* Freestanding <stdlib.h> for EL2: types only. EL2 has no malloc; libfdt needs the header. */
#ifndef PALISADE_LIBC_STDLIB_H
#define PALISADE_LIBC_STDLIB_H
#include <stddef.h>
#endif
