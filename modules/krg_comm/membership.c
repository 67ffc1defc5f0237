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
 * "nodes add" run on one node (the coordinator) works in two steps, both
 * over service KRG_SVC_COMM_MEMBERSHIP:
 *
 *  1. Mesh check (KRG_MEMB_PROBE, bounded by krg_memb_mesh_wait_ms()): the
 *     coordinator asks every node of the new member set (old members, the
 *     nodes added and itself) which of the others it has an authenticated
 *     session with, and under which incarnation it knows each.  A node
 *     asked dials at once the nodes it misses.  The check passes when every
 *     pair of the set has a session and everybody knows everybody under the
 *     incarnation the coordinator knows.  If it does not pass in time the
 *     add fails and nothing changes: -EHOSTDOWN if a node of the set failed
 *     or does not answer, -ENOTCONN if some pair still has no session.
 *  2. The new member set goes to every member (KRG_MEMB_ADD), each node of
 *     it with the incarnation the coordinator checked.  Each applies it; a
 *     node that knows one of them under another incarnation (it restarted
 *     meanwhile) refuses that one and the add reports it.
 *
 * A member's incarnation (krg_memb_inc) is what tells a restart from a
 * first session: a session with an ONLINE/LEAVING node that does not
 * resume the previous one means the node lost our shared state (it
 * restarted, or declared us failed) and it is declared FAILED -- except when
 * neither side ever had a session with the other and the node comes with
 * the incarnation it was added under: that is the first session of a
 * member we learned of from an add, nothing was lost and the node stays
 * ONLINE.  The mesh check makes that case rare (a session that drops after
 * the check and comes back is a plain resumption); the rule keeps the
 * membership right without relying on the check alone.
 *
 * Every node runs its own failure detector: a ping to every
 * connected peer each heartbeat (timeout / 5), and a member not heard from
 * for the timeout is declared FAILED: its pending calls end with -EHOSTDOWN
 * at once, its queue is dropped, and the next session with it starts afresh.
 *
 * Notifiers of upper modules and netlink events run in order on one ordered
 * work queue (krg_memb_wq).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
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
/* Incarnation each member was added under, 0 = unknown (krg_memb_lock). */
static u64 krg_memb_inc[KRG_MAX_NODES];

struct krg_event_item {
	struct list_head list;
	u32 node;
	int event;		/* enum krg_comm_event */
};

enum { KRG_MEMB_ADD = 1, KRG_MEMB_DEL = 2, KRG_MEMB_PROBE = 3, KRG_MEMB_FAIL = 4 };

/*
 * Request of every op (exactly this size).  ADD: inc[n] = incarnation of
 * node n of @set as the coordinator knows it (0 = unknown, taken on trust),
 * the reply is the bitmap (KRG_COMM_NODE_SET_LEN bytes) of the nodes the
 * member refused; DEL: inc all 0; PROBE: @set = the nodes to report on, inc
 * all 0; FAIL: declare the nodes of @set failed (roll back an add), inc 0.
 */
struct krg_memb_msg {
	__le32 op;
	__le32 reserved;
	u8 set[KRG_COMM_NODE_SET_LEN];
	__le64 inc[KRG_MAX_NODES];
};

/*
 * Reply to PROBE (exactly this size): bit n of @conn = the replier has an
 * authenticated session with node n of the probed set; inc[n] = the
 * incarnation it knows for node n (its own for itself).
 */
struct krg_memb_probe_reply {
	u8 conn[KRG_COMM_NODE_SET_LEN];
	__le64 inc[KRG_MAX_NODES];
};

/* Per-call timeout of a membership change broadcast; of the unload's leave. */
#define KRG_MEMB_BROADCAST_MS	5000
#define KRG_MEMB_LEAVE_MS	2000
/* Per-call timeout of one probe round; poll interval of the mesh check. */
#define KRG_MEMB_PROBE_MS	1000
#define KRG_MEMB_POLL_MS	100

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

/*
 * A session with @peer is up.  @fresh: it does not resume the previous one
 * (the transport started afresh).  @first: neither side had a session with
 * the other before (see the top of the file).  @inc: the peer's incarnation.
 */
