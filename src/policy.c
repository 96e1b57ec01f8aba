/* SPDX-License-Identifier: BSD-2-Clause */
/* policy.c - address validation, Postfix-compatible folding, relay domains */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include <unicode/ucasemap.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "policy.h"
#include "util.h"

static UCaseMap *casemap;

/* policy_fold() lower-cases ASCII eight bytes at a time */
#define ONES      UINT64_C(0x0101010101010101)
#define HIGH_BITS (0x80 * ONES)

static const char *const reasons[POLICY_NVERDICTS] = {
    [POLICY_OK] = "ok",
    [POLICY_EMPTY] = "empty address",
    [POLICY_NUL] = "contains a NUL byte",
    [POLICY_LINEBREAK] = "contains a line break",
    [POLICY_CONTROL] = "contains a control character",
    [POLICY_SPACE] = "contains whitespace",
    [POLICY_BAD_UTF8] = "is not valid UTF-8",
    [POLICY_NO_AT] = "has no @",
    [POLICY_MULTI_AT] = "has more than one @",
    [POLICY_WILDCARD] = "starts with @ (a domain wildcard; allowed only in the static file)",
    [POLICY_EMPTY_DOMAIN] = "has an empty domain",
    [POLICY_LOCAL_TOO_LONG] = "local part is longer than 64 bytes",
    [POLICY_TOO_LONG] = "is longer than 254 bytes",
    [POLICY_COMMENT] = "starts with # (would be a comment in the map)",
    [POLICY_BAD_LOCAL] = "local part has a character or dot that is not allowed",
    [POLICY_TRAILING_DOT] = "domain ends with a dot",
    [POLICY_BAD_DOMAIN] = "domain is not a valid domain name",
    [POLICY_INVISIBLE] = ("contains an invisible format character (zero-width, BOM or "
                          "bidi control)"),
    [POLICY_UNASSIGNED] = "contains an unassigned or private-use code point",
};

/* A token for each verdict, for the metrics file's reason label. */
static const char *const names[POLICY_NVERDICTS] = {
    [POLICY_OK] = "ok",
    [POLICY_EMPTY] = "empty",
    [POLICY_NUL] = "nul",
    [POLICY_LINEBREAK] = "line_break",
    [POLICY_CONTROL] = "control_character",
    [POLICY_SPACE] = "white_space",
    [POLICY_BAD_UTF8] = "bad_utf8",
    [POLICY_NO_AT] = "no_at",
    [POLICY_MULTI_AT] = "several_at",
    [POLICY_WILDCARD] = "wildcard",
    [POLICY_EMPTY_DOMAIN] = "empty_domain",
    [POLICY_LOCAL_TOO_LONG] = "local_part_too_long",
    [POLICY_TOO_LONG] = "too_long",
    [POLICY_COMMENT] = "comment",
    [POLICY_BAD_LOCAL] = "bad_local_part",
    [POLICY_TRAILING_DOT] = "trailing_dot",
    [POLICY_BAD_DOMAIN] = "bad_domain",
    [POLICY_INVISIBLE] = "invisible_character",
    [POLICY_UNASSIGNED] = "unassigned_code_point",
};

/* policy_verdict_name - token for a verdict */
const char *
policy_verdict_name(enum policy_verdict v)
{
	if ((unsigned)v >= POLICY_NVERDICTS)
		return "unknown";
	return names[v];
}

/* policy_reason - phrase for a verdict */
const char *
policy_reason(enum policy_verdict v)
{
	if ((unsigned)v >= POLICY_NVERDICTS)
		return "unknown";
	return reasons[v];
}

/* Byte classes for the single pass of policy_check. */
enum {
	C_LOCAL = 0x01,  /* allowed unquoted in a dot-atom local part */
	C_DOMAIN = 0x02, /* allowed in a domain label */
	C_SPACE = 0x04,
	C_BREAK = 0x08,
	C_CTRL = 0x10,
	C_HIGH = 0x20, /* part of a UTF-8 sequence */
};

static unsigned char classes[256];

