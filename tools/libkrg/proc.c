// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_proc" generic netlink family over libnl-genl-3: the cluster
 * environment's status, the cluster process list, Kerrighed capabilities,
 * node defaults and the leave check; and where krgd's pid file says krgd
 * runs.
 *
 * A request goes out with NLM_F_ACK; transact() reads the replies itself
 * (nl_recv) up to the ack or the end of the dump and turns an error into
 * -errno plus the kernel's extack message in struct krg_err.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "krg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct krg_proc {
	struct nl_sock *sk;
	int family;
};

/* Sizes are checked where binary attributes are read. */
static struct nla_policy policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_ENV_STATE]		= { .type = NLA_U32 },
	[KRG_PROC_A_NODE_ID]		= { .type = NLA_U32 },
	[KRG_PROC_A_PID_MIN]		= { .type = NLA_U32 },
	[KRG_PROC_A_PID_MAX]		= { .type = NLA_U32 },
	[KRG_PROC_A_INIT_PID]		= { .type = NLA_U32 },
	[KRG_PROC_A_NR_LOCAL]		= { .type = NLA_U32 },
	[KRG_PROC_A_PID]		= { .type = NLA_U32 },
	[KRG_PROC_A_PPID]		= { .type = NLA_U32 },
	[KRG_PROC_A_PGID]		= { .type = NLA_U32 },
	[KRG_PROC_A_SID]		= { .type = NLA_U32 },
	[KRG_PROC_A_NODE]		= { .type = NLA_U32 },
	[KRG_PROC_A_UID]		= { .type = NLA_U32 },
	[KRG_PROC_A_GID]		= { .type = NLA_U32 },
	[KRG_PROC_A_STATE]		= { .type = NLA_U8 },
	[KRG_PROC_A_NR_THREADS]		= { .type = NLA_U32 },
	[KRG_PROC_A_CPU_TIME_NS]	= { .type = NLA_U64 },
	[KRG_PROC_A_START_TIME_NS]	= { .type = NLA_U64 },
	[KRG_PROC_A_RSS_KB]		= { .type = NLA_U64 },
	[KRG_PROC_A_KILL]		= { .type = NLA_FLAG },
};

typedef int (*parse_fn)(struct nlattr **tb, void *arg);

/* The kernel's extack message (or the missing attribute) into err. */
static void extack(struct nlattr *attrs, int len, struct krg_err *err)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *m;

	if (!err || len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	m = tb[NLMSGERR_ATTR_MSG];
	if (m && nla_len(m) > 0)
		snprintf(err->msg, sizeof(err->msg), "%.*s",
			 (int)strnlen(nla_data(m), (size_t)nla_len(m)), (const char *)nla_data(m));
	else if (tb[NLMSGERR_ATTR_MISS_TYPE] && nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		snprintf(err->msg, sizeof(err->msg), "missing attribute %u",
			 nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
}

/* NLMSG_ERROR (ack or error) or NLMSG_DONE: 0 or -errno, message in err. */
static int final_status(struct nlmsghdr *nlh, struct krg_err *err)
{
	size_t hdr = nlh->nlmsg_type == NLMSG_ERROR ? sizeof(struct nlmsgerr) : sizeof(int);
	int error;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + hdr)
		return krg_err_set(err, -EBADMSG, "truncated netlink reply");
	memcpy(&error, nlmsg_data(nlh), sizeof(int));
	if (error >= 0)
		return 0;
	krg_err_set(err, error, "%s", "");
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return error;
	/* NETLINK_CAP_ACK: an error carries only the request's header */
	if (nlh->nlmsg_type == NLMSG_ERROR && !(nlh->nlmsg_flags & NLM_F_CAPPED))
		hdr += ((struct nlmsgerr *)nlmsg_data(nlh))->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len > NLMSG_HDRLEN + hdr)
		extack((struct nlattr *)((char *)nlmsg_data(nlh) + hdr),
		       (int)(nlh->nlmsg_len - NLMSG_HDRLEN - hdr), err);
	return error;
}

/* Sends msg (consumed), feeds every reply of ours to parse until the final
 * ack or NLMSG_DONE.  Returns 0, -errno, or the first non-zero parse result.
 */
