/* SPDX-License-Identifier: BSD-2-Clause */
/* postfix.c - postmap, postfix reload and on_change, without a shell */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mapfile.h"
#include "postfix.h"
#include "util.h"

#define STDERR_KEEP     512 /* bytes of a command's stderr kept for the message */
#define STDERR_GRACE_MS 250 /* reading its stderr after the command exited */
#define TICK_MS         20  /* how often a running command is looked at */

static char *const child_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};

/* The process group of the command running now, for postfix_abort(). */
static volatile sig_atomic_t running;

/* close_from - close every descriptor from LOW up */
static void
close_from(int low)
{
#ifdef HAVE_CLOSE_RANGE
	if (close_range((unsigned)low, ~0U, 0) == 0)
		return;
#endif
	for (long fd = low, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

/* child - set up and exec; never returns */
static void
child(char *const argv[], int errfd)
{
	sigset_t none;
	int null;

	/* Own process group, so a timeout kills what the command started too. */
	setpgid(0, 0);
	/* Descriptors 0, 1 and 2 only.  Both sources are moved above 2 first,
	 * so that no dup2() below overwrites one or is a no-op. */
	if ((errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (null = fcntl(null, F_DUPFD_CLOEXEC, 3)) < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(126);
	close_from(3);
	/* what we ignore or block must not be ignored or blocked by it */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, child_env);
	dprintf(2, "cannot execute %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* keep - append what the command wrote, up to STDERR_KEEP bytes */
static void
keep(struct strbuf *out, const char *buf, size_t n)
{
	if (out->len < STDERR_KEEP)
		strbuf_add(out, buf, n < STDERR_KEEP - out->len ? n : STDERR_KEEP - out->len);
}

/* wait_child - read the child's stderr FD until the child has exited and
 * FD is at its end, or STDERR_GRACE_MS after the exit (a process it left
 * in the background may hold FD open for ever), or until DEADLINE;
 * *STATUS is the child's.  1 if the deadline passed first. */
static int
wait_child(pid_t pid, int fd, struct strbuf *out, long long deadline, int *status)
{
	long long stop = -1; /* once the child has exited: when reading stops */
	char buf[4096];

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long now = now_ms(), left;
		ssize_t n;

		if (stop < 0 && waitpid(pid, status, WNOHANG) == pid)
			stop = now + STDERR_GRACE_MS;
		if (stop < 0 && now >= deadline)
			return 1;
		if (stop >= 0 && (fd < 0 || now >= stop))
			return 0;
		/* while the child runs, look at it every TICK_MS */
		left = stop >= 0 ? stop - now : deadline - now;
		if (stop < 0 && left > TICK_MS)
			left = TICK_MS;
		if (fd < 0) {
			struct timespec nap = {0, (long)left * 1000000};

			nanosleep(&nap, NULL);
			continue;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) > 0)
			keep(out, buf, (size_t)n);
		else if (n == 0 || errno != EINTR)
			fd = -1; /* at its end: only the exit is awaited now */
	}
}

/* one_line - the captured text reduced to one printable line */
static void
one_line(struct strbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->p[i] == '\n' || b->p[i] == '\r' || b->p[i] == '\t')
			b->p[i] = ' ';
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
}

int
postfix_run(char *const argv[], long timeout, struct a2r_err *err)
{
	struct strbuf text = {0};
	int pfd[2], status = 0, timed_out, rc = -1;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_set(err, A2R_ERR_ACTION, "%s: pipe: %s", argv[0], strerror(errno));
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(err, A2R_ERR_ACTION, "%s: fork: %s", argv[0], strerror(errno));
	}
	if (pid == 0)
		child(argv, pfd[1]);
	/* here too, so that the group exists before anyone signals it */
	setpgid(pid, pid);
	running = pid;
	close(pfd[1]);
	timed_out = wait_child(pid, pfd[0], &text, now_ms() + timeout * 1000, &status);
	close(pfd[0]);
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	running = 0;
	one_line(&text);
	if (timed_out)
		err_set(err, A2R_ERR_ACTION, "%s: killed after %ld s (command_timeout)", argv[0],
		        timeout);
	else if (WIFSIGNALED(status))
		err_set(err, A2R_ERR_ACTION, "%s: killed by signal %d%s%s", argv[0],
		        WTERMSIG(status), text.len ? ": " : "", text.len ? text.p : "");
	else if (WEXITSTATUS(status) != 0)
		err_set(err, A2R_ERR_ACTION, "%s: exit status %d%s%s", argv[0], WEXITSTATUS(status),
		        text.len ? ": " : "", text.len ? text.p : "");
	else
		rc = 0;
	strbuf_free(&text);
	return rc;
}

/* run_postfix_cmd - postmap/postfix with an optional -c DIR */
static int
run_postfix_cmd(const struct a2r_config *cfg, const char *prog, const char *arg,
                struct a2r_err *err)
{
	char *argv[5];
	int n = 0;

	argv[n++] = (char *)prog;
	if (cfg->postfix_config != NULL) {
		argv[n++] = "-c";
		argv[n++] = cfg->postfix_config;
	}
	argv[n++] = (char *)arg;
	argv[n] = NULL;
	return postfix_run(argv, cfg->command_timeout, err);
}

/* run_on_change - the configured program, then the installed paths */
static int
run_on_change(const struct a2r_config *cfg, struct a2r_err *err)
{
	const struct strlist *oc = &cfg->on_change;
	char **argv = calloc(oc->n + 3, sizeof(*argv));
	char *cdb = cfg->cdb ? mapfile_cdb_path(cfg->output) : NULL;
	size_t n = 0;
	int rc;

	if (argv == NULL || (cfg->cdb && cdb == NULL)) {
		free(argv);
		free(cdb);
		return err_nomem(err);
	}
	for (size_t i = 0; i < oc->n; i++)
		argv[n++] = oc->v[i];
	argv[n++] = cfg->output;
	if (cdb != NULL)
		argv[n++] = cdb;
	rc = postfix_run(argv, cfg->command_timeout, err);
	free(argv);
	free(cdb);
	return rc;
}

void
postfix_abort(void)
{
	pid_t pgid = running;

	if (pgid > 0)
		kill(-pgid, SIGTERM);
}

int
postfix_actions(const struct a2r_config *cfg, struct a2r_err *err)
{
	if (cfg->postmap != CONF_POSTMAP_NO) {
		char *target;
		int rc;

		if (asprintf(&target, "%s:%s", conf_postmap_name(cfg->postmap), cfg->output) < 0)
			return err_nomem(err);
		rc = run_postfix_cmd(cfg, cfg->postmap_path, target, err);
		free(target);
		if (rc < 0)
			return -1;
	}
	if (cfg->reload && run_postfix_cmd(cfg, cfg->postfix_path, "reload", err) < 0)
		return -1;
	if (cfg->on_change.n > 0 && run_on_change(cfg, err) < 0)
		return -1;
	return 0;
}
