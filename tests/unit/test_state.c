/* SPDX-License-Identifier: BSD-2-Clause */
/* test_state.c - state.c: the state file of incremental runs
 *
 * What is written is read back as it was (head, records, hostile DNs);
 * anything short of a complete file of this version is "no state" with a
 * reason (missing, cut short, a line changed, a key that is no address,
 * a record without keys); a symlink is neither read nor replaced; a temp
 * file not committed leaves nothing behind, nor does state_abort(). */
#include "autoconf.h"

#include "unit.h"

#include "state.h"

static const char *const dns[] = {"CN=Ann Example,OU=Staff,DC=corp,DC=example,DC=com",
                                  "CN=Bad\nName %41 \x01,DC=corp,DC=example,DC=com"};

/* write_state - a state file at PATH with the two records of DNS */
static void
write_state(const char *path)
{
	struct a2r_err err = {0};
	char cookie[] = "MSDS\0\1\2cookie";
	struct state_head h = {.shape = "0.1 filter=(&(a=b)(c=d e))",
	                       .dc = "CN=NTDS Settings,CN=DC1",
	                       .invocation = "00112233445566778899aabbccddeeff",
	                       .uri = "ldaps://dc1.corp.example.com",
	                       .deletions = 1,
	                       .full = 1700000000,
	                       .cookie = {sizeof(cookie), cookie},
	                       .usn = "18446744073709551615"};
	struct state_obj o = {
	    .keys = "ann@corp.example.com\0a.x@example.org", .keyslen = 37, .nkeys = 2};
	struct state_writer *w = state_writer_new(path, &err);

	assert_non_null(w);
	assert_int_equal(state_write_head(w, &h, &err), 0);
	for (size_t i = 0; i < NELEM(dns); i++) {
		memset(o.guid, (int)i + 1, STATE_GUID_LEN);
		o.dn = dns[i];
		assert_int_equal(state_write_obj(w, &o, &err), 0);
	}
	o.nkeys = 0; /* no addresses: no record */
	assert_int_equal(state_write_obj(w, &o, &err), 0);
	assert_int_equal(state_writer_finish(w, &err), 0);
	assert_int_equal(state_writer_commit(w, &err), 0);
	state_writer_free(w);
}

static void
test_round_trip(void **state)
{
	char *path, why[300];
	struct a2r_err err = {0};
	struct state_reader *r;
	struct state_head h;
	struct state_obj o;

	(void)state;
	assert_true(asprintf(&path, "%s/map.state", unit_dir) > 0);
	assert_int_equal(state_open(path, &r, &h, why, sizeof(why), &err), 0);
	assert_string_equal(why, "no state file yet");
	write_state(path);
	assert_int_equal(state_open(path, &r, &h, why, sizeof(why), &err), 1);
	assert_string_equal(h.shape, "0.1 filter=(&(a=b)(c=d e))");
	assert_string_equal(h.dc, "CN=NTDS Settings,CN=DC1");
	assert_int_equal(h.deletions, 1);
	assert_int_equal(h.full, 1700000000);
	assert_int_equal(h.cookie.bv_len, 14);
	assert_memory_equal(h.cookie.bv_val, "MSDS\0\1\2cookie", 14);
	assert_string_equal(h.usn, "18446744073709551615");
	assert_int_equal(state_objects(r), 2);
	for (size_t i = 0; i < NELEM(dns); i++) {
		assert_int_equal(state_next(r, &o, &err), 1);
		assert_int_equal(o.guid[0], i + 1);
		assert_string_equal(o.dn, dns[i]);
		assert_int_equal(o.nkeys, 2);
		assert_string_equal(o.keys, "ann@corp.example.com");
		assert_string_equal(o.keys + 21, "a.x@example.org");
	}
	assert_int_equal(state_next(r, &o, &err), 0);
	state_close(r);
	state_head_free(&h);
	free(path);
}

/* damage - rewrite PATH with sed expression EXPR; 1 if the state is then
 * refused */
