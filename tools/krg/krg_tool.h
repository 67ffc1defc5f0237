/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg, the user's tool: what its commands share.  Tables and JSON go
 * through the tools' print path (libkrgout), so "krg ps" and "krgadm nodes
 * status" render alike.
 */
#ifndef _KRG_TOOL_H
#define _KRG_TOOL_H

#include <sys/types.h>

#include "krgadm.h"	/* the output API, struct opts, fail(), warn() */

/*
 * Privileges.  krg is installed setuid root because entering the cluster
 * environment (setns into krginit's PID and mount namespaces) needs
 * CAP_SYS_ADMIN; nothing else does.  priv_init() runs first thing: every
 * command but run and shell drops privileges for good at once
 * (priv_drop()); run and shell run as the user with root kept only as the
 * saved set-user-ID, take it back for setns alone (priv_raise()) and drop
 * it for good right after.
 */
void priv_init(bool keep_for_setns);
int priv_raise(void);
void priv_drop(void);
uid_t priv_real_uid(void);

/* The caller's environment as it was passed to krg (glibc scrubs environ
 * of a setuid program: LD_LIBRARY_PATH and others), from /proc/self/environ.
 * environ_load() reads it before priv_init(): the /proc/self files of a
 * setuid process belong to root.
 */
void environ_load(void);
char **saved_environ(void);
/* name=value of the saved environment, or NULL. */
const char *saved_getenv(char **envp, const char *name);

/* Opens krg_proc and reads this node's environment status, or prints why
 * not (returns EXIT_ERR).
 */
int open_proc(struct krg_handle **h, struct krg_proc_status *st);

/* "1".."4194303" and "0".."255", or print why not (returns EXIT_ERR). */
int parse_pid(const char *s, uint32_t *pid);
int parse_node(const char *s, uint32_t *node);

/*
 * krg run -n (run_node.c).  In the job's first process, before exec:
 * sends its cluster PID on fd, closes fd, and returns once it runs on the
 * other node (exits 1 if it never hears so).  In krg: moves job pid (which
 * writes to fd) to node; 0, or EXIT_ERR with the reason printed and the
 * job killed.
 */
void job_await_move(int fd);
int job_move(pid_t pid, int fd, uint32_t node);

int cmd_run(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

#endif /* _KRG_TOOL_H */
