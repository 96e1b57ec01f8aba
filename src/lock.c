/* SPDX-License-Identifier: BSD-2-Clause */
/* lock.c - flock(2) on the lock file */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "safefile.h"

/* The most a lock file holds: a PID and a newline. */
#define LOCK_MAX 32

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

/* safe_link - may the symlink NAME (stat LST) in directory DFD be
 * followed?  Only if no one but root or us can have made it point
 * elsewhere: owned by root or us, in a directory of root or us that others
 * cannot write to (or that is sticky, as /tmp: they cannot replace it). */
static int
safe_link(int dfd, const struct stat *lst)
{
	struct stat dst;

	return safefile_uid_ok(lst->st_uid) && fstat(dfd, &dst) == 0 &&
	       safefile_uid_ok(dst.st_uid) && (!(dst.st_mode & 022) || (dst.st_mode & S_ISVTX));
}

/* walk_step - from directory *DFD into its entry NAME (the path so far is
 * the first END bytes of PATH); replaces *DFD */
static int
walk_step(int *dfd, const char *name, const char *path, size_t end, struct a2r_err *err)
{
	struct stat st;
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, fd;

	if (fstatat(*dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, A2R_ERR_CONFIG, "lock_file %s: %.*s: %s", path, (int)end, path,
		               strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		if (!safe_link(*dfd, &st))
			return err_set(
			    err, A2R_ERR_CONFIG,
			    "lock_file %s: %.*s is a symbolic link owned by uid %lu or in a "
			    "directory others can write to (not followed)",
			    path, (int)end, path, (unsigned long)st.st_uid);
		flags &= ~O_NOFOLLOW;
	}
	if ((fd = openat(*dfd, name, flags)) < 0)
		return err_set(err, A2R_ERR_CONFIG, "lock_file %s: %.*s: %s", path, (int)end, path,
		               strerror(errno));
	close(*dfd);
	*dfd = fd;
	return 0;
}

/* open_parent - the directory holding PATH, walked one name at a time so
 * that no symlink of another user on the way is followed; *BASE is the
 * last name of PATH */
static int
open_parent(const char *path, const char **base, struct a2r_err *err)
{
	char *copy = strdup(path), *slash, *name, *save = NULL;
	int dfd;

	*base = path;
	if (copy == NULL)
		return err_nomem(err);
	slash = strrchr(copy, '/');
	*base = slash ? path + (slash - copy) + 1 : path;
	if ((dfd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_set(err, A2R_ERR_CONFIG, "lock_file %s: %s", path, strerror(errno));
		goto out;
	}
	if (slash != NULL)
		*slash = '\0';
	for (name = slash ? strtok_r(copy, "/", &save) : NULL; name != NULL;
	     name = strtok_r(NULL, "/", &save)) {
		if (walk_step(&dfd, name, path, (size_t)(name - copy) + strlen(name), err) < 0) {
			close(dfd);
			dfd = -1;
			break;
		}
	}
out:
	free(copy);
	return dfd;
}

/* check_file - the opened lock file FD (stat ST) may be used: a regular
 * file of root or us, no other link, not one of the files in KEEP, and
 * small enough to hold no more than a PID */
static int
check_file(const char *path, const struct stat *st, const char *const *keep, struct a2r_err *err)
{
	struct stat kst;

	if (!S_ISREG(st->st_mode))
		return err_set(err, A2R_ERR_CONFIG, "lock_file %s: is %s, not a regular file", path,
		               safefile_kind(st->st_mode));
	if (!safefile_uid_ok(st->st_uid))
		return err_set(err, A2R_ERR_CONFIG, "lock_file %s is owned by uid %lu", path,
		               (unsigned long)st->st_uid);
	for (; keep != NULL && *keep != NULL; keep++)
		if (stat(*keep, &kst) == 0 && kst.st_dev == st->st_dev && kst.st_ino == st->st_ino)
			return err_set(err, A2R_ERR_CONFIG,
			               "lock_file %s is the same file as %s: refusing to use it "
			               "as the lock",
			               path, *keep);
	if (st->st_nlink > 1)
		return err_set(err, A2R_ERR_CONFIG, "lock_file %s has other hard links", path);
	if (st->st_size > LOCK_MAX)
		return err_set(
		    err, A2R_ERR_CONFIG,
		    "lock_file %s is not a lock file (%lld bytes; a lock file holds a PID)", path,
		    (long long)st->st_size);
	return 0;
}

/* open_lock - open (or create) the lock file, never through a symlink,
 * never truncating: nothing is written to it before the lock is held */
static int
open_lock(const char *path, const char *const *keep, struct a2r_err *err)
{
	const char *base = path;
	struct stat st;
	int dfd = open_parent(path, &base, err), fd = -1;

	if (dfd < 0)
		return -1;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISLNK(st.st_mode))
			err_set(err, A2R_ERR_CONFIG,
			        "lock_file %s: is a symbolic link (not followed)", path);
		else
			check_file(path, &st, keep, err);
		goto out;
	}
	fd = openat(dfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set(err, A2R_ERR_CONFIG, "lock_file %s: %s (set lock_file to a writable path)",
		        path,
		        errno == ELOOP ? "is a symbolic link (not followed)" : strerror(errno));
	} else if (fstat(fd, &st) < 0) {
		err_set(err, A2R_ERR_CONFIG, "lock_file %s: %s", path, strerror(errno));
		close(fd);
		fd = -1;
	} else if (check_file(path, &st, keep, err) < 0) {
		close(fd);
		fd = -1;
	}
out:
	close(dfd);
	return fd;
}

/* is_pid - the lock file holds nothing or a PID line: it is a lock file */
static int
is_pid(int fd)
{
	char buf[LOCK_MAX + 1];
	ssize_t n = pread(fd, buf, sizeof(buf), 0), i = 0;

	if (n < 0 || n > LOCK_MAX)
		return 0;
	while (i < n && buf[i] >= '0' && buf[i] <= '9')
		i++;
	return i == n || (i > 0 && i == n - 1 && buf[i] == '\n');
}

/* busy - the error for a lock another run holds */
static int
busy(int fd, const char *path, long wait, struct a2r_err *err)
{
	long other = holder(fd);

	if (other > 0)
		return err_set(err, A2R_ERR_LOCK, "another ad2relay run (pid %ld) holds %s%s",
		               other, path, wait ? "; gave up waiting (lock_wait)" : "");
	return err_set(err, A2R_ERR_LOCK, "another ad2relay run holds %s%s", path,
	               wait ? "; gave up waiting (lock_wait)" : "");
}

int
lock_acquire(const char *path, long wait, const char *const *keep, struct a2r_err *err)
{
	struct timespec nap = {0, 100 * 1000 * 1000};
	long tries = wait * 10;
	char pid[32];
	int fd, n;

	if ((fd = open_lock(path, keep, err)) < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set(err, A2R_ERR_CONFIG, "lock %s: %s", path, strerror(errno));
			goto fail;
		}
		if (tries-- <= 0) {
			busy(fd, path, wait, err);
			goto fail;
		}
		nanosleep(&nap, NULL);
	}
	/* Held: now no other run writes to it, and it is ours to rewrite. */
	if (!is_pid(fd)) {
		err_set(err, A2R_ERR_CONFIG,
		        "lock_file %s is not a lock file (it holds something other than a PID)",
		        path);
		goto fail;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* The lock itself holds; the PID is only for messages. */
	}
	return fd;
fail:
	close(fd);
	return -1;
}

void
lock_release(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}
