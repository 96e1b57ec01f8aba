/* SPDX-License-Identifier: BSD-2-Clause */
/* plan.c - installed map versus new set, and the safety guards */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "mapfile.h"
#include "plan.h"
#include "safefile.h"
#include "util.h"

/* map_file - map PATH read-only; *EXISTS = 0 and *LEN = 0 if missing */
static int
map_file(const char *path, void **data, size_t *len, int *exists, struct a2r_err *err)
{
	struct stat st;
	int fd;

	*data = NULL;
	*len = 0;
	*exists = 0;
	/* a regular file, never through a symlink, never waiting on a FIFO */
	if ((fd = safefile_open(path, "read", SAFEFILE_MISSING_OK, A2R_ERR_WRITE, &st, err)) == -2)
		return 0;
	if (fd < 0)
		return -1;
	*exists = 1;
	*len = (size_t)st.st_size;
	if (*len > 0 && (*data = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		*data = NULL;
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

/* split_line - the key and value of one text map line (LEN bytes, line
 * end included or not); 0 for a line that holds no record (blank, comment,
 * continuation) */
static int
split_line(const char *p, size_t len, size_t *klen, const char **val, size_t *vlen)
{
	size_t k = 0;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' ||
	                   p[len - 1] == '\t'))
		len--;
	if (len == 0 || p[0] == '#' || p[0] == ' ' || p[0] == '\t')
		return 0;
	{
		/* the key ends at the first blank: a space, or a tab before it */
		const char *sp = memchr(p, ' ', len);
		const char *tab = memchr(p, '\t', sp != NULL ? (size_t)(sp - p) : len);

		k = tab != NULL ? (size_t)(tab - p) : sp != NULL ? (size_t)(sp - p) : len;
	}
	*klen = k;
	for (*val = p + k; *val < p + len && (**val == ' ' || **val == '\t'); (*val)++)
		;
	*vlen = (size_t)(p + len - *val);
	return 1;
}

/* add_line - one line of a text map into S; VALUE is scratch space for
 * the value's NUL-terminated copy, as long as the longest value */
static int
add_line(struct recipset *s, const char *p, size_t len, struct strbuf *value)
{
	size_t klen, vlen;
	const char *val;

	if (!split_line(p, len, &klen, &val, &vlen))
		return 0;
	value->len = 0;
	if (strbuf_add(value, val, vlen) < 0)
		return -1;
	return recipset_add(s, p, klen, value->p) < 0 ? -1 : 0;
}

int
plan_read_text(const char *path, struct recipset **out, int *exists, struct a2r_err *err)
{
	struct strbuf value = {0};
	void *data;
	size_t len;
	int rc = 0;

	if ((*out = recipset_new()) == NULL)
		return err_nomem(err);
	if (map_file(path, &data, &len, exists, err) < 0)
		return -1;
	/* an empty file is not mapped: DATA is NULL, and so no pointer */
	for (size_t off = 0; off < len && rc == 0;) {
		const char *p = (const char *)data + off;
		const char *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;

		if (add_line(*out, p, n, &value) < 0)
			rc = err_nomem(err);
		off += n + 1;
	}
	if (data != NULL)
		munmap(data, len);
	strbuf_free(&value);
	if (rc == 0 && recipset_sort(*out) < 0)
		rc = err_nomem(err);
	return rc;
}

int
plan_read_cdb(const char *path, struct recipset **out, int *exists, struct a2r_err *err)
{
	struct strbuf value = {0};
	struct cdb cdb;
	struct stat st;
	unsigned pos;
	int fd, rc = 0;

	if ((*out = recipset_new()) == NULL)
		return err_nomem(err);
	*exists = 0;
	if ((fd = safefile_open(path, "read", SAFEFILE_MISSING_OK, A2R_ERR_WRITE, &st, err)) == -2)
		return 0;
	if (fd < 0)
		return -1;
	*exists = 1;
	if (cdb_init(&cdb, fd) < 0) {
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "read %s: not a cdb file", path);
	}
	cdb_seqinit(&pos, &cdb);
	while (rc == 0 && cdb_seqnext(&pos, &cdb) > 0) {
		unsigned vlen = cdb_datalen(&cdb);
		const char *key = cdb_get(&cdb, cdb_keylen(&cdb), cdb_keypos(&cdb));
		const char *val = cdb_get(&cdb, vlen, cdb_datapos(&cdb));

		if (key == NULL || val == NULL) {
			rc = err_set(err, A2R_ERR_WRITE, "read %s: damaged cdb record", path);
			break;
		}
		value.len = 0;
		if (strbuf_add(&value, val, vlen) < 0 ||
		    recipset_add(*out, key, cdb_keylen(&cdb), value.p) < 0)
			rc = err_nomem(err);
	}
	strbuf_free(&value);
	cdb_free(&cdb);
	close(fd);
	if (rc == 0 && recipset_sort(*out) < 0)
		rc = err_nomem(err);
	return rc;
}

