// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm generic netlink family "krg_comm" (include/uapi/linux/krg_comm.h,
 * Documentation/netlink/krg_comm.yaml).  Strict per-operation policies;
 * every mutating operation needs CAP_NET_ADMIN (GENL_ADMIN_PERM, checked by
 * the core) and CAP_SYS_ADMIN (checked in pre_doit, with a message).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <krg/krg_genl.h>

#include "internal.h"

static struct genl_family krg_nl_family;
static bool krg_nl_registered;

static const struct nla_policy krg_cluster_set_policy[KRG_COMM_A_MAX + 1] = {
	[KRG_COMM_A_CLUSTER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KRG_COMM_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
	[KRG_COMM_A_ADDR4] = { .type = NLA_BE32 },
	[KRG_COMM_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[KRG_COMM_A_KEY] = NLA_POLICY_EXACT_LEN(KRG_COMM_KEY_LEN),
	[KRG_COMM_A_FAILURE_TIMEOUT_MS] =
		NLA_POLICY_RANGE(NLA_U32, KRG_COMM_FAILURE_TIMEOUT_MIN_MS,
				 KRG_COMM_FAILURE_TIMEOUT_MAX_MS),
};

static const struct nla_policy krg_peer_set_policy[KRG_COMM_A_MAX + 1] = {
	[KRG_COMM_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
	[KRG_COMM_A_ADDR4] = { .type = NLA_BE32 },
	[KRG_COMM_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy krg_node_id_policy[KRG_COMM_A_MAX + 1] = {
	[KRG_COMM_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
};

static const struct nla_policy krg_node_set_policy[KRG_COMM_A_MAX + 1] = {
	[KRG_COMM_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
	[KRG_COMM_A_NODE_SET] = NLA_POLICY_RANGE(NLA_BINARY, 1,
						 KRG_COMM_NODE_SET_LEN),
};

static const struct nla_policy krg_empty_policy[KRG_COMM_A_MAX + 1] = {};

/* ---- helpers ------------------------------------------------------------- */

/* NODE_SET or NODE_ID into a node set. */
static int krg_nl_node_set(struct genl_info *info, krg_nodemask_t *set)
{
	struct nlattr *a = info->attrs[KRG_COMM_A_NODE_SET];

	krg_nodemask_zero(set);
	if (a && krg_nodemask_from_bytes(set, nla_data(a), nla_len(a)))
		return -EINVAL;		/* the policy bounds the length */
	if (info->attrs[KRG_COMM_A_NODE_ID])
		krg_nodemask_set(set, nla_get_u32(info->attrs[KRG_COMM_A_NODE_ID]));
	if (krg_nodemask_empty(set)) {
		NL_SET_ERR_MSG(info->extack, "no node given (node-set or node-id)");
		return -EINVAL;
	}
	return 0;
}

/* ---- cluster ------------------------------------------------------------- */

static int krg_nl_fill_cluster(struct sk_buff *skb, void *arg)
{
	int ret = -EMSGSIZE;

	mutex_lock(&comm_cfg.lock);
	if (nla_put_u32(skb, KRG_COMM_A_FAILURE_TIMEOUT_MS, comm_cfg.timeout_ms) ||
	    nla_put_u32(skb, KRG_COMM_A_HEARTBEAT_MS, comm_hb_ms()) ||
	    nla_put_u32(skb, KRG_COMM_A_PROTO_VERSION, KRG_COMM_WIRE_VERSION) ||
	    nla_put_u32(skb, KRG_COMM_A_MAX_NODES, KRG_MAX_NODES) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_AUTH_FAILURES,
			      atomic64_read(&comm_cfg.auth_failures), KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_DROPPED,
			      atomic64_read(&comm_cfg.dropped), KRG_COMM_A_PAD))
		goto out;
	if (comm_cfg.configured &&
	    (nla_put_flag(skb, KRG_COMM_A_CONFIGURED) ||
	     nla_put_flag(skb, KRG_COMM_A_KEY_SET) ||
	     nla_put_u32(skb, KRG_COMM_A_CLUSTER_ID, comm_cfg.cluster_id) ||
	     nla_put_u32(skb, KRG_COMM_A_NODE_ID, comm_cfg.self) ||
	     nla_put_in_addr(skb, KRG_COMM_A_ADDR4, comm_cfg.addr) ||
	     nla_put_u16(skb, KRG_COMM_A_PORT, comm_cfg.port) ||
	     nla_put_u32(skb, KRG_COMM_A_NODE_STATE,
			 comm_memb_state(comm_cfg.self))))
		goto out;
	ret = 0;
out:
	mutex_unlock(&comm_cfg.lock);
	return ret;
}

static int krg_nl_cluster_get(struct sk_buff *in, struct genl_info *info)
{
	return krg_genl_reply(info, &krg_nl_family, krg_nl_fill_cluster, NULL);
}

static int krg_nl_cluster_set(struct sk_buff *skb, struct genl_info *info)
{
	return comm_cfg_set(info->attrs, info->extack);
}

/* ---- peers --------------------------------------------------------------- */

static int krg_nl_peer_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;

	if (krg_genl_missing(info, KRG_COMM_A_NODE_ID, "node-id") ||
	    krg_genl_missing(info, KRG_COMM_A_ADDR4, "addr4"))
		return -EINVAL;
	return comm_peer_set(nla_get_u32(a[KRG_COMM_A_NODE_ID]),
			    nla_get_in_addr(a[KRG_COMM_A_ADDR4]),
			    a[KRG_COMM_A_PORT] ? nla_get_u16(a[KRG_COMM_A_PORT]) :
						 KRG_COMM_DEFAULT_PORT,
			    info->extack);
}

static int krg_nl_peer_del(struct sk_buff *skb, struct genl_info *info)
{
	if (krg_genl_missing(info, KRG_COMM_A_NODE_ID, "node-id"))
		return -EINVAL;
	return comm_peer_del(nla_get_u32(info->attrs[KRG_COMM_A_NODE_ID]),
			    info->extack);
}

/* ---- nodes --------------------------------------------------------------- */

static int krg_nl_node_add(struct sk_buff *skb, struct genl_info *info)
{
	krg_nodemask_t set;
	int ret = krg_nl_node_set(info, &set);

	return ret ? ret : comm_memb_add(&set, info->extack);
}

static int krg_nl_node_del(struct sk_buff *skb, struct genl_info *info)
{
	krg_nodemask_t set;
	int ret = krg_nl_node_set(info, &set);

	return ret ? ret : comm_memb_del(&set, info->extack);
}

static int krg_nl_fill_node(struct sk_buff *skb, u32 id, struct comm_peer *peer)
{
	if (nla_put_u32(skb, KRG_COMM_A_NODE_ID, id) ||
	    nla_put_u32(skb, KRG_COMM_A_NODE_STATE, comm_memb_state(id)))
		return -EMSGSIZE;
	if (!peer)
		return nla_put_u32(skb, KRG_COMM_A_CONN_STATE, KRG_CONN_IDLE) ||
		       nla_put_in_addr(skb, KRG_COMM_A_ADDR4, comm_cfg.addr) ||
		       nla_put_u16(skb, KRG_COMM_A_PORT, comm_cfg.port) ||
		       nla_put_flag(skb, KRG_COMM_A_SELF) ? -EMSGSIZE : 0;
	return nla_put_u32(skb, KRG_COMM_A_CONN_STATE, comm_transport->peer_conn_state(peer)) ||
	       nla_put_in_addr(skb, KRG_COMM_A_ADDR4, peer->addr) ||
	       nla_put_u16(skb, KRG_COMM_A_PORT, peer->port) ? -EMSGSIZE : 0;
}

static int krg_nl_fill_stats(struct sk_buff *skb, u32 id, struct comm_peer *peer)
{
	struct comm_peer_stats st;
	u32 rtt;

	spin_lock_bh(&peer->lock);
	st = peer->st;
	rtt = peer->rel.srtt_us;
	spin_unlock_bh(&peer->lock);
	if (nla_put_u32(skb, KRG_COMM_A_NODE_ID, id) ||
	    nla_put_u32(skb, KRG_COMM_A_CONN_STATE, comm_transport->peer_conn_state(peer)) ||
	    nla_put_u32(skb, KRG_COMM_A_RTT_US, rtt) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_TX_FRAMES, st.tx_frames, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_TX_BYTES, st.tx_bytes, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_RX_FRAMES, st.rx_frames, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_RX_BYTES, st.rx_bytes, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_RETRANS, st.retrans, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_RECONNECTS, st.reconnects, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_AUTH_FAILURES, st.auth_failures, KRG_COMM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_A_DROPPED, st.dropped, KRG_COMM_A_PAD))
		return -EMSGSIZE;
	return 0;
}

typedef int (*krg_fill_t)(struct sk_buff *skb, u32 id, struct comm_peer *peer);

/* One node's message: what krg_genl_reply/dump_one fill through. */
struct krg_nl_one {
	krg_fill_t fill;
	u32 id;
	struct comm_peer *peer;		/* NULL: this node */
};

static int krg_nl_fill_one(struct sk_buff *skb, void *arg)
{
	struct krg_nl_one *one = arg;

	return one->fill(skb, one->id, one->peer);
}

static int krg_nl_get_one(struct genl_info *info, krg_fill_t fill, bool self_ok)
{
	struct krg_nl_one one = { .fill = fill };
	int ret;

	if (krg_genl_missing(info, KRG_COMM_A_NODE_ID, "node-id"))
		return -EINVAL;
	one.id = nla_get_u32(info->attrs[KRG_COMM_A_NODE_ID]);
	if (!(self_ok && krg_comm_self() == (int)one.id)) {
		one.peer = comm_peer_get(one.id);
		if (!one.peer) {
			NL_SET_ERR_MSG_FMT(info->extack, "node %u is not configured on this node",
					   one.id);
			return -ENOENT;
		}
	}
	ret = krg_genl_reply(info, &krg_nl_family, krg_nl_fill_one, &one);
	comm_peer_put(one.peer);
	return ret;
}

/* Dump: cb->args[0] = the next node id. */
static int krg_nl_dump(struct sk_buff *skb, struct netlink_callback *cb,
		       krg_fill_t fill, bool with_self)
{
	struct krg_nl_one one = { .fill = fill };
	int self = krg_comm_self();
	bool is_self;
	int ret;

	for (one.id = cb->args[0]; one.id < KRG_MAX_NODES; one.id++) {
		is_self = with_self && self == (int)one.id;
		one.peer = is_self ? NULL : comm_peer_get(one.id);
		if (!is_self && !one.peer)
			continue;
		ret = krg_genl_dump_one(skb, cb, &krg_nl_family, krg_nl_fill_one, &one);
		comm_peer_put(one.peer);
		if (ret)
			break;
	}
	cb->args[0] = one.id;
	return skb->len;
}

static int krg_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	return krg_nl_get_one(info, krg_nl_fill_node, true);
}

static int krg_nl_node_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return krg_nl_dump(skb, cb, krg_nl_fill_node, true);
}

static int krg_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return krg_nl_get_one(info, krg_nl_fill_stats, false);
}

static int krg_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return krg_nl_dump(skb, cb, krg_nl_fill_stats, false);
}

