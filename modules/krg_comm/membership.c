// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm membership and failure detector.
 *
 * Node states (enum krg_comm_node_state), as seen by this node:
 *
 *            session up               nodes add
 *   ABSENT ------------> PRESENT ---------------> ONLINE
 *      ^   <------------    ^  ^                 |     |
 *      |   session lost     |  |   nodes del      |     | silent > timeout, or
 *      |                    |  +---- LEAVING <----+     | came back restarted
 *      |                    |  (upper layers drained)   v
 *      +--------------------+------------------------ FAILED
 *                  session up (always a fresh one)
 *
 * "nodes add" run on one node sends the new member set to every member
 * (service KRG_SVC_COMM_MEMBERSHIP); each applies it.  The node running it
 * joins too.  Every node runs its own failure detector: a ping to every
 * connected peer each heartbeat (timeout / 5), and a member not heard from
 * for the timeout is declared FAILED: its pending calls end with -EHOSTDOWN
 * at once, its queue is dropped, and the next session with it starts afresh.
 *
 * Notifiers of upper modules and netlink events run in order on one ordered
 * work queue (krg_memb_wq).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rwsem.h>
#include <linux/slab.h>

#include "internal.h"

DEFINE_SPINLOCK(krg_memb_lock);
static u8 krg_states[KRG_MAX_NODES];	/* enum krg_comm_node_state */
static LIST_HEAD(krg_notifiers);
static DECLARE_RWSEM(krg_notifiers_sem);
static LIST_HEAD(krg_events);
static DEFINE_SPINLOCK(krg_events_lock);
static struct work_struct krg_event_work;
static struct delayed_work krg_fd_work;
static DEFINE_MUTEX(krg_memb_mutex);	/* one add/del at a time */

struct krg_event_item {
	struct list_head list;
	u32 node;
	int event;		/* enum krg_comm_event */
};

enum { KRG_MEMB_ADD = 1, KRG_MEMB_DEL = 2 };

struct krg_memb_msg {
	__le32 op;
	__le32 reserved;
	u8 set[KRG_COMM_NODE_SET_LEN];
};

int krg_memb_state(u32 node)
{
	return node < KRG_MAX_NODES ? READ_ONCE(krg_states[node]) : KRG_NODE_ABSENT;
}

int krg_comm_node_state(u32 node)
{
	return krg_memb_state(node);
}
EXPORT_SYMBOL_GPL(krg_comm_node_state);

void krg_comm_online_nodes(unsigned long *set)
{
	u32 n;

	bitmap_zero(set, KRG_MAX_NODES);
	spin_lock_bh(&krg_memb_lock);
	for (n = 0; n < KRG_MAX_NODES; n++)
		if (krg_states[n] == KRG_NODE_ONLINE)
			__set_bit(n, set);
	spin_unlock_bh(&krg_memb_lock);
}
EXPORT_SYMBOL_GPL(krg_comm_online_nodes);

u32 krg_hb_ms(void)
{
	return clamp_t(u32, READ_ONCE(krg_cfg.timeout_ms) / 5, 20, 1000);
}

/* ---- events and notifiers ----------------------------------------------- */

/* krg_memb_lock held: record a transition and queue its event. */
static void krg_set_state(u32 node, int state, int event)
{
	struct krg_event_item *ev;

	krg_states[node] = state;
	ev = kmalloc(sizeof(*ev), GFP_ATOMIC);
	if (!ev) {
		pr_warn_ratelimited("node %u: event %d lost (no memory)\n",
				    node, event);
		return;
	}
	ev->node = node;
	ev->event = event;
	spin_lock(&krg_events_lock);
	list_add_tail(&ev->list, &krg_events);
	spin_unlock(&krg_events_lock);
	queue_work(krg_memb_wq, &krg_event_work);
}

static void krg_notify(enum krg_comm_node_event event, u32 node)
{
	struct krg_comm_notifier *nb;

	down_read(&krg_notifiers_sem);
	if (event == KRG_COMM_NODE_UP) {
		list_for_each_entry(nb, &krg_notifiers, list)
			nb->notify(nb, event, node);
	} else {
		list_for_each_entry_reverse(nb, &krg_notifiers, list)
			nb->notify(nb, event, node);
	}
	up_read(&krg_notifiers_sem);
}

static bool krg_peer_connected(u32 node)
{
	struct krg_peer *peer = krg_peer_get(node);
	bool up = peer && READ_ONCE(peer->sock);

	krg_peer_put(peer);
	return up;
}

