// SPDX-License-Identifier: GPL-2.0
/*
 * kddm_nl: the "krg_kddm" generic netlink family over libnl-genl-3, for the
 * tests and the benchmark (see kddm_nl.h).
 *
 * Replies are parsed without a policy: an integer attribute is read as u32
 * or u64 from its length, so a test sees what the kernel really sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "kddm_nl.h"
#include "kddm_names.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct kddm_nl {
	struct nl_sock *sk;
	int family;
};

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
	case NLE_INTR:		return -EINTR;
	default:		return -EIO;
	}
}

static int set_err(struct kddm_err *err, int code, const char *msg)
{
	if (err) {
		err->code = code;
		snprintf(err->msg, sizeof(err->msg), "%s", msg ? msg : "");
	}
	return code;
}

struct req {
	int status;			/* 1 running, 0 done, <0 -errno */
	struct kddm_err *err;
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int cb_ret;
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

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	size_t ack_len = sizeof(*nlh) + sizeof(*e);
	struct req *r = arg;

	(void)nla;
	r->status = e->error < 0 ? e->error : -EIO;
	set_err(r->err, r->status, "");
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
		r->status = error;
		set_err(r->err, error, "");
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
	struct nlattr *tb[KRG_KDDM_A_MAX + 1];
	struct req *r = arg;
	int ret;

	if (!r->parse)
		return NL_OK;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KRG_KDDM_A_MAX, NULL) < 0) {
		r->status = set_err(r->err, -EBADMSG, "malformed reply from the kernel");
		return NL_STOP;
	}
	ret = r->parse(tb, r->arg);
	if (ret) {
		r->parse = NULL;
		r->cb_ret = ret;
	}
	return NL_OK;
}

/* Sends msg (consumed), reads until the ack, the end of a dump or an error. */
static int run(struct kddm_nl *h, struct nl_msg *msg, int (*parse)(struct nlattr **, void *),
	       void *arg, struct kddm_err *err)
{
	struct req r = { .status = 1, .err = err, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int ret;

	set_err(err, 0, "");
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return set_err(err, -ENOMEM, "out of memory");
	}
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &r);
	ret = nl_send_auto(h->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return set_err(err, nlerr_errno(ret), nl_geterror(ret));
	}
	while (r.status > 0) {
		ret = nl_recvmsgs(h->sk, cb);
		if (ret < 0 && r.status > 0) {
			r.status = nlerr_errno(ret);
			set_err(err, r.status, "");
		}
	}
	nl_cb_put(cb);
	return r.status < 0 ? r.status : r.cb_ret;
}

