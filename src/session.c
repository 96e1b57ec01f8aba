/* SPDX-License-Identifier: BSD-2-Clause */
/* session.c - connect, secure, bind and find the base on one DC */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>

#include "deadline.h"
#include "kerberos.h"
#include "ldaplog.h"
#include "safefile.h"
#include "session.h"

#define MAX_SECRET 4096

/* gather(): wait for at most this many bytes, at most this long */
#define GATHER_MIN     4096
#define GATHER_MAX     262144
#define GATHER_WAIT_MS 4
/* The fewest bytes an entry takes on the wire (message envelope, a short
 * DN, one short value): the rest of a page is at least this many bytes
 * per entry still to come. */
#define GATHER_ENTRY_BYTES 64
/* the read-ahead buffer: as much as gather() lets gather */
#define READAHEAD GATHER_MAX

struct session {
	const struct a2r_config *cfg;
	char *uri;
	LDAP *ld;
	char *base;
	const char *tls;
	struct ldap_conncb cb;
	struct deadline *dl;   /* shuts the socket down when an operation overruns */
	struct timespec until; /* the whole run's deadline (run_timeout) */
	int fd;                /* connection socket, -1 when none */
	int gather;            /* fd is TCP: gather() may wait on it */
	Sockbuf *sb;
	size_t page_left; /* entries of the current page still to come, probably */
};

/* check_client_cert - the client certificate is readable, its key is
 * owner-only as bindpw_file is; libldap opens both itself, later */
static int
check_client_cert(const struct a2r_config *cfg, struct a2r_err *err)
{
	struct stat st;
	int fd;

	if (cfg->tls_cert == NULL)
		return 0;
	if ((fd = safefile_open(cfg->tls_cert, "tls_cert", 0, A2R_ERR_CONFIG, &st, err)) < 0)
		return -1;
	close(fd);
	return safefile_check_secret(cfg->tls_key, "tls_key", "a private key", err);
}

int
session_prepare(const struct a2r_config *cfg, char **who, struct a2r_err *err)
{
	char buf[MAX_SECRET], *keytab;
	size_t len;
	int rc = 0;

	*who = NULL;
	if (check_client_cert(cfg, err) < 0)
		return -1;
	if (cfg->bind == CONF_BIND_SIMPLE) {
		rc = safefile_read_secret(cfg->bindpw_file, "bindpw_file", buf, sizeof(buf), &len,
		                          err);
		explicit_bzero(buf, sizeof(buf));
	} else if (cfg->bind == CONF_BIND_GSSAPI) {
		keytab = cfg->keytab ? strdup(cfg->keytab) : kerberos_default_keytab();
		if (keytab == NULL)
			return err_set(err, A2R_ERR_CONFIG,
			               "bind = gssapi: no keytab (set keytab)");
		rc = kerberos_login(keytab, cfg->principal, who, err);
		free(keytab);
	}
	return rc;
}

/* session_arm, session_disarm - see session.h: the deadline's clock */
void
session_arm(struct session *s)
{
	deadline_arm(s->dl);
}

void
session_disarm(struct session *s)
{
	deadline_disarm(s->dl);
}

int
session_timed_out(struct session *s)
{
	return deadline_fired(s->dl) != DEADLINE_NO;
}

int
session_run_timeout(const struct a2r_config *cfg, const struct timespec *until, const char *what,
                    struct a2r_err *err)
{
	if (!deadline_passed(until))
		return 0;
	return err_set(err, A2R_ERR_SOURCE, "%s: not complete within %ld s (run_timeout)", what,
	               cfg->run_timeout);
}

/* conn_add, conn_del - libldap tells us the socket as soon as TCP is up,
 * before any TLS handshake */
static int
conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr, struct ldap_conncb *ctx)
{
	struct session *s = ctx->lc_arg;
	ber_socket_t fd = -1;

	(void)ld, (void)srv, (void)addr;
	ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
	s->fd = fd;
	deadline_fd(s->dl, fd);
	return 0;
}

