/* SPDX-License-Identifier: BSD-2-Clause */
/* test_extract.c - extract.c: ranged attribute descriptions (AD range retrieval) */
#include "autoconf.h"

#include "unit.h"

#include "extract.h"

struct rcase {
	const char *name;
	int result;
	size_t baselen;
	long low, high;
};

static const struct rcase cases[] = {
    {"proxyAddresses", 0, 0, 0, 0},
    {"proxyAddresses;range=0-1499", 1, 14, 0, 1499},
    {"proxyAddresses;range=1500-*", 1, 14, 1500, -1},
    {"member;Range=0-*", 1, 6, 0, -1},
    {"proxyAddresses;RANGE=3000-4499", 1, 14, 3000, 4499},
    {"proxyAddresses;binary;range=0-9", 1, 21, 0, 9},
    {"proxyAddresses;range=0-9;binary", 1, 14, 0, 9},
    {"proxyAddresses;lang-en", 0, 0, 0, 0},
    {"proxyAddresses;range=", -1, 0, 0, 0},
    {"proxyAddresses;range=x-9", -1, 0, 0, 0},
    {"proxyAddresses;range=10", -1, 0, 0, 0},
    {"proxyAddresses;range=10-", -1, 0, 0, 0},
    {"proxyAddresses;range=10-5", -1, 0, 0, 0},
    {"proxyAddresses;range=0-9x", -1, 0, 0, 0},
    {"proxyAddresses;range=0-*x", -1, 0, 0, 0},
};

static void
test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct rcase *t = &cases[i];
		size_t baselen = 0;
		long low = 0, high = 0;
		int r = extract_parse_range(t->name, strlen(t->name), &baselen, &low, &high);

		if (r != t->result)
			fail_msg("%s: %d, want %d", t->name, r, t->result);
		if (r == 1 && (baselen != t->baselen || low != t->low || high != t->high))
			fail_msg("%s: base %zu low %ld high %ld", t->name, baselen, low, high);
	}
}

/* a description is parsed by length, not up to a NUL */
static void
test_not_terminated(void **state)
{
	const char buf[] = "mail;range=0-4XXXX";
	size_t baselen;
	long low, high;

	(void)state;
	assert_int_equal(extract_parse_range(buf, 14, &baselen, &low, &high), 1);
	assert_int_equal(high, 4);
	assert_int_equal(baselen, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_not_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
