// SPDX-License-Identifier: GPL-2.0
/*
 * krg_hooks: the one place that intercepts the kernel: typed hook ops over
 * tracepoints, kprobes, ftrace or the core patch.
 *
 * This file holds the registry (one consumer per hook), the cluster PID
 * namespace, the caps and the module's life cycle.  The backends attach to
 * the kernel only what the registered consumers need, and only while a cluster
 * namespace is set (krgh_sync()).
 *
 * Lifetime rules, which make register/unregister/rmmod safe while hooks fire
 * on every CPU:
 *  - slots are published with rcu_assign_pointer() and cleared before the
 *    attachment that reads them is removed;
 *  - atomic callers (tracepoint probes, kprobe handlers) run with preemption
 *    off, sleepable ones (task_work, /proc wrappers) under krgh_srcu, so
 *    unregister ends with synchronize_rcu() + synchronize_srcu();
 *  - removing an attachment waits for its callers (tracepoint_synchronize_
 *    unregister(), unregister_kprobe(), unregister_ftrace_function());
 *  - task_work callbacks and ftrace wrappers, which the kernel enters without
 *    holding anything of ours, are counted (krgh_callout_get/put); module exit
 *    waits for the count to drop to zero and then for synchronize_rcu_tasks(),
 *    so even a task preempted in the few instructions after the count drops
 *    has left our text before it is freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>
#include <krg/krg_module.h>

#include "internal.h"

static struct krg_debugfs krg_hooks_debugfs;

/* Serialises registration, the cluster namespace and every attach/detach. */
DEFINE_MUTEX(krgh_lock);
DEFINE_SRCU(krgh_srcu);
const struct krg_hook_ops __rcu *krgh_slots[KRG_HOOK_NR];
struct pid_namespace *krgh_cluster_ns;

/* Under krgh_lock. */
static u32 krgh_registered;
static u32 krgh_available;
/* Set at load: the kernel has the core patch (core.c). */
static bool krgh_use_core;

static atomic_t krgh_callouts = ATOMIC_INIT(0);

static const char *const krgh_names[KRG_HOOK_NR] = {
	[KRG_HOOK_TASK_NEW]	= "task_new",
	[KRG_HOOK_FORK_POST]	= "fork_post",
	[KRG_HOOK_EXEC_POST]	= "exec_post",
	[KRG_HOOK_EXIT]		= "exit",
	[KRG_HOOK_FREE]		= "free",
	[KRG_HOOK_SIGNAL_REMOTE] = "signal_remote",
	[KRG_HOOK_SYSCALL]	= "syscall",
	[KRG_HOOK_PID_RANGE]	= "pid_range",
	[KRG_HOOK_PROC_READDIR]	= "proc_readdir",
	[KRG_HOOK_PROC_LOOKUP]	= "proc_lookup",
	[KRG_HOOK_FORK_PRE]	= "fork_pre",
	[KRG_HOOK_ANON_FAULT]	= "anon_fault",
	[KRG_HOOK_NOTIFY_PARENT] = "notify_parent",
	[KRG_HOOK_WAIT]		= "wait",
};

/* The mechanism the stock backend uses for each hook, when available. */
static const u8 krgh_stock_mech[KRG_HOOK_NR] = {
	[KRG_HOOK_TASK_NEW]	= KRG_MECH_TRACEPOINT,
	[KRG_HOOK_FORK_POST]	= KRG_MECH_TRACEPOINT,
	[KRG_HOOK_EXEC_POST]	= KRG_MECH_TRACEPOINT,
	[KRG_HOOK_EXIT]		= KRG_MECH_TRACEPOINT,
	[KRG_HOOK_FREE]		= KRG_MECH_TRACEPOINT,
	[KRG_HOOK_SIGNAL_REMOTE] = KRG_MECH_SYS_ENTER,
	[KRG_HOOK_SYSCALL]	= KRG_MECH_SYS_ENTER,
	[KRG_HOOK_PID_RANGE]	= KRG_MECH_KPROBE,
	[KRG_HOOK_PROC_READDIR]	= KRG_MECH_FTRACE,
	[KRG_HOOK_PROC_LOOKUP]	= KRG_MECH_FTRACE,
	[KRG_HOOK_FORK_PRE]	= KRG_MECH_NONE,
	[KRG_HOOK_ANON_FAULT]	= KRG_MECH_NONE,
	[KRG_HOOK_NOTIFY_PARENT] = KRG_MECH_NONE,
	[KRG_HOOK_WAIT]		= KRG_MECH_NONE,
};

