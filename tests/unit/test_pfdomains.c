/* SPDX-License-Identifier: BSD-2-Clause */
/* test_pfdomains.c - Postfix's relay_domains read as match_list reads it */
#include "autoconf.h"

#include "unit.h"

#include "pfdomains.h"
#include "policy.h"

/* fake_table - "t:NAME": the keys are NAME's '+'-separated parts; "u:"
 * fails as a table that cannot be listed */
static int
fake_table(void *ctx, const char *pattern, struct strlist *keys, struct a2r_err *err)
{
	const char *p = strchr(pattern, ':') + 1;

	(*(int *)ctx)++;
	if (strncmp(pattern, "u:", 2) == 0)
		return err_set(err, A2R_ERR_CONFIG, "\"%s\": cannot be listed", pattern);
	while (*p != '\0') {
		size_t len = strcspn(p, "+");

		assert_int_equal(strlist_add(keys, p, len), 0);
		p += len + (p[len] == '+');
	}
	return 0;
}

/* parse - VALUE into one space-separated string of entries */
static char *
parse(const char *value, int parent, unsigned long *skipped, struct a2r_err *err)
{
	struct strlist out = {0};
	struct strbuf b = {0};
	int tables = 0;

	*skipped = 0;
	if (pfdomains_parse(value, parent, fake_table, &tables, &out, skipped, err) < 0) {
		strlist_free(&out);
		return NULL;
	}
	for (size_t i = 0; i < out.n; i++)
		assert_int_equal(strbuf_addstr(&b, i ? " " : "") | strbuf_addstr(&b, out.v[i]), 0);
	strlist_free(&out);
	return b.p ? b.p : strdup("");
}

struct pcase {
	const char *value;
	int parent;
	const char *entries;
	unsigned long skipped;
};

static void
test_lists(void **state)
{
	static const struct pcase cases[] = {
	    /* commas and white space; folded */
	    {"A.example,b.example  .C.example,,\tD.example", 0,
	     "a.example b.example .c.example d.example", 0},
	    /* under parent matching: "x" is x and below, ".x" matches nothing */
	    {"a.example, .c.example", 1, "a.example .a.example", 1},
	    /* "!" excludes (twice: includes), "#" ends the list */
	    {"!x.a.example a.example !!b.example # c.example", 0,
	     "!x.a.example a.example b.example", 0},
	    /* tables: every key a pattern, with the table's sign */
	    {"t:k.example+.s.example !t:n.example", 0, "k.example .s.example !n.example", 0},
	    {"t:k.example+.s.example", 1, "k.example .k.example", 1},
	    /* no domain names: address literals, trailing dots, bad labels */
	    {"[192.0.2.1] example.org. -x.example ok.example", 0, "ok.example", 3},
	    /* UTF-8 folded as Postfix does with smtputf8_enable = yes */
	    {"M\xc3\x9cNCHEN.example", 0, "m\xc3\xbcnchen.example", 0},
	    {"", 0, "", 0},
	};
	struct a2r_err err = {0};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		unsigned long skipped;
		char *got = parse(cases[i].value, cases[i].parent, &skipped, &err);

		if (got == NULL)
			fail_msg("case %zu: %s", i, err.msg);
		if (strcmp(got, cases[i].entries) != 0 || skipped != cases[i].skipped)
			fail_msg("case %zu: \"%s\" (%lu skipped), want \"%s\" (%lu)", i, got,
			         skipped, cases[i].entries, cases[i].skipped);
		free(got);
	}
}

/* "/file/name": its lines, "#" lines skipped, files in files, and "!"
 * in front of the file applies to all of it */
static void
test_files(void **state)
{
	struct a2r_err err = {0};
	unsigned long skipped;
	char *inner, *outer, *value, *got;

	(void)state;
	inner = unit_write(unit_dir, "inner", "# all of it\ni1.example\n");
	assert_true(asprintf(&value,
	                     "# comment line\nf1.example, f2.example # a word comment\n"
	                     "  # indented comment\n!f3.example %s\n\nt:f4.example\n",
	                     inner) > 0);
	outer = unit_write(unit_dir, "outer", value);
	free(value);
	assert_true(asprintf(&value, "a.example !%s z.example", outer) > 0);
	got = parse(value, 0, &skipped, &err);
	assert_non_null(got);
	assert_string_equal(got, "a.example !f1.example !f2.example f3.example !i1.example "
	                         "!f4.example z.example");
	free(got);
	free(value);

	/* a file naming itself */
	value = unit_write(unit_dir, "loop", "");
	{
		FILE *fp = fopen(value, "w");

		assert_non_null(fp);
		fprintf(fp, "l.example %s\n", value);
		fclose(fp);
	}
	got = parse(value, 0, &skipped, &err);
	assert_null(got);
	assert_non_null(strstr(err.msg, "files nested more than 16 deep"));
	free(value);

	/* a file that does not exist: Postfix fails every lookup */
	assert_true(asprintf(&value, "%s/missing", unit_dir) > 0);
	assert_null(parse(value, 0, &skipped, &err));
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	assert_non_null(strstr(err.msg, "/missing: No such file or directory"));
	free(value);
	free(inner);
	free(outer);
}

static void
test_errors(void **state)
{
	struct a2r_err err = {0};
	unsigned long skipped;

	(void)state;
	assert_null(parse("a.example u:/etc/postfix/ldap.cf", 0, &skipped, &err));
	assert_string_equal(err.msg, "\"u:/etc/postfix/ldap.cf\": cannot be listed");
	assert_null(parse("a.example !", 0, &skipped, &err));
	assert_string_equal(err.msg, "no pattern after '!'");
}

/* record_table - a pfdomains_table_fn that keeps the pattern */
static int
record_table(void *ctx, const char *pattern, struct strlist *keys, struct a2r_err *err)
{
	(void)err;
	assert_int_equal(strlist_add(ctx, pattern, strlen(pattern)), 0);
	return strlist_add(keys, "i.example", 9);
}

/* braces keep an inline table whole: its commas are not separators */
static void
test_braces(void **state)
{
	struct strlist tables = {0}, out = {0};
	struct a2r_err err = {0};
	unsigned long skipped = 0;

	(void)state;
	assert_int_equal(pfdomains_parse("inline:{b1.example=x, b2.example=y}, c.example", 0,
	                                 record_table, &tables, &out, &skipped, &err),
	                 0);
	assert_int_equal(tables.n, 1);
	assert_string_equal(tables.v[0], "inline:{b1.example=x, b2.example=y}");
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "i.example");
	assert_string_equal(out.v[1], "c.example");
	strlist_free(&tables);
	strlist_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_braces),
	};
	int rc = cmocka_run_group_tests(tests, unit_dir_setup, unit_dir_teardown);

	policy_cleanup();
	return rc;
}
