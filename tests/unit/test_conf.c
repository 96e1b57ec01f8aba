/* SPDX-License-Identifier: BSD-2-Clause */
/* test_conf.c - config file parsing and validation, table-driven */
#include "autoconf.h"

#include "unit.h"

#include "conf.h"
#include "policy.h"

struct ccase {
	const char *text;
	int ok;
	const char *msg; /* substring of the error, after the file name */
};

static const struct ccase cases[] = {
    {"relay_domains = example.org\n", 1, NULL},
    {"# comment\n\nrelay_domains = example.org, .Example.ORG\n", 1, NULL},
    {"relay_domains = a.example\n  b.example\n", 1, NULL},
    {"relay_domains = example.org\nbogus = 1\n", 0, ":2: unknown key \"bogus\""},
    {"relay_domains example.org\n", 0, ":1: expected \"key = value\""},
    {"relay_domains = example.org mple..org\n", 0,
     ":1: relay_domains: \"mple..org\" is not a domain"},
    {"relay_domains = postconf\n", 1, NULL},
    {"relay_domains = PostConf, example.org\n", 1, NULL},
    {"relay_domains = postfonf\n", 0,
     ":1: relay_domains: \"postfonf\" is not a domain name (a relay domain has a dot; "
     "\"postconf\" takes Postfix's own relay_domains, \"exchange\" Exchange's accepted "
     "domains)"},
    {"relay_domains = !example.org\n", 0, ":1: relay_domains: \"!example.org\" is not a domain"},
    {"relay_domains = example.org\ndomain = corp\n", 0, ":2: domain: \"corp\" is not a DNS domain"},
    {"relay_domains = example.org\nbind = kerberos\n", 0,
     ":2: bind: \"kerberos\" is not one of anonymous, simple, external, gssapi"},
    {"relay_domains = example.org\ntls = ldaps\n", 0,
     ":2: tls: \"ldaps\" is not one of auto, starttls, none"},
    {"relay_domains = example.org\nmax_shrink = 120%\n", 0,
     ":2: max_shrink: \"120%\" is not a percentage from 0% to 100%"},
    {"relay_domains = example.org\nmax_shrink = ten\n", 0,
     ":2: max_shrink: \"ten\" is not a percentage from 0% to 100%"},
    {"relay_domains = example.org\nrequire = postmaster\n", 0,
     ":2: require: \"postmaster\" has no @"},
    {"relay_domains = example.org\nuri = http://dc1\n", 0,
     ":2: uri: \"http://dc1\" is not an ldap://, ldaps:// or ldapi:// URI"},
    {"relay_domains = example.org\nfilter = cn=x\n", 0,
     ":2: filter: \"cn=x\" is not one LDAP filter in parentheses"},
    {"relay_domains = example.org\nfilter = (cn=x)(cn=y)\n", 0,
     ":2: filter: \"(cn=x)(cn=y)\" is not one LDAP filter"},
    {"relay_domains = example.org\nfilter = (&(cn=x)(cn=y))\ntimeout = 0\n", 0,
     ":3: timeout: \"0\" is not a number from 1 to 3600"},
    {"relay_domains = example.org\nbind = simple\n", 0,
     "bind = simple needs binddn and bindpw_file"},
    {"relay_domains = example.org\nobjects = users printers\n", 0,
     ":2: objects: \"printers\" is not one of users, groups"},
    {"relay_domains = example.org\ncdb = maybe\n", 0, ":2: cdb: \"maybe\" is not yes or no"},
    {"relay_domains = example.org\nrelay_domains = example.com\n", 0,
     ":2: relay_domains is set twice"},
    {"  relay_domains = example.org\n", 0, ":1: continuation line without a key"},
    {"relay_domains = example.org\nattributes = mail proxy_Addresses\n", 0,
     ":2: attributes: \"proxy_Addresses\" is not an attribute name"},
    {"relay_domains = example.org\nvalue =\n", 0, ":2: value: empty value"},
    /* recipient_delimiter: a set of characters, empty for none */
    {"relay_domains = example.org\nrecipient_delimiter = +-\n", 1, NULL},
    {"relay_domains = example.org\nrecipient_delimiter =\n", 1, NULL},
    {"relay_domains = example.org\nrecipient_delimiter = + -\n", 0,
     ":2: recipient_delimiter: \"+ -\" is not a set of delimiter characters"},
    {"relay_domains = example.org\nrecipient_delimiter = @\n", 0,
     ":2: recipient_delimiter: \"@\" is not a set of delimiter characters"},
    {"relay_domains = example.org\nrecipient_delimiter = \xC2\xA7\n", 0,
     ":2: recipient_delimiter: \"\xC2\xA7\" is not a set of delimiter characters"},
    {"relay_domains = example.org\noutput =\n", 0, ":2: output: empty path"},
    {"output = /tmp/x\n", 0, "relay_domains is not set"},
    {"relay_domains = @example.org\n", 0, ":1: relay_domains: \"@example.org\" is not a domain"},
    {"relay_domains = example.org\nrun_timeout = 0\n", 0,
     ":2: run_timeout: \"0\" is not a number from 1 to 86400"},
    {"relay_domains = example.org\ntls_cert = /etc/a.pem\n", 0,
     "tls_cert is set but tls_key is not: a client certificate needs both"},
    {"relay_domains = example.org\ntls_key = /etc/a.key\n", 0,
     "tls_key is set but tls_cert is not"},
    {"relay_domains = example.org\ntls_cert = /etc/a.pem\ntls_key = /etc/a.key\n", 1, NULL},
    {"relay_domains = example.org\ntls_key =\n", 0, ":2: tls_key: empty path"},
    {"relay_domains = example.org\nsite = Branch-2\n", 1, NULL},
    {"relay_domains = example.org\nsite = AUTO\n", 1, NULL},
    {"relay_domains = example.org\nsite = none\n", 1, NULL},
    {"relay_domains = example.org\nsite = Branch.Office\n", 0,
     ":2: site: \"Branch.Office\" is not auto, none or a site name (one DNS label: letters, "
     "digits and hyphens)"},
    {"relay_domains = example.org\nsite =\n", 0, ":2: site: \"\" is not auto, none"},
    {"relay_domains = example.org\nsite = none\nuri = ldap://dc1\n", 0,
     "site applies to DCs found in DNS, and uri lists the DCs"},
    /* a UTF-8 byte-order mark is skipped, on the first line only */
    {"\xEF\xBB\xBFrelay_domains = example.org\n", 1, NULL},
    {"\xEF\xBB\xBF# comment\nrelay_domains = example.org\n", 1, NULL},
    {"relay_domains = example.org\n\xEF\xBB\xBFvalue = OK\n", 0, ":2: unknown key"},
    /* UTF-16 (strlen() ends the text at its first NUL: the mark is there) */
    {"\xFF\xFEr", 0, ": the file is UTF-16; save it as UTF-8 (iconv -f UTF-16 -t UTF-8)"},
    {"\xFE\xFF", 0, ": the file is UTF-16"},
    /* sources of relay domains read at run time, alone or with domains */
    {"relay_domains = exchange\n", 1, NULL},
    {"relay_domains = Exchange, extra.example\n", 1, NULL},
    {"relay_domains = exchanges\n", 0, ":1: relay_domains: \"exchanges\" is not a domain name"},
    {"relay_domains = exchange\nincremental = yes\n", 0,
     "relay_domains = exchange does not go with incremental = yes yet: list the domains, or "
     "set incremental = no"},
    /* scope: the Global Catalog's ports */
    {"relay_domains = example.org\nscope = tree\n", 0,
     ":2: scope: \"tree\" is not one of domain, forest"},
    {"relay_domains = example.org\nscope = forest\nuri = ldap://dc1.example.org:3268\n", 1, NULL},
    {"relay_domains = example.org\nscope = forest\nuri = ldap://dc1.example.org:389\n", 0,
     "ldap://dc1.example.org:389: scope = forest searches the Global Catalog, on port 3268 "
     "(ldap://) or 3269 (ldaps://); port 389 holds one domain only"},
    {"relay_domains = example.org\nscope = forest\nuri = ldaps://[::1]:636/\n", 0,
     "ldaps://[::1]:636/: scope = forest searches the Global Catalog"},
    {"relay_domains = example.org\nscope = forest\nuri = ldapi:///\n", 0,
     "ldapi:///: scope = forest reaches the Global Catalog over TCP"},
    {"relay_domains = example.org\nuri = ldap://dc1.example.org:389\n", 1, NULL},
};

