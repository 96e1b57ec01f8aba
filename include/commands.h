/* SPDX-License-Identifier: BSD-2-Clause */
/* commands.h - the user-facing commands
 *
 * With main.c, the only code that prints results: each command exports
 * the directory (or an LDIF file) through the modules and presents what
 * they return.  main.c parses the command line into struct cli, loads
 * the configuration and calls one command; a command returns 0, 1 (check
 * and explain: "differences" / "not in the map"), or -1 with ERR filled.
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
	const char *format;
	const char *from_ldif;
	char **args; /* operands after the command name */
	int nargs;
};

int cmd_sync(struct cli *o, struct a2r_config *cfg, struct a2r_err *err);
int cmd_dump(struct cli *o, struct a2r_config *cfg, struct a2r_err *err);
int cmd_check(struct cli *o, struct a2r_config *cfg, struct a2r_err *err);
int cmd_explain(struct cli *o, struct a2r_config *cfg, struct a2r_err *err);
int cmd_test(struct cli *o, struct a2r_config *cfg, struct a2r_err *err);

#endif