static void krg_event_one(struct krg_event_item *ev)
{
	int state;

	switch (ev->event) {
	case KRG_EVENT_UP:
		krg_notify(KRG_COMM_NODE_UP, ev->node);
		break;
	case KRG_EVENT_LEAVING:
		krg_nl_event(ev->node, KRG_NODE_LEAVING, KRG_EVENT_LEAVING);
		krg_notify(KRG_COMM_NODE_LEAVING, ev->node);
		/* Drained: the node is out. */
		state = ev->node == krg_cfg.self || krg_peer_connected(ev->node) ?
			KRG_NODE_PRESENT : KRG_NODE_ABSENT;
		spin_lock_bh(&krg_memb_lock);
		if (krg_states[ev->node] == KRG_NODE_LEAVING)
			krg_set_state(ev->node, state, KRG_EVENT_DOWN);
		spin_unlock_bh(&krg_memb_lock);
		return;
	case KRG_EVENT_DOWN:
		krg_notify(KRG_COMM_NODE_DOWN, ev->node);
		break;
	case KRG_EVENT_FAILED:
		krg_notify(KRG_COMM_NODE_FAILED, ev->node);
		break;
	}
	krg_nl_event(ev->node, krg_memb_state(ev->node), ev->event);
}

static void krg_event_work_fn(struct work_struct *work)
{
	struct krg_event_item *ev;

	for (;;) {
		spin_lock_bh(&krg_events_lock);
		ev = list_first_entry_or_null(&krg_events,
					      struct krg_event_item, list);
		if (ev)
			list_del(&ev->list);
		spin_unlock_bh(&krg_events_lock);
		if (!ev)
			return;
		krg_event_one(ev);
		kfree(ev);
	}
}

int krg_comm_register_notifier(struct krg_comm_notifier *nb)
{
	struct krg_comm_notifier *pos;
	u32 n;

	if (!nb || !nb->notify)
		return -EINVAL;
	down_write(&krg_notifiers_sem);
	list_for_each_entry(pos, &krg_notifiers, list)
		if (pos->priority < nb->priority)
			break;
	list_add_tail(&nb->list, &pos->list);
	for (n = 0; n < KRG_MAX_NODES; n++)
		if (krg_memb_state(n) == KRG_NODE_ONLINE)
			nb->notify(nb, KRG_COMM_NODE_UP, n);
	up_write(&krg_notifiers_sem);
	return 0;
}
EXPORT_SYMBOL_GPL(krg_comm_register_notifier);

void krg_comm_unregister_notifier(struct krg_comm_notifier *nb)
{
	down_write(&krg_notifiers_sem);
	list_del(&nb->list);
	up_write(&krg_notifiers_sem);
}
EXPORT_SYMBOL_GPL(krg_comm_unregister_notifier);

/* ---- transport events ---------------------------------------------------- */

static void krg_declare_failed(struct krg_peer *peer)
{
	bool failed = false;

	spin_lock_bh(&krg_memb_lock);
	if (krg_states[peer->id] == KRG_NODE_ONLINE ||
	    krg_states[peer->id] == KRG_NODE_LEAVING) {
		krg_set_state(peer->id, KRG_NODE_FAILED, KRG_EVENT_FAILED);
		failed = true;
	}
	spin_unlock_bh(&krg_memb_lock);
	if (!failed)
		return;
	pr_warn("node %u declared failed (silent for %u ms)\n", peer->id,
		jiffies_to_msecs(jiffies - READ_ONCE(peer->last_heard)));
	/* Whatever it had of ours is lost: the next session starts afresh. */
	spin_lock_bh(&peer->lock);
	peer->incarnation = 0;
	spin_unlock_bh(&peer->lock);
	krg_transport->peer_close(peer);
	krg_peer_flush_queue(peer);
	krg_rpc_fail_node(peer->id, -EHOSTDOWN);
}

void krg_memb_session_up(struct krg_peer *peer, bool fresh)
{
	bool failed = false;
	int st;

	spin_lock_bh(&krg_memb_lock);
	st = krg_states[peer->id];
	if (fresh && (st == KRG_NODE_ONLINE || st == KRG_NODE_LEAVING)) {
		/* It lost our shared state (restart or declared failed). */
		krg_set_state(peer->id, KRG_NODE_FAILED, KRG_EVENT_FAILED);
		st = KRG_NODE_FAILED;
		failed = true;
	}
	if (st == KRG_NODE_ABSENT || st == KRG_NODE_FAILED)
		krg_set_state(peer->id, KRG_NODE_PRESENT, KRG_EVENT_PRESENT);
	spin_unlock_bh(&krg_memb_lock);
	if (failed) {
		pr_warn("node %u came back with a new session: declared failed\n",
			peer->id);
		krg_rpc_fail_node(peer->id, -EHOSTDOWN);
	}
}