/* init_classes - fill the byte class table once */
static void
init_classes(void)
{
	static const char local_special[] = "!#$%&'*+-/=?^_`{|}~.";

	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			k = C_LOCAL | C_DOMAIN;
		else if (c >= 0x80)
			k = C_LOCAL | C_DOMAIN | C_HIGH;
		else if (c == ' ' || c == '\t')
			k = C_SPACE;
		else if (c == '\n' || c == '\r')
			k = C_BREAK;
		else if (c < 0x20 || c == 0x7f)
			k = C_CTRL;
		else if (c != 0 && strchr(local_special, c) != NULL)
			k = C_LOCAL | ((c == '-' || c == '_') ? C_DOMAIN : 0);
		classes[c] = k;
	}
	classes['.'] |= C_DOMAIN;
	classes[0] = C_CTRL;
}

/* domain_labels - non-empty labels of at most 63 bytes of domain bytes */
static int
domain_labels(const unsigned char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (!(classes[s[i]] & C_DOMAIN) || ++label > 63 ||
		           (label == 1 && s[i] == '-')) {
			return 0;
		}
	}
	return label > 0 && s[len - 1] != '-';
}

/* policy_check_domain - host-name syntax: non-empty labels of at most 63
 * bytes, no hyphen at either end of a label */
int
policy_check_domain(const char *dom, size_t len)
{
	if (classes['a'] == 0)
		init_classes();
	return domain_labels((const unsigned char *)dom, len) &&
	       utf8_valid((const unsigned char *)dom, len);
}

/* policy_value_problem - a map value: no control characters, UTF-8 */
const char *
policy_value_problem(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "control character in value";
	if (!utf8_valid((const unsigned char *)s, strlen(s)))
		return "value is not valid UTF-8";
	return NULL;
}

/* What one pass over an address found. */
struct scan {
	enum policy_verdict worst; /* NUL, line break, control, space */
	size_t at, nat;            /* first @, number of @ */
	int high;                  /* a byte >= 0x80 */
	int bad_local, bad_domain; /* syntax of the parts */
};

/* worst_byte - the most telling byte problem: NUL, line break, control
 * character, white space (only called when there is one) */
static enum policy_verdict
worst_byte(const unsigned char *s, size_t len)
{
	enum policy_verdict worst = POLICY_OK;

	for (size_t i = 0; i < len; i++) {
		unsigned k = classes[s[i]];

		if (s[i] == '\0')
			return POLICY_NUL;
		if (k & C_BREAK)
			worst = POLICY_LINEBREAK;
		else if ((k & C_CTRL) && worst != POLICY_LINEBREAK)
			worst = POLICY_CONTROL;
		else if ((k & C_SPACE) && worst == POLICY_OK)
			worst = POLICY_SPACE;
	}
	return worst;
}

/* The last few domains that passed: a directory's addresses share a
 * handful of domains, so most domains are checked by one memcmp().
 * (ad2relay checks addresses in one thread only.) */
#define GOOD_DOMAINS 8
static struct {
	unsigned char name[POLICY_MAX_ADDRESS];
	size_t len;    /* 0: an empty slot */
	unsigned bits; /* classes of its bytes */
} good_domain[GOOD_DOMAINS];
static unsigned good_next; /* the slot to fill next */

/* known_domain - the classes of a domain that passed before, or 0 */
static unsigned
known_domain(const unsigned char *d, size_t len)
{
	for (unsigned i = 0; i < GOOD_DOMAINS; i++)
		if (good_domain[i].len == len && memcmp(d, good_domain[i].name, len) == 0)
			return good_domain[i].bits;
	return 0;
}

/* scan - everything policy_check needs, in one pass over the bytes: the
 * local part, then the domain.  Local variables and no branch on the
 * data, so the loops run in registers without mispredictions.  An @ in
 * the domain is only counted (more than one @ is the verdict then). */