static int
refused_after(const char *path, const char *expr)
{
	char *cmd, why[300];
	struct a2r_err err = {0};
	struct state_reader *r;
	struct state_head h;
	int rc;

	write_state(path);
	assert_true(asprintf(&cmd, "sed -i '%s' '%s'", expr, path) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	rc = state_open(path, &r, &h, why, sizeof(why), &err);
	if (rc == 1) {
		state_close(r);
		state_head_free(&h);
	} else {
		assert_non_null(strstr(why, "damaged"));
	}
	return rc == 0;
}

static void
test_damaged(void **state)
{
	static const char *const exprs[] = {
	    "$d",                                    /* the end line is missing */
	    "s/^end 2 4$/end 3 4/",                  /* counts that do not add up */
	    "s/^k ann@.*/k ann example/",            /* a key that is no address */
	    "0,/^k /{/^k /d}",                       /* a key less than counted */
	    "s/^ad2relay-state 1/ad2relay-state 2/", /* another version */
	    "s/^cookie .*/cookie 4d5/",              /* an odd number of hex digits */
	    "s/^deletions 1/deletions 2/",           /* no mode */
	    "s/^o \\(.\\{30\\}\\)/o \\1zz/",         /* a GUID that is no hex */
	    "/^k a.x@/d;/^k ann@/d",                 /* a record without keys */
	    "s/^usn .*/usn 12a/",                    /* a USN that is no number */
	    "s/^usn .*/usn /",                       /* an empty USN */
	};

	(void)state;
	for (size_t i = 0; i < NELEM(exprs); i++) {
		char *path;

		assert_true(asprintf(&path, "%s/d%zu.state", unit_dir, i) > 0);
		if (!refused_after(path, exprs[i]))
			fail_msg("damage %zu (%s) not noticed", i, exprs[i]);
		free(path);
	}
}

/* a state written before the USN was kept: read, with no USN (the
 * caller then never skips the DirSync request), records intact */
static void
test_no_usn(void **state)
{
	char *path, *cmd, why[300];
	struct a2r_err err = {0};
	struct state_reader *r;
	struct state_head h;
	struct state_obj o;

	(void)state;
	assert_true(asprintf(&path, "%s/old.state", unit_dir) > 0);
	write_state(path);
	assert_true(asprintf(&cmd, "sed -i '/^usn /d' '%s'", path) > 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(state_open(path, &r, &h, why, sizeof(why), &err), 1);
	assert_null(h.usn);
	assert_int_equal(h.cookie.bv_len, 14);
	assert_int_equal(state_objects(r), 2);
	for (size_t i = 0; i < NELEM(dns); i++) {
		assert_int_equal(state_next(r, &o, &err), 1);
		assert_string_equal(o.dn, dns[i]);
	}
	assert_int_equal(state_next(r, &o, &err), 0);
	state_close(r);
	state_head_free(&h);
	/* written again without a USN: none in the file */
	h = (struct state_head){
	    .shape = "s", .dc = "d", .invocation = "-", .uri = "u", .cookie = {1, "c"}};
	{
		struct state_writer *w = state_writer_new(path, &err);

		assert_non_null(w);
		assert_int_equal(state_write_head(w, &h, &err), 0);
		assert_int_equal(state_writer_finish(w, &err), 0);
		assert_int_equal(state_writer_commit(w, &err), 0);
		state_writer_free(w);
	}
	assert_int_equal(state_open(path, &r, &h, why, sizeof(why), &err), 1);
	assert_null(h.usn);
	assert_int_equal(state_objects(r), 0);
	assert_int_equal(state_next(r, &o, &err), 0);
	state_close(r);
	state_head_free(&h);
	free(cmd);
	free(path);
}

static void
test_symlink(void **state)
{
	char *path, *target, why[300];
	struct a2r_err err = {0};
	struct state_reader *r;
	struct state_head h;

	(void)state;
	assert_true(asprintf(&path, "%s/link.state", unit_dir) > 0);
	assert_true(asprintf(&target, "%s/target.state", unit_dir) > 0);
	write_state(target);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(state_open(path, &r, &h, why, sizeof(why), &err), 0);
	assert_null(state_writer_new(path, &err));
	assert_int_equal(err.code, A2R_ERR_WRITE);
	assert_non_null(strstr(err.msg, "symbolic link"));
	free(path);
	free(target);
}

static void
test_abort(void **state)
{
	char *path, *cmd;
	struct a2r_err err = {0};
	struct state_writer *w;

	(void)state;
	assert_true(asprintf(&path, "%s/gone.state", unit_dir) > 0);
	w = state_writer_new(path, &err);
	assert_non_null(w);
	state_writer_free(w);
	assert_true(asprintf(&cmd, "test -z \"$(ls '%s' | grep gone)\"", unit_dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* state_abort (what a stop signal's handler calls) removes the temp file
 * being written, and nothing once the state is committed */
static void
test_signal_abort(void **state)
{
	char *path, *cmd;
	struct a2r_err err = {0};
	struct state_writer *w;

	(void)state;
	assert_true(asprintf(&path, "%s/sig.state", unit_dir) > 0);
	assert_true(asprintf(&cmd, "test -z \"$(ls '%s' | grep sig.state.tmp)\"", unit_dir) > 0);
	w = state_writer_new(path, &err);
	assert_non_null(w);
	assert_int_not_equal(system(cmd), 0);
	state_abort();
	assert_int_equal(system(cmd), 0);
	state_writer_free(w);
	state_abort(); /* nothing being written: nothing to do */
	write_state(path);
	state_abort();
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, unit_dir_setup, unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_damaged, unit_dir_setup, unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_no_usn, unit_dir_setup, unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_symlink, unit_dir_setup, unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_abort, unit_dir_setup, unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_signal_abort, unit_dir_setup, unit_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
