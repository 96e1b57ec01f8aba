/* SPDX-License-Identifier: BSD-2-Clause */
/* util.c - string lists, byte buffers, UTF-8, escaping, writing it all */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* strlist_add - append a copy of S (LEN bytes) */
int
strlist_add(struct strlist *l, const char *s, size_t len)
{
	char *copy;

	if (l->n + 1 >= l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, ncap * sizeof(*nv));
		size_t *nl;

		if (nv == NULL)
			return -1;
		l->v = nv;
		if ((nl = realloc(l->len, ncap * sizeof(*nl))) == NULL)
			return -1;
		l->len = nl;
		l->cap = ncap;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	l->len[l->n] = len;
	l->v[l->n++] = copy;
	l->v[l->n] = NULL;
	return 0;
}

/* strlist_split - append the items of a space/comma separated list */
int
strlist_split(struct strlist *l, const char *value)
{
	const char *sep = " \t,";
	const char *p = value;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, sep);
		len = strcspn(p, sep);
		if (len > 0 && strlist_add(l, p, len) < 0)
			return -1;
		p += len;
	}
	return 0;
}

/* strlist_clear - free the strings, keep the array */
void
strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
	if (l->v != NULL)
		l->v[0] = NULL;
}

/* strlist_free - free everything */
void
strlist_free(struct strlist *l)
{
	strlist_clear(l);
	free(l->v);
	free(l->len);
	l->v = NULL;
	l->len = NULL;
	l->cap = 0;
}

/* strbuf_reserve - make room for EXTRA more bytes plus a NUL */
int
strbuf_reserve(struct strbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need < extra) {
		errno = ENOMEM;
		return -1;
	}
	if (need > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *np;

		while (ncap < need)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	return 0;
}

int
strbuf_add(struct strbuf *b, const void *data, size_t len)
{
	if (strbuf_reserve(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
strbuf_addc(struct strbuf *b, char c)
{
	return strbuf_add(b, &c, 1);
}

int
strbuf_addstr(struct strbuf *b, const char *s)
{
	return strbuf_add(b, s, strlen(s));
}

void
strbuf_free(struct strbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* utf8_seqlen - length of the valid UTF-8 sequence at S (at most LEN
 * bytes), or 0 if the bytes there are not valid UTF-8 */
static size_t
utf8_seqlen(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		return 0;
	return n;
}

/* utf8_valid - 1 if the whole buffer is well-formed UTF-8 */
int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seqlen(s + i, len - i);

		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* escape_value - append a one-line, printable rendering of a value */
int
escape_value(struct strbuf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		char tmp[8];
		size_t n;
		int rc;

		if (u[i] == '\n')
			rc = strbuf_addstr(b, "\\n");
		else if (u[i] == '\r')
			rc = strbuf_addstr(b, "\\r");
		else if (u[i] == '\t')
			rc = strbuf_addstr(b, "\\t");
		else if (u[i] == '\\' || u[i] == '"') {
			tmp[0] = '\\';
			tmp[1] = (char)u[i];
			rc = strbuf_add(b, tmp, 2);
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", u[i]);
			rc = strbuf_addstr(b, tmp);
		} else if (u[i] < 0x80) {
			rc = strbuf_addc(b, (char)u[i]);
		} else if ((n = utf8_seqlen(u + i, len - i)) > 0) {
			rc = strbuf_add(b, u + i, n);
			i += n;
			if (rc < 0)
				return -1;
			continue;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", u[i]);
			rc = strbuf_addstr(b, tmp);
		}
		if (rc < 0)
			return -1;
		i++;
	}
	return 0;
}

int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
hold_signals(sigset_t *old)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, old);
}

void
release_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}
