/*
 * Host unit tests only: the guest kit defines libc's standard names
 * (memcpy, malloc, ...), which would collide with the host's own libc when
 * a test links the guest code. A test defines MICA_HOST_TEST before it
 * #includes a .c file from guest/lib; that file includes this header first, so
 * every definition and declaration it sees is renamed to kit_<name>. The
 * test then calls kit_<name> and exercises the real guest code.
 *
 * There is no include guard and none is needed: redefining a macro with
 * identical text is allowed, so several .c files may each include it.
 */
#ifdef MICA_HOST_TEST

/* string.c */
#define memcpy kit_memcpy
#define memmove kit_memmove
#define memset kit_memset
#define memcmp kit_memcmp
#define memchr kit_memchr
#define strlen kit_strlen
#define strnlen kit_strnlen
#define strcmp kit_strcmp
#define strncmp kit_strncmp
#define strchr kit_strchr
#define strrchr kit_strrchr
#define strcpy kit_strcpy
#define strncpy kit_strncpy
#define strlcpy kit_strlcpy
#define strtoul kit_strtoul
#define strtol kit_strtol
#define atoi kit_atoi
#define atol kit_atol
#define atoll kit_atoll
#define strtoll kit_strtoll
#define strtoull kit_strtoull
#define strcat kit_strcat
#define strncat kit_strncat
#define strdup kit_strdup
#define strndup kit_strndup
#define strstr kit_strstr
#define strspn kit_strspn
#define strcspn kit_strcspn
#define strpbrk kit_strpbrk
#define strtok kit_strtok
#define strtok_r kit_strtok_r
#define strcasecmp kit_strcasecmp
#define strncasecmp kit_strncasecmp
#define strcoll kit_strcoll
#define strerror kit_strerror

/* Types and macros the host's headers define differently: the kit's
 * headers, included after this one, define them again. */
#define div_t kit_div_t
#define ldiv_t kit_ldiv_t
#define lldiv_t kit_lldiv_t
#ifndef MICA_LIBC_ERRNO_H
#undef errno
#endif
#ifndef MICA_LIBC_STDIO_H
#undef BUFSIZ
#endif
#ifndef MICA_LIBC_MATH_H
#undef HUGE_VAL
#undef HUGE_VALF
#undef INFINITY
#undef NAN
#undef MATH_ERRNO
#undef math_errhandling
#undef M_E
#undef M_LN2
#undef M_LN10
#undef M_PI
#undef M_PI_2
#undef M_SQRT2
#undef isnan
#undef isinf
#undef isfinite
#undef signbit
#endif

/* stdlib.c, strtod.c */
#define strtod kit_strtod
#define strtof kit_strtof
#define atof kit_atof
#define abs kit_abs
#define labs kit_labs
#define llabs kit_llabs
#define div kit_div
#define ldiv kit_ldiv
#define lldiv kit_lldiv
#define qsort kit_qsort
#define bsearch kit_bsearch
#define rand kit_rand
#define srand kit_srand
#define getenv kit_getenv

/* calendar.c: struct tm and struct timespec become the kit's own */
#define tm kit_tm
#define timespec kit_timespec
#define nanosleep kit_nanosleep
#define time kit_time
#define clock kit_clock
#ifndef MICA_LIBC_TIME_H
#undef CLOCKS_PER_SEC
#endif
#define gmtime_r kit_gmtime_r
#define gmtime kit_gmtime
#define timegm kit_timegm
#define mktime kit_mktime
#define difftime kit_difftime

/* math.c */
#define fabs kit_fabs
#define floor kit_floor
#define ceil kit_ceil
#define trunc kit_trunc
#define round kit_round
#define fmod kit_fmod
#define sqrt kit_sqrt
#define pow kit_pow
#define exp kit_exp
#define exp2 kit_exp2
#define log kit_log
#define log2 kit_log2
#define log10 kit_log10
#define sin kit_sin
#define cos kit_cos
#define tan kit_tan
#define atan kit_atan
#define atan2 kit_atan2
#define asin kit_asin
#define acos kit_acos
#define hypot kit_hypot

/* The ctype helpers may already be function-like macros from the host's
 * <ctype.h>; drop those first so the rename is what takes effect. */
#undef isspace
#undef isdigit
#undef isxdigit
#undef isalpha
#undef isalnum
#undef isupper
#undef islower
#undef isprint
#undef isblank
#undef isgraph
#undef iscntrl
#undef ispunct
#undef toupper
#undef tolower
#define isspace kit_isspace
#define isdigit kit_isdigit
#define isxdigit kit_isxdigit
#define isalpha kit_isalpha
#define isalnum kit_isalnum
#define isupper kit_isupper
#define islower kit_islower
#define isprint kit_isprint
#define isblank kit_isblank
#define isgraph kit_isgraph
#define iscntrl kit_iscntrl
#define ispunct kit_ispunct
#define toupper kit_toupper
#define tolower kit_tolower

/* malloc.c */
#define malloc kit_malloc
#define free kit_free
#define calloc kit_calloc
#define realloc kit_realloc

#endif
