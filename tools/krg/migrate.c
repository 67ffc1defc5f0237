// SPDX-License-Identifier: GPL-2.0
/*
 * krg migrate: move a running cluster process to another node, as
 * Kerrighed's migrate(1) did (krg installs a "migrate" link to itself, and
 * called by that name it is this command).
 *
 *   krg migrate [-v] PID NODE
 *
 * The kernel decides: the caller must be allowed to signal PID (or have
 * CAP_SYS_ADMIN), PID must have CAN_MIGRATE effective, and everything it
 * holds must be able to move; a refusal names what cannot.  krg runs this
 * as the caller (priv_init() dropped root first thing).
 */
#include <stdio.h>
#include <string.h>

#include "krg_tool.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s%s [-v] PID NODE\n"
		"Move cluster process PID (all its threads) to node NODE; it keeps its PID.\n"
		"  -v, --verbose   say where it runs now\n", progname,
		strcmp(progname, "migrate") ? " migrate" : "");
}

int cmd_migrate(int argc, char **argv)
{
	const char *args[2];
	struct krg_handle *h;
	struct krg_err err;
	uint32_t pid, node, now;
	bool verbose = false, options = true;
	int i, n = 0, ret;

	for (i = 1; i < argc; i++) {
		if (!options || argv[i][0] != '-' || !argv[i][1]) {
			if (n == 2)
				return fail("unexpected argument \"%s\" (migrate takes PID NODE)",
					    argv[i]);
			args[n++] = argv[i];
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--")) {
			options = false;
		} else {
			return fail("unknown option \"%s\" for migrate", argv[i]);
		}
	}
	if (n < 2) {
		usage(stderr);
		return EXIT_ERR;
	}
	if (parse_pid(args[0], &pid) || parse_node(args[1], &node) || open_proc(&h, NULL))
		return EXIT_ERR;
	ret = krg_proc_migrate(h, pid, node, &now, &err);
	krg_close(h);
	if (ret)
		return fail_err(&err);
	if (verbose)
		printf("%u now runs on node %u\n", pid, now);
	return EXIT_OK;
}
