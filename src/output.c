/* SPDX-License-Identifier: BSD-2-Clause */
/* output.c - results on stdout and the -v summary of an export */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "policy.h"
#include "report.h"

/* put_line - one line on stdout, escaped as report.c escapes what it logs:
 * DNs, values and names that came from the directory or DNS never put a
 * control, escape sequence or line break on the terminal */
static void __attribute__((format(printf, 1, 2))) put_line(const char *fmt, ...)
{
	char line[4096], safe[4 * sizeof(line) + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	report_escape(line, safe, sizeof(safe));
	printf("%s\n", safe);
}

/* summary_classes - -v: the entries by class; every kind the objects key
 * selects, the other classes only when the run saw any */
static void
summary_classes(const struct collect *c)
{
	const unsigned long *n = c->stats.classes;
	char text[512] = "";
	size_t used = 0;

	for (int i = 0; i < COLLECT_NCLASSES && used < sizeof(text); i++)
		if (n[i] > 0 || (i < COLLECT_CLASS_COMPUTER && (c->cfg->objects & (1u << i))))
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%lu %s",
			                         used ? ", " : "", n[i],
			                         collect_class_noun((enum collect_class)i, n[i]));
	report_info("entries by class: %s", text);
}

/* summary_rejected - -v: the rejected values by reason, if any */
static void
summary_rejected(const struct collect *c)
{
	const struct collect_stats *st = &c->stats;
	char text[1536] = "";
	size_t used = 0;

	if (st->rejected_total == 0)
		return;
	for (int v = POLICY_OK + 1; v < POLICY_NVERDICTS && used < sizeof(text); v++)
		if (st->policy[v] > 0)
			used += (size_t)snprintf(
			    text + used, sizeof(text) - used, "%s%s (%lu)", used ? ", " : "",
			    policy_reason((enum policy_verdict)v), st->policy[v]);
	if (st->spaced > 0 && used < sizeof(text))
		snprintf(text + used, sizeof(text) - used,
		         "%swhite space in or before its address type (%lu)", used ? ", " : "",
		         st->spaced);
	report_info("rejected values by reason: %s", text);
}

void
output_summary(const struct collect *c, const char *from)
{
	const struct collect_stats *st = &c->stats;
	char types[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < st->nother && used < sizeof(types); i++)
		used += (size_t)snprintf(types + used, sizeof(types) - used, "%s%s %lu",
		                         i ? ", " : " (", st->other[i].type, st->other[i].n);
	if (st->nother > 0 && used < sizeof(types) - 1)
		strcat(types, ")");
	report_info("%s: %lu entr%s, %zu unique address%s; %lu values of other types%s, "
	            "%lu rejected, %lu without type, %lu outside relay_domains, "
	            "%lu computers skipped, %lu disabled excluded, %lu static lines",
	            from, st->entries, st->entries == 1 ? "y" : "ies", recipset_size(c->set),
	            recipset_size(c->set) == 1 ? "" : "es", st->other_total, types,
	            st->rejected_total, st->notype, st->not_relay, st->computers, st->disabled,
	            st->static_lines);
	summary_classes(c);
	summary_rejected(c);
}

void
output_change(void *ctx, char sign, const char *key)
{
	(void)ctx;
	printf("%c %s\n", sign, key);
}

void
output_plan_counts(const struct plan *p)
{
	if (p->changed > 0)
		printf("+%zu -%zu ~%zu\n", p->added, p->removed, p->changed);
	else
		printf("+%zu -%zu\n", p->added, p->removed);
}

