/* SPDX-License-Identifier: BSD-2-Clause */
/* ldif_source.c - entries from an LDIF file via libldap's LDIF reader */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>
#include <ldif.h>

#include "extract.h"
#include "ldaplog.h"
#include "ldif_source.h"

/* The reader's input passes through a guard stream (fopencookie) that
 * watches the bytes libldap's ldif_read_record() is about to see:
 * ldif_read_record() opens and splices in the file named by an
 * "include: URL" line at the start of a record, and a NUL byte makes it
 * read before its line buffer.  Neither belongs in an export, and
 * ad2relay runs as root: the guard stops the stream there and records
 * why; the caller checks guard.why after every record.  The guard follows
 * ldif_read_record()'s own notion of a record start: the first line
 * after blank lines that is not a comment or a comment's continuation.
 * It reads ahead of the reader, so a refusal may end the run a few
 * records before the line it names. */
#define GUARD_LOOK 16 /* bytes of a line start examined */

struct guard {
	FILE *in;
	char buf[16384];
	size_t pos, len;
	int at_eof;
	int bol;         /* the next byte starts a line */
	int started;     /* the file's first bytes were looked at */
	int in_record;   /* ldif_read_record's found_entry */
	int top_comment; /* ldif_read_record's top_comment */
	unsigned long line;
	const char *why; /* set once: the stream stopped */
	int errnum;      /* errno of a read error */
	unsigned long why_line;
};

struct ldif_source {
	char *path;
	LDIFFP *fp;
	struct guard *guard;  /* owned by fp's cookie stream */
	unsigned long lineno; /* last line ldif_read_record consumed */
	char *buf;            /* current record text, owned by libldap's reader */
	int buflen;
	LDIFRecord lr;
	int have_record;       /* lr holds a parsed record to release */
	unsigned long refs;    /* search references skipped */
	unsigned long records; /* records parsed so far */
	struct a2r_attr *attrs;
	size_t cap;
};

/* guard_stop - stop the stream at the current line for reason WHY (once);
 * returns N, the bytes already handed out, or -1 when there are none */
static ssize_t
guard_stop(struct guard *g, size_t n, const char *why, int errnum)
{
	if (g->why == NULL) {
		g->why = why;
		g->errnum = errnum;
		g->why_line = g->line;
	}
	if (n > 0)
		return (ssize_t)n;
	errno = g->errnum ? g->errnum : EINVAL;
	return -1;
}

/* guard_fill - make at least GUARD_LOOK bytes (or all that is left) of
 * the input available at buf + pos; 0 or -1 on a read error */
static int
guard_fill(struct guard *g)
{
	if (g->len - g->pos >= GUARD_LOOK || g->at_eof)
		return 0;
	memmove(g->buf, g->buf + g->pos, g->len - g->pos);
	g->len -= g->pos;
	g->pos = 0;
	while (g->len < GUARD_LOOK && !g->at_eof) {
		size_t n = fread(g->buf + g->len, 1, sizeof(g->buf) - g->len, g->in);

		g->len += n;
		if (n == 0) {
			if (ferror(g->in))
				return -1;
			g->at_eof = 1;
		}
	}
	return 0;
}

/* guard_line - follow ldif_read_record's record state over the line
 * starting at P (at least GUARD_LOOK bytes or up to the end are there);
 * returns the reason to stop, or NULL */
static const char *
guard_line(struct guard *g, const char *p, size_t avail)
{
	g->line++;
	if (p[0] == '\n' || (avail > 1 && p[0] == '\r' && p[1] == '\n')) {
		g->in_record = 0;
		g->top_comment = 0;
	} else if (!g->in_record) {
		if (p[0] == '#') {
			g->top_comment = 1;
		} else if (!(g->top_comment && p[0] == ' ')) {
			g->in_record = 1;
			if (avail >= 8 && strncasecmp(p, "include:", 8) == 0)
				return "\"include:\" lines are not read";
		}
	}
	return NULL;
}

/* guard_lines - follow the line starts in the N bytes at P (the next N
 * bytes of the input); returns how many of them may be handed out, which
 * is fewer when a line start lacks the look-ahead guard_line needs, or
 * when the stream must stop (g->why then says why) */
static size_t
guard_lines(struct guard *g, const char *p, size_t n)
{
	const char *end = g->buf + g->len, *why, *nl;
	size_t i = 0;

	while (i < n) {
		if (g->bol) {
			if ((size_t)(end - (p + i)) < GUARD_LOOK && !g->at_eof && i > 0)
				return i;
			if ((why = guard_line(g, p + i, (size_t)(end - (p + i)))) != NULL) {
				guard_stop(g, 1, why, 0);
				return i;
			}
		}
		if ((nl = memchr(p + i, '\n', n - i)) == NULL) {
			g->bol = 0;
			return n;
		}
		i = (size_t)(nl - p) + 1;
		g->bol = 1;
	}
	return n;
}

