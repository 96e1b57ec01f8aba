/* SPDX-License-Identifier: BSD-2-Clause */
/* test_report.c - report_escape(): what a log line may carry, table-driven */
#include "autoconf.h"

#include "unit.h"

#include "report.h"

static const struct {
	const char *in;
	const char *want;
} cases[] = {
    {"plain ASCII: a-z ~!", "plain ASCII: a-z ~!"},
    {"CN=Smith\\, John", "CN=Smith\\, John"}, /* DN escapes stay readable */
    {"a\nad2relay: updated x: all good", "a\\nad2relay: updated x: all good"},
    {"tab\there\r", "tab\\there\\r"},
    {"\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"},
    {"del\x7f", "del\\x7f"},
    {"bad \xff byte", "bad \\xff byte"},
    {"cut \xc3", "cut \\xc3"},
    {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
    {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
    {"J\xc3\xbcrgen \xe7\x94\xb0\xe4\xb8\xad \xf0\x9f\x93\xa7", /* letters, emoji */
     "J\xc3\xbcrgen \xe7\x94\xb0\xe4\xb8\xad \xf0\x9f\x93\xa7"},
    {"e\xcc\x81", "e\xcc\x81"},    /* a combining mark */
    {"nel\xc2\x85", "nel\\u0085"}, /* C1 */
    {"csi\xc2\x9b"
     "2J",
     "csi\\u009B2J"}, /* C1 CSI */
    {"nbsp\xc2\xa0x", "nbsp\\u00A0x"},
    {"ls\xe2\x80\xa8ps\xe2\x80\xa9", "ls\\u2028ps\\u2029"},
    {"zw\xe2\x80\x8b"
     "bom\xef\xbb\xbf"
     "rlo\xe2\x80\xae",
     "zw\\u200Bbom\\uFEFFrlo\\u202E"},
    {"ideo\xe3\x80\x80", "ideo\\u3000"},
    {"pua\xee\x80\x80 tag\xf3\xa0\x80\x81", "pua\\uE000 tag\\U000E0001"},
    {"unassigned\xcd\xb8", "unassigned\\u0378"},
};

static void
test_table(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		report_escape(cases[i].in, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("escape(\"%s\") = \"%s\", want \"%s\"", cases[i].in, out,
			         cases[i].want);
	}
}

/* 4 * strlen + 1 always suffices; a short buffer cuts at a whole escape */
static void
test_sizes(void **state)
{
	char in[65], out[4 * sizeof(in)], small[6];

	(void)state;
	for (int c = 0; c < 256; c++) {
		memset(in, c == 0 ? 1 : c, sizeof(in) - 1);
		in[sizeof(in) - 1] = '\0';
		report_escape(in, out, 4 * strlen(in) + 1);
		assert_true(strlen(out) >= strlen(in));
		for (const char *p = out; *p != '\0'; p++)
			assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
	}
	report_escape("ab\x1b"
	              "cd",
	              small, sizeof(small));
	assert_string_equal(small, "ab");
	report_escape("abcdefgh", small, sizeof(small));
	assert_string_equal(small, "abcde");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
