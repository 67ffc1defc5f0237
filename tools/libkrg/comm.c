// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_comm" generic netlink family (include/uapi/linux/krg_comm.h):
 * cluster configuration, peers, membership, statistics and membership
 * events, over libkrg's core (krg_nl.h).
 */
#include <errno.h>
#include <string.h>

#include "krg_nl.h"

static struct nla_policy policy[KRG_COMM_A_MAX + 1] = {
	[KRG_COMM_A_CLUSTER_ID]		= { .type = NLA_U32 },
	[KRG_COMM_A_NODE_ID]		= { .type = NLA_U32 },
	[KRG_COMM_A_ADDR4]		= { .type = NLA_U32 },
	[KRG_COMM_A_PORT]		= { .type = NLA_U16 },
	[KRG_COMM_A_FAILURE_TIMEOUT_MS]	= { .type = NLA_U32 },
	[KRG_COMM_A_HEARTBEAT_MS]	= { .type = NLA_U32 },
	[KRG_COMM_A_KEY_SET]		= { .type = NLA_FLAG },
	[KRG_COMM_A_CONFIGURED]		= { .type = NLA_FLAG },
	[KRG_COMM_A_PROTO_VERSION]	= { .type = NLA_U32 },
	[KRG_COMM_A_MAX_NODES]		= { .type = NLA_U32 },
	[KRG_COMM_A_NODE_STATE]		= { .type = NLA_U32 },
	[KRG_COMM_A_CONN_STATE]		= { .type = NLA_U32 },
	[KRG_COMM_A_SELF]		= { .type = NLA_FLAG },
	[KRG_COMM_A_EVENT]		= { .type = NLA_U32 },
	[KRG_COMM_A_RTT_US]		= { .type = NLA_U32 },
	[KRG_COMM_A_TX_FRAMES]		= { .type = NLA_U64 },
	[KRG_COMM_A_TX_BYTES]		= { .type = NLA_U64 },
	[KRG_COMM_A_RX_FRAMES]		= { .type = NLA_U64 },
	[KRG_COMM_A_RX_BYTES]		= { .type = NLA_U64 },
	[KRG_COMM_A_RETRANS]		= { .type = NLA_U64 },
	[KRG_COMM_A_RECONNECTS]		= { .type = NLA_U64 },
	[KRG_COMM_A_AUTH_FAILURES]	= { .type = NLA_U64 },
	[KRG_COMM_A_DROPPED]		= { .type = NLA_U64 },
};

static const struct krg_family comm_family = {
	.name = KRG_COMM_GENL_NAME,
	.version = KRG_COMM_GENL_VERSION,
	.maxattr = KRG_COMM_A_MAX,
	.policy = policy,
	.module = "krg_comm",
};

static uint32_t get_u32(struct nlattr **tb, int a, uint32_t def)
{
	return tb[a] ? nla_get_u32(tb[a]) : def;
}

static uint64_t get_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

static struct in_addr get_addr(struct nlattr **tb)
{
	struct in_addr a = { 0 };

	if (tb[KRG_COMM_A_ADDR4])
		memcpy(&a.s_addr, nla_data(tb[KRG_COMM_A_ADDR4]), 4);
	return a;
}

static int parse_cluster(struct nlattr **tb, void *arg)
{
	struct krg_cluster_info *ci = arg;

	ci->configured = tb[KRG_COMM_A_CONFIGURED];
	ci->key_set = tb[KRG_COMM_A_KEY_SET];
	ci->cluster_id = get_u32(tb, KRG_COMM_A_CLUSTER_ID, 0);
	ci->node_id = get_u32(tb, KRG_COMM_A_NODE_ID, 0);
	ci->address = get_addr(tb);
	ci->port = tb[KRG_COMM_A_PORT] ? nla_get_u16(tb[KRG_COMM_A_PORT]) : 0;
	ci->failure_timeout_ms = get_u32(tb, KRG_COMM_A_FAILURE_TIMEOUT_MS, 0);
	ci->heartbeat_ms = get_u32(tb, KRG_COMM_A_HEARTBEAT_MS, 0);
	ci->proto_version = get_u32(tb, KRG_COMM_A_PROTO_VERSION, 0);
	ci->max_nodes = get_u32(tb, KRG_COMM_A_MAX_NODES, 0);
	ci->auth_failures = get_u64(tb, KRG_COMM_A_AUTH_FAILURES);
	ci->dropped = get_u64(tb, KRG_COMM_A_DROPPED);
	ci->self_state = tb[KRG_COMM_A_NODE_STATE] ?
		(int)nla_get_u32(tb[KRG_COMM_A_NODE_STATE]) : -1;
	return 0;
}