static void
scan(const unsigned char *s, size_t len, struct scan *r)
{
	const unsigned char *atp = memchr(s, '@', len);
	size_t at = atp != NULL ? (size_t)(atp - s) : len, nat = atp != NULL;
	size_t label = 0, longest = 0, dlen = len - at - (atp != NULL);
	unsigned all = 0, dbits = 0, prev = '.', bad_local = 0, bad_domain = 0, hyphen = 0;

	for (size_t i = 0; i < at; i++) {
		unsigned c = s[i], k = classes[c];

		all |= k;
		/* dot-atom: allowed characters, no leading or double dot */
		bad_local |= (unsigned)!(k & C_LOCAL) | ((c == '.') & (prev == '.'));
		prev = c;
	}
	bad_local |= prev == '.'; /* empty, or ends with a dot */
	if (dlen > 0 && (dbits = known_domain(s + at + 1, dlen)) != 0) {
		all |= dbits;
		label = 1; /* not empty; no label too long */
	} else {
		for (size_t i = at + 1; i < len; i++) {
			unsigned c = s[i], k = classes[c], dot = c == '.', dash = c == '-';

			dbits |= k;
			nat += c == '@';
			/* labels: not empty, domain characters only (the dot is
			 * one), no hyphen first or last */
			bad_domain |= (unsigned)!(k & C_DOMAIN) | (dot & (label == 0)) |
			              (dash & (label == 0)) | (dot & hyphen);
			hyphen = dash;
			longest = label > longest ? label : longest;
			label = (label + 1) & ((size_t)dot - 1); /* 0 after a dot */
		}
		bad_domain |= hyphen;
		longest = label > longest ? label : longest;
		all |= dbits;
		if (!bad_domain && nat == 1 && label > 0 && longest <= 63 && dlen <= 253 &&
		    !(dbits & (C_SPACE | C_BREAK | C_CTRL | C_HIGH))) {
			memcpy(good_domain[good_next].name, s + at + 1, dlen);
			good_domain[good_next].len = dlen;
			good_domain[good_next].bits = dbits;
			good_next = (good_next + 1) % GOOD_DOMAINS;
		}
	}
	r->worst = all & (C_SPACE | C_BREAK | C_CTRL) ? worst_byte(s, len) : POLICY_OK;
	r->at = atp != NULL ? at : 0;
	r->nat = nat;
	r->high = (all & C_HIGH) != 0;
	r->bad_local = bad_local;
	r->bad_domain = bad_domain | (label == 0) | (longest > 63) | (dlen > 253);
}

/* Non-ASCII code points refused, by ICU general category, and what each
 * is called: a table of categories, not of code points. */
static const struct {
	uint32_t mask;
	enum policy_verdict verdict;
} unicode_refused[] = {
    {U_GC_ZL_MASK | U_GC_ZP_MASK, POLICY_LINEBREAK}, /* U+2028, U+2029 */
    {U_GC_CC_MASK, POLICY_CONTROL},                  /* C1: U+0080..U+009F */
    {U_GC_ZS_MASK, POLICY_SPACE},                    /* NBSP, U+3000, ... */
    {U_GC_CF_MASK, POLICY_INVISIBLE},                /* U+200B, U+FEFF, U+202E */
    {U_GC_CN_MASK | U_GC_CO_MASK | U_GC_CS_MASK, POLICY_UNASSIGNED},
};

/* unicode_verdict - the worst non-ASCII code point of the valid UTF-8
 * string S: the first row of unicode_refused any of them falls in, so a
 * line break outranks a control, a control a space, and so on */
static enum policy_verdict
unicode_verdict(const unsigned char *s, size_t len)
{
	uint32_t seen = 0, mask;
	int32_t i = 0, n = (int32_t)len;

	while (i < n) {
		UChar32 cp;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		U8_NEXT(s, i, n, cp);
		mask = U_GET_GC_MASK(cp);
		seen |= mask;
		/* white space by Unicode's own property, should a future version
		 * give it to a code point outside the separators (letters, marks
		 * and digits, most of what addresses hold, are never white) */
		if (!(mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) && u_isUWhiteSpace(cp))
			seen |= U_GC_ZS_MASK;
	}
	for (size_t r = 0; r < sizeof(unicode_refused) / sizeof(unicode_refused[0]); r++)
		if (seen & unicode_refused[r].mask)
			return unicode_refused[r].verdict;
	return POLICY_OK;
}

