// SPDX-License-Identifier: GPL-2.0
/*
 * Core backend: the entry points of the Kerrighed core patch
 * (core-patch/0001-krg-core-hooks-infrastructure.patch).  A stock kernel does
 * not export krg_core_hooks_register, so __symbol_get() finds it only on a
 * patched kernel; this module binary works on both.  __symbol_get() bypasses
 * modversions: the layout below mirrors include/linux/krg_core_hooks.h and is
 * checked by the kernel through its abi field.
 *
 * The kernel calls these trampolines under its own SRCU and waits for them
 * when we unregister; the trampolines read the consumer slots like every
 * other backend (RCU in the atomic PID-range hook, krgh_srcu elsewhere).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/sched/signal.h>

#include "internal.h"

#define KRGH_CORE_ABI 3

struct krgh_core_hooks {
	unsigned int abi;
	long (*fork_pre)(struct kernel_clone_args *args);
	void (*pid_range)(struct pid_namespace *ns, int *lo, int *hi);
	int (*proc_readdir)(struct file *file, struct dir_context *ctx,
			    int (*native)(struct file *, struct dir_context *));
	struct dentry *(*proc_lookup)(struct pid_namespace *ns,
				      struct dentry *dentry, pid_t tgid);
	vm_fault_t (*anon_fault)(struct vm_fault *vmf);
	int (*notify_parent)(struct task_struct *tsk, int sig);
	int (*do_wait)(const struct krg_wait_req *w, int notask_error);
};

static int (*krgh_core_register)(const struct krgh_core_hooks *hooks);
static void (*krgh_core_unregister)(const struct krgh_core_hooks *hooks);
static bool krgh_core_registered;

static long core_fork_pre(struct kernel_clone_args *args)
{
	const struct krg_hook_ops *ops;
	long ret = 0;
	int idx;

	if (!krgh_task_in_cluster(current))
		return 0;
	idx = srcu_read_lock(&krgh_srcu);
	ops = krgh_ops_srcu(KRG_HOOK_FORK_PRE);
	if (ops)
		ret = ops->fork_pre(args);
	srcu_read_unlock(&krgh_srcu, idx);
	return ret;
}

static void core_pid_range(struct pid_namespace *ns, int *lo, int *hi)
{
	krgh_pid_clamp(ns, lo, hi);
}

/* The whole of proc_pid_readdir(): the same merge as the stock wrapper. */
static int core_proc_readdir(struct file *file, struct dir_context *ctx,
			     int (*native)(struct file *, struct dir_context *))
{
	return krgh_proc_readdir_merge(file, ctx, native);
}

static struct dentry *core_proc_lookup(struct pid_namespace *ns,
				       struct dentry *dentry, pid_t tgid)
{
	const struct krg_hook_ops *ops;
	struct dentry *ret = ERR_PTR(-ENOENT);
	int idx;

	if (ns != READ_ONCE(krgh_cluster_ns))
		return ret;
	idx = srcu_read_lock(&krgh_srcu);
	ops = krgh_ops_srcu(KRG_HOOK_PROC_LOOKUP);
	if (ops)
		ret = ops->proc_lookup(ns, dentry, tgid);
	srcu_read_unlock(&krgh_srcu, idx);
	return ret;
}

static vm_fault_t core_anon_fault(struct vm_fault *vmf)
{
	const struct krg_hook_ops *ops;
	vm_fault_t ret = 0;
	int idx;

	if (!krgh_task_in_cluster(current))
		return 0;
	idx = srcu_read_lock(&krgh_srcu);
	ops = krgh_ops_srcu(KRG_HOOK_ANON_FAULT);
	if (ops)
		ret = ops->anon_fault(vmf);
	srcu_read_unlock(&krgh_srcu, idx);
	return ret;
}

/* tasklist_lock held for writing, interrupts off: sched RCU reads the slot. */
static int core_notify_parent(struct task_struct *t, int sig)
{
	const struct krg_hook_ops *ops;

	if (!krgh_task_in_cluster(t))
		return KRG_NOTIFY_KERNEL;
	ops = krgh_ops_atomic(KRG_HOOK_NOTIFY_PARENT);
	return ops ? ops->notify_parent(t, sig) : KRG_NOTIFY_KERNEL;
}

/* Preemptible but must not sleep (the waiter is set to sleep): SRCU. */
static int core_do_wait(const struct krg_wait_req *w, int notask_error)
{
	const struct krg_hook_ops *ops;
	int ret = notask_error, idx;

	if (!krgh_task_in_cluster(current))
		return ret;
	idx = srcu_read_lock(&krgh_srcu);
	ops = krgh_ops_srcu(KRG_HOOK_WAIT);
	if (ops)
		ret = ops->wait(w, notask_error);
	srcu_read_unlock(&krgh_srcu, idx);
	return ret;
}

void krg_hooks_wake_waiters(struct task_struct *parent)
{
	/*
	 * A NULL key: the core patch's child_wait_callback() wakes them all.
	 * Only once the kernel took our hooks: that proves its ABI (2+) has
	 * the NULL-key check.
	 */
	if (READ_ONCE(krgh_core_registered))
		__wake_up_sync_key(&parent->signal->wait_chldexit,
				   TASK_INTERRUPTIBLE, NULL);
}
EXPORT_SYMBOL_GPL(krg_hooks_wake_waiters);

static const struct krgh_core_hooks krgh_core_hooks = {
	.abi = KRGH_CORE_ABI,
	.fork_pre = core_fork_pre,
	.pid_range = core_pid_range,
	.proc_readdir = core_proc_readdir,
	.proc_lookup = core_proc_lookup,
	.anon_fault = core_anon_fault,
	.notify_parent = core_notify_parent,
	.do_wait = core_do_wait,
};

bool krgh_core_init(void)
{
	krgh_core_register = __symbol_get("krg_core_hooks_register");
	krgh_core_unregister = __symbol_get("krg_core_hooks_unregister");
	if (krgh_core_register && krgh_core_unregister)
		return true;
	krgh_core_exit();
	return false;
}

void krgh_core_exit(void)
{
	if (krgh_core_register)
		__symbol_put("krg_core_hooks_register");
	if (krgh_core_unregister)
		__symbol_put("krg_core_hooks_unregister");
	krgh_core_register = NULL;
	krgh_core_unregister = NULL;
}

u32 krgh_core_live(void)
{
	u32 m = 0;
	int i;

	if (!krgh_core_registered)
		return 0;
	for (i = 0; i < KRG_HOOK_NR; i++)
		if ((KRGH_CORE_HOOKS & BIT(i)) && rcu_access_pointer(krgh_slots[i]))
			m |= BIT(i);
	return m;
}

/* The kernel's hooks are one registration: on while any core hook is wanted. */
int krgh_core_sync(u32 want)
{
	bool on = want & KRGH_CORE_HOOKS;
	int err;

	lockdep_assert_held(&krgh_lock);
	if (!krgh_core_register || on == krgh_core_registered)
		return 0;
	if (!on) {
		krgh_core_unregister(&krgh_core_hooks);	/* waits for callers */
		WRITE_ONCE(krgh_core_registered, false);
		return 0;
	}
	err = krgh_core_register(&krgh_core_hooks);
	if (err) {
		pr_err("the core patch refused our hooks: %d\n", err);
		return err;
	}
	WRITE_ONCE(krgh_core_registered, true);
	return 0;
}
