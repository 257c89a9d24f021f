/*
 * A Linux kernel (a bzImage, a vmlinux, or an ELF like guest/fvtest loaded
 * the same way) given as a PV guest would end in a crash dump at its first
 * privileged instruction: the PV loader recognises it from the bytes it has
 * already read and says to use --kernel.
 */
#ifndef MICA_BOOT_LINUX_IMAGE_H
#define MICA_BOOT_LINUX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Whether img[0..len) (the start of the file) looks like a Linux kernel
 * rather than a guest-kit PV guest; when it does, err says what it is. */
int looks_like_linux_kernel(const uint8_t *img, size_t len, char *err, size_t errlen);

#endif
