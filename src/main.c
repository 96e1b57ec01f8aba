/* main.c - command line, commands, exit status
 *
 * The only place that prints results and picks the exit status; every
 * module below returns a status and fills a struct a2r_err.
 */
#include "autoconf.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "collect.h"
#include "conf.h"
#include "ldif_source.h"
#include "mapfile.h"
#include "policy.h"
#include "report.h"
#include "search.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/ad2relay.conf"

/* Exit status for each error class (DESIGN.md, "Exit status"). */
static const int exit_codes[] = {
	[A2R_OK] = EX_OK,
	[A2R_ERR_USAGE] = EX_USAGE,
	[A2R_ERR_CONFIG] = EX_CONFIG,
	[A2R_ERR_SOURCE] = EX_UNAVAILABLE,
	[A2R_ERR_AUTH] = EX_NOPERM,
	[A2R_ERR_WRITE] = EX_CANTCREAT,
	[A2R_ERR_GUARD] = EX_DATAERR,
	[A2R_ERR_ACTION] = EX_OSERR,
	[A2R_ERR_LOCK] = EX_TEMPFAIL,
	[A2R_ERR_INTERNAL] = EX_SOFTWARE,
};

struct override {
	const char *key;
	const char *value;
	char where[64];
};

struct opts {
	const char *config;
	int config_given;
	int verbose;
	int quiet;
	const char *format;
	const char *from_ldif;
	char **args; /* command and its operands */
	int nargs;
	struct override *ovr;
	size_t novr;
};

struct command {
	const char *name;
	int (*run)(struct opts *o, struct a2r_config *cfg, struct a2r_err *err);
	const char *synopsis;
};

static int cmd_sync(struct opts *o, struct a2r_config *cfg, struct a2r_err *err);
static int cmd_dump(struct opts *o, struct a2r_config *cfg, struct a2r_err *err);
static int cmd_test(struct opts *o, struct a2r_config *cfg, struct a2r_err *err);

static const struct command commands[] = {
	{"sync", cmd_sync, "sync [--from-ldif FILE]    export and install the maps if changed"},
	{"dump", cmd_dump, "dump [--from-ldif FILE] [--format map|list|json]   print the set"},
	{"test", cmd_test, "test                       connect, bind, search; report DC and counts"},
};

/* Number of options that are not config keys (see build_options). */
#define NFIXED 7

enum { OPT_FORMAT = 1000, OPT_FROM_LDIF, OPT_KEY = 2000, OPT_NOKEY = 3000 };

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: ad2relay [-c FILE] [-v] [-q] [COMMAND] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %s\n", commands[i].synopsis);
	fprintf(fp, "\noptions:\n"
		    "  -c, --config FILE   configuration file (default " DEFAULT_CONFIG ")\n"
		    "  -v, --verbose       more detail on stderr\n"
		    "  -q, --quiet         no warnings on stderr\n"
		    "  -h, --help          this text\n"
		    "  -V, --version       print the version\n"
		    "  --KEY VALUE         override config key KEY (underscores as dashes),\n"
		    "                      e.g. --relay-domains, --output, --static, --value;\n"
		    "                      --KEY / --no-KEY for yes/no keys (--exclude-disabled)\n"
		    "See ad2relay(8) and ad2relay.conf(5).\n");
}

