/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_mapread.c - the map reader (src/mapread.c) and the comparison on
 * top of it (src/plan.c): an installed text map and cdb, as ad2relay
 * reads them before replacing them
 *
 * Input: a selector byte, then two length bytes (big-endian) giving the
 * size of the text map; the text map follows and the rest is the cdb.
 * The files go to "map" and "map.cdb" in a private directory.  Each
 * reader either reads the file or fails with a message; then:
 *   - a cdb read as sound (mapread_cdb_sound()) gives by lookup what it
 *     gave in sequence;
 *   - check's comparison of the text map with the set made of it finds
 *     nothing added or removed;
 *   - the verdicts are true: check's "the cdb agrees" means the cdb's
 *     sequential records are the text map's set and a lookup of each of
 *     its keys finds its value; sync's "the cdb is the same" means its
 *     sequential records are the set in order and the lookups agree;
 *     "the text is the same" means its bytes are the rendered set.
 * Selector bit 0: no cdb file.
 */
#include "autoconf.h"

#include "fuzz.h"
#include "mapread.h"
#include "plan.h"

/* A cdb read in sequence: its records' keys and values, NUL-free copies
 * not needed: pointers into the reader's mapping, valid while it is open. */
struct seq {
	struct mapread *mr;
	size_t n;
	const char *key[9000], *val[9000];
	size_t klen[9000], vlen[9000];
	int complete; /* read to the end without error */
};

static void
read_seq(const char *path, struct seq *q)
{
	struct a2r_err err = {0};
	struct mapread_rec rec;
	int rc;

	q->n = 0;
	q->complete = 0;
	if (mapread_open(&q->mr, path, MAPREAD_CDB, &err) <= 0) {
		q->mr = NULL;
		return;
	}
	mapread_verify(q->mr);
	while ((rc = mapread_next(q->mr, &rec, &err)) > 0 && q->n < 9000) {
		q->key[q->n] = rec.key;
		q->klen[q->n] = rec.klen;
		q->val[q->n] = rec.val;
		q->vlen[q->n] = rec.vlen;
		q->n++;
	}
	if (rc < 0)
		FUZZ_ASSERT(err.msg[0] != '\0');
	q->complete = rc == 0;
	/* sound: every record is what its key's lookup finds */
	if (q->complete && mapread_cdb_sound(q->mr))
		for (size_t i = 0; i < q->n; i++) {
			const char *v;
			size_t vlen;

			FUZZ_ASSERT(mapread_lookup(q->mr, q->key[i], q->klen[i], &v, &vlen) == 1);
			FUZZ_ASSERT(vlen == q->vlen[i] && memcmp(v, q->val[i], vlen) == 0);
		}
}

/* value_of - set S's value of key I (DEFVAL for none) */
static const char *
value_of(const struct recipset *s, size_t i, const char *defval)
{
	const char *v = recipset_value(s, i);

	return v != NULL ? v : defval;
}

/* cdb_holds - the cdb Q (read whole) holds exactly SET: as many records,
 * each a key of SET with its value (IN_ORDER: the I-th record is the I-th
 * key), and a lookup of each key of SET finds its value */
static void
cdb_holds(struct seq *q, const struct recipset *set, int in_order)
{
	FUZZ_ASSERT(q->mr != NULL && q->complete);
	FUZZ_ASSERT(q->n == recipset_size(set));
	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen, vlen;
		const char *key = recipset_key(set, i, &klen), *v;
		const char *want = value_of(set, i, "OK");

		FUZZ_ASSERT(mapread_lookup(q->mr, key, klen, &v, &vlen) == 1);
		FUZZ_ASSERT(vlen == strlen(want) && memcmp(v, want, vlen) == 0);
		if (in_order)
			FUZZ_ASSERT(q->klen[i] == klen && memcmp(q->key[i], key, klen) == 0);
	}
	/* every sequential record is a key of SET (none extra, none twice:
	 * as many records as keys, each one found above) */
	for (size_t i = 0; i < q->n; i++)
		FUZZ_ASSERT(recipset_contains(set, q->key[i], q->klen[i]));
}

/* text_is - the file PATH holds exactly "key value\n" per key of SET */
static void
text_is(const char *path, const struct recipset *set)
{
	static char file[70000], want[70000];
	size_t len = 0, n = 0;
	FILE *fp = fopen(path, "rb");

	FUZZ_ASSERT(fp != NULL);
	len = fread(file, 1, sizeof(file), fp);
	fclose(fp);
	for (size_t i = 0; i < recipset_size(set); i++) {
		size_t klen;
		const char *key = recipset_key(set, i, &klen), *v = value_of(set, i, "OK");
		size_t vlen = strlen(v);

		FUZZ_ASSERT(n + klen + vlen + 2 <= sizeof(want));
		memcpy(want + n, key, klen);
		want[n + klen] = ' ';
		memcpy(want + n + klen + 1, v, vlen);
		want[n + klen + 1 + vlen] = '\n';
		n += klen + vlen + 2;
	}
	FUZZ_ASSERT(len == n && memcmp(file, want, n) == 0);
}

static void
check_verdicts(const char *text, const char *cdb, struct recipset *tset)
{
	static struct seq q;
	struct a2r_err err = {0};
	struct plan p;

	read_seq(cdb, &q);
	if (plan_maps(PLAN_CHECK, text, cdb, tset, "OK", &p, NULL, NULL, &err) == 0) {
		FUZZ_ASSERT(p.have_old && p.added == 0 && p.removed == 0);
		FUZZ_ASSERT(p.new_count == recipset_size(tset));
		FUZZ_ASSERT(p.cdb_agrees == 0 || p.cdb_agrees == 1);
		if (p.cdb_agrees && q.mr != NULL)
			cdb_holds(&q, tset, 0);
	} else {
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
	err.msg[0] = '\0';
	if (plan_maps(PLAN_SYNC, text, cdb, tset, "OK", &p, NULL, NULL, &err) == 0) {
		FUZZ_ASSERT(p.cdb_same >= 0 && p.cdb_same <= 1);
		if (p.cdb_same)
			cdb_holds(&q, tset, 1);
		if (p.text_same)
			text_is(text, tset);
	} else {
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
	mapread_close(q.mr);
	q.mr = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct a2r_err err = {0};
	struct recipset *tset = NULL;
	const char *text, *cdb;
	size_t tlen;
	int exists = 0;

	if (size < 3)
		return 0;
	tlen = (size_t)data[1] << 8 | data[2];
	if (tlen > size - 3)
		tlen = size - 3;
	text = input_named(0, "map", data + 3, tlen);
	cdb = input_named(1, "map.cdb", data + 3 + tlen, size - 3 - tlen);
	if (data[0] & 1)
		unlink(cdb);

	if (mapread_load(text, MAPREAD_TEXT, &tset, &exists, NULL, &err) < 0) {
		FUZZ_ASSERT(err.msg[0] != '\0');
	} else {
		FUZZ_ASSERT(exists == 1);
		check_verdicts(text, cdb, tset);
	}
	recipset_free(tset);
	return 0;
}