static void
conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	struct session *s = ctx->lc_arg;

	(void)ld, (void)sb;
	s->gather = 0;
	s->sb = NULL;
	s->fd = -1;
	deadline_fd(s->dl, -1);
}

/* session_ldap_error - compose one message from every source */
int
session_ldap_error(struct session *s, int rc, const char *what, struct a2r_err *err)
{
	enum deadline_fired fired = deadline_fired(s->dl);
	const char *tls_diag = ldaplog_tls_cause();
	char *diag = NULL;

	if (fired == DEADLINE_RUN_TIMEOUT)
		return err_set(err, A2R_ERR_SOURCE, "%s: not complete within %ld s (run_timeout)",
		               what, s->cfg->run_timeout);
	/* libldap's own timeout (LDAP_OPT_TIMEOUT, the same number of
	 * seconds) may expire just before the watchdog's on a busy machine */
	if (fired == DEADLINE_TIMEOUT || rc == LDAP_TIMEOUT)
		return err_set(err, A2R_ERR_SOURCE, "%s: no answer within %ld s (timeout)", what,
		               s->cfg->timeout);
	ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* GnuTLS failures reach us as "(unknown error code)": say what the
	 * TLS layer logged instead. */
	if (tls_diag[0] != '\0' && (diag == NULL || diag[0] == '\0' || diag[0] == '('))
		err_set(err, A2R_ERR_SOURCE, "%s: %s (%s%s)", what, ldap_err2string(rc), tls_diag,
		        strstr(tls_diag, "untrusted")
		            ? ": the server certificate is not signed by a "
		              "CA in tls_cacert or the system store"
		            : "");
	else if (diag != NULL && diag[0] != '\0')
		err_set(err, A2R_ERR_SOURCE, "%s: %s (%s)", what, ldap_err2string(rc), diag);
	else
		err_set(err, A2R_ERR_SOURCE, "%s: %s", what, ldap_err2string(rc));
	ldap_memfree(diag);
	return -1;
}

/* tls_setup_error - no TLS context: libldap does not say that a file is
 * missing or unreadable, so try them ourselves for the OS error */
static int
tls_setup_error(struct session *s, struct a2r_err *err)
{
	const struct a2r_config *cfg = s->cfg;
	const struct {
		const char *key, *path;
	} files[] = {{"tls_cacert", cfg->tls_cacert},
	             {"tls_cert", cfg->tls_cert},
	             {"tls_key", cfg->tls_key}};
	struct strbuf with = {0};
	char *diag = NULL;
	int fd;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i].path == NULL)
			continue;
		if ((fd = open(files[i].path, O_RDONLY | O_CLOEXEC)) < 0)
			return err_set(err, A2R_ERR_CONFIG, "%s %s: %s", files[i].key,
			               files[i].path, strerror(errno));
		close(fd);
		/* out of memory only shortens the message */
		if (strbuf_addstr(&with, with.len ? ", " : " with ") == 0)
			(void)strbuf_addstr(&with, files[i].path);
	}
	ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* GnuTLS says why (a key that is not the certificate's) in the log */
	err_set(err, A2R_ERR_CONFIG, "TLS setup%s: %s", with.p ? with.p : "",
	        diag && *diag          ? diag
	        : *ldaplog_tls_cause() ? ldaplog_tls_cause()
	                               : "cannot create a TLS context");
	ldap_memfree(diag);
	strbuf_free(&with);
	return -1;
}

