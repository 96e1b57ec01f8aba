/* SPDX-License-Identifier: BSD-2-Clause */
/* test_safefile.c - the one check for secret files (bindpw_file, keytab) */
#include "autoconf.h"

#include "unit.h"

#include "safefile.h"

#define NOBODY 65534

/* path - unit_dir/NAME in a static buffer (one at a time) */
static const char *
path(const char *name)
{
	static char buf[4200];

	snprintf(buf, sizeof(buf), "%s/%s", unit_dir, name);
	return buf;
}

/* put - a file NAME holding LEN bytes of DATA, with MODE */
static const char *
put(const char *name, const char *data, size_t len, mode_t mode)
{
	const char *p = path(name);
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

/* refused - reading P as bindpw_file fails as a configuration error
 * whose message holds WANT */
static void
refused(const char *p, const char *want)
{
	struct a2r_err err = {0};
	char buf[64];
	size_t len = 99;

	if (safefile_read_secret(p, "bindpw_file", buf, sizeof(buf), &len, &err) == 0)
		fail_msg("%s: read, want \"%s\"", p, want);
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s: \"%s\", want \"%s\"", p, err.msg, want);
}

static void
test_read_password(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		const char *want;
	} ok[] = {
	    {"secret\n", 7, "secret"},
	    {"secret", 6, "secret"},
	    {"pw\r\n", 4, "pw"},
	    {"first\nsecond\n", 13, "first"}, /* one line */
	    {" spaced pw \n", 12, " spaced pw "},
	};
	struct a2r_err err = {0};
	char buf[64];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *p = put("pw", ok[i].data, ok[i].len, 0600);

		if (safefile_read_secret(p, "bindpw_file", buf, sizeof(buf), &len, &err) < 0)
			fail_msg("case %zu: %s", i, err.msg);
		assert_string_equal(buf, ok[i].want);
		assert_int_equal(len, strlen(ok[i].want));
	}
	/* owner read-only is fine too */
	put("pw", "x\n", 2, 0400);
	assert_int_equal(
	    safefile_read_secret(path("pw"), "bindpw_file", buf, sizeof(buf), &len, &err), 0);
}

static void
test_bad_contents(void **state)
{
	(void)state;
	refused(put("nul", "ab\0cd\n", 6, 0600), "holds a NUL byte");
	refused(put("nul0", "\0pw\n", 4, 0600), "holds a NUL byte");
	refused(put("empty", "", 0, 0600), "is empty: an empty password would be an "
	                                   "unauthenticated bind");
	refused(put("newline", "\n", 1, 0600), "is empty");
	refused(put("crlf", "\r\n", 2, 0600), "is empty");
}

static void
test_mode(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof(want),
	         "bindpw_file %s/pw is readable or writable by others (mode 0640): it holds a "
	         "password, run chmod 600 %s/pw",
	         unit_dir, unit_dir);
	refused(put("pw", "secret\n", 7, 0640), want);
	refused(put("pw", "secret\n", 7, 0604), "(mode 0604)");
	/* writable by others: the file is not ours to trust at all */
	refused(put("pw", "secret\n", 7, 0620), "is writable by group or others (mode 0620)");
	refused(put("pw", "secret\n", 7, 0602), "is writable by group or others");
}

static void
test_kinds(void **state)
{
	char want[256];

	(void)state;
	put("target", "secret\n", 7, 0600);
	unlink(path("link"));
	assert_int_equal(symlink("target", path("link")), 0);
	refused(path("link"), "is a symbolic link (not followed)");
	/* a FIFO is refused at once, never opened for a read that would block */
	assert_int_equal(mkfifo(path("fifo"), 0600), 0);
	snprintf(want, sizeof(want), "bindpw_file %s/fifo: is a FIFO, not a regular file",
	         unit_dir);
	refused(path("fifo"), want);
	assert_int_equal(mkdir(path("subdir"), 0700), 0);
	refused(path("subdir"), "is a directory, not a regular file");
	refused("/dev/null", "is a device, not a regular file");
	refused(path("missing"), "No such file or directory");
}

/* the directory: no one else may put another file in the secret's place */
static void
test_directory(void **state)
{
	char want[256];

	(void)state;
	assert_int_equal(mkdir(path("open"), 0700), 0);
	put("open/pw", "secret\n", 7, 0600);
	assert_int_equal(chmod(path("open"), 0777), 0);
	snprintf(want, sizeof(want), "its directory %s/open is writable by others (mode 0777)",
	         unit_dir);
	refused(path("open/pw"), want);
	/* sticky, as /tmp: entries belong to their owners */
	assert_int_equal(chmod(path("open"), 01777), 0);
	assert_int_equal(safefile_check_secret(path("open/pw"), "bindpw_file", "a password",
	                                       &(struct a2r_err){0}),
	                 0);
}

/* another owner (file or directory): needs root to set up */
static void
test_owner(void **state)
{
	char want[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	put("pw", "secret\n", 7, 0600);
	assert_int_equal(chown(path("pw"), NOBODY, NOBODY), 0);
	snprintf(want, sizeof(want), "bindpw_file %s/pw is owned by uid %d, not by root", unit_dir,
	         NOBODY);
	refused(path("pw"), want);
	assert_int_equal(mkdir(path("theirs"), 0755), 0);
	put("theirs/pw", "secret\n", 7, 0600);
	assert_int_equal(chown(path("theirs"), NOBODY, NOBODY), 0);
	refused(path("theirs/pw"), "its directory");
	refused(path("theirs/pw"), "is owned by uid 65534, who could replace it");
}

/* the keytab gets the same rules, named as a keytab */
static void
test_keytab(void **state)
{
	struct a2r_err err = {0};
	char want[256];

	(void)state;
	put("krb5.keytab", "\x05\x02", 2, 0600);
	assert_int_equal(safefile_check_secret(path("krb5.keytab"), "keytab", "keys", &err), 0);
	put("krb5.keytab", "\x05\x02", 2, 0644);
	assert_int_equal(safefile_check_secret(path("krb5.keytab"), "keytab", "keys", &err), -1);
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	snprintf(want, sizeof(want),
	         "keytab %s/krb5.keytab is readable or writable by others (mode 0644): it holds "
	         "keys, run chmod 600 %s/krb5.keytab",
	         unit_dir, unit_dir);
	assert_string_equal(err.msg, want);
	unlink(path("kt-link"));
	assert_int_equal(symlink("krb5.keytab", path("kt-link")), 0);
	assert_int_equal(safefile_check_secret(path("kt-link"), "keytab", "keys", &err), -1);
	assert_non_null(strstr(err.msg, "keytab"));
	assert_non_null(strstr(err.msg, "is a symbolic link (not followed)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_password), cmocka_unit_test(test_bad_contents),
	    cmocka_unit_test(test_mode),          cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_directory),     cmocka_unit_test(test_owner),
	    cmocka_unit_test(test_keytab),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, unit_dir_teardown);
}
