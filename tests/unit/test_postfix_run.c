/* SPDX-License-Identifier: BSD-2-Clause */
/* test_postfix_run.c - postfix.c: running the commands after an install
 *
 * The commands are small /bin/sh scripts written to a temporary directory.
 * postfix_run() starts one without a shell of its own (arguments arrive
 * as given), with a minimal environment and /dev/null as standard input;
 * reports its exit status or signal with the first bytes of its standard
 * error on one line; kills it with its process group at the timeout or
 * on postfix_abort(); and does not wait for a process the command left in
 * the background holding its standard error.  postfix_actions() runs
 * postmap, postfix reload and on_change in that order, stopping at the
 * first failure.
 *
 * The sleeps are of odd lengths (41, 42, 43 s): tests/integration/
 * fault-matrix.sh and guards.sh, which may run at the same time, look for
 * orphaned "sleep 30" and "sleep 29" processes of their own. */
#include "autoconf.h"

#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "unit.h"

#include "conf.h"
#include "postfix.h"

/* script - an executable DIR/NAME running BODY with /bin/sh */
static char *
script(const char *name, const char *body)
{
	char *text, *path;

	assert_true(asprintf(&text, "#!/bin/sh\n%s\n", body) > 0);
	path = unit_write(unit_dir, name, text);
	assert_int_equal(chmod(path, 0700), 0);
	free(text);
	return path;
}

/* mono_ms - a monotonic clock in milliseconds */
static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* gone - process PID has ended (a zombie counts as ended) within 2 s */
static int
gone(long pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (int i = 0; i < 100; i++) {
		FILE *fp = fopen(path, "r");
		char *paren;

		if (fp == NULL)
			return 1;
		buf[0] = '\0';
		if (fgets(buf, sizeof(buf), fp) == NULL)
			buf[0] = '\0';
		fclose(fp);
		paren = strrchr(buf, ')');
		if (paren != NULL && (paren[2] == 'Z' || paren[2] == 'X'))
			return 1;
		usleep(20000);
	}
	return 0;
}

/* read_pid - the PID a script wrote to DIR/NAME */
static long
read_pid(const char *name)
{
	char *path = unit_path(unit_dir, name), *text = unit_read(path, NULL);
	long pid;

	assert_non_null(text);
	pid = strtol(text, NULL, 10);
	assert_true(pid > 0);
	free(text);
	free(path);
	return pid;
}

/* How a command ends and what postfix_run() makes of it. */
struct rcase {
	const char *name;
	const char *body;
	const char *msg; /* NULL: success; else the message after the path */
};

static const struct rcase cases[] = {
    {"true", "exit 0", NULL},
    {"standard error of a success is ignored", "echo noise >&2; exit 0", NULL},
    {"exit status", "exit 3", ": exit status 3"},
    {"exit status with standard error on one line",
     "printf 'first\\nsecond\\tcol\\r\\n\\n' >&2; exit 1", ": exit status 1: first second col"},
    {"a signal", "kill -TERM $$", ": killed by signal 15"},
    {"a signal with standard error", "echo dying >&2; kill -KILL $$",
     ": killed by signal 9: dying"},
    {"standard input and output are /dev/null",
     "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || exit 4\n"
     "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ] || exit 5\n"
     "read line && exit 6\nexit 0",
     NULL},
    {"signals blocked or ignored by us are not by the command", "kill -PIPE $$; exit 7",
     ": killed by signal 13"},
};

static void
test_status(void **state)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;

	(void)state;
	/* ad2relay ignores SIGPIPE: the command must not */
	sigaction(SIGPIPE, &ign, &old);
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *path = script("cmd", cases[i].body), *argv[] = {path, NULL}, *want = NULL;
		struct a2r_err err = {0};
		int rc = postfix_run(argv, 20, &err);

		if (cases[i].msg == NULL && rc != 0)
			fail_msg("%s: %s", cases[i].name, err.msg);
		if (cases[i].msg != NULL) {
			assert_true(asprintf(&want, "%s%s", path, cases[i].msg) > 0);
			if (rc != -1 || err.code != A2R_ERR_ACTION || strcmp(err.msg, want) != 0)
				fail_msg("%s: %d, code %d \"%s\", want \"%s\"", cases[i].name, rc,
				         err.code, err.msg, want);
		}
		free(want);
		free(path);
	}
	sigaction(SIGPIPE, &old, NULL);
}

