/* SPDX-License-Identifier: BSD-2-Clause */
/* deadline.h - a watchdog that cuts a connection whose operation overruns
 *
 * libldap alone waits for ever inside a TLS handshake, and for a DC that
 * stops answering in the middle of a TLS stream.  A deadline is a thread
 * that, while an operation is armed, shuts the connection's socket down
 * (shutdown(2) wakes up any read blocked on it, in TLS too) once the
 * operation has made no progress for TIMEOUT seconds, or at the end of
 * the whole run (UNTIL, CLOCK_MONOTONIC), whichever comes first.  The
 * caller's read then fails, and deadline_fired() says why.
 *
 * Call order: deadline_start(); deadline_fd() as soon as the socket is
 * known (again with -1 when it goes); per operation deadline_arm(),
 * deadline_touch() for each message that comes, deadline_disarm();
 * deadline_stop() joins the thread and frees everything.  The thread
 * only ever calls shutdown(2) on the socket, never closes it.
 *
 * deadline_passed() and deadline_timeval() need no thread: they answer
 * for the run's end and for a library's own timeout.
 */
#ifndef A2R_DEADLINE_H
#define A2R_DEADLINE_H

#include <sys/time.h>
#include <time.h>

#include "err.h"

struct deadline;

/* Why the watchdog cut the connection. */
enum deadline_fired {
	DEADLINE_NO = 0,
	DEADLINE_TIMEOUT,     /* no progress within TIMEOUT seconds */
	DEADLINE_RUN_TIMEOUT, /* the run reached UNTIL */
};

/* deadline_start - the watchdog for operations of TIMEOUT seconds within
 * a run that ends at UNTIL; disarmed, no socket.  NULL on failure
 * (A2R_ERR_INTERNAL: out of memory, no thread). */
struct deadline *deadline_start(long timeout, const struct timespec *until, struct a2r_err *err);

/* deadline_fd - the socket to shut down (-1: none, the connection went) */
void deadline_fd(struct deadline *d, int fd);

/* deadline_arm - (re)start the clock for one operation: TIMEOUT seconds
 * from now, never past UNTIL */
void deadline_arm(struct deadline *d);

/* deadline_disarm - stop the clock; nothing is cut until the next arm */
void deadline_disarm(struct deadline *d);

/* deadline_touch - the armed operation made progress (a message came):
 * the timeout counts from now.  One relaxed store, no lock and no system
 * call: cheap enough for every message. */
void deadline_touch(struct deadline *d);

/* deadline_fired - whether, and why, the watchdog cut the connection */
enum deadline_fired deadline_fired(struct deadline *d);

/* deadline_stop - end the thread and free D (NULL: nothing) */
void deadline_stop(struct deadline *d);

/* deadline_passed - 1 once UNTIL (CLOCK_MONOTONIC) has come, else 0.  One
 * clock read: call it per page or per request, not per entry. */
int deadline_passed(const struct timespec *until);

/* deadline_timeval - TIMEOUT seconds, or what is left until UNTIL if that
 * is less (at least one microsecond, so that it never means "no limit") */
struct timeval deadline_timeval(long timeout, const struct timespec *until);

#endif
