/* report.h - the only module that talks to the user: stderr and syslog
 *
 * report_open() once at start (opens syslog with facility mail);
 * report_error() for the one line a failed run prints; report_warn() for
 * per-value warnings (suppressed on stderr by -q); report_info() for -v
 * detail.  report_close() at exit.
 */
#ifndef A2R_REPORT_H
#define A2R_REPORT_H

/* report_open - VERBOSE: 0 quiet-ish default, >0 detail; QUIET drops warnings */
void report_open(int verbose, int quiet);

void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* report_collect_warning - adapter for collect's warning callback */
void report_collect_warning(void *ctx, const char *msg);

void report_close(void);

#endif
