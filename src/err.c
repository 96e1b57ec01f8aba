/* SPDX-License-Identifier: BSD-2-Clause */
/* err.c - caller-owned error records */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
