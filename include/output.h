/* SPDX-License-Identifier: BSD-2-Clause */
/* output.h - what the commands show: results on stdout, the -v summary
 *
 * With report.c, the only module that talks to the user, and only the
 * commands call it: the recipient set of dump (map, list or JSON) and
 * its migration formats (CSV, JSON Lines objects, a virtual alias table), the
 * differences of check (text or JSON), the sightings and conclusion of
 * explain, the account of test, the counts of a dry run; and through
 * report.c the -v summary of an export and the syslog line of a changed
 * map.  output_flush() turns a failed write to stdout into an error.
 */
#ifndef A2R_OUTPUT_H
#define A2R_OUTPUT_H

#include "audit.h"
#include "collect.h"
#include "conf.h"
#include "err.h"
#include "export.h"
#include "lookup.h"
#include "migrate.h"
#include "pfdomains.h"
#include "plan.h"
#include "recipset.h"

/* output_summary - -v: what an export read (FROM: its source) */
void output_summary(const struct collect *c, const char *from);

/* output_change - an audit_fn: one difference with its DN, escaped, on
 * stdout (check, and a dry run with -v); always 0 */
int output_change(void *ctx, const struct audit_change *ch);

/* output_audit_log - the syslog lines of an installed change: A's lines
 * (up to log_changes), then one summary line (none with log_changes = 0
 * or nothing to list) */
void output_audit_log(const struct a2r_config *cfg, const struct audit *a);

/* output_plan_counts - the dry run's "+ADDED -REMOVED [~CHANGED]" */
void output_plan_counts(const struct plan *p);

/* output_installed - the syslog line (and -v line) of a changed map */
void output_installed(const struct a2r_config *cfg, const struct export_report *rep,
                      const struct collect *c, const struct plan *p, double secs);

/* output_set - the set in dump's FORMAT: 'm' map, 'l' list, 'j' JSON;
 * DEFVAL is the value of keys without one */
void output_set(const struct recipset *set, const char *defval, int format);

/* output_csv - dump --format csv: a header, then one row per address of
 * M in the map and object holding it (migrate_by_key() order); RFC 4180
 * quoting, LF line ends.  -1 (A2R_ERR_INTERNAL) when out of memory. */
int output_csv(const struct migrate *m, struct a2r_err *err);

/* output_objects - dump --format objects: one JSON object per line for
 * each object of M, by DN.  -1 (A2R_ERR_INTERNAL) when out of memory. */
int output_objects(const struct migrate *m, struct a2r_err *err);

/* output_virtual_line - a migrate_line_fn: "KEY TARGET" (dump --format
 * virtual) */
void output_virtual_line(void *ctx, const char *key, const char *target);

/* The differences check lists. */
struct output_diffs {
	struct strlist plus, minus, changed;
};

/* output_check - check's result, text or JSON: P's counts, D's lists,
 * whether MAP exists and its cdb agrees */
void output_check(int json, const struct plan *p, const struct output_diffs *d, int map_exists,
                  int cdb_ok, const char *map);

/* output_unusable - explain: ADDR is no address (REASON: policy_reason()) */
void output_unusable(const char *addr, const char *reason);

/* What explain saw of one key. */
struct output_seen {
	unsigned directory; /* values in the map from the directory */
	unsigned statics;   /* lines of the static file */
	unsigned other;     /* values seen but kept out */
	char *source;       /* the first in the map: "DN: ATTRIBUTE" or "FILE:LINE" */
};

/* What explain found: the keys smtpd tries in order, the parameters
 * that made them, and what the set ad2relay would install holds. */
struct output_explain {
	const struct lookup_keys *keys;
	struct lookup_params params;
	const char *delimiter_from; /* where params.delimiter came from; NULL: unknown */
	int relay;                  /* the domain is in relay_domains */
	struct output_seen seen[LOOKUP_MAX_KEYS];
	int in_map[LOOKUP_MAX_KEYS];
};

/* output_lookup - explain's first line: ADDR and the keys smtpd looks up */
void output_lookup(const char *addr, const struct output_explain *x);

/* output_sighting - explain: one value (or static line) holding a key */
void output_sighting(const struct collect_sighting *s);

/* output_verdict - explain's conclusion: the first key smtpd finds and
 * where it comes from, or why none; 0 found, 1 not */
int output_verdict(const struct a2r_config *cfg, const struct output_explain *x);

/* output_test - test's account of the DC used (LIVE: the configuration
 * with what discovery found, see discover_config()) */
void output_test(const struct a2r_config *live, const struct export_report *rep, size_t addresses);

/* output_postfix - test: which Postfix configuration was read, and its
 * relay domains */
void output_postfix(const struct a2r_config *cfg, const struct pfdomains *pd);

/* output_postfix_unchecked - test: Postfix could not be asked (WHY) */
void output_postfix_unchecked(const char *why);

/* output_warning - test: one "warning: MSG" line (a pfdomains_warn_fn) */
void output_warning(void *ctx, const char *msg);

/* output_incremental - test: what incremental runs can do with this
 * account (MODE: incremental_mode()) */
void output_incremental(const char *mode);

/* output_flush - 0, or -1 (A2R_ERR_WRITE) when writing to stdout failed */
int output_flush(struct a2r_err *err);

#endif
