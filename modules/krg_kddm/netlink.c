// SPDX-License-Identifier: GPL-2.0
/*
 * krg_kddm generic netlink family "krg_kddm" (include/uapi/linux/krg_kddm.h,
 * Documentation/netlink/krg_kddm.yaml): per-set statistics for krgadm, and
 * the test IO linker's operations for the tests and benchmarks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "internal.h"

static struct genl_family kddm_nl_family;

static struct netlink_range_validation kddm_count_range = {
	.min = 1, .max = KRG_KDDM_TEST_MAX_COUNT,
};
static struct netlink_range_validation kddm_test_set_range = {
	.min = KRG_KDDM_TEST_BASE,
	.max = KRG_KDDM_TEST_BASE + KRG_KDDM_TEST_MAX - 1,
};
static struct netlink_range_validation kddm_obj_size_range = {
	.min = KRG_KDDM_TEST_OBJ_MIN, .max = KRG_KDDM_TEST_OBJ_MAX,
};

static const struct nla_policy kddm_set_get_policy[KRG_KDDM_A_MAX + 1] = {
	[KRG_KDDM_A_SET_ID] = { .type = NLA_U32 },
};

static const struct nla_policy kddm_create_policy[KRG_KDDM_A_MAX + 1] = {
	[KRG_KDDM_A_SET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_set_range),
	[KRG_KDDM_A_OBJ_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_obj_size_range),
	[KRG_KDDM_A_POLICY] = NLA_POLICY_MAX(NLA_U32, KRG_KDDM_OWNER_CREATOR),
	[KRG_KDDM_A_ON_FAILURE] = NLA_POLICY_MAX(NLA_U32, KRG_KDDM_FAIL_LOST),
};

static const struct nla_policy kddm_destroy_policy[KRG_KDDM_A_MAX + 1] = {
	[KRG_KDDM_A_SET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_set_range),
};

static const struct nla_policy kddm_op_policy[KRG_KDDM_A_MAX + 1] = {
	[KRG_KDDM_A_SET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_set_range),
	[KRG_KDDM_A_OBJ_ID] = { .type = NLA_U64 },
	[KRG_KDDM_A_TEST_OP] = NLA_POLICY_RANGE(NLA_U32, KRG_KDDM_TEST_READ,
						KRG_KDDM_TEST_BENCH_GET),
	[KRG_KDDM_A_VALUE] = { .type = NLA_U64 },
	[KRG_KDDM_A_COUNT] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_count_range),
	[KRG_KDDM_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
};

static int kddm_nl_pre_doit(const struct krg_genl_doit_ops *ops,
			    struct sk_buff *skb, struct genl_info *info)
{
	if ((ops->flags & GENL_ADMIN_PERM) &&
	    !netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "this operation needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

static int kddm_nl_put_set(struct sk_buff *skb, struct kddm_set *set)
{
	__le64 hist[KRG_KDDM_CHAIN_HIST], tx[KRG_KDDM_MSG_TYPES],
		rx[KRG_KDDM_MSG_TYPES];
	u32 owned = 0, copies = 0, invalid = 0, lost = 0, pinned = 0,
	    waiting = 0, objects;
	struct kddm_stats st;
	struct kddm_entry *e;
	int bkt, i;

	mutex_lock(&set->lock);
	hash_for_each(set->objs, bkt, e, node) {
		owned += e->state == KDDM_OWNER;
		copies += e->state == KDDM_READ;
		invalid += e->state == KDDM_INVALID;
		lost += e->state == KDDM_LOST;
		pinned += e->writer || e->readers;
		waiting += e->want != KDDM_WANT_NONE;
	}
	objects = set->nr_entries;
	st = set->st;
	mutex_unlock(&set->lock);
	for (i = 0; i < KRG_KDDM_CHAIN_HIST; i++)
		hist[i] = cpu_to_le64(st.chain_hist[i]);
	for (i = 0; i < KRG_KDDM_MSG_TYPES; i++) {
		tx[i] = cpu_to_le64(st.tx[i]);
		rx[i] = cpu_to_le64(st.rx[i]);
	}
	if (nla_put_u32(skb, KRG_KDDM_A_SET_ID, set->id) ||
	    nla_put_string(skb, KRG_KDDM_A_LINKER, set->linker->name) ||
	    nla_put_u32(skb, KRG_KDDM_A_OBJ_SIZE, set->obj_size) ||
	    nla_put_u32(skb, KRG_KDDM_A_POLICY, set->policy) ||
	    nla_put_u32(skb, KRG_KDDM_A_ON_FAILURE, set->on_failure) ||
	    nla_put_u32(skb, KRG_KDDM_A_CREATOR, set->creator) ||
	    nla_put_u32(skb, KRG_KDDM_A_OBJECTS, objects) ||
	    nla_put_u32(skb, KRG_KDDM_A_OWNED, owned) ||
	    nla_put_u32(skb, KRG_KDDM_A_READ_COPIES, copies) ||
	    nla_put_u32(skb, KRG_KDDM_A_INVALID, invalid) ||
	    nla_put_u32(skb, KRG_KDDM_A_LOST, lost) ||
	    nla_put_u32(skb, KRG_KDDM_A_PINNED, pinned) ||
	    nla_put_u32(skb, KRG_KDDM_A_WAITING, waiting) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_GETS, st.gets, KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_GRABS, st.grabs, KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_REMOTE_REQS, st.remote_reqs,
			      KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_FORWARDS, st.forwards,
			      KRG_KDDM_A_PAD) ||
	    nla_put_u32(skb, KRG_KDDM_A_CHAIN_MAX, st.chain_max) ||
	    nla_put(skb, KRG_KDDM_A_CHAIN_HIST, sizeof(hist), hist) ||
	    nla_put(skb, KRG_KDDM_A_MSGS_TX, sizeof(tx), tx) ||
	    nla_put(skb, KRG_KDDM_A_MSGS_RX, sizeof(rx), rx) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_UNEXPECTED, st.unexpected,
			      KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_RECOVERIES, st.recoveries,
			      KRG_KDDM_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int kddm_nl_set_get(struct sk_buff *in, struct genl_info *info)
{
	struct kddm_set *set;
	struct sk_buff *skb;
	void *hdr;
	int ret;

	if (!info->attrs[KRG_KDDM_A_SET_ID]) {
		GENL_REQ_ATTR_CHECK(info, KRG_KDDM_A_SET_ID);
		NL_SET_ERR_MSG(info->extack, "missing attribute set-id");
		return -EINVAL;
	}
	set = kddm_set_find(nla_get_u32(info->attrs[KRG_KDDM_A_SET_ID]));
	if (!set) {
		NL_SET_ERR_MSG(info->extack, "no such set on this node");
		return -ENOENT;
	}
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb) {
		kddm_set_put(set);
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(skb, info, &kddm_nl_family, 0,
				KRG_KDDM_CMD_SET_GET);
	ret = hdr ? kddm_nl_put_set(skb, set) : -EMSGSIZE;
	kddm_set_put(set);
	if (ret) {
		nlmsg_free(skb);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/* Dump: cb->args[0] = index of the next set. */
