/* SPDX-License-Identifier: BSD-2-Clause */
/* mapfile.h - render the recipient set as Postfix maps and install them
 *
 * mapfile_install() renders the text map ("key value\n" per key, in the
 * set's order) and, if asked,
 * the cdb (keys and values without a trailing NUL, as postmap writes
 * them), compares each with the installed file and replaces only what
 * changed (when the text map changed, the cdb must have too and is built
 * straight into its temp file; else it is built in an unmapped memory
 * file and compared): both new files are written completely to mkstemp()
 * files in the target directory with the old file's mode and owner (0644
 * for a new file), and fsync()ed, before the text map and then the cdb
 * are renamed into place and the directory is fsync()ed.  On any error the
 * temp files are removed and the installed files are untouched.
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

/* mapfile_install - install OUTPUT (and OUTPUT.cdb if WITH_CDB) */
int mapfile_install(const char *output, int with_cdb, const struct recipset *set,
		    const char *defval, struct mapfile_result *res, struct a2r_err *err);

/* mapfile_same_text - is the text map at PATH byte for byte what
 * mapfile_install() would write for the sorted SET?  1 yes, 0 no (or no
 * such file), -1 on a read error (errno) */
int mapfile_same_text(const char *path, const struct recipset *set, const char *defval);

/* mapfile_clean_stale - remove the temp files that a run killed during
 * install left beside OUTPUT ("OUTPUT.tmp.XXXXXX", "OUTPUT.cdb.tmp.XXXXXX").
 * Call only while holding the lock.  Returns the number removed. */
unsigned mapfile_clean_stale(const char *output);

#endif
