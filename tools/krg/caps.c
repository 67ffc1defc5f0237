// SPDX-License-Identifier: GPL-2.0
/*
 * krg caps: show or change the Kerrighed capabilities of a cluster process,
 * as krgcapset did.
 *
 *   krg caps [-j] [-k PID] -s
 *   krg caps [-k PID] [-e|-p|-d|-i] [+|-]CAP[,CAP...]
 *
 * "+LIST" adds to the set, "-LIST" removes from it, a bare LIST sets it
 * exactly.  Without -k the target is krg's parent (the shell that ran it),
 * which must be a cluster process.  The options are read by hand: "-CAP"
 * is a list, not a cluster of options.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "krg_tool.h"

enum set { S_EFFECTIVE, S_PERMITTED, S_INH_EFFECTIVE, S_INH_PERMITTED, NR_SETS };

static const struct {
	const char *opt, *long_opt, *key;
} sets[NR_SETS] = {
	[S_EFFECTIVE]	  = { "-e", "--effective", "effective" },
	[S_PERMITTED]	  = { "-p", "--permitted", "permitted" },
	[S_INH_EFFECTIVE] = { "-d", "--inheritable-effective", "inheritable_effective" },
	[S_INH_PERMITTED] = { "-i", "--inheritable-permitted", "inheritable_permitted" },
};

static uint32_t *set_of(struct krg_caps *caps, enum set s)
{
	switch (s) {
	case S_PERMITTED:	return &caps->permitted;
	case S_INH_EFFECTIVE:	return &caps->inheritable_effective;
	case S_INH_PERMITTED:	return &caps->inheritable_permitted;
	default:		return &caps->effective;
	}
}

struct caps_args {
	uint32_t pid;			/* 0: krg's parent */
	bool show;
	int set;			/* enum set, -1 none given */
	const char *list;
};

static int parse_args(int argc, char **argv, struct caps_args *a)
{
	int i, s;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		for (s = 0; s < NR_SETS; s++)
			if (!strcmp(arg, sets[s].opt) || !strcmp(arg, sets[s].long_opt))
				break;
		if (s < NR_SETS) {
			if (a->set >= 0 && a->set != s)
				return fail("%s and %s are mutually exclusive", sets[a->set].opt,
					    sets[s].opt);
			a->set = s;
		} else if (!strcmp(arg, "-k") || !strcmp(arg, "--pid")) {
			if (++i == argc)
				return fail("option \"%s\" needs an argument", arg);
			if (parse_pid(argv[i], &a->pid))
				return EXIT_ERR;
		} else if (!strcmp(arg, "-s") || !strcmp(arg, "--show")) {
			a->show = true;
		} else if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			opt.json = true;
			krg_out_json(true);
		} else if (!strcmp(arg, "--") && i + 1 < argc && !a->list) {
			a->list = argv[++i];
		} else if (!a->list && arg[0] && (arg[0] != '-' || arg[1] != '-')) {
			a->list = arg;
		} else {
			return fail(a->list ? "unexpected argument \"%s\"" :
				    "unknown option \"%s\" for caps", arg);
		}
	}
	if (a->show && (a->list || a->set >= 0))
		return fail("-s shows the capabilities: it takes no set and no list");
	if (!a->show && !a->list)
		return fail("caps needs -s or a capability list: %s",
			    "krg caps [-k PID] [-e|-p|-d|-i] [+|-]CAP[,CAP...]");
	return 0;
}

/* Without -k: our parent, if we run inside the cluster (krginit is 1). */
static int target(struct krg_proc_status *st, struct caps_args *a)
{
	if (a->pid)
		return 0;
	if (st->init_pid != 1)
		return fail("without -k, krg caps acts on the shell that runs it, %s",
			    "which is not a cluster process: run it in the cluster (krg shell) or give -k PID");
	a->pid = (uint32_t)getppid();
	if (!a->pid)	/* exec'd by krg run: the parent is outside */
		return fail("without -k, krg caps acts on the process that runs it, %s",
			    "which is outside the cluster here: give -k PID");
	return 0;
}

static void show(uint32_t pid, const struct krg_caps *caps)
{
	struct krg_record *r = krg_record_new("caps");
	struct krg_caps c = *caps;
	char buf[256];
	int s;

	krg_record_fmt(r, "pid", KRG_COL_NUM, "%u", pid);
	for (s = 0; s < NR_SETS; s++) {
		krg_cap_list_format(*set_of(&c, s), buf, sizeof(buf));
		krg_record_str(r, sets[s].key, buf);
	}
	krg_record_print(r);
}

int cmd_caps(int argc, char **argv)
{
	struct caps_args a = { .set = -1 };
	struct krg_proc_status st;
	struct krg_caps caps;
	struct krg_err err;
	struct krg_handle *h;
	uint32_t list = 0, *set;
	int ret;

	if (parse_args(argc, argv, &a))
		return EXIT_ERR;
	/* bad input fails the same way with or without the module */
	if (a.list && krg_cap_list_parse(a.list + (a.list[0] == '+' || a.list[0] == '-'),
					 &list, &err))
		return fail_err(&err);
	if (open_proc(&h, &st))
		return EXIT_ERR;
	ret = target(&st, &a);
	if (!ret && krg_proc_caps_get(h, a.pid, &caps, &err))
		ret = fail_err(&err);
	if (ret || a.show) {
		if (!ret)
			show(a.pid, &caps);
		krg_close(h);
		return ret;
	}
	set = set_of(&caps, a.set < 0 ? S_EFFECTIVE : a.set);
	if (a.list[0] == '+')
		*set |= list;
	else if (a.list[0] == '-')
		*set &= ~list;
	else
		*set = list;
	if (krg_proc_caps_set(h, a.pid, &caps, &err))
		ret = fail_err(&err);
	krg_close(h);
	return ret;
}
