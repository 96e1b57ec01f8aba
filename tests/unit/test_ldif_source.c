/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ldif_source.c - ldif_source.c: LDIF text to entries, table-driven
 *
 * Each case is an LDIF file, the entries the source must hand out (each
 * rendered as its DN and "name: value" lines), and how the iteration ends:
 * ENTRY_DONE, or ENTRY_FAIL with the exact A2R_ERR_SOURCE message (file
 * name and line).  The crash inputs of tests/data are read from there. */
#include "autoconf.h"

#include "unit.h"

#include "ldif_source.h"

struct lcase {
	const char *name;
	const char *text;    /* the file, or NULL: DATA */
	size_t len;          /* of TEXT, 0 = strlen (a NUL byte needs it) */
	const char *data;    /* a file under tests/data */
	const char *entries; /* every entry handed out, rendered */
	const char *msg;     /* NULL: ends with ENTRY_DONE; else the error
	                      * after the file name ("PATH" then MSG) */
};

#define UTF16_LDIF                                                                                 \
	"\xFF\xFE"                                                                                 \
	"d\0n\0:\0 \0c\0n\0=\0a\0\n\0"
#define NUL_LDIF "dn: cn=a\nmail: a@corp.example.com\nx\0y: z\n"

static const struct lcase cases[] = {
    {"empty file", "", 0, NULL, "", NULL},
    {"comments and version only", "version: 1\n\n# nothing here\n", 0, NULL, "", NULL},
    {"two records",
     "dn: cn=a,dc=x\nobjectClass: user\nmail: a@x.org\nproxyAddresses: SMTP:a@x.org\n"
     "proxyAddresses: smtp:b@x.org\n\ndn: cn=b,dc=x\nmail: b@x.org\n",
     0, NULL,
     "dn: cn=a,dc=x\nobjectClass: user\nmail: a@x.org\nproxyAddresses: SMTP:a@x.org\n"
     "proxyAddresses: smtp:b@x.org\n"
     "dn: cn=b,dc=x\nmail: b@x.org\n",
     NULL},
    {"blank lines, comments, CRLF and version: 1",
     "version: 1\n\n\n# a comment\n#  continued\ndn: cn=a,dc=x\r\nmail: a@x.org\r\n\r\n\n"
     "# trailing comment\n",
     0, NULL, "dn: cn=a,dc=x\nmail: a@x.org\n", NULL},
    {"continuation lines: DN and values folded",
     "dn: cn=a,\n dc=x\nproxyAddresses: SMTP:long.name@exa\n mple.org\nmail: m@x\n .org\n", 0, NULL,
     "dn: cn=a,dc=x\nproxyAddresses: SMTP:long.name@example.org\nmail: m@x.org\n", NULL},
    {"base64 DN and values",
     "dn:: Y249SsO8cmdlbixkYz14\nmail:: asO8cmdlbkB4Lm9yZw==\nmail: plain@x.org\n", 0, NULL,
     "dn: cn=J\xc3\xbcrgen,dc=x\nmail: j\xc3\xbcrgen@x.org\nmail: plain@x.org\n", NULL},
    {"ldapsearch references and trailer skipped",
     "dn: cn=a,dc=x\nmail: a@x.org\n\n# search reference\nref: ldap://other/dc=x\n\n"
     "# search result\nsearch: 2\nresult: 0 Success\n\n# numResponses: 2\n",
     0, NULL, "dn: cn=a,dc=x\nmail: a@x.org\n", NULL},
    {"a size-limited ldapsearch export",
     "dn: cn=a\nmail: a@example.org\n\nsearch: 2\nresult: 4 Size limit exceeded\n", 0, NULL,
     "dn: cn=a\nmail: a@example.org\n",
     ":4: the export is incomplete: the search that wrote it ended with \"result: 4 Size "
     "limit exceeded\""},
    {"ldifde: changetype add", "dn: cn=a,dc=x\nchangetype: add\nmail: a@x.org\n", 0, NULL,
     "dn: cn=a,dc=x\nmail: a@x.org\n", NULL},
    {"changetype modify", NULL, 0, "bad-modify.ldif",
     "dn: CN=Bob Builder,OU=Staff,DC=corp,DC=example,DC=com\nobjectClass: user\n"
     "mail: bob@corp.example.com\n",
     ":6: \"changetype: modify\" record for CN=Carol,OU=Staff,DC=corp,DC=example,DC=com: "
     "only entries (or \"changetype: add\") can be read"},
    {"changetype delete", NULL, 0, "bad-delete.ldif", "",
     ":1: \"changetype: delete\" record for CN=Carol,OU=Staff,DC=corp,DC=example,DC=com: "
     "only entries (or \"changetype: add\") can be read"},
    {"changetype modrdn", "dn: cn=a,dc=x\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\n", 0,
     NULL, "",
     ":1: \"changetype: modrdn\" record for cn=a,dc=x: only entries (or \"changetype: add\") "
     "can be read"},
    {"garbage after an entry", NULL, 0, "bad-garbage.ldif",
     "dn: CN=Dave,DC=corp,DC=example,DC=com\nmail: dave@corp.example.com\n",
     ":4: malformed LDIF record*"},
    {"crash: an index line alone", NULL, 0, "crash-index.ldif", "",
     ":1: malformed LDIF record: no \"dn:\" line"},
    {"crash: a - line", NULL, 0, "crash-dash.ldif", "",
     ":2: malformed LDIF record: a \"-\" line outside a modify record"},
    {"crash: a - line in an add record", NULL, 0, "crash-dash-add.ldif", "",
     ":3: malformed LDIF record: a \"-\" line outside a modify record"},
    {"crash: no attribute name", NULL, 0, "crash-notype.ldif", "",
     ":2: malformed LDIF record: no attribute name before \":\""},
    {"no attribute name, later line", "dn: cn=a\nmail: a@corp.example.com\n: v\n", 0, NULL, "",
     ":3: malformed LDIF record: no attribute name before \":\""},
    {"no dn: line", "# only a comment\nmail: a@corp.example.com\n", 0, NULL, "",
     ":2: malformed LDIF record: no \"dn:\" line"},
    {"blank lines counted", "dn: cn=a\nmail: a@corp.example.com\n\n\n\ndn: cn=b\n-\n", 0, NULL,
     "dn: cn=a\nmail: a@corp.example.com\n",
     ":7: malformed LDIF record: a \"-\" line outside a modify record"},
    {"a UTF-8 byte-order mark skipped",
     "\xEF\xBB\xBF"
     "dn: cn=a,dc=x\nmail: a@x.org\n",
     0, NULL, "dn: cn=a,dc=x\nmail: a@x.org\n", NULL},
    {"UTF-16 refused", UTF16_LDIF, sizeof(UTF16_LDIF) - 1, NULL, "",
     ":1: the file is UTF-16 (ldifde -u): convert it with iconv -f UTF-16 -t UTF-8, or export "
     "without -u"},
    {"a NUL byte", NUL_LDIF, sizeof(NUL_LDIF) - 1, NULL, "", ":3: a NUL byte: not an LDIF file"},
    {"URL value refused", "dn: cn=p\nobjectClass: user\nmail:< file:///etc/passwd\n", 0, NULL, "",
     ":3: mail:< URL values are not read"},
    {"URL value with a folded name refused", "dn: cn=p\nma\n il:< file:///etc/passwd\n", 0, NULL,
     "", ":2: mail:< URL values are not read"},
    {"URL value from tests/data", NULL, 0, "url-devzero.ldif", "",
     ":2: mail:< URL values are not read"},
    {"include: refused", "dn: cn=a\nmail: a@corp.example.com\n\n# x\ninclude: file:///etc/passwd\n",
     0, NULL, "", ":5: \"include:\" lines are not read"},
    {"include: from tests/data", NULL, 0, "include-devzero.ldif", "",
     ":4: \"include:\" lines are not read"},
    {"an incomplete range",
     "dn: cn=big\nobjectClass: group\nproxyAddresses;range=0-1: smtp:a@example.org\n", 0, NULL, "",
     ": cn=big: proxyAddresses;range=0-1 holds only part of its values: the export is "
     "incomplete (export with range retrieval, or read the directory)"},
    {"range=0-* is a whole set",
     "dn: cn=big\nproxyAddresses;range=0-*: smtp:a@example.org\n"
     "proxyAddresses;range=0-*: smtp:b@example.org\n",
     0, NULL,
     "dn: cn=big\nproxyAddresses;range=0-*: smtp:a@example.org\n"
     "proxyAddresses;range=0-*: smtp:b@example.org\n",
     NULL},
};

