// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkrg's netlink core over libnl-genl-3: the socket, family lookup,
 * requests with NETLINK_EXT_ACK, dumps and multicast events (krg_nl.h).
 * Every family file (comm.c, kddm.c, ...) goes through here; nothing else in
 * the project speaks netlink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "krg_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Families one handle may know; more is a bug of the caller. */
#define KRG_NL_MAX_FAMILIES 8
/* Replies of big dumps (many KDDM sets) exceed a page. */
#define KRG_NL_BUF_SIZE 65536

struct krg_handle {
	struct nl_sock *sk;
	struct nl_sock *ev_sk;		/* multicast events, once subscribed */
	struct {
		const char *name;
		int id;
	} fam[KRG_NL_MAX_FAMILIES];
	int nr_fam;
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
	case NLE_INTR:		return -EINTR;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	default:		return -EIO;
	}
}

static int new_socket(struct nl_sock **skp, struct krg_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, ret;

	if (!sk)
		return krg_err_set(err, -ENOMEM, "out of memory");
	ret = genl_connect(sk);
	if (ret < 0) {
		nl_socket_free(sk);
		return krg_err_set(err, nlerr_errno(ret),
				   "cannot open a generic netlink socket: %s", nl_geterror(ret));
	}
	/* Best effort: without them errors simply come without a message. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_msg_buf_size(sk, KRG_NL_BUF_SIZE);
	/* and a message larger than that is still read whole */
	nl_socket_enable_msg_peek(sk);
	*skp = sk;
	return 0;
}

int krg_open(struct krg_handle **hp, struct krg_err *err)
{
	struct krg_handle *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return krg_err_set(err, -ENOMEM, "out of memory");
	ret = new_socket(&h->sk, err);
	if (ret) {
		free(h);
		return ret;
	}
	*hp = h;
	return 0;
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

/* The family's id, looked up once per handle. */
int krg_nl_resolve(struct krg_handle *h, const struct krg_family *fam,
		   struct krg_err *err)
{
	int i, id;

	for (i = 0; i < h->nr_fam; i++)
		if (!strcmp(h->fam[i].name, fam->name))
			return h->fam[i].id;
	id = genl_ctrl_resolve(h->sk, fam->name);
	if (id < 0) {
		if (nlerr_errno(id) == -ENOENT && fam->load_hint)
			return krg_err_set(err, -ENOENT, "the %s module is not loaded (try: %s)",
					   fam->module, fam->load_hint);
		if (nlerr_errno(id) == -ENOENT)
			return krg_err_set(err, -ENOENT,
					   "the %s module is not loaded (try: modprobe %s)",
					   fam->module, fam->module);
		return krg_err_set(err, nlerr_errno(id), "cannot resolve the %s family: %s",
				   fam->name, nl_geterror(id));
	}
	if (h->nr_fam < KRG_NL_MAX_FAMILIES) {
		h->fam[h->nr_fam].name = fam->name;
		h->fam[h->nr_fam].id = id;
		h->nr_fam++;
	}
	return id;
}

int krg_nl_msg(struct krg_handle *h, const struct krg_family *fam, uint8_t cmd,
	       int flags, struct nl_msg **msgp, struct krg_err *err)
{
	int id = krg_nl_resolve(h, fam, err);
	struct nl_msg *msg;

	if (id < 0)
		return id;
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, id, 0, flags, cmd,
				 fam->version)) {
		nlmsg_free(msg);
		return krg_err_set(err, -ENOMEM, "out of memory");
	}
	*msgp = msg;
	return 0;
}

int krg_nl_put_failed(struct nl_msg *msg, struct krg_err *err)
{
	nlmsg_free(msg);
	return krg_err_set(err, -EMSGSIZE, "netlink message too large");
}

/* ---- one request ----------------------------------------------------------- */

struct req {
	int status;			/* 1 running, 0 done, <0 -errno */
	const struct krg_family *fam;
	struct krg_err *err;
	krg_nl_parse_t parse;
	void *arg;
	int cb_ret;			/* non-zero return of the parse callback */
};

static void take_extack(struct req *r, struct nlattr *attrs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!r->err || len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		krg_nla_strcpy(tb[NLMSGERR_ATTR_MSG], r->err->msg, sizeof(r->err->msg));
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

/* End of a dump: NLMSG_DONE carries the dump's error, with its extack. */
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
	struct req *r = arg;
	int max = r->fam->maxattr, ret;
	struct nlattr *tb[max + 1];

	if (!r->parse)
		return NL_OK;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, max, r->fam->policy) < 0) {
		krg_err_set(r->err, -EBADMSG, "malformed reply from the kernel");
		r->status = -EBADMSG;
		return NL_STOP;
	}
	ret = r->parse(tb, r->arg);
	if (ret) {
		/* the caller asked to stop: keep reading to the end */
		r->parse = NULL;
		r->cb_ret = ret;
	}
	return NL_OK;
}

