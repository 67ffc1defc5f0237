// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm membership changes: nodes add, nodes del and the leave of an
 * unloading node, over service KRG_SVC_COMM_MEMBERSHIP.
 *
 * "nodes add" run on one node (the coordinator) works in two steps:
 *
 *  1. Mesh check (PROBE, bounded by mesh_wait_ms()): the coordinator asks
 *     every node of the new member set (old members, the nodes added and
 *     itself) which of the others it has an authenticated session with, and
 *     under which incarnation it knows each.  A node asked dials at once
 *     the nodes it misses.  The check passes when every pair of the set has
 *     a session and everybody knows everybody under the incarnation the
 *     coordinator knows.  If it does not pass in time the add fails and
 *     nothing changes: -EHOSTDOWN if a node of the set failed or does not
 *     answer, -ENOTCONN if some pair still has no session.
 *  2. The new member set goes to every member (ADD), each node of it with
 *     the incarnation the coordinator checked.  Each applies it; a node
 *     that knows one of them under another incarnation (it restarted
 *     meanwhile), or already declared it FAILED, or still delivers the
 *     events of its last departure, refuses that one and the add reports it
 *     (see comm_memb_add for the rollback).
 *
 * "nodes del" sends DEL to every member; each moves the nodes to LEAVING
 * (upper layers drain them, notifier.c) and then to PRESENT/ABSENT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "config.h"
#include "membership.h"
#include "peer.h"
#include "transport.h"

enum { MEMB_ADD = 1, MEMB_DEL = 2, MEMB_PROBE = 3, MEMB_FAIL = 4 };

/*
 * Request of every op (exactly this size).  ADD: inc[n] = incarnation of
 * node n of @set as the coordinator knows it (0 = unknown, taken on trust),
 * the reply is the node set of the nodes the member refused; DEL: inc all
 * 0; PROBE: @set = the nodes to report on, inc all 0; FAIL: declare the
 * nodes of @set failed (roll back an add), inc 0.
 */
struct memb_msg {
	__le32 op;
	__le32 reserved;
	struct krg_nodemask_wire set;
	__le64 inc[KRG_MAX_NODES];
};

/*
 * Reply to PROBE (exactly this size): @conn = the nodes of the probed set
 * the replier has an authenticated session with; inc[n] = the incarnation
 * it knows for node n (its own for itself).
 */
struct memb_probe_reply {
	struct krg_nodemask_wire conn;
	__le64 inc[KRG_MAX_NODES];
};

/* Per-call timeout of a membership change broadcast; of the unload's leave. */
#define BROADCAST_MS	5000
#define LEAVE_MS	2000
/* Per-call timeout of one probe round; poll interval of the mesh check. */
#define PROBE_MS	1000
#define POLL_MS		100

static DEFINE_MUTEX(memb_mutex);	/* one add/del at a time */

/*
 * The incarnation of @node as this node knows it (its own for itself), 0 if
 * none; *@conn: an authenticated session with it is up (true for itself).
 */
static u64 known_inc(u32 node, bool *conn)
{
	struct comm_peer *peer;
	u64 inc;

	*conn = node == comm_cfg.self;
	if (node == comm_cfg.self)
		return comm_cfg.incarnation;
	peer = comm_peer_get(node);
	if (!peer)
		return 0;
	inc = comm_rel_incarnation(peer, conn);
	*conn = *conn && inc;
	comm_peer_put(peer);
	return inc;
}

/* Dials @node now if we are its dialer and have no session with it. */
static void kick_connect(u32 node)
{
	struct comm_peer *peer = node == comm_cfg.self ? NULL :
				 comm_peer_get(node);

	if (!peer)
		return;
	comm_transport->peer_connect(peer);
	comm_peer_put(peer);
}

/*
 * Makes every node of @set ONLINE here.  @inc (NULL: none known): the
 * incarnation each was added under, 0 = unknown.  A node known here under
 * another incarnation (it restarted since the mesh check), declared FAILED
 * here since, or still leaving here, is left alone and set in @refused:
 * returns -ESTALE or -EBUSY (the first reason) if any was, else 0.
 */
