/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_hooks: the one place that intercepts the kernel: typed hook ops over
 * tracepoints, kprobes, ftrace or the core patch.
 *
 * This header is the module's whole interface to the modules above it.
 *
 * Model
 * -----
 * A consumer fills a struct krg_hook_ops with the callbacks it wants (NULL =
 * not interested) and calls krg_hooks_register().  Each hook has at most one
 * consumer; registration is all or nothing.  Hooks fire only for tasks whose
 * active PID namespace is the cluster PID namespace set with
 * krg_hooks_set_cluster_ns(); while none is set nothing is attached to the
 * kernel at all, and while no consumer wants a hook its kernel attachment
 * (tracepoint probe, kprobe, ftrace ops) is not registered, so tasks outside
 * the cluster pay nothing for it.
 *
 * When krg_hooks_unregister() returns, no callback of that ops runs on any
 * CPU and none will start: consumers call it from their module exit.
 *
 * A hook the running kernel cannot provide is reported by krg_hooks_caps()
 * and refused by krg_hooks_register() with -EOPNOTSUPP; it is never faked.
 * On a stock kernel fork_pre, anon_fault, notify_parent and wait are such
 * hooks (core patch only).
 *
 * Backends: on a kernel with the core patch (core-patch/, detected at load
 * with symbol_get) fork_pre, anon_fault, notify_parent, wait, pid_range and
 * the /proc hooks use its entry points; otherwise the stock backend uses
 * tracepoints, sys_enter, a kprobe and ftrace.  The task life-cycle and
 * syscall hooks use tracepoints on both.
 *
 * Context of each callback is given beside it.  "atomic" callbacks run with
 * preemption (and for pid_range, interrupts) disabled: they must not sleep.
 *
 * The live state is also readable from user space (krgadm check):
 *   /sys/module/krg_hooks/backend         "stock" (or "core")
 *   /sys/module/krg_hooks/hooks/<hook>    "<mechanism> <state> <consumer>"
 * with <mechanism> one of tracepoint, sys_enter, kprobe, ftrace, core, none,
 * <state> one of live (attached now), ready (available, nobody uses it or no
 * cluster namespace is set), unavailable; <consumer> is the registered ops'
 * name or "-".
 */
#ifndef _KRG_HOOKS_H
#define _KRG_HOOKS_H

#include <linux/types.h>
#include <linux/mm_types.h>
#include <linux/pid.h>
#include <linux/signal_types.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_HOOKS_ABI 6

/* Returns KRG_HOOKS_ABI as this module was built. */
u32 krg_hooks_abi(void);

struct task_struct;
struct linux_binprm;
struct pid_namespace;
struct dir_context;
struct dentry;
struct kernel_clone_args;
struct vm_fault;
struct rusage;

enum krg_hook_id {
	KRG_HOOK_TASK_NEW,
	KRG_HOOK_FORK_POST,
	KRG_HOOK_EXEC_POST,
	KRG_HOOK_EXIT,
	KRG_HOOK_FREE,
	KRG_HOOK_SIGNAL_REMOTE,
	KRG_HOOK_SYSCALL,
	KRG_HOOK_PID_RANGE,
	KRG_HOOK_PROC_READDIR,
	KRG_HOOK_PROC_LOOKUP,
	KRG_HOOK_FORK_PRE,		/* core patch only */
	KRG_HOOK_ANON_FAULT,		/* core patch only */
	KRG_HOOK_NOTIFY_PARENT,		/* core patch only */
	KRG_HOOK_WAIT,			/* core patch only */
	KRG_HOOK_NR
};

/* How a hook reaches the kernel. */
enum krg_hook_mech {
	KRG_MECH_NONE,			/* unavailable on this kernel */
	KRG_MECH_TRACEPOINT,
	KRG_MECH_SYS_ENTER,		/* sys_enter tracepoint + task_work */
	KRG_MECH_KPROBE,
	KRG_MECH_FTRACE,		/* ftrace IPMODIFY wrapper */
	KRG_MECH_CORE,			/* core patch entry point */
};

enum krg_hooks_backend {
	KRG_BACKEND_STOCK,
	KRG_BACKEND_CORE,
};

