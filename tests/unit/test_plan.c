/* SPDX-License-Identifier: BSD-2-Clause */
/* test_plan.c - comparing installed maps with a new set; the guards */
#include "autoconf.h"

#include <cdb.h>

#include "unit.h"

#include "conf.h"
#include "mapfile.h"
#include "mapread.h"
#include "plan.h"
#include "policy.h"

static char listing[1024];

static void
keep(void *ctx, char sign, const char *key)
{
	(void)ctx;
	snprintf(listing + strlen(listing), sizeof(listing) - strlen(listing), "%c%s ", sign, key);
}

static struct recipset *
set_of(const char *const *keys)
{
	struct recipset *s = recipset_new();

	for (; *keys != NULL; keys++)
		assert_int_equal(recipset_add(s, *keys, strlen(*keys), NULL), 0);
	assert_int_equal(recipset_sort(s), 0);
	return s;
}

struct pcase {
	const char *map; /* installed text, NULL = missing */
	const char *const newkeys[6];
	size_t old, added, removed, changed;
	const char *listing;
};

static const struct pcase pcases[] = {
    {NULL, {"a@x", "b@x", NULL}, 0, 2, 0, 0, "+a@x +b@x "},
    {"a@x OK\nb@x OK\n", {"a@x", "b@x", NULL}, 2, 0, 0, 0, ""},
    {"a@x OK\nc@x OK\n", {"a@x", "b@x", NULL}, 2, 1, 1, 0, "+b@x -c@x "},
    {"# comment\n\na@x REJECT\nb@x   OK  \n", {"a@x", "b@x", NULL}, 2, 0, 0, 1, "~a@x "},
    {"b@x OK\na@x OK\nd@x OK\n", {"a@x", "c@x", NULL}, 3, 1, 2, 0, "-b@x +c@x -d@x "},
    {"a@x OK\na@x OK\n", {"a@x", NULL}, 1, 0, 0, 0, ""},
    {"a@x OK\nb@x OK\n", {NULL}, 2, 0, 2, 0, "-a@x -b@x "},
    /* tabs as separators, before or among spaces; a key alone; CRLF */
    {"a@x\tOK\nb@x\t OK\nc@x \tREJECT\r\nd@x\n",
     {"a@x", "b@x", "c@x", "d@x", NULL},
     4,
     0,
     0,
     2,
     "~c@x ~d@x "},
};

static void
test_compare_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(pcases); i++) {
		const struct pcase *t = &pcases[i];
		struct recipset *s = set_of(t->newkeys);
		struct a2r_err err = {0};
		struct plan p;
		char *path =
		    t->map ? unit_write(unit_dir, "map", t->map) : strdup("/nonexistent/map");

		listing[0] = '\0';
		assert_int_equal(plan_maps(PLAN_CHECK, path, NULL, s, "OK", &p, keep, NULL, &err),
		                 0);
		if (p.old_count != t->old || p.added != t->added || p.removed != t->removed ||
		    p.changed != t->changed || strcmp(listing, t->listing) != 0)
			fail_msg("case %zu: old %zu +%zu -%zu ~%zu \"%s\"", i, p.old_count, p.added,
			         p.removed, p.changed, listing);
		assert_int_equal(p.have_old, t->map != NULL);
		/* the same counts for sync, and the listing from its second pass */
		listing[0] = '\0';
		assert_int_equal(plan_maps(PLAN_SYNC, path, NULL, s, "OK", &p, keep, NULL, &err),
		                 0);
		assert_int_equal(p.old_count, t->old);
		assert_int_equal(p.added, t->added);
		assert_int_equal(p.removed, t->removed);
		assert_int_equal(p.changed, t->changed);
		assert_string_equal(listing, t->listing);
		recipset_free(s);
		free(path);
	}
}

