/* SPDX-License-Identifier: BSD-2-Clause */
/* dnssrv.c - SRV records from the resolver, in the order to try them */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnssrv.h"

/* the largest answer taken (EDNS0 answers may exceed 512 bytes) */
#define ANSWER_MAX 65535

struct target {
	char host[NS_MAXDNAME];
	unsigned priority, weight, port;
	size_t order; /* in the answer: keeps equal records in their order */
};

/* by_preference - lower priority first, then higher weight */
static int
by_preference(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* read_target - one SRV record's data into T; 0, or -1 when malformed */
static int
read_target(const ns_msg *m, const ns_rr *rr, struct target *t)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);

	/* priority, weight, port, then the target name within the record */
	if (rdlen < 7 || rd + rdlen > ns_msg_end(*m))
		return -1;
	t->priority = ns_get16(rd);
	t->weight = ns_get16(rd + 2);
	t->port = ns_get16(rd + 4);
	if (dn_expand(ns_msg_base(*m), rd + rdlen, rd + 6, t->host, sizeof(t->host)) < 0)
		return -1;
	return 0;
}

int
dnssrv_parse(const unsigned char *msg, size_t len, struct strlist *out, struct a2r_err *err)
{
	struct target *t = NULL;
	size_t n = 0, added = 0, count;
	ns_msg m;
	ns_rr rr;
	int rc = -1;

	if (len > ANSWER_MAX || ns_initparse(msg, (int)len, &m) < 0)
		return err_set(err, A2R_ERR_SOURCE, "a malformed DNS answer");
	count = ns_msg_count(m, ns_s_an);
	if (count > 0 && (t = calloc(count, sizeof(*t))) == NULL)
		return err_nomem(err);
	for (size_t i = 0; i < count; i++) {
		if (ns_parserr(&m, ns_s_an, (int)i, &rr) < 0 ||
		    (ns_rr_type(rr) == ns_t_srv && read_target(&m, &rr, &t[n]) < 0)) {
			err_set(err, A2R_ERR_SOURCE, "a malformed DNS answer (record %zu)", i + 1);
			goto out;
		}
		/* CNAMEs and the like come with the answer; "." means none */
		if (ns_rr_type(rr) != ns_t_srv || t[n].host[0] == '\0' ||
		    strcmp(t[n].host, ".") == 0)
			continue;
		t[n].order = n;
		n++;
	}
	if (n > 1)
		qsort(t, n, sizeof(*t), by_preference);
	for (size_t i = 0; i < n; i++) {
		char hp[NS_MAXDNAME + 8];
		int l = snprintf(hp, sizeof(hp), "%s:%u", t[i].host, t[i].port);

		if (strlist_add(out, hp, (size_t)l) < 0) {
			err_nomem(err);
			goto out;
		}
		added++;
	}
	rc = (int)added;
out:
	if (rc < 0) /* OUT as it was */
		while (added-- > 0)
			free(out->v[--out->n]);
	if (out->v != NULL)
		out->v[out->n] = NULL;
	free(t);
	return rc;
}

const char *
dnssrv_why(int h)
{
	switch (h) {
	case HOST_NOT_FOUND:
		return "no such name in DNS";
	case NO_DATA:
		return "the name has no SRV record";
	case TRY_AGAIN:
		return "no answer from DNS: temporary failure";
	default:
		return "the DNS lookup failed";
	}
}

int
dnssrv_lookup(const char *name, struct strlist *out, struct a2r_err *err)
{
	unsigned char *answer = malloc(ANSWER_MAX);
	int len, n;

	if (answer == NULL)
		return err_nomem(err);
	len = res_query(name, C_IN, T_SRV, answer, ANSWER_MAX);
	if (len < 0) {
		free(answer);
		return err_set(err, A2R_ERR_SOURCE, "no SRV records for %s (%s)", name,
		               dnssrv_why(h_errno));
	}
	n = dnssrv_parse(answer, (size_t)len, out, err);
	free(answer);
	if (n < 0) {
		if (err->code == A2R_ERR_SOURCE)
			err_prefix(err, "SRV records for %s", name);
		return -1;
	}
	if (n == 0)
		return err_set(err, A2R_ERR_SOURCE, "no SRV records for %s (no usable record)",
		               name);
	return 0;
}