int krg_cluster_get(struct krg_handle *h, struct krg_cluster_info *info,
		    struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_CLUSTER_GET, 0, &msg, err);

	memset(info, 0, sizeof(*info));
	info->self_state = -1;
	if (ret)
		return ret;
	return krg_nl_request(h, &comm_family, msg, parse_cluster, info, err);
}

int krg_cluster_set(struct krg_handle *h, const struct krg_cluster_cfg *cfg,
		    struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_CLUSTER_SET, 0, &msg, err);

	if (ret)
		return ret;
	if (cfg->fields & KRG_CFG_IDENTITY) {
		if (nla_put_u32(msg, KRG_COMM_A_CLUSTER_ID, cfg->cluster_id) ||
		    nla_put_u32(msg, KRG_COMM_A_NODE_ID, cfg->node_id) ||
		    nla_put(msg, KRG_COMM_A_ADDR4, 4, &cfg->address.s_addr) ||
		    nla_put_u16(msg, KRG_COMM_A_PORT, cfg->port) ||
		    nla_put(msg, KRG_COMM_A_KEY, KRG_COMM_KEY_LEN, cfg->key))
			return krg_nl_put_failed(msg, err);
	}
	if ((cfg->fields & KRG_CFG_TIMEOUT) &&
	    nla_put_u32(msg, KRG_COMM_A_FAILURE_TIMEOUT_MS, cfg->failure_timeout_ms))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &comm_family, msg, NULL, NULL, err);
}

int krg_peer_set(struct krg_handle *h, uint32_t id, struct in_addr addr,
		 uint16_t port, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_PEER_SET, 0, &msg, err);

	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_COMM_A_NODE_ID, id) ||
	    nla_put(msg, KRG_COMM_A_ADDR4, 4, &addr.s_addr) ||
	    (port && nla_put_u16(msg, KRG_COMM_A_PORT, port)))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &comm_family, msg, NULL, NULL, err);
}

int krg_peer_del(struct krg_handle *h, uint32_t id, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_PEER_DEL, 0, &msg, err);

	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_COMM_A_NODE_ID, id))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &comm_family, msg, NULL, NULL, err);
}

static bool same_identity(const struct krg_cluster_info *ci, const struct krg_conf *c)
{
	return ci->cluster_id == c->cluster_id && ci->node_id == c->node_id &&
	       ci->address.s_addr == c->address.s_addr && ci->port == c->port;
}

int krg_cluster_configure(struct krg_handle *h, const struct krg_conf *conf,
			  const uint8_t key[KRG_COMM_KEY_LEN], struct krg_err *err)
{
	struct krg_cluster_cfg cfg = { 0 };
	struct krg_cluster_info ci;
	unsigned int i;
	int ret;

	ret = krg_cluster_get(h, &ci, err);
	if (ret)
		return ret;
	if (ci.configured && !same_identity(&ci, conf))
		return krg_err_set(err, -EBUSY,
				   "this node is already configured as node %u of cluster %u",
				   ci.node_id, ci.cluster_id);
	if (!ci.configured) {
		cfg.fields |= KRG_CFG_IDENTITY;
		cfg.cluster_id = conf->cluster_id;
		cfg.node_id = conf->node_id;
		cfg.address = conf->address;
		cfg.port = conf->port;
		memcpy(cfg.key, key, KRG_COMM_KEY_LEN);
	}
	if (conf->failure_timeout_ms) {
		cfg.fields |= KRG_CFG_TIMEOUT;
		cfg.failure_timeout_ms = conf->failure_timeout_ms;
	}
	if (cfg.fields)
		ret = krg_cluster_set(h, &cfg, err);
	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; !ret && i < conf->nr_nodes; i++) {
		if (conf->nodes[i].id == conf->node_id)
			continue;
		ret = krg_peer_set(h, conf->nodes[i].id, conf->nodes[i].addr, conf->port, err);
		if (ret && err) {
			char msg[KRG_ERR_MSG_LEN];

			snprintf(msg, sizeof(msg), "%s", krg_err_str(err));
			krg_err_set(err, ret, "node %u: %.400s", conf->nodes[i].id, msg);
		}
	}
	return ret;
}

