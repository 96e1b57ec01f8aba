/* SPDX-License-Identifier: BSD-2-Clause */
/* mapread.c - installed maps read record by record; the cdb written */
#include "autoconf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "mapread.h"
#include "safefile.h"
#include "util.h"

/* A text map is read in large pieces, far cheaper than stdio's getline()
 * per line on a 300,000-line map; a longer line grows the buffer. */
#define RDBUF (64 * 1024)

/* The pages of a cdb read in sequence go back every DROP bytes: the file
 * stays in the page cache, not in our resident memory. */
#define DROP (1024 * 1024)

struct mapread {
	enum mapread_kind kind;
	const char *path;
	int fd;
	off_t size;
	/* text: unread bytes are buf[head .. tail) */
	char *buf;
	size_t cap, head, tail;
	/* cdb */
	struct cdb cdb;
	unsigned pos;     /* next record */
	unsigned dropped; /* the mapping before this was given back */
	size_t records;   /* records read */
	int verify;       /* look each record up too */
	int unreachable;  /* a record its key's lookup does not find first */
};

/* split_line - the key and value of one text map line (LEN bytes, line
 * end included or not); 0 for a line that holds no record (blank, comment,
 * continuation) */
static int
split_line(const char *p, size_t len, size_t *klen, const char **val, size_t *vlen)
{
	const char *sp, *tab;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' ||
	                   p[len - 1] == '\t'))
		len--;
	if (len == 0 || p[0] == '#' || p[0] == ' ' || p[0] == '\t')
		return 0;
	/* the key ends at the first blank: a space, or a tab before it */
	sp = memchr(p, ' ', len);
	tab = memchr(p, '\t', sp != NULL ? (size_t)(sp - p) : len);
	*klen = tab != NULL ? (size_t)(tab - p) : sp != NULL ? (size_t)(sp - p) : len;
	for (*val = p + *klen; *val < p + len && (**val == ' ' || **val == '\t'); (*val)++)
		;
	*vlen = (size_t)(p + len - *val);
	return 1;
}

int
mapread_open(struct mapread **mr, const char *path, enum mapread_kind kind, struct a2r_err *err)
{
	struct mapread *m;
	struct stat st;
	int fd;

	*mr = NULL;
	/* a regular file, never through a symlink, never waiting on a FIFO */
	if ((fd = safefile_open(path, "read", SAFEFILE_MISSING_OK, A2R_ERR_WRITE, &st, err)) == -2)
		return 0;
	if (fd < 0)
		return -1;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		close(fd);
		return err_nomem(err);
	}
	m->kind = kind;
	m->path = path;
	m->fd = fd;
	m->size = st.st_size;
	m->pos = 2048;
	if (kind == MAPREAD_CDB) {
		/* TinyCDB maps the file and checks it holds a header */
		if (cdb_init(&m->cdb, fd) < 0) {
			close(fd);
			free(m);
			return err_set(err, A2R_ERR_WRITE, "read %s: not a cdb file", path);
		}
		cdb_seqinit(&m->pos, &m->cdb);
	} else if ((m->buf = malloc(m->cap = RDBUF)) == NULL) {
		close(fd);
		free(m);
		return err_nomem(err);
	}
	*mr = m;
	return 1;
}

/* fill - move the unread bytes to the front (growing the buffer if they
 * fill it) and read more; the bytes added, 0 at the end of the file, -1 */
static ssize_t
fill(struct mapread *m)
{
	ssize_t n;

	if (m->head > 0) {
		memmove(m->buf, m->buf + m->head, m->tail - m->head);
		m->tail -= m->head;
		m->head = 0;
	}
	if (m->tail == m->cap) {
		char *nb = realloc(m->buf, 2 * m->cap);

		if (nb == NULL)
			return -1;
		m->buf = nb;
		m->cap *= 2;
	}
	while ((n = read(m->fd, m->buf + m->tail, m->cap - m->tail)) < 0 && errno == EINTR)
		;
	if (n > 0)
		m->tail += (size_t)n;
	return n;
}

/* next_line - the next line, its newline included if it has one; 1, 0 at
 * the end, -1 on a read error */
