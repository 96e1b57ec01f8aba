/* SPDX-License-Identifier: BSD-2-Clause */
/* report.c - stderr, syslog (facility mail), progress and metrics */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "policy.h"
#include "report.h"
#include "safefile.h"
#include "util.h"

/* Warnings written to syslog in one run; the rest are counted and
 * summarised in one line at report_close(). */
#define WARN_LOG_MAX 10

static int verbosity;
static int quiet;
static int on_tty;
static int journal; /* stderr is the systemd journal (JOURNAL_STREAM) */
static unsigned long warnings_logged, warnings_unlogged;
static int progress_shown;
static struct timespec progress_start, progress_last; /* CLOCK_MONOTONIC */

/* stderr_is_journal - systemd sets JOURNAL_STREAM to the "DEVICE:INODE"
 * of the stream it connected to stderr; a child's redirected stderr no
 * longer matches */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
report_open(int verbose, int q)
{
	verbosity = verbose;
	quiet = q;
	on_tty = isatty(2);
	journal = stderr_is_journal();
	warnings_logged = warnings_unlogged = 0;
	clock_gettime(CLOCK_MONOTONIC, &progress_start);
	openlog("ad2relay", LOG_PID, LOG_MAIL);
}

/* shown_as_is - may code point CP reach a log unescaped?  Not controls
 * (C0, C1), format characters (bidi overrides, zero-width ones),
 * surrogates, private use, unassigned code points, nor any separator
 * but the ASCII space (line and paragraph separators, NBSP, ...). */
static int
shown_as_is(UChar32 cp)
{
	return (U_GET_GC_MASK(cp) & (U_GC_C_MASK | U_GC_Z_MASK)) == 0;
}

/* escape_byte - "\n", "\t", "\r" or "\xHH" for byte C */
static int
escape_byte(unsigned char c, char *out, size_t room)
{
	static const char named[] = {['\n'] = 'n', ['\t'] = 't', ['\r'] = 'r'};

	if (c < sizeof(named) && named[c])
		return snprintf(out, room, "\\%c", named[c]);
	return snprintf(out, room, "\\x%02x", c);
}

/* escape_one - the text for the character or ill-formed sequence at
 * U + *I (advanced past it) into PIECE; returns its length */
static size_t
escape_one(const uint8_t *u, int32_t *i, int32_t len, char piece[64])
{
	int32_t start = *i;
	size_t n = 0;
	UChar32 cp;

	if (u[start] >= 0x20 && u[start] < 0x7f) {
		piece[0] = (char)u[start];
		*i = start + 1;
		return 1;
	}
	U8_NEXT(u, *i, len, cp);
	if (cp >= 0x80 && shown_as_is(cp)) {
		memcpy(piece, u + start, (size_t)(*i - start));
		return (size_t)(*i - start);
	}
	if (cp >= 0x80)
		return (size_t)snprintf(piece, 64, cp > 0xffff ? "\\U%08X" : "\\u%04X",
		                        (unsigned)cp);
	/* an ASCII control, or each byte of an ill-formed sequence */
	for (int32_t k = start; k < *i; k++)
		n += (size_t)escape_byte(u[k], piece + n, 64 - n);
	return n;
}

void
report_escape(const char *in, char *out, size_t size)
{
	const uint8_t *u = (const uint8_t *)in;
	int32_t i = 0, len = (int32_t)strnlen(in, INT32_MAX);
	size_t n = 0;

	if (size == 0)
		return;
	while (i < len) {
		char piece[64];
		size_t plen = escape_one(u, &i, len, piece);

		if (n + plen >= size)
			break;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	out[n] = '\0';
}

/* emit - one line to stderr (if TO_STDERR, with LABEL) and to syslog at
 * PRIO (if >= 0, with SLABEL, Postfix's "error: "/"warning: "), escaped.
 * When stderr is the journal, a line syslog already carries is not
 * written there a second time. */
static void emit(int prio, const char *slabel, int to_stderr, const char *label, const char *fmt,
                 va_list ap) __attribute__((format(printf, 5, 0)));

static void
emit(int prio, const char *slabel, int to_stderr, const char *label, const char *fmt, va_list ap)
{
	char line[2048], safe[4 * sizeof(line)];

	vsnprintf(line, sizeof(line), fmt, ap);
	report_escape(line, safe, sizeof(safe));
	if (to_stderr && !(journal && prio >= 0)) {
		report_progress_done();
		fprintf(stderr, "ad2relay: %s%s\n", label, safe);
	}
	if (prio >= 0)
		syslog(prio, "%s%s", slabel, safe);
}

void
report_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_ERR, "error: ", 1, "", fmt, ap);
	va_end(ap);
}

