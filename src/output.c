/* SPDX-License-Identifier: BSD-2-Clause */
/* output.c - results on stdout and the -v summary of an export */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "output.h"
#include "policy.h"
#include "postfix.h"
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

int
output_change(void *ctx, const struct audit_change *ch)
{
	(void)ctx;
	put_line("%s", ch->line);
	return 0;
}

void
output_audit_log(const struct a2r_config *cfg, const struct audit *a)
{
	const struct strlist *l = audit_logged(a);
	size_t total = a->added + a->removed + a->changed;

	if (cfg->log_changes == 0 || total == 0)
		return;
	for (size_t i = 0; i < l->n; i++)
		report_log("%s", l->v[i]);
	report_log("%s: %zu change%s (+%zu -%zu ~%zu), %zu logged%s%s%s", cfg->output, total,
	           total == 1 ? "" : "s", a->added, a->removed, a->changed, l->n,
	           l->n < total ? " (log_changes)" : "", cfg->changes_file ? "; all in " : "",
	           cfg->changes_file ? cfg->changes_file : "");
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

/* printable - may code point CP be written as it is?  Not controls (C0,
 * DEL, C1), format characters, surrogates, private use, unassigned code
 * points, nor separators but the ASCII space (as report_escape()) */
static int
printable(UChar32 cp)
{
	return cp == ' ' || (U_GET_GC_MASK(cp) & (U_GC_C_MASK | U_GC_Z_MASK)) == 0;
}

/* json_bytes - print the LEN bytes at S as a JSON string: every control
 * character (C0, DEL, C1) and the line and paragraph separators as \uHHHH,
 * each byte of an ill-formed UTF-8 sequence as U+FFFD; 1 when there was
 * one (the string is not the value), else 0 */
static int
json_bytes(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	int32_t i = 0, n = len > INT32_MAX ? INT32_MAX : (int32_t)len;
	int lossy = 0;

	putchar('"');
	while (i < n) {
		int32_t start = i;
		UChar32 cp;

		U8_NEXT(u, i, n, cp);
		if (cp < 0) {
			/* one U+FFFD for each byte of the ill-formed sequence */
			for (; start < i; start++)
				fputs("\\ufffd", stdout);
			lossy = 1;
		} else if (cp == '"' || cp == '\\') {
			printf("\\%c", (char)cp);
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
		           cp == 0x2029) {
			printf("\\u%04x", (unsigned)cp);
		} else {
			fwrite(u + start, 1, (size_t)(i - start), stdout);
		}
	}
	putchar('"');
	return lossy;
}

/* json_string - print S as a JSON string */
static void
json_string(const char *s)
{
	(void)json_bytes(s, strlen(s));
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

/* test_relay - the relay domains applied, and what Exchange said */
static void
test_relay(const struct export_report *rep)
{
	const struct accepted_result *x = &rep->exchange;
	struct strbuf l = {0};

	for (size_t i = 0; i < rep->relay.n; i++)
		if (strbuf_addstr(&l, i ? " " : "") < 0 || strbuf_addstr(&l, rep->relay.v[i]) < 0)
			break;
	put_line("relay:     %s", l.p ? l.p : "-");
	strbuf_free(&l);
	if (x->base != NULL)
		put_line("exchange:  %lu of %lu accepted domain%s relayed, from %s (%lu external "
		         "relay, %lu outbound only, %lu unusable)",
		         x->kept, x->objects, x->objects == 1 ? "" : "s", x->base, x->external,
		         x->outbound, x->unusable);
}

/* test_scope - the scope; for the forest, the naming contexts covered */
static void
test_scope(const struct a2r_config *live, const struct export_report *rep)
{
	if (live->scope != CONF_SCOPE_FOREST) {
		put_line("scope:     domain");
		return;
	}
	put_line("scope:     forest (Global Catalog %s)", rep->uri);
	for (size_t i = 0; i < rep->nncs; i++)
		put_line("%s%s (%lu entr%s)", i ? "           " : "covered:   ",
		         rep->ncs[i].dn[0] ? rep->ncs[i].dn : "(no DC= part)", rep->ncs[i].entries,
		         rep->ncs[i].entries == 1 ? "y" : "ies");
	if (rep->nc_other > 0)
		put_line("           %lu entr%s of further naming contexts", rep->nc_other,
		         rep->nc_other == 1 ? "y" : "ies");
	if (rep->nncs == 0)
		put_line("covered:   nothing (no entry)");
}

void
output_test(const struct a2r_config *live, const struct export_report *rep, size_t addresses)
{
	put_line("dc:        %s%s", rep->uri,
	         rep->failed_dcs ? " (after earlier DCs failed; -v says why)" : "");
	if (live->domain != NULL)
		put_line("domain:    %s (%s)", live->domain, rep->disc.domain);
	if (rep->disc.site[0] != '\0')
		put_line("site:      %s", rep->disc.site);
	put_line("dcs:       %s (%s)", live->uri.n ? live->uri.v[0] : "-", rep->disc.dcs);
	for (size_t i = 1; i < live->uri.n; i++)
		put_line("           %s", live->uri.v[i]);
	put_line("tls:       %s", rep->tls);
	if (live->bind == CONF_BIND_SIMPLE)
		put_line("bind:      simple as %s", live->binddn);
	else if (live->bind == CONF_BIND_GSSAPI)
		put_line("bind:      gssapi as %s (%s)", rep->principal ? rep->principal : "?",
		         rep->disc.bind);
	else if (live->bind == CONF_BIND_EXTERNAL && live->tls_cert != NULL)
		put_line("bind:      external (client certificate %s)", live->tls_cert);
	else
		put_line("bind:      %s", conf_bind_name(live->bind));
	put_line("base:      %s", rep->base[0] ? rep->base : "\"\" (every domain of the forest)");
	test_scope(live, rep);
	put_line("filter:    %s", rep->filter);
	test_relay(rep);
	put_line("entries:   %lu in %lu page%s (%lu continuation reference%s skipped)",
	         rep->entries, rep->pages, rep->pages == 1 ? "" : "s", rep->refs,
	         rep->refs == 1 ? "" : "s");
	put_line("addresses: %zu would be exported", addresses);
}

/* dn_text - DN as one printable line in B: every byte of a character
 * that is not printable (see printable()) or of an ill-formed UTF-8
 * sequence as an RFC 4514 hex pair ("\\0A"), which names the same DN */
static int
dn_text(struct strbuf *b, const char *dn)
{
	const uint8_t *u = (const uint8_t *)dn;
	int32_t i = 0, n = (int32_t)strnlen(dn, INT32_MAX);

	b->len = 0;
	if (strbuf_addstr(b, "") < 0)
		return -1;
	while (i < n) {
		int32_t start = i;
		UChar32 cp;

		U8_NEXT(u, i, n, cp);
		if (cp >= 0 && printable(cp)) {
			if (strbuf_add(b, u + start, (size_t)(i - start)) < 0)
				return -1;
			continue;
		}
		for (; start < i; start++) {
			char hex[4];

			snprintf(hex, sizeof(hex), "\\%02X", u[start]);
			if (strbuf_add(b, hex, 3) < 0)
				return -1;
		}
	}
	return 0;
}

/* csv_field - S as an RFC 4180 field: quoted, its quotes doubled, when
 * it holds a comma, a quote or a line break */
static void
csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static const char *const kind_names[] = {
    [MIGRATE_PRIMARY] = "primary", [MIGRATE_ALIAS] = "alias", [MIGRATE_MAIL] = "mail"};

int
output_csv(const struct migrate *m, struct a2r_err *err)
{
	struct strbuf dn = {0};
	size_t n;

	(void)migrate_by_key(m, 0, &n);
	printf("address,kind,object_class,dn,original\n");
	for (size_t i = 0; i < n; i++) {
		const struct migrate_address *a = migrate_by_key(m, i, NULL);
		const struct migrate_object *o = migrate_object(m, a->object);

		if (dn_text(&dn, o->dn) < 0) {
			strbuf_free(&dn);
			return err_nomem(err);
		}
		csv_field(a->key);
		printf(",%s,%s,", kind_names[a->kind], o->object_class ? o->object_class : "");
		csv_field(dn.p);
		putchar(',');
		csv_field(a->original);
		putchar('\n');
	}
	strbuf_free(&dn);
	return 0;
}

/* base64 - print the LEN bytes at P in base64 (RFC 4648) */
static void
base64(const unsigned char *p, size_t len)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		putchar(abc[(v >> 18) & 63]);
		putchar(abc[(v >> 12) & 63]);
		putchar(i + 1 < len ? abc[(v >> 6) & 63] : '=');
		putchar(i + 2 < len ? abc[v & 63] : '=');
	}
}