/* guard_start - the file's first bytes: a UTF-8 byte-order mark (as
 * Windows tools write) is skipped; UTF-16 (ldifde -u) is refused */
static const char *
guard_start(struct guard *g)
{
	const unsigned char *u = (const unsigned char *)g->buf + g->pos;
	size_t n = g->len - g->pos;

	g->started = 1;
	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
		g->line = 1;
		return "the file is UTF-16 (ldifde -u): convert it with "
		       "iconv -f UTF-16 -t UTF-8, or export without -u";
	}
	if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		g->pos += 3;
	return NULL;
}

/* guard_read - the cookie read function: pass bytes through, watching
 * each line start */
static ssize_t
guard_read(void *cookie, char *out, size_t size)
{
	struct guard *g = cookie;
	const char *p, *nul;
	size_t n, take;

	if (g->why != NULL)
		return guard_stop(g, 0, g->why, g->errnum);
	if (guard_fill(g) < 0)
		return guard_stop(g, 0, "read", errno);
	if (!g->started && (p = guard_start(g)) != NULL)
		return guard_stop(g, 0, p, 0);
	p = g->buf + g->pos;
	n = g->len - g->pos < size ? g->len - g->pos : size;
	if ((nul = memchr(p, '\0', n)) != NULL)
		n = (size_t)(nul - p);
	take = guard_lines(g, p, n);
	if (nul != NULL && take == n && g->why == NULL) {
		guard_stop(g, 1, "a NUL byte: not an LDIF file", 0);
		g->why_line = g->line + (g->bol ? 1 : 0);
	}
	memcpy(out, p, take);
	g->pos += take;
	return take > 0 || g->why == NULL ? (ssize_t)take : guard_stop(g, 0, g->why, 0);
}

static int
guard_close(void *cookie)
{
	struct guard *g = cookie;
	int rc = fclose(g->in);

	free(g);
	return rc;
}

/* guard_wrap - put a guard stream between LFP and its file */
static int
guard_wrap(struct ldif_source *src, struct a2r_err *err)
{
	static const cookie_io_functions_t io = {.read = guard_read, .close = guard_close};
	struct guard *g = calloc(1, sizeof(*g));
	FILE *fp;

	if (g == NULL)
		return err_nomem(err);
	g->bol = 1;
	g->in = src->fp->fp;
	if ((fp = fopencookie(g, "r", io)) == NULL) {
		free(g);
		return err_nomem(err);
	}
	src->fp->fp = fp;
	src->guard = g;
	return 0;
}

static const struct {
	ber_tag_t op;
	const char *name;
} change_names[] = {
    {LDAP_REQ_MODIFY, "modify"},
    {LDAP_REQ_DELETE, "delete"},
    {LDAP_REQ_MODRDN, "modrdn"},
};

struct ldif_source *
ldif_source_open(const char *path, struct a2r_err *err)
{
	struct ldif_source *src = calloc(1, sizeof(*src));

	if (src == NULL || (src->path = strdup(path)) == NULL) {
		free(src);
		err_nomem(err);
		return NULL;
	}
	ldaplog_catch_ldif();
	errno = 0;
	if ((src->fp = ldif_open(path, "r")) == NULL) {
		err_set(err, A2R_ERR_SOURCE, "open %s: %s", path,
		        errno ? strerror(errno) : "cannot open");
		free(src->path);
		free(src);
		return NULL;
	}
	if (guard_wrap(src, err) < 0) {
		ldif_source_close(src);
		return NULL;
	}
	return src;
}

/* release_record - free the previously parsed record, if any */
static void
release_record(struct ldif_source *src)
{
	if (src->have_record) {
		ldap_ldif_record_done(&src->lr);
		src->have_record = 0;
	}
}

/* first_line - the first line of the record text that is not a comment;
 * *SKIPPED counts the comment lines before it */
static const char *
first_line(const char *buf, unsigned long *skipped)
{
	*skipped = 0;
	while (*buf == '#' || *buf == '\n') {
		const char *nl = strchr(buf, '\n');

		if (nl == NULL)
			return "";
		buf = nl + 1;
		++*skipped;
	}
	return buf;
}

