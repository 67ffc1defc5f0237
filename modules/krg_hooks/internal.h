/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the files of krg_hooks only.
 *
 * main.c owns the registry (one consumer per hook), the cluster namespace and
 * the caps; each backend file owns one kind of kernel attachment and exposes
 * _init (find the target, says whether the hook is available), _attach and
 * _detach (called under krgh_lock by krgh_sync()) and _exit.
 */
#ifndef _KRG_HOOKS_INTERNAL_H
#define _KRG_HOOKS_INTERNAL_H

#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/srcu.h>

#include "krg_hooks.h"

extern struct mutex krgh_lock;
/* Sleepable callers (task_work, /proc wrappers) read the slots under it. */
extern struct srcu_struct krgh_srcu;
extern const struct krg_hook_ops __rcu *krgh_slots[KRG_HOOK_NR];
extern struct pid_namespace *krgh_cluster_ns;

/* Atomic callers: preemption is off (tracepoint, kprobe). */
static inline const struct krg_hook_ops *krgh_ops_atomic(enum krg_hook_id id)
{
	return rcu_dereference_sched(krgh_slots[id]);
}

static inline const struct krg_hook_ops *krgh_ops_srcu(enum krg_hook_id id)
{
	return srcu_dereference(krgh_slots[id], &krgh_srcu);
}

/*
 * The filter every hook applies first: is t's active PID namespace the
 * cluster one?  Two loads and a compare; no call.  Callers are in an RCU
 * (sched) read side, which keeps t's struct pid alive.
 */
static inline bool krgh_task_in_cluster(struct task_struct *t)
{
	struct pid_namespace *ns = READ_ONCE(krgh_cluster_ns);
	struct pid *pid;

	if (!ns)
		return false;
	pid = READ_ONCE(t->thread_pid);
	return pid && pid->numbers[pid->level].ns == ns;
}

/*
 * Code of ours that the kernel enters outside a tracepoint or kprobe (task_work
 * callbacks, ftrace wrappers) counts itself here so module exit can wait for it.
 */
void krgh_callout_get(void);
void krgh_callout_put(void);

struct seq_file;

/* tp.c: task lifecycle tracepoints and the free-tracking table. */
int krgh_tp_init(void);
void krgh_tp_exit(void);
/* Returns the hooks whose tracepoints were found. */
u32 krgh_tp_available(void);
int krgh_tp_sync(u32 want);
u32 krgh_tp_live(void);
void krgh_tp_stats(struct seq_file *m);

/* sys.c: sys_enter override, deferred work and remote signals. */
void krgh_sys_enter_probe(void *data, struct pt_regs *regs, long nr);
void krgh_sys_update(void);
bool krgh_sys_reserved_nr(long nr);
void krgh_sys_stats(struct seq_file *m);

/* pidrange.c: kprobe on idr_alloc_cyclic. */
bool krgh_pid_clamp(struct pid_namespace *ns, int *start, int *end);
int krgh_pidrange_sync(bool want);
bool krgh_pidrange_live(void);

/* procfs.c: ftrace wrappers of proc_pid_readdir / proc_pid_lookup. */
struct file;
struct dir_context;
/* The listing of a cluster /proc with the consumer's PIDs merged in. */
int krgh_proc_readdir_merge(struct file *file, struct dir_context *ctx,
			    int (*native)(struct file *, struct dir_context *));
void krgh_procfs_stats(struct seq_file *m);
int krgh_procfs_init(void);
void krgh_procfs_exit(void);
u32 krgh_procfs_available(void);
int krgh_procfs_sync(u32 want);
u32 krgh_procfs_live(void);

/*
 * main.c: the address of a kernel symbol that is not exported (through
 * kallsyms_lookup_name, itself found with a kprobe), or 0.  Safe because
 * Debian's 6.1 has X86_KERNEL_IBT off (an indirect call of a sealed function
 * would trap there).
 */
unsigned long krgh_lookup_symbol(const char *name);

/* sys.c: the kernel's group_send_sig_info(), looked up at load. */
void krgh_signal_init(void);

/* main.c: one line of /sys/module/krg_hooks/hooks/<hook>. */
ssize_t krgh_hook_describe(enum krg_hook_id id, char *buf);

/* core.c: the core patch's entry points, when the kernel has them. */
#define KRGH_CORE_HOOKS (BIT(KRG_HOOK_FORK_PRE) | BIT(KRG_HOOK_ANON_FAULT) | \
			 BIT(KRG_HOOK_PID_RANGE) | BIT(KRG_HOOK_PROC_READDIR) | \
			 BIT(KRG_HOOK_PROC_LOOKUP) | \
			 BIT(KRG_HOOK_NOTIFY_PARENT) | BIT(KRG_HOOK_WAIT))
bool krgh_core_init(void);
void krgh_core_exit(void);
int krgh_core_sync(u32 want);
u32 krgh_core_live(void);

/* sysfs.c */
int krgh_sysfs_init(void);
void krgh_sysfs_exit(void);

#endif /* _KRG_HOOKS_INTERNAL_H */
