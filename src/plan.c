/* SPDX-License-Identifier: BSD-2-Clause */
/* plan.c - installed maps versus the new set, and the safety guards */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapread.h"
#include "plan.h"
#include "util.h"

/* One installed map against the new set. */
struct side {
	int exists;
	size_t count, added, removed, changed;
	int in_order; /* its records are the new set's, in its order */
	int exact;    /* text: and its bytes are the rendered map's */
};

/* The diff of a map being read with the new set. */
struct walk {
	const struct recipset *new;
	const char *defval;
	plan_diff_fn *fn;
	void *ctx;
	struct side *s;
	size_t j;           /* next key of the new set */
	struct strbuf prev; /* last key read from the map */
	int have_prev;
	int unsorted;   /* the map is not in our order */
	uint64_t bytes; /* text: bytes of its records' lines and the gaps */
};

/* value_of - a key's value, the default when it has none of its own */
static const char *
value_of(const struct recipset *s, size_t i, const char *defval)
{
	const char *v = recipset_value(s, i);

	return v ? v : defval;
}

/* cmp_keys - byte order of two keys */
static int
cmp_keys(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/* note - count (and report) one difference */
static void
note(struct walk *w, char sign, const char *key)
{
	size_t *count = sign == '+' ? &w->s->added : sign == '-' ? &w->s->removed : &w->s->changed;

	++*count;
	if (w->fn != NULL)
		w->fn(w->ctx, sign, key);
}

/* exact_line - is REC's line exactly "KEY VALUE\n", as rendered? */
static int
exact_line(const struct mapread_rec *rec)
{
	return rec->gap == 0 && rec->linelen == rec->klen + rec->vlen + 2 &&
	       rec->line[rec->klen] == ' ' && rec->line[rec->linelen - 1] == '\n';
}

/* walk_rec - one record of the map; sets W->unsorted if it is out of order */
static int
walk_rec(struct walk *w, const struct mapread_rec *rec)
{
	size_t nn = recipset_size(w->new);

	if (w->have_prev && cmp_keys(rec->key, rec->klen, w->prev.p, w->prev.len) <= 0) {
		w->unsorted = 1;
		return 0;
	}
	w->prev.len = 0;
	if (strbuf_add(&w->prev, rec->key, rec->klen) < 0)
		return -1;
	w->have_prev = 1;
	w->s->count++;
	w->bytes += rec->gap + rec->linelen;
	/* new keys before this one were added */
	for (; w->j < nn; w->j++) {
		size_t nlen;
		const char *nk = recipset_key(w->new, w->j, &nlen);
		int c = cmp_keys(nk, nlen, rec->key, rec->klen);

		if (c > 0)
			break;
		if (c == 0) {
			const char *nv = value_of(w->new, w->j, w->defval);

			if (strlen(nv) != rec->vlen || memcmp(nv, rec->val, rec->vlen) != 0)
				note(w, '~', nk);
			else if (rec->line != NULL && !exact_line(rec))
				w->s->exact = 0;
			w->j++;
			return 0;
		}
		note(w, '+', nk);
	}
	note(w, '-', w->prev.p);
	return 0;
}

/* diff_sets - compare sorted OLD and NEW (for a map not in our order) */
static void
diff_sets(const struct recipset *old, const struct recipset *new, const char *defval,
          struct side *s, plan_diff_fn *fn, void *ctx)
{
	size_t i = 0, j = 0, no = recipset_size(old), nn = recipset_size(new);

	s->count = no;
	s->added = s->removed = s->changed = 0;
	while (i < no || j < nn) {
		int c;

		if (i == no)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = strcmp(recipset_key(old, i, NULL), recipset_key(new, j, NULL));
		if (c < 0) {
			s->removed++;
			if (fn)
				fn(ctx, '-', recipset_key(old, i, NULL));
			i++;
		} else if (c > 0) {
			s->added++;
			if (fn)
				fn(ctx, '+', recipset_key(new, j, NULL));
			j++;
		} else {
			if (strcmp(value_of(old, i, defval), value_of(new, j, defval)) != 0) {
				s->changed++;
				if (fn)
					fn(ctx, '~', recipset_key(new, j, NULL));
			}
			i++, j++;
		}
	}
}

/* differs - does side S differ from the new set at all? */
static int
differs(const struct side *s)
{
	return s->added > 0 || s->removed > 0 || s->changed > 0;
}

/* walk_map - read the open map MR to its end against the new set */
static int
walk_map(struct mapread *mr, struct walk *w, struct a2r_err *err)
{
	struct mapread_rec rec;
	int got = 0;

	while (mr != NULL && !w->unsorted && (got = mapread_next(mr, &rec, err)) > 0)
		if (walk_rec(w, &rec) < 0)
			return err_nomem(err);
	if (w->unsorted)
		return 0;
	if (got < 0)
		return -1;
	for (; w->j < recipset_size(w->new); w->j++)
		note(w, '+', recipset_key(w->new, w->j, NULL));
	return 0;
}

/* walk_file - one pass over the map PATH of KIND with W (whose side is
 * cleared first): 0 (W->unsorted: not in our order), -1 with ERR set */
static int
walk_file(const char *path, enum mapread_kind kind, struct walk *w, struct a2r_err *err)
{
	struct side *s = w->s;
	struct mapread *mr;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = mapread_open(&mr, path, kind, err)) <= 0)
		/* no installed map: every key is new */
		return rc < 0 ? -1 : walk_map(NULL, w, err);
	s->exists = 1;
	s->exact = 1;
	rc = walk_map(mr, w, err);
	strbuf_free(&w->prev);
	if (rc == 0 && !w->unsorted) {
		s->in_order = !differs(s) && s->count == recipset_size(w->new);
		s->exact = s->exact && s->in_order && kind == MAPREAD_TEXT &&
		           w->bytes == (uint64_t)mapread_size(mr);
	}
	mapread_close(mr);
	return rc;
}