void
report_warn(const char *fmt, ...)
{
	va_list ap;
	int prio = LOG_WARNING;

	/* the first few to syslog, the rest counted (see report_close) */
	if (warnings_logged < WARN_LOG_MAX)
		warnings_logged++;
	else {
		warnings_unlogged++;
		prio = -1;
	}
	va_start(ap, fmt);
	emit(prio, "warning: ", !quiet && (verbosity > 0 || on_tty), "warning: ", fmt, ap);
	va_end(ap);
}

void
report_info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity <= 0)
		return;
	va_start(ap, fmt);
	emit(-1, "", 1, "", fmt, ap);
	va_end(ap);
}

void
report_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_INFO, "", 0, "", fmt, ap);
	va_end(ap);
}

void
report_collect_warning(void *ctx, const char *msg)
{
	(void)ctx;
	report_warn("%s", msg);
}

/* seconds_since - elapsed seconds between two monotonic times */
static double
seconds_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* draw_progress - one redraw of the status line */
static void
draw_progress(const struct collect_stats *st, const struct timespec *now)
{
	double total = seconds_since(&progress_start, now);

	fprintf(stderr, "\rad2relay: %lu entries, %lu pages, %.0f entries/s ", st->entries,
	        st->pages, total > 0 ? (double)st->entries / total : 0.0);
	progress_last = *now;
	progress_shown = 1;
}

void
report_progress(void *ctx, const struct collect_stats *st)
{
	struct timespec now;

	(void)ctx;
	if (!on_tty || quiet)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* redraw at most twice a second */
	if (!progress_shown || seconds_since(&progress_last, &now) >= 0.5)
		draw_progress(st, &now);
}

void
report_progress_end(const struct collect_stats *st)
{
	struct timespec now;

	if (progress_shown) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		draw_progress(st, &now);
	}
	report_progress_done();
}

void
report_progress_done(void)
{
	if (progress_shown) {
		fputc('\n', stderr);
		progress_shown = 0;
	}
}

/* last_success - the last success time recorded in an old metrics file */
static long long
last_success(const char *path)
{
	static const char name[] = "ad2relay_last_success_timestamp_seconds ";
	char line[256];
	long long t = 0;
	struct a2r_err ignored;
	struct stat st;
	FILE *fp;
	int fd;

	/* Only an old file of ours: a FIFO or symlink there is replaced. */
	if ((fd = safefile_open(path, "metrics_file", 0, A2R_ERR_WRITE, &st, &ignored)) < 0)
		return 0;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 0;
	}
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, name, sizeof(name) - 1) == 0)
			t = strtoll(line + sizeof(name) - 1, NULL, 10);
	fclose(fp);
	return t;
}

/* One sample of a labelled gauge: its label value and count. */
struct metrics_count {
	const char *value; /* one of our own tokens: no escaping needed */
	unsigned long n;
};

/* gauge - the gauge NAME: # HELP and # TYPE, then NAME{LABEL="..."} N
 * for each of the N counts C */
static int
gauge(struct strbuf *b, const char *name, const char *help, const char *label,
      const struct metrics_count *c, size_t n)
{
	char line[256];
	int rc;

	snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	rc = strbuf_addstr(b, line);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(line, sizeof(line), "%s{%s=\"%s\"} %lu\n", name, label, c[i].value,
		         c[i].n);
		rc = strbuf_addstr(b, line);
	}
	return rc;
}

/* metrics_counts - the entries by object class and the entries and
 * values left out of the map by reason; every label value always, so
 * that no series disappears from one run to the next */
