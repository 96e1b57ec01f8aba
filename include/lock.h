/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.h - one sync at a time
 *
 * lock_acquire() takes an exclusive flock(2) on the lock file (created if
 * missing) and, once it holds the lock, writes our PID into it.  Since it
 * runs as root and the path may lead through directories of other users,
 * it follows no symlink on the way that someone else could have made (one
 * of root or us in a directory only root or we can write is followed, as
 * /var/run -> /run), never a symlink at the lock file itself, opens only
 * a regular file of root or us with no other link, refuses one of the
 * files in KEEP (the maps: a NULL-terminated list, or NULL), and never
 * truncates a file that holds more than a PID.  The kernel drops the lock when the
 * process ends, however it ends: a crash leaves no stale lock.  With WAIT
 * > 0 it waits up to WAIT seconds for the holder to finish.
 * Returns the descriptor (keep it open while working), or -1 with
 * A2R_ERR_LOCK (held by another run) or A2R_ERR_CONFIG (cannot open).
 */
#ifndef A2R_LOCK_H
#define A2R_LOCK_H

#include "err.h"

int lock_acquire(const char *path, long wait, const char *const *keep, struct a2r_err *err);

/* lock_release - drop the lock and close FD (-1 is ignored) */
void lock_release(int fd);

#endif