void krg_memb_session_down(struct krg_peer *peer)
{
	spin_lock_bh(&krg_memb_lock);
	if (krg_states[peer->id] == KRG_NODE_PRESENT)
		krg_set_state(peer->id, KRG_NODE_ABSENT, KRG_EVENT_ABSENT);
	spin_unlock_bh(&krg_memb_lock);
}

/* Heartbeats, failure detection and the call reaper, every heartbeat. */
static void krg_fd_work_fn(struct work_struct *work)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(krg_cfg.timeout_ms));
	struct krg_peer *peer;
	bool silent, up;
	u32 pos = 0;
	int st;

	if (!krg_comm_running())
		return;
	for (; (peer = krg_peer_next(&pos)); pos++) {
		spin_lock_bh(&peer->lock);
		silent = time_after(jiffies, peer->last_heard + timeout);
		up = peer->sock;
		if (up)
			peer->need_ping = true;
		spin_unlock_bh(&peer->lock);
		st = krg_memb_state(peer->id);
		if (silent && (st == KRG_NODE_ONLINE || st == KRG_NODE_LEAVING))
			krg_declare_failed(peer);
		else if (silent && up)
			krg_transport->peer_close(peer);	/* dead session */
		else if (up)
			krg_transport->peer_kick(peer);
		krg_peer_put(peer);
	}
	krg_rpc_reap();
	queue_delayed_work(krg_io_wq, &krg_fd_work,
			   msecs_to_jiffies(krg_hb_ms()));
}

void krg_memb_start(void)
{
	spin_lock_bh(&krg_memb_lock);
	krg_set_state(krg_cfg.self, KRG_NODE_PRESENT, KRG_EVENT_PRESENT);
	spin_unlock_bh(&krg_memb_lock);
	queue_delayed_work(krg_io_wq, &krg_fd_work, 0);
}

/* ---- add / del ----------------------------------------------------------- */

static void krg_apply_add(const unsigned long *set)
{
	struct krg_peer *peer;
	u32 n;

	for_each_set_bit(n, set, KRG_MAX_NODES) {
		peer = n == krg_cfg.self ? NULL : krg_peer_get(n);
		if (n != krg_cfg.self && !peer) {
			pr_warn("node %u is a member but has no address here (krgadm node start?)\n",
				n);
			continue;
		}
		if (peer) {
			spin_lock_bh(&peer->lock);
			peer->last_heard = jiffies;
			spin_unlock_bh(&peer->lock);
			krg_peer_put(peer);
		}
		spin_lock_bh(&krg_memb_lock);
		if (krg_states[n] != KRG_NODE_ONLINE)
			krg_set_state(n, KRG_NODE_ONLINE, KRG_EVENT_UP);
		spin_unlock_bh(&krg_memb_lock);
	}
}

static void krg_apply_del(const unsigned long *set)
{
	u32 n;

	spin_lock_bh(&krg_memb_lock);
	for (n = 0; n < KRG_MAX_NODES; n++) {
		/* Leaving ourselves: everybody else leaves our view too. */
		if (!test_bit(n, set) && !test_bit(krg_cfg.self, set))
			continue;
		if (krg_states[n] == KRG_NODE_ONLINE)
			krg_set_state(n, KRG_NODE_LEAVING, KRG_EVENT_LEAVING);
	}
	spin_unlock_bh(&krg_memb_lock);
}

static void krg_memb_handler(struct krg_comm_req *req)
{
	const struct krg_memb_msg *m = req->data;
	DECLARE_BITMAP(set, KRG_MAX_NODES);
	int ret = 0;

	if (req->len != sizeof(*m) || m->reserved) {
		ret = -EINVAL;
		goto out;
	}
	bitmap_from_arr32(set, (const u32 *)m->set, KRG_MAX_NODES);
	switch (le32_to_cpu(m->op)) {
	case KRG_MEMB_ADD:
		krg_apply_add(set);
		break;
	case KRG_MEMB_DEL:
		krg_apply_del(set);
		break;
	default:
		ret = -EINVAL;
	}
out:
	krg_comm_reply(req, ret, NULL, 0);
}