static int kddm_nl_set_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kddm_set *set;
	long idx = 0;
	void *hdr;

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		if (idx++ < cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kddm_nl_family,
				  NLM_F_MULTI, KRG_KDDM_CMD_SET_GET);
		if (!hdr)
			break;
		if (kddm_nl_put_set(skb, set)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	mutex_unlock(&kddm_sets_mutex);
	return skb->len;
}

static int kddm_nl_create(struct sk_buff *skb, struct genl_info *info)
{
	return kddm_test_set_create(info);
}

static int kddm_nl_destroy(struct sk_buff *skb, struct genl_info *info)
{
	return kddm_test_set_destroy(info);
}

static int kddm_nl_op(struct sk_buff *in, struct genl_info *info)
{
	struct sk_buff *skb;
	void *hdr;
	int ret;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &kddm_nl_family, 0,
				KRG_KDDM_CMD_TEST_OP);
	if (!hdr) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	ret = kddm_test_op(info, skb);
	if (ret) {
		nlmsg_free(skb);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

#define KDDM_OP(_cmd, _doit, _dumpit, _policy, _flags) {	\
	.cmd = (_cmd), .doit = (_doit), .dumpit = (_dumpit),	\
	.policy = (_policy), .maxattr = KRG_KDDM_A_MAX,		\
	.flags = (_flags) }

static const struct genl_ops kddm_nl_ops[] = {
	KDDM_OP(KRG_KDDM_CMD_SET_GET, kddm_nl_set_get, kddm_nl_set_dump,
		kddm_set_get_policy, 0),
	KDDM_OP(KRG_KDDM_CMD_TEST_SET_CREATE, kddm_nl_create, NULL,
		kddm_create_policy, GENL_ADMIN_PERM),
	KDDM_OP(KRG_KDDM_CMD_TEST_SET_DESTROY, kddm_nl_destroy, NULL,
		kddm_destroy_policy, GENL_ADMIN_PERM),
	KDDM_OP(KRG_KDDM_CMD_TEST_OP, kddm_nl_op, NULL, kddm_op_policy,
		GENL_ADMIN_PERM),
};

static struct genl_family kddm_nl_family __ro_after_init = {
	.name = KRG_KDDM_GENL_NAME,
	.version = KRG_KDDM_GENL_VERSION,
	.maxattr = KRG_KDDM_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.pre_doit = kddm_nl_pre_doit,
	.module = THIS_MODULE,
	.ops = kddm_nl_ops,
	.n_ops = ARRAY_SIZE(kddm_nl_ops),
	.resv_start_op = KRG_KDDM_CMD_TEST_OP + 1,
};

int kddm_nl_init(void)
{
	return genl_register_family(&kddm_nl_family);
}

void kddm_nl_exit(void)
{
	genl_unregister_family(&kddm_nl_family);
}
