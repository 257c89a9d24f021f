/* The kit's string, number-parsing and character-class functions: the
 * standard headers (guest/include/libc/), for code that includes
 * <mica/mica.h> only. */
#ifndef MICA_GUEST_STRING_H
#define MICA_GUEST_STRING_H

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#endif
