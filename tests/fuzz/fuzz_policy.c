/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_policy.c - extract + policy (src/extract.c, src/policy.c): what a
 * directory value may become as a map key
 *
 * Input: one selector byte (its low bit: a typed attribute,
 * proxyAddresses, or a plain one, mail), then the attribute value.  For
 * every value that extract and policy_check() accept, the key
 * policy_fold() makes must be:
 *   - one line: no LF, CR or NUL (nor any other ASCII control or space);
 *   - no wildcard, as DESIGN.md defines it for these maps: not starting
 *     with '@' (smtpd's "@domain" lookup), exactly one '@', and not the
 *     key "*"; a '*' inside a local part is an ordinary atext character
 *     (RFC 5321), which smtpd looks up literally in a cdb/hash map;
 *   - valid UTF-8, folded exactly as ICU folds it: u_strFoldCase() with
 *     U_FOLD_CASE_DEFAULT on the UTF-16 form of the address;
 *   - a fixed point: folding the key again gives the key.
 */
#include "autoconf.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "extract.h"
#include "fuzz.h"
#include "policy.h"
#include "util.h"

/* icu_fold - the reference: UTF-8 -> UTF-16 -> u_strFoldCase -> UTF-8.
 * Returns a malloc'ed string (length in *OUTLEN) or NULL for invalid
 * UTF-8. */
static char *
icu_fold(const char *s, size_t len, size_t *outlen)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t n16 = 0, nf, n8;
	UChar *u16, *f16;
	char *out;

	u_strFromUTF8(NULL, 0, &n16, s, (int32_t)len, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
		return NULL;
	st = U_ZERO_ERROR;
	u16 = calloc((size_t)n16 + 1, sizeof(UChar));
	f16 = calloc(3 * (size_t)n16 + 1, sizeof(UChar));
	out = calloc(9 * (size_t)n16 + 1, 1);
	FUZZ_ASSERT(u16 != NULL && f16 != NULL && out != NULL);
	u_strFromUTF8(u16, n16 + 1, NULL, s, (int32_t)len, &st);
	FUZZ_ASSERT(U_SUCCESS(st));
	nf = u_strFoldCase(f16, 3 * n16 + 1, u16, n16, U_FOLD_CASE_DEFAULT, &st);
	FUZZ_ASSERT(U_SUCCESS(st));
	u_strToUTF8(out, 9 * n16 + 1, &n8, f16, nf, &st);
	FUZZ_ASSERT(U_SUCCESS(st));
	free(u16);
	free(f16);
	*outlen = (size_t)n8;
	return out;
}

static void
check_key(const char *addr, size_t len, const char *key, size_t klen)
{
	struct strbuf again = {0};
	size_t reflen = 0, ats = 0;
	char *ref;

	FUZZ_ASSERT(klen > 0);
	for (size_t i = 0; i < klen; i++) {
		unsigned char c = (unsigned char)key[i];

		FUZZ_ASSERT(c != '\n' && c != '\r' && c != '\0');
		FUZZ_ASSERT(c > ' ' && c != 0x7f);
		ats += c == '@';
	}
	FUZZ_ASSERT(key[0] != '@');
	FUZZ_ASSERT(!(klen == 1 && key[0] == '*'));
	FUZZ_ASSERT(ats == 1);
	FUZZ_ASSERT(strlen(key) == klen);

	ref = icu_fold(addr, len, &reflen);
	FUZZ_ASSERT(ref != NULL); /* accepted, so valid UTF-8 */
	FUZZ_ASSERT(reflen == klen && memcmp(ref, key, klen) == 0);
	free(ref);

	FUZZ_ASSERT(policy_fold(key, klen, &again) == 0);
	FUZZ_ASSERT(again.len == klen && memcmp(again.p, key, klen) == 0);
	strbuf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *relay_v[] = {"example.com", ".example.org"};
	static size_t relay_len[] = {11, 12};
	const struct strlist relay = {(char **)relay_v, relay_len, 2, 2};
	const char *attr, *addr;
	struct strbuf key = {0};
	size_t len;
	char *val;

	if (size < 1)
		return 0;
	attr = data[0] & 1 ? "proxyAddresses" : "mail";
	/* an exact-size copy: ASan sees any read past the value */
	if ((val = malloc(size - 1 + 1)) == NULL)
		return 0;
	memcpy(val, data + 1, size - 1);
	if (extract_typed(extract_is_typed(attr), val, size - 1, &addr, &len) == EXTRACT_ADDRESS) {
		FUZZ_ASSERT(addr >= val && addr + len <= val + size - 1);
		if (policy_check(addr, len) == POLICY_OK) {
			FUZZ_ASSERT(policy_fold(addr, len, &key) == 0);
			check_key(addr, len, key.p, key.len);
			(void)policy_domain_match(&relay, key.p, key.len);
		}
	}
	(void)policy_check_domain(val, size - 1);
	strbuf_free(&key);
	free(val);
	return 0;
}