struct krg_hooks_caps {
	enum krg_hooks_backend backend;
	u8 mech[KRG_HOOK_NR];		/* enum krg_hook_mech */
	u32 available;			/* BIT(enum krg_hook_id): can be registered */
	u32 live;			/* BIT(enum krg_hook_id): attached right now */
};

/* The snapshot is consistent: taken under the registration lock. */
void krg_hooks_caps(struct krg_hooks_caps *caps);

/* Name of a hook ("task_new", ...), or NULL for an id out of range. */
const char *krg_hooks_name(enum krg_hook_id id);

/* ---- syscall override ------------------------------------------------- */

enum krg_sys_verdict {
	KRG_SYS_NATIVE,		/* let the syscall run */
	KRG_SYS_SKIP,		/* skip it; the task sees *ret */
	KRG_SYS_DEFER,		/* skip it; sys_deferred() decides the result */
};

struct krg_sys_call {
	long nr;			/* x86-64 syscall number */
	unsigned long args[6];
	u64 cookie;			/* free for sys_override -> sys_deferred */
};

/* ---- remote signals --------------------------------------------------- */

enum krg_sig_kind {
	KRG_SIG_KILL,			/* kill(pid, sig), pid > 0 */
	KRG_SIG_TKILL,			/* tkill(pid, sig) */
	KRG_SIG_TGKILL,			/* tgkill(tgid, pid, sig) */
	KRG_SIG_QUEUEINFO,		/* rt_sigqueueinfo(pid, sig, info) */
	KRG_SIG_TGQUEUEINFO,		/* rt_tgsigqueueinfo(tgid, pid, sig, info) */
	KRG_SIG_KILL_PGRP,		/* kill(-pgid, sig), or kill(0, sig): pid = pgid */
	KRG_SIG_KILL_ALL,		/* kill(-1, sig): pid = 0 */
};

/*
 * A signal syscall from a cluster task whose target PID does not exist on this
 * node (no struct pid in the cluster namespace), or a broadcast (kill() with a
 * pid <= 0; kill(0) only when the sender's process group has a number in the
 * cluster namespace).  A broadcast is the consumer's whole: it signals the
 * local members too (krg_hooks_send_signal()) and returns kill()'s result.
 * For the queueinfo kinds info was copied from user space and passed the same
 * permission check the kernel applies; for the others it is filled like the
 * kernel's (SI_USER or SI_TKILL, sender's pid and uid).
 */
struct krg_signal_req {
	enum krg_sig_kind kind;
	pid_t tgid;			/* TGKILL/TGQUEUEINFO, else 0 */
	pid_t pid;
	int sig;			/* 0 .. _NSIG, 0 = existence check */
	kernel_siginfo_t info;
};

/*
 * Sends sig to t as the kernel's group_send_sig_info() does: permission
 * checked against current's credentials, si_pid kept when current is in t's
 * PID namespace (else the kernel clears it), delivered to the thread group
 * (PIDTYPE_TGID; PIDTYPE_PGID for a process group member, PIDTYPE_MAX for
 * kill(-1)) or to the thread t alone (PIDTYPE_PID).  The kernel does not export it; -EOPNOTSUPP when
 * its address could not be found at load.
 */
int krg_hooks_send_signal(int sig, kernel_siginfo_t *info,
			  struct task_struct *t, enum pid_type type);

/* ---- children whose parent is on another node ------------------------ */

/* What notify_parent does with the zombie it was shown. */
enum krg_notify_verdict {
	KRG_NOTIFY_KERNEL = -1,		/* not ours: the kernel notifies the parent */
	KRG_NOTIFY_KEEP = 0,		/* reported elsewhere; t stays a zombie
					 * until its local parent reaps it */
	KRG_NOTIFY_RELEASE = 1,		/* reported elsewhere; release t now */
};

/* waitid()'s result (the kernel's struct waitid_info). */
struct krg_waitid_info {
	pid_t pid;
	uid_t uid;
	int status;			/* exit status or signal */
	int cause;			/* CLD_EXITED, CLD_KILLED, ... */
};

