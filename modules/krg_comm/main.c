// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm: node identity, membership, transport, RPC, failure detection
 * and authentication.  This file: module init/exit, configuration, peers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <krg/krg_module.h>

#include "internal.h"

static struct krg_debugfs krg_comm_debugfs;

struct krg_cfg krg_cfg = {
	.lock = __MUTEX_INITIALIZER(krg_cfg.lock),
	.timeout_ms = KRG_COMM_FAILURE_TIMEOUT_DEFAULT_MS,
};

struct workqueue_struct *krg_io_wq;
struct workqueue_struct *krg_handler_wq;
struct workqueue_struct *krg_memb_wq;
const struct krg_transport_ops *krg_transport = &krg_tcp_ops;

static struct krg_peer __rcu *krg_peers[KRG_MAX_NODES];
static DEFINE_SPINLOCK(krg_peers_lock);

u32 krg_comm_abi(void)
{
	return KRG_COMM_ABI;
}
EXPORT_SYMBOL_GPL(krg_comm_abi);

int krg_comm_self(void)
{
	return READ_ONCE(krg_cfg.configured) ? (int)READ_ONCE(krg_cfg.self) : -1;
}
EXPORT_SYMBOL_GPL(krg_comm_self);

bool krg_comm_running(void)
{
	return READ_ONCE(krg_cfg.configured) && !READ_ONCE(krg_cfg.shutting_down);
}

struct krg_peer *krg_peer_get(u32 id)
{
	struct krg_peer *peer;

	if (id >= KRG_MAX_NODES)
		return NULL;
	rcu_read_lock();
	peer = rcu_dereference(krg_peers[id]);
	if (peer && !kref_get_unless_zero(&peer->ref))
		peer = NULL;
	rcu_read_unlock();
	return peer;
}

struct krg_peer *krg_peer_next(u32 *pos)
{
	struct krg_peer *peer;

	for (; *pos < KRG_MAX_NODES; (*pos)++) {
		peer = krg_peer_get(*pos);
		if (peer)
			return peer;
	}
	return NULL;
}

static void krg_peer_release(struct kref *ref)
{
	struct krg_peer *peer = container_of(ref, struct krg_peer, ref);

	krg_peer_flush_queue(peer);
	krg_rpc_reasm_free(peer);
	kfree_rcu(peer, rcu);
}

void krg_peer_put(struct krg_peer *peer)
{
	if (peer)
		kref_put(&peer->ref, krg_peer_release);
}

static struct krg_peer *krg_peer_alloc(u32 id)
{
	struct krg_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);

	if (!peer)
		return NULL;
	peer->id = id;
	kref_init(&peer->ref);
	spin_lock_init(&peer->lock);
	INIT_LIST_HEAD(&peer->txq);
	INIT_LIST_HEAD(&peer->unacked);
	INIT_LIST_HEAD(&peer->calls);
	INIT_LIST_HEAD(&peer->reasm);
	init_waitqueue_head(&peer->space_wq);
	mutex_init(&peer->conn_mutex);
	mutex_init(&peer->tx_mutex);
	mutex_init(&peer->rx_mutex);
	peer->dialer = id < krg_cfg.self;
	peer->last_heard = jiffies;
	krg_transport->peer_init(peer);
	return peer;
}

/* Takes the peer out of the table and stops everything it does. */
static void krg_peer_remove(u32 id)
{
	struct krg_peer *peer;

	spin_lock(&krg_peers_lock);
	peer = rcu_dereference_protected(krg_peers[id],
					 lockdep_is_held(&krg_peers_lock));
	RCU_INIT_POINTER(krg_peers[id], NULL);
	spin_unlock(&krg_peers_lock);
	if (!peer)
		return;
	WRITE_ONCE(peer->dead, true);
	krg_transport->peer_destroy(peer);
	krg_rpc_fail_node(id, -EHOSTDOWN);
	krg_peer_put(peer);
}

