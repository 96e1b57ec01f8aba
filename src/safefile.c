/* SPDX-License-Identifier: BSD-2-Clause */
/* safefile.c - regular files only, never through a symlink, never blocking */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "safefile.h"

/* The kinds of file, for messages. */
static const struct {
	mode_t type;
	const char *name;
} kinds[] = {
    {S_IFLNK, "a symbolic link"}, {S_IFIFO, "a FIFO"},   {S_IFDIR, "a directory"},
    {S_IFCHR, "a device"},        {S_IFBLK, "a device"}, {S_IFSOCK, "a socket"},
};

/* safefile_kind - what a file of MODE is */
const char *
safefile_kind(mode_t mode)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((mode & S_IFMT) == kinds[i].type)
			return kinds[i].name;
	return "not a regular file";
}

/* safefile_uid_ok - root, or the user we run as */
int
safefile_uid_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* is_null - the null device (1,3): "-c /dev/null" is the empty config */
static int
is_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/* not_regular - the message for a file of another kind */
static int
not_regular(const char *path, const char *what, enum a2r_status code, mode_t mode,
            struct a2r_err *err)
{
	if (S_ISLNK(mode))
		return err_set(err, code, "%s %s: is a symbolic link (not followed)", what, path);
	return err_set(err, code, "%s %s: is %s, not a regular file", what, path,
	               safefile_kind(mode));
}

/* trusted - owner root or us, not writable by group or others */
static int
trusted(const char *path, const char *what, enum a2r_status code, const struct stat *st,
        struct a2r_err *err)
{
	if (!safefile_uid_ok(st->st_uid))
		return err_set(err, code, "%s %s is owned by uid %lu, not by root%s", what, path,
		               (unsigned long)st->st_uid,
		               geteuid() ? " or the user running ad2relay" : "");
	if (st->st_mode & 022)
		return err_set(
		    err, code,
		    "%s %s is writable by group or others (mode %04o): run chmod go-w %s", what,
		    path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

int
safefile_open(const char *path, const char *what, unsigned rules, enum a2r_status code,
              struct stat *st, struct a2r_err *err)
{
	struct stat fst;
	int fd;

	if (lstat(path, st) < 0) {
		if (errno == ENOENT && (rules & SAFEFILE_MISSING_OK))
			return -2;
		return err_set(err, code, "%s %s: %s", what, path, strerror(errno));
	}
	if (!S_ISREG(st->st_mode) && !((rules & SAFEFILE_NULL_OK) && is_null(st)))
		return not_regular(path, what, code, st->st_mode, err);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno == ELOOP)
			return not_regular(path, what, code, S_IFLNK, err);
		if (errno == ENOENT && (rules & SAFEFILE_MISSING_OK))
			return -2;
		return err_set(err, code, "%s %s: %s", what, path, strerror(errno));
	}
	/* Swapped since the lstat(): judge what was opened. */
	if (fstat(fd, &fst) < 0) {
		err_set(err, code, "%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(fst.st_mode) && !((rules & SAFEFILE_NULL_OK) && is_null(&fst))) {
		not_regular(path, what, code, fst.st_mode, err);
		goto fail;
	}
	*st = fst;
	if ((rules & SAFEFILE_TRUSTED) && !is_null(st) && trusted(path, what, code, st, err) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* safe_dir - the directory of PATH: no one but root or us can replace
 * the entries in it (a sticky directory protects entries of their owner) */
static int
safe_dir(const char *path, const char *what, struct a2r_err *err)
{
	char *copy = strdup(path);
	const char *dir;
	struct stat st;
	int rc = 0;

	if (copy == NULL)
		return err_nomem(err);
	dir = dirname(copy);
	if (stat(dir, &st) < 0)
		rc =
		    err_set(err, A2R_ERR_CONFIG, "%s %s: %s: %s", what, path, dir, strerror(errno));
	else if (!safefile_uid_ok(st.st_uid))
		rc = err_set(err, A2R_ERR_CONFIG,
		             "%s %s: its directory %s is owned by uid %lu, who could replace it",
		             what, path, dir, (unsigned long)st.st_uid);
	else if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
		rc = err_set(err, A2R_ERR_CONFIG,
		             "%s %s: its directory %s is writable by others (mode %04o), who could "
		             "replace it",
		             what, path, dir, (unsigned)(st.st_mode & 07777));
	free(copy);
	return rc;
}

/* open_secret - open a file holding a secret, with every check */
static int
open_secret(const char *path, const char *what, const char *holds, struct stat *st,
            struct a2r_err *err)
{
	int fd = safefile_open(path, what, SAFEFILE_TRUSTED, A2R_ERR_CONFIG, st, err);

	if (fd < 0)
		return -1;
	if (st->st_mode & 077) {
		err_set(err, A2R_ERR_CONFIG,
		        "%s %s is readable or writable by others (mode %04o): it holds %s, run "
		        "chmod 600 %s",
		        what, path, (unsigned)(st->st_mode & 07777), holds, path);
		goto fail;
	}
	if (safe_dir(path, what, err) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

int
safefile_check_secret(const char *path, const char *what, const char *holds, struct a2r_err *err)
{
	struct stat st;
	int fd = open_secret(path, what, holds, &st, err);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int
safefile_read_secret(const char *path, const char *what, char *buf, size_t size, size_t *len,
                     struct a2r_err *err)
{
	struct stat st;
	ssize_t n;
	int fd;

	*len = 0;
	buf[0] = '\0';
	if ((fd = open_secret(path, what, "a password", &st, err)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return err_set(err, A2R_ERR_CONFIG, "read %s: %s", path, strerror(errno));
	/* One line; a trailing newline (and CR) is not part of the password. */
	buf[n] = '\0';
	for (*len = 0; *len < (size_t)n && buf[*len] != '\r' && buf[*len] != '\n'; ++*len)
		;
	/* a NUL would end the password early, silently */
	if (memchr(buf, '\0', *len) != NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s %s holds a NUL byte", what, path);
	buf[*len] = '\0';
	if (*len == 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "%s %s is empty: an empty password would be an "
		               "unauthenticated bind",
		               what, path);
	return 0;
}
