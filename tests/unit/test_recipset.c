/* SPDX-License-Identifier: BSD-2-Clause */
/* test_recipset.c - uniqueness, byte order, values, reset */
#include "autoconf.h"

#include "unit.h"

#include "recipset.h"

static void
test_unique_sorted(void **state)
{
	static const char *const in[] = {"b@x",        "a@x",  "B@x", "a@x",
	                                 "\xc3\xa4@x", "a@xa", "a@x", "Z@x"};
	static const char *const want[] = {"B@x", "Z@x", "a@x", "a@xa", "b@x", "\xc3\xa4@x"};
	struct recipset *s = recipset_new();

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < NELEM(in); i++)
		assert_int_equal(recipset_add(s, in[i], strlen(in[i]), NULL), 0);
	assert_true(recipset_contains(s, "Z@x", 3)); /* before sorting too */
	assert_false(recipset_contains(s, "z@x", 3));
	assert_int_equal(recipset_sort(s), 0);
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
	assert_int_equal(recipset_add(s, "a@x", 3, NULL), 0);
	assert_int_equal(recipset_add(s, "a@x", 3, "REJECT"), 0);
	assert_int_equal(recipset_add(s, "b@x", 3, NULL), 0);
	assert_int_equal(recipset_sort(s), 0);
	assert_string_equal(recipset_value(s, 0), "REJECT");
	assert_null(recipset_value(s, 1));
	/* adding after sort is refused */
	assert_int_equal(recipset_add(s, "c@x", 3, NULL), -1);
	recipset_reset(s);
	assert_int_equal(recipset_size(s), 0);
	assert_int_equal(recipset_add(s, "c@x", 3, NULL), 0);
	recipset_free(s);
}

/* One key many times over, between others: kept once, with the value
 * the last add that had one gave it. */
static void
test_many_repeats(void **state)
{
	struct recipset *s = recipset_new();
	char other[32];

	(void)state;
	for (int i = 0; i < 100; i++) {
		int n = snprintf(other, sizeof(other), "o%d@x", i);

		assert_int_equal(recipset_add(s, other, (size_t)n, NULL), 0);
		assert_int_equal(recipset_add(s, "same.long.key@example.org", 25,
		                              i == 30   ? "first"
		                              : i == 60 ? "second"
		                                        : NULL),
		                 0);
	}
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(recipset_size(s), 101);
	assert_string_equal(recipset_key(s, 100, NULL), "same.long.key@example.org");
	assert_string_equal(recipset_value(s, 100), "second");
	recipset_free(s);
}

/* One key added 40 times with a value of its own, too far apart to be
 * merged when added: the sort keeps the value of the last add. */
static void
test_last_value_wins(void **state)
{
	struct recipset *s = recipset_new();
	char key[32], value[16];

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(value, sizeof(value), "v%d", i);
		assert_int_equal(recipset_add(s, "k@x", 3, i % 3 == 2 ? NULL : value), 0);
		for (int j = 0; j < 20; j++) {
			int n = snprintf(key, sizeof(key), "k%d.%d@x", i, j);

			assert_int_equal(recipset_add(s, key, (size_t)n, NULL), 0);
		}
	}
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(recipset_size(s), 801);
	assert_string_equal(recipset_key(s, 800, NULL), "k@x");
	assert_string_equal(recipset_value(s, 800), "v39");
	recipset_free(s);
}

/* Many keys, each added twice far apart: every key is kept once. */
static void
test_many(void **state)
{
	struct recipset *s = recipset_new();
	char key[32];

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 50000; i++) {
			int n = snprintf(key, sizeof(key), "user%d@example.org", i);

			assert_int_equal(recipset_add(s, key, (size_t)n, NULL), 0);
		}
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(recipset_size(s), 50000);
	for (size_t i = 1; i < recipset_size(s); i++)
		assert_true(strcmp(recipset_key(s, i - 1, NULL), recipset_key(s, i, NULL)) < 0);
	recipset_free(s);
}

/* the reference: keys with the value the last non-NULL add gave them */
struct ref {
	char key[48];
	int value; /* -1: none */
	int order;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : x->order - y->order;
}

/* Random keys built to hit every corner of the sort: long shared
 * prefixes (past 8 and 16 bytes), keys that are prefixes of others,
 * bytes above 0x7f, repeats near and far with and without values.  The
 * result must equal sorting and merging by hand. */
