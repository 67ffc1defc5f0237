// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster PIDs: node N allocates PIDs and TIDs only in its slice
 * [N << KRG_PID_NODE_SHIFT, (N + 1) << KRG_PID_NODE_SHIFT) of the 22-bit PID
 * space (node 0 from KRG_PID_MIN_LOCAL), so a number is unique cluster-wide
 * without a message and names its home node.  PID 1 is every node's own
 * krginit.  256 nodes of 16,384 PIDs fill PID_MAX_LIMIT exactly; krgd raises
 * kernel.pid_max to it.  Documentation/krg_proc.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pid_namespace.h>
#include <linux/threads.h>

#include "krg_comm/krg_comm.h"
#include "env.h"

static_assert((KRG_MAX_NODES << KRG_PID_NODE_SHIFT) == PID_MAX_LIMIT);

u32 krgp_pid_home(pid_t pid)
{
	return KRG_PID_NODE(pid);
}

bool krgp_pid_is_local_slice(pid_t pid)
{
	return pid >= READ_ONCE(krgp_pid_lo) && pid < READ_ONCE(krgp_pid_hi);
}

/* krg_hooks pid_range: atomic, interrupts off, the PID allocator's lock held. */
bool krgp_pid_range(struct pid_namespace *ns, int *lo, int *hi)
{
	int l = READ_ONCE(krgp_pid_lo), h = READ_ONCE(krgp_pid_hi);

	if (h <= l)
		return false;
	*lo = max(*lo, l);
	*hi = min(*hi, h);
	return true;
}
