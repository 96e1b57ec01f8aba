/* SPDX-License-Identifier: BSD-2-Clause */
/* cldap.c - the LDAP ping over UDP: encode, send, decode (MS-ADTS 6.3.3) */
#include "autoconf.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "cldap.h"

/* NETLOGON_NT_VERSION_5 | NETLOGON_NT_VERSION_5EX, little-endian: answer
 * with NETLOGON_SAM_LOGON_RESPONSE_EX */
#define NTVER "\x06\x00\x00\x00"
/* its opcodes: LOGON_SAM_LOGON_RESPONSE_EX, LOGON_SAM_USER_UNKNOWN_EX */
#define OP_RESPONSE_EX     23
#define OP_USER_UNKNOWN_EX 25
/* the bytes before the names: opcode, Sbz, Flags, DomainGuid */
#define FIXED_PART (2 + 2 + 4 + 16)
/* a name is at most 255 bytes written out (RFC 1035) */
#define NAME_MAX_LEN 255
/* sockets for the DCs' addresses, and the largest datagram read */
#define MAX_SOCKETS 16
#define MAX_REPLY   4096
#define RESEND_MS   1000

int
cldap_request(const char *domain, int msgid, struct berval **out)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	int rc;

	*out = NULL;
	if (ber == NULL)
		return -1;
	/* SearchRequest: base "", scope base, never dereference, no limits,
	 * (&(DnsDomain=DOMAIN)(NtVer=\06\00\00\00)), attribute Netlogon */
	rc = ber_printf(ber, "{it{seeiib", (ber_int_t)msgid, (ber_tag_t)LDAP_REQ_SEARCH, "",
	                (ber_int_t)LDAP_SCOPE_BASE, (ber_int_t)LDAP_DEREF_NEVER, (ber_int_t)0,
	                (ber_int_t)0, (ber_int_t)0);
	if (rc != -1)
		rc = ber_printf(ber, "t{t{ss}t{so}}", (ber_tag_t)LDAP_FILTER_AND,
		                (ber_tag_t)LDAP_FILTER_EQUALITY, "DnsDomain", domain,
		                (ber_tag_t)LDAP_FILTER_EQUALITY, "NtVer", NTVER, (ber_len_t)4);
	if (rc != -1)
		rc = ber_printf(ber, "{s}}}", "Netlogon");
	if (rc != -1)
		rc = ber_flatten(ber, out);
	ber_free(ber, 1);
	return rc == -1 ? -1 : 0;
}

/* get_name - the compressed name (RFC 1035 4.1.4) at *POS of the Netlogon
 * data NL (LEN bytes) into OUT, labels joined by dots; *POS moves past
 * it.  A pointer must point before every byte of the name read so far,
 * so the walk always ends.  NULL, or why the name is unusable. */
static const char *
get_name(const unsigned char *nl, size_t len, size_t *pos, char out[NAME_MAX_LEN + 1])
{
	size_t at = *pos, low = *pos, n = 0;
	int jumped = 0;

	for (;;) {
		unsigned c;

		if (at >= len)
			return "a name runs past the end of the Netlogon data";
		c = nl[at];
		if (c == 0) {
			if (!jumped)
				*pos = at + 1;
			out[n] = '\0';
			return NULL;
		}
		if ((c & 0xC0) == 0xC0) {
			size_t to;

			if (at + 1 >= len)
				return "a name runs past the end of the Netlogon data";
			to = (size_t)(c & 0x3F) << 8 | nl[at + 1];
			if (to >= low)
				return "a compressed name points forward";
			if (!jumped)
				*pos = at + 2;
			jumped = 1;
			low = at = to;
			continue;
		}
		if (c & 0xC0)
			return "a name has a label of an unknown type";
		if (at + 1 + c > len)
			return "a name runs past the end of the Netlogon data";
		if (n + (n > 0) + c > NAME_MAX_LEN)
			return "a name is longer than 255 bytes";
		if (memchr(nl + at + 1, '\0', c) != NULL)
			return "a name holds a NUL byte";
		if (n > 0)
			out[n++] = '.';
		memcpy(out + n, nl + at + 1, c);
		n += c;
		at += 1 + c;
	}
}

/* parse_netlogon - NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9) */
static const char *
parse_netlogon(const unsigned char *nl, size_t len, struct cldap_answer *a)
{
	char scratch[NAME_MAX_LEN + 1];
	/* the names in their order; NULL: read and dropped */
	char *const names[] = {NULL, a->domain, a->dc,      NULL,
	                       NULL, NULL,      a->dc_site, a->client_site};
	unsigned op;
	size_t pos = FIXED_PART;
	const char *why;

	if (len < FIXED_PART)
		return "the Netlogon data is shorter than its fixed part";
	op = nl[0] | (unsigned)nl[1] << 8;
	if (op != OP_RESPONSE_EX && op != OP_USER_UNKNOWN_EX)
		return "the Netlogon data is not a NETLOGON_SAM_LOGON_RESPONSE_EX";
	a->flags = nl[4] | (unsigned)nl[5] << 8 | (unsigned)nl[6] << 16 | (unsigned)nl[7] << 24;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((why = get_name(nl, len, &pos, names[i] ? names[i] : scratch)) != NULL)
			return why;
	return NULL;
}

