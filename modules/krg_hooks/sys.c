// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall override from the sys_enter tracepoint, and remote signals built on
 * it.
 *
 * syscall_trace_enter() re-reads the syscall number after the tracepoint, so
 * a probe that sets regs->orig_ax = -1 skips the syscall, and regs->ax is what
 * the task sees.  Work that must sleep runs as task_work (TWA_RESUME) in the
 * task's own context before it returns to user space, and writes regs->ax.
 *
 * The probe is attached only while a consumer wants a syscall (tp.c), since
 * attaching it sends every task's syscalls through the slow entry path.  It
 * tests a bitmap of watched numbers first, then the cluster namespace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "internal.h"

/* Updated under krgh_lock, read locklessly by the probe. */
static DECLARE_BITMAP(krgh_sys_watch, NR_syscalls);

/* Skipped syscalls run natively after all (consumer left), allocation failures. */
static atomic_long_t krgh_sys_restarted = ATOMIC_LONG_INIT(0);
static atomic_long_t krgh_sys_nomem = ATOMIC_LONG_INIT(0);

void krgh_sys_stats(struct seq_file *m)
{
	seq_printf(m, "sys_restarted %ld\nsys_nomem %ld\n",
		   atomic_long_read(&krgh_sys_restarted),
		   atomic_long_read(&krgh_sys_nomem));
}

static const int krgh_sig_nrs[] = {
	__NR_kill, __NR_tkill, __NR_tgkill, __NR_rt_sigqueueinfo,
	__NR_rt_tgsigqueueinfo,
};

bool krgh_sys_reserved_nr(long nr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(krgh_sig_nrs); i++)
		if (krgh_sig_nrs[i] == nr)
			return true;
	return false;
}

void krgh_sys_update(void)
{
	const struct krg_hook_ops *ops;
	DECLARE_BITMAP(want, NR_syscalls);
	unsigned int i;

	lockdep_assert_held(&krgh_lock);
	bitmap_zero(want, NR_syscalls);
	if (rcu_access_pointer(krgh_slots[KRG_HOOK_SIGNAL_REMOTE]))
		for (i = 0; i < ARRAY_SIZE(krgh_sig_nrs); i++)
			__set_bit(krgh_sig_nrs[i], want);
	ops = rcu_dereference_protected(krgh_slots[KRG_HOOK_SYSCALL],
					lockdep_is_held(&krgh_lock));
	if (ops)
		for (i = 0; i < ops->sys_nrs_count; i++)
			__set_bit(ops->sys_nrs[i], want);
	/* Bit by bit, so the probe never sees a half-written word. */
	for (i = 0; i < NR_syscalls; i++) {
		if (test_bit(i, want) && !test_bit(i, krgh_sys_watch))
			set_bit(i, krgh_sys_watch);
		else if (!test_bit(i, want) && test_bit(i, krgh_sys_watch))
			clear_bit(i, krgh_sys_watch);
	}
}

struct krgh_sys_work {
	struct callback_head cb;
	const struct krg_hook_ops *ops;	/* compared, never dereferenced */
	enum krg_hook_id hook;
	struct krg_sys_call call;
};

/*
 * -ERESTART* would reach user space: a skipped signal syscall is never
 * restarted (a deferred one is when a signal interrupted it, below).
 */
static long krgh_sys_result(long ret)
{
	if (ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK)
		return -EINTR;
	return ret;
}

