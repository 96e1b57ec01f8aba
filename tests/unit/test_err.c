/* SPDX-License-Identifier: BSD-2-Clause */
/* test_err.c - the error record and the exit status table of DESIGN.md */
#include "autoconf.h"

#include "unit.h"

#include "err.h"

/* DESIGN.md, "Exit status": monitoring and the integration tests rely on
 * these numbers, so they are spelled out here, not taken from sysexits.h. */
static const struct {
	enum a2r_status code;
	int status;
} table[] = {
    {A2R_OK, 0},          {A2R_ERR_USAGE, 64},     {A2R_ERR_CONFIG, 78},   {A2R_ERR_SOURCE, 69},
    {A2R_ERR_AUTH, 77},   {A2R_ERR_TRANSPORT, 77}, {A2R_ERR_WRITE, 73},    {A2R_ERR_GUARD, 65},
    {A2R_ERR_ACTION, 71}, {A2R_ERR_LOCK, 75},      {A2R_ERR_INTERNAL, 70},
};

static void
test_exit_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (err_exit_status(table[i].code) != table[i].status)
			fail_msg("status %d: exit %d, want %d", (int)table[i].code,
			         err_exit_status(table[i].code), table[i].status);
}

/* every class has its own exit status, none is 0 or 1 (check's "differs"),
 * but a DC that wants a stronger transport is told as refused credentials
 * are (77: what the administrator must change is how ad2relay binds) */
static void
test_every_code_mapped(void **state)
{
	(void)state;
	assert_int_equal(sizeof(table) / sizeof(table[0]), A2R_ERR_INTERNAL + 1);
	for (int c = A2R_ERR_USAGE; c <= A2R_ERR_INTERNAL; c++) {
		int st = err_exit_status((enum a2r_status)c);

		assert_true(st > 1 && st < 128);
		for (int d = A2R_ERR_USAGE; d < c; d++)
			if (!(c == A2R_ERR_TRANSPORT && d == A2R_ERR_AUTH))
				assert_int_not_equal(st, err_exit_status((enum a2r_status)d));
	}
	/* not a class at all: an internal error, never success */
	assert_int_equal(err_exit_status((enum a2r_status)(A2R_ERR_INTERNAL + 1)), 70);
}

static void
test_set(void **state)
{
	struct a2r_err err = {0};
	char big[2 * A2R_ERRMSG_MAX];

	(void)state;
	assert_int_equal(err_set(&err, A2R_ERR_CONFIG, "%s, line %d: %s", "a.conf", 3, "bad"), -1);
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	assert_string_equal(err.msg, "a.conf, line 3: bad");
	/* a long message is cut, never overrun */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&err, A2R_ERR_SOURCE, "%s", big);
	assert_int_equal(strlen(err.msg), A2R_ERRMSG_MAX - 1);
	assert_int_equal(err_nomem(&err), -1);
	assert_int_equal(err.code, A2R_ERR_INTERNAL);
	assert_string_equal(err.msg, "out of memory");
}

static void
test_prefix(void **state)
{
	struct a2r_err err = {0};
	char big[A2R_ERRMSG_MAX];

	(void)state;
	err_set(&err, A2R_ERR_WRITE, "write: %s", "File too large");
	err_prefix(&err, "install %s", "/etc/postfix/relay_recipients");
	err_prefix(&err, "sync");
	assert_string_equal(err.msg,
	                    "sync: install /etc/postfix/relay_recipients: write: File too large");
	assert_int_equal(err.code, A2R_ERR_WRITE);
	/* a full message loses its end, the context stays whole */
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&err, A2R_ERR_SOURCE, "%s", big);
	err_prefix(&err, "ldaps://dc1");
	assert_int_equal(strlen(err.msg), A2R_ERRMSG_MAX - 1);
	assert_memory_equal(err.msg, "ldaps://dc1: yyy", 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_table),
	    cmocka_unit_test(test_every_code_mapped),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