static int nodes_cmd(struct krg_handle *h, uint8_t cmd,
		     const struct krg_nodeset *set, struct krg_err *err)
{
	uint8_t bits[KRG_COMM_NODE_SET_LEN];
	struct nl_msg *msg;
	int ret;

	if (!krg_nodeset_count(set))
		return krg_err_set(err, -EINVAL, "empty node list");
	krg_nodeset_to_bytes(set, bits);
	ret = krg_nl_msg(h, &comm_family, cmd, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put(msg, KRG_COMM_A_NODE_SET, sizeof(bits), bits))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &comm_family, msg, NULL, NULL, err);
}

int krg_nodes_add(struct krg_handle *h, const struct krg_nodeset *set,
		  struct krg_err *err)
{
	return nodes_cmd(h, KRG_COMM_CMD_NODE_ADD, set, err);
}

int krg_nodes_del(struct krg_handle *h, const struct krg_nodeset *set,
		  struct krg_err *err)
{
	return nodes_cmd(h, KRG_COMM_CMD_NODE_DEL, set, err);
}

struct node_walk {
	krg_node_cb cb;
	void *arg;
};

static void fill_node(struct nlattr **tb, struct krg_node_info *n)
{
	memset(n, 0, sizeof(*n));
	n->id = get_u32(tb, KRG_COMM_A_NODE_ID, 0);
	n->state = (int)get_u32(tb, KRG_COMM_A_NODE_STATE, KRG_NODE_ABSENT);
	n->conn_state = tb[KRG_COMM_A_CONN_STATE] ?
		(int)nla_get_u32(tb[KRG_COMM_A_CONN_STATE]) : -1;
	n->address = get_addr(tb);
	n->port = tb[KRG_COMM_A_PORT] ? nla_get_u16(tb[KRG_COMM_A_PORT]) : 0;
	n->self = tb[KRG_COMM_A_SELF];
}

static int parse_node_walk(struct nlattr **tb, void *arg)
{
	struct node_walk *w = arg;
	struct krg_node_info n;

	if (!tb[KRG_COMM_A_NODE_ID])
		return 0;
	fill_node(tb, &n);
	return w->cb(&n, w->arg);
}

int krg_nodes_dump(struct krg_handle *h, krg_node_cb cb, void *arg,
		   struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_NODE_GET, NLM_F_DUMP, &msg, err);
	struct node_walk w = { cb, arg };

	if (ret)
		return ret;
	return krg_nl_request(h, &comm_family, msg, parse_node_walk, &w, err);
}

static int parse_one_node(struct nlattr **tb, void *arg)
{
	fill_node(tb, arg);
	return 0;
}

int krg_node_get(struct krg_handle *h, uint32_t id, struct krg_node_info *node,
		 struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_NODE_GET, 0, &msg, err);

	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_COMM_A_NODE_ID, id))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &comm_family, msg, parse_one_node, node, err);
}

struct stats_walk {
	krg_stats_cb cb;
	void *arg;
};

