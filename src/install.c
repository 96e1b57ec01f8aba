/* SPDX-License-Identifier: BSD-2-Clause */
/* install.c - a new recipient set into place, then the Postfix commands */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "install.h"
#include "mapfile.h"
#include "postfix.h"

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

int
install_run(const struct a2r_config *cfg, const struct recipset *set, unsigned flags,
            struct audit *audit, struct plan *p, struct install_result *res, struct a2r_err *err)
{
	struct mapfile_side side;
	const struct mapfile_side *with = audit ? audit_side(audit, &side) : NULL;
	struct mapfile_result mr;
	char *cdb_path = NULL;
	int force = (flags & INSTALL_FORCE) != 0, had, rc = -1;

	res->planned = res->changed = res->reran = 0;
	/* The guards also count the cdb Postfix reads (not needed with --force,
	 * which also lets a damaged cdb be replaced). */
	if (cfg->cdb && !force && (cdb_path = mapfile_cdb_path(cfg->output)) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (plan_maps(PLAN_SYNC, cfg->output, cdb_path, set, cfg->value, p,
	              audit ? audit_note : NULL, audit, err) < 0) {
		err_prefix(err, "installed map");
		goto out;
	}
	res->planned = 1;
	if (plan_guard(cfg, p, set, force, err) < 0)
		goto out;
	if (flags & INSTALL_DRY_RUN) {
		rc = 0;
		goto out;
	}
	/* The marker goes down before the renames and comes off when the
	 * actions are done (or nothing changed): a run stopped in between (a
	 * signal, SIGKILL, a crash) leaves the actions to the next run. */
	if (!(had = pending_actions(cfg, 0)))
		pending_actions(cfg, 1);
	if (mapfile_install_with(cfg->output, cfg->cdb, set, cfg->value,
	                         &(struct mapfile_known){p->text_same, p->cdb_same}, with, &mr,
	                         err) < 0) {
		err_prefix(err, "install %s", cfg->output);
		if (!had)
			pending_actions(cfg, -1);
		goto out;
	}
	res->changed = mr.text_changed || mr.cdb_changed;
	res->reran = had && !res->changed;
	/* an origins file left from when the audit was on would name the
	 * entries of another map */
	if (res->changed && audit != NULL && with == NULL)
		audit_drop_origins(audit);
	if (res->changed || had)
		rc = run_actions(cfg, err);
	else
		rc = pending_actions(cfg, -1);
out:
	free(cdb_path);
	return rc;
}
