/* SPDX-License-Identifier: BSD-2-Clause */
/* commands.c - sync, dump, check, explain and test */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "commands.h"
#include "discover.h"
#include "ldif_source.h"
#include "lock.h"
#include "mapfile.h"
#include "plan.h"
#include "policy.h"
#include "postfix.h"
#include "report.h"
#include "search.h"

/* What one export produced, for messages, syslog and metrics. */
struct run {
	const char *watch; /* explain: the folded address to follow */
	void *watch_ctx;
	struct collect c;
	struct search_report rep;
	struct discovery disc;
	char from[600]; /* "FILE" or "URI (base ..., ...)" */
};

static collect_watch_fn saw;

/* read_ldif - feed every entry of the LDIF file to C */
static int
read_ldif(const char *path, struct collect *c, struct a2r_err *err)
{
	struct ldif_source *src = ldif_source_open(path, err);
	struct a2r_entry e;
	enum entry_state st;

	if (src == NULL)
		return -1;
	while ((st = ldif_source_next(src, &e, err)) == ENTRY_NEXT)
		if (collect_entry(c, &e, err) < 0) {
			st = ENTRY_FAIL;
			break;
		}
	ldif_source_close(src);
	return st == ENTRY_DONE ? 0 : -1;
}

/* summarize - the -v account of an export */
static void
summarize(const struct run *r)
{
	const struct collect_stats *st = &r->c.stats;
	char types[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < st->nother && used < sizeof(types); i++)
		used += (size_t)snprintf(types + used, sizeof(types) - used, "%s%s %lu",
		                         i ? ", " : " (", st->other[i].type, st->other[i].n);
	if (st->nother > 0 && used < sizeof(types) - 1)
		strcat(types, ")");
	report_info("%s: %lu entries, %zu unique addresses; %lu values of other types%s, "
	            "%lu rejected, %lu without type, %lu outside relay_domains, "
	            "%lu computers skipped, %lu disabled excluded, %lu static lines",
	            r->from, st->entries, recipset_size(r->c.set), st->other_total, types,
	            st->rejected_total, st->notype, st->not_relay, st->computers, st->disabled,
	            st->static_lines);
}

/* note_dc - -v: why a DC was passed over */
static void
note_dc(void *ctx, const char *msg)
{
	(void)ctx;
	report_info("%s", msg);
}

/* export - the sorted recipient set from the configured source */
static int export(struct cli *o, struct a2r_config *cfg, struct run *r, struct a2r_err *err)
{
	if (collect_init(&r->c, cfg, report_collect_warning, NULL, err) < 0)
		return -1;
	r->c.progress = report_progress;
	if (r->watch != NULL)
		collect_watch(&r->c, r->watch, saw, r->watch_ctx);
	if (o->from_ldif != NULL) {
		if (read_ldif(o->from_ldif, &r->c, err) < 0)
			return -1;
		snprintf(r->from, sizeof(r->from), "%s", o->from_ldif);
	} else {
		if (discover_fill(cfg, &r->disc, err) < 0)
			return -1;
		report_info("domain: %s (%s); DCs: %s; bind: %s", cfg->domain ? cfg->domain : "-",
		            r->disc.domain[0] ? r->disc.domain : "not needed", r->disc.dcs,
		            r->disc.bind);
		if (o->verbose) {
			char *f = search_filter(cfg, r->watch != NULL);

			report_info("filter: %s", f ? f : "?");
			free(f);
		}
		if (search_export(cfg, &r->c, &r->rep, note_dc, NULL, err) < 0)
			return -1;
		snprintf(r->from, sizeof(r->from),
		         "%s (base %s, %s, %lu pages, %lu references skipped)", r->rep.uri,
		         r->rep.base, r->rep.tls, r->rep.pages, r->rep.refs);
	}
	report_progress_end(&r->c.stats);
	if (collect_static(&r->c, err) < 0)
		return -1;
	if (recipset_sort(r->c.set) < 0)
		return err_nomem(err);
	summarize(r);
	return 0;
}

static void
run_free(struct run *r)
{
	collect_free(&r->c);
	search_report_free(&r->rep);
}

