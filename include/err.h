/* SPDX-License-Identifier: BSD-2-Clause */
/* err.h - the error contract shared by every module
 *
 * Modules never print and never exit.  A function that can fail takes a
 * caller-owned struct a2r_err, fills it with a status and a one-line
 * message, and returns -1.  Callers add their own context in front with
 * err_prefix(), so the message main.c finally prints reads from the
 * outermost operation to the innermost cause, e.g.
 *
 *     sync: install /etc/postfix/relay_recipients: write: File too large
 *
 * err_exit_status() maps an a2r_status to the exit status of DESIGN.md
 * ("Exit status"); only main.c exits with it.
 */
#ifndef A2R_ERR_H
#define A2R_ERR_H

#include <stddef.h>

/* What went wrong, in the terms the exit status table of DESIGN.md uses. */
enum a2r_status {
	A2R_OK = 0,
	A2R_ERR_USAGE,     /* bad command line */
	A2R_ERR_CONFIG,    /* bad configuration or unsafe secret file */
	A2R_ERR_SOURCE,    /* no source (DC or LDIF file) delivered a complete result */
	A2R_ERR_AUTH,      /* the directory refused our credentials */
	A2R_ERR_TRANSPORT, /* a DC wants a stronger transport (TLS, signing): a
	                    * property of that DC, the next one is tried */
	A2R_ERR_WRITE,     /* writing or installing a map failed; old map untouched */
	A2R_ERR_GUARD,     /* a safety guard refused the new map */
	A2R_ERR_ACTION,    /* a post-install command failed */
	A2R_ERR_LOCK,      /* another run holds the lock */
	A2R_ERR_INTERNAL,  /* out of memory, a bug */
};

#define A2R_ERRMSG_MAX 1024

struct a2r_err {
	enum a2r_status code;
	char msg[A2R_ERRMSG_MAX];
};

/* err_set - record status and message; always returns -1 */
int err_set(struct a2r_err *err, enum a2r_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err_prefix - put "CONTEXT: " in front of the message already recorded */
void err_prefix(struct a2r_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err_nomem - record an allocation failure; returns -1 */
int err_nomem(struct a2r_err *err);

/* err_exit_status - the exit status (sysexits(3)) for CODE: 0 for A2R_OK,
 * 64 usage, 78 config, 69 source, 77 auth and transport, 73 write, 65
 * guard, 71 action, 75 lock, 70 internal (also for a value outside the
 * enum) */
int err_exit_status(enum a2r_status code);

#endif
