// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm multicast calls: one asynchronous call per node of the set, all
 * queued before any is waited for, every reply collected.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "krg_comm.h"

struct mcall {
	refcount_t ref;
	atomic_t pending;
	wait_queue_head_t wq;
	int status[KRG_MAX_NODES];
	void *reply[KRG_MAX_NODES];
	size_t reply_len[KRG_MAX_NODES];
};

struct mcall_slot {
	struct mcall *m;
	u32 node;
};

static void mcall_put(struct mcall *m)
{
	u32 n;

	if (!refcount_dec_and_test(&m->ref))
		return;
	for (n = 0; n < KRG_MAX_NODES; n++)
		kvfree(m->reply[n]);
	kvfree(m);
}

static void mcall_done(void *ctx, int status, void *reply, size_t len)
{
	struct mcall_slot *slot = ctx;
	struct mcall *m = slot->m;

	m->status[slot->node] = status;
	m->reply[slot->node] = reply;
	m->reply_len[slot->node] = len;
	kfree(slot);
	if (atomic_dec_and_test(&m->pending))
		wake_up_all(&m->wq);
	mcall_put(m);
}

int krg_comm_call_multi(const krg_nodemask_t *nodes, u32 service,
			const void *data, size_t len, unsigned int timeout_ms,
			int *status, void **replies, size_t *reply_lens)
{
	struct mcall_slot *slot;
	struct mcall *m;
	int ok = 0, ret;
	u32 n;

	m = kvzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	refcount_set(&m->ref, 1);
	atomic_set(&m->pending, 1);
	init_waitqueue_head(&m->wq);
	krg_nodemask_for_each(n, nodes) {
		slot = kmalloc(sizeof(*slot), GFP_KERNEL);
		if (!slot) {
			m->status[n] = -ENOMEM;
			continue;
		}
		slot->m = m;
		slot->node = n;
		atomic_inc(&m->pending);
		refcount_inc(&m->ref);
		ret = krg_comm_call_async(n, service, data, len, timeout_ms,
					  mcall_done, slot);
		if (ret) {
			m->status[n] = ret;
			kfree(slot);
			atomic_dec(&m->pending);
			refcount_dec(&m->ref);
		}
	}
	atomic_dec(&m->pending);
	/* Every async call ends by its deadline (reaper); leave margin. */
	wait_event_timeout(m->wq, !atomic_read(&m->pending),
			   msecs_to_jiffies(timeout_ms) + 5 * HZ);
	krg_nodemask_for_each(n, nodes) {
		if (atomic_read(&m->pending) && !m->status[n] && !m->reply[n])
			m->status[n] = -ETIMEDOUT;
		if (status)
			status[n] = m->status[n];
		if (m->status[n] >= 0)
			ok++;
		if (replies && !atomic_read(&m->pending)) {
			replies[n] = m->reply[n];
			reply_lens[n] = m->reply_len[n];
			m->reply[n] = NULL;
		} else if (replies) {
			replies[n] = NULL;
			reply_lens[n] = 0;
		}
	}
	mcall_put(m);
	return ok;
}
EXPORT_SYMBOL_GPL(krg_comm_call_multi);
