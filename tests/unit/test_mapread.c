/* SPDX-License-Identifier: BSD-2-Clause */
/* test_mapread.c - installed maps read record by record, text and cdb;
 * the cdb written with TinyCDB, as postmap writes it */
#include "autoconf.h"

#include "unit.h"

#include <sys/mman.h>

#include <cdb.h>

#include "mapread.h"
#include "recipset.h"

static void
put_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
put_text(const char *path, const char *text)
{
	put_file(path, text, strlen(text));
}

/* put_cdb - a cdb of "key=value" pairs, in this order, with cdb_make */
static void
put_cdb(const char *path, const char *const *pairs)
{
	struct cdb_make cm;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(cdb_make_start(&cm, fd), 0);
	for (; *pairs != NULL; pairs++) {
		const char *eq = strchr(*pairs, '=');

		assert_int_equal(cdb_make_add(&cm, *pairs, (unsigned)(eq - *pairs), eq + 1,
		                              (unsigned)strlen(eq + 1)),
		                 0);
	}
	assert_int_equal(cdb_make_finish(&cm), 0);
	close(fd);
}

static const char *const two[] = {"a@x=OK", "b@x=REJECT no", NULL};

static void
make_text(const char *path)
{
	put_text(path, "# installed by hand\n\na@x OK\n continued\nb@x\t REJECT no  \r\nc@x");
}

static void
make_empty(const char *path)
{
	put_text(path, "");
}

static void
make_nothing(const char *path)
{
	(void)path;
}

static void
make_symlink(const char *path)
{
	char *target;

	assert_true(asprintf(&target, "%s.target", path) > 0);
	put_text(target, "a@x OK\n");
	assert_int_equal(symlink(target, path), 0);
	free(target);
}

static void
make_fifo(const char *path)
{
	assert_int_equal(mkfifo(path, 0600), 0);
}

static void
make_long(const char *path)
{
	size_t n = 200000;
	char *t = malloc(n + 16);

	assert_non_null(t);
	memcpy(t, "a@x ", 4);
	memset(t + 4, 'v', n);
	memcpy(t + 4 + n, "\nb@x OK\n", 9);
	put_text(path, t);
	free(t);
}

static void
make_cdb(const char *path)
{
	put_cdb(path, two);
}

static void
make_cdb_empty_set(const char *path)
{
	static const char *const none[] = {NULL};

	put_cdb(path, none);
}

/* a header whose data section ends past a record that reaches further */
static void
make_cdb_corrupt(const char *path)
{
	unsigned char b[2100] = {0};

	cdb_pack(2090, b);          /* table 0, where the data would end */
	cdb_pack(0xffff, b + 2048); /* a key longer than the file */
	cdb_pack(1, b + 2052);
	put_file(path, b, sizeof(b));
}

/* a value length that wraps TinyCDB's bounds check around (a fuzz
 * finding: the record was taken, and its end, far past the file, was
 * given to madvise()) */
static void
make_cdb_wrapping(const char *path)
{
	unsigned char b[2192] = {0};

	cdb_pack(2121, b);
	cdb_pack(8, b + 2048);
	cdb_pack(2030043136u, b + 2052);
	memset(b + 2056, 'k', 8);
	put_file(path, b, sizeof(b));
}

static void
make_cdb_trailing(const char *path)
{
	int fd;

	put_cdb(path, two);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "junk", 4), 4);
	close(fd);
}

/* records no hash table points at: the table lengths zeroed */
static void
make_cdb_unreferenced(const char *path)
{
	static const unsigned char zero[4];
	int fd;

	put_cdb(path, two);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	for (int t = 0; t < 256; t++)
		assert_int_equal(pwrite(fd, zero, 4, 8 * t + 4), 4);
	close(fd);
}

/* the same key twice: the second is read in sequence, never looked up */
static void
make_cdb_twice(const char *path)
{
	static const char *const twice[] = {"a@x=OK", "a@x=REJECT", NULL};

	put_cdb(path, twice);
}

struct rcase {
	const char *name;
	enum mapread_kind kind;
	void (*make)(const char *path);
	int open_rc;         /* 1, 0 missing, -1 refused */
	const char *records; /* "key=value " each (a long value as its length) */
	int end_rc;          /* the last mapread_next(): 0, or -1 */
	const char *msg;     /* in the error, if any */
	int sound;           /* mapread_cdb_sound() at the end */
};