void krg_memb_session_up(struct krg_peer *peer, bool fresh, bool first,
			 u64 inc)
{
	bool failed = false;
	int st;

	spin_lock_bh(&krg_memb_lock);
	st = krg_states[peer->id];
	if (fresh && (st == KRG_NODE_ONLINE || st == KRG_NODE_LEAVING)) {
		if (first && (!krg_memb_inc[peer->id] ||
			      krg_memb_inc[peer->id] == inc)) {
			/* First session of a member known from an add. */
			krg_memb_inc[peer->id] = inc;
		} else {
			/* It lost our shared state (restart or declared failed). */
			krg_set_state(peer->id, KRG_NODE_FAILED, KRG_EVENT_FAILED);
			st = KRG_NODE_FAILED;
			failed = true;
		}
	}
	if (st == KRG_NODE_ABSENT || st == KRG_NODE_FAILED)
		krg_set_state(peer->id, KRG_NODE_PRESENT, KRG_EVENT_PRESENT);
	spin_unlock_bh(&krg_memb_lock);
	WRITE_ONCE(peer->gone, false);
	if (failed) {
		pr_warn("node %u came back with a new session: declared failed\n",
			peer->id);
		krg_rpc_fail_node(peer->id, -EHOSTDOWN);
	}
}

/*
 * @peer sent CLOSE: it is unloading, its incarnation ends and nothing
 * pending with it will ever be answered.  A member leaves first (its
 * krg_memb_leave() reaches us before the CLOSE): if it is still ONLINE here
 * its leave did not arrive, and it is declared failed now rather than after
 * the failure timeout.  Called from the receive path (no transport locks
 * may be taken: the caller drops the session).
 */
void krg_memb_peer_gone(struct krg_peer *peer)
{
	bool failed = false;

	spin_lock_bh(&krg_memb_lock);
	if (krg_states[peer->id] == KRG_NODE_ONLINE) {
		krg_set_state(peer->id, KRG_NODE_FAILED, KRG_EVENT_FAILED);
		failed = true;
	}
	spin_unlock_bh(&krg_memb_lock);
	if (failed)
		pr_warn("node %u unloaded without leaving: declared failed\n",
			peer->id);
	else
		pr_info("node %u unloaded\n", peer->id);
	spin_lock_bh(&peer->lock);
	peer->incarnation = 0;
	spin_unlock_bh(&peer->lock);
	/* From now on new calls to it fail at once (krg_rpc_target_ok). */
	WRITE_ONCE(peer->gone, true);
	krg_peer_flush_queue(peer);
	krg_rpc_fail_node(peer->id, -EHOSTDOWN);
}

