/* SPDX-License-Identifier: BSD-2-Clause */
/* audit.h - the audit trail: which addresses a change of the map adds
 * and removes, and the entry each came from or went with
 *
 * A key the new set adds comes from the entry the set recorded for it
 * (recipset_from(), collect's "origins"); a key it removes went with the
 * entry the origins file beside the map (OUTPUT.origins, written with
 * every change of the map) names for it; without that file (the first
 * change after an upgrade) the entry is not known.
 *
 * Call order: audit_init() with the sorted new set; audit_note() as the
 * plan_diff_fn of plan_maps() (it remembers every difference: a byte per
 * key of the new set, and a copy of each removed key); then either audit_each() to
 * list the differences (check, a dry run), or, for an install,
 * audit_side() hands mapfile_install_with() the origins file and the
 * changes file to write before the maps are renamed, and after the
 * install audit_logged() gives the lines for syslog.  audit_free()
 * releases everything.  The module prints nothing.
 *
 * The lines, in every place: "+ KEY from ORIGIN", "- KEY went with
 * ORIGIN", "~ KEY from ORIGIN (another value)", with "an unknown entry"
 * for an origin not known; ORIGIN is a DN, or "FILE:LINE" of the static
 * file.  They are raw: the caller escapes them (report_escape()), except
 * in the changes file, which this module writes escaped.
 */
#ifndef A2R_AUDIT_H
#define A2R_AUDIT_H

#include "conf.h"
#include "err.h"
#include "mapfile.h"
#include "recipset.h"
#include "util.h"

struct audit {
	const struct a2r_config *cfg;
	const struct recipset *set;
	int keep;            /* log_changes > 0 or changes_file: record installs */
	unsigned char *bits; /* per key of SET: 1 added, 2 value changed */
	struct strlist gone; /* removed keys, in byte order (plan's) */
	size_t added, removed, changed;
	struct strlist logged; /* audit_logged(): lines for syslog */
	char *origins_path;    /* OUTPUT.origins */
	int failed;            /* out of memory while noting */
};

/* One difference, for audit_each()'s callback. */
struct audit_change {
	char sign; /* '+', '-' or '~' */
	const char *key;
	const char *origin; /* the DN or "FILE:LINE", or NULL: not known */
	const char *line;   /* the whole line, as described above */
};

typedef int audit_fn(void *ctx, const struct audit_change *ch);

/* audit_init - for the sorted new SET (which must outlive A) under CFG.
 * 0, or -1 with ERR (out of memory). */
int audit_init(struct audit *a, const struct a2r_config *cfg, const struct recipset *set,
               struct a2r_err *err);

/* audit_note - a plan_diff_fn (CTX: the audit) */
void audit_note(void *ctx, char sign, const char *key);

/* audit_each - every difference noted, the added keys first, then the
 * removed ones, then those with another value, each in byte order, to FN
 * (which returns 0 to go on, 1 to stop).  Reads the origins file of the
 * installed map.  0, or -1 with ERR (A2R_ERR_WRITE: the origins file
 * could not be read; A2R_ERR_INTERNAL). */
int audit_each(struct audit *a, audit_fn *fn, void *ctx, struct a2r_err *err);

/* audit_side - what mapfile_install_with() writes beside the maps when
 * they change: OUTPUT.origins ("KEY TAB ORIGIN" lines in byte order of
 * the keys, ORIGIN escaped as report_escape() does, so no line break or
 * tab inside), and, before the renames, the changes file appended (every
 * line, each after a UTC timestamp, flushed to disk) and the first
 * log_changes lines kept for audit_logged().  NULL when the audit keeps
 * no record (log_changes = 0 and no changes_file). */
const struct mapfile_side *audit_side(struct audit *a, struct mapfile_side *side);

/* audit_logged - the lines for syslog of an install: up to log_changes */
const struct strlist *audit_logged(const struct audit *a);

/* audit_drop_origins - remove OUTPUT.origins of a map that changed
 * without one being written (it would name the wrong entries) */
void audit_drop_origins(const struct audit *a);

void audit_free(struct audit *a);

#endif
