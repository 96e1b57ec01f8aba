/* SPDX-License-Identifier: BSD-2-Clause */
/* test_install.c - a sync's install: the guards, the maps, the Postfix
 * commands and the marker that retries a command that failed */
#include "autoconf.h"

#include "unit.h"

#include "install.h"
#include "mapfile.h"
#include "policy.h"

/* setup_cfg - output and lock in unit_dir, no cdb; ON_CHANGE, if not NULL,
 * the program run after a change */
static void
setup_cfg(struct a2r_config *cfg, const char *on_change)
{
	struct a2r_err err = {0};
	char *out = unit_path(unit_dir, "map"), *lock = unit_path(unit_dir, "lock");

	assert_int_equal(conf_init(cfg, &err), 0);
	assert_int_equal(conf_set(cfg, "relay_domains", "example.org", "test", &err), 0);
	assert_int_equal(conf_set(cfg, "output", out, "test", &err), 0);
	assert_int_equal(conf_set(cfg, "lock_file", lock, "test", &err), 0);
	assert_int_equal(conf_set(cfg, "cdb", "no", "test", &err), 0);
	if (on_change != NULL)
		assert_int_equal(conf_set(cfg, "on_change", on_change, "test", &err), 0);
	assert_int_equal(conf_finish(cfg, &err), 0);
	free(out);
	free(lock);
}

static struct recipset *
set_of(const char *const *keys)
{
	struct recipset *s = recipset_new();

	assert_non_null(s);
	for (; *keys != NULL; keys++)
		assert_int_equal(recipset_add(s, *keys, strlen(*keys), NULL), 0);
	assert_int_equal(recipset_sort(s), 0);
	return s;
}

static int
marker_exists(void)
{
	char *m = unit_path(unit_dir, "lock.actions-pending");
	struct stat st;
	int rc = lstat(m, &st) == 0;

	free(m);
	return rc;
}

static void
test_install_and_retry(void **state)
{
	static const char *const two[] = {"a@example.org", "b@example.org", NULL};
	struct recipset *s = set_of(two);
	struct a2r_config cfg;
	struct a2r_err err = {0};
	struct install_result res;
	struct plan p;
	char *map;

	(void)state;
	/* a dry run plans and judges, and writes nothing */
	setup_cfg(&cfg, "/bin/true");
	assert_int_equal(install_run(&cfg, s, INSTALL_DRY_RUN, NULL, &p, &res, &err), 0);
	assert_true(res.planned && !res.changed && !res.reran);
	assert_int_equal(p.added, 2);
	map = unit_path(unit_dir, "map");
	assert_int_equal(access(map, F_OK), -1);
	conf_free(&cfg);

	/* the first install; a command that fails leaves the marker */
	setup_cfg(&cfg, "/bin/false");
	assert_int_equal(install_run(&cfg, s, 0, NULL, &p, &res, &err), -1);
	assert_int_equal(err.code, A2R_ERR_ACTION);
	assert_true(res.changed);
	assert_int_equal(access(map, F_OK), 0);
	assert_true(marker_exists());
	conf_free(&cfg);

	/* the same set again: the map is current, the command is retried */
	setup_cfg(&cfg, "/bin/true");
	assert_int_equal(install_run(&cfg, s, 0, NULL, &p, &res, &err), 0);
	assert_true(res.planned && !res.changed && res.reran);
	assert_false(marker_exists());
	/* and then not again */
	assert_int_equal(install_run(&cfg, s, 0, NULL, &p, &res, &err), 0);
	assert_true(!res.changed && !res.reran);
	conf_free(&cfg);
	recipset_free(s);
	free(map);
}

