// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "krg_proc" (include/uapi/linux/krg_proc.h,
 * Documentation/netlink/krg_proc.yaml): the environment's status, krg ps,
 * krg caps, node defaults and the check before nodes leave.  PIDs in
 * requests are cluster PIDs whatever namespace the caller runs in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <krg/krg_genl.h>

#include "krg_comm/krg_comm.h"
#include "caps.h"
#include "env.h"
#include "leave.h"
#include "migrate.h"
#include "netlink.h"
#include "rpc.h"
#include "task_table.h"

static struct genl_family krgp_nl_family;

static struct netlink_range_validation krgp_pid_range_nl = {
	.min = 0, .max = PID_MAX_LIMIT - 1,
};

/* Each command takes exactly its attributes (strict: others are refused). */
static const struct nla_policy krgp_status_policy[KRG_PROC_A_MAX + 1] = {
};

static const struct nla_policy krgp_ps_policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_NODE_SET] = NLA_POLICY_RANGE(NLA_BINARY, 1, KRG_MAX_NODES / 8),
	[KRG_PROC_A_UID] = { .type = NLA_U32 },
};

static const struct nla_policy krgp_caps_get_policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, &krgp_pid_range_nl),
};

static const struct nla_policy krgp_caps_policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, &krgp_pid_range_nl),
	[KRG_PROC_A_CAPS] = NLA_POLICY_EXACT_LEN(sizeof(struct krg_caps)),
};

static const struct nla_policy krgp_config_policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_DEFAULT_CAPS] = NLA_POLICY_EXACT_LEN(sizeof(struct krg_caps)),
};

static const struct nla_policy krgp_leave_policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_NODE_SET] = NLA_POLICY_RANGE(NLA_BINARY, 1, KRG_MAX_NODES / 8),
	[KRG_PROC_A_KILL] = { .type = NLA_FLAG },
};

static const struct nla_policy krgp_migrate_policy[KRG_PROC_A_MAX + 1] = {
	[KRG_PROC_A_PID] = { .type = NLA_U32 },
	[KRG_PROC_A_NODE] = { .type = NLA_U32 },
};

static int krgp_nl_fill_status(struct sk_buff *skb, void *arg)
{
	struct krgp_env *env = arg;
	int self = krg_comm_self();
	struct krg_caps caps;

	krgp_caps_get_default(&caps);
	if (nla_put_u32(skb, KRG_PROC_A_ENV_STATE,
			env ? KRG_PROC_ENV_READY : KRG_PROC_ENV_NONE) ||
	    (self >= 0 && nla_put_u32(skb, KRG_PROC_A_NODE_ID, self)) ||
	    nla_put(skb, KRG_PROC_A_DEFAULT_CAPS, sizeof(caps), &caps) ||
	    (env && (nla_put_u32(skb, KRG_PROC_A_PID_MIN, krgp_pid_lo) ||
		     nla_put_u32(skb, KRG_PROC_A_PID_MAX, krgp_pid_hi) ||
		     nla_put_u32(skb, KRG_PROC_A_INIT_PID,
				 krgp_env_init_pid(task_active_pid_ns(current))) ||
		     nla_put_u32(skb, KRG_PROC_A_NR_LOCAL, krgp_env_nr_local()))))
		return -EMSGSIZE;
	return 0;
}

static int krgp_nl_status(struct sk_buff *skb_in, struct genl_info *info)
{
	struct krgp_env *env = krgp_env_get();
	int ret = krg_genl_reply(info, &krgp_nl_family, krgp_nl_fill_status, env);

	krgp_env_put(env);
	return ret;
}

/* ---- PS dump: one round of messages in start, records in dumpit ---------------- */

