/* SPDX-License-Identifier: BSD-2-Clause */
/* extract.c - attribute values to candidate addresses */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "extract.h"

/* Attributes whose values carry an Exchange address-type prefix. */
static const char *const typed_attrs[] = {"proxyAddresses", "targetAddress", NULL};

/* extract_is_typed - does NAME hold "TYPE:value" strings? */
int
extract_is_typed(const char *name)
{
	for (size_t i = 0; typed_attrs[i] != NULL; i++)
		if (strcasecmp(name, typed_attrs[i]) == 0)
			return 1;
	return 0;
}

/* extract_typed - classify one value of a known kind of attribute */
enum extract_kind
extract_typed(int typed, const char *val, size_t len, const char **addr, size_t *addrlen)
{
	const char *colon;

	if (!typed) {
		*addr = val;
		*addrlen = len;
		return EXTRACT_ADDRESS;
	}
	colon = memchr(val, ':', len);
	if (colon == NULL || colon == val) {
		*addr = val;
		*addrlen = len;
		return EXTRACT_NOTYPE;
	}
	/* AD keeps a value as written: " smtp:a@b" is no SMTP address to
	 * Exchange either, and must not pass for another type unnoticed */
	for (const char *p = val; p < colon; p++)
		if (*p == ' ' || *p == '\t') {
			*addr = val;
			*addrlen = (size_t)(colon - val);
			return EXTRACT_SPACED;
		}
	if (colon - val == 4 && (val[0] | 0x20) == 's' && (val[1] | 0x20) == 'm' &&
	    (val[2] | 0x20) == 't' && (val[3] | 0x20) == 'p') {
		*addr = colon + 1;
		*addrlen = len - 5;
		return EXTRACT_ADDRESS;
	}
	*addr = val;
	*addrlen = (size_t)(colon - val);
	return EXTRACT_OTHER;
}

/* parse_num - digits from P up to END; the end of them, or NULL if none */
static const char *
parse_num(const char *p, const char *end, long *v)
{
	const char *start = p;

	for (*v = 0; p < end && *p >= '0' && *p <= '9' && *v < 100000000; p++)
		*v = *v * 10 + (*p - '0');
	return p > start ? p : NULL;
}

int
extract_parse_range(const char *name, size_t len, size_t *baselen, long *low, long *high)
{
	const char *p = NULL, *end = name + len;

	for (size_t i = 0; i + 7 <= len; i++)
		if (name[i] == ';' && strncasecmp(name + i, ";range=", 7) == 0) {
			p = name + i;
			break;
		}
	if (p == NULL)
		return 0;
	*baselen = (size_t)(p - name);
	/* LOW-HIGH or LOW-*, bounded by LEN (names need not end in a NUL) */
	if ((p = parse_num(p + 7, end, low)) == NULL || p == end || *p++ != '-')
		return -1;
	if (p < end && *p == '*') {
		*high = -1;
		p++;
	} else if ((p = parse_num(p, end, high)) == NULL || *high < *low) {
		return -1;
	}
	/* other options may follow (";binary"), nothing else */
	return p == end || *p == ';' ? 1 : -1;
}
