/* recipset.c - unique, byte-sorted recipient keys
 *
 * Memory is what a large directory costs, so it is kept small: keys live
 * in 1 MiB chunks of one arena; a record is 8 bytes (arena offset, key
 * length, value number); distinct values are kept once.  While keys are
 * added, an open-addressing hash table of record numbers finds
 * duplicates, so memory grows with unique keys only; sorting drops the
 * table, and later lookups are binary searches.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recipset.h"

#define CHUNK_BITS 20
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS 4096 /* offsets are 32 bits: 12 of chunk, 20 within */
#define MAX_KEY 0xffff
#define MAX_VALUES 0xffff

struct rec {
	uint32_t off;  /* chunk << CHUNK_BITS | offset */
	uint16_t len;  /* key length */
	uint16_t vnum; /* 0: the default value, else values[vnum - 1] */
};

struct recipset {
	char **chunks;
	size_t nchunks;
	size_t used; /* bytes used in the last chunk */
	struct rec *recs;
	size_t n, cap;
	char **values;
	size_t nvalues;
	uint32_t *table; /* record number + 1, 0 = empty; NULL once sorted */
	size_t tsize;    /* power of two */
};

/* key_of - the bytes of record R */
static inline const char *
key_of(const struct recipset *s, const struct rec *r)
{
	return s->chunks[r->off >> CHUNK_BITS] + (r->off & (CHUNK_SIZE - 1));
}

/* hash_bytes - FNV-1a */
static uint32_t
hash_bytes(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

/* arena_copy - copy LEN bytes plus a NUL into the arena; *OFF gets where */
static int
arena_copy(struct recipset *s, const char *p, size_t len, uint32_t *off)
{
	char *dst;

	if (s->nchunks == 0 || CHUNK_SIZE - s->used < len + 1) {
		char **nc;

		if (s->nchunks == MAX_CHUNKS)
			return -1;
		if ((nc = realloc(s->chunks, (s->nchunks + 1) * sizeof(*nc))) == NULL)
			return -1;
		s->chunks = nc;
		if ((nc[s->nchunks] = malloc(CHUNK_SIZE)) == NULL)
			return -1;
		s->nchunks++;
		s->used = 0;
	}
	dst = s->chunks[s->nchunks - 1] + s->used;
	memcpy(dst, p, len);
	dst[len] = '\0';
	*off = (uint32_t)((s->nchunks - 1) << CHUNK_BITS | s->used);
	s->used += len + 1;
	return 0;
}

/* table_slot - slot for KEY: either the slot holding it or an empty one */
static size_t
table_slot(const struct recipset *s, const char *key, size_t len, uint32_t h)
{
	size_t mask = s->tsize - 1;
	size_t i = h & mask;

	while (s->table[i] != 0) {
		const struct rec *r = &s->recs[s->table[i] - 1];

		if (r->len == len && memcmp(key_of(s, r), key, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* rebuild_table - size the table for twice WANT records and refill it */
static int
rebuild_table(struct recipset *s, size_t want)
{
	size_t tsize = 1024;
	uint32_t *t;

	while (tsize < want * 2)
		tsize *= 2;
	if ((t = calloc(tsize, sizeof(*t))) == NULL)
		return -1;
	free(s->table);
	s->table = t;
	s->tsize = tsize;
	for (size_t i = 0; i < s->n; i++) {
		const struct rec *r = &s->recs[i];
		const char *k = key_of(s, r);

		s->table[table_slot(s, k, r->len, hash_bytes(k, r->len))] = (uint32_t)(i + 1);
	}
	return 0;
}

struct recipset *
recipset_new(void)
{
	struct recipset *s = calloc(1, sizeof(*s));

	if (s != NULL && rebuild_table(s, 0) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* value_number - the number of VALUE, added if new; 0 for NULL, -1 on error */
static int
value_number(struct recipset *s, const char *value)
{
	char **nv;

	if (value == NULL)
		return 0;
	for (size_t i = 0; i < s->nvalues; i++)
		if (strcmp(s->values[i], value) == 0)
			return (int)i + 1;
	if (s->nvalues == MAX_VALUES ||
	    (nv = realloc(s->values, (s->nvalues + 1) * sizeof(*nv))) == NULL)
		return -1;
	s->values = nv;
	if ((nv[s->nvalues] = strdup(value)) == NULL)
		return -1;
	return (int)++s->nvalues;
}

/* recipset_add - insert a key unless present */
int
recipset_add(struct recipset *s, const char *key, size_t len, const char *value)
{
	uint32_t h = hash_bytes(key, len);
	size_t slot;
	struct rec *r;
	int vnum;

	if (s->table == NULL || len > MAX_KEY || s->n >= UINT32_MAX - 1)
		return -1;
	if ((vnum = value_number(s, value)) < 0)
		return -1;
	slot = table_slot(s, key, len, h);
	if (s->table[slot] != 0) {
		if (value != NULL)
			s->recs[s->table[slot] - 1].vnum = (uint16_t)vnum;
		return 0;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap + s->cap / 2 : 4096;
		struct rec *nr = realloc(s->recs, ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		s->recs = nr;
		s->cap = ncap;
	}
	r = &s->recs[s->n];
	if (arena_copy(s, key, len, &r->off) < 0)
		return -1;
	r->len = (uint16_t)len;
	r->vnum = (uint16_t)vnum;
	s->table[slot] = (uint32_t)(++s->n);
	if (s->n * 2 > s->tsize && rebuild_table(s, s->n) < 0)
		return -1;
	return 1;
}

/* compare - byte order; keys hold no NUL, so the shorter prefix sorts first */
static int
compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

int
recipset_contains(const struct recipset *s, const char *key, size_t len)
{
	size_t lo = 0, hi = s->n;

	if (s->table != NULL)
		return s->table[table_slot(s, key, len, hash_bytes(key, len))] != 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rec *r = &s->recs[mid];
		int c = compare(key_of(s, r), r->len, key, len);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The set being sorted, for the qsort comparator. */
static const struct recipset *sorting;

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return compare(key_of(sorting, x), x->len, key_of(sorting, y), y->len);
}

void
recipset_sort(struct recipset *s)
{
	sorting = s;
	if (s->n > 1)
		qsort(s->recs, s->n, sizeof(*s->recs), cmp_rec);
	sorting = NULL;
	/* From now on lookups are binary searches: the table is not needed. */
	free(s->table);
	s->table = NULL;
	s->tsize = 0;
}

size_t
recipset_size(const struct recipset *s)
{
	return s->n;
}

const char *
recipset_key(const struct recipset *s, size_t i, size_t *len)
{
	if (len != NULL)
		*len = s->recs[i].len;
	return key_of(s, &s->recs[i]);
}

const char *
recipset_value(const struct recipset *s, size_t i)
{
	uint16_t v = s->recs[i].vnum;

	return v ? s->values[v - 1] : NULL;
}

/* release - free keys and values */
static void
release(struct recipset *s)
{
	for (size_t i = 0; i < s->nchunks; i++)
		free(s->chunks[i]);
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = s->used = 0;
	for (size_t i = 0; i < s->nvalues; i++)
		free(s->values[i]);
	free(s->values);
	s->values = NULL;
	s->nvalues = 0;
	s->n = 0;
}

void
recipset_reset(struct recipset *s)
{
	release(s);
	if (s->table == NULL || s->tsize > 1024)
		rebuild_table(s, 0);
	else
		memset(s->table, 0, s->tsize * sizeof(*s->table));
}

void
recipset_free(struct recipset *s)
{
	if (s == NULL)
		return;
	release(s);
	free(s->recs);
	free(s->table);
	free(s);
}
