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

#define STDERR_KEEP 512 /* bytes of a command's stderr kept for the message */

static char *const child_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};

/* child - set up and exec; never returns */
static void
child(char *const argv[], int errfd)
{
	int null = open("/dev/null", O_RDWR);

	/* Own process group, so a timeout kills what the command started too. */
	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
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

/* collect_stderr - read the child's stderr until EOF or the deadline;
 * 1 if the deadline passed */
static int
collect_stderr(int fd, struct strbuf *out, long long deadline)
{
	char buf[4096];

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return 1;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return 0;
		}
		if (out->len < STDERR_KEEP)
			strbuf_add(out, buf, (size_t)n < STDERR_KEEP - out->len ? (size_t)n : STDERR_KEEP - out->len);
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
	long long deadline;
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
	close(pfd[1]);
	deadline = now_ms() + timeout * 1000;
	timed_out = collect_stderr(pfd[0], &text, deadline);
	close(pfd[0]);
	/* stderr closed; the command may still be running */
	while (!timed_out && waitpid(pid, &status, WNOHANG) == 0) {
		struct timespec nap = {0, 20 * 1000 * 1000};

		timed_out = now_ms() >= deadline;
		nanosleep(&nap, NULL);
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	one_line(&text);
	if (timed_out)
		err_set(err, A2R_ERR_ACTION, "%s: killed after %ld s (command_timeout)", argv[0],
			timeout);
	else if (WIFSIGNALED(status))
		err_set(err, A2R_ERR_ACTION, "%s: killed by signal %d%s%s", argv[0], WTERMSIG(status),
			text.len ? ": " : "", text.len ? text.p : "");
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
