/* SPDX-License-Identifier: BSD-2-Clause */
/* lookup.c - the keys smtpd looks a recipient up as (see lookup.h) */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "lookup.h"
#include "policy.h"

/* is_word - LOCAL (LEN bytes) is WORD, ignoring ASCII case */
static int
is_word(const char *local, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(local, word, len) == 0;
}

/* never_split - the localparts Postfix's split_addr() leaves whole */
static int
never_split(const char *local, size_t len, const struct lookup_params *p)
{
	if (is_word(local, len, "postmaster") || is_word(local, len, "mailer-daemon") ||
	    is_word(local, len, p->double_bounce))
		return 1;
	/* backwards compatibility: owner-foo and foo-request */
	if (strchr(p->delimiter, '-') != NULL && p->owner_request_special)
		return (len >= 6 && strncasecmp(local, "owner-", 6) == 0) ||
		       (len > 8 && strncasecmp(local + len - 8, "-request", 8) == 0);
	return 0;
}

size_t
lookup_ext(const char *addr, size_t len, const struct lookup_params *p)
{
	const char *at = memrchr(addr, '@', len);
	size_t local = at != NULL ? (size_t)(at - addr) : len, i;

	if (p->delimiter[0] == '\0' || never_split(addr, local, p))
		return 0;
	for (i = 0; i < local && strchr(p->delimiter, addr[i]) == NULL; i++)
		;
	/* no delimiter, or one at the start: the localpart would be empty */
	return i < local ? i : 0;
}

/* add_key - fold the LEN bytes at S as key number K->n */
static int
add_key(struct lookup_keys *k, enum lookup_step step, const char *s, size_t len)
{
	struct strbuf *b = &k->k[k->n].key;

	k->k[k->n].step = step;
	b->len = 0;
	if (policy_fold(s, len, b) < 0)
		return -1;
	k->n++;
	return 0;
}

int
lookup_keys(const char *addr, size_t len, const struct lookup_params *p, struct lookup_keys *k)
{
	const char *at = memrchr(addr, '@', len);
	size_t ext = lookup_ext(addr, len, p), local = (size_t)(at - addr);
	struct strbuf bare = {0};
	int rc = -1;

	k->n = 0;
	k->ext.len = 0;
	if (add_key(k, LOOKUP_FULL, addr, len) < 0)
		goto out;
	if (ext > 0) {
		if (strbuf_add(&bare, addr, ext) < 0 || strbuf_add(&bare, at, len - local) < 0 ||
		    strbuf_add(&k->ext, addr + ext, local - ext) < 0 ||
		    add_key(k, LOOKUP_NOEXT, bare.p, bare.len) < 0)
			goto out;
	}
	if (add_key(k, LOOKUP_AT_DOMAIN, at, len - local) < 0)
		goto out;
	rc = 0;
out:
	strbuf_free(&bare);
	return rc;
}

void
lookup_keys_free(struct lookup_keys *k)
{
	for (size_t i = 0; i < LOOKUP_MAX_KEYS; i++)
		strbuf_free(&k->k[i].key);
	strbuf_free(&k->ext);
	k->n = 0;
}