/* compare_map - the map PATH of KIND against NEW into *S, listing through
 * FN */
static int
compare_map(const char *path, enum mapread_kind kind, const struct recipset *new,
            const char *defval, plan_diff_fn *fn, void *ctx, struct side *s, struct a2r_err *err)
{
	struct walk w;
	struct recipset *old = NULL;

	for (int pass = 0; pass < 2; pass++) {
		memset(&w, 0, sizeof(w));
		w.new = new;
		w.defval = defval;
		w.s = s;
		/* Listing starts only once the file is known to be in order. */
		w.fn = pass ? fn : NULL;
		w.ctx = ctx;
		if (walk_file(path, kind, &w, err) < 0)
			return -1;
		if (w.unsorted)
			break;
		/* listed; or nothing to list, or nothing different to list */
		if (pass == 1 || fn == NULL || !differs(s))
			return 0;
	}
	/* a map not in our order: load and sort it */
	if (mapread_load(path, kind, &old, &s->exists, NULL, err) < 0) {
		recipset_free(old);
		return -1;
	}
	diff_sets(old, new, defval, s, fn, ctx);
	s->in_order = s->exact = 0;
	recipset_free(old);
	return 0;
}

/* cdb_size - the size of the cdb of NEW: the header, the records, and
 * hash tables of two 8-byte slots per record */
static uint64_t
cdb_size(const struct recipset *new, const char *defval)
{
	size_t n = recipset_size(new), dlen = strlen(defval);
	uint64_t total = 2048 + 24 * (uint64_t)n;

	for (size_t i = 0; i < n; i++) {
		size_t klen;
		const char *val = recipset_value(new, i);

		recipset_key(new, i, &klen);
		total += klen + (val ? strlen(val) : dlen);
	}
	return total;
}

/* cdb_current - is the open cdb MR byte for byte the cdb of NEW that
 * mapfile_install() would write?  1, 0, -1 */
static int
cdb_current(struct mapread *mr, const struct recipset *new, const char *defval, struct a2r_err *err)
{
	off_t size;
	int fd, same;

	/* a size that differs needs no cdb built to tell */
	if ((uint64_t)mapread_size(mr) != cdb_size(new, defval))
		return 0;
	if ((fd = mapread_cdb_of(new, defval, &size, err)) < 0)
		return -1;
	same = mapread_same_file(mr, fd, size, err);
	close(fd);
	return same;
}

/* look_at_cdb - the cdb CDB_PATH against NEW into *C, and P->cdb_same
 * (if WANT_SAME; else 0: a text map that changes takes its cdb along) */
