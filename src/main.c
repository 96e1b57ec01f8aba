/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c - command line, configuration, dispatch, exit status
 *
 * Parses options (anywhere on the line), loads the configuration, runs
 * one command from commands.c and turns its result into the exit status
 * of DESIGN.md.  Modules below never print or exit.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "commands.h"
#include "conf.h"
#include "kerberos.h"
#include "mapfile.h"
#include "policy.h"
#include "pfdomains.h"
#include "postfix.h"
#include "report.h"
#include "state.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/ad2relay.conf"

struct override {
	const char *key;
	const char *value;
	char where[64];
};

/* Everything the command line says. */
struct opts {
	const char *config;
	int config_given;
	struct cli cli;
	struct override *ovr;
	size_t novr;
};

struct command {
	const char *name;
	int (*run)(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err);
	const char *synopsis;
};

static const struct command commands[] = {
    {"sync", cmd_sync, "sync [-n|--dry-run] [--force]   install the maps if changed (default)"},
    {"check", cmd_check, "check [--json]                 compare the directory with the map"},
    {"dump", cmd_dump,
     "dump [--format FORMAT]         print the recipient set: map, list, json;\n"
     "                                 for a migration csv, objects, virtual [--strict]"},
    {"explain", cmd_explain, "explain ADDRESS                where it comes from, or why not"},
    {"test", cmd_test, "test                           connect, bind, search; report"},
};

/* Number of options that are not config keys (see build_options). */
#define NFIXED 11

enum {
	OPT_FORMAT = 1000,
	OPT_FROM_LDIF,
	OPT_FORCE,
	OPT_JSON,
	OPT_STRICT,
	OPT_KEY = 2000,
	OPT_NOKEY = 3000
};

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
	            "  --from-ldif FILE    read an LDIF export instead of the directory\n"
	            "  -h, --help          this text\n"
	            "  -V, --version       print the version\n"
	            "  --KEY VALUE         override config key KEY (underscores as dashes),\n"
	            "                      e.g. --uri, --base, --relay-domains, --output;\n"
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
	    {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"from-ldif", required_argument, NULL, OPT_FROM_LDIF},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"strict", no_argument, NULL, OPT_STRICT},
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

/* one_option - apply option C; 1 = done (help, version), -1 = error */
static int
one_option(struct opts *o, int c, char **argv, struct a2r_err *err)
{
	switch (c) {
	case 'c':
		o->config = optarg;
		o->config_given = 1;
		return 0;
	case 'v':
		o->cli.verbose++;
		return 0;
	case 'q':
		o->cli.quiet = 1;
		return 0;
	case 'n':
		o->cli.dry_run = 1;
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	case 'V':
		printf("ad2relay %s\n", PACKAGE_VERSION);
		return 1;
	case OPT_FORMAT:
		o->cli.format = optarg;
		return 0;
	case OPT_FROM_LDIF:
		o->cli.from_ldif = optarg;
		return 0;
	case OPT_FORCE:
		o->cli.force = 1;
		return 0;
	case OPT_JSON:
		o->cli.json = 1;
		return 0;
	case OPT_STRICT:
		o->cli.strict = 1;
		return 0;
	case ':':
		return err_set(err, A2R_ERR_USAGE, "option %s needs a value", argv[optind - 1]);
	case '?':
		if (strncmp(argv[optind - 1], "--", 2) != 0)
			return err_set(err, A2R_ERR_USAGE, "unknown option -%c", optopt);
		/* "--help=VALUE": the name only, never the value */
		return err_set(err, A2R_ERR_USAGE, "option %.*s takes no value",
		               (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
	default:
		return add_override(o, c, optarg, err);
	}
}

/* find_long - the option named by the N bytes at NAME, exactly */
static const struct option *
find_long(const struct option *lo, const char *name, size_t n)
{
	for (; lo->name != NULL; lo++)
		if (strncmp(lo->name, name, n) == 0 && lo->name[n] == '\0')
			return lo;
	return NULL;
}

/* exact_long - refuse the abbreviations getopt_long() would take (the
 * value of "--bindpw SECRET" became a bindpw_file name, echoed in errors);
 * the message names the option only, never a value given with it */
static int
exact_long(int argc, char **argv, const struct option *lo, struct a2r_err *err)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];
		const struct option *opt;
		size_t n;

		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] != '-') { /* short options; "c" takes the rest or the next */
			const char *c = strchr(a + 1, 'c');

			i += c != NULL && c[1] == '\0';
			continue;
		}
		n = strcspn(a + 2, "=");
		if ((opt = find_long(lo, a + 2, n)) == NULL)
			return err_set(err, A2R_ERR_USAGE, "unknown option --%.*s",
			               (int)(n > 64 ? 64 : n), a + 2);
		i += opt->has_arg == required_argument && a[2 + n] == '\0';
	}
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
	rc = exact_long(argc, argv, lo, err);
	while (rc == 0 && (c = getopt_long(argc, argv, ":c:vqnhV", lo, NULL)) != -1)
		rc = one_option(o, c, argv, err);
	free_options(lo);
	o->cli.args = argv + optind;
	o->cli.nargs = argc - optind;
	return rc;
}

