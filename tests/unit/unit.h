/* SPDX-License-Identifier: BSD-2-Clause */
/* unit.h - what every unit test needs: cmocka, temporary directories and
 * files, reading a file back, the test data of the source tree
 *
 * Include it first in a tests/unit/test_*.c file, after autoconf.h (which
 * asks for the GNU extensions: asprintf).  The
 * helpers fail the running test (cmocka's assertions) instead of returning
 * errors, and return memory the test frees with free().  A test that
 * makes files calls unit_tmpdir() in its setup and unit_rmtree() in its
 * teardown.
 */
#ifndef A2R_UNIT_H
#define A2R_UNIT_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

/* NELEM - the number of rows of a table */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* unit_tmpdir - a new private directory /tmp/NAME.XXXXXX (TMPDIR is
 * honoured); the caller frees the returned path and removes the tree */
static inline char *
unit_tmpdir(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	assert_true(asprintf(&dir, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static inline int
unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* unit_rmtree - remove DIR and everything in it (symlinks not followed);
 * returns 0, or -1 when something stayed */
static inline int
unit_rmtree(const char *dir)
{
	if (dir == NULL)
		return 0;
	return nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* unit_dir - the private directory of a test file that uses
 * unit_dir_setup() and unit_dir_teardown() as its cmocka setup and
 * teardown (for the group, or for each test) */
static char *unit_dir __attribute__((unused));

static inline int
unit_dir_setup(void **state)
{
	(void)state;
	unit_dir = unit_tmpdir("ad2relay-unit");
	return 0;
}

static inline int
unit_dir_teardown(void **state)
{
	int rc;

	(void)state;
	rc = unit_rmtree(unit_dir);
	free(unit_dir);
	unit_dir = NULL;
	return rc;
}

/* unit_path - "DIR/NAME" in new memory */
static inline char *
unit_path(const char *dir, const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

/* unit_write_len - DIR/NAME (created or truncated, as fopen("w") would)
 * holds the LEN bytes at DATA; returns its path */
static inline char *
unit_write_len(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = unit_path(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

/* unit_write - DIR/NAME holds the string TEXT; returns its path */
static inline char *
unit_write(const char *dir, const char *name, const char *text)
{
	return unit_write_len(dir, name, text, strlen(text));
}

/* unit_read_fd - everything in the open file FD, from its start, with a
 * NUL after it; *LEN (if not NULL) gets the size */
static inline char *
unit_read_fd(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *p;

	assert_true(end >= 0);
	p = malloc((size_t)end + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)end, 0), end);
	p[end] = '\0';
	if (len != NULL)
		*len = (size_t)end;
	return p;
}

/* unit_read - the whole file PATH, NUL-terminated; NULL when it does not
 * exist */
static inline char *
unit_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *p;

	if (fd < 0 && errno == ENOENT)
		return NULL;
	assert_true(fd >= 0);
	p = unit_read_fd(fd, len);
	close(fd);
	return p;
}

/* unit_srcfile_in - the path of NAME in directory DIR of the source tree
 * (unit_srcfile_in("tests/data", "x.ldif")): make check exports
 * top_srcdir; run by hand, a test looks from the current directory */
static inline char *
unit_srcfile_in(const char *dir, const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path;

	assert_true(asprintf(&path, "%s/%s/%s", top && *top ? top : ".", dir, name) > 0);
	return path;
}

/* unit_policy_teardown - a group teardown: release what the address
 * policy caches (ICU, the domain cache), so leak checkers see none */
static inline int
unit_policy_teardown(void **state)
{
	(void)state;
	policy_cleanup();
	return 0;
}

#endif