static int apply_add(const krg_nodemask_t *set, const u64 *inc,
		     krg_nodemask_t *refused)
{
	struct comm_peer *peer;
	u64 want, mine;
	int ret = 0, err;
	u32 n;

	krg_nodemask_for_each(n, set) {
		want = inc ? inc[n] : 0;
		peer = n == comm_cfg.self ? NULL : comm_peer_get(n);
		if (n != comm_cfg.self && !peer) {
			pr_warn("node %u is a member but has no address here (krgadm node start?)\n",
				n);
			continue;
		}
		mine = comm_cfg.incarnation;
		if (peer) {
			spin_lock_bh(&peer->lock);
			mine = peer->rel.incarnation;
			if (!want || !mine || want == mine)
				peer->rel.last_heard = jiffies;
			spin_unlock_bh(&peer->lock);
			comm_peer_put(peer);
		}
		err = want && mine && want != mine ? -ESTALE :
		      comm_memb_join(n, want ? want : mine);
		if (!err)
			continue;
		pr_warn("node %u %s: not added\n", n, err == -EBUSY ?
			"is still leaving" :
			"restarted or failed since it was checked for the add");
		krg_nodemask_set(refused, n);
		ret = ret ?: err;
	}
	return ret;
}

/* Declares the nodes of @set failed here (rolls back an add). */
static void apply_fail(const krg_nodemask_t *set)
{
	struct comm_peer *peer;
	u32 n;

	krg_nodemask_for_each(n, set) {
		peer = n == comm_cfg.self ? NULL : comm_peer_get(n);
		if (peer)
			comm_memb_declare_failed(peer);
		comm_peer_put(peer);
	}
}

static void apply_del(const krg_nodemask_t *set)
{
	bool all = krg_nodemask_test(set, comm_cfg.self);
	u32 n;

	/* Leaving ourselves: everybody else leaves our view too. */
	for (n = 0; n < KRG_MAX_NODES; n++)
		if (all || krg_nodemask_test(set, n))
			comm_memb_part(n);
}

/* PROBE: our sessions with the nodes of @set; dial the missing ones now. */
static void memb_probe(struct krg_comm_req *req, const krg_nodemask_t *set)
{
	struct memb_probe_reply *r;
	krg_nodemask_t conns;
	bool conn;
	u32 n;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		krg_comm_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	krg_nodemask_zero(&conns);
	krg_nodemask_for_each(n, set) {
		r->inc[n] = cpu_to_le64(known_inc(n, &conn));
		if (conn)
			krg_nodemask_set(&conns, n);
		else
			kick_connect(n);
	}
	krg_nodemask_to_wire(&conns, &r->conn);
	krg_comm_reply(req, 0, r, sizeof(*r));
	kfree(r);
}