/* netlogon_value - the first value of the attribute Netlogon of the
 * search entry that BER holds, in *VAL (inside BER's buffer) */
static const char *
netlogon_value(BerElement *ber, struct berval *val)
{
	struct berval dn, type;
	ber_len_t len;
	ber_tag_t tag;
	char *last;
	int attrs = 0;

	if (ber_scanf(ber, "{m", &dn) == LBER_ERROR)
		return "a malformed search entry";
	for (tag = ber_first_element(ber, &len, &last); tag != LBER_DEFAULT;
	     tag = ber_next_element(ber, &len, last)) {
		if (++attrs > 64 || ber_scanf(ber, "{m", &type) == LBER_ERROR)
			return "a malformed search entry";
		if (type.bv_len == 8 && strncasecmp(type.bv_val, "netlogon", 8) == 0)
			return ber_scanf(ber, "[m", val) == LBER_ERROR
			           ? "an empty Netlogon attribute"
			           : NULL;
		if (ber_scanf(ber, "x}") == LBER_ERROR)
			return "a malformed search entry";
	}
	return "no Netlogon attribute in the answer";
}

/* parse_message - the first LDAP message of the datagram BER */
static const char *
parse_message(BerElement *ber, int msgid, struct cldap_answer *a, char *why, size_t size)
{
	struct berval nl;
	ber_int_t id = 0, rc = 0;
	ber_len_t len;
	ber_tag_t tag;
	const char *bad;

	if (ber_scanf(ber, "{i", &id) == LBER_ERROR)
		return "not an LDAP message";
	if (id != msgid)
		return "an answer to another request";
	tag = ber_peek_tag(ber, &len);
	if (tag == LDAP_RES_SEARCH_RESULT) {
		if (ber_scanf(ber, "{e", &rc) == LBER_ERROR)
			return "a malformed search result";
		snprintf(why, size, "no Netlogon entry in the answer, result code %d (%s)", (int)rc,
		         ldap_err2string(rc));
		return why;
	}
	if (tag != LDAP_RES_SEARCH_ENTRY)
		return "not the answer to a search";
	if ((bad = netlogon_value(ber, &nl)) != NULL)
		return bad;
	return parse_netlogon((const unsigned char *)nl.bv_val, nl.bv_len, a);
}

int
cldap_parse(const void *buf, size_t len, int msgid, struct cldap_answer *a, char *why,
            size_t whysize)
{
	struct berval bv = {len, (char *)buf};
	BerElement *ber;
	const char *bad;

	memset(a, 0, sizeof(*a));
	/* liblber reads through the NULL buffer of an empty element */
	if (len == 0) {
		snprintf(why, whysize, "not an LDAP message");
		return -1;
	}
	if ((ber = ber_init(&bv)) == NULL) {
		snprintf(why, whysize, "out of memory");
		return -1;
	}
	bad = parse_message(ber, msgid, a, why, whysize);
	ber_free(ber, 1);
	if (bad == NULL)
		return 0;
	if (bad != why)
		snprintf(why, whysize, "%s", bad);
	memset(a, 0, sizeof(*a));
	return -1;
}

int
cldap_site_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') && !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') && name[i] != '-')
			return 0;
	return 1;
}

/* What one ping has going: a connected UDP socket per DC address. */
struct ping {
	struct pollfd pfd[MAX_SOCKETS];
	const char *host[MAX_SOCKETS];
	size_t n, open, dcs;
	char unresolved[300]; /* the first DC that could not be asked, and why */
	char unusable[600];   /* the first unusable answer, and why */
};