/* value_of - a key's value, the default when it has none of its own */
static const char *
value_of(const struct recipset *s, size_t i, const char *defval)
{
	const char *v = recipset_value(s, i);

	return v ? v : defval;
}

void
plan_diff(const struct recipset *old, const struct recipset *new, const char *defval,
          struct plan *p, plan_diff_fn *fn, void *ctx)
{
	size_t i = 0, j = 0, no = recipset_size(old), nn = recipset_size(new);

	p->old_count = no;
	p->new_count = nn;
	p->added = p->removed = p->changed = 0;
	while (i < no || j < nn) {
		int c;

		if (i == no)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = strcmp(recipset_key(old, i, NULL), recipset_key(new, j, NULL));
		if (c < 0) {
			p->removed++;
			if (fn)
				fn(ctx, '-', recipset_key(old, i, NULL));
			i++;
		} else if (c > 0) {
			p->added++;
			if (fn)
				fn(ctx, '+', recipset_key(new, j, NULL));
			j++;
		} else {
			if (strcmp(value_of(old, i, defval), value_of(new, j, defval)) != 0) {
				p->changed++;
				if (fn)
					fn(ctx, '~', recipset_key(new, j, NULL));
			}
			i++, j++;
		}
	}
}

/* A file read in large pieces, by lines or by byte counts: far cheaper
 * than stdio's getline() and fread() per record on a 300,000-line map. */
#define RDBUF (64 * 1024)

struct reader {
	int fd;
	char *buf;
	size_t head, tail; /* unread bytes are buf[head .. tail) */
};

/* reader_open - open the map PATH for reading (see safefile_open()): 0,
 * -2 if it is missing, -1 with ERR set */
static int
reader_open(struct reader *r, const char *path, struct a2r_err *err)
{
	struct stat st;

	r->head = r->tail = 0;
	r->buf = NULL;
	if ((r->fd = safefile_open(path, "read", SAFEFILE_MISSING_OK, A2R_ERR_WRITE, &st, err)) <
	    0) {
		int rc = r->fd;

		r->fd = -1;
		return rc;
	}
	if ((r->buf = malloc(RDBUF)) == NULL) {
		close(r->fd);
		r->fd = -1;
		return err_nomem(err);
	}
	return 0;
}

static void
reader_close(struct reader *r)
{
	int e = errno;

	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	r->fd = -1;
	r->buf = NULL;
	errno = e;
}

/* reader_fill - move the unread bytes to the front and read more; the
 * bytes added, 0 at the end of the file or with a full buffer, -1 */
static ssize_t
reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->head > 0) {
		memmove(r->buf, r->buf + r->head, r->tail - r->head);
		r->tail -= r->head;
		r->head = 0;
	}
	if (r->tail == RDBUF)
		return 0;
	while ((n = read(r->fd, r->buf + r->tail, RDBUF - r->tail)) < 0 && errno == EINTR)
		;
	if (n > 0)
		r->tail += (size_t)n;
	return n;
}

/* reader_line - the next line, without its newline (a line longer than
 * the buffer comes in pieces); 1, 0 at the end, -1 on a read error */
static int
reader_line(struct reader *r, const char **line, size_t *len)
{
	for (;;) {
		const char *nl = memchr(r->buf + r->head, '\n', r->tail - r->head);
		ssize_t n;

		if (nl != NULL) {
			*line = r->buf + r->head;
			*len = (size_t)(nl - *line);
			r->head += *len + 1;
			return 1;
		}
		if ((n = reader_fill(r)) < 0)
			return -1;
		if (n == 0) {
			if (r->head == r->tail)
				return 0;
			*line = r->buf + r->head;
			*len = r->tail - r->head;
			r->head = r->tail;
			return 1;
		}
	}
}

/* reader_bytes - the next N bytes (N <= RDBUF); NULL when the file ends
 * first or a read fails */
