/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cldap.c - the LDAP ping's request and the decoding of hostile
 * replies (src/cldap.c), table-driven */
#include "autoconf.h"

#include "unit.h"

#include <ldap.h>

#include "cldap.h"

#define MSGID 4711

/* A NETLOGON_SAM_LOGON_RESPONSE_EX as Samba sends it: names compressed
 * against earlier ones (offsets in the comments). */
static const unsigned char good[] = {
    0x17, 0x00, 0x00, 0x00,                                /* 0: opcode 23, Sbz */
    0xfd, 0xf3, 0x01, 0x00,                                /* 4: flags */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* 8: guid */
    /* 24: DnsForestName corp.example.com */
    4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0xc0,
    24,                                 /* 42: DnsDomainName -> 24 */
    3, 'd', 'c', '1', 0xc0, 24,         /* 44: DnsHostName dc1. -> 24 */
    4, 'C', 'O', 'R', 'P', 0,           /* 50: NetbiosDomainName */
    3, 'D', 'C', '1', 0,                /* 56: NetbiosComputerName */
    0,                                  /* 61: UserName "" */
    6, 'B', 'r', 'a', 'n', 'c', 'h', 0, /* 62: DcSiteName */
    0xc0, 62,                           /* 70: ClientSiteName -> 62 */
    5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, /* 72: NtVersion, tokens */
};
#define CLIENT_SITE_AT 70

/* reply - a CLDAP answer: a search entry with attribute ATTR = VAL, then
 * the search result; the caller frees it with ber_bvfree() */
static struct berval *
reply(int msgid, const char *attr, const void *val, size_t len)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval *bv = NULL;

	assert_non_null(ber);
	assert_int_not_equal(ber_printf(ber, "{it{s{{s[o]}}}}", (ber_int_t)msgid,
	                                (ber_tag_t)LDAP_RES_SEARCH_ENTRY, "", attr,
	                                (const char *)val, (ber_len_t)len),
	                     -1);
	assert_int_not_equal(ber_printf(ber, "{it{ess}}", (ber_int_t)msgid,
	                                (ber_tag_t)LDAP_RES_SEARCH_RESULT, (ber_int_t)0, "", ""),
	                     -1);
	assert_int_not_equal(ber_flatten(ber, &bv), -1);
	ber_free(ber, 1);
	return bv;
}

/* parse - cldap_parse() of a reply carrying the Netlogon data NL */
static int
parse(const unsigned char *nl, size_t len, struct cldap_answer *a, char *why, size_t size)
{
	struct berval *bv = reply(MSGID, "netlogon", nl, len);
	int rc = cldap_parse(bv->bv_val, bv->bv_len, MSGID, a, why, size);

	ber_bvfree(bv);
	return rc;
}

static void
test_good(void **state)
{
	struct cldap_answer a;
	char why[200] = "";

	(void)state;
	assert_int_equal(parse(good, sizeof(good), &a, why, sizeof(why)), 0);
	assert_string_equal(a.domain, "corp.example.com");
	assert_string_equal(a.dc, "dc1.corp.example.com");
	assert_string_equal(a.dc_site, "Branch");
	assert_string_equal(a.client_site, "Branch");
	assert_int_equal(a.flags, 0x1f3fd);
}

/* every shorter prefix fails cleanly; the names end at CLIENT_SITE_AT + 2 */
static void
test_truncated(void **state)
{
	(void)state;
	for (size_t len = 0; len < sizeof(good); len++) {
		struct cldap_answer a;
		char why[200] = "";
		int rc = parse(good, len, &a, why, sizeof(why));

		if (len >= CLIENT_SITE_AT + 2) {
			assert_int_equal(rc, 0);
			continue;
		}
		if (rc != -1 || why[0] == '\0')
			fail_msg("prefix of %zu bytes: rc %d, \"%s\"", len, rc, why);
		assert_string_equal(a.client_site, "");
	}
}

/* one byte of the good data changed, and what cldap_parse must say */
static const struct {
	size_t at;
	unsigned char byte;
	const char *why; /* NULL: accepted */
} patches[] = {
    {0, 19, "the Netlogon data is not a NETLOGON_SAM_LOGON_RESPONSE_EX"},
    {0, 25, NULL},                                /* LOGON_SAM_USER_UNKNOWN_EX */
    {71, 70, "a compressed name points forward"}, /* to itself */
    {71, 72, "a compressed name points forward"}, /* past itself */
    {43, 42, "a compressed name points forward"}, /* domain -> itself */
    {49, 44, "a compressed name points forward"}, /* dc1. -> dc1. */
    {70, 0x40, "a name has a label of an unknown type"},
    {70, 0x80, "a name has a label of an unknown type"},
    {63, 0, "a name holds a NUL byte"},
    {62, 63, "a name runs past the end of the Netlogon data"},
    {70, 0, NULL}, /* ClientSiteName "" */
};

static void
test_patched(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(patches); i++) {
		unsigned char nl[sizeof(good)];
		struct cldap_answer a;
		char why[200] = "";
		int rc;

		memcpy(nl, good, sizeof(nl));
		nl[patches[i].at] = patches[i].byte;
		rc = parse(nl, sizeof(nl), &a, why, sizeof(why));
		if (patches[i].why == NULL && rc != 0)
			fail_msg("patch %zu: refused: %s", i, why);
		if (patches[i].why != NULL && (rc != -1 || strcmp(why, patches[i].why) != 0))
			fail_msg("patch %zu: rc %d, \"%s\"", i, rc, why);
	}
}