int krg_peer_set(u32 id, __be32 addr, u16 port, struct netlink_ext_ack *extack)
{
	struct krg_peer *peer, *old;
	int ret = 0;

	mutex_lock(&krg_cfg.lock);
	if (!krg_cfg.configured) {
		NL_SET_ERR_MSG(extack, "cluster not configured (set it first)");
		ret = -ENOTCONN;
		goto out;
	}
	if (id == krg_cfg.self) {
		if (addr != krg_cfg.addr) {
			NL_SET_ERR_MSG_FMT(extack, "node %u is this node and its address differs from the configured one", id);
			ret = -EINVAL;
		}
		goto out;
	}
	old = krg_peer_get(id);
	if (old) {
		bool same = old->addr == addr && old->port == port;

		krg_peer_put(old);
		if (same)
			goto out;
		if (krg_memb_state(id) == KRG_NODE_ONLINE ||
		    krg_memb_state(id) == KRG_NODE_LEAVING) {
			NL_SET_ERR_MSG_FMT(extack, "node %u is online: remove it before changing its address", id);
			ret = -EBUSY;
			goto out;
		}
		krg_peer_remove(id);
	}
	peer = krg_peer_alloc(id);
	if (!peer) {
		ret = -ENOMEM;
		goto out;
	}
	peer->addr = addr;
	peer->port = port;
	spin_lock(&krg_peers_lock);
	rcu_assign_pointer(krg_peers[id], peer);
	spin_unlock(&krg_peers_lock);
	krg_transport->peer_connect(peer);
out:
	mutex_unlock(&krg_cfg.lock);
	return ret;
}

int krg_peer_del(u32 id, struct netlink_ext_ack *extack)
{
	struct krg_peer *peer;
	int state, ret = 0;

	mutex_lock(&krg_cfg.lock);
	peer = krg_peer_get(id);
	if (!peer) {
		NL_SET_ERR_MSG_FMT(extack, "node %u is not a configured peer", id);
		ret = -ENOENT;
		goto out;
	}
	krg_peer_put(peer);
	state = krg_memb_state(id);
	if (state == KRG_NODE_ONLINE || state == KRG_NODE_LEAVING) {
		NL_SET_ERR_MSG_FMT(extack, "node %u is online: remove it first (nodes del)", id);
		ret = -EBUSY;
		goto out;
	}
	krg_peer_remove(id);
out:
	mutex_unlock(&krg_cfg.lock);
	return ret;
}

static int krg_cfg_first(struct nlattr **a, struct netlink_ext_ack *extack)
{
	struct crypto_shash *tfm;
	u32 id;
	int ret;

	if (!a[KRG_COMM_A_CLUSTER_ID] || !a[KRG_COMM_A_NODE_ID] ||
	    !a[KRG_COMM_A_ADDR4] || !a[KRG_COMM_A_KEY]) {
		NL_SET_ERR_MSG(extack, "first configuration needs cluster id, node id, address and key");
		return -EINVAL;
	}
	id = nla_get_u32(a[KRG_COMM_A_NODE_ID]);
	tfm = krg_auth_tfm(nla_data(a[KRG_COMM_A_KEY]), KRG_COMM_KEY_LEN);
	if (IS_ERR(tfm)) {
		NL_SET_ERR_MSG(extack, "cannot set up hmac(sha256) with the key");
		return PTR_ERR(tfm);
	}
	krg_cfg.key_tfm = tfm;
	memcpy(krg_cfg.key, nla_data(a[KRG_COMM_A_KEY]), KRG_COMM_KEY_LEN);
	krg_cfg.cluster_id = nla_get_u32(a[KRG_COMM_A_CLUSTER_ID]);
	krg_cfg.self = id;
	krg_cfg.addr = nla_get_in_addr(a[KRG_COMM_A_ADDR4]);
	krg_cfg.port = a[KRG_COMM_A_PORT] ? nla_get_u16(a[KRG_COMM_A_PORT]) :
					   KRG_COMM_DEFAULT_PORT;
	krg_cfg.incarnation = get_random_u64() | 1;
	WRITE_ONCE(krg_cfg.configured, true);
	ret = krg_transport->start();
	if (ret) {
		WRITE_ONCE(krg_cfg.configured, false);
		krg_cfg.key_tfm = NULL;
		crypto_free_shash(tfm);
		memzero_explicit(krg_cfg.key, sizeof(krg_cfg.key));
		NL_SET_ERR_MSG_FMT(extack, "cannot listen on %pI4:%u (error %d)",
				   &krg_cfg.addr, krg_cfg.port, ret);
		return ret;
	}
	krg_memb_start();
	pr_info("node %u of cluster %u listening on %pI4:%u\n", krg_cfg.self,
		krg_cfg.cluster_id, &krg_cfg.addr, krg_cfg.port);
	return 0;
}