static struct nl_msg *new_msg(struct kddm_nl *h, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags,
				(uint8_t)cmd, KRG_KDDM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int kddm_open(struct kddm_nl **hp, struct kddm_err *err)
{
	struct kddm_nl *h = calloc(1, sizeof(*h));
	int one = 1, ret;

	if (!h)
		return set_err(err, -ENOMEM, "out of memory");
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return set_err(err, -ENOMEM, "out of memory");
	}
	ret = genl_connect(h->sk);
	if (ret < 0) {
		ret = set_err(err, nlerr_errno(ret), nl_geterror(ret));
		goto fail;
	}
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Replies of big dumps (many sets) may exceed one page. */
	nl_socket_set_msg_buf_size(h->sk, 65536);
	h->family = genl_ctrl_resolve(h->sk, KRG_KDDM_GENL_NAME);
	if (h->family < 0) {
		ret = nlerr_errno(h->family);
		set_err(err, ret, ret == -ENOENT ? "the krg_kddm module is not loaded" :
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

void kddm_close(struct kddm_nl *h)
{
	if (h) {
		nl_socket_free(h->sk);
		free(h);
	}
}

static uint64_t attr_int(struct nlattr *a)
{
	switch (nla_len(a)) {
	case 1: return nla_get_u8(a);
	case 2: return nla_get_u16(a);
	case 4: return nla_get_u32(a);
	case 8: return nla_get_u64(a);
	default: return 0;
	}
}

static int parse_reply(struct nlattr **tb, void *arg)
{
	struct kddm_reply *r = arg;
	int i;

	for (i = 0; i <= KRG_KDDM_A_MAX; i++) {
		if (!tb[i])
			continue;
		r->has |= 1ULL << i;
		switch (i) {
		case KRG_KDDM_A_VALUE: r->value = attr_int(tb[i]); break;
		case KRG_KDDM_A_ELAPSED_NS: r->elapsed_ns = attr_int(tb[i]); break;
		case KRG_KDDM_A_EPOCH: r->epoch = attr_int(tb[i]); break;
		case KRG_KDDM_A_MSGS: r->msgs = attr_int(tb[i]); break;
		case KRG_KDDM_A_HOPS: r->hops = (uint32_t)attr_int(tb[i]); break;
		case KRG_KDDM_A_CONSISTENT: r->consistent = (uint32_t)attr_int(tb[i]); break;
		}
	}
	return 0;
}

#define PUT(expr) do { if ((expr) < 0) goto too_big; } while (0)

int kddm_op(struct kddm_nl *h, const struct kddm_op_args *a, struct kddm_reply *r,
	    struct kddm_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_KDDM_CMD_TEST_OP, 0);

	if (!msg)
		return set_err(err, -ENOMEM, "out of memory");
	memset(r, 0, sizeof(*r));
	PUT(nla_put_u32(msg, KRG_KDDM_A_SET_ID, a->set));
	PUT(nla_put_u64(msg, KRG_KDDM_A_OBJ_ID, a->obj));
	PUT(nla_put_u32(msg, KRG_KDDM_A_TEST_OP, a->op));
	if (a->give & KDDM_GIVE_VALUE)
		PUT(nla_put_u64(msg, KRG_KDDM_A_VALUE, a->value));
	if (a->give & KDDM_GIVE_COUNT)
		PUT(nla_put_u32(msg, KRG_KDDM_A_COUNT, a->count));
	if (a->give & KDDM_GIVE_NODE)
		PUT(nla_put_u32(msg, KRG_KDDM_A_NODE_ID, a->node));
	return run(h, msg, parse_reply, r, err);
too_big:
	nlmsg_free(msg);
	return set_err(err, -EMSGSIZE, "message too large");
}

int kddm_set_create(struct kddm_nl *h, uint32_t set, uint32_t obj_size, int policy,
		    int on_failure, struct kddm_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_KDDM_CMD_TEST_SET_CREATE, 0);

	if (!msg)
		return set_err(err, -ENOMEM, "out of memory");
	PUT(nla_put_u32(msg, KRG_KDDM_A_SET_ID, set));
	PUT(nla_put_u32(msg, KRG_KDDM_A_OBJ_SIZE, obj_size));
	if (policy >= 0)
		PUT(nla_put_u32(msg, KRG_KDDM_A_POLICY, (uint32_t)policy));
	if (on_failure >= 0)
		PUT(nla_put_u32(msg, KRG_KDDM_A_ON_FAILURE, (uint32_t)on_failure));
	return run(h, msg, NULL, NULL, err);
too_big:
	nlmsg_free(msg);
	return set_err(err, -EMSGSIZE, "message too large");
}

int kddm_set_destroy(struct kddm_nl *h, uint32_t set, struct kddm_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_KDDM_CMD_TEST_SET_DESTROY, 0);

	if (!msg)
		return set_err(err, -ENOMEM, "out of memory");
	PUT(nla_put_u32(msg, KRG_KDDM_A_SET_ID, set));
	return run(h, msg, NULL, NULL, err);
too_big:
	nlmsg_free(msg);
	return set_err(err, -EMSGSIZE, "message too large");
}

static void le64_array(struct nlattr *a, uint64_t *out, unsigned int n)
{
	unsigned int i, have = (unsigned int)nla_len(a) / 8;
	const uint8_t *p = nla_data(a);

	for (i = 0; i < n && i < have; i++) {
		uint64_t v = 0;
		int b;

		for (b = 7; b >= 0; b--)
			v = v << 8 | p[8 * i + (unsigned int)b];
		out[i] = v;
	}
}

struct sets_arg {
	kddm_set_cb cb;
	void *arg;
};

