/* SPDX-License-Identifier: BSD-2-Clause */
/* test_policy.c - extract + policy + folding, table-driven */
#include "autoconf.h"

#include <ctype.h>

#include "unit.h"

#include "extract.h"
#include "policy.h"
#include "util.h"

/* One attribute value and what must become of it.  LEN 0 means strlen. */
struct vcase {
	const char *attr;
	const char *value;
	size_t len;
	enum extract_kind kind;
	enum policy_verdict verdict; /* only for EXTRACT_ADDRESS */
	const char *folded;          /* expected key when verdict is OK */
};

#define L64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define D60 "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

static const struct vcase cases[] = {
    /* proxyAddresses types */
    {"proxyAddresses", "SMTP:John.Doe@Corp.Example.COM", 0, EXTRACT_ADDRESS, POLICY_OK,
     "john.doe@corp.example.com"},
    {"proxyAddresses", "smtp:jd@corp.example.com", 0, EXTRACT_ADDRESS, POLICY_OK,
     "jd@corp.example.com"},
    {"proxyAddresses", "SmTp:Mixed@Example.org", 0, EXTRACT_ADDRESS, POLICY_OK,
     "mixed@example.org"},
    {"PROXYADDRESSES", "sMTP:x@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "x@example.org"},
    {"proxyAddresses", "X500:/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=jd", 0, EXTRACT_OTHER,
     POLICY_OK, NULL},
    {"proxyAddresses", "X400:c=US;a= ;p=Corp;o=Exchange;s=Doe;g=John;", 0, EXTRACT_OTHER, POLICY_OK,
     NULL},
    {"proxyAddresses", "SIP:jd@corp.example.com", 0, EXTRACT_OTHER, POLICY_OK, NULL},
    {"proxyAddresses", "sip:jd@corp.example.com", 0, EXTRACT_OTHER, POLICY_OK, NULL},
    {"proxyAddresses", "EUM:1234;phone-context=dp.corp.example.com", 0, EXTRACT_OTHER, POLICY_OK,
     NULL},
    {"proxyAddresses", "smtpx:jd@corp.example.com", 0, EXTRACT_OTHER, POLICY_OK, NULL},
    {"proxyAddresses", "jd@corp.example.com", 0, EXTRACT_NOTYPE, POLICY_OK, NULL},
    {"proxyAddresses", ":jd@corp.example.com", 0, EXTRACT_NOTYPE, POLICY_OK, NULL},
    /* white space around the type: never taken for another type */
    {"proxyAddresses", " smtp:leading@example.com", 0, EXTRACT_SPACED, POLICY_OK, NULL},
    {"proxyAddresses", "\tSMTP:tab@example.com", 0, EXTRACT_SPACED, POLICY_OK, NULL},
    {"proxyAddresses", "smtp :a@example.com", 0, EXTRACT_SPACED, POLICY_OK, NULL},
    {"proxyAddresses", "X400:c=US;a= ;p=Corp", 0, EXTRACT_OTHER, POLICY_OK, NULL},
    {"targetAddress", "SMTP:ext@partner.example.net", 0, EXTRACT_ADDRESS, POLICY_OK,
     "ext@partner.example.net"},
    /* mail is a plain address, even if it looks typed */
    {"mail", "Jane.Roe@Example.ORG", 0, EXTRACT_ADDRESS, POLICY_OK, "jane.roe@example.org"},
    {"mail", "smtp:jane@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    /* shape of the address */
    {"mail", "", 0, EXTRACT_ADDRESS, POLICY_EMPTY, NULL},
    {"proxyAddresses", "smtp:", 0, EXTRACT_ADDRESS, POLICY_EMPTY, NULL},
    {"mail", "john doe@example.org", 0, EXTRACT_ADDRESS, POLICY_SPACE, NULL},
    {"mail", "john\tdoe@example.org", 0, EXTRACT_ADDRESS, POLICY_SPACE, NULL},
    {"mail", " jd@example.org", 0, EXTRACT_ADDRESS, POLICY_SPACE, NULL},
    {"mail", "jd@example.org\n", 0, EXTRACT_ADDRESS, POLICY_LINEBREAK, NULL},
    {"mail", "jd@example.org\nevil@example.org", 0, EXTRACT_ADDRESS, POLICY_LINEBREAK, NULL},
    {"mail", "jd@example.org\r", 0, EXTRACT_ADDRESS, POLICY_LINEBREAK, NULL},
    {"mail", "jd\0x@example.org", 16, EXTRACT_ADDRESS, POLICY_NUL, NULL},
    {"mail", "jd\x01@example.org", 0, EXTRACT_ADDRESS, POLICY_CONTROL, NULL},
    {"mail", "jd\x7f@example.org", 0, EXTRACT_ADDRESS, POLICY_CONTROL, NULL},
    {"mail", "@example.org", 0, EXTRACT_ADDRESS, POLICY_WILDCARD, NULL},
    {"proxyAddresses", "smtp:@corp.example.com", 0, EXTRACT_ADDRESS, POLICY_WILDCARD, NULL},
    {"mail", "@", 0, EXTRACT_ADDRESS, POLICY_WILDCARD, NULL},
    {"mail", "jd@example.org.", 0, EXTRACT_ADDRESS, POLICY_TRAILING_DOT, NULL},
    {"mail", "a@b@example.org", 0, EXTRACT_ADDRESS, POLICY_MULTI_AT, NULL},
    {"mail", "jd", 0, EXTRACT_ADDRESS, POLICY_NO_AT, NULL},
    {"mail", "jd@", 0, EXTRACT_ADDRESS, POLICY_EMPTY_DOMAIN, NULL},
    {"mail", "jd@.example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@example..org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@[192.0.2.1]", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@exa*mple.org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", ".jd@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    {"mail", "jd.@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    {"mail", "j..d@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    {"mail", "\"jd\"@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    {"mail", "j<d>@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    {"mail", "j,d@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_LOCAL, NULL},
    {"mail", "#jd@example.org", 0, EXTRACT_ADDRESS, POLICY_COMMENT, NULL},
    {"mail", "j#d@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "j#d@example.org"},
    {"mail", "first+tag@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "first+tag@example.org"},
    {"mail", "o'brien@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "o'brien@example.org"},
    {"mail", "x@sub_domain.example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "x@sub_domain.example.org"},
    /* length limits: local part 64, address 254 */
    {"mail", L64 "@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, L64 "@example.org"},
    {"mail", L64 "a@example.org", 0, EXTRACT_ADDRESS, POLICY_LOCAL_TOO_LONG, NULL},
    {"mail", "x@" D60 "." D60 "." D60 "." D60 ".exampleab", 0, EXTRACT_ADDRESS, POLICY_TOO_LONG,
     NULL},
    {"mail", "x@" D60 "." D60 "." D60 "." D60 ".examplea", 0, EXTRACT_ADDRESS, POLICY_OK,
     "x@" D60 "." D60 "." D60 "." D60 ".examplea"},
    {"mail", "x@" D60 "dddd.example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    /* UTF-8: validity and full case folding (ICU, as Postfix) */
    {"mail", "j\xfc\x72gen@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_UTF8, NULL},
    {"mail", "j\xc3\x28@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_UTF8, NULL},
    {"mail", "\xc0\xaf@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_UTF8, NULL},
    {"mail", "\xed\xa0\x80@example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_UTF8, NULL},
    {"mail",
     "Stra\xc3\x9f"
     "e@Example.org",
     0, EXTRACT_ADDRESS, POLICY_OK, "strasse@example.org"},
    {"mail", "\xc3\x84\xc3\x96\xc3\x9c@example.org", 0, EXTRACT_ADDRESS, POLICY_OK,
     "\xc3\xa4\xc3\xb6\xc3\xbc@example.org"},
    {"proxyAddresses", "smtp:J\xc3\xbcrgen.M\xc3\xbcller@Corp.Example.com", 0, EXTRACT_ADDRESS,
     POLICY_OK, "j\xc3\xbcrgen.m\xc3\xbcller@corp.example.com"},
    {"mail",
     "info@M\xc3\x9c"
     "NCHEN.example",
     0, EXTRACT_ADDRESS, POLICY_OK,
     "info@m\xc3\xbc"
     "nchen.example"},
    /* Greek final sigma folds to sigma; Kelvin sign K folds to k */
    {"mail", "\xce\xa3\xcf\x82@example.org", 0, EXTRACT_ADDRESS, POLICY_OK,
     "\xcf\x83\xcf\x83@example.org"},
    {"mail", "\xe2\x84\xaa@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "k@example.org"},
    /* Unicode white space, C1 controls, line separators, invisible format
     * characters, unassigned and private-use code points (ICU properties) */
    {"mail",
     "a\xc2\x85"
     "b@example.org",
     0, EXTRACT_ADDRESS, POLICY_CONTROL, NULL}, /* NEL */
    {"mail",
     "a\xc2\x9b"
     "b@example.org",
     0, EXTRACT_ADDRESS, POLICY_CONTROL, NULL}, /* CSI */
    {"mail", "jd@example.org\xc2\x80", 0, EXTRACT_ADDRESS, POLICY_CONTROL, NULL},
    {"mail",
     "a\xc2\xa0"
     "b@example.org",
     0, EXTRACT_ADDRESS, POLICY_SPACE, NULL}, /* NBSP */
    {"mail",
     "a\xe3\x80\x80"
     "b@example.org",
     0, EXTRACT_ADDRESS, POLICY_SPACE, NULL},
    {"mail",
     "a\xe1\x9a\x80"
     "b@example.org",
     0, EXTRACT_ADDRESS, POLICY_SPACE, NULL},
    {"mail", "jd@exa\xe2\x80\x83mple.org", 0, EXTRACT_ADDRESS, POLICY_SPACE, NULL},
    {"mail", "jd@example.org\xe2\x80\xa8", 0, EXTRACT_ADDRESS, POLICY_LINEBREAK, NULL},
    {"mail", "jd\xe2\x80\xa9@example.org", 0, EXTRACT_ADDRESS, POLICY_LINEBREAK, NULL},
    {"mail",
     "j\xe2\x80\x8b"
     "d@example.org",
     0, EXTRACT_ADDRESS, POLICY_INVISIBLE, NULL},
    {"mail", "\xef\xbb\xbfjd@example.org", 0, EXTRACT_ADDRESS, POLICY_INVISIBLE, NULL},
    {"mail",
     "jd@\xe2\x80\xae"
     "gro.elpmaxe",
     0, EXTRACT_ADDRESS, POLICY_INVISIBLE, NULL},
    {"mail",
     "j\xc2\xad"
     "d@example.org",
     0, EXTRACT_ADDRESS, POLICY_INVISIBLE, NULL},
    {"mail",
     "j\xcd\xb8"
     "d@example.org",
     0, EXTRACT_ADDRESS, POLICY_UNASSIGNED, NULL},
    {"mail",
     "j\xee\x80\x80"
     "d@example.org",
     0, EXTRACT_ADDRESS, POLICY_UNASSIGNED, NULL},
    {"mail",
     "j\xf3\xb0\x80\x80"
     "d@example.org",
     0, EXTRACT_ADDRESS, POLICY_UNASSIGNED, NULL},
    /* visible non-ASCII letters, marks and symbols stay accepted */
    {"mail", "\xd0\x98\xd1\x80\xd0\xb8\xd0\xbd\xd0\xb0@example.org", 0, EXTRACT_ADDRESS, POLICY_OK,
     "\xd0\xb8\xd1\x80\xd0\xb8\xd0\xbd\xd0\xb0@example.org"},
    {"mail", "e\xcc\x81@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "e\xcc\x81@example.org"},
    {"mail", "\xe7\x94\xb0\xe4\xb8\xad@\xe4\xbe\x8b.jp", 0, EXTRACT_ADDRESS, POLICY_OK,
     "\xe7\x94\xb0\xe4\xb8\xad@\xe4\xbe\x8b.jp"},
    /* domain labels neither start nor end with a hyphen */
    {"mail", "jd@-example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@example-.org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@sub.-example.org", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@example.org-", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@-", 0, EXTRACT_ADDRESS, POLICY_BAD_DOMAIN, NULL},
    {"mail", "jd@a-b.ex--ample.org", 0, EXTRACT_ADDRESS, POLICY_OK, "jd@a-b.ex--ample.org"},
    {"mail", "jd@xn--bcher-kva.example", 0, EXTRACT_ADDRESS, POLICY_OK, "jd@xn--bcher-kva.example"},
    {"mail", "-jd-@example.org", 0, EXTRACT_ADDRESS, POLICY_OK, "-jd-@example.org"},
};

/* test_case - run one row */
static void
run_case(const struct vcase *t)
{
	size_t len = t->len ? t->len : strlen(t->value);
	const char *addr;
	size_t alen;
	enum extract_kind k = extract_typed(extract_is_typed(t->attr), t->value, len, &addr, &alen);
	enum policy_verdict v;
	struct strbuf out = {0};

	if (k != t->kind)
		fail_msg("%s \"%s\": kind %d, want %d", t->attr, t->value, k, t->kind);
	if (k != EXTRACT_ADDRESS)
		return;
	v = policy_check(addr, alen);
	if (v != t->verdict)
		fail_msg("\"%s\": verdict \"%s\", want \"%s\"", t->value, policy_reason(v),
		         policy_reason(t->verdict));
	if (v != POLICY_OK)
		return;
	assert_int_equal(policy_fold(addr, alen, &out), 0);
	assert_non_null(t->folded);
	assert_string_equal(out.p, t->folded);
	assert_int_equal(out.len, strlen(t->folded));
	strbuf_free(&out);
}

static void
test_table(void **state)
{
	(void)state;
	assert_true(NELEM(cases) >= 40);
	for (size_t i = 0; i < NELEM(cases); i++)
		run_case(&cases[i]);
}

/* Duplicates that differ only in case fold to one key. */
static void
test_fold_case_duplicates(void **state)
{
	static const char *const variants[] = {
	    "John.Doe@Corp.Example.com", "JOHN.DOE@CORP.EXAMPLE.COM", "john.doe@corp.example.com"};
	struct strbuf first = {0}, other = {0};

	(void)state;
	assert_int_equal(policy_fold(variants[0], strlen(variants[0]), &first), 0);
	for (size_t i = 1; i < 3; i++) {
		other.len = 0;
		assert_int_equal(policy_fold(variants[i], strlen(variants[i]), &other), 0);
		assert_string_equal(first.p, other.p);
	}
	/* Straße and STRASSE are one key after full folding */
	other.len = 0;
	first.len = 0;
	assert_int_equal(policy_fold("Stra\xc3\x9f"
	                             "e@x.org",
	                             13, &first),
	                 0);
	assert_int_equal(policy_fold("STRASSE@X.ORG", 13, &other), 0);
	assert_string_equal(first.p, other.p);
	strbuf_free(&first);
	strbuf_free(&other);
}

/* ASCII folding, eight bytes at a time and byte by byte: every byte
 * 1..127 at every position of strings of 1 to 19 bytes, against
 * tolower(); and a non-ASCII byte after a full word still goes to ICU. */
static void
test_fold_ascii_every_byte(void **state)
{
	struct strbuf out = {0};
	char in[20], want[20];

	(void)state;
	for (int c = 1; c < 128; c++)
		for (size_t len = 1; len < sizeof(in); len++)
			for (size_t pos = 0; pos < len; pos++) {
				for (size_t i = 0; i < len; i++)
					in[i] = (char)('A' + (i * 7 + (size_t)c) % 58); /* A..z */
				in[pos] = (char)c;
				for (size_t i = 0; i < len; i++)
					want[i] = (char)tolower((unsigned char)in[i]);
				out.len = 0;
				assert_int_equal(policy_fold(in, len, &out), 0);
				assert_int_equal(out.len, len);
				assert_memory_equal(out.p, want, len);
			}
	out.len = 0;
	assert_int_equal(policy_fold("ABCDEFGHIJ\xc3\x84@X.ORG", 18, &out), 0);
	assert_string_equal(out.p, "abcdefghij\xc3\xa4@x.org");
	strbuf_free(&out);
}

/* 64 bytes: one more than a DNS label may have */
#define LONG_LABEL "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd"

/* policy_check remembers the last good domain: the verdicts must not
 * depend on what came before (same domain, other local parts, domains
 * that extend or shorten it, and bad addresses in between). */
static void
test_check_sequence(void **state)
{
	static const struct {
		const char *addr;
		enum policy_verdict v;
	} seq[] = {
	    {"a@example.com", POLICY_OK},
	    {"b@example.com", POLICY_OK},
	    {"c.@example.com", POLICY_BAD_LOCAL},
	    {"d@example.co", POLICY_OK},
	    {"e@example.com.", POLICY_TRAILING_DOT},
	    {"f@example.com", POLICY_OK},
	    {"g@example.com@x", POLICY_MULTI_AT},
	    {"h@example..com", POLICY_BAD_DOMAIN},
	    {"h2@example..com", POLICY_BAD_DOMAIN},
	    {"@example.com", POLICY_WILDCARD},
	    {"i@exa mple.com", POLICY_SPACE},
	    {"j@example.com", POLICY_OK},
	    {"k@", POLICY_EMPTY_DOMAIN},
	    {"l@example.com", POLICY_OK},
	    {"m@xample.com", POLICY_OK},
	    {"n@example.com", POLICY_OK},
	    {"o@example.c_m", POLICY_OK},
	    {"p@example.c!m", POLICY_BAD_DOMAIN},
	    {"p2@example.c!m", POLICY_BAD_DOMAIN},
	    {"p3@b\xc3\xa4"
	     "d.example",
	     POLICY_OK},
	    {"p4@b\xc3\xa4"
	     "d.example",
	     POLICY_OK},
	    {"p5@b\xc3.example", POLICY_BAD_UTF8},
	    {"p6@b\xc3.example", POLICY_BAD_UTF8},
	    {"p7@" LONG_LABEL ".example", POLICY_BAD_DOMAIN},
	    {"p8@" LONG_LABEL ".example", POLICY_BAD_DOMAIN},
	    {"q@example.com", POLICY_OK},
	    {"rexample.com", POLICY_NO_AT},
	};

	(void)state;
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < NELEM(seq); i++) {
			enum policy_verdict v = policy_check(seq[i].addr, strlen(seq[i].addr));

			if (v != seq[i].v)
				fail_msg("%s: %s, expected %s", seq[i].addr, policy_reason(v),
				         policy_reason(seq[i].v));
		}
}

struct dcase {
	const char *addr;
	int match;
};

static void
test_relay_domains(void **state)
{
	static const struct dcase dc[] = {
	    {"a@corp.example.com", 1},      {"a@eu.corp.example.com", 1},
	    {"a@x.eu.corp.example.com", 1}, {"a@example.org", 1},
	    {"a@sub.example.org", 0},       {"a@notcorp.example.com", 0},
	    {"a@example.com", 0},           {"a@partner.example.net", 0},
	    {"a@corp.example.com.evil", 0}, {"a@m\xc3\xbcnchen.example", 1},
	};
	struct strlist relay = {0};

	(void)state;
	assert_int_equal(strlist_split(&relay, "corp.example.com, .corp.example.com example.org "
	                                       "m\xc3\xbcnchen.example"),
	                 0);
	assert_int_equal(relay.n, 4);
	for (size_t i = 0; i < NELEM(dc); i++)
		if (policy_domain_match(&relay, dc[i].addr, strlen(dc[i].addr)) != dc[i].match)
			fail_msg("%s: want %d", dc[i].addr, dc[i].match);
	strlist_free(&relay);
}

/* Postfix's lists: the first entry that matches decides, "!" excludes */
static void
test_relay_negation(void **state)
{
	static const struct dcase dc[] = {
	    {"a@x.corp.example.com", 0},     {"a@y.corp.example.com", 1}, {"a@corp.example.com", 1},
	    {"a@a.b.x.corp.example.com", 1}, {"a@example.org", 0},        {"a@s.example.org", 1},
	};
	struct strlist relay = {0};

	(void)state;
	assert_int_equal(strlist_split(&relay, "!x.corp.example.com corp.example.com "
	                                       ".corp.example.com !example.org "
	                                       "example.org .example.org"),
	                 0);
	for (size_t i = 0; i < NELEM(dc); i++)
		if (policy_domain_match(&relay, dc[i].addr, strlen(dc[i].addr)) != dc[i].match)
			fail_msg("%s: want %d", dc[i].addr, dc[i].match);
	strlist_free(&relay);
}

/* a map value (static file, config): one line of printable UTF-8 */
static void
test_value_problem(void **state)
{
	(void)state;
	assert_null(policy_value_problem("OK"));
	assert_null(policy_value_problem(""));
	assert_null(policy_value_problem("relay:[mx.example.com]:25 J\xc3\xbcrgen"));
	assert_string_equal(policy_value_problem("OK\nREJECT"), "control character in value");
	assert_string_equal(policy_value_problem("tab\there"), "control character in value");
	assert_string_equal(policy_value_problem("del\x7f"), "control character in value");
	assert_string_equal(policy_value_problem("bad \xff"), "value is not valid UTF-8");
	assert_string_equal(policy_value_problem("overlong \xc0\xaf"), "value is not valid UTF-8");
}

/* policy_check_domain (relay_domains, static wildcards): the same label
 * rules as the domain of an address */
static void
test_check_domain(void **state)
{
	static const struct {
		const char *dom;
		int ok;
	} t[] = {
	    {"example.org", 1},
	    {"a-b.example.org", 1},
	    {"xn--bcher-kva.example", 1},
	    {"b\xc3\xbc"
	     "cher.example",
	     1},
	    {"-example.org", 0},
	    {"example-.org", 0},
	    {"sub.-x.org", 0},
	    {"example.org-", 0},
	    {"-", 0},
	    {"ex..org", 0},
	    {"", 0},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(t); i++)
		if (policy_check_domain(t[i].dom, strlen(t[i].dom)) != t[i].ok)
			fail_msg("policy_check_domain(\"%s\") != %d", t[i].dom, t[i].ok);
}

/* Every verdict has a name for the metrics file's reason label: lower
 * case letters, digits and '_', and no two alike */
static void
test_verdict_names(void **state)
{
	(void)state;
	for (int v = 0; v < POLICY_NVERDICTS; v++) {
		const char *name = policy_verdict_name((enum policy_verdict)v);

		assert_non_null(name);
		assert_true(name[0] != '\0');
		assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_"),
		                 strlen(name));
		for (int w = 0; w < v; w++)
			assert_string_not_equal(name, policy_verdict_name((enum policy_verdict)w));
	}
	assert_string_equal(policy_verdict_name(POLICY_NO_AT), "no_at");
	assert_string_equal(policy_verdict_name(POLICY_NVERDICTS), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_fold_case_duplicates),
	    cmocka_unit_test(test_fold_ascii_every_byte),
	    cmocka_unit_test(test_check_sequence),
	    cmocka_unit_test(test_relay_domains),
	    cmocka_unit_test(test_relay_negation),
	    cmocka_unit_test(test_check_domain),
	    cmocka_unit_test(test_value_problem),
	    cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, unit_policy_teardown);
}