/* object_addresses - the primary, aliases and original spellings of O */
static void
object_addresses(const struct migrate_object *o)
{
	size_t k = 0;

	printf(", \"primary\": ");
	if (o->primary != NULL)
		json_string(o->primary->key);
	else
		printf("null");
	printf(", \"aliases\": [");
	for (size_t i = 0; i < o->naddr; i++) {
		if (!o->addr[i].in_map || &o->addr[i] == o->primary)
			continue;
		printf("%s", k++ ? ", " : "");
		json_string(o->addr[i].key);
	}
	printf("], \"original\": {");
	k = 0;
	for (size_t i = 0; i < o->naddr; i++) {
		const struct migrate_address *a = &o->addr[i];

		if ((!a->in_map && a != o->primary) || strcmp(a->key, a->original) == 0)
			continue;
		printf("%s", k++ ? ", " : "");
		json_string(a->key);
		printf(": ");
		json_string(a->original);
	}
	printf("}");
}

/* object_rejected - the values of O that are not in the map, and why */
static void
object_rejected(const struct migrate_object *o)
{
	printf(", \"rejected\": [");
	for (size_t i = 0; i < o->nrej; i++) {
		const struct migrate_rejected *r = &o->rej[i];

		printf("%s{\"attribute\": ", i ? ", " : "");
		json_string(r->attr);
		printf(", \"value\": ");
		if (json_bytes(r->value.bv_val, r->value.bv_len)) {
			printf(", \"value_base64\": \"");
			base64((const unsigned char *)r->value.bv_val, r->value.bv_len);
			putchar('"');
		}
		printf(", \"reason\": ");
		json_string(r->reason);
		putchar('}');
	}
	putchar(']');
}