int krg_nl_request(struct krg_handle *h, const struct krg_family *fam,
		   struct nl_msg *msg, krg_nl_parse_t parse, void *arg,
		   struct krg_err *err)
{
	struct req r = { .status = 1, .fam = fam, .err = err, .parse = parse, .arg = arg };
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

/* ---- multicast events ------------------------------------------------------ */

int krg_nl_subscribe(struct krg_handle *h, const struct krg_family *fam,
		     const char *group, struct krg_err *err)
{
	int grp, ret;

	ret = krg_nl_resolve(h, fam, err);
	if (ret < 0)
		return ret;
	grp = genl_ctrl_resolve_grp(h->sk, fam->name, group);
	if (grp < 0)
		return krg_err_set(err, nlerr_errno(grp), "cannot resolve the %s %s group: %s",
				   fam->name, group, nl_geterror(grp));
	if (!h->ev_sk) {
		ret = new_socket(&h->ev_sk, err);
		if (ret)
			return ret;
		nl_socket_set_nonblocking(h->ev_sk);
	}
	ret = nl_socket_add_membership(h->ev_sk, grp);
	if (ret < 0)
		return krg_err_set(err, nlerr_errno(ret), "cannot subscribe to %s %s: %s",
				   fam->name, group, nl_geterror(ret));
	return 0;
}

int krg_events_fd(struct krg_handle *h)
{
	return h->ev_sk ? nl_socket_get_fd(h->ev_sk) : -1;
}

struct event_walk {
	const struct krg_family *fam;
	int id;
	krg_nl_event_t cb;
	void *arg;
	int ret;
};

/* Notifications carry sequence number 0. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct event_walk *w = arg;
	struct nlattr *tb[w->fam->maxattr + 1];

	if (nlh->nlmsg_type != w->id || w->ret || !genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, w->fam->maxattr, w->fam->policy) < 0)
		return NL_SKIP;
	w->ret = w->cb(((struct genlmsghdr *)nlmsg_data(nlh))->cmd, tb, w->arg);
	return NL_OK;
}

int krg_nl_events_recv(struct krg_handle *h, const struct krg_family *fam,
		       krg_nl_event_t cb, void *arg, struct krg_err *err)
{
	struct event_walk w = { fam, 0, cb, arg, 0 };
	struct nl_cb *nlcb;
	int ret;

	if (!h->ev_sk)
		return krg_err_set(err, -EINVAL, "not subscribed to events");
	w.id = krg_nl_resolve(h, fam, err);
	if (w.id < 0)
		return w.id;
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb)
		return krg_err_set(err, -ENOMEM, "out of memory");
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &w);
	nl_cb_set(nlcb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	ret = nl_recvmsgs(h->ev_sk, nlcb);
	nl_cb_put(nlcb);
	if (ret < 0 && ret != -NLE_AGAIN)
		return krg_err_set(err, nlerr_errno(ret), "cannot receive events: %s",
				   nl_geterror(ret));
	return w.ret;
}

/* ---- reading attributes ---------------------------------------------------- */

uint64_t krg_nla_uint(const struct nlattr *a)
{
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	switch (nla_len(a)) {
	case 1:
		return *(const uint8_t *)nla_data(a);
	case 2:
		memcpy(&v16, nla_data(a), 2);
		return v16;
	case 4:
		memcpy(&v32, nla_data(a), 4);
		return v32;
	case 8:
		memcpy(&v64, nla_data(a), 8);
		return v64;
	}
	return 0;
}

uint64_t krg_nla_uint_or(struct nlattr **tb, int type, uint64_t def)
{
	return tb[type] ? krg_nla_uint(tb[type]) : def;
}

void krg_nla_le64s(const struct nlattr *a, uint64_t *out, unsigned int n)
{
	unsigned int i, have = (unsigned int)nla_len(a) / 8;
	const uint8_t *p = nla_data(a);
	int b;

	for (i = 0; i < n && i < have; i++)
		for (out[i] = 0, b = 7; b >= 0; b--)
			out[i] = out[i] << 8 | p[8 * i + (unsigned int)b];
}

void krg_nla_strcpy(const struct nlattr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strnlen(nla_data(a), (size_t)nla_len(a)),
		 (const char *)nla_data(a));
}
