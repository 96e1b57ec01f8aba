/* SPDX-License-Identifier: BSD-2-Clause */
/* postfix.h - commands run after a changed map is installed
 *
 * postfix_actions() runs, in this order and only as configured:
 *   postmap [-c postfix_config] TYPE:OUTPUT     (postmap = hash|lmdb|btree)
 *   postfix [-c postfix_config] reload          (reload = yes)
 *   on_change ARGS... OUTPUT [OUTPUT.cdb]       (on_change = /path args)
 * Each is started with fork()/execve() by absolute path, without a shell,
 * with a minimal environment, standard input from /dev/null, and is
 * killed (with its process group) after command_timeout seconds.  It
 * gets descriptors 0, 1 and 2 only.  Its standard error is captured into
 * the error message until it exits, and for STDERR_GRACE_MS (0.25 s) after
 * that at most: a process it left running in the background (and that
 * still holds its standard error) is left alone and does not delay or
 * fail the run.  The first failure stops the sequence: A2R_ERR_ACTION
 * naming the command, with its exit status or signal.
 *
 * postfix_params() asks Postfix for parameter values the same way:
 *   postconf [-c postfix_config] -xh NAME...
 * where postconf is the one in the directory of postfix_path.
 *
 * postfix_run() is the single-command primitive.  postfix_abort() may be
 * called from a signal handler: it sends SIGTERM to the process group of
 * the command running, if any.
 */
#ifndef A2R_POSTFIX_H
#define A2R_POSTFIX_H

#include "conf.h"
#include "err.h"
#include "util.h"

/* postfix_run - run ARGV (argv[0] an absolute path) within TIMEOUT s */
int postfix_run(char *const argv[], long timeout, struct a2r_err *err);

/* postfix_params - the values of Postfix's parameters NAMES[0..N-1], as
 * Postfix has them ($names expanded), into VALUES (cleared first; one
 * string per name, in that order).  Fails (A2R_ERR_ACTION) when postconf
 * fails, times out or prints other than N lines. */
int postfix_params(const struct a2r_config *cfg, const char *const names[], size_t n,
                   struct strlist *values, struct a2r_err *err);

/* postfix_capture - postfix_run(), and what ARGV writes on its standard
 * output appended to OUT (NUL-terminated); more than MAX bytes of it is
 * an error (A2R_ERR_ACTION) */
int postfix_capture(char *const argv[], long timeout, size_t max, struct strbuf *out,
                    struct a2r_err *err);

/* postfix_postconf_path - "postconf" in the directory of postfix_path,
 * where Postfix installs its commands (malloc'd; NULL: out of memory) */
char *postfix_postconf_path(const struct a2r_config *cfg);

/* postfix_abort - async-signal-safe: SIGTERM to the running command */
void postfix_abort(void);

/* postfix_actions - the configured commands after an install */
int postfix_actions(const struct a2r_config *cfg, struct a2r_err *err);

#endif
