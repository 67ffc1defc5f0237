// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_comm" generic netlink family over libnl-genl-3.
 *
 * Every request runs through run(): NLM_F_ACK is always set, NETLINK_EXT_ACK
 * is on, and an error (in an NLMSG_ERROR or in the NLMSG_DONE of a dump)
 * is returned as -errno with the kernel's extack message in struct krg_err.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "krg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct krg_handle {
	struct nl_sock *sk;
	int family;
	struct nl_sock *ev_sk;
};

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

/* libnl error codes to errno, for the few that can happen here. */
static int nlerr_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_PERM:		return -EPERM;
	case NLE_INVAL:		return -EINVAL;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_BUSY:		return -EBUSY;
	case NLE_EXIST:		return -EEXIST;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_NODEV:		return -ENODEV;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	default:		return -EIO;
	}
}

struct req {
	int status;			/* 1 running, 0 done, <0 -errno */
	struct krg_err *err;
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int cb_ret;			/* non-zero return of the caller's callback */
};

static void take_extack(struct req *r, struct nlattr *attrs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!r->err || len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		snprintf(r->err->msg, sizeof(r->err->msg), "%.*s",
			 (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
				      (size_t)nla_len(tb[NLMSGERR_ATTR_MSG])),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	else if (tb[NLMSGERR_ATTR_MISS_TYPE] && nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		snprintf(r->err->msg, sizeof(r->err->msg), "missing attribute %u",
			 nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
}

static void set_status(struct req *r, int error)
{
	r->status = error;
	if (r->err) {
		r->err->code = error;
		r->err->msg[0] = '\0';
	}
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	size_t ack_len = sizeof(*nlh) + sizeof(*e);
	struct req *r = arg;

	(void)nla;
	set_status(r, e->error < 0 ? e->error : -EIO);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += e->msg.nlmsg_len - sizeof(*nlh);
	if (nlh->nlmsg_len > ack_len)
		take_extack(r, (struct nlattr *)((char *)nlh + ack_len),
			    (int)(nlh->nlmsg_len - ack_len));
	return NL_STOP;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;
	int error = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&error, nlmsg_data(nlh), sizeof(int));
	if (error < 0) {
		set_status(r, error);
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			take_extack(r, (struct nlattr *)((char *)nlmsg_data(nlh) + sizeof(int)),
				    (int)(nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(int)));
	} else {
		r->status = 0;
	}
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->status = 0;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KRG_COMM_A_MAX + 1];
	struct req *r = arg;
	int ret;

	if (!r->parse)
		return NL_OK;
	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, KRG_COMM_A_MAX, policy);
	if (ret < 0) {
		krg_err_set(r->err, -EBADMSG, "malformed reply from the kernel");
		r->status = -EBADMSG;
		return NL_STOP;
	}
	ret = r->parse(tb, r->arg);
	if (ret) {
		/* the caller's callback asked to stop: keep reading to the end */
		r->parse = NULL;
		r->cb_ret = ret;
	}
	return NL_OK;
}

/* Sends msg (consumed) and reads replies until the ack, the end of the dump
 * or an error.
 */
static int run(struct krg_handle *h, struct nl_msg *msg,
	       int (*parse)(struct nlattr **, void *), void *arg,
	       struct krg_err *err)
{
	struct req r = { .status = 1, .err = err, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int ret;

	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return krg_err_set(err, -ENOMEM, "out of memory");
	}
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &r);

	ret = nl_send_auto(h->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return krg_err_set(err, nlerr_errno(ret), "cannot send to the kernel: %s",
				   nl_geterror(ret));
	}
	while (r.status > 0) {
		ret = nl_recvmsgs(h->sk, cb);
		if (ret < 0 && r.status > 0)
			set_status(&r, nlerr_errno(ret));
	}
	nl_cb_put(cb);
	if (r.status < 0)
		return r.status;
	return r.cb_ret;
}

static struct nl_msg *new_msg(struct krg_handle *h, uint8_t cmd, int flags,
			      struct krg_err *err)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg) {
		krg_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags, cmd,
			 KRG_COMM_GENL_VERSION)) {
		nlmsg_free(msg);
		krg_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	return msg;
}

static int put_failed(struct nl_msg *msg, struct krg_err *err)
{
	nlmsg_free(msg);
	return krg_err_set(err, -EMSGSIZE, "netlink message too large");
}