/* render - append ENTRY to OUT as "dn: DN" and one "name: value" line
 * per value */
static void
render(char **out, const struct a2r_entry *e)
{
	char *s;

	assert_true(asprintf(&s, "%sdn: %s\n", *out, e->dn) > 0);
	free(*out);
	*out = s;
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct a2r_attr *a = &e->attrs[i];

		assert_non_null(a->vals);
		for (struct berval **v = a->vals; *v != NULL; v++) {
			assert_true(asprintf(&s, "%s%.*s: %.*s\n", *out, (int)a->namelen, a->name,
			                     (int)(*v)->bv_len, (*v)->bv_val) > 0);
			free(*out);
			*out = s;
		}
	}
}

/* same_msg - the message is PATH followed by WANT; a WANT ending in "*"
 * is a prefix (what follows comes from libldap's own diagnostics) */
static int
same_msg(const char *msg, const char *path, const char *want)
{
	size_t plen = strlen(path), wlen = strlen(want);

	if (strncmp(msg, path, plen) != 0)
		return 0;
	msg += plen;
	if (wlen > 0 && want[wlen - 1] == '*')
		return strncmp(msg, want, wlen - 1) == 0;
	return strcmp(msg, want) == 0;
}

/* run_case - every entry of case T, then the end it must come to */
static void
run_case(const struct lcase *t)
{
	char *path = t->text != NULL ? unit_write_len(unit_dir, "in.ldif", t->text,
	                                              t->len ? t->len : strlen(t->text))
	                             : unit_srcfile_in("tests/data", t->data);
	char *got = strdup("");
	struct a2r_err err = {0};
	struct ldif_source *src = ldif_source_open(path, &err);
	struct a2r_entry e;
	enum entry_state st;

	if (src == NULL)
		fail_msg("%s: open: %s", t->name, err.msg);
	while ((st = ldif_source_next(src, &e, &err)) == ENTRY_NEXT)
		render(&got, &e);
	if (strcmp(got, t->entries) != 0)
		fail_msg("%s: entries\n%s\nwant\n%s", t->name, got, t->entries);
	if (t->msg == NULL && st != ENTRY_DONE)
		fail_msg("%s: state %d: %s", t->name, st, err.msg);
	if (t->msg != NULL) {
		if (st != ENTRY_FAIL)
			fail_msg("%s: state %d, want ENTRY_FAIL", t->name, st);
		if (err.code != A2R_ERR_SOURCE || !same_msg(err.msg, path, t->msg))
			fail_msg("%s: code %d \"%s\", want \"%s%s\"", t->name, err.code, err.msg,
			         path, t->msg);
	} else {
		/* done stays done */
		assert_int_equal(ldif_source_next(src, &e, &err), ENTRY_DONE);
	}
	ldif_source_close(src);
	free(got);
	free(path);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		run_case(&cases[i]);
}

