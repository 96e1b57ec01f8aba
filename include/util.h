/* SPDX-License-Identifier: BSD-2-Clause */
/* util.h - what several modules use and no one module owns
 *
 * struct strlist: a growable array of owned, NUL-terminated strings.
 * struct strbuf:  a growable byte buffer, always NUL-terminated.
 * Both start zeroed ({0}) and are released with their _free function;
 * functions that allocate return 0, or -1 with errno = ENOMEM.
 * Also: UTF-8 validity (policy), a value escaped for a human (collect's
 * warnings, explain), and a write that finishes (the map writers).
 */
#ifndef A2R_UTIL_H
#define A2R_UTIL_H

#include <signal.h>
#include <stddef.h>

struct strlist {
	char **v;
	size_t *len; /* strlen of each */
	size_t n;
	size_t cap;
};

/* strlist_add - append a copy of S (LEN bytes) */
int strlist_add(struct strlist *l, const char *s, size_t len);

/* strlist_split - append each item of a list value: separated by spaces,
 * tabs and/or commas, as in Postfix's main.cf */
int strlist_split(struct strlist *l, const char *value);

/* strlist_clear - free the strings, keep the list usable (empty) */
void strlist_clear(struct strlist *l);

/* strlist_free - free everything */
void strlist_free(struct strlist *l);

struct strbuf {
	char *p;
	size_t len;
	size_t cap;
};

int strbuf_reserve(struct strbuf *b, size_t extra);
int strbuf_add(struct strbuf *b, const void *data, size_t len);
int strbuf_addc(struct strbuf *b, char c);
int strbuf_addstr(struct strbuf *b, const char *s);
void strbuf_free(struct strbuf *b);

/* escape_value - append a printable, one-line rendering of LEN bytes to B:
 * control characters, backslash, double quote and invalid UTF-8 become
 * C escapes (\n, \x00, ...).  Used to show rejected values in warnings. */
int escape_value(struct strbuf *b, const char *s, size_t len);

/* utf8_valid - 1 if LEN bytes at S are well-formed UTF-8 (no overlongs,
 * no surrogates, nothing above U+10FFFF), else 0 */
int utf8_valid(const unsigned char *s, size_t len);

/* write_all - write the LEN bytes at P to FD, however many calls it takes;
 * 0, or -1 with errno set */
int write_all(int fd, const char *p, size_t len);

/* hold_signals - block the stop signals (SIGHUP, SIGINT, SIGTERM) while
 * a temp file's name is made, renamed or removed, so that a handler never
 * sees it half done; the old mask into *OLD.  release_signals() restores
 * it, and a stop signal that came meanwhile is handled then. */
void hold_signals(sigset_t *old);
void release_signals(const sigset_t *old);

#endif