static void memb_handler(struct krg_comm_req *req)
{
	const struct memb_msg *m = req->data;
	struct krg_nodemask_wire reply;
	krg_nodemask_t set, refused;
	u64 *inc = NULL;
	u32 n, op;
	int ret = 0;

	if (req->len != sizeof(*m) || m->reserved) {
		ret = -EINVAL;
		goto out;
	}
	krg_nodemask_from_wire(&set, &m->set);
	op = le32_to_cpu(m->op);
	/* Incarnations only for the nodes of the set, and only in an ADD. */
	for (n = 0; n < KRG_MAX_NODES; n++) {
		if (m->inc[n] &&
		    (op != MEMB_ADD || !krg_nodemask_test(&set, n))) {
			ret = -EINVAL;
			goto out;
		}
	}
	switch (op) {
	case MEMB_ADD:
		inc = kcalloc(KRG_MAX_NODES, sizeof(*inc), GFP_KERNEL);
		if (!inc) {
			ret = -ENOMEM;
			break;
		}
		krg_nodemask_for_each(n, &set)
			inc[n] = le64_to_cpu(m->inc[n]);
		krg_nodemask_zero(&refused);
		ret = apply_add(&set, inc, &refused);
		kfree(inc);
		/* Tell the coordinator which ones, so it can roll them back. */
		krg_nodemask_to_wire(&refused, &reply);
		krg_comm_reply(req, ret, &reply, sizeof(reply));
		return;
	case MEMB_DEL:
		apply_del(&set);
		break;
	case MEMB_FAIL:
		apply_fail(&set);
		break;
	case MEMB_PROBE:
		memb_probe(req, &set);
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
static struct krg_comm_service memb_service = {
	.id = KRG_SVC_COMM_MEMBERSHIP,
	.flags = KRG_COMM_SVC_ORDERED,
	.handler = memb_handler,
};

/* @inc: NULL, or the incarnation of every node of @set (ADD only). */
static void memb_msg_fill(struct memb_msg *m, int op, const krg_nodemask_t *set,
			  const u64 *inc)
{
	u32 n;

	memset(m, 0, sizeof(*m));
	m->op = cpu_to_le32(op);
	krg_nodemask_to_wire(set, &m->set);
	if (inc)
		krg_nodemask_for_each(n, set)
			m->inc[n] = cpu_to_le64(inc[n]);
}

struct bcast {
	struct memb_msg msg;
	int status[KRG_MAX_NODES];
	void *replies[KRG_MAX_NODES];
	size_t lens[KRG_MAX_NODES];
};

static void bcast_error(struct netlink_ext_ack *extack, u32 node, int err)
{
	if (err == -ESTALE)
		NL_SET_ERR_MSG_FMT(extack, "node %u knows a node of the set under another incarnation (it restarted meanwhile?)",
				   node);
	else if (err == -EBUSY)
		NL_SET_ERR_MSG_FMT(extack, "node %u is still removing a node of the set (try again)",
				   node);
	else
		NL_SET_ERR_MSG_FMT(extack, "node %u did not confirm the change (error %d)",
				   node, err);
}

/*
 * Sends @op to every node of @to but ourselves; reports the first failure.
 * @refused (ADD only, else NULL): ORs in the nodes members refused.
 */
static int memb_broadcast(int op, const krg_nodemask_t *set, const u64 *inc,
			  const krg_nodemask_t *to, unsigned int timeout_ms,
			  krg_nodemask_t *refused,
			  struct netlink_ext_ack *extack)
{
	krg_nodemask_t others, r;
	struct bcast *b;
	int ret = 0;
	u32 n;

	others = *to;
	krg_nodemask_clear(&others, comm_cfg.self);
	if (krg_nodemask_empty(&others))
		return 0;
	b = kvzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	memb_msg_fill(&b->msg, op, set, inc);
	krg_comm_call_multi(&others, KRG_SVC_COMM_MEMBERSHIP, &b->msg,
			    sizeof(b->msg), timeout_ms, b->status,
			    refused ? b->replies : NULL, b->lens);
	krg_nodemask_for_each(n, &others) {
		if (!refused || !b->replies[n])
			continue;
		if (b->lens[n] == sizeof(struct krg_nodemask_wire)) {
			krg_nodemask_from_wire(&r, b->replies[n]);
			krg_nodemask_and(&r, &r, set);
			krg_nodemask_or(refused, refused, &r);
		}
		kvfree(b->replies[n]);
	}
	krg_nodemask_for_each(n, &others) {
		if (b->status[n] >= 0)
			continue;
		bcast_error(extack, n, b->status[n]);
		ret = b->status[n];
		break;
	}
	kvfree(b);
	return ret;
}

/* How long an add waits for the mesh of sessions (step 1), in ms. */
static unsigned int mesh_wait_ms(void)
{
	return clamp_t(unsigned int, 2 * READ_ONCE(comm_cfg.timeout_ms), 3000,
		       30000);
}

struct mesh {
	struct memb_msg msg;		/* the PROBE request */
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
static int mesh_round(struct mesh *mc, const krg_nodemask_t *set, u64 *inc,
		      u32 *a, u32 *b)
{
	const struct memb_probe_reply *r;
	krg_nodemask_t others, conn_n;
	int err = 0;
	bool conn;
	u32 n, k;

	krg_nodemask_for_each(n, set) {
		if (comm_memb_state(n) == KRG_NODE_FAILED) {
			*a = n;
			return -EHOSTDOWN;
		}
		inc[n] = known_inc(n, &conn);
		if (!conn) {
			kick_connect(n);
			if (!err) {
				err = -ENOTCONN;
				*a = comm_cfg.self;
				*b = n;
			}
		}
	}
	others = *set;
	krg_nodemask_clear(&others, comm_cfg.self);
	if (krg_nodemask_empty(&others))
		return err;
	krg_comm_call_multi(&others, KRG_SVC_COMM_MEMBERSHIP, &mc->msg,
			    sizeof(mc->msg), PROBE_MS, mc->status, mc->replies,
			    mc->lens);
	krg_nodemask_for_each(n, &others) {
		r = mc->replies[n];
		if (mc->status[n] < 0 || !r || mc->lens[n] != sizeof(*r)) {
			if (err != -EHOSTDOWN) {
				err = -EHOSTDOWN;
				*a = n;
			}
			continue;
		}
		krg_nodemask_from_wire(&conn_n, &r->conn);
		krg_nodemask_for_each(k, set) {
			if ((k == n || krg_nodemask_test(&conn_n, k)) &&
			    le64_to_cpu(r->inc[k]) == inc[k])
				continue;
			if (!err) {
				err = -ENOTCONN;
				*a = n;
				*b = k;
			}
		}
	}
	krg_nodemask_for_each(n, &others) {
		kvfree(mc->replies[n]);
		mc->replies[n] = NULL;
	}
	return err;
}

/*
 * Step 1 of an add (see the top of the file): waits, at most
 * mesh_wait_ms() plus one probe round, until every pair of nodes of @set
 * has a session and all agree on every node's incarnation; fills @inc.
 * Returns 0, -EHOSTDOWN, -ENOTCONN (extack set) or -ENOMEM.
 */
static int mesh_wait(const krg_nodemask_t *set, u64 *inc,
		     struct netlink_ext_ack *extack)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(mesh_wait_ms());
	struct mesh *mc;
	u32 a = 0, b = 0;
	int err;

	mc = kvzalloc(sizeof(*mc), GFP_KERNEL);
	if (!mc)
		return -ENOMEM;
	memb_msg_fill(&mc->msg, MEMB_PROBE, set, NULL);
	for (;;) {
		err = mesh_round(mc, set, inc, &a, &b);
		if (!err || (err == -EHOSTDOWN &&
			     comm_memb_state(a) == KRG_NODE_FAILED) ||
		    time_after(jiffies, deadline) || !comm_running())
			break;
		msleep(POLL_MS);
	}
	kvfree(mc);
	if (err == -EHOSTDOWN && comm_memb_state(a) == KRG_NODE_FAILED)
		NL_SET_ERR_MSG_FMT(extack, "node %u failed", a);
	else if (err == -EHOSTDOWN)
		NL_SET_ERR_MSG_FMT(extack, "node %u does not answer", a);
	else if (err)
		NL_SET_ERR_MSG_FMT(extack, "node %u has no session with node %u (waited %u ms)",
				   a, b, mesh_wait_ms());
	return err;
}

/* Before anything changes: every node of @set may join from here. */
static int add_precheck(const krg_nodemask_t *set,
			struct netlink_ext_ack *extack)
{
	u32 n;

	if (!comm_running()) {
		NL_SET_ERR_MSG(extack, "this node is not configured (krgadm node start)");
		return -ENOTCONN;
	}
	krg_nodemask_for_each(n, set) {
		if (comm_memb_state(n) == KRG_NODE_LEAVING) {
			NL_SET_ERR_MSG_FMT(extack, "node %u is still leaving (upper layers draining it): try again",
					   n);
			return -EBUSY;
		}
		if (n == comm_cfg.self ||
		    comm_memb_state(n) == KRG_NODE_ONLINE ||
		    comm_peer_connected(n))
			continue;
		NL_SET_ERR_MSG_FMT(extack, "node %u is not connected (started? same key? address configured?)",
				   n);
		return -ENOTCONN;
	}
	return 0;
}

int comm_memb_add(const krg_nodemask_t *set, struct netlink_ext_ack *extack)
{
	krg_nodemask_t refused, newset;
	u64 *inc;
	int ret;

	ret = add_precheck(set, extack);
	if (ret)
		return ret;
	inc = kcalloc(KRG_MAX_NODES, sizeof(*inc), GFP_KERNEL);
	if (!inc)
		return -ENOMEM;
	mutex_lock(&memb_mutex);
	krg_comm_online_nodes(&newset);
	krg_nodemask_or(&newset, &newset, set);
	krg_nodemask_set(&newset, comm_cfg.self);
	ret = mesh_wait(&newset, inc, extack);
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
	krg_nodemask_zero(&refused);
	apply_add(&newset, inc, &refused);
	ret = memb_broadcast(MEMB_ADD, &newset, inc, &newset, BROADCAST_MS,
			     &refused, extack);
	if (!krg_nodemask_empty(&refused)) {
		memb_broadcast(MEMB_FAIL, &refused, NULL, &newset, BROADCAST_MS,
			       NULL, NULL);
		apply_fail(&refused);
		NL_SET_ERR_MSG_FMT(extack, "node %u died, restarted or was still leaving during the add: declared failed on every member",
				   krg_nodemask_first(&refused));
		ret = -EHOSTDOWN;
	}
out:
	mutex_unlock(&memb_mutex);
	kfree(inc);
	return ret;
}

int comm_memb_del(const krg_nodemask_t *set, struct netlink_ext_ack *extack)
{
	krg_nodemask_t members;
	u32 n;
	int ret;

	if (!comm_running()) {
		NL_SET_ERR_MSG(extack, "this node is not configured (krgadm node start)");
		return -ENOTCONN;
	}
	krg_nodemask_for_each(n, set) {
		if (comm_memb_state(n) == KRG_NODE_ONLINE)
			continue;
		NL_SET_ERR_MSG_FMT(extack, "node %u is not online", n);
		return -ENOENT;
	}
	mutex_lock(&memb_mutex);
	krg_comm_online_nodes(&members);
	ret = memb_broadcast(MEMB_DEL, set, NULL, &members, BROADCAST_MS, NULL,
			     extack);
	apply_del(set);
	mutex_unlock(&memb_mutex);
	return ret;
}

/*
 * Module unload: if this node is a member, it leaves (as "nodes del" of
 * itself would) so that the others see it LEAVING then DOWN at once instead
 * of declaring it failed after the timeout.  Bounded by LEAVE_MS; an add or
 * del in progress is not waited for (the unload has woken its calls).  Then
 * every peer gets a CLOSE frame: the incarnation ends, their calls to us
 * fail with -EHOSTDOWN at once.
 */
void comm_memb_leave(void)
{
	krg_nodemask_t members, self;
	struct comm_peer *peer;
	u32 pos = 0;
	int ret;

	if (!READ_ONCE(comm_cfg.configured))
		return;
	if (comm_memb_state(comm_cfg.self) == KRG_NODE_ONLINE) {
		krg_comm_online_nodes(&members);
		krg_nodemask_only(&self, comm_cfg.self);
		ret = memb_broadcast(MEMB_DEL, &self, NULL, &members, LEAVE_MS,
				     NULL, NULL);
		if (ret)
			pr_warn("leaving: not every member confirmed (%d)\n", ret);
		apply_del(&self);
	}
	for (; (peer = comm_peer_next(&pos)); pos++) {
		comm_transport->peer_bye(peer);
		comm_peer_put(peer);
	}
}

int comm_memb_change_init(void)
{
	return krg_comm_register_service(&memb_service);
}

void comm_memb_change_exit(void)
{
	krg_comm_unregister_service(&memb_service);
}
