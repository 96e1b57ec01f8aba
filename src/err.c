/* SPDX-License-Identifier: BSD-2-Clause */
/* err.c - caller-owned error records, and the exit status of each */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "err.h"

/* err_set - record status and message; always returns -1 */
int
err_set(struct a2r_err *err, enum a2r_status code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* err_prefix - put "CONTEXT: " in front of the recorded message,
 * truncating the end of the message if the whole does not fit */
void
err_prefix(struct a2r_err *err, const char *fmt, ...)
{
	char ctx[A2R_ERRMSG_MAX];
	size_t clen, mlen = strlen(err->msg), room = sizeof(err->msg) - 1;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(ctx, sizeof(ctx) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	clen = strlen(ctx);
	memcpy(ctx + clen, ": ", 3);
	clen += 2;
	if (mlen > room - clen)
		mlen = room - clen;
	memmove(err->msg + clen, err->msg, mlen);
	memcpy(err->msg, ctx, clen);
	err->msg[clen + mlen] = '\0';
}

/* err_nomem - record an allocation failure */
int
err_nomem(struct a2r_err *err)
{
	return err_set(err, A2R_ERR_INTERNAL, "out of memory");
}

/* Exit status for each error class (DESIGN.md, "Exit status"). */
static const int exit_codes[] = {
    [A2R_OK] = EX_OK,
    [A2R_ERR_USAGE] = EX_USAGE,
    [A2R_ERR_CONFIG] = EX_CONFIG,
    [A2R_ERR_SOURCE] = EX_UNAVAILABLE,
    [A2R_ERR_AUTH] = EX_NOPERM,
    [A2R_ERR_TRANSPORT] = EX_NOPERM, /* as DESIGN.md: "strong authentication required" */
    [A2R_ERR_WRITE] = EX_CANTCREAT,
    [A2R_ERR_GUARD] = EX_DATAERR,
    [A2R_ERR_ACTION] = EX_OSERR,
    [A2R_ERR_LOCK] = EX_TEMPFAIL,
    [A2R_ERR_INTERNAL] = EX_SOFTWARE,
};
_Static_assert(sizeof(exit_codes) / sizeof(exit_codes[0]) == A2R_ERR_INTERNAL + 1,
               "an exit status for every a2r_status");

int
err_exit_status(enum a2r_status code)
{
	if ((unsigned)code >= sizeof(exit_codes) / sizeof(exit_codes[0]))
		return EX_SOFTWARE;
	return exit_codes[code];
}
