/* SPDX-License-Identifier: BSD-2-Clause */
/* extract.h - turn attribute values into candidate addresses
 *
 * The first stage after the source.  Exchange stores addresses in
 * proxyAddresses as "TYPE:address": SMTP: (primary) and smtp: (secondary)
 * in any case are mail addresses; X500:, X400:, SIP:, EUM: and the rest
 * are not and are ignored (and counted by the caller).  Other attributes
 * (mail, ...) hold a plain address.  Nothing is copied: the address
 * returned points into the value.
 */
#ifndef A2R_EXTRACT_H
#define A2R_EXTRACT_H

#include <stddef.h>

enum extract_kind {
	EXTRACT_ADDRESS, /* addr and addrlen hold the candidate address */
	EXTRACT_OTHER,   /* a proxy address of another type; *addr holds the type */
	EXTRACT_NOTYPE,  /* a proxyAddresses value without a "TYPE:" prefix */
	EXTRACT_SPACED,  /* white space before or in its "TYPE:" (" smtp:a@b") */
};

/* extract_is_typed - 1 if attribute NAME holds "TYPE:value" strings
 * (proxyAddresses, targetAddress); 0 for plain-address attributes */
int extract_is_typed(const char *name);

/* extract_typed - classify one value of an attribute; TYPED is
 * extract_is_typed() of its name.  For EXTRACT_ADDRESS, *addr and
 * *addrlen are the address; for EXTRACT_OTHER and EXTRACT_SPACED they
 * are the type prefix (without the colon).  Never fails. */
enum extract_kind extract_typed(int typed, const char *val, size_t len, const char **addr,
                                size_t *addrlen);

/* extract_parse_range - does attribute description NAME (LEN bytes, no
 * NUL needed) carry ";range=LOW-HIGH" (AD's range retrieval; HIGH "*" =
 * the last range, returned as -1)?  1 with *BASELEN the length of the
 * name before the option, 0 if not ranged, -1 if malformed. */
int extract_parse_range(const char *name, size_t len, size_t *baselen, long *low, long *high);

#endif
