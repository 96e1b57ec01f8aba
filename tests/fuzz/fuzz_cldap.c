/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_cldap.c - the decoder of LDAP ping replies (cldap_parse in
 * src/cldap.c; tests/unit/test_cldap.c has the cases it must get right)
 *
 * Input: a selector byte, then the rest.  Selector bit 0 clear: the rest
 * is the reply datagram as a DC would send it.  Bit 0 set: the rest is
 * the Netlogon data only, put into a well-formed reply here, so that the
 * fuzzer spends its time in the NETLOGON_SAM_LOGON_RESPONSE_EX decoder.
 * Invariants:
 *   - 0 or -1; on -1 a reason and an answer of zeros;
 *   - on 0 every name is a C string of at most 255 bytes without a NUL
 *     byte before its end (the array is 256 bytes), and a wrapped input
 *     is at least the fixed part (24 bytes) plus eight names long.
 */
#include "autoconf.h"

#include <ldap.h>

#include "cldap.h"
#include "fuzz.h"

#define MSGID 4711

/* wrap - a search entry of MSGID with Netlogon = DATA; NULL when out of
 * memory (the caller frees it with ber_bvfree) */
static struct berval *
wrap(const uint8_t *data, size_t size)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval *bv = NULL;

	if (ber == NULL)
		return NULL;
	if (ber_printf(ber, "{it{s{{s[o]}}}}", (ber_int_t)MSGID, (ber_tag_t)LDAP_RES_SEARCH_ENTRY,
	               "", "netlogon", (const char *)data, (ber_len_t)size) == -1 ||
	    ber_flatten(ber, &bv) == -1)
		bv = NULL;
	ber_free(ber, 1);
	return bv;
}

static void
check_name(const char *name)
{
	FUZZ_ASSERT(memchr(name, '\0', 256) != NULL);
	FUZZ_ASSERT(strlen(name) <= 255);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cldap_answer zero;
	struct cldap_answer a;
	struct berval *bv = NULL;
	char why[300] = "";
	int wrapped, rc;

	if (size == 0)
		return 0;
	wrapped = data[0] & 1;
	data++, size--;
	if (wrapped) {
		if ((bv = wrap(data, size)) == NULL)
			return 0;
		rc = cldap_parse(bv->bv_val, bv->bv_len, MSGID, &a, why, sizeof(why));
	} else {
		/* an exact-size copy: a read past the end is ASan's to see */
		uint8_t *copy = malloc(size > 0 ? size : 1);

		if (copy == NULL)
			return 0;
		memcpy(copy, data, size);
		rc = cldap_parse(copy, size, MSGID, &a, why, sizeof(why));
		free(copy);
	}
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc < 0) {
		FUZZ_ASSERT(why[0] != '\0');
		FUZZ_ASSERT(memcmp(&a, &zero, sizeof(a)) == 0);
	} else {
		check_name(a.domain);
		check_name(a.dc);
		check_name(a.dc_site);
		check_name(a.client_site);
		FUZZ_ASSERT(!wrapped || size >= 24 + 8);
	}
	ber_bvfree(bv);
	return 0;
}
