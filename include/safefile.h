/* SPDX-License-Identifier: BSD-2-Clause */
/* safefile.h - open the files ad2relay reads without being led astray
 *
 * ad2relay runs as root, and any path it reads may have been prepared by
 * someone else: a FIFO makes open() or read() wait forever, a symlink
 * leads to another file, a device open has side effects, a file that
 * another user can write is that user's instructions.
 *
 * safefile_open() looks at PATH with lstat() first and opens only a
 * regular file, with O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC (so a file swapped
 * in between can neither be followed nor block), then checks with fstat()
 * that what it opened is a regular file.  RULES add checks on who can
 * have written it.  safefile_secret() is the one check for files that
 * hold a secret (bindpw_file, keytab).
 *
 * Both return the open descriptor (read-only; the caller closes it) and
 * fill *ST, or -1 with ERR set (status CODE, or A2R_ERR_CONFIG for
 * secrets; A2R_ERR_INTERNAL when out of memory); with SAFEFILE_MISSING_OK
 * a missing file is -2 and no error.  Messages read "WHAT PATH: is a FIFO,
 * not a regular file", "WHAT PATH is owned by uid 65534, not by root".
 */
#ifndef A2R_SAFEFILE_H
#define A2R_SAFEFILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

#define SAFEFILE_MISSING_OK 0x1 /* a missing file: -2, no error */
#define SAFEFILE_TRUSTED    0x2 /* owner root or us, not group/world writable */
#define SAFEFILE_NULL_OK    0x4 /* the null device reads as an empty file */

int safefile_open(const char *path, const char *what, unsigned rules, enum a2r_status code,
                  struct stat *st, struct a2r_err *err);

/* safefile_secret - open a file holding a secret: regular, not a symlink,
 * owned by root or us, no permission bits for group and others, and in a
 * directory owned by root or us that no one else can write to (unless it
 * is sticky, as /tmp), so that no one else can put another file in its
 * place.  HOLDS names the secret in the chmod hint ("a password"). */
int safefile_secret(const char *path, const char *what, const char *holds, struct stat *st,
                    struct a2r_err *err);

/* safefile_kind - what a file of MODE is, for messages ("a FIFO") */
const char *safefile_kind(mode_t mode);

/* safefile_uid_ok - 1 if UID is root or the user we run as */
int safefile_uid_ok(uid_t uid);

#endif
