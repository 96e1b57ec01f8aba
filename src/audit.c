/* SPDX-License-Identifier: BSD-2-Clause */
/* audit.c - the added and removed addresses of a change, with their DNs */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "report.h"
#include "safefile.h"

#define BIT_ADDED   1
#define BIT_CHANGED 2
#define IOBUF       (64 * 1024)

/* The origins file of the installed map, read in step with the removed
 * keys (both in byte order). */
struct origins_reader {
	FILE *fp;
	char *line;
	size_t cap;
	ssize_t len; /* of LINE; -1 at the end */
	size_t klen; /* of its key (up to the tab) */
};

int
audit_init(struct audit *a, const struct a2r_config *cfg, const struct recipset *set,
           struct a2r_err *err)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->set = set;
	a->keep = cfg->log_changes > 0 || cfg->changes_file != NULL;
	a->bits = calloc(recipset_size(set) + 1, 1);
	a->origins_path = mapfile_origins_path(cfg->output);
	if (a->bits == NULL || a->origins_path == NULL)
		return err_nomem(err);
	return 0;
}

void
audit_note(void *ctx, char sign, const char *key)
{
	struct audit *a = ctx;
	size_t i;

	if (sign == '-') {
		a->removed++;
		/* a strlist: a set's arena would take 2 MiB for one key */
		if (strlist_add(&a->gone, key, strlen(key)) < 0)
			a->failed = 1;
		return;
	}
	/* '+' and '~' keys are the new set's */
	if (!recipset_find(a->set, key, strlen(key), &i)) {
		a->failed = 1;
		return;
	}
	a->bits[i] |= sign == '+' ? BIT_ADDED : BIT_CHANGED;
	if (sign == '+')
		a->added++;
	else
		a->changed++;
}

/* reader_open - the origins file at PATH; a missing one reads as empty.
 * A symlink, FIFO or other non-regular file there is an error. */
static int
reader_open(struct origins_reader *r, const char *path, struct a2r_err *err)
{
	struct stat st;
	int fd;

	memset(r, 0, sizeof(*r));
	r->len = -1;
	fd = safefile_open(path, "origins file", SAFEFILE_MISSING_OK, A2R_ERR_WRITE, &st, err);
	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	if ((r->fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return err_nomem(err);
	}
	return 0;
}

/* reader_next - the next line; 0, or -1 at the end */
static int
reader_next(struct origins_reader *r)
{
	if (r->fp == NULL || (r->len = getline(&r->line, &r->cap, r->fp)) < 0) {
		r->len = -1;
		return -1;
	}
	if (r->len > 0 && r->line[r->len - 1] == '\n')
		r->line[--r->len] = '\0';
	r->klen = strcspn(r->line, "\t");
	return 0;
}

/* reader_find - the origin the file names for KEY (keys asked in byte
 * order), or NULL */
static const char *
reader_find(struct origins_reader *r, const char *key, size_t klen)
{
	for (;;) {
		int c;

		if (r->len < 0 && reader_next(r) < 0)
			return NULL;
		c = memcmp(r->line, key, r->klen < klen ? r->klen : klen);
		if (c == 0)
			c = (r->klen > klen) - (r->klen < klen);
		if (c > 0)
			return NULL;
		if (c == 0 && r->line[r->klen] == '\t')
			return r->line + r->klen + 1;
		r->len = -1; /* before KEY: read on */
	}
}

static void
reader_close(struct origins_reader *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->line);
}

/* add_escaped - S escaped as report_escape() does, appended to B (plain
 * printable ASCII, nearly every DN, needs no look at each character) */
static int
add_escaped(struct strbuf *b, const char *s)
{
	size_t len = strlen(s), need = 4 * len + 1;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) {
			if (strbuf_reserve(b, need) < 0)
				return -1;
			report_escape(s, b->p + b->len, need);
			b->len += strlen(b->p + b->len);
			return 0;
		}
	return strbuf_add(b, s, len);
}

/* make_line - CH's line into B */
static int
make_line(struct strbuf *b, struct audit_change *ch)
{
	static const char *const how[] = {"from", "went with", "from"};
	int k = ch->sign == '+' ? 0 : ch->sign == '-' ? 1 : 2;

	b->len = 0;
	if (strbuf_addc(b, ch->sign) < 0 || strbuf_addc(b, ' ') < 0 ||
	    strbuf_addstr(b, ch->key) < 0 || strbuf_addc(b, ' ') < 0 ||
	    strbuf_addstr(b, how[k]) < 0 || strbuf_addc(b, ' ') < 0 ||
	    strbuf_addstr(b, ch->origin != NULL ? ch->origin : "an unknown entry") < 0 ||
	    (k == 2 && strbuf_addstr(b, " (another value)") < 0))
		return -1;
	ch->line = b->p;
	return 0;
}