static const struct rcase rcases[] = {
    {"text", MAPREAD_TEXT, make_text, 1, "a@x=OK b@x=REJECT no c@x= ", 0, NULL, 0},
    {"text empty", MAPREAD_TEXT, make_empty, 1, "", 0, NULL, 0},
    {"text missing", MAPREAD_TEXT, make_nothing, 0, NULL, 0, NULL, 0},
    {"text symlink", MAPREAD_TEXT, make_symlink, -1, NULL, 0, "symbolic link", 0},
    {"text FIFO", MAPREAD_TEXT, make_fifo, -1, NULL, 0, "FIFO", 0},
    {"text long line", MAPREAD_TEXT, make_long, 1, "a@x=200000 b@x=OK ", 0, NULL, 0},
    {"cdb", MAPREAD_CDB, make_cdb, 1, "a@x=OK b@x=REJECT no ", 0, NULL, 1},
    {"cdb of nothing", MAPREAD_CDB, make_cdb_empty_set, 1, "", 0, NULL, 1},
    {"cdb missing", MAPREAD_CDB, make_nothing, 0, NULL, 0, NULL, 0},
    {"cdb empty file", MAPREAD_CDB, make_empty, -1, NULL, 0, "not a cdb file", 0},
    {"cdb symlink", MAPREAD_CDB, make_symlink, -1, NULL, 0, "symbolic link", 0},
    {"cdb FIFO", MAPREAD_CDB, make_fifo, -1, NULL, 0, "FIFO", 0},
    {"cdb corrupt", MAPREAD_CDB, make_cdb_corrupt, 1, "", -1, "damaged cdb record", 0},
    {"cdb length wraps", MAPREAD_CDB, make_cdb_wrapping, 1, "", -1, "damaged cdb record", 0},
    {"cdb trailing junk", MAPREAD_CDB, make_cdb_trailing, 1, "a@x=OK b@x=REJECT no ", 0, NULL, 0},
    {"cdb unreferenced records", MAPREAD_CDB, make_cdb_unreferenced, 1, "a@x=OK b@x=REJECT no ", 0,
     NULL, 0},
    {"cdb key twice", MAPREAD_CDB, make_cdb_twice, 1, "a@x=OK a@x=REJECT ", 0, NULL, 0},
};

static void
test_read(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *t = &rcases[i];
		struct a2r_err err = {0};
		struct mapread *mr = NULL;
		struct mapread_rec rec;
		char *path, got[512] = "";
		int rc;

		assert_true(asprintf(&path, "%s/case%zu", unit_dir, i) > 0);
		t->make(path);
		rc = mapread_open(&mr, path, t->kind, &err);
		if (rc != t->open_rc)
			fail_msg("%s: open %d, not %d (%s)", t->name, rc, t->open_rc, err.msg);
		if (rc <= 0) {
			assert_null(mr);
			if (t->msg != NULL && strstr(err.msg, t->msg) == NULL)
				fail_msg("%s: \"%s\" lacks \"%s\"", t->name, err.msg, t->msg);
			if (rc < 0)
				assert_int_equal(err.code, A2R_ERR_WRITE);
			free(path);
			continue;
		}
		mapread_verify(mr);
		while ((rc = mapread_next(mr, &rec, &err)) > 0) {
			size_t n = strlen(got);

			if (rec.vlen > 100)
				snprintf(got + n, sizeof(got) - n, "%.*s=%zu ", (int)rec.klen,
				         rec.key, rec.vlen);
			else
				snprintf(got + n, sizeof(got) - n, "%.*s=%.*s ", (int)rec.klen,
				         rec.key, (int)rec.vlen, rec.val);
		}
		if (rc != t->end_rc || strcmp(got, t->records) != 0)
			fail_msg("%s: \"%s\" ending %d, not \"%s\" ending %d", t->name, got, rc,
			         t->records, t->end_rc);
		if (t->msg != NULL && strstr(err.msg, t->msg) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", t->name, err.msg, t->msg);
		if (rc == 0 && mapread_cdb_sound(mr) != t->sound)
			fail_msg("%s: sound %d", t->name, mapread_cdb_sound(mr));
		mapread_close(mr);
		free(path);
	}
}

/* the text reader's lines: what plan.c needs to tell a map byte for byte
 * the one it would write */
static void
test_text_lines(void **state)
{
	struct a2r_err err = {0};
	struct mapread *mr;
	struct mapread_rec rec;
	char *path;

	(void)state;
	assert_true(asprintf(&path, "%s/lines", unit_dir) > 0);
	put_text(path, "# c\na@x OK\nb@x OK");
	assert_int_equal(mapread_open(&mr, path, MAPREAD_TEXT, &err), 1);
	assert_int_equal(mapread_size(mr), 17);
	assert_int_equal(mapread_next(mr, &rec, &err), 1);
	assert_int_equal(rec.gap, 4);
	assert_int_equal(rec.linelen, 7);
	assert_memory_equal(rec.line, "a@x OK\n", 7);
	assert_int_equal(mapread_next(mr, &rec, &err), 1);
	assert_int_equal(rec.gap, 0);
	assert_int_equal(rec.linelen, 6);
	assert_int_equal(mapread_next(mr, &rec, &err), 0);
	/* a text map is no cdb */
	assert_int_equal(mapread_cdb_sound(mr), 0);
	mapread_close(mr);
	mapread_close(NULL);
	free(path);
}

/* contents - the whole of FD; *LEN gets its size */
static char *
contents(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *p;

	assert_true(end >= 0);
	p = malloc((size_t)end + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)end, 0), end);
	*len = (size_t)end;
	return p;
}

/* same_as_tinycdb - mapread_write_cdb()'s file and cdb_make's for SET
 * (keys in order, DEFVAL where a key has no value) are identical; every
 * key is found with its value, by lookup and in sequence; the file
 * compares equal with itself and reads as sound */