/* option_name - "relay_domains" -> "relay-domains" (with a "no-" prefix) */
static char *
option_name(const char *key, int negate)
{
	char *name;

	if (asprintf(&name, "%s%s", negate ? "no-" : "", key) < 0)
		return NULL;
	for (char *p = name; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	return name;
}

/* build_options - fixed options plus one (or two) per config key */
static struct option *
build_options(void)
{
	static const struct option fixed[] = {
		{"config", required_argument, NULL, 'c'}, {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {"format", required_argument, NULL, OPT_FORMAT},
		{"from-ldif", required_argument, NULL, OPT_FROM_LDIF},
	};
	size_t nkeys = conf_key_count(), n = NFIXED;
	struct option *lo = calloc(NFIXED + 2 * nkeys + 1, sizeof(*lo));

	_Static_assert(sizeof(fixed) / sizeof(fixed[0]) == NFIXED, "NFIXED");
	if (lo == NULL)
		return NULL;
	memcpy(lo, fixed, sizeof(fixed));
	for (size_t i = 0; i < nkeys; i++) {
		int flag = conf_key_is_flag(i);

		lo[n].name = option_name(conf_key_name(i), 0);
		lo[n].has_arg = flag ? no_argument : required_argument;
		lo[n++].val = OPT_KEY + (int)i;
		if (flag) {
			lo[n].name = option_name(conf_key_name(i), 1);
			lo[n++].val = OPT_NOKEY + (int)i;
		}
	}
	return lo;
}

static void
free_options(struct option *lo)
{
	for (size_t i = NFIXED; lo != NULL && lo[i].name != NULL; i++)
		free((char *)lo[i].name);
	free(lo);
}

/* add_override - remember --KEY VALUE until the config file is read */
static int
add_override(struct opts *o, int code, const char *arg, struct a2r_err *err)
{
	int neg = code >= OPT_NOKEY;
	size_t i = (size_t)(code - (neg ? OPT_NOKEY : OPT_KEY));
	struct override *v = realloc(o->ovr, (o->novr + 1) * sizeof(*v));

	if (v == NULL)
		return err_nomem(err);
	o->ovr = v;
	v = &o->ovr[o->novr++];
	v->key = conf_key_name(i);
	v->value = conf_key_is_flag(i) ? (neg ? "no" : "yes") : arg;
	snprintf(v->where, sizeof(v->where), "--%s%s", neg ? "no-" : "", v->key);
	for (char *p = v->where; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	return 0;
}

/* parse_args - options anywhere (GNU getopt permutes), then the command */
static int
parse_args(int argc, char **argv, struct opts *o, struct a2r_err *err)
{
	struct option *lo = build_options();
	int c, rc = 0;

	if (lo == NULL)
		return err_nomem(err);
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":c:vqhV", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			o->config_given = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			rc = 1;
			break;
		case 'V':
			printf("ad2relay %s\n", PACKAGE_VERSION);
			rc = 1;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_FROM_LDIF:
			o->from_ldif = optarg;
			break;
		case ':':
			rc = err_set(err, A2R_ERR_USAGE, "option %s needs a value", argv[optind - 1]);
			break;
		case '?':
			rc = err_set(err, A2R_ERR_USAGE, "unknown option %s", argv[optind - 1]);
			break;
		default:
			rc = add_override(o, c, optarg, err);
		}
	}
	free_options(lo);
	o->args = argv + optind;
	o->nargs = argc - optind;
	return rc;
}

/* load_config - defaults, config file, then command-line overrides */
static int
load_config(struct opts *o, struct a2r_config *cfg, struct a2r_err *err)
{
	if (conf_init(cfg, err) < 0)
		return -1;
	if (conf_load(cfg, o->config, !o->config_given, err) < 0)
		return -1;
	for (size_t i = 0; i < o->novr; i++)
		if (conf_set(cfg, o->ovr[i].key, o->ovr[i].value, o->ovr[i].where, err) < 0)
			return -1;
	return conf_finish(cfg, err);
}

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
summarize(const char *from, const struct collect *c)
{
	const struct collect_stats *st = &c->stats;
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
		    from, st->entries, recipset_size(c->set), st->other_total, types,
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

/* export - build the sorted recipient set from the configured source;
 * REP (may be NULL) describes a live directory read */
static int
export(struct opts *o, struct a2r_config *cfg, struct collect *c, struct search_report *rep,
       struct a2r_err *err)
{
	struct search_report own = {0};
	char from[600];
	int rc = -1;

	if (rep == NULL)
		rep = &own;
	if (collect_init(c, cfg, report_collect_warning, NULL, err) < 0)
		return -1;
	if (o->from_ldif != NULL) {
		if (read_ldif(o->from_ldif, c, err) < 0)
			goto out;
		snprintf(from, sizeof(from), "%s", o->from_ldif);
	} else {
		if (cfg->uri.n > 0 && o->verbose) {
			char *f = search_filter(cfg);

			report_info("filter: %s", f ? f : "?");
			free(f);
		}
		if (search_export(cfg, c, rep, note_dc, NULL, err) < 0)
			goto out;
		snprintf(from, sizeof(from), "%s (base %s, %s, %lu pages, %lu references skipped)",
			 rep->uri, rep->base, rep->tls, rep->pages, rep->refs);
	}
	if (collect_static(c, err) < 0)
		goto out;
	recipset_sort(c->set);
	summarize(from, c);
	rc = 0;
out:
	search_report_free(&own);
	return rc;
}

/* cmd_test - connect, bind and search; say what was used and found */
static int
cmd_test(struct opts *o, struct a2r_config *cfg, struct a2r_err *err)
{
	struct collect c = {0};
	struct search_report rep = {0};
	int rc = -1;

	if (o->from_ldif != NULL || o->format != NULL) {
		err_set(err, A2R_ERR_USAGE, "test reads the live directory: no --from-ldif, --format");
		goto out;
	}
	if (export(o, cfg, &c, &rep, err) < 0)
		goto out;
	printf("dc:        %s%s\n", rep.uri,
	       rep.failed_dcs ? " (after earlier DCs failed; -v says why)" : "");
	printf("tls:       %s\n", rep.tls);
	if (cfg->bind == CONF_BIND_SIMPLE)
		printf("bind:      simple as %s\n", cfg->binddn);
	else
		printf("bind:      %s\n", conf_bind_name(cfg->bind));
	printf("base:      %s\n", rep.base);
	printf("filter:    %s\n", rep.filter);
	printf("entries:   %lu in %lu pages (%lu continuation references skipped)\n", rep.entries,
	       rep.pages, rep.refs);
	printf("addresses: %zu would be exported\n", recipset_size(c.set));
	rc = 0;
out:
	search_report_free(&rep);
	collect_free(&c);
	return rc;
}

static int
cmd_sync(struct opts *o, struct a2r_config *cfg, struct a2r_err *err)
{
	struct collect c = {0};
	struct mapfile_result res;
	int rc = -1;

	if (o->format != NULL) {
		err_set(err, A2R_ERR_USAGE, "--format applies to dump only");
		goto out;
	}
	if (export(o, cfg, &c, NULL, err) < 0)
		goto out;
	if (mapfile_install(cfg->output, cfg->cdb, c.set, cfg->value, &res, err) < 0) {
		err_prefix(err, "install %s", cfg->output);
		goto out;
	}
	if (res.text_changed || res.cdb_changed)
		report_info("installed %s%s (%zu addresses)", cfg->output,
			    cfg->cdb ? " and its .cdb" : "", recipset_size(c.set));
	else
		report_info("%s is up to date (%zu addresses)", cfg->output, recipset_size(c.set));
	rc = 0;
out:
	collect_free(&c);
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

static int
cmd_dump(struct opts *o, struct a2r_config *cfg, struct a2r_err *err)
{
	static const char *const formats[] = {"map", "list", "json"};
	struct collect c = {0};
	int format = 0, rc = -1;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(o->format ? o->format : "map", formats[i]) == 0)
			format = formats[i][0];
	if (format == 0) {
		err_set(err, A2R_ERR_USAGE, "--format %s: use map, list or json", o->format);
		goto out;
	}
	if (export(o, cfg, &c, NULL, err) < 0)
		goto out;
	print_set(c.set, cfg->value, format);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		err_set(err, A2R_ERR_WRITE, "write to standard output failed");
		goto out;
	}
	rc = 0;
out:
	collect_free(&c);
	return rc;
}

/* find_command - the command named by the first operand (default sync) */
static const struct command *
find_command(struct opts *o, struct a2r_err *err)
{
	const char *name = o->nargs > 0 ? o->args[0] : "sync";

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0) {
			if (o->nargs > 1) {
				err_set(err, A2R_ERR_USAGE, "%s: unexpected argument \"%s\"", name,
					o->args[1]);
				return NULL;
			}
			return &commands[i];
		}
	err_set(err, A2R_ERR_USAGE, "unknown command \"%s\" (try ad2relay --help)", name);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct opts o = {.config = DEFAULT_CONFIG};
	struct a2r_config cfg;
	struct a2r_err err = {0};
	const struct command *cmd = NULL;
	int rc;

	/* A write past RLIMIT_FSIZE must fail with EFBIG, not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	memset(&cfg, 0, sizeof(cfg));
	rc = parse_args(argc, argv, &o, &err);
	if (rc > 0) {
		free(o.ovr);
		return EX_OK;
	}
	report_open(o.verbose, o.quiet);
	if (rc == 0 && (cmd = find_command(&o, &err)) != NULL && load_config(&o, &cfg, &err) == 0)
		rc = cmd->run(&o, &cfg, &err);
	else
		rc = -1;
	if (rc < 0) {
		report_error("%s", err.msg);
		if (err.code == A2R_ERR_USAGE)
			fprintf(stderr, "usage: ad2relay [-c FILE] [-v] [-q] [COMMAND] [OPTIONS]"
					" (ad2relay --help)\n");
	}
	conf_free(&cfg);
	policy_cleanup();
	report_close();
	free(o.ovr);
	return rc < 0 ? exit_codes[err.code] : EX_OK;
}
