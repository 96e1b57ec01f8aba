/* SPDX-License-Identifier: BSD-2-Clause */
/* ldif_source.h - entries from an LDIF file
 *
 * Reads `ldapsearch -LLL` output and Windows `ldifde` exports (which put
 * "changetype: add" on every record) with libldap's own LDIF reader
 * (ldif_read_record, ldap_parse_ldif_record): folded lines, base64
 * values and comments are handled there.  Any other change record
 * (modify, delete, modrdn) or unparsable text is an error naming the line.
 *
 * Nothing but the file itself is read: "attr:< URL" values and
 * "include:" lines, which libldap would open, are errors, and so are a
 * NUL byte and a read error.  Records that crash libldap's parser (a "-"
 * line or a line with no attribute name in an add record) are screened
 * out first as malformed.
 *
 * Call order: ldif_source_open(), ldif_source_next() until it returns
 * ENTRY_DONE or ENTRY_FAIL, ldif_source_close().  Errors are
 * A2R_ERR_SOURCE with "FILE:LINE: ..." messages.
 */
#ifndef A2R_LDIF_SOURCE_H
#define A2R_LDIF_SOURCE_H

#include "entry.h"
#include "err.h"

struct ldif_source;

/* ldif_source_open - open PATH; returns NULL and fills ERR on failure */
struct ldif_source *ldif_source_open(const char *path, struct a2r_err *err);

/* ldif_source_next - the next entry; see entry.h for the three states */
enum entry_state ldif_source_next(struct ldif_source *src, struct a2r_entry *entry,
                                  struct a2r_err *err);

/* ldif_source_close - release everything; SRC may be NULL */
void ldif_source_close(struct ldif_source *src);

#endif