static int krgp_nl_ps_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct nlattr **attrs = di->attrs;
	struct nlattr *ns = attrs[KRG_PROC_A_NODE_SET];
	struct krgp_ps_set *set;
	krg_nodemask_t nodes;

	/* The policy bounds the length: the conversion cannot fail. */
	if (ns)
		krg_nodemask_from_bytes(&nodes, nla_data(ns), nla_len(ns));
	set = krgp_ps_gather(ns ? &nodes : NULL, attrs[KRG_PROC_A_UID],
			     attrs[KRG_PROC_A_UID] ?
			     nla_get_u32(attrs[KRG_PROC_A_UID]) : 0);
	if (IS_ERR(set)) {
		NL_SET_ERR_MSG(cb->extack, "could not ask the nodes");
		return PTR_ERR(set);
	}
	cb->args[0] = (long)set;
	return 0;
}

static int krgp_nl_ps_done(struct netlink_callback *cb)
{
	krgp_ps_free((struct krgp_ps_set *)cb->args[0]);
	return 0;
}

static int krgp_nl_put_rec(struct sk_buff *skb, u32 node,
			   const struct krgp_ps_rec *rec)
{
	char comm[sizeof(rec->comm)];

	strscpy(comm, rec->comm, sizeof(comm));
	if (nla_put_u32(skb, KRG_PROC_A_PID, le32_to_cpu(rec->pid)) ||
	    nla_put_u32(skb, KRG_PROC_A_PPID, le32_to_cpu(rec->ppid)) ||
	    nla_put_u32(skb, KRG_PROC_A_PGID, le32_to_cpu(rec->pgid)) ||
	    nla_put_u32(skb, KRG_PROC_A_SID, le32_to_cpu(rec->sid)) ||
	    nla_put_u32(skb, KRG_PROC_A_NODE, node) ||
	    nla_put_u32(skb, KRG_PROC_A_UID, le32_to_cpu(rec->uid)) ||
	    nla_put_u32(skb, KRG_PROC_A_GID, le32_to_cpu(rec->gid)) ||
	    nla_put_u8(skb, KRG_PROC_A_STATE, rec->state) ||
	    nla_put_u32(skb, KRG_PROC_A_NR_THREADS,
			le32_to_cpu(rec->nr_threads)) ||
	    nla_put_u64_64bit(skb, KRG_PROC_A_CPU_TIME_NS,
			      le64_to_cpu(rec->cpu_time_ns), KRG_PROC_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_PROC_A_START_TIME_NS,
			      le64_to_cpu(rec->start_time_ns), KRG_PROC_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_PROC_A_RSS_KB, le64_to_cpu(rec->rss_kb),
			      KRG_PROC_A_PAD) ||
	    nla_put_string(skb, KRG_PROC_A_COMM, comm) ||
	    nla_put(skb, KRG_PROC_A_CMDLINE, le16_to_cpu(rec->cmdline_len),
		    rec + 1))
		return -EMSGSIZE;
	return 0;
}

/* One record of a PS dump, as krg_genl_dump_one() fills it. */
struct krgp_nl_rec {
	u32 node;
	const struct krgp_ps_rec *rec;
};

static int krgp_nl_fill_rec(struct sk_buff *skb, void *arg)
{
	struct krgp_nl_rec *r = arg;

	return krgp_nl_put_rec(skb, r->node, r->rec);
}

/* cb->args: [0] the set, [1] node index, [2] offset in its records. */
static int krgp_nl_ps_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct krgp_ps_set *set = (struct krgp_ps_set *)cb->args[0];
	const struct krgp_ps_rec *rec;
	struct krgp_ps_node *n;
	size_t off, next;

	for (; cb->args[1] < set->nr_nodes; cb->args[1]++, cb->args[2] = 0) {
		n = &set->nodes[cb->args[1]];
		for (off = cb->args[2]; (next = off, rec = krgp_ps_next(n, &next));
		     off = next) {
			struct krgp_nl_rec r = { n->node, rec };

			if (krg_genl_dump_one(skb, cb, &krgp_nl_family,
					      krgp_nl_fill_rec, &r))
				goto full;
			cb->args[2] = next;
		}
	}
	return skb->len;
full:
	cb->args[2] = off;
	return skb->len;
}

/* ---- capabilities ------------------------------------------------------------- */

