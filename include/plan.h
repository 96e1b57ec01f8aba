/* SPDX-License-Identifier: BSD-2-Clause */
/* plan.h - compare the new recipient set with the installed map and
 * decide whether it may be installed
 *
 * plan_read_text() / plan_read_cdb() load an installed map into a sorted
 * recipset (a missing file gives an empty set and *EXISTS = 0).
 * plan_diff() walks two sorted sets and reports each key only in one of
 * them; plan_guard() applies the safety guards.  The caller owns the
 * sets it passes and gets.
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
};

/* Called for every key in only one set: SIGN '+' (new) or '-' (stale),
 * '~' for a key whose value differs.  May be NULL. */
typedef void plan_diff_fn(void *ctx, char sign, const char *key);

/* plan_read_text - an installed text map ("key value" lines, # comments) */
int plan_read_text(const char *path, struct recipset **out, int *exists, struct a2r_err *err);

/* plan_read_cdb - every record of an installed cdb map */
int plan_read_cdb(const char *path, struct recipset **out, int *exists, struct a2r_err *err);

/* plan_diff - compare sorted OLD and NEW; DEFVAL is the value of keys
 * without one; fills counts in P */
void plan_diff(const struct recipset *old, const struct recipset *new, const char *defval,
               struct plan *p, plan_diff_fn *fn, void *ctx);

/* plan_compare_text - compare the installed text map PATH with sorted NEW
 * without loading the map: one streaming pass when the file is in our
 * order (a second one only to list differences through FN), else load and
 * sort it.  A missing file is an empty map (P->have_old = 0). */
int plan_compare_text(const char *path, const struct recipset *new, const char *defval,
                      struct plan *p, plan_diff_fn *fn, void *ctx, struct a2r_err *err);

/* plan_compare_installed - plan_compare_text() against the installed map
 * the guards must protect.  That is the text map, unless CDB_PATH (the
 * cdb Postfix reads; may be NULL) exists and the text map is missing or
 * holds fewer records: then the cdb's records are the installed map
 * (P->old_is_cdb = 1).  The larger of the two is never a weaker guard
 * than either, and a text map lost or cut short (by hand, or by a run
 * killed between the renames) can no longer hide what Postfix serves.
 * A cdb that cannot be read is ignored beside a text map (the install
 * replaces it) and an error without one (A2R_ERR_WRITE): no guard could
 * be applied.  FN lists the differences from the map chosen. */
int plan_compare_installed(const char *path, const char *cdb_path, const struct recipset *new,
                           const char *defval, struct plan *p, plan_diff_fn *fn, void *ctx,
                           struct a2r_err *err);

/* plan_check_maps - plan_compare_text() and, unless CDB_PATH is NULL,
 * plan_cdb_agrees() (its answer in *AGREE; 1 without CDB_PATH), the
 * common case cheaply: a text map byte for byte what mapfile_install()
 * would write for NEW is confirmed by rendering and comparing, and its
 * cdb record by record against NEW; anything else takes both functions. */
int plan_check_maps(const char *path, const char *cdb_path, const struct recipset *new,
                    const char *defval, struct plan *p, plan_diff_fn *fn, void *ctx, int *agree,
                    struct a2r_err *err);

/* plan_cdb_agrees - do the installed text map and cdb hold the same
 * records?  Streams both when the cdb was written in the text's order
 * (by ad2relay or postmap), else compares them as sets.  1 yes, 0 no
 * (also when only one exists), -1 read error. */
int plan_cdb_agrees(const char *text_path, const char *cdb_path, const char *defval,
                    struct a2r_err *err);

/* plan_guard - refuse (A2R_ERR_GUARD, with what and how to override) an
 * empty new set or one that lost more than max_shrink percent of the
 * installed entries, unless FORCE; a missing required address always */
int plan_guard(const struct a2r_config *cfg, const struct plan *p, const struct recipset *new,
               int force, struct a2r_err *err);

#endif
