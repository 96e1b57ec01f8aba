/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.h - one sync at a time
 *
 * lock_acquire() takes an exclusive flock(2) on the lock file (created if
 * missing) and writes our PID into it.  The kernel drops the lock when the
 * process ends, however it ends: a crash leaves no stale lock.  With WAIT
 * > 0 it waits up to WAIT seconds for the holder to finish.
 * Returns the descriptor (keep it open while working), or -1 with
 * A2R_ERR_LOCK (held by another run) or A2R_ERR_CONFIG (cannot open).
 */
#ifndef A2R_LOCK_H
#define A2R_LOCK_H

#include "err.h"

int lock_acquire(const char *path, long wait, struct a2r_err *err);

/* lock_release - drop the lock and close FD (-1 is ignored) */
void lock_release(int fd);

#endif
