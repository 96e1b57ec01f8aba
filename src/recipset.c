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
/* A table slot holds 8 bits of the key's hash above the record number, so
 * most probes that miss never touch the record or the key. */
#define TAG_SHIFT 24
#define SLOT_INDEX ((1u << TAG_SHIFT) - 1)
#define MAX_RECS (SLOT_INDEX - 1)
#define TAG(h) ((uint32_t)(h) >> TAG_SHIFT << TAG_SHIFT)

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
	uint32_t *table; /* tag << TAG_SHIFT | (record number + 1), 0 = empty;
			  * NULL once sorted */
	size_t tsize;    /* power of two */
};

/* key_of - the bytes of record R */
static inline const char *
key_of(const struct recipset *s, const struct rec *r)
{
	return s->chunks[r->off >> CHUNK_BITS] + (r->off & (CHUNK_SIZE - 1));
}

/* hash_bytes - a multiply-xorshift hash over 8-byte words: keys are
 * hashed once on insert and again at every table growth */
static uint32_t
hash_bytes(const char *p, size_t len)
{
	uint64_t h = (uint64_t)len * 0x9e3779b97f4a7c15u, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	h ^= h >> 29;
	return (uint32_t)h;
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
	uint32_t tag = TAG(h), v;

	while ((v = s->table[i]) != 0) {
		const struct rec *r;

		if ((v & ~SLOT_INDEX) == tag) {
			r = &s->recs[(v & SLOT_INDEX) - 1];
			if (r->len == len && memcmp(key_of(s, r), key, len) == 0)
				break;
		}
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
		uint32_t h = hash_bytes(k, r->len);

		s->table[table_slot(s, k, r->len, h)] = TAG(h) | (uint32_t)(i + 1);
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

	if (s->table == NULL || len > MAX_KEY || s->n >= MAX_RECS)
		return -1;
	if ((vnum = value_number(s, value)) < 0)
		return -1;
	slot = table_slot(s, key, len, h);
	if (s->table[slot] != 0) {
		if (value != NULL)
			s->recs[(s->table[slot] & SLOT_INDEX) - 1].vnum = (uint16_t)vnum;
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
	s->table[slot] = TAG(h) | (uint32_t)(++s->n);
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

/* byte_at - byte D of record R plus one, or 0 past its end: shorter keys
 * sort before their extensions */
static inline unsigned
byte_at(const struct recipset *s, const struct rec *r, size_t d)
{
	return d < r->len ? (unsigned)(unsigned char)key_of(s, r)[d] + 1 : 0;
}

/* insertion_sort - small ranges, keys known equal before byte D */
static void
insertion_sort(const struct recipset *s, struct rec *a, size_t n, size_t d)
{
	for (size_t i = 1; i < n; i++) {
		struct rec r = a[i];
		const char *k = key_of(s, &r) + d;
		size_t j = i;

		while (j > 0 && compare(key_of(s, &a[j - 1]) + d, a[j - 1].len - d, k, r.len - d) > 0) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = r;
	}
}

/* radix_sort - MSD radix sort on byte D, out of place through TMP (as
 * large as A): keys share long prefixes and a comparison sort would
 * compare those again and again.  BYTES caches each record's byte D. */
static void
radix_sort(const struct recipset *s, struct rec *a, struct rec *tmp, uint16_t *bytes, size_t n,
	   size_t d)
{
	size_t count[257] = {0}, pos[257], start = 0;

	if (n <= 24) {
		insertion_sort(s, a, n, d);
		return;
	}
	for (size_t i = 0; i < n; i++)
		count[bytes[i] = (uint16_t)byte_at(s, &a[i], d)]++;
	for (unsigned b = 0; b < 257; b++) {
		pos[b] = start;
		start += count[b];
	}
	for (size_t i = 0; i < n; i++)
		tmp[pos[bytes[i]]++] = a[i];
	memcpy(a, tmp, n * sizeof(*a));
	/* bucket 0 holds at most one key (they are unique); sort the rest */
	start = count[0];
	for (unsigned b = 1; b < 257; start += count[b], b++)
		if (count[b] > 1)
			radix_sort(s, a + start, tmp, bytes, count[b], d + 1);
}

void
recipset_sort(struct recipset *s)
{
	struct rec *tmp = malloc(s->n * sizeof(*tmp) + 1);
	uint16_t *bytes = malloc(s->n * sizeof(*bytes) + 1);

	if (tmp != NULL && bytes != NULL)
		radix_sort(s, s->recs, tmp, bytes, s->n, 0);
	else
		/* out of memory: the slow way needs none */
		insertion_sort(s, s->recs, s->n, 0);
	free(tmp);
	free(bytes);
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