/* write_temp - a config file holding TEXT, owner-only as conf_load wants */
static char *
write_temp(const char *text)
{
	char *path = unit_write(unit_dir, "ad2relay.conf", text);

	assert_int_equal(chmod(path, 0600), 0);
	return path;
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct a2r_config cfg;
		struct a2r_err err = {0};
		char *path = write_temp(cases[i].text);
		int rc;

		assert_int_equal(conf_init(&cfg, &err), 0);
		rc = conf_load(&cfg, path, 0, &err);
		if (rc == 0)
			rc = conf_finish(&cfg, &err);
		if (cases[i].ok && rc != 0)
			fail_msg("case %zu: unexpected error %s", i, err.msg);
		if (!cases[i].ok) {
			if (rc == 0)
				fail_msg("case %zu: accepted", i);
			assert_int_equal(err.code, A2R_ERR_CONFIG);
			if (strstr(err.msg, cases[i].msg) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
		}
		conf_free(&cfg);
		unlink(path);
		free(path);
	}
}

static void
test_defaults_and_override(void **state)
{
	struct a2r_config cfg;
	struct a2r_err err = {0};
	char *path = write_temp("relay_domains = Example.ORG .Corp.Example.com\ncdb = no\n");

	(void)state;
	assert_int_equal(conf_init(&cfg, &err), 0);
	assert_string_equal(cfg.output, "/etc/postfix/relay_recipients");
	assert_string_equal(cfg.value, "OK");
	assert_int_equal(cfg.cdb, 1);
	assert_int_equal(cfg.attributes.n, 2);
	assert_null(cfg.recipient_delimiter); /* unset: explain asks postconf */
	assert_int_equal(conf_load(&cfg, path, 0, &err), 0);
	assert_int_equal(cfg.cdb, 0);
	assert_string_equal(cfg.relay_domains.v[0], "example.org");
	assert_string_equal(cfg.relay_domains.v[1], ".corp.example.com");
	assert_int_equal(conf_set(&cfg, "output", "/tmp/map", "--output", &err), 0);
	assert_string_equal(cfg.output, "/tmp/map");
	assert_int_equal(conf_set(&cfg, "nope", "x", "--nope", &err), -1);
	assert_string_equal(err.msg, "--nope: unknown key \"nope\"");
	conf_free(&cfg);
	unlink(path);
	free(path);
}

