/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster process table.  No replicated table: each node is the
 * authority for the processes that run on it (the kernel's own task list,
 * exact across fork, exec, exit, setpgid and setsid at no cost), and a PID's
 * home node (its slice) is where it runs -- finding a process costs at most
 * one message, listing them all one round of messages.  Migration (next
 * step) adds a location entry at the home node for PIDs that moved away.
 */
#ifndef _KRGP_TASK_TABLE_H
#define _KRGP_TASK_TABLE_H

#include <linux/pid_namespace.h>
#include <linux/types.h>

#include "krg_comm/krg_comm.h"
#include "wire.h"

/*
 * The thread-group leader of cluster PID pid if it runs on this node,
 * referenced (put_task_struct), else NULL.  tid: any thread of that number.
 */
struct task_struct *krgp_find_task(pid_t pid);
struct task_struct *krgp_find_thread(pid_t tid);

/* The cluster processes of this node from PID from on, ascending, at most max. */
unsigned int krgp_local_pids(struct pid_namespace *ns, pid_t from, pid_t *pids,
			     unsigned int max);

/* The node cluster PID pid runs on (-ESRCH if nowhere reachable). */
int krgp_locate(pid_t pid);

/* krg_hooks proc_pids: PIDs >= from running on other online nodes. */
int krgp_remote_pids(struct pid_namespace *ns, pid_t from, pid_t *pids,
		     unsigned int max);

/*
 * PID_INFO of a process on another node (owner of its /proc entries); from
 * the last listing when it is under a second old.
 */
int krgp_remote_pid_info(pid_t pid, struct krgp_pid_info *info);
/* A node failed or left: its processes' owners are stale. */
void krgp_owners_forget(void);
/*
 * Is the current task scanning /proc (it listed it less than a second ago)?
 * The listing's number (> 0), else 0: remote /proc files it opens may then
 * come from one batch per node and file (procfs.c).
 */
u64 krgp_scan_id(void);

/*
 * Process records of every online node in nodes (NULL = all), optionally of one uid, for krg ps.  One multicast round.
 */
struct krgp_ps_node {
	u32 node;
	const void *recs;	/* packed struct krgp_ps_rec, validated */
	size_t len;
	unsigned int count;
};

struct krgp_ps_set {
	struct krgp_multi *m;
	unsigned int nr_nodes;
	struct krgp_ps_node nodes[];
};

struct krgp_ps_set *krgp_ps_gather(const krg_nodemask_t *nodes, bool by_uid,
				   u32 uid);
void krgp_ps_free(struct krgp_ps_set *set);
/* The next record at *off of a validated buffer (NULL at the end). */
const struct krgp_ps_rec *krgp_ps_next(const struct krgp_ps_node *n,
				       size_t *off);

#endif /* _KRGP_TASK_TABLE_H */
