// SPDX-License-Identifier: GPL-2.0
/*
 * PID ranges on a stock kernel: alloc_pid() picks a number with
 * idr_alloc_cyclic(&ns->idr, NULL, pid_min, pid_max, GFP_ATOMIC) under
 * pidmap_lock.  lib/ is built without ftrace, so an int3 kprobe on
 * idr_alloc_cyclic (exported, so its address is known) narrows the start/end
 * arguments (rdx/rcx) when the IDR is the cluster namespace's.  Every other IDR
 * in the kernel pays one compare while the probe is registered, which is only
 * while a consumer wants pid_range.
 *
 * The first PID of a namespace must be 1: the namespace's child_reaper is set
 * only for PID 1, and clamping it leaves a namespace without a reaper (which
 * crashes in do_exit()).  So nothing is clamped until a PID exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/kprobes.h>

#include "internal.h"

static struct kprobe krgh_idr_kp;
static bool krgh_idr_registered;

/*
 * Narrows [*start, *end) for a PID about to be allocated in ns; shared by the
 * kprobe here and the core patch's alloc_pid() hook (core.c).  Atomic: called
 * with pidmap_lock held.  Returns true if the range was changed.
 */
bool krgh_pid_clamp(struct pid_namespace *ns, int *start, int *end)
{
	const struct krg_hook_ops *ops;
	int lo = *start, hi = *end;

	if (!ns || ns != READ_ONCE(krgh_cluster_ns))
		return false;
	if (!(READ_ONCE(ns->pid_allocated) & ~PIDNS_ADDING))
		return false;	/* the first PID must be 1 */
	ops = krgh_ops_atomic(KRG_HOOK_PID_RANGE);
	if (!ops || !ops->pid_range(ns, &lo, &hi))
		return false;
	lo = max(lo, *start);
	hi = min(hi, *end);
	if (lo >= hi) {
		/* Empty: idr_alloc_cyclic() answers -ENOSPC, fork -EAGAIN. */
		lo = *start;
		hi = *start;
	}
	*start = lo;
	*end = hi;
	return true;
}

static int krgh_idr_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct pid_namespace *ns = READ_ONCE(krgh_cluster_ns);
	int start, end;

	/* Every IDR of the kernel passes here: one compare for the others. */
	if (!ns || regs->di != (unsigned long)&ns->idr)
		return 0;
	start = (int)regs->dx;
	end = (int)regs->cx > 0 ? (int)regs->cx : INT_MAX;
	if (krgh_pid_clamp(ns, &start, &end)) {
		regs->dx = start;
		regs->cx = end;
	}
	return 0;
}

bool krgh_pidrange_live(void)
{
	return krgh_idr_registered &&
	       rcu_access_pointer(krgh_slots[KRG_HOOK_PID_RANGE]);
}

int krgh_pidrange_sync(bool want)
{
	int err;

	lockdep_assert_held(&krgh_lock);
	if (want == krgh_idr_registered)
		return 0;
	if (!want) {
		unregister_kprobe(&krgh_idr_kp);	/* waits for handlers */
		krgh_idr_registered = false;
		return 0;
	}
	/* A kprobe cannot be registered twice without being reset. */
	memset(&krgh_idr_kp, 0, sizeof(krgh_idr_kp));
	krgh_idr_kp.addr = (kprobe_opcode_t *)idr_alloc_cyclic;
	krgh_idr_kp.pre_handler = krgh_idr_pre;
	err = register_kprobe(&krgh_idr_kp);
	if (err) {
		pr_err("cannot probe idr_alloc_cyclic: %d\n", err);
		return err;
	}
	krgh_idr_registered = true;
	return 0;
}
