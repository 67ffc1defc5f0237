// SPDX-License-Identifier: GPL-2.0
/*
 * krg ps: every cluster process of every online node, from one PS dump
 * (one round of messages), as a table or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krg_tool.h"

enum { C_PID, C_PPID, C_PGID, C_SID, C_NODE, C_USER, C_STATE, C_TIME, C_CMD, NR_COLS };

static const struct krg_col cols[NR_COLS] = {
	[C_PID] = { "PID", KRG_COL_NUM, 0 },	[C_PPID] = { "PPID", KRG_COL_NUM, 0 },
	[C_PGID] = { "PGID", KRG_COL_NUM, 0 },	[C_SID] = { "SID", KRG_COL_NUM, 0 },
	[C_NODE] = { "NODE", KRG_COL_NUM, 0 },	[C_USER] = { "USER", KRG_COL_STR, 0 },
	[C_STATE] = { "STATE", KRG_COL_STR, 0 },	[C_TIME] = { "TIME", KRG_COL_STR, 0 },
	[C_CMD] = { "CMD", KRG_COL_STR, 0 },
};

/* ps's TIME: [DD-]HH:MM:SS of CPU time. */
static void cell_cpu_time(struct libscols_line *ln, uint64_t ns)
{
	unsigned long long s = ns / 1000000000ULL;

	if (s >= 86400)
		krg_cell_fmt(ln, C_TIME, "%llu-%02llu:%02llu:%02llu", s / 86400, s / 3600 % 24,
			     s / 60 % 60, s % 60);
	else
		krg_cell_fmt(ln, C_TIME, "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
}

/* argv joined by blanks, or [comm] for a process without one (a kernel
 * thread, a zombie).
 */
static void cell_cmd(struct libscols_line *ln, const struct krg_proc_info *p)
{
	char buf[KRG_PROC_CMDLINE_MAX + 1];
	size_t n = p->cmdline_len, i;

	while (n && !p->cmdline[n - 1])
		n--;
	if (!n) {
		krg_cell_fmt(ln, C_CMD, "[%s]", p->comm);
		return;
	}
	for (i = 0; i < n; i++)
		buf[i] = p->cmdline[i] ? p->cmdline[i] : ' ';
	buf[n] = '\0';
	krg_cell_str(ln, C_CMD, buf);
}

static int ps_row(const struct krg_proc_info *p, void *arg)
{
	struct libscols_line *ln = krg_table_row(arg);
	struct passwd *pw = getpwuid(p->uid);

	krg_cell_fmt(ln, C_PID, "%u", p->pid);
	krg_cell_fmt(ln, C_PPID, "%u", p->ppid);
	krg_cell_fmt(ln, C_PGID, "%u", p->pgid);
	krg_cell_fmt(ln, C_SID, "%u", p->sid);
	krg_cell_fmt(ln, C_NODE, "%u", p->node);
	if (pw)
		krg_cell_str(ln, C_USER, pw->pw_name);
	else
		krg_cell_fmt(ln, C_USER, "%u", p->uid);
	krg_cell_fmt(ln, C_STATE, "%c", p->state);
	cell_cpu_time(ln, p->cpu_time_ns);
	cell_cmd(ln, p);
	return 0;
}

static int parse_user(const char *s, uint32_t *uid)
{
	struct passwd *pw = getpwnam(s);
	unsigned long v;
	char *end;

	if (pw) {
		*uid = pw->pw_uid;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX - 1 || s[0] == '-')
		return fail("unknown user \"%s\"", s);
	*uid = (uint32_t)v;
	return 0;
}

int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct krg_ps_filter f = { 0 };
	struct libscols_table *tb;
	struct krg_nodeset nodes;
	struct krg_err err;
	struct krg_handle *h;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jn:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt.json = true;
			krg_out_json(true);
			break;
		case 'n':
			if (krg_nodelist_parse(optarg, &nodes, &err))
				return fail_err(&err);
			f.nodes = &nodes;
			break;
		case 'u':
			if (parse_user(optarg, &f.uid))
				return EXIT_ERR;
			f.by_uid = true;
			break;
		case ':':
			return fail("option \"%s\" needs an argument", argv[optind - 1]);
		default:
			return fail("unknown option \"%s\" for ps", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail("unexpected argument \"%s\"", argv[optind]);
	if (open_proc(&h, NULL))
		return EXIT_ERR;
	tb = krg_table_new("processes", cols, NR_COLS);
	ret = krg_proc_ps(h, &f, ps_row, tb, &err);
	krg_close(h);
	if (ret) {
		scols_unref_table(tb);
		return fail_err(&err);
	}
	krg_table_print(tb);
	return EXIT_OK;
}