int krg_open(struct krg_handle **hp, struct krg_err *err)
{
	struct krg_handle *h;
	int one = 1, ret;

	h = calloc(1, sizeof(*h));
	if (!h)
		return krg_err_set(err, -ENOMEM, "out of memory");
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return krg_err_set(err, -ENOMEM, "out of memory");
	}
	ret = genl_connect(h->sk);
	if (ret < 0) {
		ret = krg_err_set(err, nlerr_errno(ret), "cannot open a generic netlink socket: %s",
				  nl_geterror(ret));
		goto fail;
	}
	/* Best effort: without them errors simply come without a message. */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	h->family = genl_ctrl_resolve(h->sk, KRG_COMM_GENL_NAME);
	if (h->family < 0) {
		ret = nlerr_errno(h->family);
		if (ret == -ENOENT)
			krg_err_set(err, ret, "the krg_comm module is not loaded (%s)",
				    "try: modprobe krg_comm");
		else
			krg_err_set(err, ret, "cannot resolve the krg_comm family: %s",
				    nl_geterror(h->family));
		goto fail;
	}
	*hp = h;
	return 0;
fail:
	nl_socket_free(h->sk);
	free(h);
	return ret;
}

void krg_close(struct krg_handle *h)
{
	if (!h)
		return;
	if (h->ev_sk)
		nl_socket_free(h->ev_sk);
	nl_socket_free(h->sk);
	free(h);
}

int krg_family_present(struct krg_handle *h, const char *name)
{
	int ret = genl_ctrl_resolve(h->sk, name);

	if (ret >= 0)
		return 1;
	ret = nlerr_errno(ret);
	return ret == -ENOENT ? 0 : ret;
}

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
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_CLUSTER_GET, 0, err);

	memset(info, 0, sizeof(*info));
	info->self_state = -1;
	if (!msg)
		return -ENOMEM;
	return run(h, msg, parse_cluster, info, err);
}

int krg_cluster_set(struct krg_handle *h, const struct krg_cluster_cfg *cfg,
		    struct krg_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_CLUSTER_SET, 0, err);

	if (!msg)
		return -ENOMEM;
	if (cfg->fields & KRG_CFG_IDENTITY) {
		if (nla_put_u32(msg, KRG_COMM_A_CLUSTER_ID, cfg->cluster_id) ||
		    nla_put_u32(msg, KRG_COMM_A_NODE_ID, cfg->node_id) ||
		    nla_put(msg, KRG_COMM_A_ADDR4, 4, &cfg->address.s_addr) ||
		    nla_put_u16(msg, KRG_COMM_A_PORT, cfg->port) ||
		    nla_put(msg, KRG_COMM_A_KEY, KRG_COMM_KEY_LEN, cfg->key))
			return put_failed(msg, err);
	}
	if ((cfg->fields & KRG_CFG_TIMEOUT) &&
	    nla_put_u32(msg, KRG_COMM_A_FAILURE_TIMEOUT_MS, cfg->failure_timeout_ms))
		return put_failed(msg, err);
	return run(h, msg, NULL, NULL, err);
}

int krg_peer_set(struct krg_handle *h, uint32_t id, struct in_addr addr,
		 uint16_t port, struct krg_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_PEER_SET, 0, err);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KRG_COMM_A_NODE_ID, id) ||
	    nla_put(msg, KRG_COMM_A_ADDR4, 4, &addr.s_addr) ||
	    (port && nla_put_u16(msg, KRG_COMM_A_PORT, port)))
		return put_failed(msg, err);
	return run(h, msg, NULL, NULL, err);
}

int krg_peer_del(struct krg_handle *h, uint32_t id, struct krg_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_PEER_DEL, 0, err);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KRG_COMM_A_NODE_ID, id))
		return put_failed(msg, err);
	return run(h, msg, NULL, NULL, err);
}

static int nodes_cmd(struct krg_handle *h, uint8_t cmd,
		     const struct krg_nodeset *set, struct krg_err *err)
{
	uint8_t bits[KRG_COMM_NODE_SET_LEN] = { 0 };
	struct nl_msg *msg;
	unsigned int id;

	if (!krg_nodeset_count(set))
		return krg_err_set(err, -EINVAL, "empty node list");
	krg_nodeset_for_each(id, set)
		bits[id / 8] |= (uint8_t)(1U << (id % 8));
	msg = new_msg(h, cmd, 0, err);
	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, KRG_COMM_A_NODE_SET, sizeof(bits), bits))
		return put_failed(msg, err);
	return run(h, msg, NULL, NULL, err);
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
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_NODE_GET, NLM_F_DUMP, err);
	struct node_walk w = { cb, arg };

	if (!msg)
		return -ENOMEM;
	return run(h, msg, parse_node_walk, &w, err);
}

