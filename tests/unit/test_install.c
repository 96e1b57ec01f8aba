/* SPDX-License-Identifier: BSD-2-Clause */
/* test_install.c - a sync's install: the guards, the maps, the Postfix
 * commands and the marker that retries a command that failed */
#include "autoconf.h"

#include "unit.h"

#include "install.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_install_and_retry, unit_dir_setup,
	                                    unit_dir_teardown),
	    cmocka_unit_test_setup_teardown(test_guard_refuses, unit_dir_setup, unit_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