static int
look_at_cdb(const char *cdb_path, const struct recipset *new, const char *defval, struct side *c,
            struct plan *p, int want_same, struct a2r_err *err)
{
	struct mapread *mr;
	int rc;

	p->cdb_same = 0;
	memset(c, 0, sizeof(*c));
	/* The common case, a text map we wrote and its cdb: when the cdb is
	 * the one we would write, its records are the set's, no need to walk
	 * them. */
	if (want_same) {
		if ((rc = mapread_open(&mr, cdb_path, MAPREAD_CDB, err)) <= 0)
			return rc;
		p->cdb_same = cdb_current(mr, new, defval, err);
		mapread_close(mr);
		if (p->cdb_same < 0)
			return -1;
		if (p->cdb_same) {
			c->exists = c->in_order = 1;
			c->count = recipset_size(new);
			return 0;
		}
	}
	return compare_map(cdb_path, MAPREAD_CDB, new, defval, NULL, NULL, c, err);
}

/* same_rec - the same key and value? */
static int
same_rec(const struct mapread_rec *a, const struct mapread_rec *b)
{
	return a->klen == b->klen && a->vlen == b->vlen && memcmp(a->key, b->key, a->klen) == 0 &&
	       memcmp(a->val, b->val, a->vlen) == 0;
}

/* same_sequence - do the text map T and the cdb C (read with lookups)
 * hold the same records in the same order, the cdb nothing else?  1 yes,
 * 0 no, 2 other records or another order, -1 read error */
static int
same_sequence(struct mapread *t, struct mapread *c, struct a2r_err *err)
{
	struct mapread_rec a, b;
	int ta, cb;

	mapread_verify(c);
	for (;;) {
		if ((ta = mapread_next(t, &a, err)) < 0 || (cb = mapread_next(c, &b, err)) < 0)
			return -1;
		if (ta == 0 || cb == 0 || !same_rec(&a, &b))
			return ta == 0 && cb == 0 ? mapread_cdb_sound(c) : 2;
	}
}

/* same_sets - the text map and the cdb as sets: the same records, the cdb
 * sound (mapread_cdb_sound())?  1, 0, -1 */
static int
same_sets(const char *path, const char *cdb_path, const char *defval, struct a2r_err *err)
{
	struct recipset *a = NULL, *b = NULL;
	struct side q = {0};
	int ea, eb, sound = 0, rc = -1;

	if (mapread_load(path, MAPREAD_TEXT, &a, &ea, NULL, err) == 0 &&
	    mapread_load(cdb_path, MAPREAD_CDB, &b, &eb, &sound, err) == 0) {
		diff_sets(a, b, defval, &q, NULL, NULL);
		rc = sound && !differs(&q);
	}
	recipset_free(a);
	recipset_free(b);
	return rc;
}

/* cdb_holds_text - does the cdb hold exactly the text map's records?
 * Streams both when the cdb was written in the text's order (by ad2relay
 * or postmap), else compares them as sets.  1 yes, 0 no (also when only
 * one exists), -1 read error. */
static int
cdb_holds_text(const char *path, const char *cdb_path, const char *defval, struct a2r_err *err)
{
	struct mapread *t = NULL, *c = NULL;
	int rc;

	if (mapread_open(&t, path, MAPREAD_TEXT, err) < 0 ||
	    mapread_open(&c, cdb_path, MAPREAD_CDB, err) < 0)
		rc = -1;
	else if (t == NULL || c == NULL)
		rc = t == NULL && c == NULL; /* agreement: neither exists */
	else
		rc = same_sequence(t, c, err);
	mapread_close(t);
	mapread_close(c);
	/* another order (a hand-made map, say): compare as sets */
	return rc == 2 ? same_sets(path, cdb_path, defval, err) : rc;
}

/* set_counts - the counts of P from the map S */
static void
set_counts(struct plan *p, const struct side *s, int is_cdb)
{
	p->have_old = s->exists;
	p->old_is_cdb = is_cdb;
	p->old_count = s->count;
	p->added = s->added;
	p->removed = s->removed;
	p->changed = s->changed;
}