static int parse_one_node(struct nlattr **tb, void *arg)
{
	fill_node(tb, arg);
	return 0;
}

int krg_node_get(struct krg_handle *h, uint32_t id, struct krg_node_info *node,
		 struct krg_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_NODE_GET, 0, err);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KRG_COMM_A_NODE_ID, id))
		return put_failed(msg, err);
	return run(h, msg, parse_one_node, node, err);
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
	struct nl_msg *msg = new_msg(h, KRG_COMM_CMD_STATS_GET, NLM_F_DUMP, err);
	struct stats_walk w = { cb, arg };

	if (!msg)
		return -ENOMEM;
	return run(h, msg, parse_stats, &w, err);
}

int krg_events_subscribe(struct krg_handle *h, struct krg_err *err)
{
	int grp, ret;

	if (h->ev_sk)
		return 0;
	grp = genl_ctrl_resolve_grp(h->sk, KRG_COMM_GENL_NAME, KRG_COMM_MCGRP_EVENTS);
	if (grp < 0)
		return krg_err_set(err, nlerr_errno(grp), "cannot resolve the %s events group: %s",
				   KRG_COMM_GENL_NAME, nl_geterror(grp));
	h->ev_sk = nl_socket_alloc();
	if (!h->ev_sk)
		return krg_err_set(err, -ENOMEM, "out of memory");
	nl_socket_disable_seq_check(h->ev_sk);
	ret = genl_connect(h->ev_sk);
	if (!ret)
		ret = nl_socket_add_membership(h->ev_sk, grp);
	if (!ret)
		ret = nl_socket_set_nonblocking(h->ev_sk);
	if (ret < 0) {
		nl_socket_free(h->ev_sk);
		h->ev_sk = NULL;
		return krg_err_set(err, nlerr_errno(ret), "cannot subscribe to events: %s",
				   nl_geterror(ret));
	}
	return 0;
}

int krg_events_fd(struct krg_handle *h)
{
	return h->ev_sk ? nl_socket_get_fd(h->ev_sk) : -1;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

struct event_walk {
	int family;
	krg_event_cb cb;
	void *arg;
	int ret;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KRG_COMM_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct event_walk *w = arg;
	struct genlmsghdr *gh;
	struct krg_event ev;

	if (nlh->nlmsg_type != w->family || w->ret ||
	    !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	gh = nlmsg_data(nlh);
	if (gh->cmd != KRG_COMM_CMD_NODE_EVENT ||
	    genlmsg_parse(nlh, 0, tb, KRG_COMM_A_MAX, policy) < 0 ||
	    !tb[KRG_COMM_A_NODE_ID])
		return NL_SKIP;
	ev.node_id = nla_get_u32(tb[KRG_COMM_A_NODE_ID]);
	ev.state = (int)get_u32(tb, KRG_COMM_A_NODE_STATE, KRG_NODE_ABSENT);
	ev.event = (int)get_u32(tb, KRG_COMM_A_EVENT, KRG_EVENT_NONE);
	w->ret = w->cb(&ev, w->arg);
	return NL_OK;
}

int krg_events_recv(struct krg_handle *h, krg_event_cb cb, void *arg,
		    struct krg_err *err)
{
	struct event_walk w = { h->family, cb, arg, 0 };
	struct nl_cb *nlcb;
	int ret;

	if (!h->ev_sk)
		return krg_err_set(err, -EINVAL, "not subscribed to events");
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb)
		return krg_err_set(err, -ENOMEM, "out of memory");
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &w);
	/* notifications carry sequence number 0 */
	nl_cb_set(nlcb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	ret = nl_recvmsgs(h->ev_sk, nlcb);
	nl_cb_put(nlcb);
	if (ret < 0 && ret != -NLE_AGAIN)
		return krg_err_set(err, nlerr_errno(ret), "cannot receive events: %s",
				   nl_geterror(ret));
	return w.ret;
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