/* set_options - protocol, timeouts, certificate checking, our callback */
static int
set_options(struct session *s, struct a2r_err *err)
{
	const struct a2r_config *cfg = s->cfg;
	/* connecting (before the watchdog knows the socket) ends with the run */
	struct timeval tv = deadline_timeval(cfg->timeout, &s->until);
	int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

	s->cb.lc_add = conn_add;
	s->cb.lc_del = conn_del;
	s->cb.lc_arg = s;
	if (ldap_set_option(s->ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(s->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(s->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(s->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(s->ld, LDAP_OPT_CONNECT_CB, &s->cb) != LDAP_OPT_SUCCESS)
		return err_set(err, A2R_ERR_INTERNAL, "cannot set LDAP options");
	/* Certificates are always verified, whatever ldap.conf says. */
	if (ldap_set_option(s->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS)
		return err_set(err, A2R_ERR_INTERNAL, "cannot require TLS certificates");
	if (cfg->tls_cacert != NULL &&
	    ldap_set_option(s->ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->tls_cacert) != LDAP_OPT_SUCCESS)
		return err_set(err, A2R_ERR_CONFIG, "tls_cacert %s: cannot use it",
		               cfg->tls_cacert);
	/* the client certificate, for a DC that asks for one (EXTERNAL) */
	if (cfg->tls_cert != NULL &&
	    (ldap_set_option(s->ld, LDAP_OPT_X_TLS_CERTFILE, cfg->tls_cert) != LDAP_OPT_SUCCESS ||
	     ldap_set_option(s->ld, LDAP_OPT_X_TLS_KEYFILE, cfg->tls_key) != LDAP_OPT_SUCCESS))
		return err_set(err, A2R_ERR_CONFIG, "tls_cert %s: cannot use it", cfg->tls_cert);
	if (ldap_set_option(s->ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS)
		return tls_setup_error(s, err);
	return 0;
}

/* secure - StartTLS on ldap:// unless tls = none; note the TLS state */
static int
secure(struct session *s, struct a2r_err *err)
{
	int rc;

	if (strncasecmp(s->uri, "ldaps://", 8) == 0) {
		s->tls = "ldaps";
		return 0;
	}
	if (strncasecmp(s->uri, "ldapi://", 8) == 0) {
		s->tls = "none (ldapi, local socket)";
		return 0;
	}
	if (s->cfg->tls == CONF_TLS_NONE) {
		s->tls = "none (tls = none)";
		return 0;
	}
	/* AD refuses GSSAPI inside TLS; SASL signs and seals instead */
	if (s->cfg->tls == CONF_TLS_AUTO && s->cfg->bind == CONF_BIND_GSSAPI) {
		s->tls = "none (GSSAPI signs and seals)";
		return 0;
	}
	if ((rc = ldap_start_tls_s(s->ld, NULL, NULL)) != LDAP_SUCCESS) {
		session_ldap_error(s, rc, "StartTLS", err);
		/* A result code from the DC (not a failed handshake, < 0): it
		 * refused the operation, e.g. no certificate installed. */
		if (rc > 0 && strlen(err->msg) < sizeof(err->msg) - 120)
			strcat(err->msg,
			       "; this DC does not offer StartTLS: use ldaps://, or "
			       "bind = gssapi with tls = none (Kerberos seals the connection)");
		return -1;
	}
	s->tls = "StartTLS";
	return 0;
}

/* read_ahead - read the socket in large pieces, not two small reads and a
 * poll per entry: liblber's read-ahead layer (libldap uses it only for
 * UDP) goes right above the TCP provider, below any TLS layer.  Data it
 * holds counts as ready for ldap_result().  Also bounds the size of a
 * message (SESSION_MAX_MESSAGE). */
static void
read_ahead(struct session *s)
{
	Sockbuf *sb = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ber_len_t size = READAHEAD, max = SESSION_MAX_MESSAGE;

	if (ldap_get_option(s->ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == NULL)
		return;
	ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max);
	ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, &size);
	s->sb = sb;
	/* SO_RCVLOWAT holds poll() back only on TCP (a Unix socket's read
	 * would wait for it too); the socket is the one conn_add() noted */
	s->gather = s->fd >= 0 && getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0 &&
	            (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

/* gather - before waiting for the next message of a page: if nothing is
 * buffered, let the rest of the page (at least GATHER_ENTRY_BYTES per
 * entry still to come) gather in the socket, for at most GATHER_WAIT_MS.
 * Sets SO_RCVLOWAT for one poll() and takes it back at once: libldap's
 * own poll and read must see every byte. */
static void
gather(struct session *s)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	size_t want = s->page_left * GATHER_ENTRY_BYTES;
	int lowat;

	if (!s->gather || want < GATHER_MIN ||
	    ber_sockbuf_ctrl(s->sb, LBER_SB_OPT_DATA_READY, NULL))
		return;
	lowat = want > GATHER_MAX ? GATHER_MAX : (int)want;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)) != 0)
		return;
	(void)poll(&pfd, 1, GATHER_WAIT_MS);
	lowat = 1;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)) != 0)
		s->gather = 0; /* cannot happen; never gather again if it does */
}