static int transact(struct krg_proc *h, struct nl_msg *msg, parse_fn parse, void *arg,
		    struct krg_err *err)
{
	struct nlattr *tb[KRG_PROC_A_MAX + 1];
	struct sockaddr_nl peer;
	struct nlmsghdr *nlh;
	unsigned char *buf;
	uint32_t seq;
	int n, ret = 1, cb_ret = 0;

	if (err)
		krg_err_set(err, 0, "%s", "");
	n = nl_send_auto(h->sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (n < 0)
		return krg_err_set(err, -EIO, "cannot send to the kernel: %s", nl_geterror(n));
	while (ret > 0) {
		n = nl_recv(h->sk, &peer, &buf, NULL);
		if (n == -NLE_INTR || n == -NLE_AGAIN)
			continue;
		if (n <= 0)
			return krg_err_set(err, -EIO, "cannot read the kernel's reply: %s",
					   n ? nl_geterror(n) : "end of file");
		for (nlh = (struct nlmsghdr *)buf; ret > 0 && nlmsg_ok(nlh, n);
		     nlh = nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
				ret = final_status(nlh, err);
			} else if (nlh->nlmsg_type == h->family && parse && !cb_ret) {
				if (genlmsg_parse(nlh, 0, tb, KRG_PROC_A_MAX, policy) < 0)
					ret = krg_err_set(err, -EBADMSG,
							  "malformed reply from the kernel");
				else
					cb_ret = parse(tb, arg);
			}
		}
		free(buf);
	}
	return ret < 0 ? ret : cb_ret;
}

static struct nl_msg *request(struct krg_proc *h, uint8_t cmd, int flags, struct krg_err *err)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0,
			       flags | NLM_F_ACK, cmd, KRG_PROC_GENL_VERSION))
		return msg;
	nlmsg_free(msg);
	krg_err_set(err, -ENOMEM, "out of memory");
	return NULL;
}

static int too_large(struct nl_msg *msg, struct krg_err *err)
{
	nlmsg_free(msg);
	return krg_err_set(err, -EMSGSIZE, "netlink message too large");
}

