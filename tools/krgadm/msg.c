// SPDX-License-Identifier: GPL-2.0
/*
 * Messages of the command-line tools (krgadm, krg): "Error: <why>." and
 * "Warning: <why>." on stderr, printed by libkrgout, with the exit code the
 * tools return.
 */
#include <stdarg.h>
#include <stdio.h>

#include "krgadm.h"

int fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	krg_out_error("%s", msg);
	return EXIT_ERR;
}

int fail_err(const struct krg_err *err)
{
	return fail("%s", krg_err_str(err));
}

void warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	krg_out_warn("%s", msg);
}
