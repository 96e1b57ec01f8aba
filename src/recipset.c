/* SPDX-License-Identifier: BSD-2-Clause */
/* recipset.c - unique, byte-sorted recipient keys
 *
 * Memory is what a large directory costs, so it is kept small: keys live
 * in 2 MiB chunks of one arena and a record is 8 bytes (arena offset, key
 * length, value number).  Adding a key only appends it: no hash table,
 * whose every probe is a cache miss.  A key the same entry already gave
 * (mail is nearly always the primary SMTP address too) is caught by a
 * look at the last few keys; any other duplicate is dropped when the set
 * is sorted, where equal keys meet anyway.  Later lookups are binary
 * searches.
 *
 * Origins cost what an entry costs, not what a key does: before the
 * first key of an entry the arena takes an origin record (the number of
 * its parent DN, 4 bytes, then the first RDN), the parent DN is stored
 * once for all its entries, and the set keeps the arena offset of each
 * record (4 bytes an entry).  Records and keys share the arena in the
 * order they were added, so the origin of a key is the last record before
 * it: a binary search over those offsets.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "recipset.h"

#define CHUNK_BITS 21 /* 2 MiB: one huge page, where the kernel has them */
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS 2048 /* offsets are 32 bits: 11 of chunk, 21 within */
#define MAX_KEY    0xffff
#define MAX_VALUES 0xfffe
#define DROPPED    0xffff     /* vnum of a duplicate while sorting */
#define RECENT     8          /* recipset_add() compares with this many last keys */
#define SMALL      32         /* ranges this short are insertion-sorted */
#define PREFETCH   8          /* recipset_key() prefetches the key this far ahead */
#define NO_PARENT  UINT32_MAX /* an origin with no "," in it */
#define MAX_ORIGIN 0xffff     /* longer RDNs and parents are cut short */

struct rec {
	uint32_t off;  /* chunk << CHUNK_BITS | offset; grows with every add */
	uint16_t len;  /* key length */
	uint16_t vnum; /* 0: the default value, else values[vnum - 1] */
};

/* A record while sorting, with 8 bytes of its key (big-endian, zeros past
 * the end) from the byte position its range has reached rounded down to
 * a multiple of 8: most comparisons never touch the arena. */
struct item {
	uint64_t pfx;
	struct rec r;
};

struct recipset {
	char **chunks;
	size_t nchunks;
	size_t used; /* bytes used in the last chunk */
	struct rec *recs;
	size_t n, cap;
	char **values;
	size_t nvalues;
	int sorted;
	size_t first[256]; /* records by their key's first byte (0: empty key) */
	/* origins (recipset_from) */
	const char *pending; /* origin of the next new key, not stored yet */
	uint32_t *origins;   /* arena offsets of origin records, ascending */
	size_t norigins, ocap;
	uint32_t *parents; /* arena offsets of parent DNs, by number */
	size_t nparents, pcap;
	uint32_t *phash;      /* parent number + 1 by hash (0: free slot) */
	size_t phsize;        /* a power of two, or 0 */
	uint32_t last_parent; /* the parent the last origin had */
};

/* huge_pages - ask for huge pages for the 2 MiB-aligned part of the
 * LEN bytes at P (a large array that is about to be walked at random) */
