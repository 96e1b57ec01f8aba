/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_range.c - the ";range=LOW-HIGH" attribute description parser
 * (extract_parse_range in src/extract.c; tests/unit/test_range.c has the
 * cases it must get right)
 *
 * Input: the attribute description, in an exact-size buffer without a
 * NUL (the parser goes by length).  Invariants:
 *   - 0 exactly when no option ";range=" (any case) is in the name;
 *   - on 1: the base name ends where the first ";range=" starts, LOW >= 0,
 *     HIGH is -1 ("*") or >= LOW, and the value after "=" is LOW's digits
 *     (leading zeros allowed), then "-", then HIGH's digits or "*", then
 *     the end or ";";
 *   - "BASE;range=LOW-HIGH" rebuilt from the result parses the same.
 */
#include "autoconf.h"

#include <strings.h>

#include "extract.h"
#include "fuzz.h"

/* first_range - offset of the first ";range=" (any case), or -1 */
static long
first_range(const char *s, size_t len)
{
	for (size_t i = 0; i + 7 <= len; i++)
		if (strncasecmp(s + i, ";range=", 7) == 0)
			return (long)i;
	return -1;
}

/* number_at - the decimal number at *P (advanced past it), -1 if none */
static long
number_at(const char **p, const char *end)
{
	long v = 0;
	const char *start = *p;

	for (; *p < end && **p >= '0' && **p <= '9'; ++*p) {
		if (v > 1000000000L)
			return -2; /* far beyond anything the parser may accept */
		v = v * 10 + (**p - '0');
	}
	return *p > start ? v : -1;
}

static void
check_accepted(const char *name, size_t len, size_t baselen, long low, long high)
{
	const char *p = name + baselen + 7, *end = name + len;
	char rebuilt[64 + 1024];
	size_t b2 = 0;
	long l2 = 0, h2 = 0;
	int n;

	FUZZ_ASSERT(baselen < len && low >= 0 && (high == -1 || high >= low));
	FUZZ_ASSERT(number_at(&p, end) == low);
	FUZZ_ASSERT(p < end && *p++ == '-');
	if (high == -1)
		FUZZ_ASSERT(p < end && *p++ == '*');
	else
		FUZZ_ASSERT(number_at(&p, end) == high);
	FUZZ_ASSERT(p == end || *p == ';');

	if (baselen > 1024)
		return;
	/* the base may hold any byte, NUL included: copied, not formatted */
	memcpy(rebuilt, name, baselen);
	if (high == -1)
		n = snprintf(rebuilt + baselen, sizeof(rebuilt) - baselen, ";range=%ld-*", low);
	else
		n = snprintf(rebuilt + baselen, sizeof(rebuilt) - baselen, ";range=%ld-%ld", low,
		             high);
	n += (int)baselen;
	FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(rebuilt));
	FUZZ_ASSERT(extract_parse_range(rebuilt, (size_t)n, &b2, &l2, &h2) == 1);
	FUZZ_ASSERT(b2 == baselen && l2 == low && h2 == high);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size > 0 ? size : 1);
	size_t baselen = 0;
	long low = 0, high = 0, at;
	int r;

	if (name == NULL)
		return 0;
	memcpy(name, data, size);
	r = extract_parse_range(name, size, &baselen, &low, &high);
	at = first_range(name, size);
	FUZZ_ASSERT(r >= -1 && r <= 1);
	FUZZ_ASSERT((r == 0) == (at < 0));
	if (r == 1) {
		FUZZ_ASSERT((long)baselen == at);
		check_accepted(name, size, baselen, low, high);
	}
	free(name);
	return 0;
}