static bool krg_cfg_identity_differs(struct nlattr **a)
{
	return (a[KRG_COMM_A_CLUSTER_ID] &&
		nla_get_u32(a[KRG_COMM_A_CLUSTER_ID]) != krg_cfg.cluster_id) ||
	       (a[KRG_COMM_A_NODE_ID] &&
		nla_get_u32(a[KRG_COMM_A_NODE_ID]) != krg_cfg.self) ||
	       (a[KRG_COMM_A_ADDR4] &&
		nla_get_in_addr(a[KRG_COMM_A_ADDR4]) != krg_cfg.addr) ||
	       (a[KRG_COMM_A_PORT] &&
		nla_get_u16(a[KRG_COMM_A_PORT]) != krg_cfg.port) ||
	       (a[KRG_COMM_A_KEY] &&
		memcmp(nla_data(a[KRG_COMM_A_KEY]), krg_cfg.key, KRG_COMM_KEY_LEN));
}

int krg_cfg_set(struct nlattr **a, struct netlink_ext_ack *extack)
{
	int ret = 0;

	mutex_lock(&krg_cfg.lock);
	if (krg_cfg.shutting_down) {
		ret = -ESHUTDOWN;
		goto out;
	}
	if (krg_cfg.configured && krg_cfg_identity_differs(a)) {
		/* Same values again (krgadm node start twice) are fine. */
		NL_SET_ERR_MSG(extack, "node already configured: identity (cluster id, node id, address, port, key) cannot change while loaded");
		ret = -EBUSY;
		goto out;
	}
	if (!krg_cfg.configured) {
		ret = krg_cfg_first(a, extack);
		if (ret)
			goto out;
	}
	if (a[KRG_COMM_A_FAILURE_TIMEOUT_MS])
		WRITE_ONCE(krg_cfg.timeout_ms,
			   nla_get_u32(a[KRG_COMM_A_FAILURE_TIMEOUT_MS]));
out:
	mutex_unlock(&krg_cfg.lock);
	return ret;
}

/*
 * Parts are set up in dependency order and unwound in reverse: each new part
 * adds its _init call here with a goto err_<part> to its predecessor's exit,
 * and its _exit call at the matching place in krg_comm_exit().
 */
static int __init krg_comm_init(void)
{
	int ret = -ENOMEM;

	krg_io_wq = alloc_workqueue("krg_io", WQ_MEM_RECLAIM | WQ_UNBOUND |
				    WQ_HIGHPRI, 0);
	if (!krg_io_wq)
		goto err_io;
	krg_handler_wq = alloc_workqueue("krg_handler", WQ_MEM_RECLAIM |
					 WQ_UNBOUND, 0);
	if (!krg_handler_wq)
		goto err_handler;
	krg_memb_wq = alloc_ordered_workqueue("krg_memb", WQ_MEM_RECLAIM);
	if (!krg_memb_wq)
		goto err_memb_wq;
	ret = krg_rpc_init();
	if (ret)
		goto err_rpc;
	ret = krg_memb_init();
	if (ret)
		goto err_memb;
	ret = krg_nl_init();
	if (ret)
		goto err_nl;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_comm_debugfs, KBUILD_MODNAME, KRG_COMM_ABI);
	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;

err_nl:
	krg_memb_exit();
err_memb:
	krg_rpc_exit();
err_rpc:
	destroy_workqueue(krg_memb_wq);
err_memb_wq:
	destroy_workqueue(krg_handler_wq);
err_handler:
	destroy_workqueue(krg_io_wq);
err_io:
	return ret;
}

static void __exit krg_comm_exit(void)
{
	u32 id;

	krg_debugfs_exit(&krg_comm_debugfs);
	/* While everything still runs: tell the others we go. */
	krg_memb_leave();
	mutex_lock(&krg_cfg.lock);
	WRITE_ONCE(krg_cfg.shutting_down, true);
	mutex_unlock(&krg_cfg.lock);
	/* Wake every caller, so netlink ops in progress end quickly. */
	krg_rpc_fail_all(-ESHUTDOWN);
	krg_memb_exit();
	krg_nl_exit();
	if (krg_cfg.configured)
		krg_transport->stop();
	for (id = 0; id < KRG_MAX_NODES; id++)
		krg_peer_remove(id);
	flush_workqueue(krg_handler_wq);
	krg_rpc_fail_all(-ESHUTDOWN);
	krg_rpc_exit();
	destroy_workqueue(krg_memb_wq);
	destroy_workqueue(krg_handler_wq);
	destroy_workqueue(krg_io_wq);
	rcu_barrier();
	krg_buf_trim(true);
	if (krg_cfg.key_tfm)
		crypto_free_shash(krg_cfg.key_tfm);
	memzero_explicit(krg_cfg.key, sizeof(krg_cfg.key));
}

module_init(krg_comm_init);
module_exit(krg_comm_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed node membership, transport and RPC");
MODULE_AUTHOR("The Kerrighed project");