static void
same_as_tinycdb(const struct recipset *set, const char *defval)
{
	int ours = memfd_create("ours", 0), ref = memfd_create("ref", 0), fd;
	struct a2r_err err = {0};
	struct mapread *mr;
	struct mapread_rec rec;
	struct cdb_make cm;
	size_t olen, rlen, i = 0;
	char *o, *r, *path;
	off_t size;

	assert_true(ours >= 0 && ref >= 0);
	assert_int_equal(mapread_write_cdb(ours, set, defval), 0);
	assert_int_equal(cdb_make_start(&cm, ref), 0);
	for (size_t j = 0; j < recipset_size(set); j++) {
		size_t klen;
		const char *k = recipset_key(set, j, &klen);
		const char *v = recipset_value(set, j) ? recipset_value(set, j) : defval;

		assert_int_equal(cdb_make_add(&cm, k, (unsigned)klen, v, (unsigned)strlen(v)), 0);
	}
	assert_int_equal(cdb_make_finish(&cm), 0);
	o = contents(ours, &olen);
	r = contents(ref, &rlen);
	assert_int_equal(olen, rlen);
	assert_memory_equal(o, r, olen);
	/* read back through the reader */
	assert_true(asprintf(&path, "%s/written.cdb", unit_dir) > 0);
	put_file(path, o, olen);
	assert_int_equal(mapread_open(&mr, path, MAPREAD_CDB, &err), 1);
	mapread_verify(mr);
	while (mapread_next(mr, &rec, &err) > 0) {
		size_t klen;
		const char *k = recipset_key(set, i, &klen);
		const char *v = recipset_value(set, i) ? recipset_value(set, i) : defval, *lv;
		size_t lvlen;

		assert_int_equal(rec.klen, klen);
		assert_memory_equal(rec.key, k, klen);
		assert_int_equal(rec.vlen, strlen(v));
		assert_int_equal(mapread_lookup(mr, k, klen, &lv, &lvlen), 1);
		assert_int_equal(lvlen, strlen(v));
		assert_memory_equal(lv, v, lvlen);
		i++;
	}
	assert_int_equal(i, recipset_size(set));
	assert_int_equal(mapread_cdb_sound(mr), 1);
	{
		const char *lv;
		size_t lvlen;

		assert_int_equal(mapread_lookup(mr, "not@there", 9, &lv, &lvlen), 0);
	}
	/* and equal to the memory file mapread_cdb_of() builds */
	assert_true((fd = mapread_cdb_of(set, defval, &size, &err)) >= 0);
	assert_int_equal(size, (off_t)rlen);
	assert_int_equal(mapread_same_file(mr, fd, size, &err), 1);
	close(fd);
	assert_int_equal(mapread_same_file(mr, ref, (off_t)rlen - 1, &err), 0);
	mapread_close(mr);
	unlink(path);
	free(path);
	free(o);
	free(r);
	close(ours);
	close(ref);
}

static void
test_write_empty(void **state)
{
	struct recipset *s = recipset_new();

	(void)state;
	assert_int_equal(recipset_sort(s), 0);
	same_as_tinycdb(s, "OK");
	recipset_free(s);
}

static void
test_write_small_with_values(void **state)
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
test_write_many(void **state)
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
	assert_int_equal(mapread_write_cdb(fds[1], s, "OK"), -1);
	assert_int_equal(errno, EBADF);
	recipset_free(s);
}

/* loading a map as a set: sorted, "" for a key alone, sound or not */
static void
test_load(void **state)
{
	struct a2r_err err = {0};
	struct recipset *s = NULL;
	char *path;
	int exists, sound;

	(void)state;
	assert_true(asprintf(&path, "%s/load", unit_dir) > 0);
	put_text(path, "b@x OK\na@x\n");
	assert_int_equal(mapread_load(path, MAPREAD_TEXT, &s, &exists, NULL, &err), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(recipset_size(s), 2);
	assert_string_equal(recipset_key(s, 0, NULL), "a@x");
	assert_string_equal(recipset_value(s, 0), "");
	recipset_free(s);
	make_cdb_unreferenced(path);
	assert_int_equal(mapread_load(path, MAPREAD_CDB, &s, &exists, &sound, &err), 0);
	assert_int_equal(recipset_size(s), 2);
	assert_int_equal(sound, 0);
	recipset_free(s);
	make_cdb(path);
	assert_int_equal(mapread_load(path, MAPREAD_CDB, &s, &exists, &sound, &err), 0);
	assert_int_equal(sound, 1);
	recipset_free(s);
	unlink(path);
	assert_int_equal(mapread_load(path, MAPREAD_CDB, &s, &exists, &sound, &err), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(recipset_size(s), 0);
	recipset_free(s);
	make_cdb_corrupt(path);
	assert_int_equal(mapread_load(path, MAPREAD_CDB, &s, &exists, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "damaged cdb record"));
	recipset_free(s);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),        cmocka_unit_test(test_text_lines),
	    cmocka_unit_test(test_write_empty), cmocka_unit_test(test_write_small_with_values),
	    cmocka_unit_test(test_write_many),  cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, unit_dir_setup, unit_dir_teardown);
}