int krg_proc_open(struct krg_proc **hp, struct krg_err *err)
{
	struct krg_proc *h = calloc(1, sizeof(*h));
	int one = 1, ret;

	if (h)
		h->sk = nl_socket_alloc();
	if (!h || !h->sk) {
		free(h);
		return krg_err_set(err, -ENOMEM, "out of memory");
	}
	ret = genl_connect(h->sk);
	if (ret < 0) {
		ret = krg_err_set(err, -EIO, "cannot open a generic netlink socket: %s",
				  nl_geterror(ret));
		goto fail;
	}
	/* Best effort: without them errors simply come without a message. */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* dumps come in multi-message buffers of any size */
	nl_socket_enable_msg_peek(h->sk);
	h->family = genl_ctrl_resolve(h->sk, KRG_PROC_GENL_NAME);
	if (h->family < 0) {
		ret = h->family == -NLE_OBJ_NOTFOUND ?
			krg_err_set(err, -ENOENT, "the krg_proc module is not loaded (%s)",
				    "try: krgadm node start") :
			krg_err_set(err, -EIO, "cannot resolve the krg_proc family: %s",
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

void krg_proc_close(struct krg_proc *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);
	free(h);
}

static uint32_t u32_of(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static uint64_t u64_of(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

/* A struct krg_caps attribute; -EBADMSG if it has another size. */
static int caps_of(struct nlattr *a, struct krg_caps *caps)
{
	if (!a || nla_len(a) != (int)sizeof(*caps))
		return -EBADMSG;
	memcpy(caps, nla_data(a), sizeof(*caps));
	return 0;
}

static int parse_status(struct nlattr **tb, void *arg)
{
	struct krg_proc_status *st = arg;

	st->env_state = (int)u32_of(tb, KRG_PROC_A_ENV_STATE);
	st->node_id = u32_of(tb, KRG_PROC_A_NODE_ID);
	st->pid_min = u32_of(tb, KRG_PROC_A_PID_MIN);
	st->pid_max = u32_of(tb, KRG_PROC_A_PID_MAX);
	st->init_pid = u32_of(tb, KRG_PROC_A_INIT_PID);
	st->nr_local = u32_of(tb, KRG_PROC_A_NR_LOCAL);
	if (tb[KRG_PROC_A_DEFAULT_CAPS])
		return caps_of(tb[KRG_PROC_A_DEFAULT_CAPS], &st->default_caps);
	return 0;
}

int krg_proc_status(struct krg_proc *h, struct krg_proc_status *st, struct krg_err *err)
{
	struct nl_msg *msg = request(h, KRG_PROC_CMD_STATUS, 0, err);
	int ret;

	memset(st, 0, sizeof(*st));
	if (!msg)
		return -ENOMEM;
	ret = transact(h, msg, parse_status, st, err);
	if (ret == -EBADMSG && !(err && err->msg[0]))
		krg_err_set(err, ret, "malformed default capabilities in the kernel's reply");
	return ret;
}

struct ps_walk {
	krg_proc_cb cb;
	void *arg;
	struct krg_proc_info p;
};

static int parse_proc(struct nlattr **tb, void *arg)
{
	struct ps_walk *w = arg;
	struct krg_proc_info *p = &w->p;
	struct nlattr *a;

	if (!tb[KRG_PROC_A_PID])
		return 0;
	memset(p, 0, sizeof(*p));
	p->pid = u32_of(tb, KRG_PROC_A_PID);
	p->ppid = u32_of(tb, KRG_PROC_A_PPID);
	p->pgid = u32_of(tb, KRG_PROC_A_PGID);
	p->sid = u32_of(tb, KRG_PROC_A_SID);
	p->node = u32_of(tb, KRG_PROC_A_NODE);
	p->uid = u32_of(tb, KRG_PROC_A_UID);
	p->gid = u32_of(tb, KRG_PROC_A_GID);
	p->state = tb[KRG_PROC_A_STATE] ? (char)nla_get_u8(tb[KRG_PROC_A_STATE]) : '?';
	if (p->state < 'A' || p->state > 'z')
		p->state = '?';
	p->nr_threads = u32_of(tb, KRG_PROC_A_NR_THREADS);
	p->cpu_time_ns = u64_of(tb, KRG_PROC_A_CPU_TIME_NS);
	p->start_time_ns = u64_of(tb, KRG_PROC_A_START_TIME_NS);
	p->rss_kb = u64_of(tb, KRG_PROC_A_RSS_KB);
	a = tb[KRG_PROC_A_COMM];
	if (a)
		snprintf(p->comm, sizeof(p->comm), "%.*s",
			 (int)strnlen(nla_data(a), (size_t)nla_len(a)), (const char *)nla_data(a));
	a = tb[KRG_PROC_A_CMDLINE];
	if (a) {
		p->cmdline_len = (size_t)nla_len(a);
		if (p->cmdline_len > KRG_PROC_CMDLINE_MAX)
			p->cmdline_len = KRG_PROC_CMDLINE_MAX;
		memcpy(p->cmdline, nla_data(a), p->cmdline_len);
	}
	return w->cb(p, w->arg);
}

static int put_nodeset(struct nl_msg *msg, const struct krg_nodeset *set)
{
	uint8_t bits[KRG_MAX_NODES / 8] = { 0 };
	unsigned int id;

	krg_nodeset_for_each(id, set)
		bits[id / 8] |= (uint8_t)(1U << (id % 8));
	return nla_put(msg, KRG_PROC_A_NODE_SET, sizeof(bits), bits);
}

int krg_proc_ps(struct krg_proc *h, const struct krg_ps_filter *filter,
		krg_proc_cb cb, void *arg, struct krg_err *err)
{
	struct nl_msg *msg;
	struct ps_walk *w;
	int ret;

	if (filter && filter->nodes && !krg_nodeset_count(filter->nodes))
		return krg_err_set(err, -EINVAL, "empty node list");
	msg = request(h, KRG_PROC_CMD_PS, NLM_F_DUMP, err);
	if (!msg)
		return -ENOMEM;
	if (filter && ((filter->nodes && put_nodeset(msg, filter->nodes)) ||
		       (filter->by_uid && nla_put_u32(msg, KRG_PROC_A_UID, filter->uid))))
		return too_large(msg, err);
	w = malloc(sizeof(*w));
	if (!w) {
		nlmsg_free(msg);
		return krg_err_set(err, -ENOMEM, "out of memory");
	}
	w->cb = cb;
	w->arg = arg;
	ret = transact(h, msg, parse_proc, w, err);
	free(w);
	return ret;
}

struct caps_reply {
	struct krg_caps *caps;
	int ret;			/* -EBADMSG until a valid CAPS came */
};

static int parse_caps(struct nlattr **tb, void *arg)
{
	struct caps_reply *r = arg;

	r->ret = caps_of(tb[KRG_PROC_A_CAPS], r->caps);
	return 0;
}

int krg_proc_caps_get(struct krg_proc *h, uint32_t pid, struct krg_caps *caps,
		      struct krg_err *err)
{
	struct nl_msg *msg = request(h, KRG_PROC_CMD_CAPS_GET, 0, err);
	struct caps_reply r = { caps, -EBADMSG };
	int ret;

	if (!msg)
		return -ENOMEM;
	if (pid && nla_put_u32(msg, KRG_PROC_A_PID, pid))
		return too_large(msg, err);
	ret = transact(h, msg, parse_caps, &r, err);
	if (!ret && r.ret)
		ret = krg_err_set(err, r.ret, "the kernel's reply has no valid capabilities");
	return ret;
}

static int put_caps(struct nl_msg *msg, int attr, const struct krg_caps *caps)
{
	return nla_put(msg, attr, sizeof(*caps), caps);
}

int krg_proc_caps_set(struct krg_proc *h, uint32_t pid, const struct krg_caps *caps,
		      struct krg_err *err)
{
	struct nl_msg *msg = request(h, KRG_PROC_CMD_CAPS_SET, 0, err);

	if (!msg)
		return -ENOMEM;
	if ((pid && nla_put_u32(msg, KRG_PROC_A_PID, pid)) ||
	    put_caps(msg, KRG_PROC_A_CAPS, caps))
		return too_large(msg, err);
	return transact(h, msg, NULL, NULL, err);
}

int krg_proc_config_set(struct krg_proc *h, const struct krg_caps *default_caps,
			struct krg_err *err)
{
	struct nl_msg *msg = request(h, KRG_PROC_CMD_CONFIG_SET, 0, err);

	if (!msg)
		return -ENOMEM;
	if (put_caps(msg, KRG_PROC_A_DEFAULT_CAPS, default_caps))
		return too_large(msg, err);
	return transact(h, msg, NULL, NULL, err);
}

int krg_proc_leave_check(struct krg_proc *h, const struct krg_nodeset *set,
			 bool kill, struct krg_err *err)
{
	struct nl_msg *msg;

	if (!krg_nodeset_count(set))
		return krg_err_set(err, -EINVAL, "empty node list");
	msg = request(h, KRG_PROC_CMD_LEAVE_CHECK, 0, err);
	if (!msg)
		return -ENOMEM;
	if (put_nodeset(msg, set) || (kill && nla_put_flag(msg, KRG_PROC_A_KILL)))
		return too_large(msg, err);
	return transact(h, msg, NULL, NULL, err);
}

const char *krg_env_state_name(int state)
{
	switch (state) {
	case KRG_PROC_ENV_NONE:		return "none";
	case KRG_PROC_ENV_READY:	return "ready";
	default:			return "unknown";
	}
}

int krg_krgd_pid(void)
{
	char buf[32];
	ssize_t n;
	long pid;
	int fd, ret;

	fd = open(KRGD_PID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* krgd holds an exclusive lock for its whole life */
	if (!flock(fd, LOCK_SH | LOCK_NB)) {
		close(fd);
		return 0;
	}
	ret = errno == EWOULDBLOCK ? 0 : -errno;
	n = ret ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (ret)
		return ret;
	if (n <= 0)
		return -EAGAIN;	/* locked, pid not written yet */
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid < (1L << 22) ? (int)pid : -EBADMSG;
}