/* Screening the record text before libldap parses it.  Its parser
 * (ldap_parse_ldif_record) fetches "attr:< URL" values itself, and in an
 * add record it reads through a NULL attribute name when the first
 * attribute line is "-" or has no name before its colon ("dn: X" then
 * "-" or ": v"): ldapmodify survives such input only because without -a
 * it takes a record with no changetype for a modify, whose path checks
 * both.  The screen walks the logical lines (a line starting with a space
 * continues the one before) the way the parser does. */

/* unfold - copy up to SIZE - 1 bytes of the logical line at P, up to
 * (not including) the first STOP byte, into OUT without the folds (each
 * sets *FOLDED); returns the position after the copied text in the record */
static const char *
unfold(const char *p, int stop, char *out, size_t size, int *folded)
{
	size_t n = 0;

	for (; *p != '\0' && *p != stop; p++) {
		if (*p == '\n' && p[1] != ' ')
			break;
		if (*p == '\n') {
			p++;
			*folded = 1;
			continue;
		}
		if (n + 1 < size)
			out[n++] = *p;
	}
	out[n] = '\0';
	return p;
}

/* The attribute name of one logical line, as the parser takes it. */
struct line_name {
	const char *colon; /* the colon after the name, or NULL */
	const char *name;  /* leading white space skipped; not NUL-terminated */
	size_t len;
	int folded;   /* a fold inside the name: the parser keeps it as two
	               * bytes of its own, so the name is none of its keywords */
	char buf[64]; /* the unfolded name (cut short) when folded */
};

/* line_name - fill LN for the logical line at P, whose first physical
 * line ends at NL */
static void
line_name(const char *p, const char *nl, struct line_name *ln)
{
	while (p < nl && isspace((unsigned char)*p))
		p++;
	ln->folded = 0;
	ln->name = p;
	if ((ln->colon = memchr(p, ':', (size_t)(nl - p))) != NULL) {
		ln->len = (size_t)(ln->colon - p);
		return;
	}
	if (*nl != '\n' || nl[1] != ' ')
		return;
	/* the name goes on in a continuation line */
	ln->colon = unfold(p, ':', ln->buf, sizeof(ln->buf), &ln->folded);
	if (*ln->colon != ':')
		ln->colon = NULL;
	ln->name = ln->buf;
	ln->len = strlen(ln->buf);
}

/* is_keyword - the line's name is NAME for the parser */
static int
is_keyword(const struct line_name *ln, const char *name)
{
	return ln->colon != NULL && !ln->folded && ln->len == strlen(name) &&
	       strncasecmp(ln->name, name, ln->len) == 0;
}

/* is_dash - the logical line at P is the separator "-" */
static int
is_dash(const char *p)
{
	return p[0] == '-' && (p[1] == '\0' || (p[1] == '\n' && p[2] != ' '));
}

/* modify_record - the changetype line at COLON lets "-" lines through:
 * a plain value (not base64, not a URL) other than "add" */
static int
modify_record(const char *colon)
{
	char val[16];
	const char *v = val;
	size_t len;
	int folded = 0;

	if (colon[1] == ':' || colon[1] == '<')
		return 0;
	unfold(colon + 1, '\0', val, sizeof(val), &folded);
	len = strlen(val);
	while (len > 0 && isspace((unsigned char)val[len - 1]))
		val[--len] = '\0';
	while (isspace((unsigned char)*v))
		v++;
	return strcasecmp(v, "add") != 0;
}

/* What screen_record found. */
struct screen {
	unsigned long lines; /* physical lines of the record text */
	unsigned long bad;   /* the line (0 = first) of the refused one */
	const char *what;    /* why it is refused, or NULL */
	char name[64];       /* the attribute of a refused URL value */
};

/* screen_line - the refusal for one logical line at P, or NULL; follows
 * where the record's header is in *WHERE and whether "-" lines may come
 * in *DASH_OK */
static const char *
screen_line(const char *p, const char *nl, int *where, int *dash_ok, struct screen *sc)
{
	enum { BEFORE_DN, AFTER_DN, AFTER_CONTROL, BODY };
	struct line_name ln;

	if (*p == '#')
		return NULL;
	if (is_dash(p))
		return *dash_ok ? NULL
		                : "malformed LDIF record: a \"-\" line outside a modify record";
	line_name(p, nl, &ln);
	if (ln.colon != NULL && ln.len == 0 && !ln.folded)
		return "malformed LDIF record: no attribute name before \":\"";
	if (ln.colon != NULL && ln.colon[1] == '<') {
		snprintf(sc->name, sizeof(sc->name), "%.*s", (int)ln.len, ln.name);
		return "URL values are not read";
	}
	if (*where == AFTER_DN && is_keyword(&ln, "control")) {
		*where = AFTER_CONTROL;
	} else if (*where == AFTER_DN || *where == AFTER_CONTROL) {
		if (is_keyword(&ln, "changetype"))
			*dash_ok = modify_record(ln.colon);
		*where = BODY;
	} else if (*where == BEFORE_DN && is_keyword(&ln, "dn")) {
		*where = AFTER_DN;
	}
	return NULL;
}

