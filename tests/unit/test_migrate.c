/* SPDX-License-Identifier: BSD-2-Clause */
/* test_migrate.c - objects, primaries and the virtual alias table from
 * the collector's observer */
#include "autoconf.h"

#include "unit.h"

#include "collect.h"
#include "migrate.h"
#include "policy.h"

/* One entry: DN, objectClass, userAccountControl (or NULL), then
 * "attr=value" strings, NULL-ended. */
struct ent {
	const char *dn, *oc, *uac;
	const char *vals[8];
};

/* build - E as an a2r_entry (in F's storage) */
struct built {
	struct berval bv[12];
	struct berval *ptrs[24];
	struct a2r_attr attrs[12];
	char names[12][32];
	struct a2r_entry e;
};

static void
add(struct built *b, size_t *nb, size_t *np, const char *name, size_t namelen, const char *val)
{
	struct a2r_attr *a = &b->attrs[b->e.nattrs++];

	assert_true(namelen < sizeof(b->names[0]));
	memcpy(b->names[b->e.nattrs - 1], name, namelen);
	b->names[b->e.nattrs - 1][namelen] = '\0';
	a->name = b->names[b->e.nattrs - 1];
	a->namelen = namelen;
	a->vals = &b->ptrs[*np];
	b->bv[*nb].bv_val = (char *)val;
	b->bv[*nb].bv_len = strlen(val);
	b->ptrs[(*np)++] = &b->bv[(*nb)++];
	b->ptrs[(*np)++] = NULL;
}

static void
build(struct built *b, const struct ent *e)
{
	size_t nb = 0, np = 0;

	memset(b, 0, sizeof(*b));
	b->e.dn = e->dn;
	b->e.attrs = b->attrs;
	add(b, &nb, &np, "objectClass", 11, e->oc);
	if (e->uac != NULL)
		add(b, &nb, &np, "userAccountControl", 18, e->uac);
	for (size_t i = 0; e->vals[i] != NULL; i++) {
		const char *eq = strchr(e->vals[i], '=');

		add(b, &nb, &np, e->vals[i], (size_t)(eq - e->vals[i]), eq + 1);
	}
}

struct fixture {
	struct a2r_config cfg;
	struct collect c;
	struct migrate *m;
};

static void
start(struct fixture *f, int exclude_disabled)
{
	struct a2r_err err = {0};

	assert_int_equal(conf_init(&f->cfg, &err), 0);
	assert_int_equal(
	    conf_set(&f->cfg, "relay_domains", "corp.example.com example.org", "test", &err), 0);
	f->cfg.exclude_disabled = exclude_disabled;
	assert_int_equal(collect_init(&f->c, &f->cfg, NULL, NULL, &err), 0);
	assert_non_null(f->m = migrate_new());
	collect_observe(&f->c, migrate_observe, f->m);
}

static void
feed(struct fixture *f, const struct ent *ents, size_t n)
{
	struct a2r_err err = {0};
	struct built b;

	for (size_t i = 0; i < n; i++) {
		build(&b, &ents[i]);
		assert_int_equal(collect_entry(&f->c, &b.e, &err), 0);
	}
}

static void
finish(struct fixture *f)
{
	struct a2r_err err = {0};

	assert_int_equal(migrate_finish(f->m, &err), 0);
}

static void
stop(struct fixture *f)
{
	migrate_free(f->m);
	collect_free(&f->c);
	conf_free(&f->cfg);
}

/* What migrate_virtual() said, one string per line or problem. */
struct said {
	char text[16][512];
	size_t n, problems;
};

static void
line(void *ctx, const char *key, const char *target)
{
	struct said *s = ctx;

	assert_true(s->n < 16);
	snprintf(s->text[s->n++], sizeof(s->text[0]), "%s %s", key, target);
}

static void
problem(void *ctx, const char *msg)
{
	struct said *s = ctx;

	assert_true(s->n < 16);
	snprintf(s->text[s->n++], sizeof(s->text[0]), "! %s", msg);
	s->problems++;
}

static const struct ent people[] = {
    /* SMTP: and mail name one address: one, the primary */
    {"CN=John,DC=corp",
     "user",
     "512",
     {"mail=John.Doe@corp.example.com", "proxyAddresses=SMTP:John.Doe@Corp.Example.COM",
      "proxyAddresses=smtp:jd@example.org", "proxyAddresses=X500:/o=Corp/cn=jd",
      "proxyAddresses=smtp:bad address@corp.example.com", NULL}},
    /* no SMTP:, one mail: mail is the primary */
    {"CN=Plain,DC=corp",
     "user",
     NULL,
     {"mail=Plain.User@corp.example.com", "proxyAddresses=smtp:pu@example.org", NULL}},
    /* a contact: its primary is outside relay_domains */
    {"CN=Partner,DC=corp",
     "contact",
     NULL,
     {"proxyAddresses=SMTP:Ext@partner.example.net", "proxyAddresses=smtp:partner@corp.example.com",
      "proxyAddresses=smtp:other@partner.example.net", NULL}},
    /* disabled, kept (exclude_disabled = no) */
    {"CN=Room,DC=corp", "user", "514", {"proxyAddresses=SMTP:room@corp.example.com", NULL}},
    /* a computer: never an object */
    {"CN=PC,DC=corp", "computer", "4096", {"mail=pc@corp.example.com", NULL}},
    /* only another address type: an object without addresses */
    {"CN=X500 Only,DC=corp", "user", NULL, {"proxyAddresses=X500:/o=Corp/cn=x", NULL}},
};