void krg_memb_session_down(struct krg_peer *peer)
{
	/* Calls that slipped in between its CLOSE and the teardown. */
	if (READ_ONCE(peer->gone))
		krg_rpc_fail_node(peer->id, -EHOSTDOWN);
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
	krg_buf_trim(false);
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

/*
 * The incarnation of @node as this node knows it (its own for itself), 0 if
 * none; *@conn: an authenticated session with it is up (true for itself).
 */
static u64 krg_known_inc(u32 node, bool *conn)
{
	struct krg_peer *peer;
	u64 inc;

	*conn = node == krg_cfg.self;
	if (node == krg_cfg.self)
		return krg_cfg.incarnation;
	peer = krg_peer_get(node);
	if (!peer)
		return 0;
	spin_lock_bh(&peer->lock);
	inc = peer->incarnation;
	*conn = peer->sock && inc;
	spin_unlock_bh(&peer->lock);
	krg_peer_put(peer);
	return inc;
}

/* Dials @node now if we are its dialer and have no session with it. */
static void krg_kick_connect(u32 node)
{
	struct krg_peer *peer = node == krg_cfg.self ? NULL : krg_peer_get(node);

	if (!peer)
		return;
	krg_transport->peer_connect(peer);
	krg_peer_put(peer);
}

/*
 * Makes every node of @set ONLINE here.  @inc (NULL: none known): the
 * incarnation each was added under, 0 = unknown.  A node known here under
 * another incarnation (it restarted since the mesh check), or declared
 * FAILED here since, is left alone and set in @refused: returns -ESTALE if
 * any was, else 0.
 */
static int krg_apply_add(const unsigned long *set, const u64 *inc,
			 unsigned long *refused)
{
	struct krg_peer *peer;
	u64 want, mine;
	int ret = 0;
	u32 n;

	for_each_set_bit(n, set, KRG_MAX_NODES) {
		want = inc ? inc[n] : 0;
		peer = n == krg_cfg.self ? NULL : krg_peer_get(n);
		if (n != krg_cfg.self && !peer) {
			pr_warn("node %u is a member but has no address here (krgadm node start?)\n",
				n);
			continue;
		}
		mine = krg_cfg.incarnation;
		if (peer) {
			spin_lock_bh(&peer->lock);
			mine = peer->incarnation;
			if (!want || !mine || want == mine)
				peer->last_heard = jiffies;
			spin_unlock_bh(&peer->lock);
			krg_peer_put(peer);
		}
		if ((want && mine && want != mine) ||
		    (n != krg_cfg.self && krg_memb_state(n) == KRG_NODE_FAILED)) {
			pr_warn("node %u restarted or failed since it was checked for the add: not applied\n",
				n);
			__set_bit(n, refused);
			ret = -ESTALE;
			continue;
		}
		spin_lock_bh(&krg_memb_lock);
		krg_memb_inc[n] = want ? want : mine;
		if (krg_states[n] != KRG_NODE_ONLINE)
			krg_set_state(n, KRG_NODE_ONLINE, KRG_EVENT_UP);
		spin_unlock_bh(&krg_memb_lock);
	}
	return ret;
}

/* Declares the nodes of @set failed here (rolls back an add). */
static void krg_apply_fail(const unsigned long *set)
{
	struct krg_peer *peer;
	u32 n;

	for_each_set_bit(n, set, KRG_MAX_NODES) {
		peer = n == krg_cfg.self ? NULL : krg_peer_get(n);
		if (peer)
			krg_declare_failed(peer);
		krg_peer_put(peer);
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

/* PROBE: our sessions with the nodes of @set; dial the missing ones now. */
static void krg_memb_probe(struct krg_comm_req *req, const unsigned long *set)
{
	struct krg_memb_probe_reply *r;
	bool conn;
	u32 n;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		krg_comm_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	for_each_set_bit(n, set, KRG_MAX_NODES) {
		r->inc[n] = cpu_to_le64(krg_known_inc(n, &conn));
		if (conn)
			r->conn[n / 8] |= 1U << (n % 8);
		else
			krg_kick_connect(n);
	}
	krg_comm_reply(req, 0, r, sizeof(*r));
	kfree(r);
}

static void krg_memb_handler(struct krg_comm_req *req)
{
	const struct krg_memb_msg *m = req->data;
	DECLARE_BITMAP(refused, KRG_MAX_NODES);
	DECLARE_BITMAP(set, KRG_MAX_NODES);
	u8 reply[KRG_COMM_NODE_SET_LEN];
	u64 *inc = NULL;
	u32 n, op;
	int ret = 0;

	if (req->len != sizeof(*m) || m->reserved) {
		ret = -EINVAL;
		goto out;
	}
	bitmap_from_arr32(set, (const u32 *)m->set, KRG_MAX_NODES);
	op = le32_to_cpu(m->op);
	/* Incarnations only for the nodes of the set, and only in an ADD. */
	for (n = 0; n < KRG_MAX_NODES; n++) {
		if (m->inc[n] && (op != KRG_MEMB_ADD || !test_bit(n, set))) {
			ret = -EINVAL;
			goto out;
		}
	}
	switch (op) {
	case KRG_MEMB_ADD:
		inc = kcalloc(KRG_MAX_NODES, sizeof(*inc), GFP_KERNEL);
		if (!inc) {
			ret = -ENOMEM;
			break;
		}
		for_each_set_bit(n, set, KRG_MAX_NODES)
			inc[n] = le64_to_cpu(m->inc[n]);
		bitmap_zero(refused, KRG_MAX_NODES);
		ret = krg_apply_add(set, inc, refused);
		kfree(inc);
		/* Tell the coordinator which ones, so it can roll them back. */
		bitmap_to_arr32((u32 *)reply, refused, KRG_MAX_NODES);
		krg_comm_reply(req, ret, reply, sizeof(reply));
		return;
	case KRG_MEMB_DEL:
		krg_apply_del(set);
		break;
	case KRG_MEMB_FAIL:
		krg_apply_fail(set);
		break;
	case KRG_MEMB_PROBE:
		krg_memb_probe(req, set);
		return;
	default:
		ret = -EINVAL;
	}
out:
	krg_comm_reply(req, ret, NULL, 0);
}

/*
 * Ordered: the FAIL that rolls back an add is handled after the ADD, also
 * on a member slow to answer.
 */
static struct krg_comm_service krg_memb_service = {
	.id = KRG_SVC_COMM_MEMBERSHIP,
	.flags = KRG_COMM_SVC_ORDERED,
	.handler = krg_memb_handler,
};

/* @inc: NULL, or the incarnation of every node of @set (ADD only). */
static void krg_memb_msg_fill(struct krg_memb_msg *m, int op,
			      const unsigned long *set, const u64 *inc)
{
	u32 n;

	memset(m, 0, sizeof(*m));
	m->op = cpu_to_le32(op);
	/* Little-endian byte bitmap: bit n is byte n / 8, bit n % 8. */
	bitmap_to_arr32((u32 *)m->set, set, KRG_MAX_NODES);
#ifdef __BIG_ENDIAN
#error "krg_memb_msg bitmap assumes a little-endian host"
#endif
	if (inc)
		for_each_set_bit(n, set, KRG_MAX_NODES)
			m->inc[n] = cpu_to_le64(inc[n]);
}

/* Sends @op to every node of @to but ourselves; reports the first failure. */
struct krg_bcast {
	struct krg_memb_msg msg;
	int status[KRG_MAX_NODES];
	void *replies[KRG_MAX_NODES];
	size_t lens[KRG_MAX_NODES];
};

/*
 * Sends @op to every node of @to but ourselves; reports the first failure.
 * @refused (ADD only, else NULL): ORs in the nodes members refused.
 */
static int krg_memb_broadcast(int op, const unsigned long *set, const u64 *inc,
			      const unsigned long *to, unsigned int timeout_ms,
			      unsigned long *refused,
			      struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(others, KRG_MAX_NODES);
	DECLARE_BITMAP(r, KRG_MAX_NODES);
	struct krg_bcast *b;
	int *status, ret = 0;
	u32 n;

	bitmap_copy(others, to, KRG_MAX_NODES);
	__clear_bit(krg_cfg.self, others);
	if (bitmap_empty(others, KRG_MAX_NODES))
		return 0;
	b = kvzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	status = b->status;
	krg_memb_msg_fill(&b->msg, op, set, inc);
	krg_comm_call_multi(others, KRG_SVC_COMM_MEMBERSHIP, &b->msg,
			    sizeof(b->msg), timeout_ms, status,
			    refused ? b->replies : NULL, b->lens);
	for_each_set_bit(n, others, KRG_MAX_NODES) {
		if (!refused || !b->replies[n])
			continue;
		if (b->lens[n] == KRG_COMM_NODE_SET_LEN) {
			bitmap_from_arr32(r, b->replies[n], KRG_MAX_NODES);
			bitmap_and(r, r, set, KRG_MAX_NODES);
			bitmap_or(refused, refused, r, KRG_MAX_NODES);
		}
		kvfree(b->replies[n]);
	}
	for_each_set_bit(n, others, KRG_MAX_NODES) {
		if (status[n] >= 0)
			continue;
		if (status[n] == -ESTALE)
			NL_SET_ERR_MSG_FMT(extack, "node %u knows a node of the set under another incarnation (it restarted meanwhile?)",
					   n);
		else
			NL_SET_ERR_MSG_FMT(extack, "node %u did not confirm the change (error %d)",
					   n, status[n]);
		ret = status[n];
		break;
	}
	kvfree(b);
	return ret;
}

/* How long an add waits for the mesh of sessions (step 1), in ms. */
static unsigned int krg_memb_mesh_wait_ms(void)
{
	return clamp_t(unsigned int, 2 * READ_ONCE(krg_cfg.timeout_ms), 3000,
		       30000);
}

struct krg_mesh {
	struct krg_memb_msg msg;		/* the PROBE request */
	int status[KRG_MAX_NODES];
	void *replies[KRG_MAX_NODES];
	size_t lens[KRG_MAX_NODES];
};

/*
 * One round of the mesh check of @set: fills @inc with the incarnation this
 * node knows for each.  Returns 0 when complete, else -EHOSTDOWN (*@a
 * failed or did not answer) or -ENOTCONN (*@a has no session with, or
 * another incarnation of, *@b).
 */
static int krg_mesh_round(struct krg_mesh *mc, const unsigned long *set,
			  u64 *inc, u32 *a, u32 *b)
{
	DECLARE_BITMAP(others, KRG_MAX_NODES);
	const struct krg_memb_probe_reply *r;
	int err = 0;
	bool conn;
	u32 n, k;

	for_each_set_bit(n, set, KRG_MAX_NODES) {
		if (krg_memb_state(n) == KRG_NODE_FAILED) {
			*a = n;
			return -EHOSTDOWN;
		}
		inc[n] = krg_known_inc(n, &conn);
		if (!conn) {
			krg_kick_connect(n);
			if (!err) {
				err = -ENOTCONN;
				*a = krg_cfg.self;
				*b = n;
			}
		}
	}
	bitmap_copy(others, set, KRG_MAX_NODES);
	__clear_bit(krg_cfg.self, others);
	if (bitmap_empty(others, KRG_MAX_NODES))
		return err;
	krg_comm_call_multi(others, KRG_SVC_COMM_MEMBERSHIP, &mc->msg,
			    sizeof(mc->msg), KRG_MEMB_PROBE_MS, mc->status,
			    mc->replies, mc->lens);
	for_each_set_bit(n, others, KRG_MAX_NODES) {
		r = mc->replies[n];
		if (mc->status[n] < 0 || !r || mc->lens[n] != sizeof(*r)) {
			if (err != -EHOSTDOWN) {
				err = -EHOSTDOWN;
				*a = n;
			}
			continue;
		}
		for_each_set_bit(k, set, KRG_MAX_NODES) {
			if ((k == n || (r->conn[k / 8] & (1U << (k % 8)))) &&
			    le64_to_cpu(r->inc[k]) == inc[k])
				continue;
			if (!err) {
				err = -ENOTCONN;
				*a = n;
				*b = k;
			}
		}
	}
	for_each_set_bit(n, others, KRG_MAX_NODES) {
		kvfree(mc->replies[n]);
		mc->replies[n] = NULL;
	}
	return err;
}

/*
 * Step 1 of an add (see the top of the file): waits, at most
 * krg_memb_mesh_wait_ms() plus one probe round, until every pair of nodes of
 * @set has a session and all agree on every node's incarnation; fills
 * @inc.  Returns 0, -EHOSTDOWN, -ENOTCONN (extack set) or -ENOMEM.
 */
static int krg_memb_mesh_wait(const unsigned long *set, u64 *inc,
			      struct netlink_ext_ack *extack)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(krg_memb_mesh_wait_ms());
	struct krg_mesh *mc;
	u32 a = 0, b = 0;
	int err;

	mc = kvzalloc(sizeof(*mc), GFP_KERNEL);
	if (!mc)
		return -ENOMEM;
	krg_memb_msg_fill(&mc->msg, KRG_MEMB_PROBE, set, NULL);
	for (;;) {
		err = krg_mesh_round(mc, set, inc, &a, &b);
		if (!err || (err == -EHOSTDOWN && krg_memb_state(a) == KRG_NODE_FAILED) ||
		    time_after(jiffies, deadline) || !krg_comm_running())
			break;
		msleep(KRG_MEMB_POLL_MS);
	}
	kvfree(mc);
	if (err == -EHOSTDOWN && krg_memb_state(a) == KRG_NODE_FAILED)
		NL_SET_ERR_MSG_FMT(extack, "node %u failed", a);
	else if (err == -EHOSTDOWN)
		NL_SET_ERR_MSG_FMT(extack, "node %u does not answer", a);
	else if (err)
		NL_SET_ERR_MSG_FMT(extack, "node %u has no session with node %u (waited %u ms)",
				   a, b, krg_memb_mesh_wait_ms());
	return err;
}

int krg_memb_add(const unsigned long *set, struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(refused, KRG_MAX_NODES);
	DECLARE_BITMAP(newset, KRG_MAX_NODES);
	u64 *inc;
	u32 n;
	int ret;

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
	inc = kcalloc(KRG_MAX_NODES, sizeof(*inc), GFP_KERNEL);
	if (!inc)
		return -ENOMEM;
	mutex_lock(&krg_memb_mutex);
	krg_comm_online_nodes(newset);
	bitmap_or(newset, newset, set, KRG_MAX_NODES);
	__set_bit(krg_cfg.self, newset);
	ret = krg_memb_mesh_wait(newset, inc, extack);
	if (ret)
		goto out;
	/*
	 * Step 2.  A node may die or restart between the check and this
	 * broadcast.  Every member then applies what it can and refuses that
	 * node (it knows it under another incarnation, or already declared it
	 * FAILED); members that did not see the change yet apply it.  So that
	 * all end with the same view, the coordinator collects the refused
	 * nodes from every reply and rolls them back everywhere: FAIL makes
	 * each member that had made them ONLINE declare them failed, the
	 * others were never told they joined.  A member that does not answer
	 * in time still handles the ADD, then the FAIL, in that order (the
	 * service is ordered and a peer's messages arrive in order), or it is
	 * dead and the failure detector removes it everywhere.  The window
	 * left is the coordinator dying in the microseconds between queuing
	 * the ADD to the first and to the last member (call_multi queues all
	 * before waiting): then members may disagree about the nodes being
	 * added until they are removed or added again.
	 */
	bitmap_zero(refused, KRG_MAX_NODES);
	krg_apply_add(newset, inc, refused);
	ret = krg_memb_broadcast(KRG_MEMB_ADD, newset, inc, newset,
				 KRG_MEMB_BROADCAST_MS, refused, extack);
	if (!bitmap_empty(refused, KRG_MAX_NODES)) {
		krg_memb_broadcast(KRG_MEMB_FAIL, refused, NULL, newset,
				   KRG_MEMB_BROADCAST_MS, NULL, NULL);
		krg_apply_fail(refused);
		NL_SET_ERR_MSG_FMT(extack, "node %u died or restarted during the add: declared failed on every member",
				   (u32)find_first_bit(refused, KRG_MAX_NODES));
		ret = -EHOSTDOWN;
	}
out:
	mutex_unlock(&krg_memb_mutex);
	kfree(inc);
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
	ret = krg_memb_broadcast(KRG_MEMB_DEL, set, NULL, members,
				 KRG_MEMB_BROADCAST_MS, NULL, extack);
	krg_apply_del(set);
	mutex_unlock(&krg_memb_mutex);
	return ret;
}

/*
 * Module unload: if this node is a member, it leaves (as "nodes del" of
 * itself would) so that the others see it LEAVING then DOWN at once instead
 * of declaring it failed after the timeout.  Bounded by
 * KRG_MEMB_LEAVE_MS; an add or del in progress is not waited for (the
 * unload has woken its calls).  Then every peer gets a CLOSE frame: the
 * incarnation ends, their calls to us fail with -EHOSTDOWN at once.
 */
void krg_memb_leave(void)
{
	DECLARE_BITMAP(members, KRG_MAX_NODES);
	DECLARE_BITMAP(self, KRG_MAX_NODES);
	struct krg_peer *peer;
	u32 pos = 0;
	int ret;

	if (!READ_ONCE(krg_cfg.configured))
		return;
	if (krg_memb_state(krg_cfg.self) == KRG_NODE_ONLINE) {
		krg_comm_online_nodes(members);
		bitmap_zero(self, KRG_MAX_NODES);
		__set_bit(krg_cfg.self, self);
		ret = krg_memb_broadcast(KRG_MEMB_DEL, self, NULL, members,
					 KRG_MEMB_LEAVE_MS, NULL, NULL);
		if (ret)
			pr_warn("leaving: not every member confirmed (%d)\n", ret);
		krg_apply_del(self);
	}
	for (; (peer = krg_peer_next(&pos)); pos++) {
		krg_transport->peer_bye(peer);
		krg_peer_put(peer);
	}
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