static int parse_set(struct nlattr **tb, void *arg)
{
	struct sets_arg *sa = arg;
	struct kddm_set_info s;
	int i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i <= KRG_KDDM_A_MAX; i++) {
		if (!tb[i])
			continue;
		s.has |= 1ULL << i;
		switch (i) {
		case KRG_KDDM_A_LINKER:
			snprintf(s.linker, sizeof(s.linker), "%.*s",
				 (int)strnlen(nla_data(tb[i]), (size_t)nla_len(tb[i])),
				 (const char *)nla_data(tb[i]));
			break;
		case KRG_KDDM_A_CHAIN_HIST:
			le64_array(tb[i], s.chain_hist, KRG_KDDM_CHAIN_HIST);
			break;
		case KRG_KDDM_A_MSGS_TX:
			le64_array(tb[i], s.msgs_tx, KRG_KDDM_MSG_TYPES);
			break;
		case KRG_KDDM_A_MSGS_RX:
			le64_array(tb[i], s.msgs_rx, KRG_KDDM_MSG_TYPES);
			break;
		default:
			s.v[i] = attr_int(tb[i]);
		}
	}
	return sa->cb(&s, sa->arg);
}

int kddm_sets(struct kddm_nl *h, bool all, uint32_t set, kddm_set_cb cb, void *arg,
	      struct kddm_err *err)
{
	struct nl_msg *msg = new_msg(h, KRG_KDDM_CMD_SET_GET, all ? NLM_F_DUMP : 0);
	struct sets_arg sa = { cb, arg };

	if (!msg)
		return set_err(err, -ENOMEM, "out of memory");
	if (!all)
		PUT(nla_put_u32(msg, KRG_KDDM_A_SET_ID, set));
	return run(h, msg, parse_set, &sa, err);
too_big:
	nlmsg_free(msg);
	return set_err(err, -EMSGSIZE, "message too large");
}

int kddm_raw(struct kddm_nl *h, int cmd, bool dump, const struct kddm_raw_attr *attrs,
	     int n, struct kddm_err *err)
{
	struct nl_msg *msg = new_msg(h, cmd, dump ? NLM_F_DUMP : 0);
	int i;

	if (!msg)
		return set_err(err, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct kddm_raw_attr *a = &attrs[i];

		switch (a->kind) {
		case RAW_U8: PUT(nla_put_u8(msg, a->type, (uint8_t)a->num)); break;
		case RAW_U16: PUT(nla_put_u16(msg, a->type, (uint16_t)a->num)); break;
		case RAW_U32: PUT(nla_put_u32(msg, a->type, (uint32_t)a->num)); break;
		case RAW_U64: PUT(nla_put_u64(msg, a->type, a->num)); break;
		case RAW_STR: PUT(nla_put_string(msg, a->type, a->data)); break;
		case RAW_FLAG: PUT(nla_put_flag(msg, a->type)); break;
		case RAW_BIN: PUT(nla_put(msg, a->type, a->len, a->data)); break;
		}
	}
	return run(h, msg, NULL, NULL, err);
too_big:
	nlmsg_free(msg);
	return set_err(err, -EMSGSIZE, "message too large");
}

static const char *const op_names[] = {
	[KRG_KDDM_TEST_NONE] = "none",
	[KRG_KDDM_TEST_READ] = "read",
	[KRG_KDDM_TEST_WRITE] = "write",
	[KRG_KDDM_TEST_INC] = "inc",
	[KRG_KDDM_TEST_INC_LOOP] = "inc_loop",
	[KRG_KDDM_TEST_READ_LOOP] = "read_loop",
	[KRG_KDDM_TEST_HOLD] = "hold",
	[KRG_KDDM_TEST_REMOVE] = "remove",
	[KRG_KDDM_TEST_FLUSH] = "flush",
	[KRG_KDDM_TEST_FIND] = "find",
	[KRG_KDDM_TEST_BENCH_GET] = "bench_get",
};

const char *kddm_op_name(uint32_t op)
{
	return op < sizeof(op_names) / sizeof(op_names[0]) && op_names[op] ? op_names[op] : "?";
}