static struct krg_comm_service krg_memb_service = {
	.id = KRG_SVC_COMM_MEMBERSHIP,
	.handler = krg_memb_handler,
};

static void krg_memb_msg_fill(struct krg_memb_msg *m, int op,
			      const unsigned long *set)
{
	memset(m, 0, sizeof(*m));
	m->op = cpu_to_le32(op);
	/* Little-endian byte bitmap: bit n is byte n / 8, bit n % 8. */
	bitmap_to_arr32((u32 *)m->set, set, KRG_MAX_NODES);
#ifdef __BIG_ENDIAN
#error "krg_memb_msg bitmap assumes a little-endian host"
#endif
}

/* Sends @op to every node of @to but ourselves; reports the first failure. */
static int krg_memb_broadcast(int op, const unsigned long *set,
			      const unsigned long *to,
			      struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(others, KRG_MAX_NODES);
	struct krg_memb_msg m;
	int *status, ret = 0;
	u32 n;

	bitmap_copy(others, to, KRG_MAX_NODES);
	__clear_bit(krg_cfg.self, others);
	if (bitmap_empty(others, KRG_MAX_NODES))
		return 0;
	status = kcalloc(KRG_MAX_NODES, sizeof(*status), GFP_KERNEL);
	if (!status)
		return -ENOMEM;
	krg_memb_msg_fill(&m, op, set);
	krg_comm_call_multi(others, KRG_SVC_COMM_MEMBERSHIP, &m, sizeof(m),
			    5000, status, NULL, NULL);
	for_each_set_bit(n, others, KRG_MAX_NODES) {
		if (status[n] >= 0)
			continue;
		NL_SET_ERR_MSG_FMT(extack, "node %u did not confirm the change (error %d)",
				   n, status[n]);
		ret = status[n];
		break;
	}
	kfree(status);
	return ret;
}

int krg_memb_add(const unsigned long *set, struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(newset, KRG_MAX_NODES);
	int ret;
	u32 n;

	if (!krg_comm_running()) {
		NL_SET_ERR_MSG(extack, "this node is not configured (krgadm node start)");
		return -ENOTCONN;
	}
	for_each_set_bit(n, set, KRG_MAX_NODES) {
		if (n == krg_cfg.self || krg_memb_state(n) == KRG_NODE_ONLINE ||
		    krg_peer_connected(n))
			continue;
		NL_SET_ERR_MSG_FMT(extack, "node %u is not connected (started? same key? address configured?)",
				   n);
		return -ENOTCONN;
	}
	mutex_lock(&krg_memb_mutex);
	krg_comm_online_nodes(newset);
	bitmap_or(newset, newset, set, KRG_MAX_NODES);
	__set_bit(krg_cfg.self, newset);
	krg_apply_add(newset);
	ret = krg_memb_broadcast(KRG_MEMB_ADD, newset, newset, extack);
	mutex_unlock(&krg_memb_mutex);
	return ret;
}

int krg_memb_del(const unsigned long *set, struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(members, KRG_MAX_NODES);
	u32 n;
	int ret;

	if (!krg_comm_running()) {
		NL_SET_ERR_MSG(extack, "this node is not configured (krgadm node start)");
		return -ENOTCONN;
	}
	for_each_set_bit(n, set, KRG_MAX_NODES) {
		if (krg_memb_state(n) == KRG_NODE_ONLINE)
			continue;
		NL_SET_ERR_MSG_FMT(extack, "node %u is not online", n);
		return -ENOENT;
	}
	mutex_lock(&krg_memb_mutex);
	krg_comm_online_nodes(members);
	ret = krg_memb_broadcast(KRG_MEMB_DEL, set, members, extack);
	krg_apply_del(set);
	mutex_unlock(&krg_memb_mutex);
	return ret;
}

int krg_memb_init(void)
{
	INIT_WORK(&krg_event_work, krg_event_work_fn);
	INIT_DELAYED_WORK(&krg_fd_work, krg_fd_work_fn);
	return krg_comm_register_service(&krg_memb_service);
}

void krg_memb_exit(void)
{
	cancel_delayed_work_sync(&krg_fd_work);
	krg_comm_unregister_service(&krg_memb_service);
	flush_workqueue(krg_memb_wq);
}
