/* SPDX-License-Identifier: BSD-2-Clause */
/* policy.h - which candidate addresses become map keys, and how
 *
 * Called after extract: policy_check() decides whether a candidate is one
 * well-formed address Postfix can look up (and never a wildcard, a comment
 * or a line break); policy_fold() folds it exactly as Postfix folds keys;
 * policy_domain_match() applies relay_domains to the folded address.
 * policy_value_problem() judges a map value (static file, config).
 * policy_cleanup() releases the ICU case map opened on first use.
 */
#ifndef A2R_POLICY_H
#define A2R_POLICY_H

#include <stddef.h>

#include "util.h"

#define POLICY_MAX_LOCAL   64  /* RFC 5321 4.5.3.1.1 */
#define POLICY_MAX_ADDRESS 254 /* RFC 5321 path limit less the angle brackets */

enum policy_verdict {
	POLICY_OK = 0,
	POLICY_EMPTY,
	POLICY_NUL,
	POLICY_LINEBREAK,
	POLICY_CONTROL,
	POLICY_SPACE,
	POLICY_BAD_UTF8,
	POLICY_NO_AT,
	POLICY_MULTI_AT,
	POLICY_WILDCARD,
	POLICY_EMPTY_DOMAIN,
	POLICY_LOCAL_TOO_LONG,
	POLICY_TOO_LONG,
	POLICY_COMMENT,
	POLICY_BAD_LOCAL,
	POLICY_TRAILING_DOT,
	POLICY_BAD_DOMAIN,
	POLICY_INVISIBLE,  /* a format character: zero-width, BOM, bidi control */
	POLICY_UNASSIGNED, /* an unassigned or private-use code point */
	POLICY_NVERDICTS
};

/* policy_check - is ADDR (LEN bytes, not NUL-terminated) acceptable?
 * ASCII addresses are judged by a byte table in one pass; only an address
 * with bytes >= 0x80 is also walked code point by code point with ICU's
 * character properties: Unicode white space and separators (NBSP, U+3000,
 * U+2028/2029), C1 controls (U+0085, U+009B), format characters (U+200B,
 * U+FEFF, U+202E) and unassigned or private-use code points are refused.
 * Domain labels neither start nor end with '-'. */
enum policy_verdict policy_check(const char *addr, size_t len);

/* policy_reason - a short phrase for a verdict ("contains whitespace") */
const char *policy_reason(enum policy_verdict v);

/* policy_verdict_name - a token for a verdict, lower case letters,
 * digits and '_' ("no_at", "bad_utf8"): the metrics file's reason label */
const char *policy_verdict_name(enum policy_verdict v);

/* policy_fold - append ADDR folded as Postfix folds lookup keys to OUT:
 * ASCII-only strings are lower-cased; anything else goes through ICU's
 * full case folding (ucasemap_utf8FoldCase), as Postfix's casefold() does
 * with smtputf8_enable = yes.  Returns 0, or -1 if ICU fails (invalid
 * UTF-8 never gets here: policy_check rejects it). */
int policy_fold(const char *addr, size_t len, struct strbuf *out);

/* policy_check_domain - 1 if DOM (LEN bytes) is a syntactically valid
 * domain name (letters, digits, '-', '_' and UTF-8 labels; no label
 * starts or ends with '-'), else 0 */
int policy_check_domain(const char *dom, size_t len);

/* policy_value_problem - NULL if S is fit to be a map value (one line
 * of printable UTF-8), else what is wrong with it ("control character in
 * value", "value is not valid UTF-8") */
const char *policy_value_problem(const char *s);

/* policy_domain_match - does the folded address ADDR have a domain listed
 * in RELAY?  Entries are folded domains; "example.com" matches exactly,
 * ".example.com" matches any subdomain (Postfix's convention).  The first
 * entry that matches decides: an entry "!example.com" or "!.example.com"
 * (from Postfix's own relay_domains only) excludes what it matches. */
int policy_domain_match(const struct strlist *relay, const char *addr, size_t len);

/* policy_cleanup - release ICU state; safe to call more than once */
void policy_cleanup(void);

#endif
