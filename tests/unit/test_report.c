/* SPDX-License-Identifier: BSD-2-Clause */
/* test_report.c - report_escape(): what a log line may carry, table-driven;
 * the metrics file's counts by class and by reason */
#include "autoconf.h"

#include "unit.h"

#include "policy.h"
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

/* has_line - does TEXT hold LINE as a whole line? */
static int
has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p += len)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return 1;
	return 0;
}

/* The counts by class and by reason: one sample per label value, zeros
 * too, each family with # HELP and # TYPE before its samples */
static void
test_metrics_counts(void **state)
{
	static const char *const want[] = {
	    "# HELP ad2relay_objects Directory entries the last run read, by object class.",
	    "# TYPE ad2relay_objects gauge",
	    "ad2relay_objects{class=\"user\"} 3",
	    "ad2relay_objects{class=\"group\"} 2",
	    "ad2relay_objects{class=\"contact\"} 0",
	    "ad2relay_objects{class=\"publicFolder\"} 1",
	    "ad2relay_objects{class=\"msExchDynamicDistributionList\"} 0",
	    "ad2relay_objects{class=\"computer\"} 4",
	    "ad2relay_objects{class=\"other\"} 5",
	    "# TYPE ad2relay_skipped_entries gauge",
	    "ad2relay_skipped_entries{reason=\"computer\"} 4",
	    "ad2relay_skipped_entries{reason=\"disabled\"} 6",
	    "# TYPE ad2relay_rejected_values gauge",
	    "ad2relay_rejected_values{reason=\"outside_relay_domains\"} 7",
	    "ad2relay_rejected_values{reason=\"other_type\"} 8",
	    "ad2relay_rejected_values{reason=\"no_type\"} 9",
	    "ad2relay_rejected_values{reason=\"space_in_type\"} 10",
	    "ad2relay_rejected_values{reason=\"no_at\"} 11",
	    "ad2relay_rejected_values{reason=\"white_space\"} 12",
	    "ad2relay_rejected_values{reason=\"unassigned_code_point\"} 0",
	};
	struct collect_stats st = {.computers = 4,
	                           .disabled = 6,
	                           .not_relay = 7,
	                           .other_total = 8,
	                           .notype = 9,
	                           .spaced = 10};
	struct report_metrics m = {.start = 1, .entries = 15, .stats = &st};
	struct a2r_err err = {0};
	char *path = unit_path(unit_dir, "ad2relay.prom"), *text;
	size_t len, samples = 0;

	(void)state;
	st.classes[COLLECT_CLASS_USER] = 3;
	st.classes[COLLECT_CLASS_GROUP] = 2;
	st.classes[COLLECT_CLASS_PUBLICFOLDER] = 1;
	st.classes[COLLECT_CLASS_COMPUTER] = 4;
	st.classes[COLLECT_CLASS_OTHER] = 5;
	st.policy[POLICY_NO_AT] = 11;
	st.policy[POLICY_SPACE] = 12;
	assert_int_equal(report_metrics(path, &m, &err), 0);
	assert_non_null(text = unit_read(path, &len));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has_line(text, want[i]))
			fail_msg("no line \"%s\" in:\n%s", want[i], text);
	/* every reason once: four of collect's, every verdict but "ok" */
	for (const char *p = text; (p = strstr(p, "\nad2relay_rejected_values{")) != NULL; p++)
		samples++;
	assert_int_equal(samples, 4 + POLICY_NVERDICTS - 1);
	assert_null(strstr(text, "reason=\"ok\""));
	/* the families come after the # HELP and # TYPE of the file's head */
	assert_true(strstr(text, "ad2relay_entries 15\n") <
	            strstr(text, "# HELP ad2relay_objects"));
	free(text);

	/* without stats (no collector): none of these families */
	m.stats = NULL;
	assert_int_equal(report_metrics(path, &m, &err), 0);
	assert_non_null(text = unit_read(path, &len));
	assert_null(strstr(text, "ad2relay_objects"));
	assert_non_null(strstr(text, "ad2relay_entries 15\n"));
	free(text);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test_setup_teardown(test_metrics_counts, unit_dir_setup, unit_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
