/* SPDX-License-Identifier: BSD-2-Clause */
/* plan.h - compare the new recipient set with the installed map and
 * decide whether it may be installed
 *
 * plan_maps() diffs the installed maps against the new set as it reads
 * them, once, and finds whether they are what the install would write;
 * plan_guard() applies the safety guards.  sync and check share both.
 */
#ifndef A2R_PLAN_H
#define A2R_PLAN_H

#include "conf.h"
#include "err.h"
#include "recipset.h"

struct plan {
	int have_old;     /* an installed map exists */
	int old_is_cdb;   /* the installed counts are those of OUTPUT.cdb */
	size_t old_count; /* its keys */
	size_t new_count;
	size_t added;   /* keys only in the new set */
	size_t removed; /* keys only in the installed map */
	size_t changed; /* keys in both with another value */
	int text_same;  /* see plan_maps() */
	int cdb_same;
	int cdb_agrees;
};

/* Called for every key in only one set: SIGN '+' (new) or '-' (stale),
 * '~' for a key whose value differs.  May be NULL. */
typedef void plan_diff_fn(void *ctx, char sign, const char *key);

/* Which question plan_maps() answers. */
enum plan_for {
	PLAN_SYNC,  /* the installed map the guards protect, and what to replace */
	PLAN_CHECK, /* the text map against the set, and the cdb against the text */
};

/* plan_maps - compare the installed text map PATH (and its cdb CDB_PATH,
 * unless NULL) with the sorted NEW in one streaming pass over each file
 * (mapread.h): a map in our order is diffed as it is read; one in another
 * order (hand-made) is loaded and sorted.  A missing file is an empty map
 * (P->have_old = 0).  FN lists the differences (a second pass, only when
 * there are any to list).
 *
 * P->text_same: the text map is byte for byte what mapfile_install()
 * writes for NEW.  P->cdb_same: so is the cdb, compared byte for byte with
 * the cdb mapread_write_cdb() makes of NEW (nothing less proves that a
 * lookup finds exactly what a sequential read finds); looked at only
 * beside a text map that is the same (a new text map takes a new cdb),
 * else 0; -1 when not looked at (PLAN_CHECK beside another text map, or
 * no CDB_PATH).  Both tell mapfile_install() what it
 * need not read again.
 *
 * PLAN_SYNC: the counts are those of the installed map the guards must
 * protect: the text map, unless the cdb (Postfix reads it) exists and
 * the text map is missing or holds fewer records: then the cdb's
 * (P->old_is_cdb = 1).  The larger of the two is never a weaker guard
 * than either, and a text map lost or cut short (by hand, or by a run
 * killed between the renames) can no longer hide what Postfix serves.  A
 * cdb that cannot be read is ignored beside a text map (the install
 * replaces it) and an error without one: no guard could be applied.
 *
 * PLAN_CHECK: the counts are the text map's, and P->cdb_agrees tells if
 * the cdb holds exactly the text map's records (1 without CDB_PATH, and
 * when neither file exists): the cdb P->cdb_same finds current, or one
 * whose records (in any order) are the text map's, with every record
 * found by its key's lookup and no byte beyond what the records and their
 * hash tables take.  A cdb that cannot be read is an error.
 *
 * Errors are A2R_ERR_WRITE (A2R_ERR_INTERNAL when out of memory). */
int plan_maps(enum plan_for what, const char *path, const char *cdb_path,
              const struct recipset *new, const char *defval, struct plan *p, plan_diff_fn *fn,
              void *ctx, struct a2r_err *err);

/* plan_guard - refuse (A2R_ERR_GUARD, with what and how to override) an
 * empty new set or one that lost more than max_shrink percent of the
 * installed entries, unless FORCE; a missing required address always */
int plan_guard(const struct a2r_config *cfg, const struct plan *p, const struct recipset *new,
               int force, struct a2r_err *err);

#endif