/* Only the first 512 bytes of standard error go into the message. */
static void
test_stderr_cut(void **state)
{
	char *path = script("long", "head -c 600 /dev/zero | tr '\\0' x >&2; exit 2");
	char *argv[] = {path, NULL}, *want;
	struct a2r_err err = {0};
	char xs[513];

	(void)state;
	memset(xs, 'x', 512);
	xs[512] = '\0';
	assert_int_equal(postfix_run(argv, 20, &err), -1);
	assert_true(asprintf(&want, "%s: exit status 2: %s", path, xs) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

/* No shell between us and the command: arguments arrive verbatim; the
 * environment is PATH and LC_ALL only. */
static void
test_no_shell(void **state)
{
	char *out = unit_path(unit_dir, "args.out"), *hack = unit_path(unit_dir, "hacked"), *body,
	     *path, *text;
	struct a2r_err err = {0};

	(void)state;
	assert_true(asprintf(&body,
	                     "printf '%%s|' \"$#\" \"$@\" \"$PATH\" \"$LC_ALL\" "
	                     "\"${A2R_TEST_SECRET-unset}\" \"${HOME-unset}\" >'%s'",
	                     out) > 0);
	path = script("args", body);
	{
		char touch[256];
		char *argv[] = {path, "a b", touch, "*", ";x", "", NULL};

		snprintf(touch, sizeof(touch), "$(touch %s)", hack);
		setenv("A2R_TEST_SECRET", "s3cret", 1);
		assert_int_equal(postfix_run(argv, 20, &err), 0);
		unsetenv("A2R_TEST_SECRET");
		text = unit_read(out, NULL);
		assert_non_null(text);
		free(body);
		assert_true(asprintf(&body,
		                     "5|a b|%s|*|;x||/usr/sbin:/usr/bin:/sbin:/bin|C|unset|unset|",
		                     touch) > 0);
		assert_string_equal(text, body);
		assert_int_equal(access(hack, F_OK), -1);
	}
	free(text);
	free(body);
	free(path);
	free(out);
	free(hack);
}

/* A program that cannot be executed: the child's message, status 127. */
static void
test_exec_failure(void **state)
{
	char *argv[] = {"/nonexistent/postmap", NULL}, *path, *want;
	struct a2r_err err = {0};

	(void)state;
	assert_int_equal(postfix_run(argv, 20, &err), -1);
	assert_int_equal(err.code, A2R_ERR_ACTION);
	assert_string_equal(err.msg, "/nonexistent/postmap: exit status 127: cannot execute "
	                             "/nonexistent/postmap: No such file or directory");
	path = unit_write(unit_dir, "noexec", "#!/bin/sh\nexit 0\n");
	assert_int_equal(chmod(path, 0600), 0);
	argv[0] = path;
	/* not executable: even root's execve() wants an x bit */
	assert_int_equal(postfix_run(argv, 20, &err), -1);
	assert_true(asprintf(&want, "%s: exit status 127: cannot execute %s: Permission denied",
	                     path, path) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

/* At the timeout the command and what it started are killed. */
static void
test_timeout(void **state)
{
	char *pidfile = unit_path(unit_dir, "bg.pid"), *body, *path, *want;
	struct a2r_err err = {0};
	long long t0, took;
	long bg;

	(void)state;
	assert_true(asprintf(&body, "sleep 41 &\necho $! >'%s'\nwait", pidfile) > 0);
	path = script("slow", body);
	{
		char *argv[] = {path, NULL};

		t0 = mono_ms();
		assert_int_equal(postfix_run(argv, 1, &err), -1);
		took = mono_ms() - t0;
	}
	assert_int_equal(err.code, A2R_ERR_ACTION);
	assert_true(asprintf(&want, "%s: killed after 1 s (command_timeout)", path) > 0);
	assert_string_equal(err.msg, want);
	if (took < 900 || took > 5000)
		fail_msg("timeout after %lld ms", took);
	bg = read_pid("bg.pid");
	if (!gone(bg))
		fail_msg("the command's background process %ld survived", bg);
	free(want);
	free(body);
	free(path);
	free(pidfile);
}

/* A process left in the background holding standard error: neither waited
 * for nor killed; the command's own status and message count. */
static void
test_background_holds_stderr(void **state)
{
	static const struct {
		const char *tail;
		const char *msg;
	} rows[] = {
	    {"exit 0", NULL},
	    {"echo oops >&2; exit 2", ": exit status 2: oops"},
	};
	char *pidfile = unit_path(unit_dir, "held.pid");

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		char *body, *path, *want = NULL;
		struct a2r_err err = {0};
		long long t0, took;
		long bg;
		int rc;

		assert_true(
		    asprintf(&body, "sleep 43 &\necho $! >'%s'\n%s", pidfile, rows[i].tail) > 0);
		path = script("bg", body);
		{
			char *argv[] = {path, NULL};

			t0 = mono_ms();
			rc = postfix_run(argv, 30, &err);
			took = mono_ms() - t0;
		}
		bg = read_pid("held.pid");
		if (took > 3000)
			fail_msg("row %zu: waited %lld ms for the background process", i, took);
		if (rows[i].msg == NULL && rc != 0)
			fail_msg("row %zu: %s", i, err.msg);
		if (rows[i].msg != NULL) {
			assert_int_equal(rc, -1);
			assert_true(asprintf(&want, "%s%s", path, rows[i].msg) > 0);
			assert_string_equal(err.msg, want);
		}
		/* still running: postfix_run left it alone; we end it */
		assert_int_equal(kill((pid_t)bg, 0), 0);
		assert_int_equal(kill((pid_t)bg, SIGKILL), 0);
		assert_true(gone(bg));
		free(want);
		free(body);
		free(path);
	}
	free(pidfile);
}

static void
on_alarm(int sig)
{
	(void)sig;
	postfix_abort();
}

/* postfix_abort(), from a signal handler, ends the running command. */
static void
test_abort(void **state)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval it = {.it_value = {0, 300000}};
	char *path = script("abort", "sleep 42"), *argv[] = {path, NULL}, *want;
	struct a2r_err err = {0};
	long long t0;

	(void)state;
	postfix_abort(); /* nothing running: nothing happens */
	sigaction(SIGALRM, &sa, &old);
	t0 = mono_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(postfix_run(argv, 30, &err), -1);
	if (mono_ms() - t0 > 5000)
		fail_msg("postfix_abort() did not end the command");
	sigaction(SIGALRM, &old, NULL);
	assert_true(asprintf(&want, "%s: killed by signal 15", path) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

/* postfix_actions(): postmap, reload, on_change, in that order, with -c
 * and the installed paths; the first failure stops the rest. */
static void
test_actions(void **state)
{
	char *log = unit_path(unit_dir, "actions.log"),
	     *map = unit_path(unit_dir, "relay_recipients");
	char *body, *postmap, *postfix, *onchange, *want, *text, *oc;
	struct a2r_config cfg;
	struct a2r_err err = {0};

	(void)state;
	assert_true(asprintf(&body, "echo \"${0##*/} $*\" >>'%s'", log) > 0);
	postmap = script("postmap", body);
	postfix = script("postfix", body);
	onchange = script("on-change", body);
	assert_int_equal(conf_init(&cfg, &err), 0);
	assert_true(asprintf(&oc, "%s --flag", onchange) > 0);
	if (conf_set(&cfg, "postmap", "hash", "test", &err) < 0 ||
	    conf_set(&cfg, "postmap_path", postmap, "test", &err) < 0 ||
	    conf_set(&cfg, "postfix_path", postfix, "test", &err) < 0 ||
	    conf_set(&cfg, "reload", "yes", "test", &err) < 0 ||
	    conf_set(&cfg, "on_change", oc, "test", &err) < 0 ||
	    conf_set(&cfg, "postfix_config", unit_dir, "test", &err) < 0 ||
	    conf_set(&cfg, "output", map, "test", &err) < 0 ||
	    conf_set(&cfg, "command_timeout", "20", "test", &err) < 0)
		fail_msg("conf_set: %s", err.msg);
	assert_int_equal(postfix_actions(&cfg, &err), 0);
	text = unit_read(log, NULL);
	assert_true(
	    asprintf(&want,
	             "postmap -c %s hash:%s\npostfix -c %s reload\non-change --flag %s %s.cdb\n",
	             unit_dir, map, unit_dir, map, map) > 0);
	assert_string_equal(text, want);
	free(text);
	free(want);

	/* postmap fails: nothing after it runs */
	assert_int_equal(unlink(log), 0);
	free(script("postmap", "echo 'fatal: no' >&2; exit 1"));
	assert_int_equal(postfix_actions(&cfg, &err), -1);
	assert_int_equal(err.code, A2R_ERR_ACTION);
	assert_true(asprintf(&want, "%s: exit status 1: fatal: no", postmap) > 0);
	assert_string_equal(err.msg, want);
	assert_null(unit_read(log, NULL));
	free(want);
	conf_free(&cfg);
	free(oc);
	free(body);
	free(postmap);
	free(postfix);
	free(onchange);
	free(map);
	free(log);
}

/* postfix_params(): postconf beside postfix_path, with -c postfix_config
 * and -xh, one line of its standard output per name; its standard error
 * is no value, and any other number of lines is an error */
static void
test_params(void **state)
{
	static const char *const names[] = {"recipient_delimiter", "owner_request_special"};
	char *postfix = script("postfix", "exit 0"), *postconf, *want;
	struct a2r_config cfg;
	struct a2r_err err = {0};
	struct strlist v = {0};

	(void)state;
	postconf = script("postconf", "echo \"postconf: warning: noise\" >&2\n"
	                              "[ \"$1 $2 $3\" = \"-c $2 -xh\" ] || exit 9\n"
	                              "echo \"+-\"; echo \"$5\"");
	assert_int_equal(conf_init(&cfg, &err), 0);
	if (conf_set(&cfg, "postfix_path", postfix, "test", &err) < 0 ||
	    conf_set(&cfg, "postfix_config", unit_dir, "test", &err) < 0)
		fail_msg("conf_set: %s", err.msg);
	assert_int_equal(postfix_params(&cfg, names, 2, &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[0], "+-");
	assert_string_equal(v.v[1], "owner_request_special");

	/* one name too many for what it prints */
	assert_int_equal(postfix_params(&cfg, names, 1, &v, &err), -1);
	assert_int_equal(err.code, A2R_ERR_ACTION);
	assert_true(asprintf(&want, "%s: expected 1 lines of output, got 2", postconf) > 0);
	assert_string_equal(err.msg, want);
	free(want);

	/* postconf fails: its standard error in the message */
	free(script("postconf", "echo 'postconf: fatal: open main.cf' >&2; exit 1"));
	assert_int_equal(postfix_params(&cfg, names, 2, &v, &err), -1);
	assert_true(asprintf(&want, "%s: exit status 1: postconf: fatal: open main.cf", postconf) >
	            0);
	assert_string_equal(err.msg, want);
	free(want);
	strlist_free(&v);
	conf_free(&cfg);
	free(postconf);
	free(postfix);
}

/* postfix_capture(): the whole standard output (long, as postmap -s of
 * a big table), appended; more than MAX bytes is an error, not a cut */
static void
test_capture(void **state)
{
	char *prog = script("lister", "i=0; while [ $i -lt 20000 ]; do echo \"d$i.example\tOK\"; "
	                              "i=$((i+1)); done");
	char *argv[] = {prog, NULL};
	struct strbuf out = {0};
	struct a2r_err err = {0};

	(void)state;
	assert_int_equal(strbuf_addstr(&out, "before\n"), 0);
	assert_int_equal(postfix_capture(argv, 30, 1 << 20, &out, &err), 0);
	assert_true(strncmp(out.p, "before\nd0.example\tOK\nd1.example", 31) == 0);
	assert_non_null(strstr(out.p, "\nd19999.example\tOK\n"));
	assert_int_equal(out.p[out.len], '\0');
	out.len = 0;
	assert_int_equal(postfix_capture(argv, 30, 1000, &out, &err), -1);
	assert_int_equal(err.code, A2R_ERR_ACTION);
	assert_non_null(strstr(err.msg, ": its output exceeds 1000 bytes"));
	strbuf_free(&out);
	free(prog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status),   cmocka_unit_test(test_stderr_cut),
	    cmocka_unit_test(test_no_shell), cmocka_unit_test(test_exec_failure),
	    cmocka_unit_test(test_timeout),  cmocka_unit_test(test_background_holds_stderr),
	    cmocka_unit_test(test_abort),    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_params),   cmocka_unit_test(test_capture),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, unit_dir_teardown);
}
