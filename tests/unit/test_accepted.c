/* SPDX-License-Identifier: BSD-2-Clause */
/* test_accepted.c - which Exchange accepted domains become relay domains */
#include "autoconf.h"

#include "unit.h"

#include "accepted.h"
#include "policy.h"

static void
test_judge(void **state)
{
	static const struct {
		const char *name, *flags; /* NULL: attribute absent */
		enum accepted_verdict want;
		const char *domain; /* on ACCEPTED_KEEP */
	} rows[] = {
	    /* the domain type, the two low bits of the flags */
	    {"corp.example.com", "0", ACCEPTED_KEEP, "corp.example.com"},
	    {"Corp.Example.COM", NULL, ACCEPTED_KEEP, "corp.example.com"},
	    {"relay.example.net", "2", ACCEPTED_KEEP, "relay.example.net"},
	    {"partner.example.net", "1", ACCEPTED_EXTERNAL, NULL},
	    {"odd.example.net", "3", ACCEPTED_BAD_FLAGS, NULL},
	    /* the default domain (0x4) is authoritative or a relay like any */
	    {"default.example.com", "4", ACCEPTED_KEEP, "default.example.com"},
	    {"default.example.net", "6", ACCEPTED_KEEP, "default.example.net"},
	    {"defext.example.net", "5", ACCEPTED_EXTERNAL, NULL},
	    /* outbound only (0x100): Exchange sends from it, takes nothing */
	    {"send.example.com", "256", ACCEPTED_OUTBOUND, NULL},
	    {"send.example.net", "258", ACCEPTED_OUTBOUND, NULL},
	    /* flags that are no number */
	    {"x.example.com", "", ACCEPTED_BAD_FLAGS, NULL},
	    {"x.example.com", "0x2", ACCEPTED_BAD_FLAGS, NULL},
	    {"x.example.com", " 2", ACCEPTED_BAD_FLAGS, NULL},
	    {"x.example.com", "2 ", ACCEPTED_BAD_FLAGS, NULL},
	    {"x.example.com", "99999999999999999999", ACCEPTED_BAD_FLAGS, NULL},
	    {"neg.example.com", "-2147483648", ACCEPTED_KEEP, "neg.example.com"},
	    /* wildcards: subdomains, Postfix's ".example.com" */
	    {"*.Example.COM", "0", ACCEPTED_KEEP, ".example.com"},
	    {"*.sub.example.com", "2", ACCEPTED_KEEP, ".sub.example.com"},
	    {"*", "2", ACCEPTED_EVERY, NULL},
	    {"*.", "0", ACCEPTED_BAD_NAME, NULL},
	    {"*.com", "0", ACCEPTED_BAD_NAME, NULL},
	    {"*example.com", "0", ACCEPTED_BAD_NAME, NULL},
	    {"x.*.example.com", "0", ACCEPTED_BAD_NAME, NULL},
	    /* names that are no domain name */
	    {NULL, "0", ACCEPTED_BAD_NAME, NULL},
	    {"", "0", ACCEPTED_BAD_NAME, NULL},
	    {"localdomain", "0", ACCEPTED_BAD_NAME, NULL},
	    {"bad domain.example", "0", ACCEPTED_BAD_NAME, NULL},
	    {"bad\nline.example", "0", ACCEPTED_BAD_NAME, NULL},
	    {"-bad.example", "0", ACCEPTED_BAD_NAME, NULL},
	    {"a..example", "0", ACCEPTED_BAD_NAME, NULL},
	    {"@example.com", "0", ACCEPTED_BAD_NAME, NULL},
	    /* UTF-8, folded as Postfix folds */
	    {"B\xC3\x9C"
	     "CHER.example",
	     "0", ACCEPTED_KEEP,
	     "b\xC3\xBC"
	     "cher.example"},
	    {"bad\xC3.example", "0", ACCEPTED_BAD_NAME, NULL},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct strbuf d = {0};
		enum accepted_verdict v;
		const char *n = rows[i].name, *f = rows[i].flags;

		assert_int_equal(accepted_judge(n, n ? strlen(n) : 0, f, f ? strlen(f) : 0, &d, &v),
		                 0);
		if (v != rows[i].want)
			fail_msg("row %zu (%s, %s): verdict %d, want %d", i, n ? n : "-",
			         f ? f : "-", v, rows[i].want);
		if (rows[i].domain != NULL)
			assert_string_equal(d.p, rows[i].domain);
		strbuf_free(&d);
	}
}

/* the name is a counted string: no NUL needed, none taken in */
static void
test_counted(void **state)
{
	struct strbuf d = {0};
	enum accepted_verdict v;

	(void)state;
	assert_int_equal(accepted_judge("a.example.comXYZ", 13, "2XYZ", 1, &d, &v), 0);
	assert_int_equal(v, ACCEPTED_KEEP);
	assert_string_equal(d.p, "a.example.com");
	assert_int_equal(accepted_judge("a.exa\0mple.com", 14, "0", 1, &d, &v), 0);
	assert_int_equal(v, ACCEPTED_BAD_NAME);
	strbuf_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_counted),
	};

	return cmocka_run_group_tests(tests, NULL, unit_policy_teardown);
}
