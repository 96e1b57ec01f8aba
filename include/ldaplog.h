/* SPDX-License-Identifier: BSD-2-Clause */
/* ldaplog.h - what libldap says only in its log or on stderr, caught
 *
 * libldap explains some failures nowhere but in its debug log: why a TLS
 * handshake failed ("TLS: peer cert untrusted or revoked", "TLS: hostname
 * ... does not match ..."), the socket error of a failed TCP connect, the
 * LDIF reader's syntax errors; and its LDIF record parser writes straight
 * to stderr.  This module installs liblber's log print function, keeps
 * those lines in memory and hands them out, so that they become part of
 * ad2relay's one error message instead of stray lines on stderr.
 *
 * The log print function and the debug level are process-wide and there
 * is one record of each cause: one connection or one LDIF file at a time.
 *
 * A connection: ldaplog_catch_connect() before ldap_initialize() (forgets
 * earlier causes, turns the trace level on), ldaplog_quiet() once the TLS
 * handshake is over (the trace level costs time per message); after a
 * failure ldaplog_tls_cause() and ldaplog_socket_error().
 *
 * An LDIF file: ldaplog_catch_ldif() before ldif_open(); per record
 * ldaplog_ldif_clear() before reading it and ldaplog_parse_ldif_record()
 * to parse it; after a failure ldaplog_ldif_cause().
 *
 * The strings returned are "" when nothing was caught, and stay valid
 * until the next call of this module.
 */
#ifndef A2R_LDAPLOG_H
#define A2R_LDAPLOG_H

#include <ldap.h>
#include <ldif.h>

/* ldaplog_catch_connect - catch the TLS cause and the socket error of the
 * connection about to be made */
void ldaplog_catch_connect(void);

/* ldaplog_quiet - back to the log level that costs nothing per message */
void ldaplog_quiet(void);

/* ldaplog_tls_cause - the first "TLS..." line libldap logged, without the
 * trailing newline */
const char *ldaplog_tls_cause(void);

/* ldaplog_socket_error - the strerror text of a failed TCP connect
 * ("Connection refused"): libldap's later shutdown() clobbers errno */
const char *ldaplog_socket_error(void);

/* ldaplog_catch_ldif - catch what the LDIF reader logs */
void ldaplog_catch_ldif(void);

/* ldaplog_ldif_clear - forget the LDIF cause caught so far */
void ldaplog_ldif_clear(void);

/* ldaplog_ldif_cause - the last LDIF syntax error libldap gave */
const char *ldaplog_ldif_cause(void);

/* ldaplog_parse_ldif_record - ldap_parse_ldif_record(RBUF, LINE, LR,
 * FLAGS) with what it writes to stderr caught as the LDIF cause; its
 * return value */
int ldaplog_parse_ldif_record(struct berval *rbuf, unsigned long line, LDIFRecord *lr,
                              unsigned flags);

#endif
