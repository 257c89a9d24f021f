/* mica's build version (scripts/version.sh at build time). */
#ifndef MICA_UTIL_VERSION_H
#define MICA_UTIL_VERSION_H

const char *mica_version(void);

#endif