void
session_page(struct session *s, size_t entries)
{
	s->page_left = entries;
	gather(s);
}

/* session_touch - see session.h: the deadline moves on, one more message
 * of the page is in */
void
session_touch(struct session *s)
{
	deadline_touch(s->dl);
	s->page_left -= s->page_left > 0;
	gather(s);
}

/* sasl_interact - EXTERNAL asks at most for an authorization id: none */
static int
sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	sasl_interact_t *it = in;

	(void)ld, (void)flags, (void)defaults;
	for (; it->id != SASL_CB_LIST_END; it++) {
		it->result = it->defresult ? it->defresult : "";
		it->len = (unsigned)strlen(it->result);
	}
	return LDAP_SUCCESS;
}

/* bind_error - credentials refused stop the run; a DC that wants a
 * stronger transport is a property of that DC; anything else fails over */
static int
bind_error(struct session *s, int rc, const char *who, struct a2r_err *err)
{
	char what[512];

	snprintf(what, sizeof(what), "bind as %s", who);
	session_ldap_error(s, rc, what, err);
	/* AD's "require strong auth": say what to change */
	if ((rc == LDAP_STRONG_AUTH_REQUIRED || rc == LDAP_CONFIDENTIALITY_REQUIRED) &&
	    strlen(err->msg) < sizeof(err->msg) - 120)
		strcat(err->msg, s->cfg->bind == CONF_BIND_GSSAPI
		                     ? "; this DC refuses GSSAPI inside TLS: use an ldap:// URI "
		                       "with tls = auto (Kerberos signs and seals)"
		                     : "; the DC wants an encrypted or signed connection: use "
		                       "ldaps://, tls = starttls, or bind = gssapi");
	if (session_timed_out(s))
		return -1;
	if (rc == LDAP_STRONG_AUTH_REQUIRED || rc == LDAP_CONFIDENTIALITY_REQUIRED)
		err->code = A2R_ERR_TRANSPORT;
	else if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
	         rc == LDAP_INSUFFICIENT_ACCESS || rc == LDAP_AUTH_METHOD_NOT_SUPPORTED)
		err->code = A2R_ERR_AUTH;
	return -1;
}

/* external_unknown - libldap offers EXTERNAL only with an identity from
 * the transport: a peer on ldapi://, or a client certificate sent in the
 * TLS handshake.  A client sends its certificate only when the DC asks
 * for one from a CA the certificate's issuer is (TLS 1.3 hides the DC's
 * refusal until later): say which of these is missing. */
static int
external_unknown(struct session *s, struct a2r_err *err)
{
	const char *tls = s->tls;

	if (strcmp(tls, "ldaps") != 0 && strcmp(tls, "StartTLS") != 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "bind as SASL EXTERNAL: no identity on this connection (TLS: %s): "
		               "use ldapi://, or TLS with tls_cert and tls_key",
		               tls);
	if (s->cfg->tls_cert == NULL)
		return err_set(err, A2R_ERR_CONFIG,
		               "bind as SASL EXTERNAL over %s: no client certificate: set tls_cert "
		               "and tls_key",
		               tls);
	return err_set(err, A2R_ERR_AUTH,
	               "bind as SASL EXTERNAL over %s: the DC did not take the client "
	               "certificate %s (it asked for none, or for none from its issuer: "
	               "the DC must trust the CA that signed it)",
	               tls, s->cfg->tls_cert);
}

/* gssapi_bind - SASL GSSAPI with the ticket kerberos_login() got; at least
 * integrity protection (AD's LDAP signing policy), without TLS sealing too */