/* policy_check - one well-formed address that Postfix can look up */
enum policy_verdict
policy_check(const char *addr, size_t len)
{
	const unsigned char *s = (const unsigned char *)addr;
	enum policy_verdict v;
	struct scan r;

	if (classes['a'] == 0)
		init_classes();
	if (len == 0)
		return POLICY_EMPTY;
	scan(s, len, &r);
	if (r.worst != POLICY_OK)
		return r.worst;
	if (r.high && !utf8_valid(s, len))
		return POLICY_BAD_UTF8;
	/* only non-ASCII addresses pay for ICU */
	if (r.high && (v = unicode_verdict(s, len)) != POLICY_OK)
		return v;
	if (r.nat == 0)
		return POLICY_NO_AT;
	if (r.nat > 1)
		return POLICY_MULTI_AT;
	/* A key "@domain" is a wildcard for the whole domain in Postfix. */
	if (r.at == 0)
		return POLICY_WILDCARD;
	if (r.at == len - 1)
		return POLICY_EMPTY_DOMAIN;
	if (r.at > POLICY_MAX_LOCAL)
		return POLICY_LOCAL_TOO_LONG;
	if (len > POLICY_MAX_ADDRESS)
		return POLICY_TOO_LONG;
	/* postmap reads a line starting with # as a comment. */
	if (s[0] == '#')
		return POLICY_COMMENT;
	if (r.bad_local)
		return POLICY_BAD_LOCAL;
	if (s[len - 1] == '.')
		return POLICY_TRAILING_DOT;
	if (r.bad_domain)
		return POLICY_BAD_DOMAIN;
	return POLICY_OK;
}

/* policy_fold - fold as Postfix's casefold() does */
int
policy_fold(const char *addr, size_t len, struct strbuf *out)
{
	UErrorCode status = U_ZERO_ERROR;
	char *dst;
	int32_t n;
	size_t i;

	if (strbuf_reserve(out, 3 * len) < 0 || len > INT32_MAX / 3)
		return -1;
	/* ASCII: lower-case while copying; stop at the first other byte */
	dst = out->p + out->len;
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w, upper;

		memcpy(&w, addr + i, 8);
		if (w & HIGH_BITS)
			goto icu;
		/* in every byte (all below 0x80, so no carries): the high bit
		 * of w + 0x3f says >= 'A', that of w + 0x25 says > 'Z' */
		upper = ((w + 0x3f * ONES) ^ (w + 0x25 * ONES)) & HIGH_BITS;
		w |= upper >> 2; /* 0x80 >> 2 is the case bit 0x20 */
		memcpy(dst + i, &w, 8);
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c >= 0x80)
			goto icu;
		dst[i] = (char)((unsigned)c - 'A' < 26u ? c + 32 : c);
	}
	out->len += len;
	out->p[out->len] = '\0';
	return 0;
icu:
	if (casemap == NULL) {
		casemap = ucasemap_open("en_US", U_FOLD_CASE_DEFAULT, &status);
		if (U_FAILURE(status))
			return -1;
	}
	/* Full folding grows a string by at most a factor of three. */
	n = ucasemap_utf8FoldCase(casemap, dst, (int32_t)(3 * len + 1), addr, (int32_t)len,
	                          &status);
	if (U_FAILURE(status))
		return -1;
	out->len += (size_t)n;
	out->p[out->len] = '\0';
	return 0;
}

/* policy_domain_match - apply relay_domains to a folded address: the
 * first entry that matches decides, as in Postfix's match lists */
int
policy_domain_match(const struct strlist *relay, const char *addr, size_t len)
{
	const char *at = memrchr(addr, '@', len);
	const char *dom;
	size_t dlen;

	if (at == NULL)
		return 0;
	dom = at + 1;
	dlen = len - (size_t)(dom - addr);
	for (size_t i = 0; i < relay->n; i++) {
		const char *r = relay->v[i];
		size_t rlen = relay->len[i];
		int negated = r[0] == '!';

		r += negated;
		rlen -= (size_t)negated;
		if (r[0] == '.') {
			/* ".example.com": strict subdomains only */
			if (dlen > rlen && memcmp(dom + dlen - rlen, r, rlen) == 0)
				return !negated;
		} else if (dlen == rlen && memcmp(dom, r, rlen) == 0) {
			return !negated;
		}
	}
	return 0;
}

/* policy_cleanup - release ICU state */
void
policy_cleanup(void)
{
	if (casemap != NULL) {
		ucasemap_close(casemap);
		casemap = NULL;
	}
}