static void
test_objects(void **state)
{
	struct fixture f;
	const struct migrate_object *o;

	(void)state;
	start(&f, 0);
	feed(&f, people, NELEM(people));
	finish(&f);
	/* by DN; the computer is not one */
	assert_int_equal(migrate_objects(f.m), 5);
	o = migrate_object(f.m, 0);
	assert_string_equal(o->dn, "CN=John,DC=corp");
	assert_string_equal(o->object_class, "user");
	assert_false(o->disabled);
	assert_int_equal(o->naddr, 2);
	assert_non_null(o->primary);
	assert_string_equal(o->primary->key, "john.doe@corp.example.com");
	assert_string_equal(o->primary->original, "John.Doe@Corp.Example.COM");
	assert_int_equal(o->primary->kind, MIGRATE_PRIMARY);
	/* sorted by key */
	assert_ptr_equal(o->primary, &o->addr[1]);
	assert_string_equal(o->addr[0].key, "jd@example.org");
	assert_int_equal(o->addr[0].kind, MIGRATE_ALIAS);
	assert_int_equal(o->nrej, 1);
	assert_string_equal(o->rej[0].attr, "proxyAddresses");
	assert_string_equal(o->rej[0].value.bv_val, "smtp:bad address@corp.example.com");
	assert_string_equal(o->rej[0].reason, "contains whitespace");

	o = migrate_object(f.m, 1);
	assert_string_equal(o->dn, "CN=Partner,DC=corp");
	assert_string_equal(o->object_class, "contact");
	assert_non_null(o->primary);
	assert_false(o->primary->in_map);
	assert_string_equal(o->primary->original, "Ext@partner.example.net");
	/* the primary is no rejected value; the other outside address is */
	assert_int_equal(o->nrej, 1);
	assert_string_equal(o->rej[0].value.bv_val, "smtp:other@partner.example.net");
	assert_string_equal(o->rej[0].reason, "its domain is not in relay_domains");

	o = migrate_object(f.m, 2);
	assert_string_equal(o->dn, "CN=Plain,DC=corp");
	assert_non_null(o->primary);
	assert_int_equal(o->primary->kind, MIGRATE_MAIL);
	assert_string_equal(o->primary->key, "plain.user@corp.example.com");

	o = migrate_object(f.m, 3);
	assert_string_equal(o->dn, "CN=Room,DC=corp");
	assert_true(o->disabled);

	o = migrate_object(f.m, 4);
	assert_string_equal(o->dn, "CN=X500 Only,DC=corp");
	assert_int_equal(o->naddr, 0);
	assert_null(o->primary);
	stop(&f);
}

static void
test_by_key(void **state)
{
	static const char *const want[] = {
	    "jd@example.org",           "john.doe@corp.example.com",
	    "partner@corp.example.com", "plain.user@corp.example.com",
	    "pu@example.org",           "room@corp.example.com",
	};
	struct fixture f;
	size_t n;

	(void)state;
	start(&f, 0);
	feed(&f, people, NELEM(people));
	finish(&f);
	/* the map's addresses, each once although John holds his twice */
	assert_non_null(migrate_by_key(f.m, 0, &n));
	assert_int_equal(n, NELEM(want));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(migrate_by_key(f.m, i, NULL)->key, want[i]);
	assert_null(migrate_by_key(f.m, n, NULL));
	stop(&f);
}

