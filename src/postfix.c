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

#define STDERR_KEEP     512       /* bytes of a command's stderr kept for the message */
#define STDERR_GRACE_MS 250       /* reading its stderr after the command exited */
#define TICK_MS         20        /* how often a running command is looked at */
#define OUT_KEEP        (1 << 20) /* bytes of postconf's answer kept (long lists) */

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

/* child - set up and exec; never returns.  Its standard output goes to
 * OUTFD, or to /dev/null when OUTFD is -1. */
static void
child(char *const argv[], int errfd, int outfd)
{
	sigset_t none;
	int null;

	/* Own process group, so a timeout kills what the command started too. */
	setpgid(0, 0);
	/* Descriptors 0, 1 and 2 only.  The sources are moved above 2 first,
	 * so that no dup2() below overwrites one or is a no-op. */
	if ((errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (null = fcntl(null, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (outfd >= 0 && (outfd = fcntl(outfd, F_DUPFD_CLOEXEC, 3)) < 0) || dup2(null, 0) < 0 ||
	    dup2(outfd >= 0 ? outfd : null, 1) < 0 || dup2(errfd, 2) < 0)
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

/* keep - append what the command wrote, up to LIMIT bytes */
static void
keep(struct strbuf *out, const char *buf, size_t n, size_t limit)
{
	if (out->len < limit)
		strbuf_add(out, buf, n < limit - out->len ? n : limit - out->len);
}

/* The pipes a command writes to: its standard error, and (for a query)
 * its standard output; fd -1 once at its end. */
struct pipes {
	int fd[2];
	struct strbuf *text[2];
	size_t limit[2];
};

/* drain - read what is ready on P's pipes, waiting up to MS ms; 0 when
 * both are at their end */
static int
drain(struct pipes *p, long long ms)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	char buf[4096];

	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			pfd[n++] = (struct pollfd){.fd = p->fd[i], .events = POLLIN};
	if (n == 0)
		return 0;
	if (poll(pfd, n, (int)ms) <= 0)
		return 1;
	for (nfds_t j = 0; j < n; j++) {
		int i = pfd[j].fd == p->fd[0] ? 0 : 1;
		ssize_t got;

		if (pfd[j].revents == 0)
			continue;
		if ((got = read(p->fd[i], buf, sizeof(buf))) > 0)
			keep(p->text[i], buf, (size_t)got, p->limit[i]);
		else if (got == 0 || errno != EINTR)
			p->fd[i] = -1; /* at its end */
	}
	return 1;
}

/* wait_child - read the child's pipes until the child has exited and the
 * pipes are at their end, or STDERR_GRACE_MS after the exit (a process it
 * left in the background may hold them open for ever), or until DEADLINE;
 * *STATUS is the child's.  1 if the deadline passed first. */
static int
wait_child(pid_t pid, struct pipes *p, long long deadline, int *status)
{
	long long stop = -1; /* once the child has exited: when reading stops */

	for (;;) {
		long long now = now_ms(), left;

		if (stop < 0 && waitpid(pid, status, WNOHANG) == pid)
			stop = now + STDERR_GRACE_MS;
		if (stop < 0 && now >= deadline)
			return 1;
		if (stop >= 0 && ((p->fd[0] < 0 && p->fd[1] < 0) || now >= stop))
			return 0;
		/* while the child runs, look at it every TICK_MS */
		left = stop >= 0 ? stop - now : deadline - now;
		if (stop < 0 && left > TICK_MS)
			left = TICK_MS;
		if (!drain(p, left)) {
			struct timespec nap = {0, (long)left * 1000000};

			nanosleep(&nap, NULL);
		}
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

/* run - ARGV within TIMEOUT s; its standard output into OUT (up to
 * OUTMAX bytes, the rest read and dropped) unless OUT is NULL */
static int
run(char *const argv[], long timeout, struct strbuf *out, size_t outmax, struct a2r_err *err)
{
	struct strbuf text = {0};
	struct pipes p = {{-1, -1}, {&text, out}, {STDERR_KEEP, outmax}};
	int efd[2], ofd[2] = {-1, -1}, status = 0, timed_out, rc = -1;
	pid_t pid;

	if (pipe2(efd, O_CLOEXEC) < 0)
		return err_set(err, A2R_ERR_ACTION, "%s: pipe: %s", argv[0], strerror(errno));
	if (out != NULL && pipe2(ofd, O_CLOEXEC) < 0) {
		close(efd[0]);
		close(efd[1]);
		return err_set(err, A2R_ERR_ACTION, "%s: pipe: %s", argv[0], strerror(errno));
	}
	if ((pid = fork()) < 0) {
		for (int i = 0; i < 2; i++) {
			close(efd[i]);
			if (ofd[i] >= 0)
				close(ofd[i]);
		}
		return err_set(err, A2R_ERR_ACTION, "%s: fork: %s", argv[0], strerror(errno));
	}
	if (pid == 0)
		child(argv, efd[1], ofd[1]);
	/* here too, so that the group exists before anyone signals it */
	setpgid(pid, pid);
	running = pid;
	close(efd[1]);
	if (ofd[1] >= 0)
		close(ofd[1]);
	p.fd[0] = efd[0];
	p.fd[1] = ofd[0];
	timed_out = wait_child(pid, &p, now_ms() + timeout * 1000, &status);
	close(efd[0]);
	if (ofd[0] >= 0)
		close(ofd[0]);
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

int
postfix_run(char *const argv[], long timeout, struct a2r_err *err)
{
	return run(argv, timeout, NULL, 0, err);
}

int
postfix_capture(char *const argv[], long timeout, size_t max, struct strbuf *out,
                struct a2r_err *err)
{
	size_t before = out->len;

	if (run(argv, timeout, out, before + max + 1, err) < 0)
		return -1;
	if (out->len - before > max)
		return err_set(err, A2R_ERR_ACTION, "%s: its output exceeds %zu bytes", argv[0],
		               max);
	if (out->p == NULL && strbuf_addstr(out, "") < 0)
		return err_nomem(err);
	return 0;
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

char *
postfix_postconf_path(const struct a2r_config *cfg)
{
	const char *slash = strrchr(cfg->postfix_path, '/');
	char *path;

	if (asprintf(&path, "%.*s/postconf", (int)(slash - cfg->postfix_path), cfg->postfix_path) <
	    0)
		return NULL;
	return path;
}

int
postfix_params(const struct a2r_config *cfg, const char *const names[], size_t n,
               struct strlist *values, struct a2r_err *err)
{
	char **argv = calloc(n + 5, sizeof(*argv));
	struct strbuf out = {0};
	size_t argc = 0;
	int rc = -1;

	if (argv == NULL || (argv[argc++] = postfix_postconf_path(cfg)) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (cfg->postfix_config != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = cfg->postfix_config;
	}
	argv[argc++] = "-xh"; /* values only, $names expanded */
	for (size_t i = 0; i < n; i++)
		argv[argc++] = (char *)names[i];
	if (run(argv, cfg->command_timeout, &out, OUT_KEEP, err) < 0)
		goto out;
	/* one line per name, in the order asked */
	strlist_clear(values);
	for (const char *p = out.p ? out.p : "", *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (strlist_add(values, p, (size_t)(nl - p)) < 0) {
			err_nomem(err);
			goto out;
		}
	if (values->n != n || out.len >= OUT_KEEP)
		err_set(err, A2R_ERR_ACTION, "%s: expected %zu lines of output, got %zu%s", argv[0],
		        n, values->n, out.len >= OUT_KEEP ? " and more" : "");
	else
		rc = 0;
out:
	if (argv != NULL)
		free(argv[0]);
	free(argv);
	strbuf_free(&out);
	return rc;
}
