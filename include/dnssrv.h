/* SPDX-License-Identifier: BSD-2-Clause */
/* dnssrv.h - the targets of DNS SRV records (RFC 2782)
 *
 * For the records libldap cannot look up: ldap_domain2hostlist() asks for
 * _ldap._tcp.NAME only, while a forest's Global Catalogs are
 * _gc._tcp.FOREST.  dnssrv_lookup() asks the resolver (res_query()) and
 * hands the answer to dnssrv_parse(), which reads a DNS message as hostile
 * input: every name and length is checked against the message's end.
 *
 * Targets are appended to a strlist as "host:port", in priority order
 * and, within one priority, the higher weight first (deterministic: no
 * weighted random choice, every target is tried in turn anyway); a target
 * of "." (the service is decidedly not offered) is left out.
 *
 * Errors: A2R_ERR_SOURCE ("no SRV records for NAME (why)": no such name,
 * no record, no answer from DNS, a malformed answer), A2R_ERR_INTERNAL.
 */
#ifndef A2R_DNSSRV_H
#define A2R_DNSSRV_H

#include <stddef.h>

#include "err.h"
#include "util.h"

/* dnssrv_parse - the SRV targets of the answer MSG (LEN bytes) into OUT;
 * returns how many (0: none), or -1 with ERR filled (a malformed answer,
 * out of memory) and OUT as it was */
int dnssrv_parse(const unsigned char *msg, size_t len, struct strlist *out, struct a2r_err *err);

/* dnssrv_lookup - the SRV targets of NAME (such as "_gc._tcp.example.com")
 * into OUT; returns 0 when there is at least one, else -1 with ERR filled */
int dnssrv_lookup(const char *name, struct strlist *out, struct a2r_err *err);

/* dnssrv_why - H (h_errno after res_query() found nothing) in words */
const char *dnssrv_why(int h);

#endif