unsigned long krgh_lookup_symbol(const char *name)
{
	static unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp))
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup ? lookup(name) : 0;
}

u32 krg_hooks_abi(void)
{
	return KRG_HOOKS_ABI;
}
EXPORT_SYMBOL_GPL(krg_hooks_abi);

const char *krg_hooks_name(enum krg_hook_id id)
{
	return (unsigned int)id < KRG_HOOK_NR ? krgh_names[id] : NULL;
}
EXPORT_SYMBOL_GPL(krg_hooks_name);

void krgh_callout_get(void)
{
	atomic_inc(&krgh_callouts);
}

void krgh_callout_put(void)
{
	if (atomic_dec_and_test(&krgh_callouts))
		wake_up_var(&krgh_callouts);
}

static u32 krgh_live_locked(void)
{
	if (krgh_use_core)
		return krgh_tp_live() | krgh_core_live();
	return krgh_tp_live() | krgh_procfs_live() |
	       (krgh_pidrange_live() ? BIT(KRG_HOOK_PID_RANGE) : 0);
}

static enum krg_hook_mech krgh_mech(int id)
{
	if (!(krgh_available & BIT(id)))
		return KRG_MECH_NONE;
	if (krgh_use_core && (KRGH_CORE_HOOKS & BIT(id)))
		return KRG_MECH_CORE;
	return krgh_stock_mech[id];
}

void krg_hooks_caps(struct krg_hooks_caps *caps)
{
	int i;

	mutex_lock(&krgh_lock);
	caps->backend = krgh_use_core ? KRG_BACKEND_CORE : KRG_BACKEND_STOCK;
	caps->available = krgh_available;
	caps->live = krgh_live_locked();
	for (i = 0; i < KRG_HOOK_NR; i++)
		caps->mech[i] = krgh_mech(i);
	mutex_unlock(&krgh_lock);
}
EXPORT_SYMBOL_GPL(krg_hooks_caps);

static const char *const krgh_mech_names[] = {
	[KRG_MECH_NONE]		= "none",
	[KRG_MECH_TRACEPOINT]	= "tracepoint",
	[KRG_MECH_SYS_ENTER]	= "sys_enter",
	[KRG_MECH_KPROBE]	= "kprobe",
	[KRG_MECH_FTRACE]	= "ftrace",
	[KRG_MECH_CORE]		= "core",
};

ssize_t krgh_hook_describe(enum krg_hook_id id, char *buf)
{
	const struct krg_hook_ops *ops;
	ssize_t n;

	if ((unsigned int)id >= KRG_HOOK_NR)
		return -EINVAL;
	mutex_lock(&krgh_lock);
	ops = rcu_dereference_protected(krgh_slots[id],
					lockdep_is_held(&krgh_lock));
	if (!(krgh_available & BIT(id)))
		n = sysfs_emit(buf, "none unavailable -\n");
	else
		n = sysfs_emit(buf, "%s %s %s\n",
			       krgh_mech_names[krgh_mech(id)],
			       krgh_live_locked() & BIT(id) ? "live" : "ready",
			       ops ? ops->name : "-");
	mutex_unlock(&krgh_lock);
	return n;
}

/*
 * Attach what the registered consumers need, detach the rest.  Attach errors
 * are returned; whatever did attach is live (and shows so in the caps).
 */
static int krgh_sync(void)
{
	u32 want = READ_ONCE(krgh_cluster_ns) ? krgh_registered : 0;
	int err, ret = 0;

	lockdep_assert_held(&krgh_lock);
	krgh_sys_update();
	err = krgh_tp_sync(want);
	ret = ret ?: err;
	if (krgh_use_core)
		return ret ?: krgh_core_sync(want);
	err = krgh_pidrange_sync(want & BIT(KRG_HOOK_PID_RANGE));
	ret = ret ?: err;
	err = krgh_procfs_sync(want);
	return ret ?: err;
}

