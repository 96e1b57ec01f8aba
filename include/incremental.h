/* SPDX-License-Identifier: BSD-2-Clause */
/* incremental.h - sync with incremental = yes: read what changed since the
 * last run (dirsync.h) and rebuild the set from the state file (state.h)
 *
 * A live source for export.c (struct export_live): on each DC it tries,
 * it connects and decides.  An incremental run needs a usable state file
 * (complete, made with the same settings, on this DC, younger than
 * full_sync_interval); it asks the DC which objects changed since the
 * state's cookie and reads those again with the sync's own filter, under
 * its base, by objectGUID: an object found has its new addresses, one not
 * found (deleted, no longer matching, moved out of the base) has none.
 * The set is the state's addresses of every other object plus those.
 * Anything else is a full sync: DirSync's cookie for "now" and then the
 * ordinary search, on the same connection, with every object's addresses
 * kept for the state.  Any doubt (too many changes, a container renamed
 * or moved while the base is below the naming context, a DirSync error)
 * is a full sync too; a source that fails half way fails the attempt as
 * a plain search would, and the next DC starts from scratch.
 *
 * Call order: incremental_new(), incremental_hook() (sets OPT->live and
 * an observer on C), export_run(), install, then incremental_commit()
 * once the maps are installed (or are already current), and
 * incremental_free().  incremental_note() says what the run did (-v).
 */
#ifndef A2R_INCREMENTAL_H
#define A2R_INCREMENTAL_H

#include "collect.h"
#include "conf.h"
#include "err.h"
#include "export.h"

struct incremental;

#define INCREMENTAL_DRY_RUN 0x1 /* write no state */
#define INCREMENTAL_FULL    0x2 /* a full sync, whatever the state (test) */

/* incremental_new - for a sync with CFG (FLAGS: INCREMENTAL_*).  NULL when
 * out of memory (ERR filled). */
struct incremental *incremental_new(const struct a2r_config *cfg, unsigned flags,
                                    struct a2r_err *err);

/* incremental_hook - make OPT read through INC into C */
void incremental_hook(struct incremental *inc, struct export_options *opt, struct collect *c);

/* incremental_note - what the run did, one line (lives as long as INC) */
const char *incremental_note(const struct incremental *inc);

/* incremental_warning - a reason the run could not keep a state (the DC
 * refuses DirSync), or NULL */
const char *incremental_warning(const struct incremental *inc);

/* incremental_mode - after a full sync: what DirSync the account may use,
 * one line for test (lives as long as INC) */
const char *incremental_mode(const struct incremental *inc);

/* incremental_commit - put the new state in place; 0 or -1 */
int incremental_commit(struct incremental *inc, struct a2r_err *err);

void incremental_free(struct incremental *inc);

/* incremental_change_limit - the most changed objects an incremental run
 * reads one by one, for a state of NOBJS objects: a tenth of them, at
 * least 1000; more changed means a full sync */
size_t incremental_change_limit(size_t nobjs);

#endif