/* ping_open - a socket connected to each address of the first DCs */
static void
ping_open(struct ping *p, const char *const *hosts, size_t n)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG};

	for (size_t i = 0; i < n && i < CLDAP_MAX_DCS; i++) {
		struct addrinfo *ai = NULL;
		int gai = getaddrinfo(hosts[i], "389", &hints, &ai);
		size_t before = p->n;

		if (gai != 0 && p->unresolved[0] == '\0')
			snprintf(p->unresolved, sizeof(p->unresolved), "cannot resolve %s: %s",
			         hosts[i], gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		for (struct addrinfo *r = ai; gai == 0 && r != NULL && p->n < MAX_SOCKETS;
		     r = r->ai_next) {
			int fd = socket(r->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

			if (fd < 0)
				continue;
			if (connect(fd, r->ai_addr, r->ai_addrlen) < 0) {
				if (p->unresolved[0] == '\0')
					snprintf(p->unresolved, sizeof(p->unresolved), "%s: %s",
					         hosts[i], strerror(errno));
				close(fd);
				continue;
			}
			p->pfd[p->n] = (struct pollfd){.fd = fd, .events = POLLIN};
			p->host[p->n++] = hosts[i];
		}
		if (ai != NULL)
			freeaddrinfo(ai);
		p->dcs += p->n > before;
	}
	p->open = p->n;
}

/* ping_close_one - a socket the DC refused (ICMP port unreachable, ...) */
static void
ping_close_one(struct ping *p, size_t i)
{
	close(p->pfd[i].fd);
	p->pfd[i].fd = -1; /* poll() skips it */
	p->open--;
}

static void
ping_send(struct ping *p, const struct berval *req)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->pfd[i].fd >= 0 && send(p->pfd[i].fd, req->bv_val, req->bv_len, 0) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			ping_close_one(p, i);
}

/* ping_read - the datagram waiting on socket I: 1 if it is the answer */
static int
ping_read(struct ping *p, size_t i, int msgid, const char *domain, struct cldap_answer *a)
{
	unsigned char buf[MAX_REPLY];
	char why[300];
	ssize_t n = recv(p->pfd[i].fd, buf, sizeof(buf), MSG_TRUNC);

	if (n < 0) {
		/* an ICMP error (port or host unreachable): no answer to come */
		if (errno != EAGAIN && errno != EINTR)
			ping_close_one(p, i);
		return 0;
	}
	if ((size_t)n > sizeof(buf))
		snprintf(why, sizeof(why), "an answer of more than %d bytes", MAX_REPLY);
	else if (cldap_parse(buf, (size_t)n, msgid, a, why, sizeof(why)) < 0)
		; /* WHY says it */
	else if (strcasecmp(a->domain, domain) != 0)
		snprintf(why, sizeof(why), "an answer for another domain");
	else {
		snprintf(a->asked, sizeof(a->asked), "%s", p->host[i]);
		return 1;
	}
	memset(a, 0, sizeof(*a));
	if (p->unusable[0] == '\0')
		snprintf(p->unusable, sizeof(p->unusable), "%s: unusable answer: %s", p->host[i],
		         why);
	return 0;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ping_wait - answers until one is usable, every socket is refused or
 * TIMEOUT_MS is over; resend once after RESEND_MS */
static int
ping_wait(struct ping *p, const struct berval *req, int msgid, const char *domain, long timeout_ms,
          struct cldap_answer *a)
{
	struct timespec t0;
	int resent = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ping_send(p, req);
	while (p->open > 0) {
		long now = ms_since(&t0), wait = timeout_ms - now;

		if (wait <= 0)
			break;
		if (!resent && now >= RESEND_MS) {
			ping_send(p, req);
			resent = 1;
			continue;
		}
		if (!resent && wait > RESEND_MS - now)
			wait = RESEND_MS - now;
		if (poll(p->pfd, p->n, (int)wait) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < p->n; i++)
			if (p->pfd[i].fd >= 0 && (p->pfd[i].revents & (POLLIN | POLLERR)) &&
			    ping_read(p, i, msgid, domain, a))
				return 0;
	}
	return -1;
}

int
cldap_ping(const char *const *hosts, size_t n, const char *domain, long timeout_ms,
           struct cldap_answer *a, struct a2r_err *err)
{
	struct ping p = {0};
	struct berval *req = NULL;
	unsigned id = 0;
	int msgid, rc = -1;

	memset(a, 0, sizeof(*a));
	/* a message ID no one else on the path can guess */
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (unsigned)getpid() ^ (unsigned)time(NULL);
	msgid = (int)(id & 0x7fffffff) | 1;
	if (cldap_request(domain, msgid, &req) < 0)
		return err_nomem(err);
	ping_open(&p, hosts, n);
	if (p.n == 0)
		err_set(err, A2R_ERR_SOURCE, "%s", p.unresolved[0] ? p.unresolved : "no DC to ask");
	else if ((rc = ping_wait(&p, req, msgid, domain, timeout_ms, a)) < 0 && p.unusable[0])
		err_set(err, A2R_ERR_SOURCE, "%s", p.unusable);
	else if (rc < 0 && p.open == 0)
		err_set(err, A2R_ERR_SOURCE, "no DC answers on UDP port 389 (%zu refused)", p.dcs);
	else if (rc < 0)
		err_set(err, A2R_ERR_SOURCE, "no answer within %ld s from %zu DC%s",
		        (timeout_ms + 999) / 1000, p.dcs, p.dcs == 1 ? "" : "s");
	for (size_t i = 0; i < p.n; i++)
		if (p.pfd[i].fd >= 0)
			close(p.pfd[i].fd);
	ber_bvfree(req);
	return rc;
}
