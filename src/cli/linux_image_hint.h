/*
 * `mica run IMAGE` without --kernel where IMAGE is a Linux kernel (a
 * bzImage, a vmlinux, or an ELF like guest/fvtest loaded the same way)
 * would boot it as a PV guest and end in a crash dump at its first
 * privileged instruction: recognise it first and say to use --kernel.
 */
#ifndef MICA_CLI_LINUX_IMAGE_HINT_H
#define MICA_CLI_LINUX_IMAGE_HINT_H

#include <stddef.h>
#include <stdint.h>

/* Whether img[0..len) (the start of the file) looks like a Linux kernel
 * rather than a guest-kit PV guest; when it does, err says what it is. */
int looks_like_linux_kernel(const uint8_t *img, size_t len, char *err, size_t errlen);

/* The same for the file at path; 0 when it can't be read (the loader will
 * say why), -1 with err naming the file and `mica run --kernel PATH`. */
int linux_image_hint(const char *path, char *err, size_t errlen);

#endif