static int
metrics_counts(struct strbuf *b, const struct collect_stats *st)
{
	struct metrics_count classes[COLLECT_NCLASSES];
	const struct metrics_count skipped[] = {{"computer", st->computers},
	                                        {"disabled", st->disabled}};
	struct metrics_count rejected[4 + POLICY_NVERDICTS - 1] = {
	    {"outside_relay_domains", st->not_relay},
	    {"other_type", st->other_total},
	    {"no_type", st->notype},
	    {"space_in_type", st->spaced},
	};

	for (int i = 0; i < COLLECT_NCLASSES; i++)
		classes[i] = (struct metrics_count){collect_class_name((enum collect_class)i),
		                                    st->classes[i]};
	/* the policy verdicts but POLICY_OK */
	for (int v = POLICY_OK + 1; v < POLICY_NVERDICTS; v++)
		rejected[3 + v] = (struct metrics_count){
		    policy_verdict_name((enum policy_verdict)v), st->policy[v]};
	if (gauge(b, "ad2relay_objects", "Directory entries the last run read, by object class.",
	          "class", classes, COLLECT_NCLASSES) < 0 ||
	    gauge(b, "ad2relay_skipped_entries",
	          "Entries the last run left out with all their values, by reason.", "reason",
	          skipped, 2) < 0 ||
	    gauge(b, "ad2relay_rejected_values",
	          "Values of the address attributes the last run did not put in the map, by "
	          "reason.",
	          "reason", rejected, sizeof(rejected) / sizeof(rejected[0])) < 0)
		return -1;
	return 0;
}

/* metrics_text - the file's contents */
static int
metrics_text(struct strbuf *b, const char *path, const struct report_metrics *m)
{
	char line[1024];
	struct strbuf dc = {0};
	long long ok = m->status == 0 ? (long long)m->start : last_success(path);
	int rc;

	/* label values escape backslash, quote and newline */
	for (const char *p = m->dc ? m->dc : ""; *p != '\0'; p++)
		if ((strchr("\\\"", *p) && strbuf_addc(&dc, '\\') < 0) || strbuf_addc(&dc, *p) < 0)
			return -1;
	snprintf(
	    line, sizeof(line),
	    "# HELP ad2relay_last_run_timestamp_seconds Start of the last run.\n"
	    "# TYPE ad2relay_last_run_timestamp_seconds gauge\n"
	    "ad2relay_last_run_timestamp_seconds %lld\n"
	    "# HELP ad2relay_last_success_timestamp_seconds Start of the last successful run.\n"
	    "# TYPE ad2relay_last_success_timestamp_seconds gauge\n"
	    "ad2relay_last_success_timestamp_seconds %lld\n",
	    (long long)m->start, ok);
	rc = strbuf_addstr(b, line);
	snprintf(line, sizeof(line),
	         "# HELP ad2relay_run_status Exit status of the last run (0 = success).\n"
	         "# TYPE ad2relay_run_status gauge\n"
	         "ad2relay_run_status %d\n"
	         "# HELP ad2relay_addresses Addresses the last run exported.\n"
	         "# TYPE ad2relay_addresses gauge\n"
	         "ad2relay_addresses %lu\n"
	         "# HELP ad2relay_entries Directory entries the last run read.\n"
	         "# TYPE ad2relay_entries gauge\n"
	         "ad2relay_entries %lu\n"
	         "# HELP ad2relay_duration_seconds How long the last run took.\n"
	         "# TYPE ad2relay_duration_seconds gauge\n"
	         "ad2relay_duration_seconds %.3f\n"
	         "# HELP ad2relay_dc_info The domain controller the last export came from.\n"
	         "# TYPE ad2relay_dc_info gauge\n",
	         m->status, m->addresses, m->entries, m->duration);
	rc = rc < 0 ? rc : strbuf_addstr(b, line);
	if (rc == 0 && m->dc != NULL) {
		snprintf(line, sizeof(line), "ad2relay_dc_info{dc=\"%s\"} 1\n", dc.p ? dc.p : "");
		rc = strbuf_addstr(b, line);
	}
	if (rc == 0 && m->stats != NULL)
		rc = metrics_counts(b, m->stats);
	strbuf_free(&dc);
	return rc;
}

int
report_metrics(const char *path, const struct report_metrics *m, struct a2r_err *err)
{
	struct strbuf b = {0};
	char *tmp = NULL;
	int fd = -1, rc = -1;

	if (metrics_text(&b, path, m) < 0 || asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		err_nomem(err);
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(err, A2R_ERR_WRITE, "metrics_file %s: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, b.p, b.len) != (ssize_t)b.len || fchmod(fd, 0644) < 0 || close(fd) < 0) {
		fd = -1;
		err_set(err, A2R_ERR_WRITE, "write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set(err, A2R_ERR_WRITE, "rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	strbuf_free(&b);
	return rc;
}

void
report_close(void)
{
	report_progress_done();
	if (warnings_unlogged > 0)
		syslog(LOG_WARNING,
		       "warning: and %lu more warnings like these (ad2relay -n -v lists them all)",
		       warnings_unlogged);
	warnings_unlogged = 0;
	closelog();
}
