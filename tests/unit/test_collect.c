/* SPDX-License-Identifier: BSD-2-Clause */
/* test_collect.c - entries to the recipient set: exclusions, warnings, counts */
#include "autoconf.h"

#include "unit.h"

#include "collect.h"
#include "policy.h"

static char warnings[4096];
static int nwarnings;

static void
capture(void *ctx, const char *msg)
{
	(void)ctx;
	nwarnings++;
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

/* A tiny entry builder: attribute name followed by its values, NULL-ended. */
struct fixture {
	struct berval bv[16];
	struct berval *ptrs[24];
	struct a2r_attr attrs[6];
	struct a2r_entry e;
};

static void
add_attr(struct fixture *f, size_t *nb, size_t *np, const char *name, const char *const *vals)
{
	struct a2r_attr *a = &f->attrs[f->e.nattrs++];

	a->name = name;
	a->namelen = strlen(name);
	a->vals = &f->ptrs[*np];
	for (; *vals != NULL; vals++) {
		f->bv[*nb].bv_val = (char *)*vals;
		f->bv[*nb].bv_len = strlen(*vals);
		f->ptrs[(*np)++] = &f->bv[(*nb)++];
	}
	f->ptrs[(*np)++] = NULL;
}

static void
make_entry(struct fixture *f, const char *dn, const char *oc, const char *uac,
           const char *const *proxy, const char *mail)
{
	const char *ocv[] = {"top", "person", oc, NULL};
	const char *uacv[] = {uac, NULL};
	const char *mailv[] = {mail, NULL};
	size_t nb = 0, np = 0;

	memset(f, 0, sizeof(*f));
	f->e.dn = dn;
	f->e.attrs = f->attrs;
	add_attr(f, &nb, &np, "objectClass", ocv);
	if (uac != NULL)
		add_attr(f, &nb, &np, "userAccountControl", uacv);
	if (proxy != NULL)
		add_attr(f, &nb, &np, "proxyAddresses", proxy);
	if (mail != NULL)
		add_attr(f, &nb, &np, "mail", mailv);
}

static void
setup_cfg(struct a2r_config *cfg, int exclude_disabled)
{
	struct a2r_err err = {0};

	assert_int_equal(conf_init(cfg, &err), 0);
	assert_int_equal(
	    conf_set(cfg, "relay_domains", "corp.example.com .corp.example.com", "test", &err), 0);
	cfg->exclude_disabled = exclude_disabled;
	warnings[0] = '\0';
	nwarnings = 0;
}

/* run - three entries through C; FN (if not NULL) observes */
static void
run(struct collect *c, int exclude_disabled, struct a2r_config *cfg, collect_observe_fn *fn,
    void *ctx)
{
	static const char *const p1[] = {"SMTP:John.Doe@corp.example.com",
	                                 "smtp:jd@eu.corp.example.com",
	                                 "X500:/o=Corp/cn=jd",
	                                 "SIP:jd@corp.example.com",
	                                 "smtp:john doe@corp.example.com",
	                                 "smtp:jd@partner.example.net",
	                                 "nocolon@corp.example.com",
	                                 NULL};
	static const char *const p2[] = {"SMTP:shared@corp.example.com", NULL};
	static const char *const p3[] = {"smtp:pc@corp.example.com", NULL};
	struct fixture f;
	struct a2r_err err = {0};

	setup_cfg(cfg, exclude_disabled);
	assert_int_equal(collect_init(c, cfg, capture, NULL, &err), 0);
	if (fn != NULL)
		collect_observe(c, fn, ctx);
	make_entry(&f, "CN=John Doe,DC=corp", "user", "512", p1, "JOHN.DOE@Corp.Example.com");
	assert_int_equal(collect_entry(c, &f.e, &err), 0);
	make_entry(&f, "CN=Shared,DC=corp", "user", "514", p2, NULL);
	assert_int_equal(collect_entry(c, &f.e, &err), 0);
	make_entry(&f, "CN=PC1,DC=corp", "computer", "4096", p3, NULL);
	assert_int_equal(collect_entry(c, &f.e, &err), 0);
	assert_int_equal(recipset_sort(c->set), 0);
}

static void
test_default_keeps_disabled(void **state)
{
	struct a2r_config cfg;
	struct collect c;

	(void)state;
	run(&c, 0, &cfg, NULL, NULL);
	assert_int_equal(recipset_size(c.set), 3);
	assert_string_equal(recipset_key(c.set, 0, NULL), "jd@eu.corp.example.com");
	assert_string_equal(recipset_key(c.set, 1, NULL), "john.doe@corp.example.com");
	assert_string_equal(recipset_key(c.set, 2, NULL), "shared@corp.example.com");
	assert_int_equal(c.stats.entries, 3);
	assert_int_equal(c.stats.computers, 1);
	assert_int_equal(c.stats.disabled, 0);
	assert_int_equal(c.stats.other_total, 2);
	assert_int_equal(c.stats.nother, 2);
	assert_string_equal(c.stats.other[0].type, "X500");
	assert_int_equal(c.stats.rejected_total, 1);
	assert_int_equal(c.stats.notype, 1);
	assert_int_equal(c.stats.not_relay, 1);
	/* the breakdowns: two users and a computer; one value with a space */
	assert_int_equal(c.stats.classes[COLLECT_CLASS_USER], 2);
	assert_int_equal(c.stats.classes[COLLECT_CLASS_COMPUTER], 1);
	assert_int_equal(c.stats.classes[COLLECT_CLASS_OTHER], 0);
	assert_int_equal(c.stats.policy[POLICY_SPACE], 1);
	assert_int_equal(c.stats.spaced, 0);
	assert_int_equal(nwarnings, 2);
	assert_non_null(strstr(warnings, "CN=John Doe,DC=corp: proxyAddresses value "
	                                 "\"smtp:john doe@corp.example.com\" rejected: contains "
	                                 "whitespace\n"));
	assert_non_null(strstr(warnings, "\"nocolon@corp.example.com\" rejected: no address type"));
	collect_free(&c);
	conf_free(&cfg);
}

static void
test_exclude_disabled(void **state)
{
	struct a2r_config cfg;
	struct collect c;

	(void)state;
	run(&c, 1, &cfg, NULL, NULL);
	assert_int_equal(recipset_size(c.set), 2);
	assert_int_equal(c.stats.disabled, 1);
	assert_false(recipset_contains(c.set, "shared@corp.example.com", 23));
	collect_reset(&c);
	assert_int_equal(recipset_size(c.set), 0);
	assert_int_equal(c.stats.entries, 0);
	collect_free(&c);
	conf_free(&cfg);
}

/* static_setup - CFG with a static file DIR/static holding TEXT, and C
 * bound to it; the file's path, which the caller frees */
static char *
static_setup(struct a2r_config *cfg, struct collect *c, const char *dir, const char *text)
{
	struct a2r_err err = {0};
	char *path = unit_write(dir, "static", text);

	assert_int_equal(chmod(path, 0600), 0);
	setup_cfg(cfg, 0);
	cfg->static_file = strdup(path);
	assert_int_equal(collect_init(c, cfg, capture, NULL, &err), 0);
	return path;
}

static void
test_static_file(void **state)
{
	struct a2r_config cfg;
	struct collect c;
	struct a2r_err err = {0};
	char *dir = unit_tmpdir("test_static"), *path;
	int fd;

	(void)state;
	path = static_setup(&cfg, &c, dir,
	                    "# merged\nPostmaster@Corp.Example.com\n@Unsynced.Example.org  OK\n"
	                    "x@corp.example.com REJECT gone\n");
	assert_int_equal(collect_static(&c, &err), 0);
	assert_int_equal(recipset_sort(c.set), 0);
	assert_int_equal(recipset_size(c.set), 3);
	assert_string_equal(recipset_key(c.set, 0, NULL), "@unsynced.example.org");
	assert_string_equal(recipset_value(c.set, 0), "OK");
	assert_string_equal(recipset_key(c.set, 1, NULL), "postmaster@corp.example.com");
	assert_null(recipset_value(c.set, 1));
	assert_string_equal(recipset_value(c.set, 2), "REJECT gone");
	collect_free(&c);

	/* a bad line is a config error naming file and line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "ok@x.org\nbad address@x.org\n", 27), 27);
	close(fd);
	assert_int_equal(collect_init(&c, &cfg, capture, NULL, &err), 0);
	assert_int_equal(collect_static(&c, &err), -1);
	assert_int_equal(err.code, A2R_ERR_CONFIG);
	assert_non_null(strstr(err.msg, ":2: \"bad\" has no @"));
	collect_free(&c);
	conf_free(&cfg);
	free(path);
	assert_int_equal(unit_rmtree(dir), 0);
	free(dir);
}

/* A type with white space around it is a rejected value, warned about,
 * never counted as an address of another type (" SMTP") and dropped */
static void
test_spaced_type(void **state)
{
	static const char *const p[] = {" smtp:leading@corp.example.com",
	                                "smtp :x@corp.example.com", "smtp:ok@corp.example.com",
	                                NULL};
	struct a2r_config cfg;
	struct collect c;
	struct a2r_err err = {0};
	struct fixture f;

	(void)state;
	setup_cfg(&cfg, 0);
	assert_int_equal(collect_init(&c, &cfg, capture, NULL, &err), 0);
	make_entry(&f, "CN=Lead,DC=corp", "user", "512", p, NULL);
	assert_int_equal(collect_entry(&c, &f.e, &err), 0);
	assert_int_equal(recipset_sort(c.set), 0);
	assert_int_equal(recipset_size(c.set), 1);
	assert_string_equal(recipset_key(c.set, 0, NULL), "ok@corp.example.com");
	assert_int_equal(c.stats.rejected_total, 2);
	assert_int_equal(c.stats.spaced, 2);
	assert_int_equal(c.stats.other_total, 0);
	assert_int_equal(c.stats.nother, 0);
	assert_int_equal(nwarnings, 2);
	assert_non_null(strstr(warnings, "CN=Lead,DC=corp: proxyAddresses value "
	                                 "\" smtp:leading@corp.example.com\" rejected: white space "
	                                 "in or before its address type\n"));
	assert_non_null(strstr(warnings, "\"smtp :x@corp.example.com\" rejected: white space"));
	collect_free(&c);
	conf_free(&cfg);
}

/* set_classes - F's objectClass values: "top" and the list CLASSES (NULL:
 * no objectClass attribute at all) */
static void
set_classes(struct fixture *f, const char *const *classes)
{
	size_t nb = 0, np = 0;

	f->e.nattrs = 0;
	if (classes != NULL)
		add_attr(f, &nb, &np, "objectClass", classes);
}

/* Every entry counts once, under one class: a computer is a computer,
 * an entry of several kinds the rarest the objects key selects, an entry
 * of none (or without objectClass) "other"; rejections by reason add up
 * to rejected_total */
static void
test_counts_by_class(void **state)
{
	static const struct {
		const char *oc[4];
		unsigned objects;
		enum collect_class want;
	} cases[] = {
	    {{"top", "user"}, CONF_OBJ_ALL, COLLECT_CLASS_USER},
	    {{"User", "inetOrgPerson"}, CONF_OBJ_ALL, COLLECT_CLASS_USER},
	    {{"top", "group"}, CONF_OBJ_ALL, COLLECT_CLASS_GROUP},
	    {{"contact"}, CONF_OBJ_ALL, COLLECT_CLASS_CONTACT},
	    {{"publicFolder"}, CONF_OBJ_ALL, COLLECT_CLASS_PUBLICFOLDER},
	    {{"msExchDynamicDistributionList"}, CONF_OBJ_ALL, COLLECT_CLASS_DYNAMIC},
	    {{"user", "computer"}, CONF_OBJ_ALL, COLLECT_CLASS_COMPUTER},
	    {{"computer"}, CONF_OBJ_USERS, COLLECT_CLASS_COMPUTER},
	    {{"user", "contact"}, CONF_OBJ_ALL, COLLECT_CLASS_CONTACT},
	    {{"group", "user"}, CONF_OBJ_ALL, COLLECT_CLASS_GROUP},
	    {{"group", "user"}, CONF_OBJ_USERS, COLLECT_CLASS_USER},
	    {{"group", "msExchDynamicDistributionList"}, CONF_OBJ_ALL, COLLECT_CLASS_DYNAMIC},
	    {{"group", "msExchDynamicDistributionList"}, CONF_OBJ_GROUPS, COLLECT_CLASS_GROUP},
	    {{"contact"}, CONF_OBJ_USERS, COLLECT_CLASS_CONTACT},
	    {{"top", "organizationalUnit"}, CONF_OBJ_ALL, COLLECT_CLASS_OTHER},
	    {{"users"}, CONF_OBJ_ALL, COLLECT_CLASS_OTHER},
	};
	static const char *const mail[] = {"a@corp.example.com", "b", "@corp.example.com",
	                                   "c d@corp.example.com", NULL};
	static const char *const proxy[] = {" smtp:e@corp.example.com", NULL};
	unsigned long total = 0;
	struct a2r_config cfg;
	struct collect c;
	struct a2r_err err = {0};
	struct fixture f;
	size_t nb, np;

	(void)state;
	setup_cfg(&cfg, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum collect_class got = COLLECT_NCLASSES;

		cfg.objects = cases[i].objects;
		assert_int_equal(collect_init(&c, &cfg, NULL, NULL, &err), 0);
		make_entry(&f, "CN=X,DC=corp", "top", NULL, NULL, NULL);
		set_classes(&f, cases[i].oc);
		assert_int_equal(collect_entry(&c, &f.e, &err), 0);
		for (int k = 0; k < COLLECT_NCLASSES; k++)
			if (c.stats.classes[k] > 0) {
				assert_int_equal(c.stats.classes[k], 1);
				assert_int_equal(got, COLLECT_NCLASSES);
				got = (enum collect_class)k;
			}
		if (got != cases[i].want)
			fail_msg("case %zu (%s, %s): class %s, want %s", i, cases[i].oc[0],
			         cases[i].oc[1] ? cases[i].oc[1] : "-", collect_class_name(got),
			         collect_class_name(cases[i].want));
		collect_free(&c);
	}

	/* no objectClass at all (an LDIF record, or a DC that withholds it) */
	cfg.objects = CONF_OBJ_ALL;
	assert_int_equal(collect_init(&c, &cfg, NULL, NULL, &err), 0);
	make_entry(&f, "CN=Y,DC=corp", "top", NULL, NULL, NULL);
	f.e.nattrs = 0;
	nb = np = 0;
	add_attr(&f, &nb, &np, "mail", mail);
	add_attr(&f, &nb, &np, "proxyAddresses", proxy);
	assert_int_equal(collect_entry(&c, &f.e, &err), 0);
	assert_int_equal(c.stats.classes[COLLECT_CLASS_OTHER], 1);
	assert_int_equal(c.stats.policy[POLICY_NO_AT], 1);
	assert_int_equal(c.stats.policy[POLICY_WILDCARD], 1);
	assert_int_equal(c.stats.policy[POLICY_SPACE], 1);
	assert_int_equal(c.stats.spaced, 1);
	for (int v = 0; v < POLICY_NVERDICTS; v++)
		total += c.stats.policy[v];
	assert_int_equal(c.stats.rejected_total, total + c.stats.spaced);
	assert_int_equal(recipset_size(c.set), 1);
	collect_reset(&c);
	assert_int_equal(c.stats.classes[COLLECT_CLASS_OTHER], 0);
	assert_int_equal(c.stats.policy[POLICY_NO_AT], 0);
	collect_free(&c);
	conf_free(&cfg);

	/* the names: the objects key's objectClasses, then two of our own */
	assert_string_equal(collect_class_name(COLLECT_CLASS_USER), "user");
	assert_string_equal(collect_class_name(COLLECT_CLASS_DYNAMIC),
	                    "msExchDynamicDistributionList");
	assert_string_equal(collect_class_name(COLLECT_CLASS_COMPUTER), "computer");
	assert_string_equal(collect_class_name(COLLECT_CLASS_OTHER), "other");
	assert_string_equal(collect_class_noun(COLLECT_CLASS_PUBLICFOLDER, 1), "public folder");
	assert_string_equal(collect_class_noun(COLLECT_CLASS_PUBLICFOLDER, 0), "public folders");
	assert_string_equal(collect_class_noun(COLLECT_CLASS_OTHER, 2), "other entries");
}

/* What an observer was told, one row a value. */
struct sighting {
	const char *where, *attr, *value, *key;
	enum collect_outcome outcome;
	const char *why;
	unsigned long nth;
};

struct seen {
	struct sighting v[16];
	char text[16][4][128]; /* copies: the sighting lives only for the call */
	size_t n;
};

static const char *
keep(char *buf, const char *s, size_t len)
{
	if (s == NULL)
		return NULL;
	assert_true(len < 128);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static void
observe(void *ctx, const struct collect_sighting *s)
{
	struct seen *sn = ctx;
	struct sighting *r = &sn->v[sn->n];

	assert_true(sn->n < 16);
	r->outcome = s->outcome;
	r->nth = s->nth;
	if (s->outcome == COLLECT_RESTART) {
		/* nothing but the outcome and its phrase */
		assert_null(s->where);
		assert_null(s->entry);
		assert_null(s->value);
		assert_null(s->key);
		r->why = s->why;
		sn->n++;
		return;
	}
	/* a value comes with its entry; a static line with none */
	if (s->attr != NULL)
		assert_string_equal(s->entry->dn, s->where);
	else
		assert_null(s->entry);
	r->where = keep(sn->text[sn->n][0], s->where, strlen(s->where));
	r->attr = s->attr ? keep(sn->text[sn->n][1], s->attr, strlen(s->attr)) : NULL;
	r->value = s->value ? keep(sn->text[sn->n][2], s->value->bv_val, s->value->bv_len) : NULL;
	r->key = keep(sn->text[sn->n][3], s->key, s->keylen);
	r->why = s->why; /* static strings but for "rejected: ..." (checked at once) */
	if (s->outcome == COLLECT_REJECTED)
		assert_string_equal(s->why, "rejected: contains whitespace");
	sn->n++;
}

static void
test_observer(void **state)
{
	static const char *const jd = "CN=John Doe,DC=corp";
	static const struct sighting want[] = {
	    {jd, "proxyAddresses", "SMTP:John.Doe@corp.example.com", "john.doe@corp.example.com",
	     COLLECT_IN_MAP, "in the map", 1},
	    {jd, "proxyAddresses", "smtp:jd@eu.corp.example.com", "jd@eu.corp.example.com",
	     COLLECT_IN_MAP, "in the map", 1},
	    {jd, "proxyAddresses", "X500:/o=Corp/cn=jd", NULL, COLLECT_OTHER_TYPE, NULL, 1},
	    {jd, "proxyAddresses", "SIP:jd@corp.example.com", NULL, COLLECT_OTHER_TYPE, NULL, 1},
	    {jd, "proxyAddresses", "smtp:john doe@corp.example.com", NULL, COLLECT_REJECTED, NULL,
	     1},
	    {jd, "proxyAddresses", "smtp:jd@partner.example.net", "jd@partner.example.net",
	     COLLECT_NOT_RELAY, "its domain is not in relay_domains", 1},
	    {jd, "proxyAddresses", "nocolon@corp.example.com", NULL, COLLECT_NOTYPE,
	     "rejected: no address type prefix", 1},
	    {jd, "mail", "JOHN.DOE@Corp.Example.com", "john.doe@corp.example.com", COLLECT_IN_MAP,
	     "in the map", 1},
	    {"CN=Shared,DC=corp", "proxyAddresses", "SMTP:shared@corp.example.com",
	     "shared@corp.example.com", COLLECT_SKIPPED,
	     "a disabled account, and exclude_disabled = yes", 2},
	    {"CN=PC1,DC=corp", "proxyAddresses", "smtp:pc@corp.example.com", "pc@corp.example.com",
	     COLLECT_SKIPPED, "a computer object (never exported)", 3},
	};
	struct a2r_config cfg;
	struct collect c;
	struct seen sn = {0};
	size_t n = sizeof(want) / sizeof(want[0]), in_map = 0;

	(void)state;
	run(&c, 1, &cfg, observe, &sn);
	/* every value once, in order, with its verdict */
	assert_int_equal(sn.n, n);
	for (size_t i = 0; i < n; i++) {
		const struct sighting *w = &want[i], *g = &sn.v[i];

		assert_string_equal(g->where, w->where);
		assert_string_equal(g->attr, w->attr);
		assert_string_equal(g->value, w->value);
		if (w->key == NULL)
			assert_null(g->key);
		else
			assert_string_equal(g->key, w->key);
		assert_int_equal(g->outcome, w->outcome);
		assert_int_equal(g->nth, w->nth);
		if (w->why != NULL)
			assert_string_equal(g->why, w->why);
		assert_non_null(g->why);
	}
	/* watching changes nothing: the same set, counts and warnings as
	 * test_exclude_disabled */
	assert_int_equal(recipset_size(c.set), 2);
	assert_int_equal(c.stats.entries, 3);
	assert_int_equal(c.stats.disabled, 1);
	assert_int_equal(c.stats.computers, 1);
	assert_int_equal(c.stats.rejected_total, 1);
	assert_int_equal(nwarnings, 2);
	/* filtered by key, as explain does: the two values that are the address */
	for (size_t i = 0; i < n; i++)
		in_map += sn.v[i].key != NULL &&
		          strcmp(sn.v[i].key, "john.doe@corp.example.com") == 0 &&
		          sn.v[i].outcome == COLLECT_IN_MAP;
	assert_int_equal(in_map, 2);
	collect_free(&c);
	conf_free(&cfg);
}

/* test_observer_restart - collect_reset() tells the observer to forget */
static void
test_observer_restart(void **state)
{
	struct a2r_config cfg;
	struct collect c;
	struct seen sn = {0};

	(void)state;
	run(&c, 1, &cfg, observe, &sn);
	sn.n = 0;
	collect_reset(&c);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.v[0].outcome, COLLECT_RESTART);
	assert_non_null(sn.v[0].why);
	assert_int_equal(recipset_size(c.set), 0);
	collect_free(&c);
	conf_free(&cfg);
}

/* test_observer_static - a static line is reported with its place and key */
static void
test_observer_static(void **state)
{
	struct a2r_config cfg;
	struct collect c;
	struct a2r_err err = {0};
	struct seen sn = {0};
	char *dir = unit_tmpdir("test_static"), *path, where[4200];

	(void)state;
	path = static_setup(&cfg, &c, dir, "# merged\nPostmaster@Corp.Example.com\n");
	collect_observe(&c, observe, &sn);
	assert_int_equal(collect_static(&c, &err), 0);
	assert_int_equal(sn.n, 1);
	snprintf(where, sizeof(where), "%s:2", path);
	assert_string_equal(sn.v[0].where, where);
	assert_null(sn.v[0].attr);
	assert_null(sn.v[0].value);
	assert_string_equal(sn.v[0].key, "postmaster@corp.example.com");
	assert_int_equal(sn.v[0].outcome, COLLECT_STATIC);
	assert_string_equal(sn.v[0].why, "in the map (static file)");
	collect_free(&c);
	conf_free(&cfg);
	free(path);
	assert_int_equal(unit_rmtree(dir), 0);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_keeps_disabled),
	    cmocka_unit_test(test_exclude_disabled),
	    cmocka_unit_test(test_static_file),
	    cmocka_unit_test(test_spaced_type),
	    cmocka_unit_test(test_counts_by_class),
	    cmocka_unit_test(test_observer),
	    cmocka_unit_test(test_observer_restart),
	    cmocka_unit_test(test_observer_static),
	};

	return cmocka_run_group_tests(tests, NULL, unit_policy_teardown);
}
