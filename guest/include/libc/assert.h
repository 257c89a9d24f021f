/* <assert.h> for guests: a failed assertion prints the expression, file,
 * line and function on the console and aborts (a crash report). No include
 * guard: NDEBUG may change between inclusions, as ISO C requires. */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
__attribute__((noreturn)) void mica_assert_fail(const char *expr, const char *file, int line,
                                                const char *func);
#define assert(e) ((e) ? (void)0 : mica_assert_fail(#e, __FILE__, __LINE__, __func__))
#endif
#ifndef static_assert
#define static_assert _Static_assert
#endif
