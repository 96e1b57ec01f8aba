/* SPDX-License-Identifier: BSD-2-Clause */
/* test_deadline.c - the watchdog cuts an overrunning operation, and only that */
#include "autoconf.h"

#include "unit.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "deadline.h"

/* in - CLOCK_MONOTONIC plus MS milliseconds */
static struct timespec
in(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += ms % 1000 * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	} else if (t.tv_nsec < 0) {
		t.tv_sec--;
		t.tv_nsec += 1000000000;
	}
	return t;
}

/* since - milliseconds from T0 */
static long
since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* cut - 1 if the socket FD was shut down (reads EOF) within MS */
static int
cut(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

/* watch - a deadline of TIMEOUT s in a run that ends in RUN_MS, watching
 * SV[0] of a new socket pair */
static struct deadline *
watch(long timeout, long run_ms, int sv[2])
{
	struct timespec until = in(run_ms);
	struct a2r_err err = {0};
	struct deadline *d = deadline_start(timeout, &until, &err);

	assert_non_null(d);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	deadline_fd(d, sv[0]);
	return d;
}

static void
unwatch(struct deadline *d, int sv[2])
{
	deadline_stop(d);
	close(sv[0]);
	close(sv[1]);
}

static void
test_passed(void **state)
{
	struct timespec past = in(-1000), future = in(60000);

	(void)state;
	assert_int_equal(deadline_passed(&past), 1);
	assert_int_equal(deadline_passed(&future), 0);
}

static void
test_timeval(void **state)
{
	struct timespec far = in(60000), near = in(2500), past = in(-1000);
	struct timeval tv;

	(void)state;
	tv = deadline_timeval(5, &far);
	assert_int_equal(tv.tv_sec, 5);
	assert_int_equal(tv.tv_usec, 0);
	/* the run ends first: what is left of it */
	tv = deadline_timeval(5, &near);
	assert_true(tv.tv_sec == 2 || (tv.tv_sec == 1 && tv.tv_usec > 0));
	/* over: the least there is, never 0 ("no limit") */
	tv = deadline_timeval(5, &past);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 1);
}

/* no message within the timeout: the socket is shut down */
static void
test_timeout(void **state)
{
	int sv[2];
	struct deadline *d = watch(1, 60000, sv);
	struct timespec t0;

	(void)state;
	assert_int_equal(deadline_fired(d), DEADLINE_NO);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deadline_arm(d);
	assert_true(cut(sv[0], 10000));
	assert_true(since(&t0) >= 900);
	assert_int_equal(deadline_fired(d), DEADLINE_TIMEOUT);
	unwatch(d, sv);
}

/* the end of the run comes before the operation's timeout */
static void
test_run_timeout(void **state)
{
	int sv[2];
	struct deadline *d = watch(30, 800, sv);
	struct timespec t0;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deadline_arm(d);
	assert_true(cut(sv[0], 10000));
	assert_true(since(&t0) >= 700);
	assert_true(since(&t0) < 10000);
	assert_int_equal(deadline_fired(d), DEADLINE_RUN_TIMEOUT);
	unwatch(d, sv);
}

/* progress (deadline_touch) keeps the operation alive past its timeout;
 * disarmed, nothing is cut */
static void
test_touch_disarm(void **state)
{
	int sv[2];
	struct deadline *d = watch(1, 60000, sv);
	struct timespec t0;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deadline_arm(d);
	while (since(&t0) < 2500) {
		deadline_touch(d);
		assert_false(cut(sv[0], 100));
	}
	assert_int_equal(deadline_fired(d), DEADLINE_NO);
	deadline_disarm(d);
	assert_false(cut(sv[0], 1500));
	assert_int_equal(deadline_fired(d), DEADLINE_NO);
	/* still a working socket */
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_false(cut(sv[0], 1000));
	/* armed again and left alone: cut */
	deadline_arm(d);
	assert_true(cut(sv[0], 10000));
	assert_int_equal(deadline_fired(d), DEADLINE_TIMEOUT);
	unwatch(d, sv);
	deadline_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_passed),       cmocka_unit_test(test_timeval),
	    cmocka_unit_test(test_timeout),      cmocka_unit_test(test_run_timeout),
	    cmocka_unit_test(test_touch_disarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
