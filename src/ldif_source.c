/* SPDX-License-Identifier: BSD-2-Clause */
/* ldif_source.c - entries from an LDIF file via libldap's LDIF reader */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>
#include <ldif.h>

#include "extract.h"
#include "ldif_source.h"

/* libldap reports LDIF syntax errors through its log print function;
 * catch the text so it becomes part of our one error message instead of
 * a stray line on stderr. */
static char ldif_diag[256];

static void
catch_diag(const char *msg)
{
	size_t len;

	snprintf(ldif_diag, sizeof(ldif_diag), "%s", msg);
	len = strlen(ldif_diag);
	while (len > 0 && (ldif_diag[len - 1] == '\n' || ldif_diag[len - 1] == ' '))
		ldif_diag[--len] = '\0';
}

struct ldif_source {
	char *path;
	LDIFFP *fp;
	unsigned long lineno; /* last line ldif_read_record consumed */
	char *buf;            /* current record text, owned by libldap's reader */
	int buflen;
	LDIFRecord lr;
	int have_record; /* lr holds a parsed record to release */
	unsigned long refs;    /* search references skipped */
	unsigned long records; /* records parsed so far */
	struct a2r_attr *attrs;
	size_t cap;
};

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
	ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (void *)catch_diag);
	errno = 0;
	if ((src->fp = ldif_open(path, "r")) == NULL) {
		err_set(err, A2R_ERR_SOURCE, "open %s: %s", path,
			errno ? strerror(errno) : "cannot open");
		free(src->path);
		free(src);
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

/* not_an_entry - ldapsearch writes search references ("ref:") and, without
 * any -L, a trailer ("search:", "result:").  Returns 1 to skip the record, 0
 * for an entry, -1 (ERR set) when the trailer says the search failed:
 * such an export is incomplete. */
static int
not_an_entry(struct ldif_source *src, const char *line, unsigned long lineno,
	     struct a2r_err *err)
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
	if (res != NULL && !(res[9] == '0' && (res[10] == ' ' || res[10] == '\n' || res[10] == '\0'))) {
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

/* parse_quietly - ldap_parse_ldif_record() writes its syntax errors
 * straight to stderr with fprintf; catch that text in memory so that it
 * becomes part of our single error message. */
static int
parse_quietly(struct berval *rbuf, unsigned long start, LDIFRecord *lr)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	FILE *saved = stderr;
	int rc;

	ldif_diag[0] = '\0';
	if (mem != NULL)
		stderr = mem;
	rc = ldap_parse_ldif_record(rbuf, start, lr, "LDIF", LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS);
	if (mem != NULL) {
		stderr = saved;
		fclose(mem);
		if (text != NULL && strncmp(text, "LDIF: ", 6) == 0)
			catch_diag(text + 6);
		free(text);
	}
	return rc;
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
	if (parse_quietly(&rbuf, src->records++ == 0 ? 1 : start, &src->lr) != 0) {
		err_set(err, A2R_ERR_SOURCE, "%s:%lu: malformed LDIF record%s%s", src->path,
			start, ldif_diag[0] ? ": " : "", ldif_diag);
		return ENTRY_FAIL;
	}
	src->have_record = 1;
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

/* ldif_source_next - read and parse the next entry */
enum entry_state
ldif_source_next(struct ldif_source *src, struct a2r_entry *entry, struct a2r_err *err)
{
	for (;;) {
		unsigned long before = src->lineno, skipped;
		const char *line;
		int rc;

		release_record(src);
		ldif_diag[0] = '\0';
		rc = ldif_read_record(src->fp, &src->lineno, &src->buf, &src->buflen);
		if (rc == 0)
			return ENTRY_DONE;
		if (rc < 0) {
			err_set(err, A2R_ERR_SOURCE, "%s:%lu: cannot read LDIF record%s%s",
				src->path, before + 1, ldif_diag[0] ? ": " : "", ldif_diag);
			return ENTRY_FAIL;
		}
		/* The record starts on the line after the last one ended, past
		 * any comment lines the reader kept. */
		line = first_line(src->buf, &skipped);
		before += 1 + skipped;
		rc = not_an_entry(src, line, before, err);
		if (rc < 0)
			return ENTRY_FAIL;
		if (rc == 0)
			return parse_record(src, before, entry, err);
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
