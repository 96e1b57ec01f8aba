/* SPDX-License-Identifier: BSD-2-Clause */
/* state.h - the state file of incremental runs: what the installed maps
 * were made of, and where to go on from
 *
 * One text file (state_path(): state_dir, else beside the map), written
 * by us only: a head (the settings that shape the set, the DC and DirSync
 * cookie the contributions are current to, how the cookie sees deletions,
 * the time of the last full sync, optionally the DC's highestCommittedUSN
 * read before that cookie was asked for) and then one record per directory object
 * that put addresses in the map: its objectGUID, DN and folded keys.  An
 * end line with the counts proves the file complete.
 *
 * Reading: state_open() checks the whole file (and every key against the
 * address policy) before it says yes, then state_next() hands out the
 * records once, in file order; state_close().  Anything that is not a
 * complete, well-formed state of this version is "no state" (WHY says
 * what), never a partial one: the caller then does a full sync.  The file
 * must pass safefile.h's trusted rules (owner root or us, not group or
 * world writable): its keys go into the map.
 *
 * Writing: state_writer_new() makes a temp file (mode 0600) beside the
 * final path, state_write_head(), state_write_obj() per record,
 * state_writer_finish() (end line, fsync), and once the maps are
 * installed state_writer_commit() renames it into place and fsyncs the
 * directory; state_writer_free() removes a temp file not committed.  A
 * symlink or anything but a regular file at the final path is refused,
 * never followed.  Errors: A2R_ERR_WRITE, A2R_ERR_INTERNAL (memory).
 */
#ifndef A2R_STATE_H
#define A2R_STATE_H

#include <stddef.h>

#include <lber.h>

#include "conf.h"
#include "err.h"

#define STATE_GUID_LEN 16

struct state_head {
	char *shape;          /* state_shape() of the run that wrote it */
	char *dc;             /* the DC's dsServiceName */
	char *invocation;     /* its invocationId, hex */
	char *uri;            /* the URI it was read from */
	int deletions;        /* the cookie's mode reports deletions (DirSync flags 0) */
	long long full;       /* time of the last full sync (seconds since the epoch) */
	struct berval cookie; /* the DirSync cookie (malloc'd) */
	char *usn;            /* the DC's highestCommittedUSN read before the
	                       * DirSync request that gave the cookie (decimal);
	                       * NULL: unknown (a state written without it) */
};

/* One object's contribution: KEYS holds NKEYS NUL-terminated keys one
 * after the other (all of them KEYSLEN bytes).  What state_next() hands
 * out lives until the next call. */
struct state_obj {
	unsigned char guid[STATE_GUID_LEN];
	const char *dn;
	const char *keys;
	size_t keyslen;
	size_t nkeys;
};

/* state_path - the state file for CFG in a new string: STATE_DIR/NAME.state
 * or OUTPUT.state (NAME: the map's file name); NULL when out of memory */
char *state_path(const struct a2r_config *cfg);

/* state_shape - the settings of CFG that shape the recipient set (the
 * search FILTER and BASE, attributes, relay_domains, the version of
 * ad2relay), as one string (caller frees); NULL when out of memory */
char *state_shape(const struct a2r_config *cfg, const char *filter, const char *base);

struct state_reader;

/* state_open - open and check PATH: 1 with *R and H filled, 0 when there
 * is no usable state (WHY, WHYSIZE bytes, says why: missing, damaged,
 * unsafe), -1 when out of memory */
int state_open(const char *path, struct state_reader **r, struct state_head *h, char *why,
               size_t whysize, struct a2r_err *err);

/* state_next - the next record into O: 1, 0 after the last, -1 (ERR) if
 * the file changed since state_open() checked it */
int state_next(struct state_reader *r, struct state_obj *o, struct a2r_err *err);

/* state_objects - the number of records state_open() counted */
size_t state_objects(const struct state_reader *r);

void state_close(struct state_reader *r);
void state_head_free(struct state_head *h);

struct state_writer;

struct state_writer *state_writer_new(const char *path, struct a2r_err *err);
int state_write_head(struct state_writer *w, const struct state_head *h, struct a2r_err *err);
int state_write_obj(struct state_writer *w, const struct state_obj *o, struct a2r_err *err);
int state_writer_finish(struct state_writer *w, struct a2r_err *err);
int state_writer_commit(struct state_writer *w, struct a2r_err *err);
void state_writer_free(struct state_writer *w);

/* state_abort - async-signal-safe, for a handler of SIGHUP, SIGINT or
 * SIGTERM: remove the state temp file being written, if any */
void state_abort(void);

#endif