/* ---- family -------------------------------------------------------------- */

#define KRG_OP(_cmd, _doit, _dumpit, _policy, _flags) {		\
	.cmd = (_cmd), .doit = (_doit), .dumpit = (_dumpit),	\
	.policy = (_policy), .maxattr = KRG_COMM_A_MAX,		\
	.flags = (_flags) }

static const struct genl_ops krg_nl_ops[] = {
	KRG_OP(KRG_COMM_CMD_CLUSTER_GET, krg_nl_cluster_get, NULL,
	       krg_empty_policy, 0),
	KRG_OP(KRG_COMM_CMD_CLUSTER_SET, krg_nl_cluster_set, NULL,
	       krg_cluster_set_policy, GENL_ADMIN_PERM),
	KRG_OP(KRG_COMM_CMD_PEER_SET, krg_nl_peer_set, NULL,
	       krg_peer_set_policy, GENL_ADMIN_PERM),
	KRG_OP(KRG_COMM_CMD_PEER_DEL, krg_nl_peer_del, NULL,
	       krg_node_id_policy, GENL_ADMIN_PERM),
	KRG_OP(KRG_COMM_CMD_NODE_ADD, krg_nl_node_add, NULL,
	       krg_node_set_policy, GENL_ADMIN_PERM),
	KRG_OP(KRG_COMM_CMD_NODE_DEL, krg_nl_node_del, NULL,
	       krg_node_set_policy, GENL_ADMIN_PERM),
	KRG_OP(KRG_COMM_CMD_NODE_GET, krg_nl_node_get, krg_nl_node_dump,
	       krg_node_id_policy, 0),
	KRG_OP(KRG_COMM_CMD_STATS_GET, krg_nl_stats_get, krg_nl_stats_dump,
	       krg_node_id_policy, 0),
};