static void
huge_pages(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a = ((uintptr_t)p + CHUNK_SIZE - 1) & ~(uintptr_t)(CHUNK_SIZE - 1);
	uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(CHUNK_SIZE - 1);

	if (e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p, (void)len;
#endif
}

/* new_chunk - CHUNK_SIZE bytes aligned to their size, which lets the
 * kernel back them with one huge page (transparent huge pages, asked for
 * with madvise): keys are read in sort order, all over the arena, and
 * with 4 KiB pages nearly every one of those reads missed the TLB too.
 * NULL when out of memory. */
static char *
new_chunk(void)
{
	char *p = mmap(NULL, 2 * (size_t)CHUNK_SIZE, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + CHUNK_SIZE - 1) & ~(uintptr_t)(CHUNK_SIZE - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((char *)a + CHUNK_SIZE, (uintptr_t)p + 2 * (size_t)CHUNK_SIZE - a - CHUNK_SIZE);
	huge_pages((void *)a, CHUNK_SIZE);
	return (char *)a;
}

/* key_of - the bytes of record R */
static inline const char *
key_of(const struct recipset *s, const struct rec *r)
{
	return s->chunks[r->off >> CHUNK_BITS] + (r->off & (CHUNK_SIZE - 1));
}

/* arena_reserve - room for LEN bytes plus a NUL in the arena: where it
 * is (*OFF gets its offset), or NULL when out of memory or LEN is too
 * long for a chunk */
static char *
arena_reserve(struct recipset *s, size_t len, uint32_t *off)
{
	char *dst;

	if (len >= CHUNK_SIZE)
		return NULL;
	if (s->nchunks == 0 || CHUNK_SIZE - s->used < len + 1) {
		char **nc;

		if (s->nchunks == MAX_CHUNKS)
			return NULL;
		if ((nc = realloc(s->chunks, (s->nchunks + 1) * sizeof(*nc))) == NULL)
			return NULL;
		s->chunks = nc;
		if ((nc[s->nchunks] = new_chunk()) == NULL)
			return NULL;
		s->nchunks++;
		s->used = 0;
	}
	dst = s->chunks[s->nchunks - 1] + s->used;
	dst[len] = '\0';
	*off = (uint32_t)((s->nchunks - 1) << CHUNK_BITS | s->used);
	s->used += len + 1;
	return dst;
}

/* arena_copy - copy LEN bytes plus a NUL into the arena; *OFF gets where */
static int
arena_copy(struct recipset *s, const char *p, size_t len, uint32_t *off)
{
	char *dst = arena_reserve(s, len, off);

	if (dst == NULL)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

/* at - the arena bytes at offset OFF */
static inline char *
at(const struct recipset *s, uint32_t off)
{
	return s->chunks[off >> CHUNK_BITS] + (off & (CHUNK_SIZE - 1));
}

/* grow_u32 - room for one more in the array *V of *CAP numbers */
static int
grow_u32(uint32_t **v, size_t n, size_t *cap)
{
	uint32_t *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap + *cap / 2 : 1024;
	if ((nv = realloc(*v, ncap * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* hash - FNV-1a of LEN bytes at P */
static uint32_t
hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* parent_is - is parent number N the LEN bytes at P? */
static int
parent_is(const struct recipset *s, uint32_t n, const char *p, size_t len)
{
	const char *q = at(s, s->parents[n]);

	/* strncmp: it stops at the end of a shorter Q, never reads past it */
	return strncmp(q, p, len) == 0 && q[len] == '\0';
}

/* rehash - double the parent hash table (or make the first one) */
static int
rehash(struct recipset *s)
{
	size_t size = s->phsize ? 2 * s->phsize : 256;
	uint32_t *t = calloc(size, sizeof(*t));

	if (t == NULL)
		return -1;
	for (size_t n = 0; n < s->nparents; n++) {
		const char *q = at(s, s->parents[n]);
		size_t h = hash(q, strlen(q)) & (size - 1);

		while (t[h] != 0)
			h = (h + 1) & (size - 1);
		t[h] = (uint32_t)n + 1;
	}
	free(s->phash);
	s->phash = t;
	s->phsize = size;
	return 0;
}

/* parent_number - the number of parent DN P (LEN bytes), stored if new;
 * -1 when out of memory */
static int64_t
parent_number(struct recipset *s, const char *p, size_t len)
{
	size_t h;
	uint32_t off;

	/* entries come by container: mostly the last one again */
	if (s->last_parent != NO_PARENT && parent_is(s, s->last_parent, p, len))
		return s->last_parent;
	if (2 * (s->nparents + 1) > s->phsize && rehash(s) < 0)
		return -1;
	for (h = hash(p, len) & (s->phsize - 1); s->phash[h] != 0; h = (h + 1) & (s->phsize - 1))
		if (parent_is(s, s->phash[h] - 1, p, len))
			return s->last_parent = s->phash[h] - 1;
	if (s->nparents >= NO_PARENT - 1 || grow_u32(&s->parents, s->nparents, &s->pcap) < 0 ||
	    arena_copy(s, p, len, &off) < 0)
		return -1;
	s->parents[s->nparents] = off;
	s->phash[h] = (uint32_t)++s->nparents;
	return s->last_parent = (uint32_t)(s->nparents - 1);
}

/* rdn_end - the length of the first RDN of DN: up to its first comma
 * that no backslash escapes (any split would do: the origin is put back
 * together exactly; this one lets entries share their parent) */
static size_t
rdn_end(const char *dn)
{
	size_t i, bs = 0;

	for (i = 0; dn[i] != '\0'; i++) {
		if (dn[i] == ',' && bs % 2 == 0)
			return i;
		bs = dn[i] == '\\' ? bs + 1 : 0;
	}
	return i;
}

/* store_origin - the pending origin into the arena, before the key that
 * is about to be added */
static int
store_origin(struct recipset *s)
{
	const char *o = s->pending;
	size_t rlen = rdn_end(o), plen = o[rlen] == ',' ? strnlen(o + rlen + 1, MAX_ORIGIN) : 0;
	int64_t parent = o[rlen] == ',' ? parent_number(s, o + rlen + 1, plen) : (int64_t)NO_PARENT;
	uint32_t p32, off;
	char *dst;

	if (rlen > MAX_ORIGIN)
		rlen = MAX_ORIGIN;
	if (parent < 0 || grow_u32(&s->origins, s->norigins, &s->ocap) < 0 ||
	    (dst = arena_reserve(s, 4 + rlen, &off)) == NULL)
		return -1;
	p32 = (uint32_t)parent;
	memcpy(dst, &p32, 4);
	memcpy(dst + 4, o, rlen);
	s->origins[s->norigins++] = off;
	s->pending = NULL;
	return 0;
}

void
recipset_from(struct recipset *s, const char *origin)
{
	if (!s->sorted)
		s->pending = origin;
}

int
recipset_origin(const struct recipset *s, size_t i, struct strbuf *out)
{
	uint32_t off = s->recs[i].off, parent;
	size_t lo = 0, hi = s->norigins;
	const char *rec;

	out->len = 0;
	/* the last origin record before the key */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->origins[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	rec = at(s, s->origins[lo - 1]);
	memcpy(&parent, rec, 4);
	if (strbuf_addstr(out, rec + 4) < 0 ||
	    (parent != NO_PARENT &&
	     (strbuf_addc(out, ',') < 0 || strbuf_addstr(out, at(s, s->parents[parent])) < 0)))
		return -1;
	return 1;
}

struct recipset *
recipset_new(void)
{
	struct recipset *s = calloc(1, sizeof(struct recipset));

	if (s != NULL)
		s->last_parent = NO_PARENT;
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

/* recipset_add - append a key; a repeat of a recent key is merged now */
int
recipset_add(struct recipset *s, const char *key, size_t len, const char *value)
{
	struct rec *r;
	int vnum;

	if (s->sorted || len > MAX_KEY || (uint64_t)s->n >= UINT32_MAX)
		return -1;
	if ((vnum = value_number(s, value)) < 0)
		return -1;
	for (size_t i = s->n; i > 0 && i + RECENT > s->n; i--) {
		r = &s->recs[i - 1];
		if (r->len == len && memcmp(key_of(s, r), key, len) == 0) {
			if (vnum != 0)
				r->vnum = (uint16_t)vnum;
			return 0;
		}
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap + s->cap / 2 : 4096;
		struct rec *nr = realloc(s->recs, ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		s->recs = nr;
		s->cap = ncap;
	}
	if (s->pending != NULL && store_origin(s) < 0)
		return -1;
	r = &s->recs[s->n];
	if (arena_copy(s, key, len, &r->off) < 0)
		return -1;
	r->len = (uint16_t)len;
	r->vnum = (uint16_t)vnum;
	s->first[len > 0 ? (unsigned char)key[0] : 0]++;
	s->n++;
	return 0;
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
recipset_find(const struct recipset *s, const char *key, size_t len, size_t *i)
{
	size_t lo = 0, hi = s->n;

	if (!s->sorted)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rec *r = &s->recs[mid];
		int c = compare(key_of(s, r), r->len, key, len);

		if (c == 0) {
			*i = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
recipset_contains(const struct recipset *s, const char *key, size_t len)
{
	size_t i;

	if (!s->sorted) {
		for (i = 0; i < s->n; i++)
			if (s->recs[i].len == len && memcmp(key_of(s, &s->recs[i]), key, len) == 0)
				return 1;
		return 0;
	}
	return recipset_find(s, key, len, &i);
}

/* load_pfx - IT's key bytes D .. D+7 into its prefix word */
static inline void
load_pfx(const struct recipset *s, struct item *it, size_t d)
{
	const unsigned char *k = (const unsigned char *)key_of(s, &it->r);
	uint64_t w = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (d + 8 <= it->r.len) {
		memcpy(&w, k + d, 8);
		it->pfx = __builtin_bswap64(w);
		return;
	}
#endif
	for (size_t i = 0; i < 8; i++)
		w = w << 8 | (d + i < it->r.len ? k[d + i] : 0);
	it->pfx = w;
}

/* item_cmp - order of two items whose keys agree before byte W, where W
 * (a multiple of 8) is where both prefix words start */
static int
item_cmp(const struct recipset *s, const struct item *a, const struct item *b, size_t w)
{
	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	if (a->r.len <= w + 8 && b->r.len <= w + 8)
		return (a->r.len > b->r.len) - (a->r.len < b->r.len);
	return compare(key_of(s, &a->r) + w + 8, a->r.len > w + 8 ? a->r.len - w - 8 : 0,
	               key_of(s, &b->r) + w + 8, b->r.len > w + 8 ? b->r.len - w - 8 : 0);
}

/* drop_run - A[0..N) hold one key: keep one, with the value of the
 * last add that brought one, and the arena offset (so the origin) of
 * the first add.  Offsets grow with every add, and a value merged into a
 * recent record (recipset_add) came after every record before it. */
static void
drop_run(struct item *a, size_t n)
{
	uint32_t last = 0, first = a[0].r.off;
	uint16_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (a[i].r.vnum != 0 && (v == 0 || a[i].r.off > last)) {
			v = a[i].r.vnum;
			last = a[i].r.off;
		}
		if (a[i].r.off < first)
			first = a[i].r.off;
		if (i > 0)
			a[i].r.vnum = DROPPED;
	}
	a[0].r.vnum = v;
	a[0].r.off = first;
}

/* insertion_sort - a short range whose keys agree before byte W; equal
 * keys end up side by side, and all but one are dropped */
static void
insertion_sort(const struct recipset *s, struct item *a, size_t n, size_t w)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct item it = a[i];

		for (j = i; j > 0 && item_cmp(s, &a[j - 1], &it, w) > 0; j--)
			a[j] = a[j - 1];
		a[j] = it;
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && item_cmp(s, &a[i], &a[j], w) == 0; j++)
			;
		if (j - i > 1)
			drop_run(a + i, j - i);
	}
}

static void radix_sort(const struct recipset *s, struct item *a, size_t n, size_t d);

/* sort_buckets - A holds the buckets of byte D (COUNT[b] items with byte
 * b, in byte order): sort each bucket on the following bytes */
static void
sort_buckets(const struct recipset *s, struct item *a, const size_t *count, size_t d)
{
	size_t start, ended = 0;

	/* Byte 0: the keys that end here (all equal) to the front, then any
	 * key with a NUL byte here, which the contract rules out. */
	for (size_t i = 0; i < count[0]; i++)
		if (a[i].r.len == d) {
			struct item t = a[ended];

			a[ended++] = a[i];
			a[i] = t;
		}
	if (ended > 1)
		drop_run(a, ended);
	if (count[0] - ended > 1)
		radix_sort(s, a + ended, count[0] - ended, d + 1);
	start = count[0];
	for (unsigned b = 1; b < 256; start += count[b], b++)
		if (count[b] > 1)
			radix_sort(s, a + start, count[b], d + 1);
}

/* radix_sort - MSD radix sort of A[0..N) on key byte D (the keys agree
 * before it), in place (American flag sort): keys share long prefixes,
 * which a comparison sort would compare again and again */
static void
radix_sort(const struct recipset *s, struct item *a, size_t n, size_t d)
{
	size_t count[256] = {0}, next[256], end[256], start = 0;
	unsigned shift = 56 - 8 * (unsigned)(d & 7);

	if (d > 0 && (d & 7) == 0)
		for (size_t i = 0; i < n; i++) {
			if (i + PREFETCH < n)
				__builtin_prefetch(key_of(s, &a[i + PREFETCH].r) + d);
			load_pfx(s, &a[i], d);
		}
	if (n <= SMALL) {
		insertion_sort(s, a, n, d & ~(size_t)7);
		return;
	}
	for (size_t i = 0; i < n; i++)
		count[(a[i].pfx >> shift) & 0xff]++;
	for (unsigned b = 0; b < 256; b++) {
		next[b] = start;
		start += count[b];
		end[b] = start;
	}
	/* each item straight to its bucket, the one it displaces onwards */
	for (unsigned b = 0; b < 256; b++)
		while (next[b] < end[b]) {
			struct item it = a[next[b]];
			unsigned c = (it.pfx >> shift) & 0xff;

			while (c != b) {
				struct item t = a[next[c]];

				a[next[c]++] = it;
				it = t;
				c = (it.pfx >> shift) & 0xff;
			}
			a[next[b]++] = it;
		}
	sort_buckets(s, a, count, d);
}

int
recipset_sort(struct recipset *s)
{
	struct item *a;
	size_t k = 0, next[256];

	if (s->sorted)
		return 0;
	s->pending = NULL; /* an origin that brought no key */
	if (s->n < 2) {
		s->sorted = 1;
		return 0;
	}
	if ((a = malloc(s->n * sizeof(*a))) == NULL)
		return -1;
	huge_pages(a, s->n * sizeof(*a));
	/* The first byte's buckets were counted while adding: each record
	 * goes straight into its bucket. */
	for (unsigned b = 0; b < 256; b++) {
		next[b] = k;
		k += s->first[b];
	}
	k = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct item it = {.r = s->recs[i]};

		load_pfx(s, &it, 0);
		a[next[it.pfx >> 56]++] = it;
	}
	/* the records are all in A now */
	free(s->recs);
	s->recs = NULL;
	s->cap = 0;
	s->sorted = 1;
	sort_buckets(s, a, s->first, 0);
	for (size_t i = 0; i < s->n; i++)
		if (a[i].r.vnum != DROPPED)
			((struct rec *)a)[k++] = a[i].r;
	s->n = k;
	s->cap = k;
	/* the records were packed to the front of A: give back the rest */
	s->recs = realloc(a, k * sizeof(struct rec) + 1);
	if (s->recs == NULL)
		s->recs = (struct rec *)a;
	return 0;
}

size_t
recipset_size(const struct recipset *s)
{
	return s->n;
}

const char *
recipset_key(const struct recipset *s, size_t i, size_t *len)
{
	/* Callers walk the keys in order, and sorted keys lie all over the
	 * arena: ask for a key a few places ahead now, so that its cache miss
	 * overlaps with the work on this one. */
	if (i + PREFETCH < s->n)
		__builtin_prefetch(key_of(s, &s->recs[i + PREFETCH]));
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

void
recipset_reset(struct recipset *s)
{
	for (size_t i = 0; i < s->nchunks; i++)
		munmap(s->chunks[i], CHUNK_SIZE);
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = s->used = 0;
	for (size_t i = 0; i < s->nvalues; i++)
		free(s->values[i]);
	free(s->values);
	s->values = NULL;
	s->nvalues = 0;
	s->n = 0;
	s->sorted = 0;
	memset(s->first, 0, sizeof(s->first));
	free(s->origins);
	free(s->parents);
	free(s->phash);
	s->origins = s->parents = s->phash = NULL;
	s->norigins = s->ocap = s->nparents = s->pcap = s->phsize = 0;
	s->pending = NULL;
	s->last_parent = NO_PARENT;
}

void
recipset_free(struct recipset *s)
{
	if (s == NULL)
		return;
	recipset_reset(s);
	free(s->recs);
	free(s);
}
