/* SPDX-License-Identifier: BSD-2-Clause */
/* test_util.c - string lists, byte buffers, UTF-8, escaping, write_all */
#include "autoconf.h"

#include "unit.h"

#include <pthread.h>

#include "util.h"

static void
test_strlist(void **state)
{
	struct strlist l = {0};

	(void)state;
	/* grows past its first allocation, always NULL-terminated */
	for (int i = 0; i < 20; i++) {
		char s[8];

		snprintf(s, sizeof(s), "s%d", i);
		assert_int_equal(strlist_add(&l, s, strlen(s)), 0);
		assert_null(l.v[l.n]);
	}
	assert_int_equal(l.n, 20);
	assert_string_equal(l.v[19], "s19");
	assert_int_equal(l.len[19], 3);
	/* LEN bytes only: the copy is NUL-terminated, embedded bytes kept */
	assert_int_equal(strlist_add(&l, "abc", 2), 0);
	assert_string_equal(l.v[20], "ab");
	strlist_clear(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v[0]);
	assert_int_equal(strlist_add(&l, "again", 5), 0);
	assert_string_equal(l.v[0], "again");
	strlist_free(&l);
	assert_null(l.v);
	strlist_free(&l); /* twice is harmless */
}

/* Postfix's list syntax: spaces, tabs and commas, in any mix */
static void
test_strlist_split(void **state)
{
	struct strlist l = {0};

	(void)state;
	assert_int_equal(strlist_split(&l, " a.example, b.example\t,,c ,"), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a.example");
	assert_string_equal(l.v[1], "b.example");
	assert_string_equal(l.v[2], "c");
	assert_int_equal(strlist_split(&l, ""), 0);
	assert_int_equal(strlist_split(&l, " ,\t"), 0);
	assert_int_equal(l.n, 3);
	strlist_free(&l);
}

static void
test_strbuf(void **state)
{
	struct strbuf b = {0};

	(void)state;
	assert_int_equal(strbuf_addstr(&b, ""), 0);
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(strbuf_addc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.p[b.len], '\0');
	assert_int_equal(strbuf_add(&b, "x\0y", 3), 0);
	assert_int_equal(b.len, 1003);
	assert_memory_equal(b.p + 1000, "x\0y", 4);
	assert_int_equal(strbuf_add(&b, NULL, 0), 0);
	assert_int_equal(strbuf_reserve(&b, 10000), 0);
	assert_true(b.cap >= b.len + 10001);
	/* a size that wraps around is refused, not allocated short */
	assert_int_equal(strbuf_reserve(&b, SIZE_MAX), -1);
	strbuf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

static const struct {
	const char *s;
	size_t len;
	int valid;
} utf8[] = {
    {"", 0, 1},
    {"plain", 5, 1},
    {"J\xc3\xbcrgen", 7, 1},
    {"\xe7\x94\xb0\xe4\xb8\xad", 6, 1},
    {"\xf0\x9f\x93\xa7", 4, 1},
    {"\xf4\x8f\xbf\xbf", 4, 1}, /* U+10FFFF */
    {"a\0b", 3, 1},             /* NUL is UTF-8; callers refuse it */
    {"\xff", 1, 0},
    {"\xc3", 1, 0},             /* cut short */
    {"\xc0\xaf", 2, 0},         /* overlong */
    {"\xe0\x80\xaf", 3, 0},     /* overlong */
    {"\xed\xa0\x80", 3, 0},     /* surrogate */
    {"\xf4\x90\x80\x80", 4, 0}, /* past U+10FFFF */
    {"\xc3\x28", 2, 0},         /* no continuation byte */
};

static void
test_utf8_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++)
		if (utf8_valid((const unsigned char *)utf8[i].s, utf8[i].len) != utf8[i].valid)
			fail_msg("case %zu: want %d", i, utf8[i].valid);
}

static void
test_escape(void **state)
{
	struct strbuf b = {0};

	(void)state;
	assert_int_equal(escape_value(&b, "a\nb\0c\"\xff\xc3\xa4", 9), 0);
	assert_string_equal(b.p, "a\\nb\\x00c\\\"\\xff\xc3\xa4");
	b.len = 0;
	assert_int_equal(escape_value(&b, "\r\t\\\x7f\x1b \xed\xa0\x80", 9), 0);
	assert_string_equal(b.p, "\\r\\t\\\\\\x7f\\x1b \\xed\\xa0\\x80");
	strbuf_free(&b);
}

/* drain - a thread that reads a pipe to its end */
struct drain {
	int fd;
	char *buf;
	size_t size, got;
};

static void *
drain(void *arg)
{
	struct drain *d = arg;

	for (ssize_t n;
	     d->got < d->size && (n = read(d->fd, d->buf + d->got, d->size - d->got)) > 0;)
		d->got += (size_t)n;
	return NULL;
}

/* more than a pipe holds at once: several write() calls */
static void
test_write_all(void **state)
{
	size_t size = 1 << 20;
	char *out = malloc(size);
	struct drain d = {.buf = malloc(size), .size = size};
	pthread_t t;
	int fd[2];

	(void)state;
	assert_non_null(out);
	assert_non_null(d.buf);
	for (size_t i = 0; i < size; i++)
		out[i] = (char)(i * 7);
	assert_int_equal(pipe(fd), 0);
	d.fd = fd[0];
	assert_int_equal(pthread_create(&t, NULL, drain, &d), 0);
	assert_int_equal(write_all(fd[1], out, size), 0);
	close(fd[1]);
	pthread_join(t, NULL);
	close(fd[0]);
	assert_int_equal(d.got, size);
	assert_memory_equal(d.buf, out, size);
	assert_int_equal(write_all(-1, "x", 1), -1);
	free(d.buf);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strlist), cmocka_unit_test(test_strlist_split),
	    cmocka_unit_test(test_strbuf),  cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_escape),  cmocka_unit_test(test_write_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