void
output_installed(const struct a2r_config *cfg, const struct export_report *rep,
                 const struct collect *c, const struct plan *p, double secs)
{
	unsigned long rej = c->stats.rejected_total + c->stats.notype;

	report_log("updated %s from %s: %lu entries, %zu addresses, +%zu -%zu, %.2f s%s",
	           cfg->output, rep->uri ? rep->uri : rep->from, c->stats.entries,
	           recipset_size(c->set), p->added, p->removed, secs,
	           rej ? "; some directory values were rejected (ad2relay -v dump lists them)"
	               : "");
	report_info("installed %s%s: +%zu -%zu (%zu addresses)", cfg->output,
	            cfg->cdb ? " and its .cdb" : "", p->added, p->removed, recipset_size(c->set));
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

void
output_set(const struct recipset *set, const char *defval, int format)
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

void
output_check(int json, const struct plan *p, const struct output_diffs *d, int map_exists,
             int cdb_ok, const char *map)
{
	if (json) {
		printf("{\n  \"in_sync\": %s,\n",
		       p->added || p->removed || p->changed || !cdb_ok || !map_exists ? "false"
		                                                                      : "true");
		printf("  \"map\": ");
		json_string(map);
		printf(",\n  \"map_exists\": %s,\n  \"cdb_agrees\": %s,\n",
		       map_exists ? "true" : "false", cdb_ok ? "true" : "false");
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
		printf("! %s.cdb does not match %s\n", map, map);
	report_info(
	    "%zu in the directory, %zu in %s: %zu missing, %zu stale, %zu with another value",
	    p->new_count, p->old_count, map, p->added, p->removed, p->changed);
}

void
output_unusable(const char *addr, const char *reason)
{
	printf("%s: not an address Postfix can look up: it %s\n", addr, reason);
}

void
output_lookup(const char *addr, const struct output_explain *x)
{
	const struct lookup_keys *k = x->keys;
	struct strbuf line = {0};

	/* outside the relay domains smtpd looks up no key at all */
	for (size_t i = 0; i < (x->relay ? k->n : 1); i++)
		if (strbuf_addstr(&line, i ? ", then " : "") < 0 ||
		    strbuf_addstr(&line, k->k[i].key.p) < 0)
			break;
	/* postconf failed (a warning said why): no step without the extension */
	put_line("%s (%s %s%s)", addr, x->relay ? "looked up as" : "folded as",
	         line.p ? line.p : "",
	         x->relay && x->delimiter_from == NULL ? "; recipient_delimiter unknown" : "");
	strbuf_free(&line);
}

void
output_sighting(const struct collect_sighting *s)
{
	struct strbuf v = {0};

	if (s->attr == NULL) {
		put_line("  %s: %s", s->where, s->why);
		return;
	}
	if (escape_value(&v, s->value->bv_val, s->value->bv_len) < 0)
		return;
	put_line("  %s: %s \"%s\": %s", s->where, s->attr, v.p ? v.p : "", s->why);
	strbuf_free(&v);
}

/* attr_list - " proxyAddresses or mail": the address attributes */
static void
attr_list(const struct a2r_config *cfg, struct strbuf *b)
{
	for (size_t i = 0; i < cfg->attributes.n; i++) {
		strbuf_addstr(b, i == 0 ? " " : i + 1 == cfg->attributes.n ? " or " : ", ");
		strbuf_addstr(b, cfg->attributes.v[i]);
	}
}

/* verdict_found - the conclusion for key number I, in the map */
static void
verdict_found(const struct output_explain *x, size_t i)
{
	const struct output_seen *s = &x->seen[i];
	const char *key = x->keys->k[i].key.p, *src = s->source ? s->source : "?";

	switch (x->keys->k[i].step) {
	case LOOKUP_FULL:
		if (s->directory == 0 && s->statics > 0)
			put_line("=> in the map, present only via the static file %s", src);
		else
			put_line("=> in the map");
		break;
	case LOOKUP_NOEXT:
		put_line("=> in the map as %s, the address without its extension \"%s\" "
		         "(%s = %s): %s",
		         key, x->keys->ext.p, x->delimiter_from, x->params.delimiter, src);
		break;
	case LOOKUP_AT_DOMAIN:
		put_line("=> in the map as %s, every address of the domain: %s", key, src);
		break;
	}
}

/* verdict_missing - the conclusion when smtpd finds none of the keys */
static void
verdict_missing(const struct a2r_config *cfg, const struct output_explain *x)
{
	const struct lookup_keys *k = x->keys;
	struct strbuf b = {0};
	unsigned other = 0;

	for (size_t i = 0; i < k->n; i++)
		other += x->seen[i].other;
	if (other > 0) {
		put_line("=> not in the map (see above)");
		return;
	}
	/* the directory never gives @domain: only the static file may */
	strbuf_addstr(&b, "=> not in the map: no entry holds it");
	if (k->n == 3) {
		strbuf_addstr(&b, " or ");
		strbuf_addstr(&b, k->k[1].key.p);
	}
	strbuf_addstr(&b, " in");
	attr_list(cfg, &b);
	if (cfg->static_file != NULL) {
		strbuf_addstr(&b, ", and no line of the static file is it");
		if (k->n == 3) {
			strbuf_addstr(&b, ", ");
			strbuf_addstr(&b, k->k[1].key.p);
		}
		strbuf_addstr(&b, " or ");
		strbuf_addstr(&b, k->k[k->n - 1].key.p);
	}
	put_line("%s", b.p ? b.p : "=> not in the map");
	strbuf_free(&b);
}

int
output_verdict(const struct a2r_config *cfg, const struct output_explain *x)
{
	size_t hit;

	for (hit = 0; hit < x->keys->n && !x->in_map[hit]; hit++)
		;
	if (!x->relay) {
		put_line(
		    "=> not in the map for smtpd: its domain is not in relay_domains, so smtpd "
		    "does not look it up in relay_recipient_maps and answers \"Relay access "
		    "denied\" (unless Postfix takes the domain as local or virtual)");
		if (hit < x->keys->n)
			put_line("   (the map holds %s from %s: smtpd uses it only if Postfix's "
			         "relay_domains lists the domain)",
			         x->keys->k[hit].key.p,
			         x->seen[hit].source ? x->seen[hit].source : "?");
		return 1;
	}
	if (hit < x->keys->n) {
		verdict_found(x, hit);
		return 0;
	}
	verdict_missing(cfg, x);
	return 1;
}

void
output_test(const struct a2r_config *live, const struct export_report *rep, size_t addresses)
{
	put_line("dc:        %s%s", rep->uri,
	         rep->failed_dcs ? " (after earlier DCs failed; -v says why)" : "");
	if (live->domain != NULL)
		put_line("domain:    %s (%s)", live->domain, rep->disc.domain);
	put_line("dcs:       %s (%s)", live->uri.n ? live->uri.v[0] : "-", rep->disc.dcs);
	for (size_t i = 1; i < live->uri.n; i++)
		put_line("           %s", live->uri.v[i]);
	put_line("tls:       %s", rep->tls);
	if (live->bind == CONF_BIND_SIMPLE)
		put_line("bind:      simple as %s", live->binddn);
	else if (live->bind == CONF_BIND_GSSAPI)
		put_line("bind:      gssapi as %s (%s)", rep->principal ? rep->principal : "?",
		         rep->disc.bind);
	else
		put_line("bind:      %s", conf_bind_name(live->bind));
	put_line("base:      %s", rep->base);
	put_line("filter:    %s", rep->filter);
	put_line("entries:   %lu in %lu page%s (%lu continuation reference%s skipped)",
	         rep->entries, rep->pages, rep->pages == 1 ? "" : "s", rep->refs,
	         rep->refs == 1 ? "" : "s");
	put_line("addresses: %zu would be exported", addresses);
}

int
output_flush(struct a2r_err *err)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return err_set(err, A2R_ERR_WRITE, "write to standard output failed");
	return 0;
}
