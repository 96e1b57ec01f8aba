/* SPDX-License-Identifier: BSD-2-Clause */
/* ldaplog.c - libldap's log and stderr turned into error message parts */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldaplog.h"

/* LDAP_DEBUG_NONE of the private ldap_log.h: a level no Debug() call uses
 * except LDAP_DEBUG_ANY, which is every bit set. */
#define LOG_ALWAYS_ONLY 0x8000
/* LDAP_DEBUG_TRACE, where the TLS code says why a certificate failed */
#define LOG_TLS_CAUSES (LOG_ALWAYS_ONLY | 0x0001)

/* libldap explains a failed TLS handshake only in its debug log: the
 * first such line, to put into our own error message. */
static char tls_diag[256];
/* Likewise the socket error of a failed TCP connect ("Connection refused"):
 * the trace line "ldap_is_socket_ready: error on socket N: errno: E (TEXT)"
 * is the only place it survives (libldap's later shutdown() clobbers errno). */
static char sock_diag[128];
#define SOCK_ERROR_LINE "ldap_is_socket_ready: error on socket"
/* libldap reports LDIF syntax errors through its log print function. */
static char ldif_diag[256];

/* keep_line - MSG into BUF without its trailing newline and blanks */
static void
keep_line(char *buf, size_t size, const char *msg)
{
	size_t len;

	snprintf(buf, size, "%s", msg);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
}

/* catch_connect - liblber's log print function while connecting */
static void
catch_connect(const char *msg)
{
	const char *lp, *rp;

	if (strncmp(msg, SOCK_ERROR_LINE, strlen(SOCK_ERROR_LINE)) == 0 && sock_diag[0] == '\0' &&
	    (lp = strrchr(msg, '(')) != NULL && (rp = strchr(lp, ')')) != NULL) {
		snprintf(sock_diag, sizeof(sock_diag), "%.*s", (int)(rp - lp - 1), lp + 1);
		return;
	}
	/* Keep the first cause; the later "can't connect" line says nothing. */
	if (strncmp(msg, "TLS", 3) != 0 || tls_diag[0] != '\0')
		return;
	keep_line(tls_diag, sizeof(tls_diag), msg);
}

void
ldaplog_catch_connect(void)
{
	tls_diag[0] = '\0';
	sock_diag[0] = '\0';
	ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (void *)catch_connect);
	/* The certificate checks log at the trace level (see catch_connect). */
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &(int){LOG_TLS_CAUSES});
}

void
ldaplog_quiet(void)
{
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &(int){LOG_ALWAYS_ONLY});
}

const char *
ldaplog_tls_cause(void)
{
	return tls_diag;
}

const char *
ldaplog_socket_error(void)
{
	return sock_diag;
}

/* catch_ldif - liblber's log print function while reading LDIF */
static void
catch_ldif(const char *msg)
{
	keep_line(ldif_diag, sizeof(ldif_diag), msg);
}

void
ldaplog_catch_ldif(void)
{
	ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (void *)catch_ldif);
}

void
ldaplog_ldif_clear(void)
{
	ldif_diag[0] = '\0';
}

const char *
ldaplog_ldif_cause(void)
{
	return ldif_diag;
}

/* ldaplog_parse_ldif_record - ldap_parse_ldif_record() writes its syntax
 * errors straight to stderr with fprintf: catch that text in memory */
int
ldaplog_parse_ldif_record(struct berval *rbuf, unsigned long line, LDIFRecord *lr, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	FILE *saved = stderr;
	int rc;

	ldif_diag[0] = '\0';
	if (mem != NULL)
		stderr = mem;
	rc = ldap_parse_ldif_record(rbuf, line, lr, "LDIF", flags);
	if (mem != NULL) {
		stderr = saved;
		fclose(mem);
		if (text != NULL && strncmp(text, "LDIF: ", 6) == 0)
			catch_ldif(text + 6);
		free(text);
	}
	return rc;
}
