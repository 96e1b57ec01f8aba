/* SPDX-License-Identifier: BSD-2-Clause */
/* cldap.h - the "LDAP ping": ask a DC which Active Directory site we are in
 *
 * A DC answers a rootDSE search for the attribute Netlogon, sent as one
 * UDP datagram to port 389 (connectionless LDAP, CLDAP), with a
 * NETLOGON_SAM_LOGON_RESPONSE_EX structure (MS-ADTS 6.3.3, 6.3.1.9): its
 * own host name and site, and the site of the client, which the DC finds
 * by matching the datagram's source address against the subnets of the
 * sites.  Windows, sssd and adcli learn their site this way.  Debian's
 * libldap has no cldap://, so the request is encoded here with liblber.
 *
 * cldap_request() encodes a request; cldap_parse() decodes one reply
 * datagram; cldap_ping() does both against several DCs at once and takes
 * the first usable answer.  A reply is hostile data: cldap_parse() checks
 * every length against the datagram, follows compressed names only
 * backwards (no loops) and only to 255 bytes, and hands out names only as
 * NUL-free C strings.  Nothing here prints; failures are a reason in
 * words, for the caller to show.
 */
#ifndef A2R_CLDAP_H
#define A2R_CLDAP_H

#include <stddef.h>

#include <lber.h>

#include "err.h"

/* at most this many DCs are asked at once, in the order given */
#define CLDAP_MAX_DCS 8

/* What a DC said: host names and sites, as C strings without NUL bytes
 * (not yet checked for anything else: escape before printing). */
struct cldap_answer {
	char asked[256];       /* cldap_ping(): the host name that answered */
	unsigned flags;        /* DS_* flags of the DC (MS-ADTS 6.3.1.2) */
	char domain[256];      /* DnsDomainName */
	char dc[256];          /* DnsHostName of the DC */
	char dc_site[256];     /* DcSiteName */
	char client_site[256]; /* ClientSiteName: "" when in no site */
};

/* cldap_request - the request datagram for DOMAIN with message ID MSGID
 * (1 to 2^31-1), in *OUT (caller frees with ber_bvfree); 0, or -1 when
 * out of memory */
int cldap_request(const char *domain, int msgid, struct berval **out);

/* cldap_parse - decode the reply datagram BUF (LEN bytes) to the request
 * MSGID: 0 with *A filled, or -1 with the reason in WHY (WHYSIZE bytes,
 * "no Netlogon attribute in the answer", "a name runs past the end of
 * the Netlogon data", ...) */
int cldap_parse(const void *buf, size_t len, int msgid, struct cldap_answer *a, char *why,
                size_t whysize);

/* cldap_ping - send the request for DOMAIN to UDP port 389 of each of the
 * first CLDAP_MAX_DCS of the N host names HOSTS (all their addresses) at
 * once, resend once after a second, and wait at most TIMEOUT_MS for the
 * first answer that parses and names DOMAIN; 0 with *A filled, or -1 with
 * ERR (A2R_ERR_SOURCE) saying why none came: "no answer within 10 s from
 * 2 DCs", a DC's unusable answer, unresolvable names.  DCs that refuse
 * (ICMP port unreachable) end the wait early. */
int cldap_ping(const char *const *hosts, size_t n, const char *domain, long timeout_ms,
               struct cldap_answer *a, struct a2r_err *err);

/* cldap_site_ok - 1 if NAME can be a site in a DNS name
 * (_ldap._tcp.NAME._sites.dc._msdcs.DOMAIN): one label of 1 to 63
 * letters, digits and hyphens */
int cldap_site_ok(const char *name);

#endif
