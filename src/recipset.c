/* recipset.c - unique, byte-sorted recipient keys
 *
 * Keys live in a chunked arena; an open-addressing hash table of record
 * indexes finds duplicates on insert, so memory grows with unique keys
 * only.  Sorting reorders the record array and rebuilds the table.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recipset.h"

#define CHUNK_SIZE (256 * 1024)

struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	char data[];
};

struct rec {
	const char *key;
	const char *value;
	uint32_t len;
	uint32_t hash;
};

struct recipset {
	struct chunk *chunks;
	struct rec *recs;
	size_t n, cap;
	uint32_t *table; /* record index + 1, 0 = empty */
	size_t tsize;    /* power of two */
	int sorted;
};

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

/* arena_copy - copy LEN bytes plus a NUL into the arena */
static char *
arena_copy(struct recipset *s, const char *p, size_t len)
{
	struct chunk *c = s->chunks;
	char *dst;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;

		if ((c = malloc(sizeof(*c) + size)) == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = s->chunks;
		s->chunks = c;
	}
	dst = c->data + c->used;
	memcpy(dst, p, len);
	dst[len] = '\0';
	c->used += len + 1;
	return dst;
}

/* table_slot - slot for KEY: either the slot holding it or an empty one */
static size_t
table_slot(const struct recipset *s, const char *key, size_t len, uint32_t h)
{
	size_t mask = s->tsize - 1;
	size_t i = h & mask;

	while (s->table[i] != 0) {
		const struct rec *r = &s->recs[s->table[i] - 1];

		if (r->hash == h && r->len == len && memcmp(r->key, key, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* rebuild_table - size the table for twice the records and refill it */
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

		s->table[table_slot(s, r->key, r->len, r->hash)] = (uint32_t)(i + 1);
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

/* recipset_add - insert a key unless present */
int
recipset_add(struct recipset *s, const char *key, size_t len, const char *value)
{
	uint32_t h = hash_bytes(key, len);
	size_t slot;
	struct rec *r;

	if (s->sorted || len > UINT32_MAX || s->n >= UINT32_MAX - 1)
		return -1;
	slot = table_slot(s, key, len, h);
	if (s->table[slot] != 0) {
		r = &s->recs[s->table[slot] - 1];
		if (value != NULL && (r->value == NULL || strcmp(r->value, value) != 0) &&
		    (r->value = arena_copy(s, value, strlen(value))) == NULL)
			return -1;
		return 0;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 4096;
		struct rec *nr = realloc(s->recs, ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		s->recs = nr;
		s->cap = ncap;
	}
	r = &s->recs[s->n];
	if ((r->key = arena_copy(s, key, len)) == NULL)
		return -1;
	r->value = NULL;
	if (value != NULL && (r->value = arena_copy(s, value, strlen(value))) == NULL)
		return -1;
	r->len = (uint32_t)len;
	r->hash = h;
	s->table[slot] = (uint32_t)(++s->n);
	if (s->n * 2 > s->tsize && rebuild_table(s, s->n) < 0)
		return -1;
	return 1;
}

int
recipset_contains(const struct recipset *s, const char *key, size_t len)
{
	return s->table[table_slot(s, key, len, hash_bytes(key, len))] != 0;
}

/* cmp_rec - byte order; keys hold no NUL, so the shorter prefix sorts first */
static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

void
recipset_sort(struct recipset *s)
{
	if (s->n > 1)
		qsort(s->recs, s->n, sizeof(*s->recs), cmp_rec);
	/* Indexes moved: rebuild lookups in place (cannot fail, same size). */
	memset(s->table, 0, s->tsize * sizeof(*s->table));
	for (size_t i = 0; i < s->n; i++) {
		const struct rec *r = &s->recs[i];

		s->table[table_slot(s, r->key, r->len, r->hash)] = (uint32_t)(i + 1);
	}
	s->sorted = 1;
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
	return s->recs[i].key;
}

const char *
recipset_value(const struct recipset *s, size_t i)
{
	return s->recs[i].value;
}

void
recipset_reset(struct recipset *s)
{
	while (s->chunks != NULL) {
		struct chunk *next = s->chunks->next;

		free(s->chunks);
		s->chunks = next;
	}
	s->n = 0;
	s->sorted = 0;
	memset(s->table, 0, s->tsize * sizeof(*s->table));
}

void
recipset_free(struct recipset *s)
{
	if (s == NULL)
		return;
	recipset_reset(s);
	free(s->recs);
	free(s->table);
	free(s);
}
