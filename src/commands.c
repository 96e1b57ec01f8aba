/* SPDX-License-Identifier: BSD-2-Clause */
/* commands.c - sync, dump, check, explain and test */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "collect.h"
#include "commands.h"
#include "export.h"
#include "incremental.h"
#include "install.h"
#include "lock.h"
#include "lookup.h"
#include "mapfile.h"
#include "migrate.h"
#include "output.h"
#include "pfdomains.h"
#include "plan.h"
#include "policy.h"
#include "postfix.h"
#include "report.h"
#include "state.h"

/* What one command read, and how. */
struct run {
	int wide;                    /* explain: search wide */
	struct incremental *inc;     /* sync: incremental = yes */
	int describe;                /* dump's migration formats: each object's kind */
	collect_observe_fn *observe; /* explain, dump: told what became of each value */
	void *observe_ctx;
	int origins; /* record where each key came from (the audit trail) */
	struct collect c;
	struct export_report rep;
};

/* note - -v: what the export found and passed over */
static void
note(void *ctx, const char *msg)
{
	(void)ctx;
	report_info("%s", msg);
}

/* read_set - the sorted recipient set from the source the command line
 * names (export.h), with progress, warnings and the -v summary */
static int
read_set(const struct cli *o, const struct a2r_config *cfg, struct run *r, struct a2r_err *err)
{
	struct export_options opt = {
	    .ldif = o->from_ldif, .wide = r->wide, .describe = r->describe, .note = note};

	if (collect_init(&r->c, cfg, report_collect_warning, NULL, err) < 0)
		return -1;
	r->c.progress = report_progress;
	r->c.origins = r->origins;
	if (r->observe != NULL)
		collect_observe(&r->c, r->observe, r->observe_ctx);
	if (r->inc != NULL)
		incremental_hook(r->inc, &opt, &r->c);
	if (export_run(cfg, &opt, &r->c, &r->rep, err) < 0)
		return -1;
	report_progress_end(&r->c.stats);
	if (r->inc != NULL && incremental_warning(r->inc) != NULL)
		report_warn("%s", incremental_warning(r->inc));
	if (r->inc != NULL)
		report_info("%s", incremental_note(r->inc));
	output_summary(&r->c, r->rep.from);
	return 0;
}

static void
run_free(struct run *r)
{
	incremental_free(r->inc);
	collect_free(&r->c);
	export_report_free(&r->rep);
}

