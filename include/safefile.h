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
 * have written it.  It returns the open descriptor (read-only; the caller
 * closes it) and fills *ST, or -1 with ERR set (status CODE); with
 * SAFEFILE_MISSING_OK a missing file is -2 and no error.
 *
 * safefile_check_secret() is the one check for files that hold a secret
 * (bindpw_file, keytab); safefile_read_secret() reads a password from
 * one.  They fail with A2R_ERR_CONFIG (A2R_ERR_INTERNAL when out of
 * memory).  Messages read "WHAT PATH: is a FIFO, not a regular file",
 * "WHAT PATH is owned by uid 65534, not by root".
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

/* safefile_check_secret - the one check for a file that holds a secret
 * (bindpw_file, keytab): regular, not a symlink, owned by root or us, no
 * permission bits for group and others, and in a directory owned by root
 * or us that no one else can write to (unless it is sticky, as /tmp), so
 * that no one else can put another file in its place.  HOLDS names the
 * secret in the chmod hint ("keys").  0, or -1 with A2R_ERR_CONFIG. */
int safefile_check_secret(const char *path, const char *what, const char *holds,
                          struct a2r_err *err);

/* safefile_read_secret - the password in a file that passes
 * safefile_check_secret(): its first line (without CR/LF) into BUF (SIZE
 * bytes, of which at most SIZE - 1 are read), *LEN its length.  A NUL byte
 * in it, or an empty password (an unauthenticated bind), is refused.
 * 0, or -1 with A2R_ERR_CONFIG; the caller wipes BUF either way. */
int safefile_read_secret(const char *path, const char *what, char *buf, size_t size, size_t *len,
                         struct a2r_err *err);

/* safefile_kind - what a file of MODE is, for messages ("a FIFO") */
const char *safefile_kind(mode_t mode);

/* safefile_uid_ok - 1 if UID is root or the user we run as */
int safefile_uid_ok(uid_t uid);

#endif