/* screen_record - count the lines of the record text in BUF and find the
 * first one the parser must not see */
static void
screen_record(const char *buf, struct screen *sc)
{
	int where = 0, dash_ok = 0;
	const char *p = buf;

	sc->lines = 0;
	sc->what = NULL;
	sc->name[0] = '\0';
	while (*p != '\0' && *p != '\n') {
		const char *nl = strchr(p, '\n');

		if (nl == NULL)
			nl = p + strlen(p);
		if (sc->what == NULL && (sc->what = screen_line(p, nl, &where, &dash_ok, sc)))
			sc->bad = sc->lines;
		/* the next logical line: past the continuation lines */
		while (*nl == '\n' && nl[1] == ' ') {
			sc->lines++;
			nl = strchr(nl + 1, '\n');
			if (nl == NULL)
				nl = p + strlen(p);
		}
		sc->lines += *nl == '\n';
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

/* not_an_entry - ldapsearch writes search references ("ref:") and, without
 * any -L, a trailer ("search:", "result:").  Returns 1 to skip the record, 0
 * for an entry, -1 (ERR set) when the trailer says the search failed:
 * such an export is incomplete. */
static int
not_an_entry(struct ldif_source *src, const char *line, unsigned long lineno, struct a2r_err *err)
{
	const char *res;

	/* "version: 1" alone in the first record (the parser takes it only
	 * when it is directly followed by the first entry) */
	if (strncasecmp(line, "version:", 8) == 0 && strchr(line, '\n') != NULL &&
	    strchr(line, '\n')[1] == '\0')
		return 1;
	if (strncasecmp(line, "ref:", 4) == 0) {
		src->refs++;
		return 1;
	}
	if (strncasecmp(line, "search:", 7) != 0)
		return 0;
	res = strstr(line, "\nresult: ");
	if (res != NULL &&
	    !(res[9] == '0' && (res[10] == ' ' || res[10] == '\n' || res[10] == '\0'))) {
		size_t len = strcspn(res + 9, "\n");

		err_set(err, A2R_ERR_SOURCE,
		        "%s:%lu: the export is incomplete: the search that wrote it ended "
		        "with \"result: %.*s\"",
		        src->path, lineno, (int)len, res + 9);
		return -1;
	}
	return 1;
}

/* fill_entry - point ENTRY at the attributes of the parsed add record */
static int
fill_entry(struct ldif_source *src, struct a2r_entry *entry, struct a2r_err *err)
{
	size_t n = 0;
	LDAPMod **mods = src->lr.lrop_mods;

	while (mods != NULL && mods[n] != NULL)
		n++;
	if (n > src->cap) {
		struct a2r_attr *na = realloc(src->attrs, n * sizeof(*na));

		if (na == NULL)
			return err_nomem(err);
		src->attrs = na;
		src->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = mods[i]->mod_type;
		size_t baselen;
		long low, high;
		int r = extract_parse_range(name, strlen(name), &baselen, &low, &high);

		/* an export tool that did not complete AD's ranges: values missing
		 * (";range=0-*" is a whole set) */
		if (r < 0 || (r == 1 && (low != 0 || high >= 0)))
			return err_set(err, A2R_ERR_SOURCE,
			               "%s: %s: %s holds only part of its values: the export is "
			               "incomplete (export with range retrieval, or read the "
			               "directory)",
			               src->path, src->lr.lr_dn.bv_val, name);
		src->attrs[i].name = name;
		src->attrs[i].namelen = strlen(name);
		src->attrs[i].vals = mods[i]->mod_bvalues;
	}
	entry->dn = src->lr.lr_dn.bv_val;
	entry->attrs = src->attrs;
	entry->nattrs = n;
	return 0;
}

/* parse_record - parse the record text in src->buf into src->lr */
static enum entry_state
parse_record(struct ldif_source *src, unsigned long start, struct a2r_entry *entry,
             struct a2r_err *err)
{
	struct berval rbuf;
	const char *what = "unknown";

	rbuf.bv_val = src->buf;
	rbuf.bv_len = strlen(src->buf);
	memset(&src->lr, 0, sizeof(src->lr));
	/* The parser accepts "version:" only on what it is told is line 1. */
	if (ldaplog_parse_ldif_record(&rbuf, src->records++ == 0 ? 1 : start, &src->lr,
	                              LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS) != 0) {
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: malformed LDIF record%s%s", src->path, start,
		        ldaplog_ldif_cause()[0] ? ": " : "", ldaplog_ldif_cause());
		return ENTRY_FAIL;
	}
	src->have_record = 1;
	/* a record without "dn:", or an index line ("9") alone */
	if (src->lr.lr_dn.bv_val == NULL) {
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: malformed LDIF record: no \"dn:\" line",
		        src->path, start);
		return ENTRY_FAIL;
	}
	if (src->lr.lr_op == LDAP_REQ_ADD)
		return fill_entry(src, entry, err) < 0 ? ENTRY_FAIL : ENTRY_NEXT;
	for (size_t i = 0; i < sizeof(change_names) / sizeof(change_names[0]); i++)
		if (change_names[i].op == src->lr.lr_op)
			what = change_names[i].name;
	err_set(err, A2R_ERR_SOURCE,
	        "%s:%lu: \"changetype: %s\" record for %s: only entries (or "
	        "\"changetype: add\") can be read",
	        src->path, start, what, src->lr.lr_dn.bv_val ? src->lr.lr_dn.bv_val : "?");
	return ENTRY_FAIL;
}

