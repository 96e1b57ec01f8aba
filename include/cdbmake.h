/* SPDX-License-Identifier: BSD-2-Clause */
/* cdbmake.h - write a recipient set as a cdb file
 *
 * The file is the one `postmap cdb:` would write from the text map, byte
 * for byte: the constant database format (2048-byte header of 256 table
 * positions and lengths, then the records as key length, value length,
 * key, value, then the 256 hash tables of twice as many slots as they
 * have records, each record in the slot its hash picks or the next free
 * one, in the order the records were written).  Keys and values have no
 * trailing NUL.  All numbers are 32-bit little-endian, so the file is
 * smaller than 4 GiB or it is not written.
 *
 * Unlike a general cdb writer, this one knows every record before it
 * starts: it keeps 8 bytes per record (the table slot's hash and
 * position) instead of lists, and writes in large pieces.
 */
#ifndef A2R_CDBMAKE_H
#define A2R_CDBMAKE_H

#include "recipset.h"

/* cdbmake_write - write the cdb of the sorted SET to FD, from its current
 * position (which must be its start); a key without a value of its own
 * gets DEFVAL.  0, or -1 with errno set (EFBIG: over 4 GiB). */
int cdbmake_write(int fd, const struct recipset *set, const char *defval);

#endif
