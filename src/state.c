/* SPDX-License-Identifier: BSD-2-Clause */
/* state.c - the state file of incremental runs, read and written */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "safefile.h"
#include "state.h"
#include "util.h"

#define STATE_MAGIC    "ad2relay-state 1"
#define STATE_MAX_LINE 65536

char *
state_path(const struct a2r_config *cfg)
{
	char *copy, *p = NULL;

	if (cfg->state_dir == NULL)
		return asprintf(&p, "%s.state", cfg->output) < 0 ? NULL : p;
	if ((copy = strdup(cfg->output)) == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s.state", cfg->state_dir, basename(copy)) < 0)
		p = NULL;
	free(copy);
	return p;
}

char *
state_shape(const struct a2r_config *cfg, const char *filter, const char *base)
{
	struct strbuf b = {0};
	int ok = strbuf_addstr(&b, PACKAGE_VERSION " filter=") == 0 &&
	         strbuf_addstr(&b, filter) == 0 && strbuf_addstr(&b, " base=") == 0 &&
	         strbuf_addstr(&b, base) == 0 && strbuf_addstr(&b, " attributes=") == 0;

	for (size_t i = 0; ok && i < cfg->attributes.n; i++)
		ok = strbuf_addstr(&b, cfg->attributes.v[i]) == 0 && strbuf_addc(&b, ',') == 0;
	ok = ok && strbuf_addstr(&b, " relay_domains=") == 0;
	for (size_t i = 0; ok && i < cfg->relay_domains.n; i++)
		ok = strbuf_addstr(&b, cfg->relay_domains.v[i]) == 0 && strbuf_addc(&b, ',') == 0;
	if (!ok) {
		strbuf_free(&b);
		return NULL;
	}
	return b.p;
}

/* ---------------------------------------------------------------- encoding */

static const char hexdig[] = "0123456789abcdef";

/* put_pct - S with bytes that would split a line or a field as %XX */
static void
put_pct(FILE *fp, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '%')
			fprintf(fp, "%%%c%c", hexdig[*p >> 4], hexdig[*p & 15]);
		else
			putc(*p, fp);
}