static int
gssapi_bind(struct session *s, struct a2r_err *err)
{
	/* Inside TLS, AD refuses a SASL layer ("Sign or Seal are not allowed
	 * if TLS is used"): none there; without TLS, at least sealing. */
	const char *secprops = strcmp(s->tls, "ldaps") == 0 || strcmp(s->tls, "StartTLS") == 0
	                           ? "minssf=0,maxssf=0"
	                           : "minssf=56";
	int rc;

	if (ldap_set_option(s->ld, LDAP_OPT_X_SASL_SECPROPS, secprops) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(s->ld, LDAP_OPT_X_SASL_NOCANON,
	                    s->cfg->sasl_nocanon ? LDAP_OPT_ON : LDAP_OPT_OFF) != LDAP_OPT_SUCCESS)
		return err_set(err, A2R_ERR_INTERNAL, "cannot set SASL options");
	rc = ldap_sasl_interactive_bind_s(s->ld, NULL, "GSSAPI", NULL, NULL, LDAP_SASL_QUIET,
	                                  sasl_interact, NULL);
	return rc == LDAP_SUCCESS ? 0 : bind_error(s, rc, "SASL GSSAPI", err);
}

/* do_bind - the configured bind; the password never leaves this function */
static int
do_bind(struct session *s, struct a2r_err *err)
{
	const struct a2r_config *cfg = s->cfg;
	char pw[MAX_SECRET];
	struct berval cred = {0, pw};
	int rc;

	switch (cfg->bind) {
	case CONF_BIND_SIMPLE:
		if (safefile_read_secret(cfg->bindpw_file, "bindpw_file", pw, sizeof(pw),
		                         &cred.bv_len, err) < 0) {
			explicit_bzero(pw, sizeof(pw));
			return -1;
		}
		rc =
		    ldap_sasl_bind_s(s->ld, cfg->binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		explicit_bzero(pw, sizeof(pw));
		return rc == LDAP_SUCCESS ? 0 : bind_error(s, rc, cfg->binddn, err);
	case CONF_BIND_EXTERNAL:
		/* EXTERNAL needs no host name: canonicalizing would look the
		 * DC up in DNS, and fails on a connection the DC has reset
		 * (a certificate it refused, under TLS 1.3) */
		if (ldap_set_option(s->ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON) !=
		    LDAP_OPT_SUCCESS)
			return err_set(err, A2R_ERR_INTERNAL, "cannot set SASL options");
		rc = ldap_sasl_interactive_bind_s(s->ld, NULL, "EXTERNAL", NULL, NULL,
		                                  LDAP_SASL_QUIET, sasl_interact, NULL);
		if (rc == LDAP_AUTH_UNKNOWN)
			return external_unknown(s, err);
		if (rc == LDAP_SERVER_DOWN && cfg->tls_cert != NULL && !session_timed_out(s))
			return err_set(
			    err, A2R_ERR_AUTH,
			    "bind as SASL EXTERNAL over %s: the DC closed the connection "
			    "after the TLS handshake, as a DC does that refuses the client "
			    "certificate %s (expired, revoked, or not for client "
			    "authentication?)",
			    s->tls, cfg->tls_cert);
		return rc == LDAP_SUCCESS ? 0 : bind_error(s, rc, "SASL EXTERNAL", err);
	case CONF_BIND_GSSAPI:
		return gssapi_bind(s, err);
	default:
		cred.bv_val = NULL;
		rc = ldap_sasl_bind_s(s->ld, NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		return rc == LDAP_SUCCESS ? 0 : bind_error(s, rc, "anonymous", err);
	}
}

/* find_base - configured base, else defaultNamingContext (AD), else the
 * first namingContexts of the rootDSE */
static int
find_base(struct session *s, struct a2r_err *err)
{
	static char *attrs[] = {"defaultNamingContext", "namingContexts", NULL};
	struct timeval tv = {.tv_sec = s->cfg->timeout, .tv_usec = 0};
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rc;

	if (s->cfg->base != NULL)
		return (s->base = strdup(s->cfg->base)) ? 0 : err_nomem(err);
	rc = ldap_search_ext_s(s->ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
	                       &tv, 1, &res);
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return session_ldap_error(s, rc, "read rootDSE", err);
	}
	if ((e = ldap_first_entry(s->ld, res)) != NULL) {
		v = ldap_get_values_len(s->ld, e, attrs[0]);
		if (v == NULL)
			v = ldap_get_values_len(s->ld, e, attrs[1]);
	}
	if (v != NULL && v[0] != NULL && (s->base = strndup(v[0]->bv_val, v[0]->bv_len)) == NULL)
		rc = err_nomem(err);
	else if (s->base == NULL)
		rc = err_set(
		    err, A2R_ERR_SOURCE,
		    "the rootDSE names no defaultNamingContext or namingContexts: set base");
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return rc == LDAP_SUCCESS ? 0 : -1;
}

/* connect_error - libldap says "Can't contact LDAP server" both for a
 * name that does not resolve and for a refused connection: after the
 * failure, ask the resolver about the host ourselves. */
static int
connect_error(struct session *s, int rc, struct a2r_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *ai = NULL;
	LDAPURLDesc *lud = NULL;
	int gai = 0;

	if (rc == LDAP_SERVER_DOWN && !session_timed_out(s) &&
	    ldap_url_parse(s->uri, &lud) == LDAP_URL_SUCCESS && lud->lud_host != NULL &&
	    lud->lud_host[0] != '\0' && strcasecmp(lud->lud_scheme, "ldapi") != 0)
		gai = getaddrinfo(lud->lud_host, NULL, &hints, &ai);
	if (gai != 0) {
		err_set(err, A2R_ERR_SOURCE, "connect: cannot resolve %s: %s", lud->lud_host,
		        gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
	} else {
		session_ldap_error(s, rc, "connect", err);
		/* The TCP error, when libldap gave no better cause */
		if (rc == LDAP_SERVER_DOWN && !session_timed_out(s) &&
		    ldaplog_socket_error()[0] != '\0' && strchr(err->msg, '(') == NULL)
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			         " (%s)", ldaplog_socket_error());
	}
	if (ai != NULL)
		freeaddrinfo(ai);
	ldap_free_urldesc(lud);
	return -1;
}

struct session *
session_open(const struct a2r_config *cfg, const char *uri, const struct timespec *until,
             struct a2r_err *err)
{
	struct session *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL || (s->uri = strdup(uri)) == NULL) {
		free(s);
		err_nomem(err);
		return NULL;
	}
	s->cfg = cfg;
	s->until = *until;
	s->tls = "none";
	s->fd = -1;
	/* the TLS cause and the socket error of a failure (see ldaplog.h) */
	ldaplog_catch_connect();
	if ((s->dl = deadline_start(cfg->timeout, until, err)) == NULL)
		goto fail;
	if ((rc = ldap_initialize(&s->ld, uri)) != LDAP_SUCCESS) {
		err_set(err, A2R_ERR_CONFIG, "not a usable LDAP URI: %s", ldap_err2string(rc));
		goto fail;
	}
	if (set_options(s, err) < 0)
		goto fail;
	session_arm(s);
	rc = ldap_connect(s->ld);
	if (rc != LDAP_SUCCESS) {
		connect_error(s, rc, err);
		goto fail;
	}
	read_ahead(s);
	if (secure(s, err) < 0)
		goto fail;
	/* The TLS handshake is over: the trace level costs time per message. */
	ldaplog_quiet();
	if (do_bind(s, err) < 0 || find_base(s, err) < 0)
		goto fail;
	session_disarm(s);
	return s;
fail:
	session_close(s);
	return NULL;
}

LDAP *
session_ldap(struct session *s)
{
	return s->ld;
}

const char *
session_base(const struct session *s)
{
	return s->base;
}

const char *
session_tls(const struct session *s)
{
	return s->tls;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	if (s->ld != NULL) {
		/* Bounded too: unbinding from a hung DC must not hang us. */
		session_arm(s);
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	}
	deadline_stop(s->dl);
	free(s->base);
	free(s->uri);
	free(s);
}
