/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lookup.c - lookup.c: the keys smtpd tries for a recipient, in
 * order, as Postfix's mail_addr_find() and split_addr() make them */
#include "autoconf.h"

#include "unit.h"

#include "lookup.h"
#include "policy.h"

static const struct lookup_params plus = {"+", 1, "double-bounce"};
static const struct lookup_params several = {"+-", 1, "double-bounce"};
static const struct lookup_params no_ownreq = {"+-", 0, "double-bounce"};
static const struct lookup_params none = {"", 1, "double-bounce"};
static const struct lookup_params bounce = {"+-", 1, "Bounce-Me"};

static const struct {
	const struct lookup_params *p;
	const char *addr;
	const char *bare; /* the key without the extension, or NULL */
	const char *ext;
} rows[] = {
    /* the address, then without the extension, then @domain */
    {&plus, "alice+tag@corp.example.com", "alice@corp.example.com", "+tag"},
    {&plus, "alice@corp.example.com", NULL, NULL},
    {&none, "alice+tag@corp.example.com", NULL, NULL},
    /* folded after the split, each key as a whole */
    {&plus, "Alice+TAG@Corp.Example.COM", "alice@corp.example.com", "+TAG"},
    {&plus, "Straße+X@corp.example.com", "strasse@corp.example.com", "+X"},
    {&plus, "JÜRGEN+x@corp.example.com", "jürgen@corp.example.com", "+x"},
    /* any character of the set; the first one found splits */
    {&several, "a-b+c@x.example", "a@x.example", "-b+c"},
    {&several, "a+b-c@x.example", "a@x.example", "+b-c"},
    {&plus, "a-b+c@x.example", "a-b@x.example", "+c"},
    /* a delimiter at the end leaves an empty extension */
    {&plus, "alice+@x.example", "alice@x.example", "+"},
    /* never an empty localpart */
    {&plus, "+tag@x.example", NULL, NULL},
    {&plus, "++@x.example", NULL, NULL},
    /* only the localpart is split */
    {&several, "alice@my-domain.example", NULL, NULL},
    /* reserved localparts stay whole, in any case */
    {&plus, "postmaster@x.example", NULL, NULL},
    {&plus, "PostMaster@x.example", NULL, NULL},
    {&plus, "postmaster+x@x.example", "postmaster@x.example", "+x"},
    {&several, "mailer-daemon@x.example", NULL, NULL},
    {&several, "double-bounce@x.example", NULL, NULL},
    {&bounce, "double-bounce@x.example", "double@x.example", "-bounce"},
    {&bounce, "bounce-me@x.example", NULL, NULL},
    /* owner-* and *-request, when '-' is a delimiter and
     * owner_request_special = yes */
    {&several, "owner-sales@x.example", NULL, NULL},
    {&several, "Owner-sales+x@x.example", NULL, NULL},
    {&several, "sales-request@x.example", NULL, NULL},
    {&several, "sales-REQUEST@x.example", NULL, NULL},
    {&several, "-request@x.example", NULL, NULL},
    {&several, "x-request@x.example", NULL, NULL},
    {&no_ownreq, "owner-sales@x.example", "owner@x.example", "-sales"},
    {&no_ownreq, "sales-request@x.example", "sales@x.example", "-request"},
    {&plus, "owner+sales@x.example", "owner@x.example", "+sales"},
};

/* fold - S folded as a key */
static char *
fold(const char *s)
{
	struct strbuf b = {0};

	assert_int_equal(policy_fold(s, strlen(s), &b), 0);
	return b.p;
}

static void
test_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct lookup_keys k = {0};
		const char *a = rows[i].addr;
		char *full = fold(a), *at = fold(strrchr(a, '@'));

		assert_int_equal(lookup_keys(a, strlen(a), rows[i].p, &k), 0);
		assert_int_equal(k.n, rows[i].bare ? 3 : 2);
		assert_int_equal(k.k[0].step, LOOKUP_FULL);
		assert_string_equal(k.k[0].key.p, full);
		if (rows[i].bare != NULL) {
			assert_int_equal(k.k[1].step, LOOKUP_NOEXT);
			assert_string_equal(k.k[1].key.p, rows[i].bare);
			assert_string_equal(k.ext.p, rows[i].ext);
			assert_int_equal(lookup_ext(a, strlen(a), rows[i].p),
			                 (size_t)(strstr(a, rows[i].ext) - a));
		} else {
			assert_int_equal(lookup_ext(a, strlen(a), rows[i].p), 0);
		}
		assert_int_equal(k.k[k.n - 1].step, LOOKUP_AT_DOMAIN);
		assert_string_equal(k.k[k.n - 1].key.p, at);
		free(full);
		free(at);
		lookup_keys_free(&k);
	}
}

/* a struct lookup_keys can be filled again: the keys of the last call */
static void
test_reuse(void **state)
{
	struct lookup_keys k = {0};

	(void)state;
	assert_int_equal(lookup_keys("a+b@x.example", 13, &plus, &k), 0);
	assert_int_equal(lookup_keys("c@y.example", 11, &plus, &k), 0);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.k[0].key.p, "c@y.example");
	assert_string_equal(k.k[1].key.p, "@y.example");
	lookup_keys_free(&k);
	lookup_keys_free(&k); /* twice is harmless */
	policy_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