int kddm_op_parse(const char *s)
{
	unsigned int i;
	char *end;
	unsigned long v;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (op_names[i] && !strcasecmp(s, op_names[i]))
			return (int)i;
	v = strtoul(s, &end, 0);
	return *s && !*end && v < 1000 ? (int)v : -1;
}


const char *kddm_msg_name(unsigned int type)
{
	static char buf[16];

	if (type >= KRG_KDDM_MSG_TYPES)
		return NULL;
	if (krg_kddm_msg_names[type])
		return krg_kddm_msg_names[type];
	snprintf(buf, sizeof(buf), "msg%u", type);	/* a type newer than this table */
	return buf;
}

static const char *const attr_names[KRG_KDDM_A_MAX + 1] = {
	[KRG_KDDM_A_SET_ID] = "set_id",
	[KRG_KDDM_A_LINKER] = "linker",
	[KRG_KDDM_A_OBJ_SIZE] = "obj_size",
	[KRG_KDDM_A_POLICY] = "policy",
	[KRG_KDDM_A_ON_FAILURE] = "on_failure",
	[KRG_KDDM_A_CREATOR] = "creator",
	[KRG_KDDM_A_OBJECTS] = "objects",
	[KRG_KDDM_A_OWNED] = "owned",
	[KRG_KDDM_A_READ_COPIES] = "read_copies",
	[KRG_KDDM_A_INVALID] = "invalid",
	[KRG_KDDM_A_LOST] = "lost",
	[KRG_KDDM_A_PINNED] = "pinned",
	[KRG_KDDM_A_WAITING] = "waiting",
	[KRG_KDDM_A_GETS] = "gets",
	[KRG_KDDM_A_GRABS] = "grabs",
	[KRG_KDDM_A_REMOTE_REQS] = "remote_reqs",
	[KRG_KDDM_A_FORWARDS] = "forwards",
	[KRG_KDDM_A_CHAIN_MAX] = "chain_max",
	[KRG_KDDM_A_CHAIN_HIST] = "chain_hist",
	[KRG_KDDM_A_MSGS_TX] = "msgs_tx",
	[KRG_KDDM_A_MSGS_RX] = "msgs_rx",
	[KRG_KDDM_A_UNEXPECTED] = "unexpected",
	[KRG_KDDM_A_RECOVERIES] = "recoveries",
	[KRG_KDDM_A_OBJ_ID] = "obj_id",
	[KRG_KDDM_A_TEST_OP] = "test_op",
	[KRG_KDDM_A_VALUE] = "value",
	[KRG_KDDM_A_COUNT] = "count",
	[KRG_KDDM_A_NODE_ID] = "node_id",
	[KRG_KDDM_A_HOPS] = "hops",
	[KRG_KDDM_A_ELAPSED_NS] = "elapsed_ns",
	[KRG_KDDM_A_EPOCH] = "epoch",
	[KRG_KDDM_A_CONSISTENT] = "consistent",
	[KRG_KDDM_A_MSGS] = "msgs",
};

const char *kddm_attr_name(int attr)
{
	return attr > 0 && attr <= KRG_KDDM_A_MAX ? attr_names[attr] : NULL;
}

const char *kddm_errno_name(int e)
{
	static char buf[16];

	switch (e < 0 ? -e : e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EAGAIN: return "EAGAIN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EHOSTDOWN: return "EHOSTDOWN";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ECONNRESET: return "ECONNRESET";
	case ENOTCONN: return "ENOTCONN";
	case ESHUTDOWN: return "ESHUTDOWN";
	case EMSGSIZE: return "EMSGSIZE";
	case EBADMSG: return "EBADMSG";
	case ENODEV: return "ENODEV";
	case ENOSPC: return "ENOSPC";
	case ESTALE: return "ESTALE";
	case EACCES: return "EACCES";
	case EPROTO: return "EPROTO";
	case ECANCELED: return "ECANCELED";
	}
	snprintf(buf, sizeof(buf), "E%d", e < 0 ? -e : e);
	return buf;
}

const char *kddm_err_str(const struct kddm_err *err)
{
	return err->msg[0] ? err->msg : strerror(-err->code);
}

uint64_t kddm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