/* each_new - the keys of the new set marked with BIT, to FN; 1 stopped */
static int
each_new(struct audit *a, unsigned char bit, char sign, audit_fn *fn, void *ctx,
         struct strbuf *line, struct strbuf *origin)
{
	for (size_t i = 0; i < recipset_size(a->set); i++) {
		struct audit_change ch = {sign, NULL, NULL, NULL};
		int known;

		if (!(a->bits[i] & bit))
			continue;
		ch.key = recipset_key(a->set, i, NULL);
		if ((known = recipset_origin(a->set, i, origin)) < 0)
			return -1;
		if (known)
			ch.origin = origin->p;
		if (make_line(line, &ch) < 0)
			return -1;
		if (fn(ctx, &ch))
			return 1;
	}
	return 0;
}

/* each_gone - the removed keys, with the origins file's entry, to FN */
static int
each_gone(struct audit *a, audit_fn *fn, void *ctx, struct strbuf *line, struct a2r_err *err)
{
	struct origins_reader r;
	int rc = 0;

	if (reader_open(&r, a->origins_path, err) < 0)
		return -2;
	for (size_t i = 0; i < a->gone.n && rc == 0; i++) {
		struct audit_change ch = {'-', a->gone.v[i], NULL, NULL};

		ch.origin = reader_find(&r, ch.key, a->gone.len[i]);
		if (make_line(line, &ch) < 0)
			rc = -1;
		else if (fn(ctx, &ch))
			rc = 1;
	}
	reader_close(&r);
	return rc;
}

int
audit_each(struct audit *a, audit_fn *fn, void *ctx, struct a2r_err *err)
{
	struct strbuf line = {0}, origin = {0};
	int rc;

	if (a->failed)
		return err_nomem(err);
	rc = each_new(a, BIT_ADDED, '+', fn, ctx, &line, &origin);
	if (rc == 0)
		rc = each_gone(a, fn, ctx, &line, err);
	if (rc == 0)
		rc = each_new(a, BIT_CHANGED, '~', fn, ctx, &line, &origin);
	strbuf_free(&line);
	strbuf_free(&origin);
	if (rc == -1)
		return err_nomem(err);
	return rc < 0 ? -1 : 0;
}

/* The changes file being appended, and the lines kept for syslog. */
struct appender {
	struct audit *a;
	int fd;
	const char *path;
	char stamp[32];
	struct strbuf buf;
	int werr; /* errno of a failed write */
};

/* flush_buf - write out what the buffer holds */
static int
flush_buf(struct appender *w)
{
	if (w->buf.len > 0 && write_all(w->fd, w->buf.p, w->buf.len) < 0) {
		w->werr = errno;
		return -1;
	}
	w->buf.len = 0;
	return 0;
}

/* append_line - one change: to the changes file, and kept for syslog */
static int
append_line(void *ctx, const struct audit_change *ch)
{
	struct appender *w = ctx;

	if ((size_t)w->a->logged.n < (size_t)w->a->cfg->log_changes &&
	    strlist_add(&w->a->logged, ch->line, strlen(ch->line)) < 0)
		return w->werr = ENOMEM, 1;
	if (w->fd < 0)
		/* no changes file: only the lines for syslog are wanted */
		return w->a->logged.n >= (size_t)w->a->cfg->log_changes;
	if (strbuf_addstr(&w->buf, w->stamp) < 0 || add_escaped(&w->buf, ch->line) < 0 ||
	    strbuf_addc(&w->buf, '\n') < 0)
		return w->werr = ENOMEM, 1;
	return w->buf.len >= IOBUF && flush_buf(w) < 0;
}

