// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm peers: the RCU table of configured nodes, their lifetime, and
 * configuration changes (PEER_SET / PEER_DEL over netlink).  A peer is
 * freed once the last reference goes, after an RCU grace period; removing
 * one first stops everything its transport does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "config.h"
#include "membership.h"
#include "peer.h"
#include "rpc.h"
#include "transport.h"

static struct comm_peer __rcu *peers[KRG_MAX_NODES];
static DEFINE_SPINLOCK(peers_lock);

struct comm_peer *comm_peer_get(u32 id)
{
	struct comm_peer *peer;

	if (id >= KRG_MAX_NODES)
		return NULL;
	rcu_read_lock();
	peer = rcu_dereference(peers[id]);
	if (peer && !kref_get_unless_zero(&peer->ref))
		peer = NULL;
	rcu_read_unlock();
	return peer;
}

struct comm_peer *comm_peer_next(u32 *pos)
{
	struct comm_peer *peer;

	for (; *pos < KRG_MAX_NODES; (*pos)++) {
		peer = comm_peer_get(*pos);
		if (peer)
			return peer;
	}
	return NULL;
}

static void peer_release(struct kref *ref)
{
	struct comm_peer *peer = container_of(ref, struct comm_peer, ref);

	comm_rel_destroy(peer);		/* no ack timer kicks any more */
	comm_transport->peer_free(peer);
	comm_rel_flush(peer);
	comm_stream_peer_free(peer);
	kfree_rcu(peer, rcu);
}

void comm_peer_put(struct comm_peer *peer)
{
	if (peer)
		kref_put(&peer->ref, peer_release);
}

bool comm_peer_connected(u32 node)
{
	struct comm_peer *peer = comm_peer_get(node);
	bool up = peer && READ_ONCE(peer->up);

	comm_peer_put(peer);
	return up;
}

void comm_peer_count_drop(struct comm_peer *peer)
{
	atomic64_inc(&comm_cfg.dropped);
	if (!peer)
		return;
	spin_lock_bh(&peer->lock);
	peer->st.dropped++;
	spin_unlock_bh(&peer->lock);
}

void comm_peer_count_auth_failure(struct comm_peer *peer)
{
	atomic64_inc(&comm_cfg.auth_failures);
	if (!peer)
		return;
	spin_lock_bh(&peer->lock);
	peer->st.auth_failures++;
	spin_unlock_bh(&peer->lock);
}

static struct comm_peer *peer_alloc(u32 id)
{
	struct comm_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);

	if (!peer)
		return NULL;
	peer->id = id;
	kref_init(&peer->ref);
	spin_lock_init(&peer->lock);
	INIT_LIST_HEAD(&peer->reasm);
	peer->dialer = id < comm_cfg.self;
	comm_rel_init(peer);
	if (comm_transport->peer_init(peer)) {
		/* Nothing of the transport's exists: nothing to stop. */
		kfree(peer);
		return NULL;
	}
	return peer;
}

/* Takes the peer out of the table and stops everything it does. */
static void peer_remove(u32 id)
{
	struct comm_peer *peer;

	spin_lock(&peers_lock);
	peer = rcu_dereference_protected(peers[id],
					 lockdep_is_held(&peers_lock));
	RCU_INIT_POINTER(peers[id], NULL);
	spin_unlock(&peers_lock);
	if (!peer)
		return;
	WRITE_ONCE(peer->dead, true);
	comm_transport->peer_destroy(peer);
	comm_rpc_fail_node(id, -EHOSTDOWN);
	comm_peer_put(peer);
}

int comm_peer_set(u32 id, __be32 addr, u16 port, struct netlink_ext_ack *extack)
{
	struct comm_peer *peer, *old;
	int ret = 0;

	mutex_lock(&comm_cfg.lock);
	if (!comm_cfg.configured) {
		NL_SET_ERR_MSG(extack, "cluster not configured (set it first)");
		ret = -ENOTCONN;
		goto out;
	}
	if (id == comm_cfg.self) {
		if (addr != comm_cfg.addr) {
			NL_SET_ERR_MSG_FMT(extack, "node %u is this node and its address differs from the configured one", id);
			ret = -EINVAL;
		}
		goto out;
	}
	old = comm_peer_get(id);
	if (old) {
		bool same = old->addr == addr && old->port == port;

		comm_peer_put(old);
		if (same)
			goto out;
		if (comm_memb_state(id) == KRG_NODE_ONLINE ||
		    comm_memb_state(id) == KRG_NODE_LEAVING) {
			NL_SET_ERR_MSG_FMT(extack, "node %u is online: remove it before changing its address", id);
			ret = -EBUSY;
			goto out;
		}
		peer_remove(id);
	}
	peer = peer_alloc(id);
	if (!peer) {
		ret = -ENOMEM;
		goto out;
	}
	peer->addr = addr;
	peer->port = port;
	spin_lock(&peers_lock);
	rcu_assign_pointer(peers[id], peer);
	spin_unlock(&peers_lock);
	comm_transport->peer_connect(peer);
out:
	mutex_unlock(&comm_cfg.lock);
	return ret;
}

int comm_peer_del(u32 id, struct netlink_ext_ack *extack)
{
	struct comm_peer *peer;
	int state, ret = 0;

	mutex_lock(&comm_cfg.lock);
	peer = comm_peer_get(id);
	if (!peer) {
		NL_SET_ERR_MSG_FMT(extack, "node %u is not a configured peer", id);
		ret = -ENOENT;
		goto out;
	}
	comm_peer_put(peer);
	state = comm_memb_state(id);
	if (state == KRG_NODE_ONLINE || state == KRG_NODE_LEAVING) {
		NL_SET_ERR_MSG_FMT(extack, "node %u is online: remove it first (nodes del)", id);
		ret = -EBUSY;
		goto out;
	}
	peer_remove(id);
out:
	mutex_unlock(&comm_cfg.lock);
	return ret;
}

void comm_peers_exit(void)
{
	u32 id;

	for (id = 0; id < KRG_MAX_NODES; id++)
		peer_remove(id);
}
