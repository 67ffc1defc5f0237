// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM and membership: the notifier that tells KDDM of nodes joining,
 * leaving and failing, and the leave of this node.
 *
 * A node joins (KRG_COMM_NODE_UP): the lowest other member sends it every
 * set.
 *
 * Leaving (KRG_COMM_NODE_LEAVING of this node): every object owned here is
 * pulled by its default owner among the other home nodes (PULL: the target
 * sends an ordinary WRITE_REQ), read copies are dropped, and once nothing is
 * owned here HANDOFF_DONE goes to every other node.  The other nodes hold
 * their LEAVING notification until that arrives (bounded), so every handoff
 * is done before the node is DOWN.
 *
 * A node failed or is DOWN: the recovery round of recovery.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "internal.h"

#define HANDOFF_WAIT_MS	15000

static DECLARE_WAIT_QUEUE_HEAD(memb_wq);
krg_nodemask_t kddm_handoff;
static bool leaving;

void kddm_handoff_done(u32 src)
{
	if (src >= KRG_MAX_NODES)
		return;
	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_set(&kddm_handoff, src);
	spin_unlock_bh(&kddm_dead_lock);
	wake_up_all(&memb_wq);
}

static bool handoff_seen(u32 node)
{
	bool seen;

	spin_lock_bh(&kddm_dead_lock);
	seen = krg_nodemask_test(&kddm_handoff, node);
	spin_unlock_bh(&kddm_dead_lock);
	return seen || krg_comm_node_state(node) == KRG_NODE_FAILED;
}

/* ---- leaving ------------------------------------------------------------- */

static atomic_t leave_gen = ATOMIC_INIT(0);

void kddm_leave_wake(void)
{
	atomic_inc(&leave_gen);
	wake_up_all(&memb_wq);
}

/* Under set->lock: ownership reached us after (or while) we left. */
void kddm_left_grant(struct kddm_set *set, struct kddm_entry *e)
{
	u32 to;

	if (e->state == KDDM_OWNER) {
		to = kddm_default_owner(set, e->objid);
		if (to != kddm_self())
			kddm_send_pull(set, e, to);
	}
	kddm_leave_wake();
}

/*
 * One pass over every set: ask the default owner of everything we own to
 * pull it, drop idle read copies.  Returns how many entries are still busy
 * (owned here, pinned, invalidating, or waiting for an answer that may bring
 * ownership here).
 */
static int leave_pass(int *pulled)
{
	struct kddm_set *set;
	struct kddm_entry *e;
	int bkt, busy = 0;
	u32 to;

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		set->left = true;
		krg_nodemask_clear(&set->home, kddm_self());
		hash_for_each(set->objs, bkt, e, node) {
			if (e->state == KDDM_READ && !e->readers &&
			    e->want == KDDM_WANT_NONE) {
				kddm_entry_drop_copy(set, e);
				kddm_entry_set_state(e, KDDM_INVALID);
				continue;
			}
			if (e->state == KDDM_OWNER) {
				to = kddm_default_owner(set, e->objid);
				if (to == kddm_self())
					continue;	/* no home node left */
				if (!e->pull_sent && !kddm_send_pull(set, e, to))
					(*pulled)++;
				busy++;
				continue;
			}
			if (e->writer || e->readers || e->inv_pending ||
			    e->want != KDDM_WANT_NONE)
				busy++;
		}
		kddm_changed(set);
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
	return busy;
}

void kddm_leave_local(bool unload)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(HANDOFF_WAIT_MS);
	int pulled = 0, busy, gen;
	u32 n, st;

	leaving = true;
	for (;;) {
		gen = atomic_read(&leave_gen);
		busy = leave_pass(&pulled);
		if (!busy || time_after(jiffies, deadline))
			break;
		/* Grants still on their way here: wait for the next one. */
		wait_event_timeout(memb_wq,
				   atomic_read(&leave_gen) != gen,
				   max_t(long, deadline - jiffies, 1));
	}
	if (busy)
		pr_warn("leaving: %d objects still owned or busy: not handed off\n",
			busy);
	/* Everybody we may still talk to: members and nodes just out. */
	for (n = 0; n < KRG_MAX_NODES; n++) {
		st = krg_comm_node_state(n);
		if (n != kddm_self() && (st == KRG_NODE_ONLINE ||
					 st == KRG_NODE_LEAVING ||
					 st == KRG_NODE_PRESENT))
			kddm_send(NULL, n, KRG_KDDM_MSG_HANDOFF_DONE, 0,
				  kddm_self(), 0, 0, 0, unload, NULL, 0, NULL, 0);
	}
	pr_info("left: %d objects handed off\n", pulled);
	/* The sets stay, as forwarders, until we rejoin and get fresh ones. */
}

/* The lowest other member tells a newcomer every set. */
static void send_sets_if_lowest(u32 node)
{
	krg_nodemask_t on;

	krg_comm_online_nodes(&on);
	krg_nodemask_clear(&on, node);
	if (krg_nodemask_first(&on) == kddm_self())
		kddm_sets_send_all(node);
}

/* @node joined, or is back: it is alive, and needs the sets. */
static void node_back(u32 node)
{
	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_clear(&kddm_dead, node);
	krg_nodemask_clear(&kddm_handoff, node);
	spin_unlock_bh(&kddm_dead_lock);
	send_sets_if_lowest(node);
}

/* A member (re)loaded krg_kddm. */
void kddm_hello(u32 src)
{
	if (src < KRG_MAX_NODES && src != kddm_self())
		node_back(src);
}

/* Module load on a member: say hello.  Unload: hand off, say goodbye. */
void kddm_announce(bool loading)
{
	u32 n, self = kddm_self();

	if (krg_comm_self() < 0 || krg_comm_node_state(self) != KRG_NODE_ONLINE)
		return;
	if (!loading) {
		kddm_leave_local(true);
		return;
	}
	for (n = 0; n < KRG_MAX_NODES; n++)
		if (n != self && krg_comm_node_state(n) == KRG_NODE_ONLINE)
			kddm_send(NULL, n, KRG_KDDM_MSG_HELLO, 0, self, 0, 0, 0,
				  0, NULL, 0, NULL, 0);
}

/* ---- notifier ---------------------------------------------------------------- */

static void notify(struct krg_comm_notifier *nb,
		   enum krg_comm_node_event event, u32 node)
{
	int self = krg_comm_self();

	if (self < 0 || node >= KRG_MAX_NODES)
		return;
	switch (event) {
	case KRG_COMM_NODE_UP:
		if (node == (u32)self) {
			leaving = false;
			spin_lock_bh(&kddm_dead_lock);
			krg_nodemask_zero(&kddm_dead);
			krg_nodemask_zero(&kddm_handoff);
			spin_unlock_bh(&kddm_dead_lock);
			return;
		}
		node_back(node);
		return;
	case KRG_COMM_NODE_LEAVING:
		if (node == (u32)self) {
			kddm_leave_local(false);
			return;
		}
		if (leaving ||
		    krg_comm_node_state(self) == KRG_NODE_LEAVING)
			return;
		if (!wait_event_timeout(memb_wq, handoff_seen(node),
					msecs_to_jiffies(HANDOFF_WAIT_MS)))
			pr_warn("node %u left without handing its objects off\n",
				node);
		return;
	case KRG_COMM_NODE_DOWN:
	case KRG_COMM_NODE_FAILED:
		if (node == (u32)self || leaving)
			return;
		kddm_memb_local(node);
		return;
	}
}

struct krg_comm_notifier kddm_notifier = {
	.priority = 100,	/* KDDM sits right above krg_comm */
	.notify = notify,
};
