/* SPDX-License-Identifier: BSD-2-Clause */
/* session.h - one connection to one domain controller
 *
 * session_open() connects to one URI, secures it (ldaps:// or StartTLS,
 * certificate and host name verified, unless tls = none), binds as
 * configured and finds the search base (configured, else the rootDSE's
 * defaultNamingContext, else its first namingContexts).  Every step, and
 * every later operation the caller brackets with session_arm() /
 * session_disarm(), is bounded by the configured timeout and by the end
 * of the whole run (run_timeout): a watchdog (deadline.h) shuts the
 * socket down when a DC stops answering or the run is over, because
 * libldap alone waits for ever inside a TLS handshake.  A message longer
 * than SESSION_MAX_MESSAGE is refused: ldap_result() fails with errno
 * ERANGE.  The secret files are read as safefile.h says; what libldap
 * says only in its log becomes part of the messages (ldaplog.h).
 *
 * Call order: session_prepare() once (before trying any DC), then
 * per DC session_open(), session_ldap()/session_arm()/session_disarm()
 * while searching (session_page() per search page, session_touch() per
 * message), session_close().  Strings returned by session_base()
 * and session_tls() live as long as the session.
 *
 * Errors: A2R_ERR_AUTH when the DC refused our credentials (all DCs share
 * them: do not fail over), A2R_ERR_CONFIG for an unusable secret file,
 * A2R_ERR_SOURCE for everything that another DC might not have.
 */
#ifndef A2R_SESSION_H
#define A2R_SESSION_H

#include <time.h>

#include <ldap.h>

#include "conf.h"
#include "err.h"

struct session;

/* The largest LDAP message taken from a DC.  AD hands out at most 1500
 * values of an attribute per message (range retrieval), about 2 MiB of
 * proxyAddresses; a longer length prefix (a hostile or broken DC) is
 * refused at once instead of being allocated and waited for. */
#define SESSION_MAX_MESSAGE (16u << 20)

/* session_prepare - what the bind needs, once for all DCs: a simple
 * bind's bindpw_file must exist, be owner-only and hold a non-empty
 * password (else A2R_ERR_CONFIG); a GSSAPI bind gets its ticket from the
 * keytab (see kerberos.h; *WHO gets the principal, caller frees).
 * Returns 0 or -1. */
int session_prepare(const struct a2r_config *cfg, char **who, struct a2r_err *err);

/* session_open - connect, secure, bind, find the base; NULL on failure.
 * UNTIL (CLOCK_MONOTONIC) is the end of the run: no operation of the
 * session outlasts it, whatever session_arm() and session_touch() say. */
struct session *session_open(const struct a2r_config *cfg, const char *uri,
                             const struct timespec *until, struct a2r_err *err);

LDAP *session_ldap(struct session *s);
const char *session_base(const struct session *s);
const char *session_tls(const struct session *s); /* "ldaps", "StartTLS", "none", "ldapi" */

/* session_arm - start the clock for one operation: after the timeout the
 * connection is shut down and the operation fails */
void session_arm(struct session *s);
void session_disarm(struct session *s);

/* session_page - a search page of about ENTRIES entries was asked for;
 * call it before waiting for the first message.  Until they are in, the
 * session lets the page's data gather in the socket before each wait:
 * if nothing is buffered, it sleeps until 64 bytes per entry still to
 * come (at most 256 KiB) have arrived or 4 ms have passed, whichever is
 * first, so that the messages are read in a few large pieces instead of
 * one wake-up per TCP segment.  Only on TCP; nothing when less than
 * 4 KiB are due. */
void session_page(struct session *s, size_t entries);

/* session_touch - the armed operation made progress (a message came and
 * was handled; the next is awaited): the timeout counts from now, and one
 * entry less of the page is to come.  Cheap enough for every message. */
void session_touch(struct session *s);

/* session_timed_out - 1 if the watchdog cut the connection */
int session_timed_out(struct session *s);

/* session_run_timeout - 0 while UNTIL (CLOCK_MONOTONIC) lies ahead; once
 * it has passed, -1 with "WHAT: not complete within N s (run_timeout)"
 * in ERR (A2R_ERR_SOURCE).  One clock read: call it per page or per
 * request, not per entry. */
int session_run_timeout(const struct a2r_config *cfg, const struct timespec *until,
                        const char *what, struct a2r_err *err);

/* session_ldap_error - fill ERR with "WHAT: error text (server diagnostic)"
 * for the LDAP result code RC, as A2R_ERR_SOURCE (or the timeout, or the
 * run_timeout) */
int session_ldap_error(struct session *s, int rc, const char *what, struct a2r_err *err);

void session_close(struct session *s);

#endif