/* run_timeout: 30 x timeout unless set, whatever the order of the keys */
static void
test_run_timeout(void **state)
{
	static const struct {
		const char *text;
		long want;
	} rows[] = {
	    {"relay_domains = example.org\n", 300},
	    {"relay_domains = example.org\ntimeout = 2\n", 60},
	    {"run_timeout = 7\nrelay_domains = example.org\ntimeout = 2\n", 7},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct a2r_config cfg;
		struct a2r_err err = {0};
		char *path = write_temp(rows[i].text);

		assert_int_equal(conf_init(&cfg, &err), 0);
		assert_int_equal(conf_load(&cfg, path, 0, &err), 0);
		assert_int_equal(conf_finish(&cfg, &err), 0);
		assert_int_equal(cfg.run_timeout, rows[i].want);
		conf_free(&cfg);
		unlink(path);
		free(path);
	}
}

/* the default bind: by binddn, keytab or client certificate, in that order */
static void
test_default_bind(void **state)
{
	static const struct {
		const char *text;
		int want;
	} rows[] = {
	    {"relay_domains = example.org\n", CONF_BIND_DEFAULT},
	    {"relay_domains = example.org\ntls_cert = /c.pem\ntls_key = /c.key\n",
	     CONF_BIND_EXTERNAL},
	    {"relay_domains = example.org\ntls_cert = /c.pem\ntls_key = /c.key\nkeytab = /k\n",
	     CONF_BIND_GSSAPI},
	    {"relay_domains = example.org\ntls_cert = /c.pem\ntls_key = /c.key\nbinddn = cn=x\n"
	     "bindpw_file = /p\n",
	     CONF_BIND_SIMPLE},
	    {"relay_domains = example.org\ntls_cert = /c.pem\ntls_key = /c.key\nbind = anonymous\n",
	     CONF_BIND_ANONYMOUS},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct a2r_config cfg;
		struct a2r_err err = {0};
		char *path = write_temp(rows[i].text);

		assert_int_equal(conf_init(&cfg, &err), 0);
		assert_int_equal(conf_load(&cfg, path, 0, &err), 0);
		assert_int_equal(conf_finish(&cfg, &err), 0);
		assert_int_equal(cfg.bind, rows[i].want);
		conf_free(&cfg);
		unlink(path);
		free(path);
	}
}