/*
 * The kernel's kernel_waitid() (not exported; found at load): waitid() of
 * current's children, results in kernel memory -- for a task that waits on
 * behalf of another node (a migrated process's home task).  options as
 * waitid's (WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT, __W*); the
 * child's PID (> 0), 0 (WNOHANG, nothing yet), or -errno; -EOPNOTSUPP when
 * the symbol was not found.
 */
long krg_hooks_waitid(int which, pid_t upid, struct krg_waitid_info *info,
		      int options, struct rusage *ru);

/*
 * A wait4()/waitid() as the kernel's do_wait() holds it (the core patch's
 * struct krg_wait_req).  type: PIDTYPE_MAX (any child), PIDTYPE_PID or
 * PIDTYPE_PGID.  pid is NULL when no local task has the number nr asked for
 * (caller's namespace; nr is 0 for any child, for the caller's own group and
 * for waitid(P_PIDFD)).  flags: WEXITED, WSTOPPED, WNOHANG, WNOWAIT, ...
 * A hook that reports a child fills *stat for wait4() (info is NULL) or
 * *info for waitid(), and *rusage when it is not NULL, as the kernel does
 * for a local child.
 */
struct krg_wait_req {
	int type;
	struct pid *pid;
	pid_t nr;
	int flags;
	int *stat;
	struct krg_waitid_info *info;
	struct rusage *rusage;
};

/*
 * Core patch only: makes every wait4()/waitid() sleeping in a task of
 * parent's thread group look again, so that a wait hook can report a child
 * whose state changed on another node.  Callable from any context.
 */
void krg_hooks_wake_waiters(struct task_struct *parent);

/*
 * Hooks.  Every pointer is optional.  Tasks passed in are cluster tasks (see
 * the model above); the reference to them is only valid during the call.
 */
struct krg_hook_ops {
	const char *name;		/* shown in sysfs; required */

	/* atomic; the new task is not running yet. */
	void (*task_new)(struct task_struct *t, unsigned long clone_flags);
	/* atomic; in the parent, before the child is woken up. */
	void (*fork_post)(struct task_struct *parent, struct task_struct *child);
	/*
	 * atomic; in the task, after the new image is set up.  Queue task_work
	 * for anything that must sleep.
	 */
	void (*exec_post)(struct task_struct *t, pid_t old_pid,
			  struct linux_binprm *bprm);
	/* atomic; every thread, in do_exit(), the task is still hashed. */
	void (*exit)(struct task_struct *t);
	/*
	 * atomic (RCU callback); once for every task whose creation krg_hooks
	 * saw in the cluster namespace while this hook was registered.  Use it
	 * to drop per-task data attached in task_new.
	 */
	void (*free)(struct task_struct *t);

	/*
	 * Sleepable, in the sender's context before it returns to user space.
	 * The return value becomes the syscall's result (0 or -errno;
	 * -ERESTART* are turned into -EINTR).
	 */
	int (*signal_remote)(const struct krg_signal_req *req);
	/*
	 * Optional; atomic (RCU read lock held), at the signal syscall's entry.
	 * Its target (process or thread) has the task t on this node: return
	 * true when t is not where the target lives any more (a copy of a
	 * process that moved on, on its way out), and the syscall goes to
	 * signal_remote as if t did not exist.
	 */
	bool (*signal_divert)(struct task_struct *t);

	/*
	 * Syscall override for the numbers listed in sys_nrs (the signal
	 * syscalls above are reserved for signal_remote).  sys_override is
	 * atomic and runs at syscall entry; with KRG_SYS_DEFER, sys_deferred
	 * runs sleepable in the task's context before it returns to user space
	 * and its return value is the syscall's result: -ERESTARTSYS,
	 * -ERESTARTNOINTR or -ERESTARTNOHAND with a signal pending restart it
	 * or give -EINTR as for a syscall of the kernel's (sys_override sees
	 * it again), and are -EINTR otherwise.  If the consumer is
	 * unregistered in between, the syscall is restarted natively instead.
	 */
	const int *sys_nrs;
	unsigned int sys_nrs_count;
	enum krg_sys_verdict (*sys_override)(struct krg_sys_call *call, long *ret);
	long (*sys_deferred)(const struct krg_sys_call *call);

