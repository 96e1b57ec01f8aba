/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_mapread.c - the map reader (src/plan.c): an installed text map
 * and cdb, as ad2relay reads them before replacing them
 *
 * Input: a selector byte, then two length bytes (big-endian) giving the
 * size of the text map; the text map follows and the rest is the cdb.
 * The files go to "map" and "map.cdb" in a private directory.  Each
 * reader either loads the file or fails with a message; then:
 *   - plan_compare_text() and plan_check_maps() of the text map against
 *     the set plan_read_text() made of it find nothing added or removed;
 *   - plan_read_cdb() and plan_cdb_agrees() on the cdb bytes fail cleanly
 *     or work, and agree: a cdb that plan_cdb_agrees() finds equal to the
 *     text holds the same keys.
 * Selector bit 0: also test an empty or missing cdb (no cdb file).
 */
#include "autoconf.h"

#include "fuzz.h"
#include "plan.h"

static void
check_text(const char *text, const char *cdb, struct recipset *set)
{
	struct a2r_err err = {0};
	struct plan p = {0}, q = {0};
	int agree = -1;

	if (plan_compare_text(text, set, "OK", &p, NULL, NULL, &err) == 0) {
		FUZZ_ASSERT(p.have_old && p.added == 0 && p.removed == 0);
		FUZZ_ASSERT(p.new_count == recipset_size(set));
	} else {
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
	err.msg[0] = '\0';
	if (plan_check_maps(text, cdb, set, "OK", &q, NULL, NULL, &agree, &err) == 0) {
		FUZZ_ASSERT(q.have_old && q.added == 0 && q.removed == 0);
		FUZZ_ASSERT(agree == 0 || agree == 1);
	} else {
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
}

static void
check_cdb(const char *text, const char *cdb, const struct recipset *tset)
{
	struct a2r_err err = {0};
	struct recipset *cset = NULL;
	int exists = 0, agree;

	if (plan_read_cdb(cdb, &cset, &exists, &err) < 0)
		FUZZ_ASSERT(err.msg[0] != '\0');
	err.msg[0] = '\0';
	agree = plan_cdb_agrees(text, cdb, "OK", &err);
	FUZZ_ASSERT(agree >= -1 && agree <= 1);
	if (agree < 0)
		FUZZ_ASSERT(err.msg[0] != '\0');
	if (agree == 1 && cset != NULL && err.msg[0] == '\0' && tset != NULL) {
		struct plan p = {0};

		plan_diff(tset, cset, "OK", &p, NULL, NULL);
		FUZZ_ASSERT(p.added == 0 && p.removed == 0);
	}
	recipset_free(cset);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct a2r_err err = {0};
	struct recipset *tset = NULL;
	const char *text, *cdb;
	size_t tlen;
	int exists = 0, ok;

	if (size < 3)
		return 0;
	tlen = (size_t)data[1] << 8 | data[2];
	if (tlen > size - 3)
		tlen = size - 3;
	text = input_named(0, "map", data + 3, tlen);
	cdb = input_named(1, "map.cdb", data + 3 + tlen, size - 3 - tlen);
	if (data[0] & 1)
		unlink(cdb);

	ok = plan_read_text(text, &tset, &exists, &err) == 0;
	if (!ok) {
		FUZZ_ASSERT(err.msg[0] != '\0');
		recipset_free(tset);
		tset = NULL;
	} else {
		FUZZ_ASSERT(exists == 1);
		check_text(text, cdb, tset);
	}
	check_cdb(text, cdb, ok ? tset : NULL);
	recipset_free(tset);
	return 0;
}
