/* SPDX-License-Identifier: BSD-2-Clause */
/* kerberos.h - GSSAPI credentials from a keytab, in a private ccache
 *
 * A domain-joined box has a keytab but usually no ticket: kerberos_login()
 * gets a TGT from the keytab into a MEMORY credentials cache of this
 * process and points KRB5CCNAME at it, so the SASL GSSAPI bind that
 * follows uses it.  No kinit, no cron wrapper; the user's or system's
 * ccache is never read or written.  kerberos_logout() destroys it.
 * kerberos_default_realm() and kerberos_default_keytab() read krb5.conf.
 *
 * Errors: A2R_ERR_CONFIG (keytab missing or unreadable), A2R_ERR_AUTH
 * (the KDC refused: wrong key, unknown, disabled or expired principal),
 * A2R_ERR_SOURCE (no KDC reachable).
 */
#ifndef A2R_KERBEROS_H
#define A2R_KERBEROS_H

#include "err.h"

/* kerberos_login - TGT for PRINCIPAL (NULL: the keytab's machine account,
 * "NAME$@REALM", else its first entry) from KEYTAB.  *USED gets the
 * principal in a new string (caller frees). */
int kerberos_login(const char *keytab, const char *principal, char **used, struct a2r_err *err);

/* kerberos_logout - destroy the private ccache (no-op without login) */
void kerberos_logout(void);

/* kerberos_default_realm - default_realm of krb5.conf in a new string, or
 * NULL if there is none */
char *kerberos_default_realm(void);

/* kerberos_default_keytab - the default keytab path (/etc/krb5.keytab
 * unless KRB5_KTNAME or krb5.conf say otherwise), new string or NULL */
char *kerberos_default_keytab(void);

#endif