/* The PID asked, or the caller's own (it must then be a cluster process). */
static int krgp_nl_pid(struct genl_info *info, pid_t *pid)
{
	struct pid_namespace *ns;

	if (info->attrs[KRG_PROC_A_PID] &&
	    nla_get_u32(info->attrs[KRG_PROC_A_PID])) {
		*pid = nla_get_u32(info->attrs[KRG_PROC_A_PID]);
		return 0;
	}
	rcu_read_lock();
	ns = krgp_env_ns_rcu();
	*pid = ns ? task_tgid_nr_ns(current, ns) : 0;
	rcu_read_unlock();
	if (*pid > 1)
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "the caller is not a cluster process: name one with PID");
	return -EINVAL;
}

struct krgp_nl_caps {
	pid_t pid;
	struct krg_caps caps;
};

static int krgp_nl_fill_caps(struct sk_buff *skb, void *arg)
{
	struct krgp_nl_caps *c = arg;

	if (nla_put_u32(skb, KRG_PROC_A_PID, c->pid) ||
	    nla_put(skb, KRG_PROC_A_CAPS, sizeof(c->caps), &c->caps))
		return -EMSGSIZE;
	return 0;
}

static int krgp_nl_caps_get(struct sk_buff *skb_in, struct genl_info *info)
{
	struct krgp_wire_cred who;
	struct krgp_nl_caps c;
	int ret = krgp_nl_pid(info, &c.pid);

	if (ret)
		return ret;
	krgp_cred_pack(&who);
	ret = krgp_caps_get(c.pid, &who, &c.caps);
	if (ret == -ESRCH)
		NL_SET_ERR_MSG_FMT(info->extack, "no cluster process %d", c.pid);
	else if (ret == -EPERM)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "process %d belongs to another user", c.pid);
	if (ret)
		return ret;
	return krg_genl_reply(info, &krgp_nl_family, krgp_nl_fill_caps, &c);
}

static int krgp_nl_caps_set(struct sk_buff *skb, struct genl_info *info)
{
	struct krgp_wire_cred who;
	struct krg_caps caps;
	pid_t pid;
	int ret;

	if (krg_genl_missing(info, KRG_PROC_A_CAPS, "caps"))
		return -EINVAL;
	ret = krgp_nl_pid(info, &pid);
	if (ret)
		return ret;
	nla_memcpy(&caps, info->attrs[KRG_PROC_A_CAPS], sizeof(caps));
	krgp_cred_pack(&who);
	ret = krgp_caps_set(pid, &who, &caps);
	switch (ret) {
	case 0:
		break;
	case -ESRCH:
		NL_SET_ERR_MSG_FMT(info->extack, "no cluster process %d", pid);
		break;
	case -ENOSYS:
		NL_SET_ERR_MSG(info->extack, "unknown capability bits");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(info->extack,
			       "effective and inheritable sets must be within permitted, inheritable-effective within inheritable-permitted");
		break;
	case -EPERM:
		NL_SET_ERR_MSG_FMT(info->extack,
				   "not allowed: process %d is another user's or lacks CHANGE_KERRIGHED_CAP",
				   pid);
		break;
	case -ENOMEM:
		NL_SET_ERR_MSG(info->extack,
			       "the process has no capability record (allocation failed at its fork)");
		break;
	}
	return ret;
}

/* ---- administration ------------------------------------------------------------ */

static int krgp_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct krg_caps caps;
	int ret;

	if (krg_genl_missing(info, KRG_PROC_A_DEFAULT_CAPS, "default-caps"))
		return -EINVAL;
	nla_memcpy(&caps, info->attrs[KRG_PROC_A_DEFAULT_CAPS], sizeof(caps));
	ret = krgp_caps_set_default(&caps);
	if (ret == -ENOSYS)
		NL_SET_ERR_MSG(info->extack, "unknown capability bits");
	else if (ret)
		NL_SET_ERR_MSG(info->extack,
			       "default capabilities break the subset rules");
	return ret;
}

