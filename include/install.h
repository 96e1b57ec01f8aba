/* SPDX-License-Identifier: BSD-2-Clause */
/* install.h - put a new recipient set in place: the installed maps
 * compared with it (plan.h), the guards, the maps written and renamed
 * (mapfile.h), then the Postfix commands (postfix.h), with the marker
 * that makes the next run retry commands that failed
 *
 * Call install_run() once per sync, holding the run lock (lock.h), with
 * the sorted set an export made (export.h).  It prints nothing: AUDIT,
 * if not NULL, notes each key that differs while the maps are compared
 * (audit.h), writes the origins and changes files of a change, and keeps
 * its syslog lines; the caller shows the plan and the outcome from P,
 * RES and AUDIT.
 */
#ifndef A2R_INSTALL_H
#define A2R_INSTALL_H

#include "audit.h"
#include "conf.h"
#include "err.h"
#include "plan.h"
#include "recipset.h"

#define INSTALL_DRY_RUN 0x1 /* compare and judge, touch nothing */
#define INSTALL_FORCE   0x2 /* no empty/max_shrink guard; a damaged cdb is replaced */

struct install_result {
	int planned; /* the installed maps were compared: P is filled in */
	int changed; /* the maps were replaced */
	int reran;   /* they were current, and commands an earlier run left
	              * pending ran */
};

/* install_run - compare, guard, install SET and run the Postfix commands
 * (FLAGS: INSTALL_*); 0, or -1 with ERR filled: a guard's refusal
 * (A2R_ERR_GUARD), a write (A2R_ERR_WRITE, the installed maps untouched)
 * or a command that failed after a good install (A2R_ERR_ACTION; the
 * next run retries it). */
int install_run(const struct a2r_config *cfg, const struct recipset *set, unsigned flags,
                struct audit *audit, struct plan *p, struct install_result *res,
                struct a2r_err *err);

#endif