/* relay_domains: the listed domains and the sources, apart */
static void
test_relay_sources(void **state)
{
	struct a2r_config cfg;
	struct a2r_err err = {0};

	(void)state;
	assert_int_equal(conf_init(&cfg, &err), 0);
	assert_int_equal(cfg.scope, CONF_SCOPE_DOMAIN);
	assert_int_equal(conf_set(&cfg, "relay_domains", "exchange", "t", &err), 0);
	assert_int_equal(cfg.relay_sources, CONF_RELAY_EXCHANGE);
	assert_int_equal(cfg.relay_domains.n, 0);
	assert_int_equal(conf_finish(&cfg, &err), 0);
	assert_int_equal(
	    conf_set(&cfg, "relay_domains", "Extra.Example EXCHANGE, .sub.example", "t", &err), 0);
	assert_int_equal(cfg.relay_sources, CONF_RELAY_EXCHANGE);
	assert_int_equal(cfg.relay_domains.n, 2);
	assert_string_equal(cfg.relay_domains.v[0], "extra.example");
	assert_string_equal(cfg.relay_domains.v[1], ".sub.example");
	/* a later setting replaces the sources too */
	assert_int_equal(conf_set(&cfg, "relay_domains", "example.org", "t", &err), 0);
	assert_int_equal(cfg.relay_sources, 0);
	assert_int_equal(conf_set(&cfg, "scope", "Forest", "t", &err), 0);
	assert_int_equal(cfg.scope, CONF_SCOPE_FOREST);
	conf_free(&cfg);
}

/* conf_gc_uri: the Global Catalog's port filled in, the domain's refused */
static void
test_gc_uri(void **state)
{
	static const struct {
		const char *uri, *want; /* want NULL: refused */
	} rows[] = {
	    {"ldap://dc1.example.org", "ldap://dc1.example.org:3268"},
	    {"ldaps://dc1.example.org/", "ldaps://dc1.example.org:3269/"},
	    {"LDAPS://dc1.example.org", "LDAPS://dc1.example.org:3269"},
	    {"ldap://[::1]", "ldap://[::1]:3268"},
	    {"ldap://[::1]:3268", "ldap://[::1]:3268"},
	    {"ldap://dc1.example.org:3268/??sub", "ldap://dc1.example.org:3268/??sub"},
	    {"ldap://dc1.example.org:10389", "ldap://dc1.example.org:10389"},
	    {"ldap://dc1.example.org/??base", "ldap://dc1.example.org:3268/??base"},
	    {"ldap://dc1.example.org:389", NULL},
	    {"ldaps://dc1.example.org:636", NULL},
	    {"ldapi://%2Frun%2Fslapd", NULL},
	    {"ldap//dc1", NULL},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct a2r_err err = {0};
		char *out = NULL;
		int rc = conf_gc_uri(rows[i].uri, &out, &err);

		if (rows[i].want == NULL) {
			assert_int_equal(rc, -1);
			assert_int_equal(err.code, A2R_ERR_CONFIG);
			assert_null(out);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: %s", rows[i].uri, err.msg);
		assert_string_equal(out, rows[i].want);
		free(out);
	}
}

static void
test_missing_file(void **state)
{
	struct a2r_config cfg;
	struct a2r_err err = {0};

	(void)state;
	assert_int_equal(conf_init(&cfg, &err), 0);
	assert_int_equal(conf_load(&cfg, "/nonexistent/ad2relay.conf", 1, &err), 0);
	assert_int_equal(conf_load(&cfg, "/nonexistent/ad2relay.conf", 0, &err), -1);
	assert_string_equal(err.msg,
	                    "config file /nonexistent/ad2relay.conf: No such file or directory");
	conf_free(&cfg);
}

static int
teardown(void **state)
{
	policy_cleanup();
	return unit_dir_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),        cmocka_unit_test(test_defaults_and_override),
	    cmocka_unit_test(test_missing_file), cmocka_unit_test(test_run_timeout),
	    cmocka_unit_test(test_default_bind), cmocka_unit_test(test_relay_sources),
	    cmocka_unit_test(test_gc_uri),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, teardown);
}