static int
next_line(struct mapread *m, const char **line, size_t *len)
{
	size_t scanned = 0;

	for (;;) {
		const char *nl =
		    memchr(m->buf + m->head + scanned, '\n', m->tail - m->head - scanned);
		ssize_t n;

		if (nl != NULL) {
			*line = m->buf + m->head;
			*len = (size_t)(nl - *line) + 1;
			m->head += *len;
			return 1;
		}
		scanned = m->tail - m->head;
		if ((n = fill(m)) < 0)
			return -1;
		if (n == 0) {
			if (m->head == m->tail)
				return 0;
			*line = m->buf + m->head;
			*len = m->tail - m->head;
			m->head = m->tail;
			return 1;
		}
	}
}

static int
next_text(struct mapread *m, struct mapread_rec *rec, struct a2r_err *err)
{
	const char *line;
	size_t len;
	int got;

	rec->gap = 0;
	while ((got = next_line(m, &line, &len)) > 0) {
		if (split_line(line, len, &rec->klen, &rec->val, &rec->vlen)) {
			rec->key = line;
			rec->line = line;
			rec->linelen = len;
			return 1;
		}
		rec->gap += len;
	}
	if (got < 0)
		return err_set(err, A2R_ERR_WRITE, "read %s: %s", m->path, strerror(errno));
	return 0;
}

/* drop - give back the pages of the cdb's mapping before UPTO (rounded
 * down to DROP; never past the file, so never another mapping's pages):
 * read again, they come back from the page cache */
static void
drop(struct mapread *m, uint64_t upto)
{
	const char *mem = cdb_get(&m->cdb, 0, 0);
	uint64_t to = (upto < (uint64_t)m->size ? upto : (uint64_t)m->size) / DROP * DROP;

	if (mem == NULL || to <= m->dropped)
		return;
	(void)madvise((void *)(uintptr_t)(mem + m->dropped), (size_t)(to - m->dropped),
	              MADV_DONTNEED);
	m->dropped = (unsigned)to;
}

static int
next_cdb(struct mapread *m, struct mapread_rec *rec, struct a2r_err *err)
{
	unsigned dpos;
	int got = cdb_seqnext(&m->pos, &m->cdb);

	if (got == 0)
		return 0;
	/* TinyCDB's own check misses a length that wraps around: the record
	 * must lie inside the file (cdb_get() checks) */
	if (got < 0 || (rec->key = cdb_getkey(&m->cdb)) == NULL ||
	    (rec->val = cdb_getdata(&m->cdb)) == NULL)
		return err_set(err, A2R_ERR_WRITE, "read %s: damaged cdb record", m->path);
	/* lookups jump about the file: keep its pages then */
	if (!m->verify && m->pos - m->dropped >= 2 * DROP)
		drop(m, (uint64_t)m->pos - DROP);
	rec->klen = cdb_keylen(&m->cdb);
	rec->vlen = cdb_datalen(&m->cdb);
	rec->line = NULL;
	rec->linelen = rec->gap = 0;
	m->records++;
	/* what a lookup of this key finds first must be this record */
	dpos = cdb_datapos(&m->cdb);
	if (m->verify &&
	    (cdb_find(&m->cdb, rec->key, (unsigned)rec->klen) <= 0 || cdb_datapos(&m->cdb) != dpos))
		m->unreachable = 1;
	return 1;
}

int
mapread_next(struct mapread *mr, struct mapread_rec *rec, struct a2r_err *err)
{
	return mr->kind == MAPREAD_CDB ? next_cdb(mr, rec, err) : next_text(mr, rec, err);
}

void
mapread_close(struct mapread *mr)
{
	int e = errno;

	if (mr == NULL)
		return;
	if (mr->kind == MAPREAD_CDB)
		cdb_free(&mr->cdb);
	close(mr->fd);
	free(mr->buf);
	free(mr);
	errno = e;
}

off_t
mapread_size(const struct mapread *mr)
{
	return mr->size;
}

void
mapread_verify(struct mapread *mr)
{
	mr->verify = 1;
}