static const char *
reader_bytes(struct reader *r, size_t n)
{
	const char *p;

	while (r->tail - r->head < n)
		if (reader_fill(r) <= 0)
			return NULL;
	p = r->buf + r->head;
	r->head += n;
	return p;
}

/* le32 - a cdb length field */
static unsigned long
le32(const unsigned char *b)
{
	return b[0] | (unsigned long)b[1] << 8 | (unsigned long)b[2] << 16 |
	       (unsigned long)b[3] << 24;
}

/* A cdb read record by record beside the text map's lines: do its
 * records, in file order, equal them?  (True of a cdb written by ad2relay
 * or postmap from that text.) */
struct follow {
	struct reader r;
	unsigned long pos, end; /* next record; where the hash tables begin */
	int same;
};

/* follow_open - open the cdb PATH and read its header; -1 (errno) if it
 * cannot be opened */
static int
follow_open(struct follow *f, const char *path)
{
	const unsigned char *head;
	struct a2r_err ignored;

	f->pos = 2048;
	f->end = 0xffffffffUL;
	f->same = 0;
	if (reader_open(&f->r, path, &ignored) < 0)
		return -1;
	if ((head = (const unsigned char *)reader_bytes(&f->r, 2048)) == NULL)
		return 0;
	/* the records end where the first hash table begins */
	for (int i = 0; i < 256; i++)
		if (le32(head + 8 * i + 4) > 0 && le32(head + 8 * i) < f->end)
			f->end = le32(head + 8 * i);
	f->same = 1;
	return 0;
}

/* follow_line - the next record must be KEY and VAL */
static void
follow_line(struct follow *f, const char *key, size_t klen, const char *val, size_t vlen)
{
	const unsigned char *rec;
	unsigned long k, v;

	if (!f->same)
		return;
	/* REC points into the reader's buffer only until its next read */
	f->same = f->pos < f->end &&
	          (rec = (const unsigned char *)reader_bytes(&f->r, 8)) != NULL &&
	          (k = le32(rec)) == klen && (v = le32(rec + 4)) == vlen && k + v <= RDBUF &&
	          (rec = (const unsigned char *)reader_bytes(&f->r, k + v)) != NULL &&
	          memcmp(rec, key, k) == 0 && memcmp(rec + k, val, v) == 0;
	f->pos += 8 + klen + vlen;
}

/* follow_close - 1 if every record matched a line and none is left */
static int
follow_close(struct follow *f)
{
	int same = f->same && f->pos == (f->end == 0xffffffffUL ? 2048 : f->end);

	reader_close(&f->r);
	return same;
}

/* Walking the installed map line by line against the new set. */
struct walk {
	const struct recipset *new;
	const char *defval;
	struct plan *p;
	plan_diff_fn *fn;
	void *ctx;
	size_t j;        /* next key of the new set */
	char prev[1024]; /* last key read from the file (a longer one, or a
	                  * line longer than the reader's buffer, makes the file
	                  * "unsorted": it is then loaded whole) */
	size_t prevlen;
	int have_prev;
};

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
	size_t *count = sign == '+' ? &w->p->added : sign == '-' ? &w->p->removed : &w->p->changed;

	++*count;
	if (w->fn != NULL)
		w->fn(w->ctx, sign, key);
}

/* same_value - is VAL (LEN bytes) the value of new key J? */
static int
same_value(const struct walk *w, size_t j, const char *val, size_t len)
{
	const char *nv = recipset_value(w->new, j);

	if (nv == NULL)
		nv = w->defval;
	return strlen(nv) == len && memcmp(nv, val, len) == 0;
}

/* walk_line - one "key value" line; 1 if the file turns out unsorted */
static int
walk_line(struct walk *w, const char *line, size_t len)
{
	size_t klen, vlen, nn = recipset_size(w->new);
	const char *val;

	if (!split_line(line, len, &klen, &val, &vlen))
		return 0;
	if (klen >= sizeof(w->prev) ||
	    (w->have_prev && cmp_keys(line, klen, w->prev, w->prevlen) <= 0))
		return 1;
	memcpy(w->prev, line, klen);
	w->prev[klen] = '\0';
	w->prevlen = klen;
	w->have_prev = 1;
	w->p->old_count++;
	/* new keys before this one were added */
	for (; w->j < nn; w->j++) {
		size_t nlen;
		const char *nk = recipset_key(w->new, w->j, &nlen);
		int c = cmp_keys(nk, nlen, w->prev, klen);

		if (c > 0)
			break;
		if (c == 0) {
			if (!same_value(w, w->j, val, vlen))
				note(w, '~', nk);
			w->j++;
			return 0;
		}
		note(w, '+', nk);
	}
	note(w, '-', w->prev);
	return 0;
}

