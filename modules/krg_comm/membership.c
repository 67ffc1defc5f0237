// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm membership: the state of every node as this node sees it.
 *
 * Node states (enum krg_comm_node_state) and, in parentheses, the event
 * each move records (enum krg_comm_event; notifier.c delivers it):
 *
 *                   session up (PRESENT)
 *      +---------------------------------------------+
 *      |                                             v
 *   ABSENT <-------- session lost (ABSENT) -------- PRESENT <---------------+
 *    ^  |                                      nodes |  ^                    |
 *    |  |                                       add  |  | drained,           |
 *    |  | nodes add of a member known only     (UP)  |  | session up (DOWN)  | session up,
 *    |  | from the add, no session yet (UP)          v  |                    | always fresh
 *    |  +-------------------------------------->  ONLINE  |                  | (PRESENT)
 *    |                                           |     |  |                    |
 *    |                                 nodes del |     +--|----------------> FAILED
 *    |                                 (LEAVING) v        |  silent > timeout,  ^
 *    +-------- drained, no session (DOWN) ------ LEAVING -+  restarted, CLOSE  |
 *                                                   |        without leaving   |
 *                                                   +------- (FAILED) ---------+
 *
 * Every change goes through comm_memb_move(), which accepts exactly the
 * moves drawn (the table memb_moves below); anything else is a bug, refused,
 * warned about once and counted (debugfs "state_machines").
 *
 * A member's incarnation (memb_inc, the one it was added under) tells a
 * restart from a first session: a session with an ONLINE/LEAVING node that
 * does not resume the previous one means the node lost our shared state (it
 * restarted, or declared us failed) and it is declared FAILED -- except when
 * neither side ever had a session with the other and the node comes with
 * the incarnation it was added under: that is the first session of a member
 * we learned of from an add, nothing was lost and the node stays ONLINE.
 * The mesh check of an add (memb_change.c) makes that case rare; the rule
 * keeps the membership right without relying on the check alone.
 *
 * A node FAILED here: its pending calls end with -EHOSTDOWN at once, its
 * queue is dropped, and the next session with it starts afresh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "config.h"
#include "membership.h"
#include "peer.h"
#include "rpc.h"
#include "transport.h"

DEFINE_SPINLOCK(comm_memb_lock);
static u8 states[KRG_MAX_NODES];	/* enum krg_comm_node_state */
/* Incarnation each member was added under, 0 = unknown (comm_memb_lock). */
static u64 memb_inc[KRG_MAX_NODES];

static const char *const state_names[] = {
	[KRG_NODE_ABSENT] = "ABSENT",
	[KRG_NODE_PRESENT] = "PRESENT",
	[KRG_NODE_ONLINE] = "ONLINE",
	[KRG_NODE_LEAVING] = "LEAVING",
	[KRG_NODE_FAILED] = "FAILED",
};

#define NS(s)	BIT(KRG_NODE_##s)
/* memb_moves[from]: the states it may go to (the diagram above). */
static const unsigned long memb_moves[ARRAY_SIZE(state_names)] = {
	[KRG_NODE_ABSENT]	= NS(PRESENT) | NS(ONLINE),
	[KRG_NODE_PRESENT]	= NS(ABSENT) | NS(ONLINE),
	[KRG_NODE_ONLINE]	= NS(LEAVING) | NS(FAILED),
	[KRG_NODE_LEAVING]	= NS(PRESENT) | NS(ABSENT) | NS(FAILED),
	[KRG_NODE_FAILED]	= NS(PRESENT),
};

struct krg_sm comm_memb_sm = KRG_SM_INIT("krg_comm membership", state_names,
					 memb_moves);

/* The event a legal move records. */
static int move_event(int from, int to)
{
	switch (to) {
	case KRG_NODE_PRESENT:
		return from == KRG_NODE_LEAVING ? KRG_EVENT_DOWN :
						  KRG_EVENT_PRESENT;
	case KRG_NODE_ABSENT:
		return from == KRG_NODE_LEAVING ? KRG_EVENT_DOWN :
						  KRG_EVENT_ABSENT;
	case KRG_NODE_ONLINE:
		return KRG_EVENT_UP;
	case KRG_NODE_LEAVING:
		return KRG_EVENT_LEAVING;
	}
	return KRG_EVENT_FAILED;
}

bool comm_memb_move(u32 node, int to)
{
	int from;

	lockdep_assert_held(&comm_memb_lock);
	if (node >= KRG_MAX_NODES)
		return false;
	from = states[node];
	if (from == to || !krg_sm_allowed(&comm_memb_sm, from, to))
		return false;
	WRITE_ONCE(states[node], to);
	comm_events_record(node, move_event(from, to));
	return true;
}

int comm_memb_state(u32 node)
{
	return node < KRG_MAX_NODES ? READ_ONCE(states[node]) : KRG_NODE_ABSENT;
}

int krg_comm_node_state(u32 node)
{
	return comm_memb_state(node);
}
EXPORT_SYMBOL_GPL(krg_comm_node_state);

void krg_comm_online_nodes(krg_nodemask_t *set)
{
	u32 n;

	krg_nodemask_zero(set);
	spin_lock_bh(&comm_memb_lock);
	for (n = 0; n < KRG_MAX_NODES; n++)
		if (states[n] == KRG_NODE_ONLINE)
			krg_nodemask_set(set, n);
	spin_unlock_bh(&comm_memb_lock);
}
EXPORT_SYMBOL_GPL(krg_comm_online_nodes);

