// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_proc" generic netlink family (include/uapi/linux/krg_proc.h) over
 * libkrg's core (krg_nl.h): the cluster environment's status, the cluster
 * process list, Kerrighed capabilities, node defaults, the leave check and
 * migration; and where krgd's pid file says krgd runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "krg_nl.h"

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

static const struct krg_family proc_family = {
	.name = KRG_PROC_GENL_NAME,
	.version = KRG_PROC_GENL_VERSION,
	.maxattr = KRG_PROC_A_MAX,
	.policy = policy,
	.module = "krg_proc",
	.load_hint = "krgadm node start",
};

int krg_proc_open(struct krg_handle **hp, struct krg_err *err)
{
	int ret = krg_open(hp, err);

	if (!ret) {
		ret = krg_nl_resolve(*hp, &proc_family, err);
		if (ret < 0) {
			krg_close(*hp);
			*hp = NULL;
			return ret;
		}
	}
	return ret < 0 ? ret : 0;
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

int krg_proc_status(struct krg_handle *h, struct krg_proc_status *st, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_STATUS, 0, &msg, err);

	memset(st, 0, sizeof(*st));
	if (ret)
		return ret;
	ret = krg_nl_request(h, &proc_family, msg, parse_status, st, err);
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
		krg_nla_strcpy(a, p->comm, sizeof(p->comm));
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
	uint8_t bits[KRG_COMM_NODE_SET_LEN];

	krg_nodeset_to_bytes(set, bits);
	return nla_put(msg, KRG_PROC_A_NODE_SET, sizeof(bits), bits);
}

int krg_proc_ps(struct krg_handle *h, const struct krg_ps_filter *filter,
		krg_proc_cb cb, void *arg, struct krg_err *err)
{
	struct nl_msg *msg;
	struct ps_walk *w;
	int ret;

	if (filter && filter->nodes && !krg_nodeset_count(filter->nodes))
		return krg_err_set(err, -EINVAL, "empty node list");
	ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_PS, NLM_F_DUMP, &msg, err);
	if (ret)
		return ret;
	if (filter && ((filter->nodes && put_nodeset(msg, filter->nodes)) ||
		       (filter->by_uid && nla_put_u32(msg, KRG_PROC_A_UID, filter->uid))))
		return krg_nl_put_failed(msg, err);
	w = malloc(sizeof(*w));
	if (!w) {
		nlmsg_free(msg);
		return krg_err_set(err, -ENOMEM, "out of memory");
	}
	w->cb = cb;
	w->arg = arg;
	ret = krg_nl_request(h, &proc_family, msg, parse_proc, w, err);
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

int krg_proc_caps_get(struct krg_handle *h, uint32_t pid, struct krg_caps *caps,
		      struct krg_err *err)
{
	struct nl_msg *msg;
	struct caps_reply r = { caps, -EBADMSG };
	int ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_CAPS_GET, 0, &msg, err);

	if (ret)
		return ret;
	if (pid && nla_put_u32(msg, KRG_PROC_A_PID, pid))
		return krg_nl_put_failed(msg, err);
	ret = krg_nl_request(h, &proc_family, msg, parse_caps, &r, err);
	if (!ret && r.ret)
		ret = krg_err_set(err, r.ret, "the kernel's reply has no valid capabilities");
	return ret;
}

static int put_caps(struct nl_msg *msg, int attr, const struct krg_caps *caps)
{
	return nla_put(msg, attr, sizeof(*caps), caps);
}

int krg_proc_caps_set(struct krg_handle *h, uint32_t pid, const struct krg_caps *caps,
		      struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_CAPS_SET, 0, &msg, err);

	if (ret)
		return ret;
	if ((pid && nla_put_u32(msg, KRG_PROC_A_PID, pid)) ||
	    put_caps(msg, KRG_PROC_A_CAPS, caps))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &proc_family, msg, NULL, NULL, err);
}

int krg_proc_config_set(struct krg_handle *h, const struct krg_caps *default_caps,
			struct krg_err *err)
{
	struct nl_msg *msg;
	int ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_CONFIG_SET, 0, &msg, err);

	if (ret)
		return ret;
	if (put_caps(msg, KRG_PROC_A_DEFAULT_CAPS, default_caps))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &proc_family, msg, NULL, NULL, err);
}

int krg_proc_leave_check(struct krg_handle *h, const struct krg_nodeset *set,
			 bool kill, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret;

	if (!krg_nodeset_count(set))
		return krg_err_set(err, -EINVAL, "empty node list");
	ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_LEAVE_CHECK, 0, &msg, err);
	if (ret)
		return ret;
	if (put_nodeset(msg, set) || (kill && nla_put_flag(msg, KRG_PROC_A_KILL)))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &proc_family, msg, NULL, NULL, err);
}

struct migrate_reply {
	uint32_t pid, node;
	bool seen;
};

static int parse_migrate(struct nlattr **tb, void *arg)
{
	struct migrate_reply *r = arg;

	if (!tb[KRG_PROC_A_PID] || !tb[KRG_PROC_A_NODE])
		return 0;
	r->pid = nla_get_u32(tb[KRG_PROC_A_PID]);
	r->node = nla_get_u32(tb[KRG_PROC_A_NODE]);
	r->seen = true;
	return 0;
}

int krg_proc_migrate(struct krg_handle *h, uint32_t pid, uint32_t node, uint32_t *now_node,
		     struct krg_err *err)
{
	struct migrate_reply r = { 0, 0, false };
	struct nl_msg *msg;
	int ret;

	if (!pid || pid >= KRG_PID_SPACE)
		return krg_err_set(err, -EINVAL, "invalid PID %u (1-%u)", pid, KRG_PID_SPACE - 1);
	if (node >= KRG_MAX_NODES)
		return krg_err_set(err, -EINVAL, "invalid node %u (0-%u)", node, KRG_MAX_NODES - 1);
	ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_MIGRATE, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_PROC_A_PID, pid) || nla_put_u32(msg, KRG_PROC_A_NODE, node))
		return krg_nl_put_failed(msg, err);
	ret = krg_nl_request(h, &proc_family, msg, parse_migrate, &r, err);
	if (ret)
		return ret;
	if (!r.seen || r.pid != pid)
		return krg_err_set(err, -EBADMSG, "the kernel's reply to the migration of %u %s",
				   pid, "does not name the process and its node");
	if (now_node)
		*now_node = r.node;
	return 0;
}

int krg_migrate(pid_t pid, int node)
{
	struct krg_handle *h;
	int ret;

	if (pid <= 0 || node < 0)
		return -EINVAL;
	ret = krg_proc_open(&h, NULL);
	if (ret)
		return ret;
	ret = krg_proc_migrate(h, (uint32_t)pid, (uint32_t)node, NULL, NULL);
	krg_close(h);
	return ret;
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