/* load_config - defaults, config file, then command-line overrides */
static int
load_config(struct opts *o, struct a2r_config *cfg, struct a2r_err *err)
{
	int missing;

	if (conf_init(cfg, err) < 0)
		return -1;
	if (conf_load(cfg, o->config, !o->config_given, err) < 0)
		return -1;
	/* conf_load() passes over only a default file that does not exist */
	missing = !o->config_given && cfg->file == NULL;
	for (size_t i = 0; i < o->novr; i++)
		if (conf_set(cfg, o->ovr[i].key, o->ovr[i].value, o->ovr[i].where, err) < 0)
			return -1;
	if (conf_finish(cfg, err) < 0) {
		/* Say which file was looked for: the setting may be in another. */
		if (missing)
			err_prefix(err, "%s: %s (create it, or name a config file with -c FILE)",
			           o->config, strerror(ENOENT));
		return -1;
	}
	/* relay_domains = postconf: ask Postfix now that postfix_config and
	 * postfix_path are known */
	if ((cfg->relay_sources & CONF_RELAY_POSTCONF) && pfdomains_load(cfg, err) < 0)
		return -1;
	return 0;
}

/* stdout_gone - our standard output is a pipe (or socket) whose reader
 * has gone, as in "ad2relay dump | head": writes fail with EPIPE, since
 * SIGPIPE is ignored for the sake of the LDAP sockets */
static int
stdout_gone(void)
{
	struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};

	return ferror(stdout) && poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* find_command - the command named by the first operand (default sync) */
static const struct command *
find_command(struct opts *o, struct a2r_err *err)
{
	const char *name = "sync";

	if (o->cli.nargs > 0) {
		name = o->cli.args[0];
		o->cli.args++;
		o->cli.nargs--;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	err_set(err, A2R_ERR_USAGE, "unknown command \"%s\" (try ad2relay --help)", name);
	return NULL;
}

/* The signals that stop a run, and their names for its last line. */
static const struct {
	int sig;
	const char *name;
} stop_signals[] = {{SIGHUP, "SIGHUP"}, {SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}};

/* say - write S to stderr from a signal handler */
static void
say(const char *s)
{
	ssize_t n = write(2, s, strlen(s));

	(void)n;
}

/* on_stop - a run stopped by a signal ends like a failed one: no temp
 * file left (mapfile_abort, state_abort), the old maps or the new pair
 * in place (the renames block these signals), the running Postfix command
 * told to stop;
 * then the signal's default action, so the caller sees what stopped us
 * (a shell: status 128 + N) */
static void
on_stop(int sig)
{
	const char *name = "a signal";
	int installed = mapfile_abort();

	state_abort();
	postfix_abort();
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		if (stop_signals[i].sig == sig)
			name = stop_signals[i].name;
	say("ad2relay: stopped by ");
	say(name);
	say(installed ? ": the new maps are installed; Postfix commands not run are left to "
	                "the next run\n"
	              : ": the installed maps are unchanged\n");
	signal(sig, SIG_DFL);
	raise(sig);
}

/* catch_stop_signals - on_stop() for SIGHUP, SIGINT and SIGTERM (unless
 * ignored, as nohup does for SIGHUP) */
static void
catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&sa.sa_mask, stop_signals[i].sig);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		struct sigaction was;

		if (sigaction(stop_signals[i].sig, NULL, &was) == 0 && was.sa_handler != SIG_IGN)
			sigaction(stop_signals[i].sig, &sa, NULL);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = {.config = DEFAULT_CONFIG};
	struct a2r_config cfg;
	struct a2r_err err = {0};
	const struct command *cmd = NULL;
	int rc, gone;

	/* A write past RLIMIT_FSIZE must fail with EFBIG, not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	catch_stop_signals();
	memset(&cfg, 0, sizeof(cfg));
	rc = parse_args(argc, argv, &o, &err);
	if (rc > 0) {
		free(o.ovr);
		return EX_OK;
	}
	report_open(o.cli.verbose, o.cli.quiet);
	if (rc == 0 && (cmd = find_command(&o, &err)) != NULL && load_config(&o, &cfg, &err) == 0)
		rc = cmd->run(&o.cli, &cfg, &err);
	else
		rc = -1;
	/* Like cat or grep: a reader that went away ends us by SIGPIPE,
	 * quietly, once everything else is cleaned up. */
	gone = rc < 0 && err.code == A2R_ERR_WRITE && stdout_gone();
	if (rc < 0 && !gone) {
		report_error("%s", err.msg);
		if (err.code == A2R_ERR_USAGE)
			fprintf(stderr, "usage: ad2relay [-c FILE] [-v] [-q] [COMMAND] [OPTIONS]"
			                " (ad2relay --help)\n");
	}
	conf_free(&cfg);
	kerberos_logout();
	policy_cleanup();
	report_close();
	free(o.ovr);
	if (gone) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	return rc < 0 ? err_exit_status(err.code) : rc;
}