int
mapread_cdb_sound(const struct mapread *mr)
{
	const unsigned char *head;

	if (mr->kind != MAPREAD_CDB || !mr->verify || mr->unreachable ||
	    (head = cdb_get(&mr->cdb, 4, 0)) == NULL)
		return 0;
	/* the records end where the first hash table begins, and the tables
	 * fill the rest: two slots of 8 bytes per record */
	return mr->pos == cdb_unpack(head) &&
	       (uint64_t)mr->size == mr->pos + 16 * (uint64_t)mr->records;
}

int
mapread_lookup(struct mapread *mr, const char *key, size_t klen, const char **val, size_t *vlen)
{
	int got;

	if (mr->kind != MAPREAD_CDB || klen > 0xffffffffu)
		return -1;
	if ((got = cdb_find(&mr->cdb, key, (unsigned)klen)) <= 0)
		return got;
	*vlen = cdb_datalen(&mr->cdb);
	return (*val = cdb_getdata(&mr->cdb)) == NULL ? -1 : 1;
}

/* read_at - LEN bytes of FD at OFF (fewer only at its end), or -1 */
static ssize_t
read_at(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
mapread_same_file(struct mapread *mr, int fd, off_t size, struct a2r_err *err)
{
	char *a = malloc(RDBUF), *b = NULL;
	int same = mr->size == size;

	if (a == NULL || (b = malloc(RDBUF)) == NULL) {
		free(a);
		return err_nomem(err);
	}
	for (off_t off = 0; same && off < size; off += RDBUF) {
		size_t want = size - off < RDBUF ? (size_t)(size - off) : RDBUF;
		ssize_t x = read_at(fd, a, want, off), y = read_at(mr->fd, b, want, off);

		if (x < 0 || y < 0) {
			same =
			    err_set(err, A2R_ERR_WRITE, "read %s: %s", mr->path, strerror(errno));
			break;
		}
		same = x == y && (size_t)x == want && memcmp(a, b, want) == 0;
	}
	free(a);
	free(b);
	return same;
}

int
mapread_load(const char *path, enum mapread_kind kind, struct recipset **out, int *exists,
             int *sound, struct a2r_err *err)
{
	struct strbuf value = {0};
	struct mapread *mr;
	struct mapread_rec rec;
	int rc, got;

	*exists = 0;
	if ((*out = recipset_new()) == NULL)
		return err_nomem(err);
	if ((rc = mapread_open(&mr, path, kind, err)) <= 0)
		return rc;
	*exists = 1;
	if (sound != NULL)
		mapread_verify(mr);
	while ((got = mapread_next(mr, &rec, err)) > 0) {
		value.len = 0;
		if (strbuf_add(&value, rec.val, rec.vlen) < 0 ||
		    recipset_add(*out, rec.key, rec.klen, value.p) < 0) {
			got = err_nomem(err);
			break;
		}
	}
	if (sound != NULL)
		*sound = got == 0 && mapread_cdb_sound(mr);
	mapread_close(mr);
	strbuf_free(&value);
	if (got == 0 && recipset_sort(*out) < 0)
		got = err_nomem(err);
	return got;
}

int
mapread_write_cdb(int fd, const struct recipset *set, const char *defval)
{
	struct cdb_make cm;
	size_t dlen = strlen(defval);

	if (cdb_make_start(&cm, fd) < 0)
		return -1;
	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *key = recipset_key(set, i, &klen);
		const char *val = recipset_value(set, i);

		if (cdb_make_add(&cm, key, (unsigned)klen, val ? val : defval,
		                 (unsigned)(val ? strlen(val) : dlen)) < 0) {
			int e = errno;

			/* frees what cdb_make holds; its own failure does not matter */
			(void)cdb_make_finish(&cm);
			errno = e;
			return -1;
		}
	}
	return cdb_make_finish(&cm);
}

int
mapread_cdb_of(const struct recipset *set, const char *defval, off_t *size, struct a2r_err *err)
{
	int fd;

	if ((fd = memfd_create("ad2relay-cdb", MFD_CLOEXEC)) < 0)
		return err_set(err, A2R_ERR_WRITE, "memfd_create: %s", strerror(errno));
	if (mapread_write_cdb(fd, set, defval) < 0 || (*size = lseek(fd, 0, SEEK_END)) < 0) {
		err_set(err, A2R_ERR_WRITE, "build cdb: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