static const struct genl_multicast_group krg_nl_mcgrps[] = {
	{ .name = KRG_COMM_MCGRP_EVENTS },
};

static struct genl_family krg_nl_family __ro_after_init = {
	.name = KRG_COMM_GENL_NAME,
	.version = KRG_COMM_GENL_VERSION,
	.maxattr = KRG_COMM_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.pre_doit = krg_genl_pre_doit,
	.module = THIS_MODULE,
	.ops = krg_nl_ops,
	.n_ops = ARRAY_SIZE(krg_nl_ops),
	.resv_start_op = KRG_COMM_CMD_NODE_EVENT + 1,
	.mcgrps = krg_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(krg_nl_mcgrps),
};

void krg_nl_event(u32 node, int state, int event)
{
	struct sk_buff *skb;
	void *hdr;

	if (!READ_ONCE(krg_nl_registered))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &krg_nl_family, 0, KRG_COMM_CMD_NODE_EVENT);
	if (!hdr || nla_put_u32(skb, KRG_COMM_A_NODE_ID, node) ||
	    nla_put_u32(skb, KRG_COMM_A_NODE_STATE, state) ||
	    nla_put_u32(skb, KRG_COMM_A_EVENT, event)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&krg_nl_family, skb, 0, 0, GFP_KERNEL);
}

int krg_nl_init(void)
{
	int ret = genl_register_family(&krg_nl_family);

	if (!ret)
		WRITE_ONCE(krg_nl_registered, true);
	return ret;
}

void krg_nl_exit(void)
{
	WRITE_ONCE(krg_nl_registered, false);
	genl_unregister_family(&krg_nl_family);
}
