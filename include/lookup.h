/* SPDX-License-Identifier: BSD-2-Clause */
/* lookup.h - the keys smtpd looks a recipient up as in relay_recipient_maps
 *
 * For a recipient in a relay domain, smtpd's check_rcpt_maps() asks
 * mail_addr_find() with its default strategy, which tries, in this order
 * and until one is found:
 *   1. the address (user+ext@domain);
 *   2. with recipient_delimiter set and the localpart split at the first
 *      of its characters: the address without the extension (user@domain);
 *   3. the bare localpart, only when the domain is local (myorigin,
 *      mydestination, inet_interfaces): never a key of ad2relay's map,
 *      which holds addresses and @domain only, so left out here;
 *   4. @domain.
 * Each key is folded as the table folds it (policy_fold), after the split.
 * Postfix's split_addr() never splits postmaster, mailer-daemon or the
 * double_bounce_sender, nor (when '-' is a delimiter and
 * owner_request_special is set) owner-* and *-request, nor a localpart
 * that would be left empty.
 *
 * lookup_keys() fills a caller-owned struct lookup_keys; lookup_keys_free()
 * releases it.  Nothing is printed.
 */
#ifndef A2R_LOOKUP_H
#define A2R_LOOKUP_H

#include <stddef.h>

#include "util.h"

/* The Postfix parameters that change the keys. */
struct lookup_params {
	const char *delimiter;     /* recipient_delimiter: a set of characters; "" none */
	int owner_request_special; /* owner_request_special (Postfix's default: yes) */
	const char *double_bounce; /* double_bounce_sender ("double-bounce") */
};

enum lookup_step { LOOKUP_FULL, LOOKUP_NOEXT, LOOKUP_AT_DOMAIN };
#define LOOKUP_MAX_KEYS 3

struct lookup_keys {
	size_t n; /* 2, or 3 with an extension */
	struct {
		enum lookup_step step;
		struct strbuf key; /* folded */
	} k[LOOKUP_MAX_KEYS];
	struct strbuf ext; /* the extension with its delimiter, as given (NOEXT only) */
};

/* lookup_ext - where the extension of ADDR (LEN bytes, one '@', as
 * policy_check() accepts it) starts: the offset of its delimiter, or 0
 * when Postfix does not split the address */
size_t lookup_ext(const char *addr, size_t len, const struct lookup_params *p);

/* lookup_keys - the keys for ADDR (as for lookup_ext()) in lookup order,
 * into K (zeroed by the caller, or by an earlier lookup_keys_free()).
 * Returns 0, or -1 when folding fails (out of memory, ICU). */
int lookup_keys(const char *addr, size_t len, const struct lookup_params *p, struct lookup_keys *k);

void lookup_keys_free(struct lookup_keys *k);

#endif