/* After slots were cleared: no caller may still hold an old one. */
static void krgh_sync_readers(void)
{
	synchronize_rcu();
	synchronize_srcu(&krgh_srcu);
}

static u32 krgh_ops_hooks(const struct krg_hook_ops *ops)
{
	u32 m = 0;

	m |= ops->task_new ? BIT(KRG_HOOK_TASK_NEW) : 0;
	m |= ops->fork_post ? BIT(KRG_HOOK_FORK_POST) : 0;
	m |= ops->exec_post ? BIT(KRG_HOOK_EXEC_POST) : 0;
	m |= ops->exit ? BIT(KRG_HOOK_EXIT) : 0;
	m |= ops->free ? BIT(KRG_HOOK_FREE) : 0;
	m |= ops->signal_remote ? BIT(KRG_HOOK_SIGNAL_REMOTE) : 0;
	m |= ops->sys_override ? BIT(KRG_HOOK_SYSCALL) : 0;
	m |= ops->pid_range ? BIT(KRG_HOOK_PID_RANGE) : 0;
	m |= ops->proc_pids ? BIT(KRG_HOOK_PROC_READDIR) : 0;
	m |= ops->proc_lookup ? BIT(KRG_HOOK_PROC_LOOKUP) : 0;
	m |= ops->fork_pre ? BIT(KRG_HOOK_FORK_PRE) : 0;
	m |= ops->anon_fault ? BIT(KRG_HOOK_ANON_FAULT) : 0;
	m |= ops->notify_parent ? BIT(KRG_HOOK_NOTIFY_PARENT) : 0;
	m |= ops->wait ? BIT(KRG_HOOK_WAIT) : 0;
	return m;
}

static int krgh_ops_check(const struct krg_hook_ops *ops)
{
	unsigned int i;

	if (!ops->name) {
		pr_err("register: ops without a name\n");
		return -EINVAL;
	}
	if (!ops->sys_override != !ops->sys_nrs_count ||
	    (ops->sys_nrs_count && !ops->sys_nrs) ||
	    ops->sys_nrs_count > NR_syscalls) {
		pr_err("register %s: sys_override needs a non-empty sys_nrs and vice versa\n",
		       ops->name);
		return -EINVAL;
	}
	for (i = 0; i < ops->sys_nrs_count; i++) {
		long nr = ops->sys_nrs[i];

		if (nr < 0 || nr >= NR_syscalls || krgh_sys_reserved_nr(nr)) {
			pr_err("register %s: syscall %ld out of range or reserved for signal_remote\n",
			       ops->name, nr);
			return -EINVAL;
		}
	}
	return 0;
}

static void krgh_clear_slots(const struct krg_hook_ops *ops)
{
	int i;

	for (i = 0; i < KRG_HOOK_NR; i++) {
		if (rcu_access_pointer(krgh_slots[i]) != ops)
			continue;
		RCU_INIT_POINTER(krgh_slots[i], NULL);
		krgh_registered &= ~BIT(i);
	}
}

int krg_hooks_register(const struct krg_hook_ops *ops)
{
	const struct krg_hook_ops *owner;
	u32 want = krgh_ops_hooks(ops);
	int err, i;

	err = krgh_ops_check(ops);
	if (err)
		return err;

	mutex_lock(&krgh_lock);
	for (i = 0; i < KRG_HOOK_NR; i++) {
		if (!(want & BIT(i)))
			continue;
		if (!(krgh_available & BIT(i))) {
			pr_info("register %s: hook %s is unavailable on this kernel\n",
				ops->name, krgh_names[i]);
			err = -EOPNOTSUPP;
			goto out;
		}
		owner = rcu_dereference_protected(krgh_slots[i],
						  lockdep_is_held(&krgh_lock));
		if (owner) {
			pr_info("register %s: hook %s already belongs to %s\n",
				ops->name, krgh_names[i], owner->name);
			err = -EBUSY;
			goto out;
		}
	}
	for (i = 0; i < KRG_HOOK_NR; i++)
		if (want & BIT(i))
			rcu_assign_pointer(krgh_slots[i], ops);
	krgh_registered |= want;

	err = krgh_sync();
	if (err) {
		pr_err("register %s: attaching to the kernel failed: %d\n",
		       ops->name, err);
		krgh_clear_slots(ops);
		krgh_sync();
		krgh_sync_readers();
	}
out:
	mutex_unlock(&krgh_lock);
	return err;
}
EXPORT_SYMBOL_GPL(krg_hooks_register);