int comm_memb_join(u32 node, u64 inc)
{
	int ret = 0;

	spin_lock_bh(&comm_memb_lock);
	if (states[node] == KRG_NODE_ONLINE) {
		memb_inc[node] = inc;
	} else if (states[node] == KRG_NODE_FAILED) {
		ret = -ESTALE;		/* failed since the add checked it */
	} else if (states[node] == KRG_NODE_LEAVING ||
		   !comm_events_room(node)) {
		ret = -EBUSY;
	} else {
		memb_inc[node] = inc;
		comm_memb_move(node, KRG_NODE_ONLINE);
	}
	spin_unlock_bh(&comm_memb_lock);
	return ret;
}

void comm_memb_part(u32 node)
{
	spin_lock_bh(&comm_memb_lock);
	if (states[node] == KRG_NODE_ONLINE)
		comm_memb_move(node, KRG_NODE_LEAVING);
	spin_unlock_bh(&comm_memb_lock);
}

/* ---- transport events ---------------------------------------------------- */

void comm_memb_declare_failed(struct comm_peer *peer)
{
	bool failed = false;

	spin_lock_bh(&comm_memb_lock);
	if (states[peer->id] == KRG_NODE_ONLINE ||
	    states[peer->id] == KRG_NODE_LEAVING)
		failed = comm_memb_move(peer->id, KRG_NODE_FAILED);
	spin_unlock_bh(&comm_memb_lock);
	if (!failed)
		return;
	pr_warn("node %u declared failed (silent for %u ms)\n", peer->id,
		jiffies_to_msecs(jiffies - READ_ONCE(peer->rel.last_heard)));
	/* Whatever it had of ours is lost: the next session starts afresh. */
	comm_rel_forget(peer);
	comm_transport->peer_close(peer);
	comm_rel_flush(peer);
	comm_rpc_fail_node(peer->id, -EHOSTDOWN);
}

/*
 * A session with @peer is up.  @fresh: it does not resume the previous one
 * (the transport started afresh).  @first: neither side had a session with
 * the other before (see the top of the file).  @inc: the peer's incarnation.
 */
void comm_memb_session_up(struct comm_peer *peer, bool fresh, bool first,
			  u64 inc)
{
	bool failed = false;
	int st;

	spin_lock_bh(&comm_memb_lock);
	st = states[peer->id];
	if (fresh && (st == KRG_NODE_ONLINE || st == KRG_NODE_LEAVING)) {
		if (first && (!memb_inc[peer->id] ||
			      memb_inc[peer->id] == inc)) {
			/* First session of a member known from an add. */
			memb_inc[peer->id] = inc;
		} else {
			/* It lost our shared state (restart or declared failed). */
			failed = comm_memb_move(peer->id, KRG_NODE_FAILED);
		}
	}
	st = states[peer->id];
	if (st == KRG_NODE_ABSENT || st == KRG_NODE_FAILED)
		comm_memb_move(peer->id, KRG_NODE_PRESENT);
	spin_unlock_bh(&comm_memb_lock);
	WRITE_ONCE(peer->gone, false);
	if (failed) {
		pr_warn("node %u came back with a new session: declared failed\n",
			peer->id);
		comm_rpc_fail_node(peer->id, -EHOSTDOWN);
	}
}

/*
 * @peer sent CLOSE: it is unloading, its incarnation ends and nothing
 * pending with it will ever be answered.  A member leaves first (its
 * comm_memb_leave() reaches us before the CLOSE): if it is still ONLINE
 * here its leave did not arrive, and it is declared failed now rather than
 * after the failure timeout.  Called from the receive path (no transport
 * locks may be taken: the caller drops the session).
 */
void comm_memb_peer_gone(struct comm_peer *peer)
{
	bool failed = false;

	spin_lock_bh(&comm_memb_lock);
	if (states[peer->id] == KRG_NODE_ONLINE)
		failed = comm_memb_move(peer->id, KRG_NODE_FAILED);
	spin_unlock_bh(&comm_memb_lock);
	if (failed)
		pr_warn("node %u unloaded without leaving: declared failed\n",
			peer->id);
	else
		pr_info("node %u unloaded\n", peer->id);
	comm_rel_forget(peer);
	/* From now on new calls to it fail at once (comm_rpc_target_ok). */
	WRITE_ONCE(peer->gone, true);
	comm_rel_flush(peer);
	comm_rpc_fail_node(peer->id, -EHOSTDOWN);
}

void comm_memb_session_down(struct comm_peer *peer)
{
	/* Calls that slipped in between its CLOSE and the teardown. */
	if (READ_ONCE(peer->gone))
		comm_rpc_fail_node(peer->id, -EHOSTDOWN);
	spin_lock_bh(&comm_memb_lock);
	if (states[peer->id] == KRG_NODE_PRESENT)
		comm_memb_move(peer->id, KRG_NODE_ABSENT);
	spin_unlock_bh(&comm_memb_lock);
}

void comm_memb_start(void)
{
	spin_lock_bh(&comm_memb_lock);
	comm_memb_move(comm_cfg.self, KRG_NODE_PRESENT);
	spin_unlock_bh(&comm_memb_lock);
	comm_hb_start();
}

int comm_memb_init(void)
{
	int ret;

	comm_events_init();
	ret = comm_memb_change_init();
	if (ret)
		comm_events_exit();
	return ret;
}

void comm_memb_exit(void)
{
	comm_hb_stop();
	comm_memb_change_exit();
	comm_events_exit();
}
