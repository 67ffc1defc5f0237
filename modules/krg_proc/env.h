/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster environment of this node: the PID namespace whose PID 1 is
 * krginit, its procfs, its PID slice, and the agent threads krginit lends to
 * the kernel for work that must run inside the namespace.
 */
#ifndef _KRGP_ENV_H
#define _KRGP_ENV_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/path.h>
#include <linux/pid_namespace.h>
#include <linux/wait.h>
#include <uapi/linux/krg_proc.h>

struct file;

struct krgp_env {
	struct kref ref;
	struct pid_namespace *ns;
	struct path proc_root;		/* the namespace's procfs, as krginit saw it */
	struct task_struct *init;	/* krginit (thread-group leader) */
	struct file *owner;		/* the /dev/krg_proc file of ENV_INIT */
	u64 boot_ns;			/* this node's boot time, ns since the epoch */

	/* Agents: krginit threads parked in KRG_PROC_IOC_AGENT. */
	spinlock_t agent_lock;
	struct list_head agent_queue;
	wait_queue_head_t agent_wq;
	unsigned int nr_agents;
	bool dead;			/* ended: agents leave, nothing is queued */
};

/* PID slice of this node, set at ENV_INIT: [krgp_pid_lo, krgp_pid_hi). */
extern int krgp_pid_lo, krgp_pid_hi;

/* The environment, referenced, or NULL if this node has none. */
struct krgp_env *krgp_env_get(void);
void krgp_env_put(struct krgp_env *env);
/* The cluster namespace or NULL; only for comparisons under RCU. */
struct pid_namespace *krgp_env_ns_rcu(void);
bool krgp_env_ready(void);
/* Cluster processes running here (thread-group leaders, krginit excluded). */
unsigned int krgp_env_nr_local(void);
/* krginit's PID in @ns (0 if none there). */
pid_t krgp_env_init_pid(struct pid_namespace *ns);

/*
 * Work for an agent: runs in a krginit thread (current is in the cluster
 * namespace).  fn must not sleep for long.  Returns fn's result, -EAGAIN
 * if no agent took it within a few seconds, -ESRCH if there is no
 * environment.
 */
struct krgp_agent_work {
	struct list_head list;
	int (*fn)(struct krgp_agent_work *w);
	struct completion done;
	int result;
	bool started;
};
int krgp_agent_run(struct krgp_env *env, struct krgp_agent_work *w);

int krgp_env_init(void);
void krgp_env_exit(void);

/* pid.c: the node of a cluster PID, and the pid_range hook. */
u32 krgp_pid_home(pid_t pid);
bool krgp_pid_is_local_slice(pid_t pid);
bool krgp_pid_range(struct pid_namespace *ns, int *lo, int *hi);

#endif /* _KRGP_ENV_H */
