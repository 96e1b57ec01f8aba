/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lock.c - lock.c: one sync at a time
 *
 * The lock is taken and given back; another process holding it is
 * A2R_ERR_LOCK naming its PID (at once, or after lock_wait); a holder that
 * died leaves nothing stale; and what is not a lock file of ours (a
 * symlink, a directory, a FIFO, a hard link, a map, a file holding more
 * than a PID) is refused with A2R_ERR_CONFIG and left as it was. */
#include "autoconf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "unit.h"

#include "lock.h"

/* mono_ms - a monotonic clock in milliseconds */
static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* holder_start - a child process that takes the lock at PATH, holds it for
 * HOLD_MS (or until killed, HOLD_MS < 0) and exits without releasing it;
 * returns once the child holds the lock */
static pid_t
holder_start(const char *path, long hold_ms)
{
	int ready[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct a2r_err err = {0};
		struct timespec nap = {hold_ms / 1000, (hold_ms % 1000) * 1000000L};

		close(ready[0]);
		if (lock_acquire(path, 0, NULL, &err) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		if (hold_ms < 0)
			pause();
		else
			nanosleep(&nap, NULL);
		_exit(0); /* the kernel drops the lock */
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* holder_end - wait for the holder PID (killed first when KILL) */
static void
holder_end(pid_t pid, int kill_it)
{
	int status;

	if (kill_it)
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!kill_it)
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* pid_line - "PID\n" of PID, in a static buffer */
static const char *
pid_line(long pid)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", pid);
	return buf;
}

static void
test_acquire_release(void **state)
{
	char *path = unit_path(unit_dir, "run.lock"), *text;
	struct a2r_err err = {0};
	int fd;
	struct stat st;

	(void)state;
	fd = lock_acquire(path, 0, NULL, &err);
	assert_true(fd >= 0);
	text = unit_read(path, NULL);
	assert_string_equal(text, pid_line(getpid()));
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	lock_release(fd);
	/* again, over the file left behind */
	fd = lock_acquire(path, 0, NULL, &err);
	assert_true(fd >= 0);
	lock_release(fd);
	lock_release(-1);
	free(path);
}

/* Another process holds it: refused at once, or after waiting. */
static void
test_held_by_another(void **state)
{
	char *path = unit_path(unit_dir, "held.lock"), *want;
	struct a2r_err err = {0};
	long long t0;
	pid_t pid;
	int fd;

	(void)state;
	pid = holder_start(path, -1);
	assert_int_equal(lock_acquire(path, 0, NULL, &err), -1);
	assert_int_equal(err.code, A2R_ERR_LOCK);
	assert_true(asprintf(&want, "another ad2relay run (pid %ld) holds %s", (long)pid, path) >
	            0);
	assert_string_equal(err.msg, want);
	free(want);

	t0 = mono_ms();
	assert_int_equal(lock_acquire(path, 1, NULL, &err), -1);
	assert_true(mono_ms() - t0 >= 900);
	assert_int_equal(err.code, A2R_ERR_LOCK);
	assert_true(asprintf(&want,
	                     "another ad2relay run (pid %ld) holds %s; gave up waiting (lock_wait)",
	                     (long)pid, path) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	holder_end(pid, 1);

	/* with lock_wait, a holder that finishes in time lets us in */
	pid = holder_start(path, 300);
	fd = lock_acquire(path, 10, NULL, &err);
	if (fd < 0)
		fail_msg("waiting for the holder: %s", err.msg);
	holder_end(pid, 0);
	lock_release(fd);
	free(path);
}

/* A run that died (killed, or a PID left in the file) leaves no stale lock. */
static void
test_stale(void **state)
{
	char *path = unit_path(unit_dir, "stale.lock"), *text;
	struct a2r_err err = {0};
	pid_t pid;
	int fd;

	(void)state;
	pid = holder_start(path, -1);
	holder_end(pid, 1);
	text = unit_read(path, NULL);
	assert_string_equal(text, pid_line(pid)); /* the dead run's PID is still there */
	free(text);
	fd = lock_acquire(path, 0, NULL, &err);
	if (fd < 0)
		fail_msg("after a killed holder: %s", err.msg);
	text = unit_read(path, NULL);
	assert_string_equal(text, pid_line(getpid()));
	free(text);
	lock_release(fd);

	/* a longer PID than ours in the file: replaced, not left behind */
	free(unit_write(unit_dir, "stale.lock", "4194304123\n"));
	fd = lock_acquire(path, 0, NULL, &err);
	assert_true(fd >= 0);
	text = unit_read(path, NULL);
	assert_string_equal(text, pid_line(getpid()));
	free(text);
	lock_release(fd);
	free(path);
}

/* What may not be used as the lock file: each refused with
 * A2R_ERR_CONFIG, the file itself left as it was. */
struct rcase {
	const char *name;
	int (*make)(const char *path); /* makes the thing at PATH */
	const char *msg;               /* after "lock_file PATH" */
};

static int
make_symlink(const char *path)
{
	char *target = unit_write(unit_dir, "target", "");
	int rc = symlink(target, path);

	free(target);
	return rc;
}

static int
make_dangling(const char *path)
{
	return symlink("/nonexistent/ad2relay.lock", path);
}

static int
make_dir(const char *path)
{
	return mkdir(path, 0700);
}

static int
make_fifo(const char *path)
{
	return mkfifo(path, 0600);
}

static int
make_hardlink(const char *path)
{
	char *other = unit_write(unit_dir, "other", "");
	int rc = link(other, path);

	free(other);
	return rc;
}

static int
make_big(const char *path)
{
	free(unit_write(unit_dir, "refused", "this is a file that holds more than a PID\n"));
	(void)path;
	return 0;
}

static int
make_not_pid(const char *path)
{
	free(unit_write(unit_dir, "refused", "relay\n"));
	(void)path;
	return 0;
}

static const struct rcase refused[] = {
    {"symlink", make_symlink, ": is a symbolic link (not followed)"},
    {"dangling symlink", make_dangling, ": is a symbolic link (not followed)"},
    {"directory", make_dir, ": is a directory, not a regular file"},
    {"fifo", make_fifo, ": is a FIFO, not a regular file"},
    {"hard link", make_hardlink, " has other hard links"},
    {"more than a PID", make_big, " is not a lock file (42 bytes; a lock file holds a PID)"},
    {"not a PID", make_not_pid, " is not a lock file (it holds something other than a PID)"},
};

static void
test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(refused); i++) {
		char *path = unit_path(unit_dir, "refused"), *want, *before, *after;
		struct a2r_err err = {0};
		struct stat st;
		int fd;

		if (refused[i].make(path) < 0)
			fail_msg("%s: %s", refused[i].name, strerror(errno));
		before = NULL;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			before = unit_read(path, NULL);
		fd = lock_acquire(path, 0, NULL, &err);
		if (fd >= 0)
			fail_msg("%s: accepted", refused[i].name);
		assert_true(asprintf(&want, "lock_file %s%s", path, refused[i].msg) > 0);
		if (err.code != A2R_ERR_CONFIG || strcmp(err.msg, want) != 0)
			fail_msg("%s: code %d \"%s\", want \"%s\"", refused[i].name, err.code,
			         err.msg, want);
		/* a file refused is left as it was */
		after = before != NULL ? unit_read(path, NULL) : NULL;
		if (before != NULL)
			assert_string_equal(after, before);
		free(before);
		free(after);
		free(want);
		assert_int_equal(unit_rmtree(path), 0);
		free(path);
	}
}

/* One of the maps (KEEP) is never taken as the lock file. */
static void
test_keep(void **state)
{
	char *map = unit_write(unit_dir, "relay_recipients", ""), *want;
	const char *keep[] = {"/nonexistent/map.cdb", map, NULL};
	struct a2r_err err = {0};
	int fd;

	(void)state;
	assert_int_equal(lock_acquire(map, 0, keep, &err), -1);
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	assert_true(asprintf(&want,
	                     "lock_file %s is the same file as %s: refusing to use it as the lock",
	                     map, map) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	keep[1] = NULL;
	fd = lock_acquire(map, 0, keep, &err);
	assert_true(fd >= 0);
	lock_release(fd);
	free(map);
}

/* The directories on the way: a missing one is an error naming it; a
 * symlink someone else could have made is not followed, one of root in
 * a directory only root can write is. */
static void
test_path(void **state)
{
	char *missing = unit_path(unit_dir, "nodir/x.lock"), *want, *real, *link_path, *lock_path;
	struct a2r_err err = {0};
	int fd;

	(void)state;
	assert_int_equal(lock_acquire(missing, 0, NULL, &err), -1);
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	assert_true(asprintf(&want, "lock_file %s: %s/nodir: No such file or directory", missing,
	                     unit_dir) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(missing);

	real = unit_path(unit_dir, "real");
	link_path = unit_path(unit_dir, "via");
	lock_path = unit_path(unit_dir, "via/x.lock");
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, link_path), 0);
	/* ours, in our directory (mode 0700): followed */
	fd = lock_acquire(lock_path, 0, NULL, &err);
	if (fd < 0)
		fail_msg("through our own symlink: %s", err.msg);
	lock_release(fd);
	if (geteuid() == 0) {
		/* another user's symlink: not followed */
		assert_int_equal(lchown(link_path, 65534, 65534), 0);
		assert_int_equal(lock_acquire(lock_path, 0, NULL, &err), -1);
		assert_int_equal(err.code, A2R_ERR_CONFIG);
		assert_true(
		    asprintf(&want,
		             "lock_file %s: %s is a symbolic link owned by uid 65534 or in a "
		             "directory others can write to (not followed)",
		             lock_path, link_path) > 0);
		assert_string_equal(err.msg, want);
		free(want);
	}
	free(real);
	free(link_path);
	free(lock_path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acquire_release),
	    cmocka_unit_test(test_held_by_another),
	    cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_keep),
	    cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, unit_dir_teardown);
}