static void
test_guards(void **state)
{
	static const char *const keys[] = {"a@x", NULL};
	static const char *const none[] = {NULL};
	struct a2r_config cfg;
	struct a2r_err err = {0};
	struct recipset *s = set_of(keys), *empty = set_of(none);
	struct plan p = {.old_count = 100, .new_count = 89, .removed = 11};

	(void)state;
	assert_int_equal(conf_init(&cfg, &err), 0);
	assert_int_equal(plan_guard(&cfg, &p, s, 0, &err), -1);
	assert_int_equal(err.code, A2R_ERR_GUARD);
	assert_non_null(
	    strstr(err.msg, "lost 11 of 100 entries (11.0%), more than max_shrink = 10%"));
	assert_int_equal(plan_guard(&cfg, &p, s, 1, &err), 0);
	p.removed = 10;
	assert_int_equal(plan_guard(&cfg, &p, s, 0, &err), 0);
	p = (struct plan){.old_count = 5, .new_count = 0, .removed = 5};
	assert_int_equal(plan_guard(&cfg, &p, empty, 0, &err), -1);
	assert_non_null(strstr(err.msg, "empty map"));
	/* a first run with no map: only the empty guard applies */
	p = (struct plan){.old_count = 0, .new_count = 1};
	assert_int_equal(plan_guard(&cfg, &p, s, 0, &err), 0);
	assert_int_equal(conf_set(&cfg, "require", "A@X b@x", "test", &err), 0);
	assert_int_equal(plan_guard(&cfg, &p, s, 1, &err), -1);
	assert_non_null(strstr(err.msg, "required address b@x is missing"));
	conf_free(&cfg);
	recipset_free(s);
	recipset_free(empty);
}

/* write_cdb - a cdb at PATH holding KEYS (NULL-terminated) with value OK */
static void
write_cdb(const char *path, const char *const *keys)
{
	struct cdb_make cm;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	cdb_make_start(&cm, fd);
	for (; *keys != NULL; keys++)
		cdb_make_add(&cm, *keys, (unsigned)strlen(*keys), "OK", 2);
	assert_int_equal(cdb_make_finish(&cm), 0);
	close(fd);
}

/* cdb_agrees - check's answer: do the text map MAP and the cdb CDB hold
 * the same records?  (-1 on an error) */
static int
cdb_agrees(const char *map, const char *cdb, const struct recipset *s, const char *val)
{
	struct a2r_err err = {0};
	struct plan p;

	if (plan_maps(PLAN_CHECK, map, cdb, s, val, &p, NULL, NULL, &err) < 0)
		return -1;
	return p.cdb_agrees;
}

/* check_maps - check's comparison: 0 and *AGREE, or -1 */
static int
check_maps(const char *map, const char *cdb, const struct recipset *s, const char *val,
           struct plan *p, int *agree)
{
	struct a2r_err err = {0};

	if (plan_maps(PLAN_CHECK, map, cdb, s, val, p, NULL, NULL, &err) < 0)
		return -1;
	*agree = p->cdb_agrees;
	return 0;
}

static void
test_cdb_agrees(void **state)
{
	static const char *const keys[] = {"a@x", "b@x", "c@x", NULL};
	static const char *const shuffled[] = {"c@x", "a@x", "b@x", NULL};
	static const char *const one[] = {"a@x", NULL};
	struct recipset *s = set_of(keys);
	struct mapfile_result res;
	struct a2r_err err = {0};
	char *map, *cdb;

	(void)state;
	assert_true(asprintf(&map, "%s/m", unit_dir) > 0);
	cdb = mapfile_cdb_path(map);
	assert_int_equal(mapfile_install(map, 1, s, "OK", NULL, &res, &err), 0);
	assert_int_equal(cdb_agrees(map, cdb, s, "OK"), 1);
	/* the same records in another order: still agree (compared as sets) */
	write_cdb(cdb, shuffled);
	assert_int_equal(cdb_agrees(map, cdb, s, "OK"), 1);
	/* a record missing */
	write_cdb(cdb, one);
	assert_int_equal(cdb_agrees(map, cdb, s, "OK"), 0);
	unlink(cdb);
	assert_int_equal(cdb_agrees(map, cdb, s, "OK"), 0);
	unlink(map);
	free(map);
	free(cdb);
	recipset_free(s);
}

/* check's comparison of the text map with the set and the cdb with the
 * text */
