/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.c - flock(2) on the lock file */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

/* holder - the PID written by the run that holds the lock, or 0 */
static long
holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int
lock_acquire(const char *path, long wait, struct a2r_err *err)
{
	struct timespec nap = {0, 100 * 1000 * 1000};
	long tries = wait * 10;
	char pid[32];
	int fd, n;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		return err_set(err, A2R_ERR_CONFIG, "lock_file %s: %s (set lock_file to a writable path)",
			       path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set(err, A2R_ERR_CONFIG, "lock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (tries-- <= 0) {
			long other = holder(fd);

			if (other > 0)
				err_set(err, A2R_ERR_LOCK,
					"another ad2relay run (pid %ld) holds %s%s", other, path,
					wait ? "; gave up waiting (lock_wait)" : "");
			else
				err_set(err, A2R_ERR_LOCK, "another ad2relay run holds %s%s", path,
					wait ? "; gave up waiting (lock_wait)" : "");
			close(fd);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* The lock itself holds; the PID is only for messages. */
	}
	return fd;
}

void
lock_release(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}