/* sync_parent - fsync the directory that holds PATH; 0, or -1 (errno) */
static int
sync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd = -1, rc = -1, e;

	if (copy != NULL && (fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		rc = fsync(fd);
	e = errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	errno = e;
	return rc;
}

/* open_changes - the changes file for appending: created if missing
 * (mode 0640), never truncated, never through a symlink, only a regular
 * file (O_NONBLOCK: a FIFO planted there cannot make us wait) */
static int
open_changes(const char *path, int *created, struct a2r_err *err)
{
	struct stat st;
	int fd;

	/* looked at before it is opened: a device is never opened at all */
	*created = lstat(path, &st) < 0 && errno == ENOENT;
	if (!*created && !S_ISREG(st.st_mode))
		return err_set(err, A2R_ERR_WRITE, "changes file %s: is %s, not a regular file",
		               path, safefile_kind(st.st_mode));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	if (fd < 0)
		return err_set(err, A2R_ERR_WRITE, "changes file %s: %s", path,
		               errno == ELOOP ? "is a symbolic link" : strerror(errno));
	if (fstat(fd, &st) < 0) {
		err_set(err, A2R_ERR_WRITE, "changes file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, A2R_ERR_WRITE, "changes file %s: is %s, not a regular file",
		               path, safefile_kind(st.st_mode));
	}
	return fd;
}

/* before_rename - the changes file and the syslog lines, while the new
 * maps wait in their temp files */
static int
before_rename(void *ctx, struct a2r_err *err)
{
	struct audit *a = ctx;
	struct appender w = {.a = a, .fd = -1, .path = a->cfg->changes_file};
	time_t now = time(NULL);
	struct tm tm;
	int rc, created = 0;

	strlist_clear(&a->logged);
	if (a->added + a->removed + a->changed == 0)
		return 0;
	gmtime_r(&now, &tm);
	strftime(w.stamp, sizeof(w.stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	if (w.path != NULL && (w.fd = open_changes(w.path, &created, err)) < 0)
		return -1;
	rc = audit_each(a, append_line, &w, err);
	if (rc == 0 && w.werr == 0 && w.fd >= 0 && flush_buf(&w) == 0 && fsync(w.fd) < 0)
		w.werr = errno;
	/* a new file: its name too must survive a crash */
	if (rc == 0 && w.werr == 0 && created && sync_parent(w.path) < 0)
		w.werr = errno;
	if (rc == 0 && w.werr != 0)
		rc = w.werr == ENOMEM ? err_nomem(err)
		                      : err_set(err, A2R_ERR_WRITE, "write changes file %s: %s",
		                                w.path, strerror(w.werr));
	if (w.fd >= 0 && close(w.fd) < 0 && rc == 0)
		rc = err_set(err, A2R_ERR_WRITE, "write changes file %s: %s", w.path,
		             strerror(errno));
	strbuf_free(&w.buf);
	return rc;
}

/* fill_origins - the origins file of the new set into FD: "KEY TAB
 * ORIGIN" lines, the origin escaped; 0, or -1 with errno */
static int
fill_origins(int fd, void *ctx)
{
	const struct audit *a = ctx;
	struct strbuf buf = {0}, origin = {0};
	int rc = -1;

	for (size_t i = 0; i < recipset_size(a->set); i++) {
		size_t klen;
		const char *key = recipset_key(a->set, i, &klen);
		int known = recipset_origin(a->set, i, &origin);

		if (known <= 0) {
			/* an origin not known is left out: "unknown" when removed */
			if (known < 0)
				goto out;
			continue;
		}
		if (strbuf_add(&buf, key, klen) < 0 || strbuf_addc(&buf, '\t') < 0 ||
		    add_escaped(&buf, origin.p) < 0 || strbuf_addc(&buf, '\n') < 0)
			goto out;
		if (buf.len >= IOBUF) {
			if (write_all(fd, buf.p, buf.len) < 0)
				goto out;
			buf.len = 0;
		}
	}
	rc = buf.len > 0 ? write_all(fd, buf.p, buf.len) : 0;
out:
	strbuf_free(&buf);
	strbuf_free(&origin);
	return rc;
}

const struct mapfile_side *
audit_side(struct audit *a, struct mapfile_side *side)
{
	if (!a->keep)
		return NULL;
	side->path = a->origins_path;
	side->fill = fill_origins;
	side->before_rename = before_rename;
	side->ctx = a;
	return side;
}

const struct strlist *
audit_logged(const struct audit *a)
{
	return &a->logged;
}

void
audit_drop_origins(const struct audit *a)
{
	if (a->origins_path != NULL)
		(void)unlink(a->origins_path);
}

void
audit_free(struct audit *a)
{
	free(a->bits);
	strlist_free(&a->gone);
	strlist_free(&a->logged);
	free(a->origins_path);
	memset(a, 0, sizeof(*a));
}
