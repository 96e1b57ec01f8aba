/* report.c - messages to stderr and syslog (facility mail) */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "report.h"

static int verbosity;
static int quiet;

void
report_open(int verbose, int q)
{
	verbosity = verbose;
	quiet = q;
	openlog("ad2relay", LOG_PID, LOG_MAIL);
}

/* emit - one line to stderr (if wanted) and to syslog at PRIO */
static void
emit(int prio, int to_stderr, const char *label, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_stderr)
		fprintf(stderr, "ad2relay: %s%s\n", label, line);
	if (prio >= 0)
		syslog(prio, "%s%s", label, line);
}

void
report_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_ERR, 1, "", fmt, ap);
	va_end(ap);
}

void
report_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_WARNING, !quiet, "warning: ", fmt, ap);
	va_end(ap);
}

void
report_info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity <= 0)
		return;
	va_start(ap, fmt);
	emit(-1, 1, "", fmt, ap);
	va_end(ap);
}

void
report_collect_warning(void *ctx, const char *msg)
{
	(void)ctx;
	report_warn("%s", msg);
}

void
report_close(void)
{
	closelog();
}