static void
test_check_maps(void **state)
{
	static const char *const keys[] = {"a@x", "b@x", "c@x", NULL};
	static const char *const fewer[] = {"a@x", "b@x", NULL};
	static const char *const shuffled[] = {"c@x", "a@x", "b@x", NULL};
	static const char *const more[] = {"a@x", "b@x", "c@x", "d@x", NULL};
	struct recipset *s = set_of(keys), *s2 = set_of(fewer);
	struct mapfile_result res;
	struct a2r_err err = {0};
	struct plan p;
	char *map, *cdb;
	int agree;

	(void)state;
	assert_true(asprintf(&map, "%s/cm", unit_dir) > 0);
	cdb = mapfile_cdb_path(map);
	/* neither map: agree, nothing installed */
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	assert_int_equal(p.have_old, 0);
	assert_int_equal(p.added, 3);
	/* installed by us: in sync */
	assert_int_equal(mapfile_install(map, 1, s, "OK", NULL, &res, &err), 0);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	assert_int_equal(p.added + p.removed + p.changed, 0);
	/* the directory lost one: text and cdb still agree */
	assert_int_equal(check_maps(map, cdb, s2, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	assert_int_equal(p.removed, 1);
	/* without a cdb path only the text counts */
	assert_int_equal(check_maps(map, NULL, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	/* the cdb: other order (agree), a record short, one too many, none */
	write_cdb(cdb, shuffled);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	write_cdb(cdb, fewer);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	assert_int_equal(p.added + p.removed + p.changed, 0);
	write_cdb(cdb, more);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	unlink(cdb);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	/* a hand-made text map in another order, and its cdb */
	free(unit_write(unit_dir, "cm", "c@x OK\na@x OK\nb@x OK\n"));
	write_cdb(cdb, shuffled);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	assert_int_equal(p.added + p.removed + p.changed, 0);
	write_cdb(cdb, fewer);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	unlink(cdb);
	unlink(map);
	free(map);
	free(cdb);
	recipset_free(s);
	recipset_free(s2);
}

/* unhook - zero the lengths of all hash tables of the cdb PATH: its
 * records stay in the data section, no lookup finds them */
static void
unhook(const char *path)
{
	static const unsigned char zero[4];
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	for (int t = 0; t < 256; t++)
		assert_int_equal(pwrite(fd, zero, 4, 8 * t + 4), 4);
	close(fd);
}

/* what plan_maps() tells the installer, and what check makes of it */
static void
test_same_verdicts(void **state)
{
	static const char *const keys[] = {"a@x", "b@x", "c@x", NULL};
	static const char *const shuffled[] = {"c@x", "a@x", "b@x", NULL};
	static const char *const none[] = {NULL};
	struct recipset *s = set_of(keys), *empty = set_of(none);
	struct mapfile_known known = {1, 1};
	struct mapfile_result res;
	struct a2r_err err = {0};
	struct plan p;
	char *map, *cdb;
	int agree, fd;

	(void)state;
	assert_true(asprintf(&map, "%s/sv", unit_dir) > 0);
	cdb = mapfile_cdb_path(map);
	/* nothing installed: neither is the same */
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 0);
	assert_int_equal(p.cdb_same, 0);
	/* installed by us: both the same, and the installer told so writes nothing */
	assert_int_equal(mapfile_install(map, 1, s, "OK", NULL, &res, &err), 0);
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 1);
	assert_int_equal(p.cdb_same, 1);
	assert_int_equal(mapfile_install(map, 1, s, "OK", &known, &res, &err), 0);
	assert_int_equal(res.text_changed + res.cdb_changed, 0);
	/* without the cdb path: the cdb not looked at */
	assert_int_equal(plan_maps(PLAN_SYNC, map, NULL, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 1);
	assert_int_equal(p.cdb_same, -1);
	/* another value: neither */
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "REJECT", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 0);
	assert_int_equal(p.changed, 3);
	/* a byte after the cdb's hash tables: not current, and no agreement */
	fd = open(cdb, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "", 1), 1);
	close(fd);
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 1);
	assert_int_equal(p.cdb_same, 0);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	/* the installer told the cdb differs rewrites it */
	known.cdb_same = 0;
	assert_int_equal(mapfile_install(map, 1, s, "OK", &known, &res, &err), 0);
	assert_int_equal(res.text_changed, 0);
	assert_int_equal(res.cdb_changed, 1);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	/* the same records in another order: agree, yet not what we write */
	write_cdb(cdb, shuffled);
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.cdb_same, 0);
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 1);
	/* a comment in the text map: the same records, other bytes */
	free(unit_write(unit_dir, "sv", "a@x OK\nb@x OK\nc@x OK\n# end\n"));
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 0);
	assert_int_equal(p.added + p.removed + p.changed, 0);
	free(unit_write(unit_dir, "sv", "a@x  OK\nb@x OK\nc@x OK\n"));
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 0);
	free(unit_write(unit_dir, "sv", "a@x OK\nb@x OK\nc@x OK"));
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.text_same, 0);
	/* records no hash table points at (a fuzz finding): a sequential read
	 * finds them, a lookup does not; nothing agrees with that */
	write_cdb(cdb, keys);
	unhook(cdb);
	free(unit_write(unit_dir, "sv", ""));
	assert_int_equal(check_maps(map, cdb, empty, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	free(unit_write(unit_dir, "sv", "a@x OK\nb@x OK\nc@x OK\n"));
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.cdb_same, 0);
	free(unit_write(unit_dir, "sv", "c@x OK\na@x OK\nb@x OK\n"));
	assert_int_equal(check_maps(map, cdb, s, "OK", &p, &agree), 0);
	assert_int_equal(agree, 0);
	unlink(cdb);
	unlink(map);
	free(map);
	free(cdb);
	recipset_free(s);
	recipset_free(empty);
}

