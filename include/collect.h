/* SPDX-License-Identifier: BSD-2-Clause */
/* collect.h - entries to the recipient set: extract, policy, exclusions
 *
 * Drives the middle of the data flow for one export attempt.
 * Call order: collect_init(); collect_entry() for every entry a source
 * yields; collect_static() once after the last entry; then read
 * c->set (sort it with recipset_sort()) and c->stats.  When a source
 * fails half-way and the export restarts elsewhere, collect_reset()
 * forgets everything gathered so far.  collect_free() releases it all.
 *
 * Rejected values are reported through the WARN callback, one call per
 * value, with a complete one-line message naming the DN and the reason;
 * collect never prints.  An observer set with collect_observe() (explain,
 * dump's migration formats) is told what became of every value and every
 * static line, with the entry it belongs to, and when collect_reset()
 * forgets it all; it watches, it never changes what is collected.
 */
#ifndef A2R_COLLECT_H
#define A2R_COLLECT_H

#include "conf.h"
#include "entry.h"
#include "err.h"
#include "policy.h"
#include "recipset.h"

#define COLLECT_MAX_TYPES 16

/* The class an entry is counted under: the kinds of the objects key, in
 * the order of their CONF_OBJ_* bits (class N is bit 1 << N), then
 * computers, then entries that are none of these (an LDIF record without
 * objectClass).  An entry of several kinds counts once, as the rarest of
 * those the objects key selects: dynamic list, public folder, contact,
 * group, then user. */
enum collect_class {
	COLLECT_CLASS_USER,
	COLLECT_CLASS_GROUP,
	COLLECT_CLASS_CONTACT,
	COLLECT_CLASS_PUBLICFOLDER,
	COLLECT_CLASS_DYNAMIC,
	COLLECT_CLASS_COMPUTER,
	COLLECT_CLASS_OTHER,
	COLLECT_NCLASSES
};

/* collect_class_name - the class's label in the metrics file: the
 * objectClass of its kind ("user", "msExchDynamicDistributionList"),
 * "computer" or "other" */
const char *collect_class_name(enum collect_class cls);

/* collect_class_noun - the class in -v text for N entries ("user",
 * "dynamic lists") */
const char *collect_class_noun(enum collect_class cls, unsigned long n);

struct collect_stats {
	unsigned long entries;        /* entries seen */
	unsigned long computers;      /* computer objects skipped */
	unsigned long disabled;       /* disabled accounts excluded */
	unsigned long not_relay;      /* valid addresses outside relay_domains */
	unsigned long notype;         /* proxyAddresses values without TYPE: */
	unsigned long rejected_total; /* values that are no address (policy) */
	unsigned long other_total;    /* X500:, SIP:, ... */
	struct {
		char type[12];
		unsigned long n;
	} other[COLLECT_MAX_TYPES];
	size_t nother;
	unsigned long static_lines;
	unsigned long pages; /* pages the source has read (set by its driver), for progress */

	/* the breakdowns: entries by class, and rejected_total by reason
	 * (spaced plus the policy verdicts) */
	unsigned long classes[COLLECT_NCLASSES];
	unsigned long spaced; /* white space in or before TYPE: (" smtp:a@b") */
	unsigned long policy[POLICY_NVERDICTS];
};

typedef void collect_warn_fn(void *ctx, const char *msg);

/* What became of one value (or static line), for an observer. */
enum collect_outcome {
	COLLECT_IN_MAP,     /* a directory value, in the map */
	COLLECT_STATIC,     /* a line of the static file, in the map */
	COLLECT_NOT_RELAY,  /* an address whose domain is not in relay_domains */
	COLLECT_REJECTED,   /* not an address Postfix can look up (policy) */
	COLLECT_NOTYPE,     /* a typed attribute's value without "TYPE:" */
	COLLECT_OTHER_TYPE, /* X500:, SIP:, ...: no mail address */
	COLLECT_SKIPPED,    /* the entry is excluded (computer, disabled account) */
	COLLECT_RESTART,    /* collect_reset(): the export starts again (another DC),
	                     * forget every sighting so far; nothing else is set */
};

struct collect_sighting {
	const char *where;             /* the DN, or "FILE:LINE" of the static file */
	const struct a2r_entry *entry; /* the value's entry; NULL for a static line */
	unsigned long nth;             /* that entry's number in the export (1, 2, ...) */
	const char *attr;              /* NULL for a static line */
	const struct berval *value;    /* as the source gave it; NULL for a static line */
	const char *key;               /* the folded address, or NULL: the value holds none */
	size_t keylen;
	enum collect_outcome outcome;
	const char *why; /* the outcome as a phrase, such as "in the map" */
};

/* Called once for every value of a configured attribute (and every line
 * of the static file); everything S points to lives only for the call. */
typedef void collect_observe_fn(void *ctx, const struct collect_sighting *s);

/* Called every COLLECT_PROGRESS_EVERY entries (progress display). */
typedef void collect_progress_fn(void *ctx, const struct collect_stats *stats);
#define COLLECT_PROGRESS_EVERY 1000

struct collect {
	const struct a2r_config *cfg;
	const struct strlist *relay; /* relay_domains applied (collect_relay()) */
	struct recipset *set;
	struct collect_stats stats;
	collect_warn_fn *warn;
	void *warn_ctx;
	unsigned char *typed; /* per configured attribute: holds TYPE:value */
	struct strbuf fold;   /* scratch */
	struct strbuf msg;    /* scratch */
	/* optional: told what became of every value */
	collect_observe_fn *observe;
	void *observe_ctx;
	/* optional: progress */
	collect_progress_fn *progress;
	void *progress_ctx;
	/* optional: the set records where each key came from, the DN or the
	 * static file's "FILE:LINE" (recipset_from(); the audit trail) */
	int origins;
};

/* collect_init - bind to CFG (which must outlive C); WARN may be NULL */
int collect_init(struct collect *c, const struct a2r_config *cfg, collect_warn_fn *warn,
                 void *warn_ctx, struct a2r_err *err);

/* collect_relay - apply RELAY (which must outlive C) instead of the
 * configuration's relay_domains: the listed domains and those read at
 * run time (accepted.h).  Set before the first entry. */
void collect_relay(struct collect *c, const struct strlist *relay);

/* collect_kinds - the kinds of the objects key (CONF_OBJ_* bits) entry E
 * is, by its objectClass values; -1 when E has no objectClass (a search
 * that did not ask for it) */
int collect_kinds(const struct a2r_entry *e);

/* collect_disabled - 1 if E's userAccountControl has ACCOUNTDISABLE set;
 * 0 when not, or when E has no userAccountControl */
int collect_disabled(const struct a2r_entry *e);

/* collect_entry - take the addresses of one entry.  Fails only when out
 * of memory (A2R_ERR_INTERNAL); bad values are warnings. */
int collect_entry(struct collect *c, const struct a2r_entry *e, struct a2r_err *err);

/* collect_observe - from now on, tell FN (with CTX) what becomes of
 * every value; set once, before the first entry */
void collect_observe(struct collect *c, collect_observe_fn *fn, void *ctx);

/* collect_static - merge the static file, if configured.  Lines are
 * "KEY [VALUE]"; KEY is an address or "@domain".  A bad line is an
 * A2R_ERR_CONFIG error "FILE:LINE: ...". */
int collect_static(struct collect *c, struct a2r_err *err);

/* collect_reset - forget the set and the counters */
void collect_reset(struct collect *c);

void collect_free(struct collect *c);

#endif
