/* Everything of the mica guest kit: include this one header. */
#ifndef MICA_MICA_H
#define MICA_MICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "mica/console.h"
#include "mica/format.h"
#include "mica/io/console.h"
#include "mica/kit.h"
#include "mica/malloc.h"
#include "mica/stdio.h"
#include "mica/string.h"

#endif