	/*
	 * atomic, interrupts off (PID allocator lock held).  Called before a
	 * PID number is allocated in ns (the cluster namespace) except for its
	 * first PID, which is always 1.  [*lo, *hi) arrives as the kernel's
	 * range; return true after narrowing it.  The result is intersected
	 * with the kernel's range; an empty intersection makes fork fail with
	 * -EAGAIN, as an exhausted PID space does.
	 */
	bool (*pid_range)(struct pid_namespace *ns, int *lo, int *hi);

	/*
	 * Hook proc_readdir.  Sleepable.  The PIDs of processes of the cluster
	 * namespace that run on other nodes, for a listing of its /proc: fill
	 * pids[] with at most max of them, ascending, all >= from, and return
	 * how many (max: there may be more), or -errno.  krg_hooks lists them
	 * with the local ones, in PID order (a PID that also has a local task
	 * is listed once), and asks again from the next PID while it fills.
	 */
	int (*proc_pids)(struct pid_namespace *ns, pid_t from, pid_t *pids,
			 unsigned int max);
	/*
	 * Sleepable.  Called when /proc/<tgid> of the cluster namespace does
	 * not exist locally; return like an inode_operations.lookup (NULL after
	 * d_add/d_splice_alias, or ERR_PTR(-ENOENT) when it does not exist).
	 */
	struct dentry *(*proc_lookup)(struct pid_namespace *ns,
				      struct dentry *dentry, pid_t tgid);

	/*
	 * Core patch only.  Sleepable, in kernel_clone() before copy_process()
	 * for user forks (distant fork): return 0 to fork here, the child's
	 * PID (> 0) when the fork was done on another node, or -errno.
	 */
	long (*fork_pre)(struct kernel_clone_args *args);
	/*
	 * Core patch only.  Sleepable (mmap_lock held for read), first in
	 * do_anonymous_page(): return 0 to let the kernel handle the fault,
	 * or the fault's result.
	 */
	vm_fault_t (*anon_fault)(struct vm_fault *vmf);
	/*
	 * Core patch only.  atomic (tasklist_lock held for writing, interrupts
	 * off): t, a cluster task leading an empty thread group and not traced
	 * (a tracer is local: the kernel reports to it), just became a zombie
	 * (in exit_notify(), or in release_task() of its last thread) and its
	 * parent is to be notified (SIGCHLD sig, waiters woken).  Return an
	 * enum krg_notify_verdict; a hook taking the report over sends it to
	 * the real parent itself (queue work: this cannot sleep); the kernel
	 * still wakes pidfd pollers of t.
	 */
	int (*notify_parent)(struct task_struct *t, int sig);
	/*
	 * Core patch only.  atomic (the waiter is already set to sleep; no lock
	 * held): wait4()/waitid() in a cluster task found no local child to
	 * report.  notask_error is 0 if a local child may still report, else
	 * -ECHILD.  Return the PID (> 0) of a child elsewhere that was reported
	 * (w filled), 0 if such a child may report later (the caller sleeps
	 * unless WNOHANG: wake it with krg_hooks_wake_waiters()), else
	 * notask_error.
	 */
	int (*wait)(const struct krg_wait_req *w, int notask_error);
};

/*
 * Returns 0, -EBUSY if one of the hooks already has a consumer,
 * -EOPNOTSUPP if one is unavailable on this kernel, -EINVAL for malformed
 * ops (no name, sys_nrs out of range or naming a signal syscall, sys_nrs
 * without sys_override), or the error of attaching to the kernel.
 * May sleep; ops must stay valid until krg_hooks_unregister().
 */
int krg_hooks_register(const struct krg_hook_ops *ops);
void krg_hooks_unregister(const struct krg_hook_ops *ops);

/*
 * Sets the cluster PID namespace (NULL clears it; init_pid_ns is refused).
 * krg_hooks holds a reference until it is replaced or the module unloads.
 * Returns 0, -EINVAL, or the error of attaching the registered hooks.
 */
int krg_hooks_set_cluster_ns(struct pid_namespace *ns);

#endif /* _KRG_HOOKS_H */