/* walk_file - compare the map R reads with the new set in one pass; 0
 * done, 1 the file is not sorted (nothing reliable was reported), -1 read
 * error */
static int
walk_file(struct reader *r, struct walk *w)
{
	const char *line;
	size_t len;
	int rc = 0, got;

	while (rc == 0 && (got = reader_line(r, &line, &len)) > 0)
		rc = walk_line(w, line, len);
	if (rc == 0 && got < 0)
		rc = -1;
	for (; rc == 0 && w->j < recipset_size(w->new); w->j++)
		note(w, '+', recipset_key(w->new, w->j, NULL));
	return rc;
}

/* slow_compare - an installed map not in our order: load it and sort it */
static int
slow_compare(const char *path, const struct recipset *new, const char *defval, struct plan *p,
             plan_diff_fn *fn, void *ctx, struct a2r_err *err)
{
	struct recipset *old = NULL;
	int exists;

	if (plan_read_text(path, &old, &exists, err) < 0) {
		recipset_free(old);
		return -1;
	}
	plan_diff(old, new, defval, p, fn, ctx);
	p->have_old = exists;
	recipset_free(old);
	return 0;
}

int
plan_compare_text(const char *path, const struct recipset *new, const char *defval, struct plan *p,
                  plan_diff_fn *fn, void *ctx, struct a2r_err *err)
{
	struct walk w;
	struct reader r;
	int rc;

	for (int pass = 0; pass < 2; pass++) {
		memset(&w, 0, sizeof(w));
		memset(p, 0, sizeof(*p));
		w.new = new;
		w.defval = defval;
		w.p = p;
		/* Listing starts only once the file is known to be sorted. */
		w.fn = pass ? fn : NULL;
		w.ctx = ctx;
		p->new_count = recipset_size(new);
		if ((rc = reader_open(&r, path, err)) == -1)
			return -1;
		if (rc == -2) {
			/* no installed map: every key is new */
			w.fn = fn;
			for (; w.j < recipset_size(new); w.j++)
				note(&w, '+', recipset_key(new, w.j, NULL));
			return 0;
		}
		p->have_old = 1;
		rc = walk_file(&r, &w);
		reader_close(&r);
		if (rc < 0)
			return err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
		if (rc > 0)
			return slow_compare(path, new, defval, p, fn, ctx, err);
		/* nothing to list, or nothing different to list */
		if (fn == NULL || (p->added == 0 && p->removed == 0 && p->changed == 0))
			return 0;
	}
	return 0;
}

int
plan_check_maps(const char *path, const char *cdb_path, const struct recipset *new,
                const char *defval, struct plan *p, plan_diff_fn *fn, void *ctx, int *agree,
                struct a2r_err *err)
{
	struct follow f;
	int same;

	*agree = 1;
	/* The common case, a map we installed from the same data: rendering
	 * the set and comparing bytes needs no parsing of lines, and the cdb
	 * is then read beside the set instead of beside the text. */
	if ((same = mapfile_same_text(path, new, defval, err)) < 0)
		return -1;
	if (same) {
		memset(p, 0, sizeof(*p));
		p->have_old = 1;
		p->old_count = p->new_count = recipset_size(new);
		if (cdb_path == NULL)
			return 0;
		if (follow_open(&f, cdb_path) == 0) {
			for (size_t i = 0; i < recipset_size(new) && f.same; i++) {
				size_t klen;
				const char *key = recipset_key(new, i, &klen);
				const char *val = recipset_value(new, i);

				if (val == NULL)
					val = defval;
				follow_line(&f, key, klen, val, strlen(val));
			}
			if (follow_close(&f))
				return 0;
		}
	} else if (plan_compare_text(path, new, defval, p, fn, ctx, err) < 0) {
		return -1;
	}
	if (cdb_path == NULL)
		return 0;
	return (*agree = plan_cdb_agrees(path, cdb_path, defval, err)) < 0 ? -1 : 0;
}

/* next_line - the next "key value" line of a text map: key and value
 * bounds inside *LINE; 0 at the end (or on a read error) */