/* big_value - a value of N 'v' bytes in a new string */
static char *
big_value(size_t n)
{
	char *v = malloc(n + 1);

	assert_non_null(v);
	memset(v, 'v', n);
	v[n] = '\0';
	return v;
}

/* an empty installed map, and values far longer than a line buffer */
static void
test_empty_and_long(void **state)
{
	static const char *const keys[] = {"a@x", "b@x", NULL};
	struct recipset *s = set_of(keys), *got = NULL;
	struct mapfile_result res;
	struct a2r_err err = {0};
	struct plan p;
	char *map, *cdb, *val = big_value(5000), *text;
	int exists, agree;

	(void)state;
	/* empty file: exists, no keys (and no pointer arithmetic on NULL) */
	map = unit_write(unit_dir, "empty", "");
	assert_int_equal(mapread_load(map, MAPREAD_TEXT, &got, &exists, NULL, &err), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(recipset_size(got), 0);
	recipset_free(got);
	free(map);
	/* a hand-made text map holding a 5000-byte value */
	assert_true(asprintf(&text, "b@x %s\na@x %s\n", val, val) > 0);
	map = unit_write(unit_dir, "long", text);
	assert_int_equal(mapread_load(map, MAPREAD_TEXT, &got, &exists, NULL, &err), 0);
	assert_int_equal(recipset_size(got), 2);
	assert_string_equal(recipset_value(got, 0), val);
	recipset_free(got);
	free(map);
	free(text);
	/* installed by us with that value: cdb read back, maps agree */
	assert_true(asprintf(&map, "%s/lm", unit_dir) > 0);
	cdb = mapfile_cdb_path(map);
	assert_int_equal(mapfile_install(map, 1, s, val, NULL, &res, &err), 0);
	assert_int_equal(mapread_load(cdb, MAPREAD_CDB, &got, &exists, NULL, &err), 0);
	assert_int_equal(recipset_size(got), 2);
	assert_string_equal(recipset_value(got, 1), val);
	recipset_free(got);
	assert_int_equal(cdb_agrees(map, cdb, s, val), 1);
	assert_int_equal(check_maps(map, cdb, s, val, &p, &agree), 0);
	assert_int_equal(agree, 1);
	assert_int_equal(p.added + p.removed + p.changed, 0);
	/* a cdb postmap would write (other order) with the long values */
	{
		struct cdb_make cm;
		int fd = open(cdb, O_WRONLY | O_TRUNC);

		assert_true(fd >= 0);
		cdb_make_start(&cm, fd);
		cdb_make_add(&cm, "b@x", 3, val, 5000);
		cdb_make_add(&cm, "a@x", 3, val, 5000);
		assert_int_equal(cdb_make_finish(&cm), 0);
		close(fd);
	}
	assert_int_equal(check_maps(map, cdb, s, val, &p, &agree), 0);
	assert_int_equal(agree, 1);
	unlink(cdb);
	unlink(map);
	free(map);
	free(cdb);
	free(val);
	recipset_free(s);
}

/* the guards count what Postfix reads: the cdb when the text map is
 * missing or holds fewer records */
static void
test_compare_installed(void **state)
{
	static const char *const ten[] = {"a@x", "b@x", "c@x", "d@x", "e@x", "f@x",
	                                  "g@x", "h@x", "i@x", "j@x", NULL};
	static const char *const one[] = {"a@x", NULL};
	static const char *const two[] = {"a@x", "k@x", NULL};
	struct recipset *s1 = set_of(one), *s2 = set_of(two);
	struct a2r_config cfg;
	struct a2r_err err = {0};
	struct plan p;
	char *map, *cdb;

	(void)state;
	assert_int_equal(conf_init(&cfg, &err), 0);
	assert_true(asprintf(&map, "%s/gm", unit_dir) > 0);
	cdb = mapfile_cdb_path(map);
	/* text map missing, cdb of 10: 9 of 10 lost */
	write_cdb(cdb, ten);
	listing[0] = '\0';
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s2, "OK", &p, keep, NULL, &err), 0);
	assert_int_equal(p.have_old, 1);
	assert_int_equal(p.old_is_cdb, 1);
	assert_int_equal(p.old_count, 10);
	assert_int_equal(p.removed, 9);
	assert_int_equal(p.added, 1);
	assert_string_equal(listing, "-b@x -c@x -d@x -e@x -f@x -g@x -h@x -i@x -j@x +k@x ");
	assert_int_equal(plan_guard(&cfg, &p, s2, 0, &err), -1);
	assert_non_null(strstr(err.msg, "lost 9 of 10 entries of the installed cdb"));
	/* a shorter text map beside it: the cdb still counts */
	free(unit_write(unit_dir, "gm", "a@x OK\n"));
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s1, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.old_is_cdb, 1);
	assert_int_equal(p.removed, 9);
	/* a text map with more records than the cdb: the text counts */
	write_cdb(cdb, one);
	free(unit_write(unit_dir, "gm", "a@x OK\nb@x OK\nc@x OK\n"));
	listing[0] = '\0';
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s1, "OK", &p, keep, NULL, &err), 0);
	assert_int_equal(p.old_is_cdb, 0);
	assert_int_equal(p.old_count, 3);
	assert_int_equal(p.removed, 2);
	assert_string_equal(listing, "-b@x -c@x ");
	/* no cdb path: the text alone */
	write_cdb(cdb, ten);
	assert_int_equal(plan_maps(PLAN_SYNC, map, NULL, s1, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.old_is_cdb, 0);
	assert_int_equal(p.old_count, 3);
	/* a damaged cdb: ignored beside a text map, an error without one */
	free(unit_write(unit_dir, "gm.cdb", "not a cdb"));
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s1, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.old_count, 3);
	unlink(map);
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s1, "OK", &p, NULL, NULL, &err), -1);
	assert_int_equal(err.code, A2R_ERR_WRITE);
	assert_non_null(strstr(err.msg, "not a cdb file"));
	/* neither: a first run */
	unlink(cdb);
	assert_int_equal(plan_maps(PLAN_SYNC, map, cdb, s1, "OK", &p, NULL, NULL, &err), 0);
	assert_int_equal(p.have_old, 0);
	assert_int_equal(p.added, 1);
	free(map);
	free(cdb);
	conf_free(&cfg);
	recipset_free(s1);
	recipset_free(s2);
}

static int
teardown(void **state)
{
	policy_cleanup();
	return unit_dir_teardown(state);
}

/* an empty installed map: no mapping, no pointer arithmetic on NULL
 * (UBSan in a clang build; found by tests/fuzz/fuzz_mapread) */
static void
test_read_empty(void **state)
{
	struct recipset *s = NULL;
	struct a2r_err err = {0};
	char *path = unit_write(unit_dir, "empty", "");
	int exists = 0;

	(void)state;
	assert_int_equal(mapread_load(path, MAPREAD_TEXT, &s, &exists, NULL, &err), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(recipset_size(s), 0);
	recipset_free(s);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compare_text),   cmocka_unit_test(test_guards),
	    cmocka_unit_test(test_cdb_agrees),     cmocka_unit_test(test_check_maps),
	    cmocka_unit_test(test_empty_and_long), cmocka_unit_test(test_compare_installed),
	    cmocka_unit_test(test_read_empty),     cmocka_unit_test(test_same_verdicts),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, teardown);
}