/* a pointer chain that only goes backwards, but long: ends, bounded */
static void
test_long_names(void **state)
{
	unsigned char nl[24 + 5 * 64 + 1];
	struct cldap_answer a;
	char why[200] = "";
	size_t n = 24;

	(void)state;
	memcpy(nl, good, 24);
	/* a forest name of 5 labels of 63 bytes: over 255 */
	for (int l = 0; l < 5; l++) {
		nl[n++] = 63;
		memset(nl + n, 'a', 63);
		n += 63;
	}
	nl[n++] = 0;
	assert_int_equal(parse(nl, n, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "a name is longer than 255 bytes");
}

static void
test_envelope(void **state)
{
	struct cldap_answer a;
	char why[200];
	struct berval *bv;
	BerElement *ber;

	(void)state;
	/* another request's answer */
	bv = reply(MSGID + 1, "netlogon", good, sizeof(good));
	assert_int_equal(cldap_parse(bv->bv_val, bv->bv_len, MSGID, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "an answer to another request");
	ber_bvfree(bv);
	/* the attribute's name in any case; another attribute is not it */
	bv = reply(MSGID, "NetLogon", good, sizeof(good));
	assert_int_equal(cldap_parse(bv->bv_val, bv->bv_len, MSGID, &a, why, sizeof(why)), 0);
	ber_bvfree(bv);
	bv = reply(MSGID, "netlogonx", good, sizeof(good));
	assert_int_equal(cldap_parse(bv->bv_val, bv->bv_len, MSGID, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "no Netlogon attribute in the answer");
	ber_bvfree(bv);
	/* no entry: the result code */
	ber = ber_alloc_t(LBER_USE_DER);
	assert_int_not_equal(ber_printf(ber, "{it{ess}}", (ber_int_t)MSGID,
	                                (ber_tag_t)LDAP_RES_SEARCH_RESULT, (ber_int_t)53, "", ""),
	                     -1);
	assert_int_not_equal(ber_flatten(ber, &bv), -1);
	ber_free(ber, 1);
	assert_int_equal(cldap_parse(bv->bv_val, bv->bv_len, MSGID, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "no Netlogon entry in the answer, result code 53 "
	                         "(Server is unwilling to perform)");
	ber_bvfree(bv);
	/* no BER at all, nothing at all */
	assert_int_equal(cldap_parse("\xff\xff\xff\xff", 4, MSGID, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "not an LDAP message");
	assert_int_equal(cldap_parse("", 0, MSGID, &a, why, sizeof(why)), -1);
	assert_string_equal(why, "not an LDAP message");
}

/* the request decodes as the search MS-ADTS 6.3.3 asks for */
static void
test_request(void **state)
{
	struct berval *req = NULL, base, type, value, attr;
	ber_int_t id, scope, deref, size, time, typesonly;
	ber_len_t len;
	BerElement *ber;

	(void)state;
	assert_int_equal(cldap_request("corp.example.com", MSGID, &req), 0);
	assert_non_null(ber = ber_init(req));
	assert_int_not_equal(ber_scanf(ber, "{i", &id), LBER_ERROR);
	assert_int_equal(id, MSGID);
	assert_int_equal(ber_peek_tag(ber, &len), LDAP_REQ_SEARCH);
	assert_int_not_equal(
	    ber_scanf(ber, "{meeiib", &base, &scope, &deref, &size, &time, &typesonly), LBER_ERROR);
	assert_int_equal(base.bv_len, 0);
	assert_int_equal(scope, LDAP_SCOPE_BASE);
	assert_int_equal(ber_peek_tag(ber, &len), LDAP_FILTER_AND);
	assert_int_not_equal(ber_scanf(ber, "{"), LBER_ERROR);
	assert_int_equal(ber_peek_tag(ber, &len), LDAP_FILTER_EQUALITY);
	assert_int_not_equal(ber_scanf(ber, "{mm}", &type, &value), LBER_ERROR);
	assert_true(type.bv_len == 9 && memcmp(type.bv_val, "DnsDomain", 9) == 0);
	assert_true(value.bv_len == 16 && memcmp(value.bv_val, "corp.example.com", 16) == 0);
	assert_int_not_equal(ber_scanf(ber, "{mm}", &type, &value), LBER_ERROR);
	assert_true(type.bv_len == 5 && memcmp(type.bv_val, "NtVer", 5) == 0);
	assert_true(value.bv_len == 4 && memcmp(value.bv_val, "\x06\0\0\0", 4) == 0);
	assert_int_not_equal(ber_scanf(ber, "}{m}", &attr), LBER_ERROR);
	assert_true(attr.bv_len == 8 && memcmp(attr.bv_val, "Netlogon", 8) == 0);
	ber_free(ber, 1);
	ber_bvfree(req);
}

static void
test_site_ok(void **state)
{
	static const struct {
		const char *name;
		int ok;
	} rows[] = {
	    {"Default-First-Site-Name", 1},
	    {"Branch2", 1},
	    {"", 0},
	    {"a.b", 0},
	    {"Bad_Site", 0},
	    {"sp ace", 0},
	    {"B\xc3\xbcro", 0},
	    {"x", 1},
	};
	char long64[65];

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++)
		if (cldap_site_ok(rows[i].name) != rows[i].ok)
			fail_msg("\"%s\": not %d", rows[i].name, rows[i].ok);
	memset(long64, 'a', 64);
	long64[64] = '\0';
	assert_int_equal(cldap_site_ok(long64), 0);
	long64[63] = '\0';
	assert_int_equal(cldap_site_ok(long64), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),     cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_patched),  cmocka_unit_test(test_long_names),
	    cmocka_unit_test(test_envelope), cmocka_unit_test(test_request),
	    cmocka_unit_test(test_site_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
