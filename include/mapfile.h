/* SPDX-License-Identifier: BSD-2-Clause */
/* mapfile.h - render the recipient set as Postfix maps and install them
 *
 * mapfile_install() renders the text map ("key value\n" per key, in the
 * set's order) and, if asked, the cdb (mapread_write_cdb(): TinyCDB's
 * cdb_make, keys and values without a trailing NUL, as postmap writes
 * them), compares each with the installed file unless the caller already
 * knows (struct mapfile_known), and replaces only what changed (when the
 * text map changed, the cdb must have too and is built straight into its
 * temp file; else, unless known, it is built in an unmapped memory file
 * and compared): both new files are written completely to mkstemp()
 * files in the target directory, owned by us with the group and the
 * permission bits (never setuid, setgid or sticky) of the regular file
 * they replace (0644 for a new file), and fsync()ed, before the text map
 * and then the cdb are renamed into place and the directory is fsync()ed.
 * A symlink, FIFO or anything but a regular file at either path is an
 * error: never followed, never waited on, never replaced.  On any error
 * the temp files are removed and the installed files are untouched.
 * SIGHUP, SIGINT and SIGTERM are blocked for the moments a temp file name
 * is made or removed and across the two renames; a handler for them calls
 * mapfile_abort() to remove the temp files of an install in progress.
 * Nothing at all is written when neither file changed.
 *
 * The set must be sorted.  Errors are A2R_ERR_WRITE (or
 * A2R_ERR_INTERNAL when out of memory).
 */
#ifndef A2R_MAPFILE_H
#define A2R_MAPFILE_H

#include "err.h"
#include "recipset.h"
#include "util.h"

struct mapfile_result {
	int text_changed;
	int cdb_changed;
};

/* mapfile_cdb_path - "OUTPUT.cdb" in a new string (caller frees), or NULL */
char *mapfile_cdb_path(const char *output);

/* What the caller found reading the installed files (plan_maps()): for
 * each, 1 it is byte for byte what would be written, 0 it is not, -1 not
 * known (then mapfile_install() compares it itself). */
struct mapfile_known {
	int text_same;
	int cdb_same;
};

/* mapfile_install - install OUTPUT (and OUTPUT.cdb if WITH_CDB); KNOWN
 * may be NULL (nothing known) */
int mapfile_install(const char *output, int with_cdb, const struct recipset *set,
                    const char *defval, const struct mapfile_known *known,
                    struct mapfile_result *res, struct a2r_err *err);

/* A file written beside the maps when either of them changes (audit.h:
 * OUTPUT.origins), with the same discipline: FILL (0, or -1 with errno)
 * writes it into its temp file, which is fsync()ed with theirs and
 * renamed into place just before them.  BEFORE_RENAME, if not NULL, runs
 * when every temp file is on disk and before any rename (the changes
 * file); when it fails, nothing is renamed. */
struct mapfile_side {
	const char *path;
	int (*fill)(int fd, void *ctx);
	int (*before_rename)(void *ctx, struct a2r_err *err);
	void *ctx;
};

/* mapfile_install_with - mapfile_install(), and SIDE (may be NULL) */
int mapfile_install_with(const char *output, int with_cdb, const struct recipset *set,
                         const char *defval, const struct mapfile_known *known,
                         const struct mapfile_side *side, struct mapfile_result *res,
                         struct a2r_err *err);

/* mapfile_origins_path - "OUTPUT.origins" in a new string (caller frees) */
char *mapfile_origins_path(const char *output);

/* mapfile_abort - async-signal-safe, for a handler of SIGHUP, SIGINT or
 * SIGTERM: unlink the temp files of the mapfile_install() in progress,
 * if any.  Returns 1 if this process has renamed a new map into place. */
int mapfile_abort(void);

/* mapfile_clean_stale - remove the temp files that a run killed during
 * install left beside OUTPUT ("OUTPUT.tmp.XXXXXX", "OUTPUT.cdb.tmp.XXXXXX",
 * "OUTPUT.origins.tmp.XXXXXX").
 * Call only while holding the lock.  Returns the number removed. */
unsigned mapfile_clean_stale(const char *output);

#endif