static int krgp_nl_leave_check(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ns = info->attrs[KRG_PROC_A_NODE_SET];
	krg_nodemask_t nodes;

	if (krg_genl_missing(info, KRG_PROC_A_NODE_SET, "node-set"))
		return -EINVAL;
	/* The policy bounds the length: the conversion cannot fail. */
	krg_nodemask_from_bytes(&nodes, nla_data(ns), nla_len(ns));
	return krgp_leave_check(&nodes, nla_get_flag(info->attrs[KRG_PROC_A_KILL]),
				info->extack);
}

struct krgp_nl_mig {
	u32 pid, node;
};

static int krgp_nl_fill_mig(struct sk_buff *skb, void *arg)
{
	struct krgp_nl_mig *m = arg;

	if (nla_put_u32(skb, KRG_PROC_A_PID, m->pid) ||
	    nla_put_u32(skb, KRG_PROC_A_NODE, m->node))
		return -EMSGSIZE;
	return 0;
}

static int krgp_nl_migrate(struct sk_buff *skb, struct genl_info *info)
{
	struct krgp_nl_mig m;
	int ret;

	if (krg_genl_missing(info, KRG_PROC_A_PID, "pid") ||
	    krg_genl_missing(info, KRG_PROC_A_NODE, "node"))
		return -EINVAL;
	m.pid = nla_get_u32(info->attrs[KRG_PROC_A_PID]);
	ret = krgp_migrate(m.pid, nla_get_u32(info->attrs[KRG_PROC_A_NODE]),
			   &m.node, info->extack);
	if (ret)
		return ret;
	return krg_genl_reply(info, &krgp_nl_family, krgp_nl_fill_mig, &m);
}

#define KRGP_OP(_cmd, _doit, _policy, _flags) {			\
	.cmd = (_cmd), .doit = (_doit), .policy = (_policy),		\
	.maxattr = KRG_PROC_A_MAX, .flags = (_flags) }

static const struct genl_ops krgp_nl_ops[] = {
	KRGP_OP(KRG_PROC_CMD_STATUS, krgp_nl_status, krgp_status_policy, 0),
	{
		.cmd = KRG_PROC_CMD_PS,
		.start = krgp_nl_ps_start,
		.dumpit = krgp_nl_ps_dump,
		.done = krgp_nl_ps_done,
		.policy = krgp_ps_policy,
		.maxattr = KRG_PROC_A_MAX,
	},
	KRGP_OP(KRG_PROC_CMD_CAPS_GET, krgp_nl_caps_get, krgp_caps_get_policy,
		0),
	/* Its own rule (owner or CAP_SYS_ADMIN), checked where the process runs. */
	KRGP_OP(KRG_PROC_CMD_CAPS_SET, krgp_nl_caps_set, krgp_caps_policy, 0),
	KRGP_OP(KRG_PROC_CMD_CONFIG_SET, krgp_nl_config_set, krgp_config_policy,
		GENL_ADMIN_PERM),
	KRGP_OP(KRG_PROC_CMD_LEAVE_CHECK, krgp_nl_leave_check, krgp_leave_policy,
		GENL_ADMIN_PERM),
	/* The caller's right is checked per process (krgp_migrate()). */
	KRGP_OP(KRG_PROC_CMD_MIGRATE, krgp_nl_migrate, krgp_migrate_policy, 0),
};

static struct genl_family krgp_nl_family __ro_after_init = {
	.name = KRG_PROC_GENL_NAME,
	.version = KRG_PROC_GENL_VERSION,
	.maxattr = KRG_PROC_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.pre_doit = krg_genl_pre_doit,
	.module = THIS_MODULE,
	.ops = krgp_nl_ops,
	.n_ops = ARRAY_SIZE(krgp_nl_ops),
	.resv_start_op = KRG_PROC_CMD_MIGRATE + 1,
};

int krgp_nl_init(void)
{
	return genl_register_family(&krgp_nl_family);
}

void krgp_nl_exit(void)
{
	genl_unregister_family(&krgp_nl_family);
}
