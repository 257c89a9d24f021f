/*
 * A small heap for guests: one arena, first-fit over an address-ordered
 * free list, 16-byte aligned blocks, neighbours coalesced on free. It is
 * not thread-safe; guests built with the kit run one thread.
 */
#ifndef MICA_GUEST_MALLOC_H
#define MICA_GUEST_MALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* (Re)initialises the heap over [start, start+len), forgetting any earlier
 * arena. Until called, or if the arena is too small, malloc returns NULL. */
void mica_heap_init(void *start, size_t len);

void *malloc(size_t n); /* malloc(0) returns a unique, freeable pointer */
void free(void *p);
void *calloc(size_t count, size_t size); /* NULL if count*size overflows */
/* realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL.
 * On failure p is left untouched and NULL is returned. */
void *realloc(void *p, size_t n);

/*
 * used: bytes in allocated blocks, headers included.
 * free_bytes: bytes in free blocks, excluding their headers.
 * largest_free: the largest request malloc could satisfy right now.
 * Any pointer may be NULL.
 */
void mica_heap_stats(size_t *used, size_t *free_bytes, size_t *largest_free);

/* Walks the whole heap checking every invariant; on the first violation
 * calls mica_heap_corrupt and returns false. Meant for tests and debugging. */
bool mica_heap_check(void);

/*
 * Called on detected misuse (double free, a pointer malloc never returned)
 * or a damaged heap. Not defined here: the guest kit defines it to crash
 * the guest, host tests to record the report. If it returns, the offending
 * operation is abandoned (free does nothing, malloc returns NULL).
 */
void mica_heap_corrupt(const char *why);

#endif
