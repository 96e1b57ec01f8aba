/* SPDX-License-Identifier: BSD-2-Clause */
/* mapread.h - read an installed map, text or cdb, one record at a time;
 * write a cdb (the one cdb codec: TinyCDB, both ways)
 *
 * mapread_open() opens the map PATH as the kind given, mapread_next()
 * gives its records in file order, mapread_close() ends (the sequence of
 * Postfix's dict layer).  Any path is opened as safefile_open() does: a
 * regular file only, never through a symlink, never waiting on a FIFO.
 *
 * A text map is "key value" lines (the key ends at the first blank; blank
 * lines, # comments and continuation lines hold no record).  A cdb is read
 * with TinyCDB (cdb_init(), cdb_seqnext()): its records in the order they
 * were written, as postmap and mapfile_install() write them, keys and
 * values without a trailing NUL.
 *
 * Records point into the reader's buffer (or the cdb's mapping): valid
 * until the next call.  Errors are A2R_ERR_WRITE ("read PATH: ..."), or
 * A2R_ERR_INTERNAL when out of memory.
 */
#ifndef A2R_MAPREAD_H
#define A2R_MAPREAD_H

#include <sys/types.h>

#include "err.h"
#include "recipset.h"

enum mapread_kind { MAPREAD_TEXT, MAPREAD_CDB };

struct mapread;

struct mapread_rec {
	const char *key, *val;
	size_t klen, vlen;
	/* text: the record's whole line, its newline included if it has one,
	 * and the bytes of record-less lines (comments ...) just before it */
	const char *line;
	size_t linelen, gap;
};

/* mapread_open - open the map PATH: 1 and *MR, 0 if there is no such
 * file (*MR = NULL), -1 with ERR set (a cdb TinyCDB cannot open: "not a
 * cdb file") */
int mapread_open(struct mapread **mr, const char *path, enum mapread_kind kind,
                 struct a2r_err *err);

/* mapread_next - the next record into *REC: 1, 0 at the end, -1 with ERR
 * set (a read error; a cdb record reaching past the data: "damaged cdb
 * record") */
int mapread_next(struct mapread *mr, struct mapread_rec *rec, struct a2r_err *err);

/* mapread_close - end reading (MR may be NULL) */
void mapread_close(struct mapread *mr);

/* mapread_size - the size of the open file */
off_t mapread_size(const struct mapread *mr);

/* mapread_verify - before the first mapread_next() of a cdb: look every
 * record up too, for mapread_cdb_sound() */
void mapread_verify(struct mapread *mr);

/* mapread_cdb_sound - for a cdb read to its end under mapread_verify():
 * 1 if its size is exactly what its records imply (a 2048-byte header,
 * the records up to where the first hash table begins, and hash tables
 * of two slots per record, nothing else) and TinyCDB's lookup of every
 * record's key found that record first; else 0 */
int mapread_cdb_sound(const struct mapread *mr);

/* mapread_same_file - is the open file byte for byte the SIZE bytes of FD
 * (read from its start)?  1 yes, 0 no, -1 with ERR set */
int mapread_same_file(struct mapread *mr, int fd, off_t size, struct a2r_err *err);

/* mapread_lookup - a cdb's value of KEY through its hash tables (as
 * Postfix looks it up): 1 and *VAL, *VLEN; 0 not found; -1 damaged */
int mapread_lookup(struct mapread *mr, const char *key, size_t klen, const char **val,
                   size_t *vlen);

/* mapread_load - every record of the map PATH into a new sorted set
 * (*OUT, the caller frees it, also on error); a missing file is an empty
 * set and *EXISTS = 0.  A record without a value gets "".  With SOUND (a
 * cdb), *SOUND gets mapread_cdb_sound(). */
int mapread_load(const char *path, enum mapread_kind kind, struct recipset **out, int *exists,
                 int *sound, struct a2r_err *err);

/* mapread_write_cdb - write the cdb of the sorted SET to FD (at its
 * start) with TinyCDB's cdb_make, as `postmap cdb:` writes it from the
 * text map, byte for byte; a key without a value gets DEFVAL.  0, or -1
 * with errno set. */
int mapread_write_cdb(int fd, const struct recipset *set, const char *defval);

/* mapread_cdb_of - the cdb of SET in a new anonymous memory file: its
 * descriptor and *SIZE, or -1 with ERR set */
int mapread_cdb_of(const struct recipset *set, const char *defval, off_t *size,
                   struct a2r_err *err);

#endif
