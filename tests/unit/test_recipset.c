/* test_recipset.c - uniqueness, byte order, values, reset */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "recipset.h"

static void
test_unique_sorted(void **state)
{
	static const char *const in[] = {"b@x", "a@x", "B@x", "a@x", "\xc3\xa4@x", "a@xa",
					 "a@x",  "Z@x"};
	static const char *const want[] = {"B@x", "Z@x", "a@x", "a@xa", "b@x", "\xc3\xa4@x"};
	struct recipset *s = recipset_new();
	int added = 0;

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		added += recipset_add(s, in[i], strlen(in[i]), NULL);
	assert_int_equal(added, 6);
	recipset_sort(s);
	assert_int_equal(recipset_size(s), 6);
	for (size_t i = 0; i < 6; i++) {
		size_t len;
		const char *k = recipset_key(s, i, &len);

		assert_string_equal(k, want[i]);
		assert_int_equal(len, strlen(want[i]));
	}
	assert_true(recipset_contains(s, "a@xa", 4));
	assert_false(recipset_contains(s, "a@xb", 4));
	recipset_free(s);
}

static void
test_values_and_reset(void **state)
{
	struct recipset *s = recipset_new();

	(void)state;
	assert_int_equal(recipset_add(s, "a@x", 3, NULL), 1);
	assert_int_equal(recipset_add(s, "a@x", 3, "REJECT"), 0);
	assert_int_equal(recipset_add(s, "b@x", 3, NULL), 1);
	recipset_sort(s);
	assert_string_equal(recipset_value(s, 0), "REJECT");
	assert_null(recipset_value(s, 1));
	/* adding after sort is refused */
	assert_int_equal(recipset_add(s, "c@x", 3, NULL), -1);
	recipset_reset(s);
	assert_int_equal(recipset_size(s), 0);
	assert_int_equal(recipset_add(s, "c@x", 3, NULL), 1);
	recipset_free(s);
}

/* Many keys: the table grows and every key is found once. */
static void
test_many(void **state)
{
	struct recipset *s = recipset_new();
	char key[32];

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 50000; i++) {
			int n = snprintf(key, sizeof(key), "user%d@example.org", i);

			assert_int_equal(recipset_add(s, key, (size_t)n, NULL), round == 0);
		}
	recipset_sort(s);
	assert_int_equal(recipset_size(s), 50000);
	for (size_t i = 1; i < recipset_size(s); i++)
		assert_true(strcmp(recipset_key(s, i - 1, NULL), recipset_key(s, i, NULL)) < 0);
	recipset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unique_sorted),
		cmocka_unit_test(test_values_and_reset),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
