/* SPDX-License-Identifier: BSD-2-Clause */
/* test_incremental.c - incremental.c: when a change set is too large to
 * read object by object (more than max(1000, a tenth of the state's
 * objects) changed: a full sync instead) */
#include "autoconf.h"

#include "unit.h"

#include "incremental.h"

static void
test_change_limit(void **state)
{
	(void)state;
	assert_int_equal(incremental_change_limit(0), 1000);
	assert_int_equal(incremental_change_limit(2500), 1000);
	assert_int_equal(incremental_change_limit(10009), 1000);
	assert_int_equal(incremental_change_limit(10010), 1001);
	assert_int_equal(incremental_change_limit(100000), 10000);
	assert_int_equal(incremental_change_limit(500005), 50000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_change_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
