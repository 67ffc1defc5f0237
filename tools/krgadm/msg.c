// SPDX-License-Identifier: GPL-2.0
/*
 * Messages of the command-line tools (krgadm, krg): "Error: <why>." and
 * "Warning: <why>." on stderr, one sentence ending with a period.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "krgadm.h"

static void verror(const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	fprintf(stderr, "%s: %s%s\n", prefix, msg, n && msg[n - 1] == '.' ? "" : ".");
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror("Error", fmt, ap);
	va_end(ap);
	return EXIT_ERR;
}

int fail_err(const struct krg_err *err)
{
	return fail("%s", krg_err_str(err));
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror("Warning", fmt, ap);
	va_end(ap);
}
