/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRGADM_H
#define _KRGADM_H

#include <stdbool.h>
#include "krg.h"
#include "krg_out.h"

/* Exit codes (documented in krgadm(8)). */
#define EXIT_OK		0
#define EXIT_ERR	1
#define EXIT_DEGRADED	2

struct opts {
	bool json;
	const char *config;
	const char *nodes;		/* -n LIST */
	bool all;			/* -a */
	double wait_s;			/* -w SECONDS */
	const char *modules;		/* -m LIST (node start) */
	bool kill;			/* --kill (nodes del) */
};

extern struct opts opt;
extern const char *progname;

/* msg.c: prints "Error: <msg>." on stderr and returns EXIT_ERR. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail_err(const struct krg_err *err);
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the krg_comm family or prints why not. */
int open_comm(struct krg_handle **h);
double now_s(void);
void sleep_ms(unsigned int ms);

/* node.c */
bool module_loaded(const char *name);
/* Runs argv, stderr passed through; stdout silenced if quiet.  Returns the
 * exit status, or -1 (errno set) if it could not run.
 */
int run_prog(char *const argv[], bool quiet);

/* env.c: the node's cluster environment (krg_proc, krgd). */
int env_start(const struct krg_conf *conf);
int env_stop(void);
int env_leave_check(const struct krg_nodeset *set, bool kill_them);
void env_check(struct libscols_table *tb, int *ret);

/* Commands */
int cmd_cluster_status(int argc, char **argv);
int cmd_nodes_status(int argc, char **argv);
int cmd_nodes_add(int argc, char **argv);
int cmd_nodes_del(int argc, char **argv);
int cmd_nodes_stats(int argc, char **argv);
int cmd_node_start(int argc, char **argv);
int cmd_node_stop(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_kddm_status(int argc, char **argv);

/* Parses the options a command accepts ("jc:n:aw:m:" subset, K for
 * --kill); argv[0] is the command name.  Returns 0 or an exit code.
 */
int parse_cmd_opts(int argc, char **argv, const char *accept);

#endif /* _KRGADM_H */