/* guard_error - the guard stopped the stream: why, as ERR */
static int
guard_error(struct ldif_source *src, struct a2r_err *err)
{
	const struct guard *g = src->guard;

	if (g->errnum != 0)
		return err_set(err, A2R_ERR_SOURCE, "read %s: %s", src->path, strerror(g->errnum));
	return err_set(err, A2R_ERR_SOURCE, "%s:%lu: %s", src->path, g->why_line, g->why);
}

/* record_start - the line number of the first line of the record text
 * just read, LINES lines long: counted back from the last line the reader
 * consumed, which is the blank line after the record unless the file
 * ended */
static unsigned long
record_start(struct ldif_source *src, unsigned long lines)
{
	return src->lineno - lines + (feof(src->fp->fp) ? 1 : 0);
}

/* read_record - the next record's text into src->buf, screened; ENTRY_NEXT
 * with *START its first line */
static enum entry_state
read_record(struct ldif_source *src, unsigned long *start, struct a2r_err *err)
{
	struct screen sc;

	unsigned long before = src->lineno;
	int rc;

	/* A record that was only an index line ("9") leaves the buffer as
	 * it was: empty it first. */
	if (src->buf != NULL)
		src->buf[0] = '\0';
	ldaplog_ldif_clear();
	rc = ldif_read_record(src->fp, &src->lineno, &src->buf, &src->buflen);
	if (src->guard->why != NULL)
		return (guard_error(src, err), ENTRY_FAIL);
	if (rc < 0) {
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: cannot read LDIF record%s%s", src->path,
		        before + 1, ldaplog_ldif_cause()[0] ? ": " : "", ldaplog_ldif_cause());
		return ENTRY_FAIL;
	}
	if (rc == 0)
		return ENTRY_DONE;
	/* the reader drops a record's first line when it starts with a
	 * digit (an index line): nothing may be left */
	if (src->buf == NULL || src->buf[0] == '\0') {
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: malformed LDIF record: no \"dn:\" line",
		        src->path, record_start(src, 0) - 1);
		return ENTRY_FAIL;
	}
	screen_record(src->buf, &sc);
	*start = record_start(src, sc.lines);
	if (sc.what != NULL && sc.name[0] == '\0')
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: %s", src->path, *start + sc.bad, sc.what);
	else if (sc.what != NULL)
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: %s:< %s", src->path, *start + sc.bad, sc.name,
		        sc.what);
	return sc.what != NULL ? ENTRY_FAIL : ENTRY_NEXT;
}

/* ldif_source_next - read and parse the next entry */
enum entry_state
ldif_source_next(struct ldif_source *src, struct a2r_entry *entry, struct a2r_err *err)
{
	for (;;) {
		unsigned long start = 0, skipped;
		const char *line;
		enum entry_state st;
		int rc;

		release_record(src);
		if ((st = read_record(src, &start, err)) != ENTRY_NEXT)
			return st;
		/* The record starts past any comment lines the reader kept. */
		line = first_line(src->buf, &skipped);
		start += skipped;
		rc = not_an_entry(src, line, start, err);
		if (rc < 0)
			return ENTRY_FAIL;
		if (rc == 0)
			return parse_record(src, start, entry, err);
	}
}

void
ldif_source_close(struct ldif_source *src)
{
	if (src == NULL)
		return;
	release_record(src);
	ldif_close(src->fp);
	ber_memfree(src->buf);
	free(src->attrs);
	free(src->path);
	free(src);
}