/* An entry stays valid until the next call; the attribute names are
 * counted, not NUL-terminated by contract; ldif_source_close(NULL) is a
 * no-op. */
static void
test_entry_shape(void **state)
{
	char *path = unit_write(unit_dir, "shape.ldif",
	                        "dn: cn=a\nmail: a@x.org\nmail: b@x.org\ncn: a\n\ndn: cn=b\n");
	struct a2r_err err = {0};
	struct ldif_source *src = ldif_source_open(path, &err);
	struct a2r_entry e = {0};

	(void)state;
	assert_non_null(src);
	assert_int_equal(ldif_source_next(src, &e, &err), ENTRY_NEXT);
	assert_string_equal(e.dn, "cn=a");
	assert_int_equal(e.nattrs, 2);
	assert_int_equal(e.attrs[0].namelen, 4);
	assert_memory_equal(e.attrs[0].name, "mail", 4);
	assert_non_null(e.attrs[0].vals[1]);
	assert_null(e.attrs[0].vals[2]);
	assert_int_equal(ldif_source_next(src, &e, &err), ENTRY_NEXT);
	assert_string_equal(e.dn, "cn=b");
	assert_int_equal(e.nattrs, 0);
	assert_int_equal(ldif_source_next(src, &e, &err), ENTRY_DONE);
	ldif_source_close(src);
	ldif_source_close(NULL);
	free(path);
}

/* Opening fails with the file's name; reading a directory is a read
 * error, not the end of the file. */
static void
test_open_and_read_errors(void **state)
{
	char *missing = unit_path(unit_dir, "none.ldif"), *sub = unit_path(unit_dir, "dir.ldif"),
	     *want;
	struct a2r_err err = {0};
	struct ldif_source *src;
	struct a2r_entry e;

	(void)state;
	assert_null(ldif_source_open(missing, &err));
	assert_int_equal(err.code, A2R_ERR_SOURCE);
	assert_true(asprintf(&want, "open %s: No such file or directory", missing) > 0);
	assert_string_equal(err.msg, want);
	free(want);

	assert_int_equal(mkdir(sub, 0700), 0);
	src = ldif_source_open(sub, &err);
	assert_non_null(src);
	assert_int_equal(ldif_source_next(src, &e, &err), ENTRY_FAIL);
	assert_int_equal(err.code, A2R_ERR_SOURCE);
	assert_true(asprintf(&want, "read %s: Is a directory", sub) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	ldif_source_close(src);
	free(missing);
	free(sub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_entry_shape),
	    cmocka_unit_test(test_open_and_read_errors),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, unit_dir_teardown);
}