static int
next_line(struct reader *r, const char **line, size_t *klen, const char **val, size_t *vlen)
{
	size_t n;

	while (reader_line(r, line, &n) > 0)
		if (split_line(*line, n, klen, val, vlen))
			return 1;
	return 0;
}

/* same_sequence - do the cdb's records, in file order, equal the text
 * map's lines?  1 yes, 0 no (see struct follow). */
static int
same_sequence(struct reader *text, const char *cdb_path)
{
	struct follow f;
	size_t klen, vlen;
	const char *line, *val;

	if (follow_open(&f, cdb_path) < 0)
		return 0;
	while (f.same && next_line(text, &line, &klen, &val, &vlen))
		follow_line(&f, line, klen, val, vlen);
	return follow_close(&f);
}

int
plan_cdb_agrees(const char *text_path, const char *cdb_path, const char *defval,
                struct a2r_err *err)
{
	struct reader text, cdb;
	struct recipset *a = NULL, *b = NULL;
	struct plan q;
	int ea, eb, rc, topen = 0, copen = 0;

	cdb.fd = -1;
	cdb.buf = NULL;
	if ((topen = reader_open(&text, text_path, err)) == -1 ||
	    (copen = reader_open(&cdb, cdb_path, err)) == -1) {
		rc = -1;
		goto out;
	}
	if (topen == -2 || copen == -2) {
		/* agreement: neither exists */
		rc = topen == -2 && copen == -2;
		goto out;
	}
	if ((rc = same_sequence(&text, cdb_path)) == 1)
		goto out;
	/* another order (a hand-made map, say): compare as sets */
	if (plan_read_text(text_path, &a, &ea, err) < 0 ||
	    plan_read_cdb(cdb_path, &b, &eb, err) < 0) {
		rc = -1;
		goto out;
	}
	plan_diff(a, b, defval, &q, NULL, NULL);
	rc = q.added == 0 && q.removed == 0 && q.changed == 0;
out:
	reader_close(&text);
	reader_close(&cdb);
	recipset_free(a);
	recipset_free(b);
	return rc;
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

/* count_cdb - the records of the cdb PATH; *COUNT = -1 if there is no
 * such file; -1 if it cannot be read (ERR) */
static int
count_cdb(const char *path, long *count, struct a2r_err *err)
{
	struct cdb cdb;
	struct stat st;
	unsigned pos;
	int fd;

	*count = -1;
	/* never blocks on a FIFO, never follows a symlink planted there */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || cdb_init(&cdb, fd) < 0) {
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "read %s: not a cdb file", path);
	}
	*count = 0;
	cdb_seqinit(&pos, &cdb);
	while (cdb_seqnext(&pos, &cdb) > 0)
		++*count;
	cdb_free(&cdb);
	close(fd);
	return 0;
}

/* compare_cdb - plan_diff() of the cdb's records with NEW */
static int
compare_cdb(const char *cdb_path, const struct recipset *new, const char *defval, struct plan *p,
            plan_diff_fn *fn, void *ctx, struct a2r_err *err)
{
	struct recipset *old = NULL;
	int exists, rc = -1;

	if (plan_read_cdb(cdb_path, &old, &exists, err) == 0) {
		plan_diff(old, new, defval, p, fn, ctx);
		p->have_old = exists;
		p->old_is_cdb = 1;
		rc = 0;
	}
	recipset_free(old);
	return rc;
}

int
plan_compare_installed(const char *path, const char *cdb_path, const struct recipset *new,
                       const char *defval, struct plan *p, plan_diff_fn *fn, void *ctx,
                       struct a2r_err *err)
{
	struct a2r_err cerr = {0};
	long records = -1;

	if (cdb_path == NULL)
		return plan_compare_text(path, new, defval, p, fn, ctx, err);
	/* The counts decide which map is compared; only then is it listed. */
	if (count_cdb(cdb_path, &records, &cerr) < 0)
		records = -2;
	if (plan_compare_text(path, new, defval, p, NULL, NULL, err) < 0)
		return -1;
	if (!p->have_old && records == -2) {
		*err = cerr;
		return -1;
	}
	if (records >= 0 && (!p->have_old || (size_t)records > p->old_count))
		return compare_cdb(cdb_path, new, defval, p, fn, ctx, err);
	if (fn == NULL || (p->added == 0 && p->removed == 0 && p->changed == 0))
		return 0;
	return plan_compare_text(path, new, defval, p, fn, ctx, err);
}
