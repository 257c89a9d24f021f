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
#define toupper kit_toupper
#define tolower kit_tolower

/* malloc.c */
#define malloc kit_malloc
#define free kit_free
#define calloc kit_calloc
#define realloc kit_realloc

#endif
