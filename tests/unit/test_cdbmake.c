/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cdbmake.c - our cdb writer against tinycdb's, byte for byte
 *
 * Postfix's postmap writes cdb maps with tinycdb; ad2relay's own writer
 * must produce the very same file (tests/integration/postfix-compat.sh
 * checks that against postmap itself).  Here the reference is tinycdb's
 * cdb_make_*() over the same records, on sets of every shape: empty, one
 * key, keys with values of their own, many keys (tables with long probe
 * runs), and every key read back through tinycdb's cdb_find(). */
#include "autoconf.h"

#include <sys/mman.h>

#include <cdb.h>

#include "unit.h"

#include "cdbmake.h"
#include "recipset.h"

/* same_as_tinycdb - our file and tinycdb's for SET are identical, and
 * every key is found with its value */
static void
same_as_tinycdb(const struct recipset *set, const char *defval)
{
	int ours = memfd_create("ours", 0), ref = memfd_create("ref", 0);
	struct cdb_make cm;
	struct cdb cdb;
	size_t olen, rlen;
	char *o, *r;

	assert_true(ours >= 0 && ref >= 0);
	assert_int_equal(cdbmake_write(ours, set, defval), 0);
	assert_int_equal(cdb_make_start(&cm, ref), 0);
	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *k = recipset_key(set, i, &klen);
		const char *v = recipset_value(set, i) ? recipset_value(set, i) : defval;

		assert_int_equal(cdb_make_add(&cm, k, (unsigned)klen, v, (unsigned)strlen(v)), 0);
	}
	assert_int_equal(cdb_make_finish(&cm), 0);
	o = unit_read_fd(ours, &olen);
	r = unit_read_fd(ref, &rlen);
	assert_int_equal(olen, rlen);
	assert_memory_equal(o, r, olen);
	assert_int_equal(cdb_init(&cdb, ours), 0);
	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *k = recipset_key(set, i, &klen);
		const char *v = recipset_value(set, i) ? recipset_value(set, i) : defval;

		assert_int_equal(cdb_find(&cdb, k, (unsigned)klen), 1);
		assert_int_equal(cdb_datalen(&cdb), strlen(v));
		assert_memory_equal(cdb_get(&cdb, cdb_datalen(&cdb), cdb_datapos(&cdb)), v,
		                    strlen(v));
	}
	assert_int_equal(cdb_find(&cdb, "not@there", 9), 0);
	cdb_free(&cdb);
	free(o);
	free(r);
	close(ours);
	close(ref);
}

static void
test_empty(void **state)
{
	struct recipset *s = recipset_new();

	(void)state;
	assert_int_equal(recipset_sort(s), 0);
	same_as_tinycdb(s, "OK");
	recipset_free(s);
}

static void
test_small_with_values(void **state)
{
	struct recipset *s = recipset_new();

	(void)state;
	assert_int_equal(recipset_add(s, "a@example.org", 13, NULL), 0);
	assert_int_equal(recipset_add(s, "@example.net", 12, "REJECT no such user"), 0);
	assert_int_equal(recipset_add(s, "\xc3\xa4@example.org", 14, NULL), 0);
	assert_int_equal(recipset_sort(s), 0);
	same_as_tinycdb(s, "OK");
	same_as_tinycdb(s, "");
	recipset_free(s);
}

static void
test_many(void **state)
{
	struct recipset *s = recipset_new();
	char key[64];

	(void)state;
	for (int i = 0; i < 30000; i++) {
		int n = snprintf(key, sizeof(key), "user.%d.%x@corp%d.example.com", i, i * 7919u,
		                 i % 5);

		assert_int_equal(recipset_add(s, key, (size_t)n, i % 97 == 0 ? "relay:[mx]" : NULL),
		                 0);
	}
	assert_int_equal(recipset_sort(s), 0);
	same_as_tinycdb(s, "OK");
	recipset_free(s);
}

/* A write error is reported with errno, not swallowed. */
static void
test_write_error(void **state)
{
	struct recipset *s = recipset_new();
	int fds[2];

	(void)state;
	assert_int_equal(recipset_add(s, "a@example.org", 13, NULL), 0);
	assert_int_equal(recipset_sort(s), 0);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	errno = 0;
	assert_int_equal(cdbmake_write(fds[1], s, "OK"), -1);
	assert_int_equal(errno, EBADF);
	recipset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_small_with_values),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
