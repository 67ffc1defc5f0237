/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What krgd and krginit share: their log, the monotonic clock, and the
 * start-up report krginit sends krgd over a pipe.
 */
#ifndef _KRGD_H
#define _KRGD_H

#include <stdbool.h>

/*
 * krginit's start-up report, one line on the file descriptor named by
 * "--ready-fd N": KRGINIT_READY once the environment is registered
 * (ENV_INIT done, agents started), or KRGINIT_FAILED and the reason.
 */
#define KRGINIT_READY		"ready"
#define KRGINIT_FAILED		"failed: "
#define KRGINIT_REPORT_MAX	512

/* krginit's exit codes besides 0 (stopped on request). */
#define KRGINIT_EXIT_SETUP	1	/* could not set up the environment */
#define KRGINIT_EXIT_ENDED	3	/* the kernel ended the environment */

/* Log lines "2026-12-06 09:34:36 IDENT[PID]: message" on stderr, which krgd
 * points at KRGD_LOG_FILE when it runs as a daemon; krginit inherits it.
 * One write() per line, so the two programs' lines never mix.
 */
void log_init(const char *ident);
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* logmsg() then exit(code). */
void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* CLOCK_MONOTONIC in milliseconds. */
long long now_ms(void);
/* poll() timeout until deadline_ms (0 = none: -1), at least 0. */
int ms_until(long long deadline_ms);

#endif /* _KRGD_H */
