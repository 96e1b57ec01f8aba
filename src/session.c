/* SPDX-License-Identifier: BSD-2-Clause */
/* session.c - connect, secure, bind and find the base on one DC */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>

#include "kerberos.h"
#include "safefile.h"
#include "session.h"
#include "util.h"

#define MAX_SECRET 4096

/* session_gather(): wait for at most this many bytes, at most this long */
#define GATHER_MIN     4096
#define GATHER_MAX     262144
#define GATHER_WAIT_MS 4
/* the read-ahead buffer: as much as session_gather() lets gather */
#define READAHEAD GATHER_MAX

/* Why the watchdog cut the connection (session.fired). */
enum { FIRED_NO, FIRED_TIMEOUT, FIRED_RUN_TIMEOUT };

/* LDAP_DEBUG_NONE of the private ldap_log.h: a level no Debug() call uses
 * except LDAP_DEBUG_ANY, which is every bit set. */
#define LOG_ALWAYS_ONLY 0x8000
/* LDAP_DEBUG_TRACE, where the TLS code says why a certificate failed */
#define LOG_TLS_CAUSES (LOG_ALWAYS_ONLY | 0x0001)

/* libldap explains a failed TLS handshake only in its debug log
 * ("TLS: peer cert untrusted or revoked", "TLS: hostname ... does not
 * match ...").  ad2relay turns the trace level on while it connects and
 * keeps the first such line to put into its own error message. */
static char tls_diag[256];
/* Likewise the socket error of a failed TCP connect ("Connection refused"):
 * the trace line "ldap_is_socket_ready: error on socket N: errno: E (TEXT)"
 * is the only place it survives (libldap's later shutdown() clobbers errno). */
static char sock_diag[128];
#define SOCK_ERROR_LINE "ldap_is_socket_ready: error on socket"

static void
catch_log(const char *msg)
{
	const char *lp, *rp;
	size_t len;

	if (strncmp(msg, SOCK_ERROR_LINE, strlen(SOCK_ERROR_LINE)) == 0 && sock_diag[0] == '\0' &&
	    (lp = strrchr(msg, '(')) != NULL && (rp = strchr(lp, ')')) != NULL) {
		snprintf(sock_diag, sizeof(sock_diag), "%.*s", (int)(rp - lp - 1), lp + 1);
		return;
	}
	/* Keep the first cause; the later "can't connect" line says nothing. */
	if (strncmp(msg, "TLS", 3) != 0 || tls_diag[0] != '\0')
		return;
	snprintf(tls_diag, sizeof(tls_diag), "%s", msg);
	len = strlen(tls_diag);
	while (len > 0 && (tls_diag[len - 1] == '\n' || tls_diag[len - 1] == ' '))
		tls_diag[--len] = '\0';
}

struct session {
	const struct a2r_config *cfg;
	char *uri;
	LDAP *ld;
	char *base;
	const char *tls;
	struct ldap_conncb cb;
	/* the watchdog: shuts the socket down when an operation overruns */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;    /* connection socket, -1 when none */
	int armed; /* an operation is running against deadline */
	int fired; /* the watchdog cut the connection: FIRED_* */
	int stop;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	struct timespec until;    /* the whole run's deadline (run_timeout) */
	_Atomic int64_t touched;  /* session_touch(): CLOCK_MONOTONIC_COARSE, ns */
	int gather;               /* fd is TCP: session_gather() may wait on it */
	Sockbuf *sb;
};

/* read_secret - the password in PATH: owner-only, one line, not empty */
static int
read_secret(const char *path, char *buf, size_t size, size_t *len, struct a2r_err *err)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = safefile_secret(path, "bindpw_file", "a password", &st, err)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return err_set(err, A2R_ERR_CONFIG, "read %s: %s", path, strerror(errno));
	/* One line; a trailing newline (and CR) is not part of the password. */
	buf[n] = '\0';
	for (*len = 0; *len < (size_t)n && buf[*len] != '\r' && buf[*len] != '\n'; ++*len)
		;
	/* a NUL would end the password early, silently */
	if (memchr(buf, '\0', *len) != NULL)
		return err_set(err, A2R_ERR_CONFIG, "bindpw_file %s holds a NUL byte", path);
	buf[*len] = '\0';
	if (*len == 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "bindpw_file %s is empty: an empty password would be an "
		               "unauthenticated bind",
		               path);
	return 0;
}

