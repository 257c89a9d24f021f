/* Console stdio for guests: the standard <stdio.h> (guest/include/libc/),
 * for code that includes <mica/mica.h> only. */
#ifndef MICA_STDIO_H
#define MICA_STDIO_H

#include <stdio.h>

#endif
