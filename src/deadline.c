/* SPDX-License-Identifier: BSD-2-Clause */
/* deadline.c - a watchdog thread that cuts a connection which overran */
#include "autoconf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "deadline.h"

struct deadline {
	long timeout;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;    /* connection socket, -1 when none */
	int armed; /* an operation is running against deadline */
	int fired; /* the watchdog cut the connection: enum deadline_fired */
	int stop;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	struct timespec until;    /* the whole run's deadline (run_timeout) */
	_Atomic int64_t touched;  /* deadline_touch(): CLOCK_MONOTONIC_COARSE, ns */
};

/* ns_of - a CLOCK_MONOTONIC time in nanoseconds */
static int64_t
ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* moved_on - messages since the last wake-up (deadline_touch) move the
 * deadline on, but never past the end of the run */
static void
moved_on(struct deadline *d)
{
	int64_t last = atomic_load_explicit(&d->touched, memory_order_relaxed);
	int64_t later = last + (int64_t)d->timeout * 1000000000;

	if (later > ns_of(&d->until))
		later = ns_of(&d->until);
	if (later > ns_of(&d->deadline)) {
		d->deadline.tv_sec = (time_t)(later / 1000000000);
		d->deadline.tv_nsec = (long)(later % 1000000000);
	}
}

/* watchdog - cut the connection of an operation that overran its deadline */
static void *
watchdog(void *arg)
{
	struct deadline *d = arg;

	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		struct timespec now;

		if (!d->armed) {
			pthread_cond_wait(&d->cv, &d->mu);
			continue;
		}
		pthread_cond_timedwait(&d->cv, &d->mu, &d->deadline);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (d->armed)
			moved_on(d);
		if (d->armed && ns_of(&now) >= ns_of(&d->deadline)) {
			/* Mark first: the reader may see EOF before we unlock. */
			d->fired = ns_of(&now) >= ns_of(&d->until) ? DEADLINE_RUN_TIMEOUT
			                                           : DEADLINE_TIMEOUT;
			d->armed = 0;
			/* Wakes up any read blocked on the socket, in TLS too. */
			if (d->fd >= 0)
				shutdown(d->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct deadline *
deadline_start(long timeout, const struct timespec *until, struct a2r_err *err)
{
	struct deadline *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;

	if (d == NULL) {
		err_nomem(err);
		return NULL;
	}
	d->timeout = timeout;
	d->until = *until;
	d->fd = -1;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&d->thread, NULL, watchdog, d) != 0) {
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->cv);
		free(d);
		err_set(err, A2R_ERR_INTERNAL, "cannot start the timeout thread");
		return NULL;
	}
	return d;
}

void
deadline_fd(struct deadline *d, int fd)
{
	pthread_mutex_lock(&d->mu);
	d->fd = fd;
	pthread_mutex_unlock(&d->mu);
}

/* deadline_arm - moving an armed deadline later needs no wake-up (the
 * watchdog re-reads it when its old deadline passes) */
void
deadline_arm(struct deadline *d)
{
	pthread_mutex_lock(&d->mu);
	clock_gettime(CLOCK_MONOTONIC, &d->deadline);
	d->deadline.tv_sec += d->timeout;
	if (ns_of(&d->deadline) > ns_of(&d->until))
		d->deadline = d->until;
	if (!d->armed) {
		d->armed = 1;
		pthread_cond_signal(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
}

/* deadline_disarm - the watchdog notices at its deadline */
void
deadline_disarm(struct deadline *d)
{
	pthread_mutex_lock(&d->mu);
	d->armed = 0;
	pthread_mutex_unlock(&d->mu);
}

/* deadline_touch - one store, no lock; the watchdog moves the deadline on
 * when the old one passes.  CLOCK_MONOTONIC_COARSE (a few milliseconds
 * fine) is read from memory, without a system call. */
void
deadline_touch(struct deadline *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	atomic_store_explicit(&d->touched, ns_of(&now), memory_order_relaxed);
}

enum deadline_fired
deadline_fired(struct deadline *d)
{
	int fired;

	pthread_mutex_lock(&d->mu);
	fired = d->fired;
	pthread_mutex_unlock(&d->mu);
	return (enum deadline_fired)fired;
}

void
deadline_stop(struct deadline *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}

int
deadline_passed(const struct timespec *until)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ns_of(&now) >= ns_of(until);
}

struct timeval
deadline_timeval(long timeout, const struct timespec *until)
{
	struct timeval tv = {.tv_sec = timeout, .tv_usec = 0};
	struct timespec now;
	int64_t left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left = ns_of(until) - ns_of(&now);
	if (left < (int64_t)timeout * 1000000000) {
		tv.tv_sec = left > 0 ? (time_t)(left / 1000000000) : 0;
		tv.tv_usec = left > 0 ? (suseconds_t)(left % 1000000000 / 1000) : 0;
		if (tv.tv_sec == 0 && tv.tv_usec == 0)
			tv.tv_usec = 1;
	}
	return tv;
}