static void
test_against_reference(void **state)
{
	static const char *const stems[] = {"",
	                                    "a",
	                                    "ab",
	                                    "abcdefg",
	                                    "abcdefgh",
	                                    "abcdefghi",
	                                    "abcdefghijklmno",
	                                    "abcdefghijklmnop",
	                                    "abcdefghijklmnopq",
	                                    "\xc3\xa4\xc3\xb6",
	                                    "zz.top"};
	static const char *const values[] = {"OK", "REJECT", "relay:[mx]"};
	enum { N = 20000 };
	struct ref *ref = calloc(N, sizeof(*ref));
	struct recipset *s = recipset_new();
	unsigned seed = 12345;
	size_t nu = 0;

	(void)state;
	assert_non_null(ref);
	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		if (i > 0 && seed % 7 == 0) {
			/* a repeat: of a recent key, or of one long ago */
			int j = seed % 3 == 0 ? i - 1 - (int)(seed >> 8) % (i < 4 ? i : 4)
			                      : (int)((seed >> 8) % (unsigned)i);
			strcpy(ref[i].key, ref[j].key);
		} else {
			char num[16] = "";

			if ((seed >> 24) % 3 != 0)
				snprintf(num, sizeof(num), "%u", (seed >> 14) % 1000);
			snprintf(ref[i].key, sizeof(ref[i].key), "%s%s%.*s",
			         stems[(seed >> 4) % (NELEM(stems))], num, (int)((seed >> 12) % 4),
			         &"xyzw"[(seed >> 16) % 3]);
		}
		ref[i].value = (seed >> 20) % 5 == 0 ? (int)((seed >> 23) % 3) : -1;
		ref[i].order = i;
		assert_int_equal(recipset_add(s, ref[i].key, strlen(ref[i].key),
		                              ref[i].value < 0 ? NULL : values[ref[i].value]),
		                 0);
	}
	assert_int_equal(recipset_sort(s), 0);
	qsort(ref, N, sizeof(*ref), ref_cmp);
	for (size_t i = 0, j; i < N; i = j) {
		int v = -1;
		size_t len;
		const char *k;

		for (j = i; j < N && strcmp(ref[j].key, ref[i].key) == 0; j++)
			if (ref[j].value >= 0)
				v = ref[j].value;
		assert_true(nu < recipset_size(s));
		k = recipset_key(s, nu, &len);
		assert_string_equal(k, ref[i].key);
		assert_int_equal(len, strlen(ref[i].key));
		if (v < 0)
			assert_null(recipset_value(s, nu));
		else
			assert_string_equal(recipset_value(s, nu), values[v]);
		assert_true(recipset_contains(s, ref[i].key, strlen(ref[i].key)));
		nu++;
	}
	assert_int_equal(recipset_size(s), nu);
	assert_in_range(nu, N / 4, N - N / 8); /* many distinct keys, many repeats */
	free(ref);
	recipset_free(s);
}

/* origin_of - the origin of KEY in sorted S, "" when not known */
static const char *
origin_of(const struct recipset *s, const char *key, struct strbuf *b)
{
	size_t i;

	assert_true(recipset_find(s, key, strlen(key), &i));
	assert_int_not_equal(recipset_origin(s, i, b), -1);
	return b->p != NULL ? b->p : "";
}

/* Each key keeps the origin of its first add; DNs come back exactly,
 * escaped commas, no comma and a trailing comma included. */
static void
test_origins(void **state)
{
	static const struct {
		const char *origin; /* NULL: no recipset_from() */
		const char *key;
	} in[] = {
	    {NULL, "early@x"},
	    {"cn=A,ou=Users,dc=x", "a@x"},
	    {"cn=A,ou=Users,dc=x", "a2@x"},
	    {"cn=B\\,C\\\\,ou=Users,dc=x", "b@x"},
	    {"cn=B\\,C\\\\,ou=Users,dc=x", "a@x"}, /* repeat: A's */
	    {"cn=Empty,ou=Other,dc=x", NULL},
	    {"flat", "f@x"},
	    {"trailing,", "t@x"},
	    {"/etc/static:3", "a2@x"}, /* repeat, not recent */
	    {"/etc/static:4", "s@x"},
	};
	static const struct {
		const char *key, *origin;
	} want[] = {
	    {"early@x", ""},
	    {"a@x", "cn=A,ou=Users,dc=x"},
	    {"a2@x", "cn=A,ou=Users,dc=x"},
	    {"b@x", "cn=B\\,C\\\\,ou=Users,dc=x"},
	    {"f@x", "flat"},
	    {"t@x", "trailing,"},
	    {"s@x", "/etc/static:4"},
	};
	struct recipset *s = recipset_new();
	struct strbuf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(in); i++) {
		if (in[i].origin != NULL)
			recipset_from(s, in[i].origin);
		if (in[i].key != NULL)
			assert_int_equal(recipset_add(s, in[i].key, strlen(in[i].key), NULL), 0);
	}
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(recipset_size(s), NELEM(want));
	for (i = 0; i < NELEM(want); i++)
		assert_string_equal(origin_of(s, want[i].key, &b), want[i].origin);
	assert_int_equal(recipset_find(s, "a@x", 3, &i), 1);
	assert_int_equal(recipset_find(s, "zz@x", 4, &i), 0);
	recipset_reset(s);
	assert_int_equal(recipset_add(s, "c@x", 3, NULL), 0);
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(recipset_origin(s, 0, &b), 0);
	strbuf_free(&b);
	recipset_free(s);
}

/* Many entries under many parents (the parent table grows), keys in
 * random order and repeated across entries: every key the origin of the
 * entry that first gave it. */
static void
test_many_origins(void **state)
{
	enum { N = 20000 };
	struct recipset *s = recipset_new();
	struct strbuf b = {0};
	char dn[64], key[32], want[64];

	(void)state;
	srand(7);
	for (int e = 0; e < N; e++) {
		snprintf(dn, sizeof(dn), "cn=User %d,ou=OU%d,dc=example", e, e % 997);
		recipset_from(s, dn);
		/* key k first comes from entry k; entry e repeats key e / 2 */
		snprintf(key, sizeof(key), "u%d@x", e);
		assert_int_equal(recipset_add(s, key, strlen(key), NULL), 0);
		snprintf(key, sizeof(key), "u%d@x", e / 2);
		assert_int_equal(recipset_add(s, key, strlen(key), NULL), 0);
	}
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(recipset_size(s), N);
	for (int k = 0; k < N; k += 7) {
		snprintf(key, sizeof(key), "u%d@x", k);
		snprintf(want, sizeof(want), "cn=User %d,ou=OU%d,dc=example", k, k % 997);
		assert_string_equal(origin_of(s, key, &b), want);
	}
	strbuf_free(&b);
	recipset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unique_sorted), cmocka_unit_test(test_values_and_reset),
	    cmocka_unit_test(test_many_repeats),  cmocka_unit_test(test_last_value_wins),
	    cmocka_unit_test(test_many),          cmocka_unit_test(test_against_reference),
	    cmocka_unit_test(test_origins),       cmocka_unit_test(test_many_origins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