static void
test_virtual(void **state)
{
	static const char *const want[] = {
	    "jd@example.org John.Doe@Corp.Example.COM",
	    "partner@corp.example.com Ext@partner.example.net",
	    "pu@example.org Plain.User@corp.example.com",
	};
	struct fixture f;
	struct said s = {0};

	(void)state;
	start(&f, 0);
	feed(&f, people, NELEM(people));
	finish(&f);
	/* every alias to its primary; no primary maps to itself */
	assert_int_equal(migrate_virtual(f.m, line, problem, &s), 0);
	assert_int_equal(s.n, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		assert_string_equal(s.text[i], want[i]);
	stop(&f);
}

static const struct ent conflicts[] = {
    {"CN=One,DC=corp",
     "user",
     NULL,
     {"proxyAddresses=SMTP:one@corp.example.com", "proxyAddresses=smtp:Shared@corp.example.com",
      NULL}},
    {"CN=Two,DC=corp",
     "user",
     NULL,
     {"proxyAddresses=SMTP:two@corp.example.com", "proxyAddresses=smtp:SHARED@corp.example.com",
      "proxyAddresses=smtp:two@example.org", NULL}},
    {"CN=Orphan,DC=corp", "user", NULL, {"proxyAddresses=smtp:orphan@corp.example.com", NULL}},
    {"CN=Twice,DC=corp",
     "group",
     NULL,
     {"proxyAddresses=SMTP:a@corp.example.com", "proxyAddresses=SMTP:b@corp.example.com", NULL}},
    {"CN=Two Mails,DC=corp",
     "user",
     NULL,
     {"mail=m1@corp.example.com", "mail=m2@corp.example.com", NULL}},
};

static void
test_conflicts(void **state)
{
	static const char *const want[] = {
	    "! virtual: CN=Orphan,DC=corp: no primary address (no SMTP: address, and not exactly "
	    "one mail address): its 1 address left out",
	    "! virtual: CN=Twice,DC=corp: 2 primary (SMTP:) addresses: its 2 addresses left out",
	    "! virtual: CN=Two Mails,DC=corp: no primary address (no SMTP: address, and not "
	    "exactly one mail address): its 2 addresses left out",
	    "! virtual: shared@corp.example.com left out: held by 2 objects: CN=One,DC=corp and "
	    "CN=Two,DC=corp",
	    "two@example.org two@corp.example.com",
	};
	struct fixture f;
	struct said s = {0};

	(void)state;
	start(&f, 0);
	feed(&f, conflicts, NELEM(conflicts));
	finish(&f);
	assert_int_equal(migrate_virtual(f.m, line, problem, &s), 4);
	assert_int_equal(s.problems, 4);
	assert_int_equal(s.n, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		assert_string_equal(s.text[i], want[i]);
	/* counting alone: no callbacks needed */
	assert_int_equal(migrate_virtual(f.m, NULL, NULL, NULL), 4);
	/* by DN, in byte order: One, Orphan, Twice, "Two Mails", Two */
	assert_string_equal(migrate_object(f.m, 2)->dn, "CN=Twice,DC=corp");
	assert_int_equal(migrate_object(f.m, 2)->nprimary, 2);
	assert_null(migrate_object(f.m, 2)->primary);
	stop(&f);
}

/* exclude_disabled: a disabled account is no object at all */
static void
test_exclude_disabled(void **state)
{
	struct fixture f;

	(void)state;
	start(&f, 1);
	feed(&f, people, NELEM(people));
	finish(&f);
	assert_int_equal(migrate_objects(f.m), 4);
	for (size_t i = 0; i < migrate_objects(f.m); i++) {
		assert_string_not_equal(migrate_object(f.m, i)->dn, "CN=Room,DC=corp");
		assert_false(migrate_object(f.m, i)->disabled);
	}
	stop(&f);
}

/* targetAddress (where a contact's mail goes) is no second primary */
static void
test_target_address(void **state)
{
	static const struct ent contact[] = {
	    {"CN=Mail User,DC=corp",
	     "contact",
	     NULL,
	     {"proxyAddresses=SMTP:MailUser@corp.example.com",
	      "targetAddress=SMTP:mailuser@partner.example.net", NULL}},
	};
	struct a2r_err err = {0};
	struct fixture f;
	const struct migrate_object *o;

	(void)state;
	start(&f, 0);
	strlist_free(&f.cfg.attributes);
	assert_int_equal(strlist_split(&f.cfg.attributes, "proxyAddresses mail targetAddress"), 0);
	collect_free(&f.c);
	assert_int_equal(collect_init(&f.c, &f.cfg, NULL, NULL, &err), 0);
	collect_observe(&f.c, migrate_observe, f.m);
	feed(&f, contact, NELEM(contact));
	finish(&f);
	o = migrate_object(f.m, 0);
	assert_int_equal(o->nprimary, 1);
	assert_non_null(o->primary);
	assert_string_equal(o->primary->original, "MailUser@corp.example.com");
	assert_int_equal(o->nrej, 1);
	assert_string_equal(o->rej[0].attr, "targetAddress");
	stop(&f);
}

/* collect_reset() (another DC): what was gathered is forgotten */
static void
test_restart(void **state)
{
	struct fixture f;
	size_t n;

	(void)state;
	start(&f, 0);
	feed(&f, people, 3);
	collect_reset(&f.c);
	feed(&f, people, NELEM(people));
	finish(&f);
	assert_int_equal(migrate_objects(f.m), 5);
	(void)migrate_by_key(f.m, 0, &n);
	assert_int_equal(n, 6);
	stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_objects),          cmocka_unit_test(test_by_key),
	    cmocka_unit_test(test_virtual),          cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_exclude_disabled), cmocka_unit_test(test_target_address),
	    cmocka_unit_test(test_restart),
	};

	return cmocka_run_group_tests(tests, NULL, unit_policy_teardown);
}