static void
test_guard_refuses(void **state)
{
	static const char *const none[] = {NULL};
	static const char *const two[] = {"a@example.org", "b@example.org", NULL};
	struct recipset *s = set_of(two), *empty = set_of(none);
	struct a2r_config cfg;
	struct a2r_err err = {0};
	struct install_result res;
	struct plan p;
	char *map = unit_path(unit_dir, "map"), *before, *after;
	size_t blen, alen;

	(void)state;
	setup_cfg(&cfg, NULL);
	assert_int_equal(install_run(&cfg, s, 0, NULL, &p, &res, &err), 0);
	before = unit_read(map, &blen);
	/* an empty set is refused, the map left as it was */
	assert_int_equal(install_run(&cfg, empty, 0, NULL, &p, &res, &err), -1);
	assert_int_equal(err.code, A2R_ERR_GUARD);
	assert_true(res.planned && !res.changed);
	after = unit_read(map, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	/* --force installs it */
	assert_int_equal(install_run(&cfg, empty, INSTALL_FORCE, NULL, &p, &res, &err), 0);
	assert_true(res.changed);
	conf_free(&cfg);
	recipset_free(s);
	recipset_free(empty);
	free(before);
	free(after);
	free(map);
}

/* origins_set - KEYS[i] from ORIGINS[i], sorted */
static struct recipset *
origins_set(const char *const *keys, const char *const *origins)
{
	struct recipset *s = recipset_new();

	assert_non_null(s);
	for (size_t i = 0; keys[i] != NULL; i++) {
		recipset_from(s, origins[i]);
		assert_int_equal(recipset_add(s, keys[i], strlen(keys[i]), NULL), 0);
	}
	assert_int_equal(recipset_sort(s), 0);
	return s;
}

/* audited - one install of S with an audit; the audit's return */
static int
audited(const struct a2r_config *cfg, const struct recipset *s, struct strlist *logged,
        struct a2r_err *err)
{
	struct audit a;
	struct install_result res;
	struct plan p;
	int rc;

	assert_int_equal(audit_init(&a, cfg, s, err), 0);
	rc = install_run(cfg, s, 0, &a, &p, &res, err);
	strlist_clear(logged);
	for (size_t i = 0; i < audit_logged(&a)->n; i++)
		assert_int_equal(
		    strlist_add(logged, audit_logged(&a)->v[i], strlen(audit_logged(&a)->v[i])), 0);
	audit_free(&a);
	return rc;
}

/* The origins file beside the map, the changes file, the syslog lines;
 * a changes file that cannot be written leaves the map as it was. */
static void
test_audit(void **state)
{
	static const char *const k1[] = {"a@example.org", "b@example.org", NULL};
	static const char *const o1[] = {"cn=A,ou=x", "cn=B\n\x01,ou=x"};
	static const char *const k2[] = {"a@example.org", "c@example.org", NULL};
	static const char *const o2[] = {"cn=A,ou=x", "/etc/static:3"};
	struct recipset *s1 = origins_set(k1, o1), *s2 = origins_set(k2, o2), *s3;
	struct a2r_config cfg;
	struct a2r_err err = {0};
	struct strlist logged = {0};
	char *changes = unit_path(unit_dir, "changes"),
	     *origins = unit_path(unit_dir, "map.origins");
	char *bad = unit_path(unit_dir, "nodir/changes"), *map = unit_path(unit_dir, "map");
	char *text, *before;
	size_t len, blen;

	(void)state;
	setup_cfg(&cfg, NULL);
	assert_int_equal(conf_set(&cfg, "changes_file", changes, "test", &err), 0);
	assert_int_equal(conf_set(&cfg, "log_changes", "1", "test", &err), 0);
	assert_int_equal(conf_set(&cfg, "max_shrink", "100%", "test", &err), 0);
	assert_int_equal(audited(&cfg, s1, &logged, &err), 0);
	text = unit_read(origins, &len);
	assert_string_equal(text, "a@example.org\tcn=A,ou=x\nb@example.org\tcn=B\\n\\x01,ou=x\n");
	free(text);
	assert_int_equal(logged.n, 1);
	assert_string_equal(logged.v[0], "+ a@example.org from cn=A,ou=x");

	/* b removed (its DN from the origins file), c added from the static file */
	assert_int_equal(conf_set(&cfg, "log_changes", "100", "test", &err), 0);
	assert_int_equal(audited(&cfg, s2, &logged, &err), 0);
	assert_int_equal(logged.n, 2);
	assert_string_equal(logged.v[0], "+ c@example.org from /etc/static:3");
	assert_string_equal(logged.v[1], "- b@example.org went with cn=B\\n\\x01,ou=x");
	text = unit_read(changes, &len);
	/* 2 lines of the first run, 2 of this one, each after a timestamp */
	assert_int_equal(strlen(text) - strlen(strstr(text, "Z + a@")), 19);
	assert_non_null(strstr(text, "Z - b@example.org went with cn=B\\n\\x01,ou=x\n"));
	assert_non_null(strstr(text, "Z + c@example.org from /etc/static:3\n"));
	free(text);

	/* a key with another value (from the static file): "~" */
	s3 = recipset_new();
	recipset_from(s3, "cn=A,ou=x");
	assert_int_equal(recipset_add(s3, "a@example.org", 13, "REJECT"), 0);
	recipset_from(s3, "/etc/static:3");
	assert_int_equal(recipset_add(s3, "c@example.org", 13, NULL), 0);
	assert_int_equal(recipset_sort(s3), 0);
	assert_int_equal(audited(&cfg, s3, &logged, &err), 0);
	assert_int_equal(logged.n, 1);
	assert_string_equal(logged.v[0], "~ a@example.org from cn=A,ou=x (another value)");
	assert_int_equal(audited(&cfg, s2, &logged, &err), 0);
	recipset_free(s3);

	/* the changes file cannot be opened: 73, the map and origins as before */
	before = unit_read(map, &blen);
	assert_int_equal(conf_set(&cfg, "changes_file", bad, "test", &err), 0);
	assert_int_equal(audited(&cfg, s1, &logged, &err), -1);
	assert_int_equal(err.code, A2R_ERR_WRITE);
	assert_non_null(strstr(err.msg, "changes file"));
	text = unit_read(map, &len);
	assert_int_equal(len, blen);
	assert_memory_equal(text, before, blen);
	free(text);
	text = unit_read(origins, &len);
	assert_non_null(strstr(text, "c@example.org\t/etc/static:3\n"));
	free(text);
	assert_int_equal(mapfile_clean_stale(map), 0);

	/* audit off: a change removes the origins file */
	assert_int_equal(conf_set(&cfg, "log_changes", "0", "test", &err), 0);
	free(cfg.changes_file);
	cfg.changes_file = NULL;
	assert_int_equal(audited(&cfg, s1, &logged, &err), 0);
	assert_int_equal(access(origins, F_OK), -1);
	conf_free(&cfg);
	strlist_free(&logged);
	recipset_free(s1);
	recipset_free(s2);
	free(before);
	free(changes);
	free(origins);
	free(bad);
	free(map);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_install_and_retry, unit_dir_setup,
	                                    unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_guard_refuses, unit_dir_setup, unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_audit, unit_dir_setup, unit_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
