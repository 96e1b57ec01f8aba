/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ldaplog.c - libldap's log lines and stderr become message parts */
#include "autoconf.h"

#include "unit.h"

#include "ldaplog.h"

/* logged - MSG as liblber's log print function installed now gets it */
static void
logged(const char *msg)
{
	BER_LOG_PRINT_FN fn = NULL;

	assert_int_equal(ber_get_option(NULL, LBER_OPT_LOG_PRINT_FN, &fn), LBER_OPT_SUCCESS);
	assert_non_null(fn);
	fn(msg);
}

static int
debug_level(void)
{
	int level = -1;

	assert_int_equal(ldap_get_option(NULL, LDAP_OPT_DEBUG_LEVEL, &level), LDAP_OPT_SUCCESS);
	return level;
}

static void
test_connect(void **state)
{
	(void)state;
	ldaplog_catch_connect();
	assert_int_equal(debug_level(), 0x8001); /* the trace level, for the TLS causes */
	assert_string_equal(ldaplog_tls_cause(), "");
	assert_string_equal(ldaplog_socket_error(), "");
	logged("ldap_connect_to_host: Trying 127.0.0.1:636\n");
	logged("ldap_is_socket_ready: error on socket 3: errno: 111 (Connection refused)\n");
	logged("ldap_is_socket_ready: error on socket 3: errno: 113 (No route to host)\n");
	assert_string_equal(ldaplog_socket_error(), "Connection refused");
	/* the first TLS line is the cause; the later ones say nothing more */
	logged("TLS: peer cert untrusted or revoked (0x42)  \n");
	logged("TLS: can't connect: (unknown error code).\n");
	assert_string_equal(ldaplog_tls_cause(), "TLS: peer cert untrusted or revoked (0x42)");
	ldaplog_quiet();
	assert_int_equal(debug_level(), 0x8000);
	/* the next connection starts afresh */
	ldaplog_catch_connect();
	assert_string_equal(ldaplog_tls_cause(), "");
	assert_string_equal(ldaplog_socket_error(), "");
	ldaplog_quiet();
}

static void
test_ldif(void **state)
{
	char good[] = "dn: CN=a,DC=example\nmail: a@example.com\n";
	char bad[] = "dn: CN=a,DC=example\nnot a line\n";
	struct berval rb;
	LDIFRecord lr;

	(void)state;
	ldaplog_catch_ldif();
	logged("ldif_read_file: something\n");
	assert_string_equal(ldaplog_ldif_cause(), "ldif_read_file: something");
	ldaplog_ldif_clear();
	assert_string_equal(ldaplog_ldif_cause(), "");
	rb.bv_val = good;
	rb.bv_len = strlen(good);
	memset(&lr, 0, sizeof(lr));
	assert_int_equal(
	    ldaplog_parse_ldif_record(&rb, 1, &lr, LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS), 0);
	ldap_ldif_record_done(&lr);
	assert_string_equal(ldaplog_ldif_cause(), "");
	/* the parser's complaint on stderr is caught, without its "LDIF: " */
	rb.bv_val = bad;
	rb.bv_len = strlen(bad);
	memset(&lr, 0, sizeof(lr));
	assert_int_not_equal(
	    ldaplog_parse_ldif_record(&rb, 7, &lr, LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS), 0);
	ldap_ldif_record_done(&lr);
	assert_string_not_equal(ldaplog_ldif_cause(), "");
	assert_null(strchr(ldaplog_ldif_cause(), '\n'));
	assert_true(strncmp(ldaplog_ldif_cause(), "LDIF: ", 6) != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_ldif),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