static void
put_hex(FILE *fp, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		putc(hexdig[p[i] >> 4], fp);
		putc(hexdig[p[i] & 15], fp);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* get_hex - LEN hex digits at S into OUT (LEN / 2 bytes); 0 or -1 */
static int
get_hex(const char *s, size_t len, unsigned char *out)
{
	if (len % 2)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* get_pct - decode S (in place); 0, or -1 for a bad escape or a NUL */
static int
get_pct(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '%') {
			int hi = hexval((unsigned char)s[1]),
			    lo = hi < 0 ? -1 : hexval((unsigned char)s[2]);

			if (lo < 0 || (hi | lo) == 0)
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return 0;
}

/* ---------------------------------------------------------------- reading */

struct state_reader {
	FILE *fp;
	long data; /* offset of the first record */
	char *line;
	size_t cap;
	ssize_t len;  /* of the line read ahead, -1 at EOF */
	int ahead;    /* LINE holds a line not yet used */
	size_t nobjs; /* counted by the check */
	size_t nkeys;
	char *dn; /* the current record's */
	struct strbuf keys;
};

/* next_line - the next line into r->line (without its newline): its
 * length, or -1 at the end of the file or for an overlong or
 * unterminated line (a file cut short) */
static ssize_t
next_line(struct state_reader *r)
{
	if (r->ahead) {
		r->ahead = 0;
		return r->len;
	}
	r->len = getline(&r->line, &r->cap, r->fp);
	if (r->len <= 0 || r->line[r->len - 1] != '\n' || r->len > STATE_MAX_LINE ||
	    memchr(r->line, '\0', (size_t)r->len) != NULL)
		return r->len = -1;
	r->line[--r->len] = '\0';
	return r->len;
}

/* field - the value of the head line "NAME VALUE", or NULL */
static char *
field(struct state_reader *r, const char *name)
{
	size_t n = strlen(name);

	if (next_line(r) < 0 || strncmp(r->line, name, n) != 0 || r->line[n] != ' ')
		return NULL;
	return r->line + n + 1;
}

/* dup_pct - a decoded copy of the head field NAME into *OUT */
static int
dup_pct(struct state_reader *r, const char *name, char **out)
{
	char *v = field(r, name);

	if (v == NULL || get_pct(v) < 0 || (*out = strdup(v)) == NULL)
		return -1;
	return 0;
}

/* usn_ok - S is a USN as written: 1 to 20 decimal digits */
static int
usn_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 20 && s[n] == '\0';
}

/* read_head - the head into H, r->data after it; 0, or -1 (damaged; or
 * out of memory) */
static int
read_head(struct state_reader *r, struct state_head *h)
{
	char *v, *end;
	size_t n;
	long pos;

	if (next_line(r) < 0 || strcmp(r->line, STATE_MAGIC) != 0)
		return -1;
	if (dup_pct(r, "shape", &h->shape) < 0 || dup_pct(r, "dc", &h->dc) < 0 ||
	    dup_pct(r, "invocation", &h->invocation) < 0 || dup_pct(r, "uri", &h->uri) < 0)
		return -1;
	if ((v = field(r, "deletions")) == NULL || (strcmp(v, "0") && strcmp(v, "1")))
		return -1;
	h->deletions = v[0] == '1';
	if ((v = field(r, "full")) == NULL)
		return -1;
	errno = 0;
	h->full = strtoll(v, &end, 10);
	if (errno || end == v || *end != '\0')
		return -1;
	if ((v = field(r, "cookie")) == NULL || (n = strlen(v)) == 0 || n % 2 ||
	    (h->cookie.bv_val = malloc(n / 2)) == NULL ||
	    get_hex(v, n, (unsigned char *)h->cookie.bv_val) < 0)
		return -1;
	h->cookie.bv_len = n / 2;
	/* "usn N" is optional: a state written before it knows no USN */
	if ((pos = ftell(r->fp)) < 0)
		return -1;
	if (next_line(r) >= 0 && strncmp(r->line, "usn ", 4) == 0) {
		if (!usn_ok(r->line + 4) || (h->usn = strdup(r->line + 4)) == NULL)
			return -1;
		return (r->data = ftell(r->fp)) < 0 ? -1 : 0;
	}
	r->ahead = 1; /* the first record, or the end line */
	r->data = pos;
	return 0;
}

/* read_obj - the next record into O: 1, 0 at the (checked) end line, -1
 * damaged.  CHECK: also hold every key to the address policy. */
static int
read_obj(struct state_reader *r, struct state_obj *o, int check)
{
	char *sp;
	size_t nobj, nkey;

	if (next_line(r) < 0)
		return -1;
	if (strncmp(r->line, "end ", 4) == 0)
		return sscanf(r->line, "end %zu %zu", &nobj, &nkey) == 2 &&
		               (!check || (nobj == r->nobjs && nkey == r->nkeys))
		           ? 0
		           : -1;
	if (strncmp(r->line, "o ", 2) != 0 || (sp = strchr(r->line + 2, ' ')) == NULL ||
	    sp - (r->line + 2) != 2 * STATE_GUID_LEN ||
	    get_hex(r->line + 2, 2 * STATE_GUID_LEN, o->guid) < 0 || get_pct(sp + 1) < 0)
		return -1;
	free(r->dn);
	if ((r->dn = strdup(sp + 1)) == NULL)
		return -1;
	o->dn = r->dn;
	r->keys.len = 0;
	o->nkeys = 0;
	while (next_line(r) >= 0 && strncmp(r->line, "k ", 2) == 0) {
		size_t klen = (size_t)r->len - 2;

		if (check && policy_check(r->line + 2, klen) != POLICY_OK)
			return -1;
		if (strbuf_add(&r->keys, r->line + 2, klen + 1) < 0)
			return -1;
		o->nkeys++;
	}
	if (r->len < 0 || o->nkeys == 0)
		return -1;
	r->ahead = 1; /* the line after the keys starts the next record */
	o->keys = r->keys.p;
	o->keyslen = r->keys.len;
	return 1;
}

int
state_open(const char *path, struct state_reader **rp, struct state_head *h, char *why,
           size_t whysize, struct a2r_err *err)
{
	struct state_reader *r = calloc(1, sizeof(*r));
	struct a2r_err ferr = {0};
	struct state_obj o;
	struct stat st;
	int fd, rc;

	memset(h, 0, sizeof(*h));
	*rp = NULL;
	if (r == NULL)
		return err_nomem(err);
	fd = safefile_open(path, "state file", SAFEFILE_TRUSTED | SAFEFILE_MISSING_OK,
	                   A2R_ERR_CONFIG, &st, &ferr);
	if (fd < 0) {
		snprintf(why, whysize, "%s", fd == -2 ? "no state file yet" : ferr.msg);
		free(r);
		return 0;
	}
	if ((r->fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		free(r);
		return err_nomem(err);
	}
	if (read_head(r, h) < 0)
		goto damaged;
	while ((rc = read_obj(r, &o, 1)) == 1) {
		r->nobjs++;
		r->nkeys += o.nkeys;
	}
	if (rc < 0 || next_line(r) >= 0 || fseek(r->fp, r->data, SEEK_SET) < 0)
		goto damaged;
	r->ahead = 0;
	*rp = r;
	return 1;
damaged:
	snprintf(why, whysize, "state file %s is damaged or of another version", path);
	state_close(r);
	state_head_free(h);
	return 0;
}

int
state_next(struct state_reader *r, struct state_obj *o, struct a2r_err *err)
{
	int rc = read_obj(r, o, 0);

	if (rc < 0)
		return err_set(err, A2R_ERR_SOURCE, "the state file changed while it was read");
	return rc;
}

size_t
state_objects(const struct state_reader *r)
{
	return r->nobjs;
}

void
state_close(struct state_reader *r)
{
	if (r == NULL)
		return;
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->line);
	free(r->dn);
	strbuf_free(&r->keys);
	free(r);
}

void
state_head_free(struct state_head *h)
{
	free(h->shape);
	free(h->dc);
	free(h->invocation);
	free(h->uri);
	free(h->cookie.bv_val);
	free(h->usn);
	memset(h, 0, sizeof(*h));
}

/* ---------------------------------------------------------------- writing */

struct state_writer {
	char *path;
	char *tmp; /* while the temp file exists */
	FILE *fp;
	size_t nobjs, nkeys;
};

/* The temp file being written, for state_abort() in a signal handler.  It
 * is made, renamed and removed only with the stop signals blocked, so a
 * handler never sees a name half made by mkstemp() or already freed. */
static char *volatile live_tmp;

/* forget_tmp - W's temp file is gone (renamed or removed): free its name */
static void
forget_tmp(struct state_writer *w)
{
	if (live_tmp == w->tmp)
		live_tmp = NULL;
	free(w->tmp);
	w->tmp = NULL;
}

void
state_abort(void)
{
	char *tmp = live_tmp;

	if (tmp != NULL)
		unlink(tmp);
}

struct state_writer *
state_writer_new(const char *path, struct a2r_err *err)
{
	struct state_writer *w = calloc(1, sizeof(*w));
	struct stat st;
	sigset_t old;
	int fd;

	if (w == NULL || (w->path = strdup(path)) == NULL ||
	    asprintf(&w->tmp, "%s.tmp.XXXXXX", path) < 0) {
		if (w != NULL)
			w->tmp = NULL;
		state_writer_free(w);
		err_nomem(err);
		return NULL;
	}
	/* never replace (or write through) anything but our regular file */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		err_set(err, A2R_ERR_WRITE, "state file %s: is a symbolic link (not replaced)",
		        path);
		goto fail;
	}
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		err_set(err, A2R_ERR_WRITE,
		        "state file %s: is %s, not a regular file (not replaced)", path,
		        safefile_kind(st.st_mode));
		goto fail;
	}
	hold_signals(&old);
	if ((fd = mkstemp(w->tmp)) >= 0 && live_tmp == NULL)
		live_tmp = w->tmp;
	release_signals(&old);
	if (fd < 0) {
		err_set(err, A2R_ERR_WRITE, "create %s: %s", w->tmp, strerror(errno));
		free(w->tmp);
		w->tmp = NULL;
		goto fail;
	}
	if (fchmod(fd, 0600) < 0 || (w->fp = fdopen(fd, "w")) == NULL) {
		err_set(err, A2R_ERR_WRITE, "write %s: %s", w->tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	return w;
fail:
	state_writer_free(w);
	return NULL;
}

int
state_write_head(struct state_writer *w, const struct state_head *h, struct a2r_err *err)
{
	fputs(STATE_MAGIC "\nshape ", w->fp);
	put_pct(w->fp, h->shape);
	fputs("\ndc ", w->fp);
	put_pct(w->fp, h->dc);
	fputs("\ninvocation ", w->fp);
	put_pct(w->fp, h->invocation);
	fputs("\nuri ", w->fp);
	put_pct(w->fp, h->uri);
	fprintf(w->fp, "\ndeletions %d\nfull %lld\ncookie ", h->deletions, h->full);
	put_hex(w->fp, (const unsigned char *)h->cookie.bv_val, h->cookie.bv_len);
	putc('\n', w->fp);
	if (h->usn != NULL && usn_ok(h->usn))
		fprintf(w->fp, "usn %s\n", h->usn);
	if (ferror(w->fp))
		return err_set(err, A2R_ERR_WRITE, "write %s: %s", w->tmp, strerror(errno));
	return 0;
}

int
state_write_obj(struct state_writer *w, const struct state_obj *o, struct a2r_err *err)
{
	const char *k = o->keys;

	if (o->nkeys == 0)
		return 0; /* an object that gives no address needs no record */
	fputs("o ", w->fp);
	put_hex(w->fp, o->guid, STATE_GUID_LEN);
	putc(' ', w->fp);
	put_pct(w->fp, o->dn);
	putc('\n', w->fp);
	for (size_t i = 0; i < o->nkeys; i++) {
		fprintf(w->fp, "k %s\n", k);
		k += strlen(k) + 1;
	}
	w->nobjs++;
	w->nkeys += o->nkeys;
	if (ferror(w->fp))
		return err_set(err, A2R_ERR_WRITE, "write %s: %s", w->tmp, strerror(errno));
	return 0;
}

int
state_writer_finish(struct state_writer *w, struct a2r_err *err)
{
	FILE *fp = w->fp;
	int bad;

	fprintf(fp, "end %zu %zu\n", w->nobjs, w->nkeys);
	w->fp = NULL;
	bad = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) < 0;
	if (fclose(fp) != 0)
		bad = 1;
	if (bad)
		return err_set(err, A2R_ERR_WRITE, "write %s: %s", w->tmp, strerror(errno));
	return 0;
}

int
state_writer_commit(struct state_writer *w, struct a2r_err *err)
{
	char *copy;
	sigset_t old;
	int fd, rc = 0;

	hold_signals(&old);
	if (rename(w->tmp, w->path) < 0) {
		rc = err_set(err, A2R_ERR_WRITE, "rename %s to %s: %s", w->tmp, w->path,
		             strerror(errno));
		release_signals(&old);
		return rc;
	}
	forget_tmp(w);
	release_signals(&old);
	if ((copy = strdup(w->path)) == NULL)
		return err_nomem(err);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		rc = err_set(err, A2R_ERR_WRITE, "fsync directory of %s: %s", w->path,
		             strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

void
state_writer_free(struct state_writer *w)
{
	if (w == NULL)
		return;
	if (w->fp != NULL)
		fclose(w->fp);
	if (w->tmp != NULL) {
		sigset_t old;

		hold_signals(&old);
		unlink(w->tmp);
		forget_tmp(w);
		release_signals(&old);
	}
	free(w->path);
	free(w);
}