/* check_cdb - PLAN_CHECK's P->cdb_agrees, the text map T read */
static int
check_cdb(const char *path, const char *cdb_path, const struct recipset *new, const char *defval,
          const struct side *t, struct plan *p, struct a2r_err *err)
{
	struct side c;

	/* The common case, a map we installed from the same data: the text
	 * is what we would write, and so is the cdb beside it. */
	if (t->exact) {
		if (look_at_cdb(cdb_path, new, defval, &c, p, 1, err) < 0)
			return -1;
		if (p->cdb_same == 1)
			return 0;
	}
	return (p->cdb_agrees = cdb_holds_text(path, cdb_path, defval, err)) < 0 ? -1 : 0;
}

/* sync_cdb - PLAN_SYNC: the cdb's records count for the guards when the
 * text map T is missing or holds fewer */
static int
sync_cdb(const char *path, const char *cdb_path, const struct recipset *new, const char *defval,
         const struct side *t, struct plan *p, plan_diff_fn *fn, void *ctx, struct a2r_err *err)
{
	struct a2r_err cerr = {0};
	struct side c;

	if (look_at_cdb(cdb_path, new, defval, &c, p, t->exact, &cerr) < 0) {
		/* no guard could be applied */
		if (!t->exists) {
			*err = cerr;
			return -1;
		}
		/* beside a text map: ignored, the install replaces it */
		p->cdb_same = 0;
		c.exists = 0;
	}
	if (!c.exists || (t->exists && c.count <= t->count)) {
		if (fn != NULL && differs(t))
			return compare_map(path, MAPREAD_TEXT, new, defval, fn, ctx, &c, err);
		return 0;
	}
	set_counts(p, &c, 1);
	if (fn != NULL && differs(&c))
		return compare_map(cdb_path, MAPREAD_CDB, new, defval, fn, ctx, &c, err);
	return 0;
}

int
plan_maps(enum plan_for what, const char *path, const char *cdb_path, const struct recipset *new,
          const char *defval, struct plan *p, plan_diff_fn *fn, void *ctx, struct a2r_err *err)
{
	struct side t;

	memset(p, 0, sizeof(*p));
	p->new_count = recipset_size(new);
	p->cdb_same = -1;
	p->cdb_agrees = 1;
	/* sync lists the differences only from the map it settles on */
	if (compare_map(path, MAPREAD_TEXT, new, defval, what == PLAN_CHECK ? fn : NULL, ctx, &t,
	                err) < 0)
		return -1;
	p->text_same = t.exact;
	set_counts(p, &t, 0);
	if (cdb_path == NULL)
		return what == PLAN_SYNC && fn != NULL && differs(&t)
		           ? compare_map(path, MAPREAD_TEXT, new, defval, fn, ctx, &t, err)
		           : 0;
	if (what == PLAN_CHECK)
		return check_cdb(path, cdb_path, new, defval, &t, p, err);
	return sync_cdb(path, cdb_path, new, defval, &t, p, fn, ctx, err);
}

int
plan_guard(const struct a2r_config *cfg, const struct plan *p, const struct recipset *new,
           int force, struct a2r_err *err)
{
	for (size_t i = 0; i < cfg->require.n; i++)
		if (!recipset_contains(new, cfg->require.v[i], strlen(cfg->require.v[i])))
			return err_set(err, A2R_ERR_GUARD,
			               "refusing to install: required address %s is missing from "
			               "the new map (see require; --force does not override this)",
			               cfg->require.v[i]);
	if (force)
		return 0;
	if (p->new_count == 0)
		return err_set(err, A2R_ERR_GUARD,
		               "refusing to install an empty map: the directory yielded no "
		               "addresses (use --force to install it anyway)");
	/* removed / old > max_shrink / 100, in integers */
	if (p->old_count > 0 && p->removed * 100 > (size_t)cfg->max_shrink * p->old_count)
		return err_set(
		    err, A2R_ERR_GUARD,
		    "refusing to install: the new map lost %zu of %zu entries%s (%.1f%%), "
		    "more than max_shrink = %ld%% (check the directory, or use --force)",
		    p->removed, p->old_count, p->old_is_cdb ? " of the installed cdb" : "",
		    100.0 * (double)p->removed / (double)p->old_count, cfg->max_shrink);
	return 0;
}