/* no_ldif_format - commands that take neither --format nor --json */
static int
only_options(const struct cli *o, const char *name, int json_ok, struct a2r_err *err)
{
	if (o->format != NULL)
		return err_set(err, A2R_ERR_USAGE, "--format applies to dump only");
	if (o->json && !json_ok)
		return err_set(err, A2R_ERR_USAGE, "--json applies to check only");
	if (o->strict)
		return err_set(err, A2R_ERR_USAGE, "--strict applies to dump only");
	if ((o->dry_run || o->force) && strcmp(name, "sync") != 0)
		return err_set(err, A2R_ERR_USAGE, "--dry-run and --force apply to sync only");
	return 0;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* write_metrics - the metrics file, for every run that got this far */
static void
write_metrics(const struct a2r_config *cfg, const struct run *r, time_t start, double secs,
              int status)
{
	struct report_metrics m = {.start = start,
	                           .duration = secs,
	                           .status = status,
	                           .entries = r->c.stats.entries,
	                           .addresses = r->c.set ? recipset_size(r->c.set) : 0,
	                           .dc = r->rep.uri,
	                           .stats = &r->c.stats};
	struct a2r_err merr = {0};

	if (cfg->metrics_file != NULL && report_metrics(cfg->metrics_file, &m, &merr) < 0)
		report_error("%s", merr.msg);
}

int
cmd_sync(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct plan p = {0};
	struct install_result res = {0};
	struct audit a = {0};
	struct timespec t0;
	time_t start = time(NULL);
	char *cdb_path = NULL, *spath = NULL;
	unsigned flags = (o->dry_run ? INSTALL_DRY_RUN : 0) | (o->force ? INSTALL_FORCE : 0);
	int lockfd = -1, rc = -1;
	int incremental = cfg->incremental && o->from_ldif == NULL;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (only_options(o, "sync", 0, err) < 0 || o->nargs > 0) {
		if (o->nargs > 0)
			err_set(err, A2R_ERR_USAGE, "sync: unexpected argument \"%s\"", o->args[0]);
		return -1;
	}
	if (incremental && (spath = state_path(cfg)) == NULL)
		return err_nomem(err);
	/* A dry run touches nothing, the lock file included. */
	if (!o->dry_run) {
		/* the lock file must not be one of the files a run writes */
		const char *keep[] = {cfg->output,
		                      cdb_path = mapfile_cdb_path(cfg->output),
		                      cfg->metrics_file,
		                      cfg->changes_file,
		                      spath,
		                      NULL};
		size_t nk = 0;

		if (cdb_path == NULL) {
			free(spath);
			return err_nomem(err);
		}
		/* (the files not configured left out) */
		for (size_t i = 0; i < 5; i++)
			if (keep[i] != NULL)
				keep[nk++] = keep[i];
		keep[nk] = NULL;
		lockfd = lock_acquire(cfg->lock_file, cfg->lock_wait, keep, err);
		free(cdb_path);
		if (lockfd < 0) {
			free(spath);
			return -1;
		}
		if (mapfile_clean_stale(cfg->output) + (spath ? mapfile_clean_stale(spath) : 0) > 0)
			report_info("removed temp files of an interrupted run beside %s",
			            cfg->output);
	}
	if (incremental &&
	    (r.inc = incremental_new(cfg, o->dry_run ? INCREMENTAL_DRY_RUN : 0, err)) == NULL)
		goto done;
	/* the DN of every key, for the audit trail and a dry run's listing */
	r.origins = (o->dry_run && o->verbose) ||
	            (!o->dry_run && (cfg->log_changes > 0 || cfg->changes_file != NULL));
	if (read_set(o, cfg, &r, err) == 0 && audit_init(&a, cfg, r.c.set, err) == 0 &&
	    install_run(cfg, r.c.set, flags, &a, &p, &res, err) == 0)
		rc = 0;
	/* the state goes in place once the maps are (a failed Postfix command
	 * leaves them installed) */
	if (r.inc != NULL && !o->dry_run && (rc == 0 || err->code == A2R_ERR_ACTION)) {
		struct a2r_err serr = {0};

		if (incremental_commit(r.inc, &serr) < 0 && rc == 0) {
			err_set(err, A2R_ERR_ACTION,
			        "%s is installed, but the incremental state is not: %s (the next "
			        "run goes on from the previous state)",
			        cfg->output, serr.msg);
			rc = -1;
		}
	}
	/* a dry run shows the change, then what the guards said */
	if (o->dry_run && o->verbose && res.planned && audit_each(&a, output_change, NULL, err) < 0)
		rc = -1;
	if (o->dry_run && res.planned)
		output_plan_counts(&p);
	if (res.changed) {
		output_audit_log(cfg, &a);
		output_installed(cfg, &r.rep, &r.c, &p, elapsed(&t0));
	} else if (rc == 0 && !o->dry_run && res.reran)
		report_info("%s is up to date (%zu addresses); ran the Postfix commands an "
		            "earlier run left pending",
		            cfg->output, recipset_size(r.c.set));
	else if (rc == 0 && !o->dry_run)
		report_info("%s is up to date (%zu addresses)", cfg->output,
		            recipset_size(r.c.set));
done:
	if (!o->dry_run)
		write_metrics(cfg, &r, start, elapsed(&t0),
		              rc == 0 ? 0 : err_exit_status(err->code));
	lock_release(lockfd);
	audit_free(&a);
	run_free(&r);
	free(spath);
	return rc;
}

/* virtual_problem - a migrate_problem_fn: one warning */
static void
virtual_problem(void *ctx, const char *msg)
{
	(void)ctx;
	report_warn("%s", msg);
}

/* dump_virtual - the virtual alias table of M; its problems are warnings,
 * or with STRICT an error (65) and no table */
static int
dump_virtual(const struct migrate *m, int strict, struct a2r_err *err)
{
	size_t n = migrate_virtual(m, NULL, virtual_problem, NULL);

	if (n > 0 && strict)
		return err_set(err, A2R_ERR_GUARD,
		               "dump --format virtual --strict: %zu conflict%s (addresses held by "
		               "several objects, objects without a primary address; -v lists "
		               "them): no table written",
		               n, n == 1 ? "" : "s");
	if (n > 0)
		report_warn("virtual: %zu problem%s (see above): their addresses are left out of "
		            "the table",
		            n, n == 1 ? "" : "s");
	(void)migrate_virtual(m, output_virtual_line, NULL, NULL);
	return 0;
}

/* The formats of dump: the map's, and the migration's (per object). */
static const struct {
	const char *name;
	int migrate;
} dump_formats[] = {
    {"map", 0}, {"list", 0}, {"json", 0}, {"csv", 1}, {"objects", 1}, {"virtual", 1},
};

/* dump_format - the index of --format NAME (default map), or -1 */
static int
dump_format(const char *name)
{
	for (size_t i = 0; i < sizeof(dump_formats) / sizeof(dump_formats[0]); i++)
		if (strcmp(name != NULL ? name : "map", dump_formats[i].name) == 0)
			return (int)i;
	return -1;
}

int
cmd_dump(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct migrate *m = NULL;
	int f = dump_format(o->format), rc = -1;
	const char *name;

	if (f < 0) {
		err_set(err, A2R_ERR_USAGE,
		        "--format %s: use map, list, json, csv, objects or virtual", o->format);
		goto out;
	}
	name = dump_formats[f].name;
	if (o->json || o->dry_run || o->force || o->nargs > 0) {
		err_set(err, A2R_ERR_USAGE, "dump takes only --from-ldif, --format and --strict");
		goto out;
	}
	if (o->strict && strcmp(name, "virtual") != 0) {
		err_set(err, A2R_ERR_USAGE, "--strict applies to dump --format virtual only");
		goto out;
	}
	/* the migration formats watch every value: memory per object */
	if (dump_formats[f].migrate) {
		if ((m = migrate_new()) == NULL) {
			err_nomem(err);
			goto out;
		}
		r.describe = 1;
		r.observe = migrate_observe;
		r.observe_ctx = m;
	}
	if (read_set(o, cfg, &r, err) < 0 || (m != NULL && migrate_finish(m, err) < 0))
		goto out;
	if (strcmp(name, "csv") == 0)
		rc = output_csv(m, err);
	else if (strcmp(name, "objects") == 0)
		rc = output_objects(m, err);
	else if (strcmp(name, "virtual") == 0)
		rc = dump_virtual(m, o->strict, err);
	else {
		output_set(r.c.set, cfg->value, name[0]);
		rc = 0;
	}
	if (rc == 0)
		rc = output_flush(err);
out:
	run_free(&r);
	migrate_free(m);
	return rc;
}

static void
keep_change(void *ctx, char sign, const char *key)
{
	struct output_diffs *d = ctx;
	struct strlist *l = sign == '+' ? &d->plus : sign == '-' ? &d->minus : &d->changed;

	/* out of memory here only shortens the listing; the counts stay right */
	(void)strlist_add(l, key, strlen(key));
}

int
cmd_check(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct output_diffs d = {0};
	struct plan p = {0};
	struct audit a = {0};
	char *cdb_path = NULL;
	int rc = -1;

	if (only_options(o, "check", 1, err) < 0 || o->nargs > 0) {
		if (o->nargs > 0)
			err_set(err, A2R_ERR_USAGE, "check: unexpected argument \"%s\"",
			        o->args[0]);
		goto out;
	}
	/* the text lists each difference with its DN (audit.h) */
	r.origins = !o->json;
	if (read_set(o, cfg, &r, err) < 0 || audit_init(&a, cfg, r.c.set, err) < 0)
		goto out;
	if (cfg->cdb && (cdb_path = mapfile_cdb_path(cfg->output)) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (plan_maps(PLAN_CHECK, cfg->output, cdb_path, r.c.set, cfg->value, &p,
	              o->json ? keep_change : audit_note, o->json ? (void *)&d : (void *)&a,
	              err) < 0)
		goto out;
	if (!o->json && audit_each(&a, output_change, NULL, err) < 0)
		goto out;
	output_check(o->json, &p, &d, p.have_old, p.cdb_agrees, cfg->output);
	if (output_flush(err) < 0)
		goto out;
	rc = p.added || p.removed || p.changed || !p.cdb_agrees || !p.have_old;
out:
	strlist_free(&d.plus);
	strlist_free(&d.minus);
	strlist_free(&d.changed);
	free(cdb_path);
	audit_free(&a);
	run_free(&r);
	return rc;
}

/* What explain follows: the keys smtpd looks the address up as, and
 * what it saw of each. */
struct explain {
	struct lookup_keys keys;
	struct output_explain out;
};

/* mentions - does raw value BV hold KEY anywhere (case-insensitively)? */
static int
mentions(const struct berval *bv, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i + kl <= bv->bv_len; i++)
		if (strncasecmp(bv->bv_val + i, key, kl) == 0)
			return 1;
	return 0;
}

/* which_key - the key S is about: the one it holds, or for a rejected
 * value one of the addresses it mentions; -1 for none */
static int
which_key(const struct explain *x, const struct collect_sighting *s)
{
	int rejected = s->outcome == COLLECT_NOTYPE || s->outcome == COLLECT_REJECTED;

	for (size_t i = 0; i < x->keys.n; i++) {
		const char *key = x->keys.k[i].key.p;

		if (s->key != NULL ? strcmp(s->key, key) == 0
		                   : rejected && x->keys.k[i].step != LOOKUP_AT_DOMAIN &&
		                         mentions(s->value, key))
			return (int)i;
	}
	return -1;
}

/* explain_observe - the collector's verdict on every value: show those
 * that are one of the keys, and the rejected ones that mention one */
static void
explain_observe(void *ctx, const struct collect_sighting *s)
{
	struct explain *x = ctx;
	int i = which_key(x, s);
	struct output_seen *seen;

	if (i < 0)
		return;
	seen = &x->out.seen[i];
	output_sighting(s);
	if (s->outcome == COLLECT_STATIC)
		seen->statics++;
	else if (s->outcome == COLLECT_IN_MAP)
		seen->directory++;
	else
		seen->other++;
	/* where the key came from, for the conclusion: the first source */
	if ((s->outcome == COLLECT_STATIC || s->outcome == COLLECT_IN_MAP) &&
	    seen->source == NULL &&
	    asprintf(&seen->source, "%s%s%s", s->where, s->attr ? ": " : "",
	             s->attr ? s->attr : "") < 0)
		seen->source = NULL;
}

/* explain_params - the Postfix parameters that decide the keys: the
 * recipient_delimiter key if set, else what postconf says (values kept
 * in V); Postfix's defaults for what cannot be read, with a warning */
static void
explain_params(const struct a2r_config *cfg, struct strlist *v, struct output_explain *out)
{
	static const char *const names[] = {"recipient_delimiter", "owner_request_special",
	                                    "double_bounce_sender"};
	struct lookup_params *p = &out->params;
	struct a2r_err perr = {0};

	*p = (struct lookup_params){"", 1, "double-bounce"};
	if (cfg->recipient_delimiter != NULL) {
		p->delimiter = cfg->recipient_delimiter;
		out->delimiter_from = "ad2relay's recipient_delimiter";
		return;
	}
	if (postfix_params(cfg, names, 3, v, &perr) < 0) {
		report_warn("explain: cannot read recipient_delimiter from Postfix (%s); "
		            "assuming none: set recipient_delimiter in the configuration",
		            perr.msg);
		out->delimiter_from = NULL;
		return;
	}
	p->delimiter = v->v[0];
	p->owner_request_special =
	    strcasecmp(v->v[1], "no") != 0 && strcasecmp(v->v[1], "false") != 0;
	p->double_bounce = v->v[2];
	out->delimiter_from = "Postfix's recipient_delimiter";
}

int
cmd_explain(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct strlist pf = {0};
	struct explain x = {0};
	const char *addr;
	enum policy_verdict v;
	int rc = -1;

	if (only_options(o, "explain", 0, err) < 0)
		goto out;
	if (o->nargs != 1) {
		err_set(err, A2R_ERR_USAGE, "explain takes one address");
		goto out;
	}
	addr = o->args[0];
	if ((v = policy_check(addr, strlen(addr))) != POLICY_OK) {
		output_unusable(addr, policy_reason(v));
		rc = 1;
		goto out;
	}
	explain_params(cfg, &pf, &x.out);
	if (lookup_keys(addr, strlen(addr), &x.out.params, &x.keys) < 0) {
		err_set(err, A2R_ERR_INTERNAL, "case folding failed");
		goto out;
	}
	x.out.keys = &x.keys;
	/* domains read at run time (relay_domains = exchange) are known only
	 * after the read: until then the keys are shown as if relayed */
	x.out.relay = (cfg->relay_sources & CONF_RELAY_EXCHANGE) ||
	              conf_relay_match(cfg, NULL, x.keys.k[0].key.p, x.keys.k[0].key.len);
	output_lookup(addr, &x.out);
	/* wide: follow the address into entries the filter would drop */
	r.wide = 1;
	r.observe = explain_observe;
	r.observe_ctx = &x;
	if (read_set(o, cfg, &r, err) < 0)
		goto out;
	/* the relay domains applied: the listed ones and those read at run
	 * time (relay_domains = exchange) */
	x.out.relay = conf_relay_match(cfg, &r.rep.relay, x.keys.k[0].key.p, x.keys.k[0].key.len);
	for (size_t i = 0; i < x.keys.n; i++)
		x.out.in_map[i] =
		    recipset_contains(r.c.set, x.keys.k[i].key.p, x.keys.k[i].key.len);
	rc = output_verdict(cfg, &x.out);
	if (output_flush(err) < 0)
		rc = -1;
out:
	for (size_t i = 0; i < LOOKUP_MAX_KEYS; i++)
		free(x.out.seen[i].source);
	lookup_keys_free(&x.keys);
	strlist_free(&pf);
	run_free(&r);
	return rc;
}

/* test_postfix - test: what Postfix says, and where it disagrees with
 * the relay domains applied (RELAY: the listed ones and those read at run
 * time, relay_domains = exchange) */
static void
test_postfix(const struct a2r_config *cfg, const struct strlist *relay)
{
	struct pfdomains pd = {0};
	struct a2r_err perr = {0};
	struct a2r_config seen = *cfg; /* a view: the strings stay CFG's */

	seen.relay_domains = *relay;
	if (pfdomains_read(cfg, &pd, &perr) < 0) {
		output_postfix_unchecked(perr.msg);
	} else {
		output_postfix(cfg, &pd);
		if (pfdomains_check(&seen, &pd, output_warning, NULL, &perr) < 0)
			output_postfix_unchecked(perr.msg);
	}
	pfdomains_free(&pd);
}

int
cmd_test(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	int rc = -1;

	if (o->from_ldif != NULL || only_options(o, "test", 0, err) < 0 || o->nargs > 0) {
		if (o->from_ldif != NULL || o->nargs > 0)
			err_set(err, A2R_ERR_USAGE,
			        "test reads the live directory and takes no "
			        "arguments");
		goto out;
	}
	/* a full sync as incremental runs do it, to learn what DirSync allows */
	if ((r.inc = incremental_new(cfg, INCREMENTAL_DRY_RUN | INCREMENTAL_FULL, err)) == NULL)
		goto out;
	if (read_set(o, cfg, &r, err) < 0)
		goto out;
	output_test(discover_config(&r.rep.disc), &r.rep, recipset_size(r.c.set));
	test_postfix(cfg, &r.rep.relay);
	output_incremental(incremental_mode(r.inc));
	rc = output_flush(err);
out:
	run_free(&r);
	return rc;
}
