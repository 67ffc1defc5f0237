// SPDX-License-Identifier: GPL-2.0
/*
 * krgadm: administer a Kerrighed cluster.
 *
 *   krgadm [-j] [-c FILE] OBJECT COMMAND [OPTIONS]
 *
 * See krgadm(8).  Exit codes: 0 ok, 1 error, 2 degraded.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "krgadm.h"

#define KRGADM_VERSION "0.1"

struct opts opt = { .config = KRG_CONF_DEFAULT_PATH };
const char *progname = "krgadm";

struct command {
	const char *object;
	const char *verb;		/* NULL: the object alone is the command */
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{ "cluster", "status", cmd_cluster_status, "",
	  "show this node's cluster configuration and membership" },
	{ "nodes", "status", cmd_nodes_status, "[-n LIST]",
	  "list nodes and their state" },
	{ "nodes", "add", cmd_nodes_add, "{-n LIST | -a} [-w SECONDS]",
	  "bring nodes online (wait up to SECONDS for them to be reachable)" },
	{ "nodes", "del", cmd_nodes_del, "{-n LIST | -a} [--kill]",
	  "make nodes leave the cluster (--kill: their cluster processes too)" },
	{ "nodes", "stats", cmd_nodes_stats, "[-n LIST]",
	  "per-peer transport statistics" },
	{ "node", "start", cmd_node_start, "[-c FILE] [-m MODULES]",
	  "load the modules, configure this node, start krgd" },
	{ "node", "stop", cmd_node_stop, "",
	  "stop krgd, leave the cluster, unload the modules" },
	{ "kddm", "status", cmd_kddm_status, "",
	  "KDDM sets of this node and their statistics" },
	{ "check", NULL, cmd_check, "",
	  "kernel, modules, netlink families, cluster environment" },
	{ "monitor", NULL, cmd_monitor, "[-w SECONDS]",
	  "print membership events as they happen" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-j] [-c FILE] OBJECT COMMAND [OPTIONS]\n\n", progname);
	for (i = 0; i < NR_COMMANDS; i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "%s%s%s", commands[i].object,
			 commands[i].verb ? " " : "", commands[i].verb ? commands[i].verb : "");
		fprintf(f, "  %-14s %-28s %s\n", cmd, commands[i].args, commands[i].help);
	}
	fprintf(f, "\nOptions:\n"
		"  -j, --json          JSON output\n"
		"  -c, --config FILE   cluster configuration (default %s)\n"
		"  -n, --nodes LIST    node list, e.g. 1-3,5\n"
		"  -a, --all           nodes add: every present or online node;\n"
		"                      nodes del: every online node\n"
		"  -w, --wait SECONDS  wait that long for a condition\n"
		"  -m, --modules LIST  modules to load (node start), comma-separated\n"
		"      --kill          nodes del: kill the leaving nodes' cluster processes\n"
		"  -h, --help          this help\n"
		"  -V, --version       version\n"
		"\nExit status: 0 ok, 1 error, 2 degraded (e.g. a node failed).\n",
		KRG_CONF_DEFAULT_PATH);
}

int open_comm(struct krg_handle **h)
{
	struct krg_err err = { 0 };

	if (krg_open(h, &err))
		return fail_err(&err);
	return 0;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "config", required_argument, NULL, 'c' },
	{ "nodes", required_argument, NULL, 'n' },
	{ "all", no_argument, NULL, 'a' },
	{ "wait", required_argument, NULL, 'w' },
	{ "modules", required_argument, NULL, 'm' },
	{ "kill", no_argument, NULL, 'K' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 86400))
		return fail("invalid number of seconds \"%s\" (0-86400)", s);
	*out = v;
	return 0;
}

/* Global options (before OBJECT) and command options share one parser; a
 * command accepts only the letters in "accept" (plus j, c, h).
 */
int parse_cmd_opts(int argc, char **argv, const char *accept)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jc:n:aw:m:hV", long_opts, NULL)) != -1) {
		if (c == '?')
			return fail("unknown option \"%s\" (see %s --help)",
				    argv[optind - 1], progname);
		if (c == ':')
			return fail("option \"%s\" needs an argument", argv[optind - 1]);
		if (accept && !strchr("jchV", c) && !strchr(accept, c))
			return c == 'K' ? fail("option --kill does not apply to \"%s\"", argv[0]) :
				fail("option -%c does not apply to \"%s\"", c, argv[0]);
		switch (c) {
		case 'j':
			opt.json = true;
			krg_out_json(true);
			break;
		case 'c':
			opt.config = optarg;
			break;
		case 'n':
			opt.nodes = optarg;
			break;
		case 'a':
			opt.all = true;
			break;
		case 'w':
			if (parse_seconds(optarg, &opt.wait_s))
				return EXIT_ERR;
			break;
		case 'm':
			opt.modules = optarg;
			break;
		case 'K':
			opt.kill = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("krgadm %s\n", KRGADM_VERSION);
			exit(EXIT_OK);
		}
	}
	if (accept && optind < argc)
		return fail("unexpected argument \"%s\"", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *object, *verb;
	int ret, first;
	size_t i;

	ret = parse_cmd_opts(argc, argv, NULL);
	if (ret)
		return ret;
	first = optind;
	if (first >= argc) {
		usage(stderr);
		return EXIT_ERR;
	}
	object = argv[first];
	verb = first + 1 < argc ? argv[first + 1] : NULL;
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(commands[i].object, object))
			continue;
		if (!commands[i].verb)
			return commands[i].fn(argc - first, argv + first);
		if (verb && !strcmp(commands[i].verb, verb))
			return commands[i].fn(argc - first - 1, argv + first + 1);
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].object, object) && !verb)
			return fail("missing command after \"%s\" (see %s --help)",
				    object, progname);
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].object, object))
			return fail("unknown command \"%s %s\" (see %s --help)", object,
				    verb, progname);
	return fail("unknown object \"%s\" (see %s --help)", object, progname);
}
