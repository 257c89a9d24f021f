/* mica's own exit statuses; a guest's exit code (0..MICA_EXIT_CODE_MAX)
 * passes through unchanged, so these never collide with one. */
#ifndef MICA_RUN_EXIT_STATUS_H
#define MICA_RUN_EXIT_STATUS_H

#define MICA_STATUS_TIMEOUT 124     /* --timeout expired, as timeout(1)      */
#define MICA_STATUS_ERROR 125       /* bad flag, bad image, no KVM, ...      */
#define MICA_STATUS_INTERRUPTED 130 /* Ctrl-C or SIGTERM (128 + SIGINT)       */
#define MICA_STATUS_CRASHED 139     /* the guest crashed, as a process's SEGV */

#endif
