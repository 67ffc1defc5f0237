/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tests/hooks programs: TAP-style checks and access to
 * the test consumer's debugfs files (consumer/krg_hooks_test.c).
 */
#ifndef _HOOKS_UTIL_H
#define _HOOKS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consumer/krg_hooks_test.h"

static int hu_checks __attribute__((unused));
static int hu_failures __attribute__((unused));

static inline void hu_check(int ok, const char *fmt, ...)
{
	va_list ap;

	hu_checks++;
	if (!ok)
		hu_failures++;
	printf("%s %d - ", ok ? "ok" : "not ok", hu_checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int hu_write(const char *file, const char *val)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", KRG_TEST_DEBUGFS, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

static inline int hu_read(const char *file, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", KRG_TEST_DEBUGFS, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* A counter of the consumer, or -1 if it cannot be read. */
static inline long hu_counter(const char *name)
{
	char buf[2048], *line, *save = NULL;
	size_t len = strlen(name);

	if (hu_read("counts", buf, sizeof(buf)))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, name, len) && line[len] == ' ')
			return atol(line + len + 1);
	return -1;
}

static inline double hu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Polls until counter == want or the deadline passes; returns the last value. */
static inline long hu_wait_counter(const char *name, long want, double seconds)
{
	double end = hu_now() + seconds;
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	long v;

	for (;;) {
		v = hu_counter(name);
		if (v == want || hu_now() > end)
			return v;
		nanosleep(&pause, NULL);
	}
}

#endif
