// SPDX-License-Identifier: GPL-2.0
/*
 * krg: run and watch processes of a Kerrighed cluster.
 *
 *   krg [-j] COMMAND [OPTIONS] [ARGS]
 *
 * See krg(1).  Exit codes: 0 ok, 1 error; run and shell exit with the
 * command's status (128+N when signal N killed it).  Called as "migrate"
 * (a link to krg), it is "krg migrate", Kerrighed's migrate(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "krg_tool.h"

#define KRG_VERSION "0.1"

struct opts opt;
const char *progname = "krg";

static uid_t real_uid;
static gid_t real_gid;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool setns;			/* keeps root (saved) for the setns step */
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, true, "[-n NODE] [--] CMD [ARGS...]",
	  "run CMD as a cluster process (on NODE, default this node)" },
	{ "shell", cmd_shell, true, "",
	  "a login shell ($SHELL -l) in the cluster" },
	{ "ps", cmd_ps, false, "[-j] [-n LIST] [-u USER]",
	  "every cluster process of the cluster" },
	{ "caps", cmd_caps, false, "[-k PID] [-e|-p|-d|-i] [+|-]CAP[,CAP...]",
	  "change Kerrighed capabilities (default: effective)" },
	{ "caps", cmd_caps, false, "[-j] [-k PID] -s", "show Kerrighed capabilities" },
	{ "migrate", cmd_migrate, false, "[-v] PID NODE",
	  "move cluster process PID to node NODE" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-j] COMMAND [OPTIONS] [ARGS]\n\n", progname);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-7s %-42s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	fprintf(f, "\nOptions:\n"
		"  -j, --json      JSON output (ps, caps -s)\n"
		"  -h, --help      this help\n"
		"  -V, --version   version\n"
		"\nExit status: 0 ok, 1 error; run and shell: the command's (128+N for signal N).\n");
}

/* A setuid program must not write its output into a file that happens to
 * get descriptor 0, 1 or 2.
 */
static void ensure_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	if (fd > STDERR_FILENO)
		close(fd);
	if (fd < 0)
		_exit(EXIT_ERR);
}

void priv_init(bool keep_for_setns)
{
	real_uid = getuid();
	real_gid = getgid();
	if (!keep_for_setns) {
		priv_drop();
		return;
	}
	/* root stays only as the saved set-user-ID */
	if (setegid(real_gid) || seteuid(real_uid)) {
		fprintf(stderr, "Error: cannot switch to uid %u: %s.\n", real_uid, strerror(errno));
		exit(EXIT_ERR);
	}
}

int priv_raise(void)
{
	return seteuid(0) ? -errno : 0;
}

void priv_drop(void)
{
	uid_t r, e, s;

	if (setresgid(real_gid, real_gid, real_gid) ||
	    setresuid(real_uid, real_uid, real_uid) ||
	    getresuid(&r, &e, &s) || r != real_uid || e != real_uid || s != real_uid ||
	    (real_uid && !setuid(0))) {
		fprintf(stderr, "Error: cannot drop privileges to uid %u.\n", real_uid);
		exit(EXIT_ERR);
	}
}

uid_t priv_real_uid(void)
{
	return real_uid;
}

/* A decimal number in [min, max], nothing else around it. */
static bool parse_number(const char *s, unsigned long min, unsigned long max, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

int parse_pid(const char *s, uint32_t *pid)
{
	if (!parse_number(s, 1, KRG_PID_SPACE - 1, pid))
		return fail("invalid PID \"%s\" (1-%u)", s, KRG_PID_SPACE - 1);
	return 0;
}

int parse_node(const char *s, uint32_t *node)
{
	if (!parse_number(s, 0, KRG_MAX_NODES - 1, node))
		return fail("invalid node \"%s\" (0-%u)", s, KRG_MAX_NODES - 1);
	return 0;
}

int open_proc(struct krg_handle **h, struct krg_proc_status *st)
{
	struct krg_err err;

	if (krg_proc_open(h, &err))
		return fail_err(&err);
	if (st && krg_proc_status(*h, st, &err)) {
		krg_close(*h);
		return fail_err(&err);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	int first = 1;
	size_t i;

	ensure_std_fds();
	/* Kerrighed's "migrate PID NODE": krg under that name */
	base = base ? base + 1 : argc > 0 ? argv[0] : "";
	if (!strcmp(base, "migrate")) {
		progname = "migrate";
		priv_init(false);
		return cmd_migrate(argc, argv);
	}
	/* before anything else: which command, so the privileges can go */
	while (first < argc && argv[first][0] == '-' &&
	       (!strcmp(argv[first], "-j") || !strcmp(argv[first], "--json")))
		first++;
	for (i = 0; first < argc && i < NR_COMMANDS; i++)
		if (!strcmp(argv[first], commands[i].name))
			break;
	if (first < argc && i < NR_COMMANDS && commands[i].setns)
		environ_load();
	priv_init(first < argc && i < NR_COMMANDS && commands[i].setns);

	opt.json = first > 1;
	krg_out_json(opt.json);
	if (first >= argc) {
		if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return EXIT_OK;
		}
		if (argc > 1 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
			printf("krg %s\n", KRG_VERSION);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_ERR;
	}
	if (i == NR_COMMANDS) {
		if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
			usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[first], "-V") || !strcmp(argv[first], "--version")) {
			printf("krg %s\n", KRG_VERSION);
			return EXIT_OK;
		}
		if (argv[first][0] == '-')
			return fail("unknown option \"%s\" (see %s --help)", argv[first], progname);
		return fail("unknown command \"%s\" (see %s --help)", argv[first], progname);
	}
	return commands[i].fn(argc - first, argv + first);
}