static int parse_stats(struct nlattr **tb, void *arg)
{
	struct stats_walk *w = arg;
	struct krg_peer_stats st = {
		.id = get_u32(tb, KRG_COMM_A_NODE_ID, 0),
		.conn_state = tb[KRG_COMM_A_CONN_STATE] ?
			(int)nla_get_u32(tb[KRG_COMM_A_CONN_STATE]) : -1,
		.rtt_us = get_u32(tb, KRG_COMM_A_RTT_US, 0),
		.tx_frames = get_u64(tb, KRG_COMM_A_TX_FRAMES),
		.tx_bytes = get_u64(tb, KRG_COMM_A_TX_BYTES),
		.rx_frames = get_u64(tb, KRG_COMM_A_RX_FRAMES),
		.rx_bytes = get_u64(tb, KRG_COMM_A_RX_BYTES),
		.retrans = get_u64(tb, KRG_COMM_A_RETRANS),
		.reconnects = get_u64(tb, KRG_COMM_A_RECONNECTS),
		.auth_failures = get_u64(tb, KRG_COMM_A_AUTH_FAILURES),
		.dropped = get_u64(tb, KRG_COMM_A_DROPPED),
	};

	if (!tb[KRG_COMM_A_NODE_ID])
		return 0;
	return w->cb(&st, w->arg);
}

int krg_stats_dump(struct krg_handle *h, krg_stats_cb cb, void *arg,
		   struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &comm_family, KRG_COMM_CMD_STATS_GET, NLM_F_DUMP, &msg, err);
	struct stats_walk w = { cb, arg };

	if (ret)
		return ret;
	return krg_nl_request(h, &comm_family, msg, parse_stats, &w, err);
}

int krg_events_subscribe(struct krg_handle *h, struct krg_err *err)
{
	return krg_nl_subscribe(h, &comm_family, KRG_COMM_MCGRP_EVENTS, err);
}

struct event_walk {
	krg_event_cb cb;
	void *arg;
};

static int parse_event(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct event_walk *w = arg;
	struct krg_event ev;

	if (cmd != KRG_COMM_CMD_NODE_EVENT || !tb[KRG_COMM_A_NODE_ID])
		return 0;
	ev.node_id = nla_get_u32(tb[KRG_COMM_A_NODE_ID]);
	ev.state = (int)get_u32(tb, KRG_COMM_A_NODE_STATE, KRG_NODE_ABSENT);
	ev.event = (int)get_u32(tb, KRG_COMM_A_EVENT, KRG_EVENT_NONE);
	return w->cb(&ev, w->arg);
}

int krg_events_recv(struct krg_handle *h, krg_event_cb cb, void *arg,
		    struct krg_err *err)
{
	struct event_walk w = { cb, arg };

	return krg_nl_events_recv(h, &comm_family, parse_event, &w, err);
}

static const char *name_of(const char *const *names, size_t n, int v)
{
	if (v >= 0 && (size_t)v < n && names[v])
		return names[v];
	return "unknown";
}

const char *krg_node_state_name(int state)
{
	static const char *const names[] = {
		[KRG_NODE_ABSENT] = "absent",
		[KRG_NODE_PRESENT] = "present",
		[KRG_NODE_ONLINE] = "online",
		[KRG_NODE_LEAVING] = "leaving",
		[KRG_NODE_FAILED] = "failed",
	};

	return name_of(names, sizeof(names) / sizeof(names[0]), state);
}

const char *krg_conn_state_name(int state)
{
	static const char *const names[] = {
		[KRG_CONN_IDLE] = "idle",
		[KRG_CONN_BACKOFF] = "backoff",
		[KRG_CONN_CONNECTING] = "connecting",
		[KRG_CONN_HANDSHAKE] = "handshake",
		[KRG_CONN_ESTABLISHED] = "established",
		[KRG_CONN_WAITING] = "waiting",
	};

	if (state < 0)
		return "-";
	return name_of(names, sizeof(names) / sizeof(names[0]), state);
}

const char *krg_event_name(int event)
{
	static const char *const names[] = {
		[KRG_EVENT_NONE] = "none",
		[KRG_EVENT_PRESENT] = "present",
		[KRG_EVENT_UP] = "up",
		[KRG_EVENT_LEAVING] = "leaving",
		[KRG_EVENT_DOWN] = "down",
		[KRG_EVENT_FAILED] = "failed",
		[KRG_EVENT_ABSENT] = "absent",
	};

	return name_of(names, sizeof(names) / sizeof(names[0]), event);
}
