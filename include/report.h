/* SPDX-License-Identifier: BSD-2-Clause */
/* report.h - the only module besides the commands that talks to the
 * user: stderr, syslog (facility mail) and the metrics file
 *
 * report_open() once at start.  report_error() is the one line of a
 * failed run (stderr and syslog).  report_warn() is a per-value warning:
 * on stderr with -v or when stderr is a terminal (never with -q), so a
 * cron run is silent; the first 10 of a run also go to syslog, and
 * report_close() logs how many more there were.  report_info() is -v
 * detail on stderr.  report_log() is a syslog-only line (a changed map).
 *
 * Every line is escaped by report_escape() on its way out, so a DN or a
 * value from the directory can neither forge a second line nor send
 * terminal control sequences.  Syslog lines carry Postfix's severity
 * labels ("error: ", "warning: ").  When stderr is the systemd journal
 * (JOURNAL_STREAM names it), a line that goes to syslog is not written to
 * stderr as well: the journal would hold it twice.
 * report_progress() redraws one status line on a terminal.
 * report_metrics() writes the Prometheus textfile-collector file.
 */
#ifndef A2R_REPORT_H
#define A2R_REPORT_H

#include <time.h>

#include "collect.h"
#include "err.h"

void report_open(int verbose, int quiet);

void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* report_escape - IN as one printable line in OUT (SIZE bytes, always
 * NUL-terminated, cut short if need be): printable ASCII and printable
 * UTF-8 characters as they are; "\n", "\t", "\r", "\xHH" for other ASCII
 * bytes and for each byte of an ill-formed sequence; "\uHHHH" (or
 * "\UHHHHHHHH") for controls, format characters, separators other than
 * the ASCII space, unassigned, private-use and surrogate code points.
 * Backslashes are left alone (DNs use them).  4 * strlen(IN) + 1 bytes
 * always suffice. */
void report_escape(const char *in, char *out, size_t size);

/* report_collect_warning - adapter for collect's warning callback */
void report_collect_warning(void *ctx, const char *msg);

/* report_progress - adapter for collect's progress callback: entries,
 * pages and rate on one redrawn terminal line (nothing unless stderr is a
 * terminal and -q is not given); report_progress_done() ends the line */
void report_progress(void *ctx, const struct collect_stats *st);
void report_progress_done(void);

/* report_progress_end - final totals on the status line, if one is shown */
void report_progress_end(const struct collect_stats *st);

struct report_metrics {
	time_t start;          /* when the run began */
	double duration;       /* seconds */
	int status;            /* exit status */
	unsigned long entries; /* directory entries read */
	unsigned long addresses;
	const char *dc; /* DC used, or NULL */
	/* the counts by object class and by reason, or NULL */
	const struct collect_stats *stats;
};

/* report_metrics - write PATH atomically (temp file + rename); the last
 * success time is kept from the previous file when this run failed */
int report_metrics(const char *path, const struct report_metrics *m, struct a2r_err *err);

void report_close(void);

#endif