void krg_hooks_unregister(const struct krg_hook_ops *ops)
{
	mutex_lock(&krgh_lock);
	krgh_clear_slots(ops);
	krgh_sync();		/* only detaches: cannot fail */
	krgh_sync_readers();
	mutex_unlock(&krgh_lock);
}
EXPORT_SYMBOL_GPL(krg_hooks_unregister);

int krg_hooks_set_cluster_ns(struct pid_namespace *ns)
{
	struct pid_namespace *old;
	int err;

	if (ns == &init_pid_ns) {
		pr_err("the initial PID namespace cannot be the cluster namespace\n");
		return -EINVAL;
	}
	mutex_lock(&krgh_lock);
	old = krgh_cluster_ns;
	if (ns)
		get_pid_ns(ns);
	WRITE_ONCE(krgh_cluster_ns, ns);
	err = krgh_sync();
	if (err) {
		WRITE_ONCE(krgh_cluster_ns, old);
		krgh_sync();
		old = ns;	/* drop the new reference below instead */
	}
	/* Nobody compares against the dropped namespace any more. */
	krgh_sync_readers();
	mutex_unlock(&krgh_lock);
	if (old)
		put_pid_ns(old);
	return err;
}
EXPORT_SYMBOL_GPL(krg_hooks_set_cluster_ns);

/* debugfs kerrighed/krg_hooks/stats: counters for tests and debugging. */
static int krgh_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "callouts %d\n", atomic_read(&krgh_callouts));
	krgh_tp_stats(m);
	krgh_sys_stats(m);
	krgh_procfs_stats(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(krgh_stats);

/*
 * Parts are set up in dependency order and unwound in reverse: each part's
 * _init call has a goto err_<part> to its predecessor's exit, and its _exit
 * call sits at the matching place in krg_hooks_exit().
 */
static int __init krg_hooks_init(void)
{
	int err;

	err = krgh_tp_init();
	if (err)
		goto err_tp;
	krgh_signal_init();
	krgh_use_core = krgh_core_init();
	if (krgh_use_core) {
		krgh_available = krgh_tp_available() | KRGH_CORE_HOOKS;
	} else {
		err = krgh_procfs_init();
		if (err)
			goto err_procfs;
		krgh_available = krgh_tp_available() | krgh_procfs_available() |
				 BIT(KRG_HOOK_PID_RANGE);
	}

	err = krgh_sysfs_init();
	if (err)
		goto err_sysfs;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_hooks_debugfs, KBUILD_MODNAME, KRG_HOOKS_ABI);
	if (krg_hooks_debugfs.dir)
		debugfs_create_file("stats", 0444, krg_hooks_debugfs.dir, NULL,
				    &krgh_stats_fops);

	pr_info("version %s loaded, %s backend, hooks available 0x%x\n",
		KRG_VERSION, krgh_use_core ? "core" : "stock", krgh_available);
	return 0;

err_sysfs:
	if (!krgh_use_core)
		krgh_procfs_exit();
err_procfs:
	krgh_core_exit();
	krgh_tp_exit();
err_tp:
	return err;
}

static void __exit krg_hooks_exit(void)
{
	/*
	 * Consumers depend on our symbols, so they are gone and every
	 * attachment is detached; drop the namespace.
	 */
	krg_hooks_set_cluster_ns(NULL);
	krg_debugfs_exit(&krg_hooks_debugfs);
	krgh_sysfs_exit();

	/* Deferred syscall work still queued on tasks runs our code. */
	while (!wait_var_event_timeout(&krgh_callouts,
				       !atomic_read(&krgh_callouts), 10 * HZ))
		pr_warn("unload: waiting for %d pending callouts\n",
			atomic_read(&krgh_callouts));
	synchronize_rcu_tasks();

	if (!krgh_use_core)
		krgh_procfs_exit();
	krgh_core_exit();
	krgh_tp_exit();
}

module_init(krg_hooks_init);
module_exit(krg_hooks_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed kernel interception layer (stock and core-patch backends)");
MODULE_AUTHOR("The Kerrighed project");