static long krgh_signal_run(const struct krg_hook_ops *ops,
			    const struct krg_sys_call *call)
{
	struct krg_signal_req req = { };
	void __user *uinfo = NULL;

	switch (call->nr) {
	case __NR_kill:
		req.kind = KRG_SIG_KILL;
		req.pid = call->args[0];
		req.sig = call->args[1];
		if (req.pid == -1) {
			req.kind = KRG_SIG_KILL_ALL;
			req.pid = 0;
		} else if (req.pid <= 0) {
			req.kind = KRG_SIG_KILL_PGRP;
			req.pid = req.pid ? -req.pid : task_pgrp_vnr(current);
			/* Left the cluster's groups since the syscall entry. */
			if (!req.pid)
				return kill_pgrp(task_pgrp(current), req.sig, 0);
		}
		break;
	case __NR_tkill:
		req.kind = KRG_SIG_TKILL;
		req.pid = call->args[0];
		req.sig = call->args[1];
		break;
	case __NR_tgkill:
		req.kind = KRG_SIG_TGKILL;
		req.tgid = call->args[0];
		req.pid = call->args[1];
		req.sig = call->args[2];
		break;
	case __NR_rt_sigqueueinfo:
		req.kind = KRG_SIG_QUEUEINFO;
		req.pid = call->args[0];
		req.sig = call->args[1];
		uinfo = (void __user *)call->args[2];
		break;
	default: /* __NR_rt_tgsigqueueinfo, the only other watched one */
		req.kind = KRG_SIG_TGQUEUEINFO;
		req.tgid = call->args[0];
		req.pid = call->args[1];
		req.sig = call->args[2];
		uinfo = (void __user *)call->args[3];
		break;
	}

	if (uinfo) {
		if (copy_from_user(&req.info, uinfo, sizeof(req.info)))
			return -EFAULT;
		/* The kernel's rule: no faking kernel, kill() or tkill() senders. */
		if ((req.info.si_code >= 0 || req.info.si_code == SI_TKILL) &&
		    task_pid_vnr(current) != (req.tgid ?: req.pid))
			return -EPERM;
	} else {
		req.info.si_code = req.kind == KRG_SIG_TKILL ||
				   req.kind == KRG_SIG_TGKILL ? SI_TKILL : SI_USER;
		req.info.si_pid = task_tgid_vnr(current);
		req.info.si_uid = from_kuid_munged(current_user_ns(),
						   current_uid());
	}
	req.info.si_signo = req.sig;
	return ops->signal_remote(&req);
}

static int (*krgh_group_send_sig_info)(int sig, struct kernel_siginfo *info,
				       struct task_struct *p,
				       enum pid_type type);
static long (*krgh_kernel_waitid)(int which, pid_t upid,
				  struct krg_waitid_info *infop, int options,
				  struct rusage *ru);

void krgh_signal_init(void)
{
	krgh_group_send_sig_info =
		(void *)krgh_lookup_symbol("group_send_sig_info");
	if (!krgh_group_send_sig_info)
		pr_warn("group_send_sig_info not found: krg_hooks_send_signal() is unavailable\n");
	krgh_kernel_waitid = (void *)krgh_lookup_symbol("kernel_waitid");
	if (!krgh_kernel_waitid)
		pr_warn("kernel_waitid not found: krg_hooks_waitid() is unavailable\n");
}

long krg_hooks_waitid(int which, pid_t upid, struct krg_waitid_info *info,
		      int options, struct rusage *ru)
{
	if (!krgh_kernel_waitid)
		return -EOPNOTSUPP;
	return krgh_kernel_waitid(which, upid, info, options, ru);
}
EXPORT_SYMBOL_GPL(krg_hooks_waitid);

int krg_hooks_send_signal(int sig, kernel_siginfo_t *info,
			  struct task_struct *t, enum pid_type type)
{
	if (!krgh_group_send_sig_info)
		return -EOPNOTSUPP;
	if (type != PIDTYPE_PID && type != PIDTYPE_TGID &&
	    type != PIDTYPE_PGID && type != PIDTYPE_MAX)
		return -EINVAL;
	return krgh_group_send_sig_info(sig, info, t, type);
}
EXPORT_SYMBOL_GPL(krg_hooks_send_signal);

static void krgh_sys_work_fn(struct callback_head *cb)
{
	struct krgh_sys_work *w = container_of(cb, struct krgh_sys_work, cb);
	struct pt_regs *regs = current_pt_regs();
	const struct krg_hook_ops *ops;
	int idx;

	/* exit_task_work() runs what is still queued: nothing to return to. */
	if (current->flags & PF_EXITING)
		goto out;

	idx = srcu_read_lock(&krgh_srcu);
	ops = krgh_ops_srcu(w->hook);
	if (ops != w->ops) {
		/*
		 * The consumer left since the syscall was skipped: run it
		 * natively after all, the way the kernel restarts a syscall.
		 */
		regs->ax = w->call.nr;
		regs->ip -= 2;	/* back onto the 2-byte "syscall" */
		atomic_long_inc(&krgh_sys_restarted);
	} else if (w->hook == KRG_HOOK_SIGNAL_REMOTE) {
		regs->ax = krgh_sys_result(krgh_signal_run(ops, &w->call));
	} else {
		long ret = ops->sys_deferred(&w->call);

		/*
		 * Interrupted by a signal: restarted or -EINTR as the kernel
		 * does for its own syscalls (the signal code looks at orig_ax).
		 */
		if ((ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
		     ret == -ERESTARTNOHAND) && signal_pending(current)) {
			regs->orig_ax = w->call.nr;
			regs->ax = ret;
		} else {
			regs->ax = krgh_sys_result(ret);
		}
	}
	srcu_read_unlock(&krgh_srcu, idx);
out:
	kfree(w);
	krgh_callout_put();
}

