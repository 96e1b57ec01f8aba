/* SPDX-License-Identifier: BSD-2-Clause */
/* test_dnssrv.c - SRV answers: order, "." targets, malformed messages */
#include "autoconf.h"

#include "unit.h"

#include "dnssrv.h"

/* A DNS answer built by hand, as a server would send it. */
struct msg {
	unsigned char b[1024];
	size_t len;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void
put16(struct msg *m, unsigned v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	put(m, b, 2);
}

/* put_name - "a.b" as labels; "" is the root */
static void
put_name(struct msg *m, const char *name)
{
	while (*name != '\0') {
		size_t l = strcspn(name, ".");
		unsigned char c = (unsigned char)l;

		put(m, &c, 1);
		put(m, name, l);
		name += l + (name[l] == '.');
	}
	put(m, "", 1);
}

/* start - header and question for _gc._tcp.example.com, ANCOUNT answers */
static void
start(struct msg *m, unsigned ancount)
{
	m->len = 0;
	put16(m, 0x1234);
	put16(m, 0x8180); /* response, recursion desired and available */
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	put_name(m, "_gc._tcp.example.com");
	put16(m, 33); /* SRV */
	put16(m, 1);  /* IN */
}

/* srv - one SRV answer (owner: a pointer to the question's name) */
static void
srv(struct msg *m, unsigned prio, unsigned weight, unsigned port, const char *target)
{
	struct msg rd = {.len = 0};

	put16(&rd, prio);
	put16(&rd, weight);
	put16(&rd, port);
	put_name(&rd, target);
	put16(m, 0xC00C);
	put16(m, 33);
	put16(m, 1);
	put16(m, 0);
	put16(m, 600);
	put16(m, (unsigned)rd.len);
	put(m, rd.b, rd.len);
}

static void
test_order(void **state)
{
	struct msg m;
	struct strlist out = {0};
	struct a2r_err err = {0};

	(void)state;
	start(&m, 5);
	srv(&m, 10, 0, 3268, "late.example.com");
	srv(&m, 0, 10, 3268, "light.example.com");
	srv(&m, 0, 0, 3268, ""); /* ".": not offered */
	srv(&m, 0, 50, 3268, "heavy.example.com");
	srv(&m, 0, 10, 3269, "light2.example.com");
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), 4);
	assert_int_equal(out.n, 4);
	assert_string_equal(out.v[0], "heavy.example.com:3268");
	assert_string_equal(out.v[1], "light.example.com:3268");
	assert_string_equal(out.v[2], "light2.example.com:3269");
	assert_string_equal(out.v[3], "late.example.com:3268");
	assert_null(out.v[4]);
	strlist_free(&out);
}

static void
test_other_records(void **state)
{
	struct msg m;
	struct strlist out = {0};
	struct a2r_err err = {0};

	(void)state;
	/* a CNAME in the answer section is passed over */
	start(&m, 2);
	put16(&m, 0xC00C);
	put16(&m, 5);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 600);
	put16(&m, 2);
	put16(&m, 0xC00C);
	srv(&m, 0, 0, 3268, "dc1.example.com");
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), 1);
	assert_string_equal(out.v[0], "dc1.example.com:3268");
	strlist_free(&out);
	/* no answer at all */
	start(&m, 0);
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), 0);
	assert_int_equal(out.n, 0);
	strlist_free(&out);
}

static void
test_malformed(void **state)
{
	struct msg m, good;
	struct strlist out = {0};
	struct a2r_err err = {0};

	(void)state;
	start(&good, 1);
	srv(&good, 0, 0, 3268, "dc1.example.com");
	/* every truncation of a good answer is refused or yields nothing */
	for (size_t cut = 0; cut < good.len; cut++) {
		int n = dnssrv_parse(good.b, cut, &out, &err);

		assert_true(n <= 0);
		assert_int_equal(out.n, 0);
		if (n < 0)
			assert_int_equal(err.code, A2R_ERR_SOURCE);
	}
	/* an answer count beyond the records there are */
	start(&m, 3);
	srv(&m, 0, 0, 3268, "dc1.example.com");
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), -1);
	assert_non_null(strstr(err.msg, "a malformed DNS answer"));
	/* record data too short for priority, weight, port and a name */
	start(&m, 1);
	put16(&m, 0xC00C);
	put16(&m, 33);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 600);
	put16(&m, 4);
	put16(&m, 0);
	put16(&m, 0);
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), -1);
	/* a target name that runs past its record (a pointer loop) */
	start(&m, 1);
	put16(&m, 0xC00C);
	put16(&m, 33);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 600);
	put16(&m, 8);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 3268);
	put16(&m, (unsigned)(0xC000 | m.len)); /* points at itself */
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), -1);
	assert_int_equal(out.n, 0);
	/* what is in OUT stays */
	assert_int_equal(strlist_add(&out, "keep:1", 6), 0);
	assert_int_equal(dnssrv_parse(m.b, m.len, &out, &err), -1);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "keep:1");
	strlist_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_other_records),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
