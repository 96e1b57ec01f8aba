/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_recipset.c - the recipient set (src/recipset.c) against a simple
 * reference
 *
 * Input: records separated by LF; in each, the key ends at the first TAB,
 * and what follows (if anything) is its value; NUL bytes end a record
 * early (keys hold none).  The keys go into a recipset; the reference is
 * an array sorted with qsort by (key, order of adding) and folded to one
 * record per key whose value is the last non-NULL one added.  After
 * recipset_sort() both must list the same keys, in the same byte order,
 * with the same values; recipset_contains() must agree before and after
 * sorting; recipset_reset() must leave an empty, reusable set.
 */
#include "autoconf.h"

#include "fuzz.h"
#include "recipset.h"

struct ref {
	const char *key, *val; /* val NULL: the default */
	size_t len, vlen, order;
};

static int
cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* split - the records of DATA into R (room for SIZE + 1); returns the count */
static size_t
split(const char *data, size_t size, struct ref *r, char **vals)
{
	size_t n = 0;

	for (const char *p = data, *end = data + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *nul = memchr(p, '\0', len);
		const char *tab;

		if (nul != NULL)
			len = (size_t)(nul - p);
		tab = memchr(p, '\t', len);
		r[n].key = p;
		r[n].len = tab ? (size_t)(tab - p) : len;
		r[n].val = NULL;
		r[n].order = n;
		if (tab != NULL) {
			r[n].vlen = len - r[n].len - 1;
			FUZZ_ASSERT((vals[n] = strndup(tab + 1, r[n].vlen)) != NULL);
			r[n].val = vals[n];
		}
		n++;
		p += (nl ? (size_t)(nl - p) : (size_t)(end - p)) + 1;
	}
	return n;
}

/* dedupe - one record per key (sorted R): the last non-NULL value */
static size_t
dedupe(struct ref *r, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (out > 0 && r[out - 1].len == r[i].len &&
		    memcmp(r[out - 1].key, r[i].key, r[i].len) == 0) {
			if (r[i].val != NULL)
				r[out - 1].val = r[i].val;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

static void
compare(const struct recipset *s, const struct ref *r, size_t n)
{
	FUZZ_ASSERT(recipset_size(s) == n);
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		const char *k = recipset_key(s, i, &len);
		const char *v = recipset_value(s, i);

		FUZZ_ASSERT(k != NULL && len == r[i].len && memcmp(k, r[i].key, len) == 0);
		FUZZ_ASSERT((v == NULL) == (r[i].val == NULL));
		FUZZ_ASSERT(v == NULL || strcmp(v, r[i].val) == 0);
		FUZZ_ASSERT(recipset_contains(s, r[i].key, r[i].len));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref *r = calloc(size + 1, sizeof(*r));
	char **vals = calloc(size + 1, sizeof(*vals));
	struct recipset *s = recipset_new();
	size_t n, u, i;
	int ok = 1;

	FUZZ_ASSERT(r != NULL && vals != NULL && s != NULL);
	n = split((const char *)data, size, r, vals);
	for (i = 0; i < n && ok; i++)
		ok = recipset_add(s, r[i].key, r[i].len, r[i].val) == 0;
	if (!ok)
		goto out; /* a key or value the set refuses (too long): nothing to compare */
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(recipset_contains(s, r[i].key, r[i].len));
	qsort(r, n, sizeof(*r), cmp_ref);
	u = dedupe(r, n);
	FUZZ_ASSERT(recipset_sort(s) == 0);
	compare(s, r, u);
	FUZZ_ASSERT(!recipset_contains(s, "\n", 1)); /* no key holds a LF */
	recipset_reset(s);
	FUZZ_ASSERT(recipset_size(s) == 0);
	FUZZ_ASSERT(u == 0 || !recipset_contains(s, r[0].key, r[0].len));
	FUZZ_ASSERT(recipset_add(s, "a@b", 3, NULL) == 0 && recipset_sort(s) == 0);
	FUZZ_ASSERT(recipset_size(s) == 1);
out:
	recipset_free(s);
	for (i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
	free(r);
	return 0;
}