int
output_objects(const struct migrate *m, struct a2r_err *err)
{
	struct strbuf dn = {0};

	for (size_t i = 0; i < migrate_objects(m); i++) {
		const struct migrate_object *o = migrate_object(m, i);

		if (dn_text(&dn, o->dn) < 0) {
			strbuf_free(&dn);
			return err_nomem(err);
		}
		printf("{\"dn\": ");
		json_string(dn.p);
		printf(", \"object_class\": ");
		if (o->object_class != NULL)
			json_string(o->object_class);
		else
			printf("null");
		printf(", \"disabled\": %s", o->disabled ? "true" : "false");
		object_addresses(o);
		object_rejected(o);
		printf("}\n");
	}
	strbuf_free(&dn);
	return 0;
}

void
output_virtual_line(void *ctx, const char *key, const char *target)
{
	(void)ctx;
	printf("%s %s\n", key, target);
}

void
output_incremental(const char *mode)
{
	put_line("incremental: %s", mode[0] ? mode : "not tried");
}

void
output_postfix(const struct a2r_config *cfg, const struct pfdomains *pd)
{
	char *postconf = postfix_postconf_path(cfg);

	put_line("postfix:   %s (%s -xh)",
	         cfg->postfix_config ? cfg->postfix_config : "default config_directory",
	         postconf ? postconf : "postconf");
	free(postconf);
	put_line("postfix:   relay_domains = %s", pd->relay_domains);
	put_line("postfix:   parent_domain_matches_subdomains %s relay_domains",
	         pd->parent ? "has" : "lacks");
	if (pd->skipped > 0)
		put_line("postfix:   %lu pattern%s skipped: no domain name, or a .domain under "
		         "parent domain matching",
		         pd->skipped, pd->skipped == 1 ? "" : "s");
}

void
output_postfix_unchecked(const char *why)
{
	put_line("postfix:   not checked: %s", why);
}

void
output_warning(void *ctx, const char *msg)
{
	(void)ctx;
	put_line("warning:   %s", msg);
}

int
output_flush(struct a2r_err *err)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return err_set(err, A2R_ERR_WRITE, "write to standard output failed");
	return 0;
}
