/* SPDX-License-Identifier: BSD-2-Clause */
/* commands.h - the user-facing commands
 *
 * Each command exports the directory (or an LDIF file) through export.h,
 * does its part with the result and shows it through output.h.  main.c
 * parses the command line into struct cli, loads and finishes the
 * configuration (read-only from then on) and calls one command; a command
 * returns 0, 1 (check and explain: "differences" / "not in the map"), or
 * -1 with ERR filled.
 */
#ifndef A2R_COMMANDS_H
#define A2R_COMMANDS_H

#include "conf.h"
#include "err.h"

struct cli {
	int verbose;
	int quiet;
	int dry_run;
	int force;
	int json;
	int strict; /* dump --format virtual: a conflict is an error */
	const char *format;
	const char *from_ldif;
	char **args; /* operands after the command name */
	int nargs;
};

int cmd_sync(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err);
int cmd_dump(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err);
int cmd_check(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err);
int cmd_explain(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err);
int cmd_test(const struct cli *o, const struct a2r_config *cfg, struct a2r_err *err);

#endif
