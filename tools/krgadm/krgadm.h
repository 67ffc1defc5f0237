/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRGADM_H
#define _KRGADM_H

#include <stdbool.h>
#include <libsmartcols.h>

#include "krg.h"

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

/* output.c: one table, rendered as text or as JSON (-j) by libsmartcols. */
enum col_type { COL_STR, COL_NUM, COL_BOOL };

struct col {
	const char *name;		/* header; lower-cased for JSON keys */
	enum col_type type;
	double width;			/* smartcols width hint */
};

struct libscols_table *table_new(const char *name, const struct col *cols, int n);
struct libscols_line *table_row(struct libscols_table *tb);
void cell_str(struct libscols_line *ln, int col, const char *s);
void cell_fmt(struct libscols_line *ln, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cell_bool(struct libscols_line *ln, int col, bool v);
void table_print(struct libscols_table *tb);
/* A single record: one row for JSON, a two-column FIELD/VALUE list for humans. */
struct record;
struct record *record_new(const char *name);
void record_str(struct record *r, const char *key, const char *val);
void record_fmt(struct record *r, const char *key, enum col_type type,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void record_print(struct record *r);

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