int
session_prepare(const struct a2r_config *cfg, char **who, struct a2r_err *err)
{
	char buf[MAX_SECRET], *keytab;
	size_t len;
	int rc = 0;

	*who = NULL;
	if (cfg->bind == CONF_BIND_SIMPLE) {
		rc = read_secret(cfg->bindpw_file, buf, sizeof(buf), &len, err);
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

/* ns_of - a CLOCK_MONOTONIC time in nanoseconds */
static int64_t
ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* watchdog - cut the connection of an operation that overran its deadline */
static void *
watchdog(void *arg)
{
	struct session *s = arg;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec now;

		if (!s->armed) {
			pthread_cond_wait(&s->cv, &s->mu);
			continue;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &s->deadline);
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* messages since (session_touch) move the deadline on, but
		 * never past the end of the run */
		if (s->armed) {
			int64_t last = atomic_load_explicit(&s->touched, memory_order_relaxed);
			int64_t later = last + (int64_t)s->cfg->timeout * 1000000000;

			if (later > ns_of(&s->until))
				later = ns_of(&s->until);
			if (later > ns_of(&s->deadline)) {
				s->deadline.tv_sec = (time_t)(later / 1000000000);
				s->deadline.tv_nsec = (long)(later % 1000000000);
			}
		}
		if (s->armed && ns_of(&now) >= ns_of(&s->deadline)) {
			/* Mark first: the reader may see EOF before we unlock. */
			s->fired =
			    ns_of(&now) >= ns_of(&s->until) ? FIRED_RUN_TIMEOUT : FIRED_TIMEOUT;
			s->armed = 0;
			/* Wakes up any read blocked on the socket, in TLS too. */
			if (s->fd >= 0)
				shutdown(s->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* session_touch - see session.h: one store, no lock; the watchdog moves
 * the deadline on when the old one passes.  CLOCK_MONOTONIC_COARSE (a few
 * milliseconds fine) is read from memory, without a system call. */
void
session_touch(struct session *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	atomic_store_explicit(&s->touched, ns_of(&now), memory_order_relaxed);
}

/* session_arm - (re)start the clock: moving an armed deadline later needs
 * no wake-up (the watchdog re-reads it when its old deadline passes). */
void
session_arm(struct session *s)
{
	pthread_mutex_lock(&s->mu);
	clock_gettime(CLOCK_MONOTONIC, &s->deadline);
	s->deadline.tv_sec += s->cfg->timeout;
	if (ns_of(&s->deadline) > ns_of(&s->until))
		s->deadline = s->until;
	if (!s->armed) {
		s->armed = 1;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

/* session_disarm - stop the clock; the watchdog notices at its deadline */
void
session_disarm(struct session *s)
{
	pthread_mutex_lock(&s->mu);
	s->armed = 0;
	pthread_mutex_unlock(&s->mu);
}

int
session_timed_out(struct session *s)
{
	int fired;

	pthread_mutex_lock(&s->mu);
	fired = s->fired;
	pthread_mutex_unlock(&s->mu);
	return fired != FIRED_NO;
}

int
session_run_timeout(const struct a2r_config *cfg, const struct timespec *until, const char *what,
                    struct a2r_err *err)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ns_of(&now) < ns_of(until))
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
	pthread_mutex_lock(&s->mu);
	s->fd = fd;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void
conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	struct session *s = ctx->lc_arg;

	(void)ld, (void)sb;
	s->gather = 0;
	s->sb = NULL;
	pthread_mutex_lock(&s->mu);
	s->fd = -1;
	pthread_mutex_unlock(&s->mu);
}

/* session_ldap_error - compose one message from every source */
int
session_ldap_error(struct session *s, int rc, const char *what, struct a2r_err *err)
{
	char *diag = NULL;
	int fired;

	pthread_mutex_lock(&s->mu);
	fired = s->fired;
	pthread_mutex_unlock(&s->mu);
	if (fired == FIRED_RUN_TIMEOUT)
		return err_set(err, A2R_ERR_SOURCE, "%s: not complete within %ld s (run_timeout)",
		               what, s->cfg->run_timeout);
	/* libldap's own timeout (LDAP_OPT_TIMEOUT, the same number of
	 * seconds) may expire just before the watchdog's on a busy machine */
	if (fired == FIRED_TIMEOUT || rc == LDAP_TIMEOUT)
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

/* tls_setup_error - no TLS context: libldap does not say that the CA file
 * is missing or unreadable, so try it ourselves for the OS error */
static int
tls_setup_error(struct session *s, struct a2r_err *err)
{
	const char *ca = s->cfg->tls_cacert;
	char *diag = NULL;
	int fd;

	if (ca != NULL && (fd = open(ca, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, A2R_ERR_CONFIG, "tls_cacert %s: %s", ca, strerror(errno));
	if (ca != NULL)
		close(fd);
	ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	err_set(err, A2R_ERR_CONFIG, "TLS setup%s%s: %s", ca ? " with " : "", ca ? ca : "",
	        diag && *diag ? diag : "cannot create a TLS context");
	ldap_memfree(diag);
	return -1;
}

/* set_options - protocol, timeouts, certificate checking, our callback */
static int
set_options(struct session *s, struct a2r_err *err)
{
	const struct a2r_config *cfg = s->cfg;
	struct timeval tv = {.tv_sec = cfg->timeout, .tv_usec = 0};
	struct timespec now;
	int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

	/* connecting (before the watchdog knows the socket) ends with the run */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ns_of(&s->until) - ns_of(&now) < (int64_t)cfg->timeout * 1000000000) {
		int64_t left = ns_of(&s->until) - ns_of(&now);

		tv.tv_sec = left > 0 ? (time_t)(left / 1000000000) : 0;
		tv.tv_usec = left > 0 ? (suseconds_t)(left % 1000000000 / 1000) : 1;
	}
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

/* session_gather - see session.h.  Sets SO_RCVLOWAT for one poll() and
 * takes it back at once: libldap's own poll and read must see every byte. */
void
session_gather(struct session *s, size_t want)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
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

/* bind_error - credentials refused stop the run; anything else fails over */
static int
bind_error(struct session *s, int rc, const char *who, struct a2r_err *err)
{
	char what[512];

	snprintf(what, sizeof(what), "bind as %s", who);
	session_ldap_error(s, rc, what, err);
	/* AD's "require strong auth": say what to change */
	if (rc == LDAP_STRONG_AUTH_REQUIRED && strlen(err->msg) < sizeof(err->msg) - 120)
		strcat(err->msg, s->cfg->bind == CONF_BIND_GSSAPI
		                     ? "; this DC refuses GSSAPI inside TLS: use an ldap:// URI "
		                       "with tls = auto (Kerberos signs and seals)"
		                     : "; the DC wants an encrypted or signed connection: use "
		                       "ldaps://, tls = starttls, or bind = gssapi");
	if (!session_timed_out(s) &&
	    (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
	     rc == LDAP_STRONG_AUTH_REQUIRED || rc == LDAP_INSUFFICIENT_ACCESS ||
	     rc == LDAP_AUTH_METHOD_NOT_SUPPORTED))
		err->code = A2R_ERR_AUTH;
	return -1;
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
		if (read_secret(cfg->bindpw_file, pw, sizeof(pw), &cred.bv_len, err) < 0)
			return -1;
		rc =
		    ldap_sasl_bind_s(s->ld, cfg->binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		explicit_bzero(pw, sizeof(pw));
		return rc == LDAP_SUCCESS ? 0 : bind_error(s, rc, cfg->binddn, err);
	case CONF_BIND_EXTERNAL:
		rc = ldap_sasl_interactive_bind_s(s->ld, NULL, "EXTERNAL", NULL, NULL,
		                                  LDAP_SASL_QUIET, sasl_interact, NULL);
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
		if (rc == LDAP_SERVER_DOWN && !session_timed_out(s) && sock_diag[0] != '\0' &&
		    strchr(err->msg, '(') == NULL)
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			         " (%s)", sock_diag);
	}
	if (ai != NULL)
		freeaddrinfo(ai);
	ldap_free_urldesc(lud);
	return -1;
}

/* start_watchdog - the thread and its clock */
static int
start_watchdog(struct session *s, struct a2r_err *err)
{
	pthread_condattr_t ca;

	s->fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, watchdog, s) != 0)
		return err_set(err, A2R_ERR_INTERNAL, "cannot start the timeout thread");
	s->thread_started = 1;
	return 0;
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
	tls_diag[0] = '\0';
	sock_diag[0] = '\0';
	ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (void *)catch_log);
	/* The certificate checks log at the trace level (see catch_log). */
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &(int){LOG_TLS_CAUSES});
	if (start_watchdog(s, err) < 0)
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
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &(int){LOG_ALWAYS_ONLY});
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
	if (s->thread_started) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
	}
	free(s->base);
	free(s->uri);
	free(s);
}