/* Skip the syscall now and decide its result before the return to user. */
static void krgh_sys_defer(struct pt_regs *regs, enum krg_hook_id hook,
			   const struct krg_hook_ops *ops,
			   const struct krg_sys_call *call)
{
	struct krgh_sys_work *w;

	regs->orig_ax = -1;
	w = kmalloc(sizeof(*w), GFP_ATOMIC | __GFP_NOWARN);
	if (!w) {
		atomic_long_inc(&krgh_sys_nomem);
		regs->ax = -ENOMEM;
		return;
	}
	init_task_work(&w->cb, krgh_sys_work_fn);
	w->ops = ops;
	w->hook = hook;
	w->call = *call;
	krgh_callout_get();
	if (task_work_add(current, &w->cb, TWA_RESUME)) {
		/* Exiting: the syscall's result is never seen. */
		kfree(w);
		krgh_callout_put();
		regs->ax = -ESRCH;
		return;
	}
	regs->ax = -EINTR;	/* overwritten by the work */
}

/*
 * Does this signal syscall concern other nodes: is its target absent from
 * this node (or only a copy the consumer diverts), or is it a broadcast?
 */
static bool krgh_signal_is_remote(const struct krg_hook_ops *ops,
				  const struct krg_sys_call *call)
{
	struct task_struct *t;
	struct pid *p;
	long pid;
	bool absent;

	switch (call->nr) {
	case __NR_kill:
		pid = (int)call->args[0];
		if (pid > 0 || pid == INT_MIN)
			break;
		if (pid < 0)
			return true;
		/* kill(0): only a process group of the cluster. */
		rcu_read_lock();
		pid = task_pgrp_vnr(current);
		rcu_read_unlock();
		return pid != 0;
	case __NR_tkill:
	case __NR_rt_sigqueueinfo:
		pid = (int)call->args[0];
		break;
	default: /* tgkill, rt_tgsigqueueinfo: the thread decides */
		if ((int)call->args[0] <= 0)
			return false;
		pid = (int)call->args[1];
		break;
	}
	/*
	 * An invalid signal to a remote process too: the kernel looks the
	 * target up first (ESRCH), then checks the signal (EINVAL).
	 */
	if (pid <= 0)
		return false;
	rcu_read_lock();
	p = find_vpid(pid);
	absent = !p;
	if (p && ops->signal_divert) {
		t = pid_task(p, PIDTYPE_PID);
		absent = t && ops->signal_divert(t);
	}
	rcu_read_unlock();
	return absent;
}

void krgh_sys_enter_probe(void *data, struct pt_regs *regs, long nr)
{
	const struct krg_hook_ops *ops;
	struct krg_sys_call call;
	long ret;

	if ((unsigned long)nr >= NR_syscalls || !test_bit(nr, krgh_sys_watch))
		return;
	/* Numbers are x86-64 ones; 32-bit syscalls use another table. */
	if (!krgh_task_in_cluster(current) || in_compat_syscall())
		return;

	call.nr = nr;
	call.cookie = 0;
	syscall_get_arguments(current, regs, call.args);

	if (krgh_sys_reserved_nr(nr)) {
		ops = krgh_ops_atomic(KRG_HOOK_SIGNAL_REMOTE);
		if (ops && krgh_signal_is_remote(ops, &call))
			krgh_sys_defer(regs, KRG_HOOK_SIGNAL_REMOTE, ops, &call);
		return;
	}

	ops = krgh_ops_atomic(KRG_HOOK_SYSCALL);
	if (!ops)
		return;
	ret = -EOPNOTSUPP;
	switch (ops->sys_override(&call, &ret)) {
	case KRG_SYS_SKIP:
		regs->orig_ax = -1;
		regs->ax = ret;
		break;
	case KRG_SYS_DEFER:
		if (ops->sys_deferred) {
			krgh_sys_defer(regs, KRG_HOOK_SYSCALL, ops, &call);
		} else {
			regs->orig_ax = -1;
			regs->ax = -EOPNOTSUPP;	/* DEFER without sys_deferred */
		}
		break;
	default:
		break;
	}
}