/* no_ldif_format - commands that take neither --format nor --json */
static int
only_options(struct cli *o, const char *name, int json_ok, struct a2r_err *err)
{
	if (o->format != NULL)
		return err_set(err, A2R_ERR_USAGE, "--format applies to dump only");
	if (o->json && !json_ok)
		return err_set(err, A2R_ERR_USAGE, "--json applies to check only");
	if ((o->dry_run || o->force) && strcmp(name, "sync") != 0)
		return err_set(err, A2R_ERR_USAGE, "--dry-run and --force apply to sync only");
	return 0;
}

/* print_change - dry run with -v: one address per line */
static void
print_change(void *ctx, char sign, const char *key)
{
	(void)ctx;
	printf("%c %s\n", sign, key);
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* pending_actions - the marker left when post-install commands failed
 * (beside the lock file): with CREATE > 0, leave it; < 0, remove it.  1 if
 * it exists.  Only a regular file is a marker; a symlink planted there is
 * removed, never followed (unlink() does not follow one either). */
static int
pending_actions(const struct a2r_config *cfg, int create)
{
	char path[4200];
	struct stat st;
	int fd, exists;

	snprintf(path, sizeof(path), "%s.actions-pending", cfg->lock_file);
	if (create < 0)
		return unlink(path), 0;
	exists = lstat(path, &st) == 0;
	if (exists && S_ISREG(st.st_mode))
		return 1;
	if (!create)
		return 0;
	if (exists)
		unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* run_actions - the Postfix commands; a failure is remembered so that the
 * next run retries them even if the map does not change again (else a
 * stale hash map or backup MX would stay stale behind exit status 0) */
static int
run_actions(const struct a2r_config *cfg, struct a2r_err *err)
{
	if (postfix_actions(cfg, err) < 0) {
		pending_actions(cfg, 1);
		return -1;
	}
	pending_actions(cfg, -1);
	return 0;
}

/* install - guarded install plus Postfix actions; *CHANGED tells */
static int
install(struct cli *o, struct a2r_config *cfg, struct run *r, struct plan *p, int *changed,
        struct a2r_err *err)
{
	struct mapfile_result res;
	char *cdb_path = NULL;
	int had, rc = -1;

	*changed = 0;
	/* The guards also count the cdb Postfix reads (not needed with --force,
	 * which also lets a damaged cdb be replaced). */
	if (cfg->cdb && !o->force && (cdb_path = mapfile_cdb_path(cfg->output)) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (plan_maps(PLAN_SYNC, cfg->output, cdb_path, r->c.set, cfg->value, p,
	              o->dry_run && o->verbose ? print_change : NULL, NULL, err) < 0) {
		err_prefix(err, "installed map");
		goto out;
	}
	/* A dry run shows the change, then what the guards would say. */
	if (o->dry_run && p->changed > 0)
		printf("+%zu -%zu ~%zu\n", p->added, p->removed, p->changed);
	else if (o->dry_run)
		printf("+%zu -%zu\n", p->added, p->removed);
	if (plan_guard(cfg, p, r->c.set, o->force, err) < 0)
		goto out;
	if (o->dry_run) {
		rc = 0;
		goto out;
	}
	/* The marker goes down before the renames and comes off when the
	 * actions are done (or nothing changed): a run stopped in between (a
	 * signal, SIGKILL, a crash) leaves the actions to the next run. */
	if (!(had = pending_actions(cfg, 0)))
		pending_actions(cfg, 1);
	if (mapfile_install(cfg->output, cfg->cdb, r->c.set, cfg->value,
	                    &(struct mapfile_known){p->text_same, p->cdb_same}, &res, err) < 0) {
		err_prefix(err, "install %s", cfg->output);
		if (!had)
			pending_actions(cfg, -1);
		goto out;
	}
	*changed = res.text_changed || res.cdb_changed;
	if (*changed || had)
		rc = run_actions(cfg, err);
	else
		rc = pending_actions(cfg, -1);
out:
	free(cdb_path);
	return rc;
}

/* log_change - the one syslog line of a run that changed the map */
static void
log_change(const struct a2r_config *cfg, const struct run *r, const struct plan *p, double secs)
{
	unsigned long rej = r->c.stats.rejected_total + r->c.stats.notype;

	report_log("updated %s from %s: %lu entries, %zu addresses, +%zu -%zu, %.2f s%s",
	           cfg->output, r->rep.uri ? r->rep.uri : r->from, r->c.stats.entries,
	           recipset_size(r->c.set), p->added, p->removed, secs,
	           rej ? "; some directory values were rejected (ad2relay -v dump lists them)"
	               : "");
	report_info("installed %s%s: +%zu -%zu (%zu addresses)", cfg->output,
	            cfg->cdb ? " and its .cdb" : "", p->added, p->removed, recipset_size(r->c.set));
}

/* write_metrics - the metrics file, for every run that got this far */
static void
write_metrics(const struct a2r_config *cfg, const struct run *r, time_t start, double secs,
              int status)
{
	struct report_metrics m = {
	    start,     secs, status, r->c.stats.entries, r->c.set ? recipset_size(r->c.set) : 0,
	    r->rep.uri};
	struct a2r_err merr = {0};

	if (cfg->metrics_file != NULL && report_metrics(cfg->metrics_file, &m, &merr) < 0)
		report_error("%s", merr.msg);
}

int
cmd_sync(struct cli *o, struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct plan p = {0};
	struct timespec t0;
	time_t start = time(NULL);
	char *cdb_path = NULL;
	int lockfd = -1, changed = 0, rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (only_options(o, "sync", 0, err) < 0 || o->nargs > 0) {
		if (o->nargs > 0)
			err_set(err, A2R_ERR_USAGE, "sync: unexpected argument \"%s\"", o->args[0]);
		return -1;
	}
	/* A dry run touches nothing, the lock file included. */
	if (!o->dry_run) {
		/* the lock file must not be one of the files a run writes */
		const char *keep[] = {cfg->output, cdb_path = mapfile_cdb_path(cfg->output),
		                      cfg->metrics_file, NULL};

		if (cdb_path == NULL)
			return err_nomem(err);
		lockfd = lock_acquire(cfg->lock_file, cfg->lock_wait, keep, err);
		free(cdb_path);
		if (lockfd < 0)
			return -1;
		if (mapfile_clean_stale(cfg->output) > 0)
			report_info("removed temp files of an interrupted run beside %s",
			            cfg->output);
	}
	if (export(o, cfg, &r, err) == 0 && install(o, cfg, &r, &p, &changed, err) == 0)
		rc = 0;
	if (changed)
		log_change(cfg, &r, &p, elapsed(&t0));
	else if (rc == 0 && !o->dry_run)
		report_info("%s is up to date (%zu addresses)", cfg->output,
		            recipset_size(r.c.set));
	if (!o->dry_run)
		write_metrics(cfg, &r, start, elapsed(&t0),
		              rc == 0 ? 0 : cli_exit_status(err->code));
	lock_release(lockfd);
	run_free(&r);
	return rc;
}

/* json_string - print S as a JSON string */
static void
json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* print_set - the set in one of the dump formats */
static void
print_set(const struct recipset *set, const char *defval, int format)
{
	size_t n = recipset_size(set);

	if (format == 'j')
		printf("[");
	for (size_t i = 0; i < n; i++) {
		const char *key = recipset_key(set, i, NULL);
		const char *val = recipset_value(set, i);

		if (format == 'm') {
			printf("%s %s\n", key, val ? val : defval);
		} else if (format == 'l') {
			printf("%s\n", key);
		} else {
			printf("%s\n  {\"address\": ", i ? "," : "");
			json_string(key);
			printf(", \"value\": ");
			json_string(val ? val : defval);
			printf("}");
		}
	}
	if (format == 'j')
		printf("%s]\n", n ? "\n" : "");
}

/* flush_stdout - a failed write to stdout is an error */
static int
flush_stdout(struct a2r_err *err)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return err_set(err, A2R_ERR_WRITE, "write to standard output failed");
	return 0;
}

int
cmd_dump(struct cli *o, struct a2r_config *cfg, struct a2r_err *err)
{
	static const char *const formats[] = {"map", "list", "json"};
	struct run r = {0};
	int format = 0, rc = -1;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(o->format ? o->format : "map", formats[i]) == 0)
			format = formats[i][0];
	if (format == 0) {
		err_set(err, A2R_ERR_USAGE, "--format %s: use map, list or json", o->format);
		goto out;
	}
	if (o->json || o->dry_run || o->force || o->nargs > 0) {
		err_set(err, A2R_ERR_USAGE, "dump takes only --from-ldif and --format");
		goto out;
	}
	if (export(o, cfg, &r, err) < 0)
		goto out;
	print_set(r.c.set, cfg->value, format);
	rc = flush_stdout(err);
out:
	run_free(&r);
	return rc;
}

/* Differences collected for check's output. */
struct diffs {
	struct strlist plus, minus, changed;
};

static void
keep_change(void *ctx, char sign, const char *key)
{
	struct diffs *d = ctx;
	struct strlist *l = sign == '+' ? &d->plus : sign == '-' ? &d->minus : &d->changed;

	/* out of memory here only shortens the listing; the counts stay right */
	(void)strlist_add(l, key, strlen(key));
}

static void
json_list(const char *name, const struct strlist *l)
{
	printf("  \"%s\": [", name);
	for (size_t i = 0; i < l->n; i++) {
		printf("%s", i ? ", " : "");
		json_string(l->v[i]);
	}
	printf("],\n");
}

/* check_report - check's output, text or JSON */
static void
check_report(struct cli *o, const struct plan *p, const struct diffs *d, int text_exists,
             int cdb_ok, const char *output)
{
	if (o->json) {
		printf("{\n  \"in_sync\": %s,\n",
		       p->added || p->removed || p->changed || !cdb_ok || !text_exists ? "false"
		                                                                       : "true");
		printf("  \"map\": ");
		json_string(output);
		printf(",\n  \"map_exists\": %s,\n  \"cdb_agrees\": %s,\n",
		       text_exists ? "true" : "false", cdb_ok ? "true" : "false");
		printf("  \"directory_addresses\": %zu,\n  \"map_addresses\": %zu,\n", p->new_count,
		       p->old_count);
		json_list("missing", &d->plus);
		json_list("stale", &d->minus);
		json_list("value_differs", &d->changed);
		printf("  \"missing_count\": %zu,\n  \"stale_count\": %zu\n}\n", p->added,
		       p->removed);
		return;
	}
	for (size_t i = 0; i < d->plus.n; i++)
		printf("+ %s\n", d->plus.v[i]);
	for (size_t i = 0; i < d->minus.n; i++)
		printf("- %s\n", d->minus.v[i]);
	for (size_t i = 0; i < d->changed.n; i++)
		printf("~ %s\n", d->changed.v[i]);
	if (!cdb_ok)
		printf("! %s.cdb does not match %s\n", output, output);
	report_info(
	    "%zu in the directory, %zu in %s: %zu missing, %zu stale, %zu with another value",
	    p->new_count, p->old_count, output, p->added, p->removed, p->changed);
}

int
cmd_check(struct cli *o, struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct diffs d = {0};
	struct plan p = {0};
	char *cdb_path = NULL;
	int rc = -1;

	if (only_options(o, "check", 1, err) < 0 || o->nargs > 0) {
		if (o->nargs > 0)
			err_set(err, A2R_ERR_USAGE, "check: unexpected argument \"%s\"",
			        o->args[0]);
		goto out;
	}
	if (export(o, cfg, &r, err) < 0)
		goto out;
	if (cfg->cdb && (cdb_path = mapfile_cdb_path(cfg->output)) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (plan_maps(PLAN_CHECK, cfg->output, cdb_path, r.c.set, cfg->value, &p, keep_change, &d,
	              err) < 0)
		goto out;
	check_report(o, &p, &d, p.have_old, p.cdb_agrees, cfg->output);
	if (flush_stdout(err) < 0)
		goto out;
	rc = p.added || p.removed || p.changed || !p.cdb_agrees || !p.have_old;
out:
	strlist_free(&d.plus);
	strlist_free(&d.minus);
	strlist_free(&d.changed);
	free(cdb_path);
	run_free(&r);
	return rc;
}

/* What explain saw about the address. */
struct sightings {
	unsigned directory; /* values in the map from the directory */
	unsigned statics;   /* lines of the static file */
	unsigned other;     /* values seen but kept out */
};

static void
saw(void *ctx, const char *where, const char *attr, const struct berval *value, const char *outcome)
{
	struct sightings *s = ctx;
	struct strbuf v = {0};

	if (attr == NULL) {
		printf("  %s: %s\n", where, outcome);
		s->statics++;
		return;
	}
	if (escape_value(&v, value->bv_val, value->bv_len) < 0)
		return;
	printf("  %s: %s \"%s\": %s\n", where, attr, v.p ? v.p : "", outcome);
	strbuf_free(&v);
	if (strcmp(outcome, "in the map") == 0)
		s->directory++;
	else
		s->other++;
}

/* explain_verdict - the conclusion line; 0 in the map, 1 not */
static int
explain_verdict(const struct a2r_config *cfg, const struct sightings *s, int in_map,
                const char *key)
{
	if (in_map && s->directory == 0 && s->statics > 0) {
		printf("=> in the map, present only via the static file %s\n", cfg->static_file);
		return 0;
	}
	if (in_map) {
		printf("=> in the map\n");
		return 0;
	}
	if (s->other > 0)
		printf("=> not in the map (see above)\n");
	else if (!policy_domain_match(&cfg->relay_domains, key, strlen(key)))
		printf("=> not in the map: not in the directory, and its domain is not in "
		       "relay_domains\n");
	else {
		printf("=> not in the map: no entry holds it in");
		for (size_t i = 0; i < cfg->attributes.n; i++)
			printf("%s %s",
			       i == 0                       ? ""
			       : i + 1 == cfg->attributes.n ? " or"
			                                    : ",",
			       cfg->attributes.v[i]);
		printf("\n");
	}
	return 1;
}

int
cmd_explain(struct cli *o, struct a2r_config *cfg, struct a2r_err *err)
{
	struct run r = {0};
	struct strbuf key = {0};
	struct sightings s = {0};
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
		printf("%s: not an address Postfix can look up: it %s\n", addr, policy_reason(v));
		rc = 1;
		goto out;
	}
	if (policy_fold(addr, strlen(addr), &key) < 0) {
		err_set(err, A2R_ERR_INTERNAL, "case folding failed");
		goto out;
	}
	printf("%s (looked up as %s)\n", addr, key.p);
	r.watch = key.p;
	r.watch_ctx = &s;
	if (export(o, cfg, &r, err) < 0)
		goto out;
	rc = explain_verdict(cfg, &s, recipset_contains(r.c.set, key.p, key.len), key.p);
	if (flush_stdout(err) < 0)
		rc = -1;
out:
	strbuf_free(&key);
	run_free(&r);
	return rc;
}

int
cmd_test(struct cli *o, struct a2r_config *cfg, struct a2r_err *err)
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
	if (export(o, cfg, &r, err) < 0)
		goto out;
	printf("dc:        %s%s\n", r.rep.uri,
	       r.rep.failed_dcs ? " (after earlier DCs failed; -v says why)" : "");
	if (cfg->domain != NULL)
		printf("domain:    %s (%s)\n", cfg->domain, r.disc.domain);
	printf("dcs:       %s (%s)\n", cfg->uri.n ? cfg->uri.v[0] : "-", r.disc.dcs);
	for (size_t i = 1; i < cfg->uri.n; i++)
		printf("           %s\n", cfg->uri.v[i]);
	printf("tls:       %s\n", r.rep.tls);
	if (cfg->bind == CONF_BIND_SIMPLE)
		printf("bind:      simple as %s\n", cfg->binddn);
	else if (cfg->bind == CONF_BIND_GSSAPI)
		printf("bind:      gssapi as %s (%s)\n", r.rep.principal ? r.rep.principal : "?",
		       r.disc.bind);
	else
		printf("bind:      %s\n", conf_bind_name(cfg->bind));
	printf("base:      %s\n", r.rep.base);
	printf("filter:    %s\n", r.rep.filter);
	printf("entries:   %lu in %lu pages (%lu continuation references skipped)\n", r.rep.entries,
	       r.rep.pages, r.rep.refs);
	printf("addresses: %zu would be exported\n", recipset_size(r.c.set));
	rc = flush_stdout(err);
out:
	run_free(&r);
	return rc;
}
