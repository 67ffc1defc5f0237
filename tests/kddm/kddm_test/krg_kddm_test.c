// SPDX-License-Identifier: GPL-2.0
/*
 * krg_kddm_test: the test IO linker ("test") and the generic netlink family
 * "krg_kddm_test" that drives it (tests/include/krg_kddm_test.h).  Objects
 * are counters followed by a byte pattern derived from the counter, so
 * multi-node tests drive get/grab/put/remove/flush from ordinary programs,
 * and a torn or stale copy shows.  A test module: it uses krg_kddm's public
 * interface only and is built for the test bed (tests/kddm/Makefile), never
 * with the production modules.  Unloading it destroys its sets on this node
 * (kddm_unregister_linker).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <asm/unaligned.h>
#include <linux/sched/signal.h>
#include <krg/krg_genl.h>
#include <krg_comm/krg_comm.h>
#include <krg_kddm/krg_kddm.h>
#include <krg_kddm_test.h>

static struct genl_family kddm_test_family;

static void kddm_test_fill(void *data, u32 size, u64 counter)
{
	u8 *b = data;
	u32 i;

	put_unaligned_le64(counter, b);
	for (i = 8; i < size; i++)
		b[i] = (u8)(counter * 31 + i);
}

static bool kddm_test_check(const void *data, u32 size)
{
	const u8 *b = data;
	u64 counter = get_unaligned_le64(b);
	u32 i;

	for (i = 8; i < size; i++)
		if (b[i] != (u8)(counter * 31 + i))
			return false;
	return true;
}

static int kddm_test_first_touch(struct kddm_set *set, u64 objid, void *data)
{
	kddm_test_fill(data, kddm_set_obj_size(set), 0);
	return 0;
}

static const struct kddm_io_linker kddm_test_linker = {
	.name = "test",
	.first_touch = kddm_test_first_touch,
};

static int kddm_test_set_create(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct kddm_set_params p = {
		.linker = "test",
		.policy = KRG_KDDM_OWNER_BY_ID,
		.on_failure = KRG_KDDM_FAIL_RECREATE,
	};
	int ret;

	if (krg_genl_missing(info, KRG_KDDM_TEST_A_SET_ID, "set-id") ||
	    krg_genl_missing(info, KRG_KDDM_TEST_A_OBJ_SIZE, "obj-size"))
		return -EINVAL;
	p.obj_size = nla_get_u32(a[KRG_KDDM_TEST_A_OBJ_SIZE]);
	if (a[KRG_KDDM_TEST_A_POLICY])
		p.policy = nla_get_u32(a[KRG_KDDM_TEST_A_POLICY]);
	if (a[KRG_KDDM_TEST_A_ON_FAILURE])
		p.on_failure = nla_get_u32(a[KRG_KDDM_TEST_A_ON_FAILURE]);
	ret = kddm_set_create(nla_get_u32(a[KRG_KDDM_TEST_A_SET_ID]), &p);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "the set exists");
	else if (ret == -EHOSTDOWN)
		NL_SET_ERR_MSG(info->extack, "this node is not an online cluster member");
	else if (ret)
		NL_SET_ERR_MSG(info->extack, "not every online node could create the set");
	return ret;
}

static int kddm_test_set_destroy(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (krg_genl_missing(info, KRG_KDDM_TEST_A_SET_ID, "set-id"))
		return -EINVAL;
	ret = kddm_set_destroy(nla_get_u32(info->attrs[KRG_KDDM_TEST_A_SET_ID]));
	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such set");
	return ret;
}

/* One access: get or grab, apply, put.  Returns the counter seen/left. */
static int kddm_test_access(struct kddm_set *set, u64 obj, u32 op, u64 arg,
			    u64 *value, u32 *hops, u64 *epoch, bool *ok)
{
	bool write = op != KRG_KDDM_TEST_READ && op != KRG_KDDM_TEST_READ_LOOP;
	struct kddm_op_info info = {};
	u32 size = kddm_set_obj_size(set);
	void *data;
	u64 c;

	data = kddm_get_info(set, obj, write, &info);
	if (IS_ERR(data))
		return PTR_ERR(data);
	*hops += info.hops;
	*epoch = info.epoch;
	if (!kddm_test_check(data, size))
		*ok = false;
	c = get_unaligned_le64(data);
	switch (op) {
	case KRG_KDDM_TEST_WRITE:
		c = arg;
		break;
	case KRG_KDDM_TEST_INC:
		c += arg ?: 1;
		break;
	case KRG_KDDM_TEST_INC_LOOP:
		c++;
		break;
	case KRG_KDDM_TEST_HOLD:
		msleep_interruptible(arg);
		c++;
		break;
	}
	if (write)
		kddm_test_fill(data, size, c);
	kddm_put(set, obj);
	*value = c;
	return 0;
}

static int kddm_test_op_fill(struct sk_buff *skb, void *data)
{
	struct genl_info *info = data;
	struct nlattr **a = info->attrs;
	u64 obj, arg, value = 0, epoch = 0, msgs;
	u32 op, count, i, hops = 0;
	struct kddm_set *set;
	bool ok = true;
	ktime_t t0;
	int ret = 0;

	if (krg_genl_missing(info, KRG_KDDM_TEST_A_SET_ID, "set-id") ||
	    krg_genl_missing(info, KRG_KDDM_TEST_A_OBJ_ID, "obj-id") ||
	    krg_genl_missing(info, KRG_KDDM_TEST_A_OP, "op"))
		return -EINVAL;
	op = nla_get_u32(a[KRG_KDDM_TEST_A_OP]);
	obj = nla_get_u64(a[KRG_KDDM_TEST_A_OBJ_ID]);
	arg = a[KRG_KDDM_TEST_A_VALUE] ? nla_get_u64(a[KRG_KDDM_TEST_A_VALUE]) : 0;
	count = a[KRG_KDDM_TEST_A_COUNT] ? nla_get_u32(a[KRG_KDDM_TEST_A_COUNT]) : 1;
	if ((op == KRG_KDDM_TEST_FLUSH || op == KRG_KDDM_TEST_BENCH_GET) &&
	    !a[KRG_KDDM_TEST_A_NODE_ID]) {
		NL_SET_ERR_MSG(info->extack, "flush and bench-get need node-id");
		return -EINVAL;
	}
	if (op == KRG_KDDM_TEST_HOLD && arg > KRG_KDDM_TEST_MAX_HOLD_MS) {
		NL_SET_ERR_MSG(info->extack, "hold is at most 10000 ms");
		return -EINVAL;
	}
	set = kddm_set_get(nla_get_u32(a[KRG_KDDM_TEST_A_SET_ID]));
	if (!set) {
		NL_SET_ERR_MSG(info->extack, "no such set on this node");
		return -ENOENT;
	}
	if (krg_kddm_set_linker(set) != &kddm_test_linker) {
		kddm_set_put(set);
		NL_SET_ERR_MSG(info->extack, "not a test set");
		return -EINVAL;
	}
	msgs = krg_kddm_set_msgs_sent(set);
	t0 = ktime_get();
	switch (op) {
	case KRG_KDDM_TEST_INC_LOOP:
	case KRG_KDDM_TEST_READ_LOOP:
		for (i = 0; i < count && !ret; i++) {
			ret = kddm_test_access(set, obj, op, arg, &value, &hops,
					       &epoch, &ok);
			if (!ret && fatal_signal_pending(current))
				ret = -EINTR;
			cond_resched();
		}
		break;
	case KRG_KDDM_TEST_REMOVE:
		ret = kddm_remove(set, obj);
		break;
	case KRG_KDDM_TEST_FLUSH:
		ret = kddm_flush(set, obj, nla_get_u32(a[KRG_KDDM_TEST_A_NODE_ID]));
		break;
	case KRG_KDDM_TEST_BENCH_GET: {
		u32 node = nla_get_u32(a[KRG_KDDM_TEST_A_NODE_ID]);
		struct kddm_op_info oi = {};
		ktime_t g;
		void *data;

		if (node == (u32)krg_comm_self()) {
			NL_SET_ERR_MSG(info->extack, "bench-get needs another node");
			ret = -EINVAL;
			break;
		}
		value = 0;
		for (i = 0; i < count && !ret; i++) {
			ret = kddm_flush(set, obj, node);
			if (ret)
				break;
			g = ktime_get();
			data = kddm_get_info(set, obj, false, &oi);
			if (IS_ERR(data)) {
				ret = PTR_ERR(data);
				break;
			}
			value += ktime_to_ns(ktime_sub(ktime_get(), g));
			hops += oi.hops;
			epoch = oi.epoch;
			kddm_put(set, obj);
			if (fatal_signal_pending(current))
				ret = -EINTR;
		}
		break;
	}
	case KRG_KDDM_TEST_FIND: {
		void *data = kddm_find(set, obj);

		if (!data) {
			ret = -ENOENT;
			break;
		}
		value = get_unaligned_le64(data);
		ok = kddm_test_check(data, kddm_set_obj_size(set));
		kddm_put(set, obj);
		break;
	}
	default:
		ret = kddm_test_access(set, obj, op, arg, &value, &hops, &epoch,
				       &ok);
	}
	msgs = krg_kddm_set_msgs_sent(set) - msgs;
	kddm_set_put(set);
	if (ret) {
		switch (ret) {
		case -EIO:
			NL_SET_ERR_MSG(info->extack, "object lost with a failed node");
			break;
		case -ETIMEDOUT:
			NL_SET_ERR_MSG(info->extack, "no answer from the owner in time");
			break;
		case -EHOSTDOWN:
			NL_SET_ERR_MSG(info->extack, "node down or not a member");
			break;
		case -ENOENT:
			NL_SET_ERR_MSG(info->extack, "no such object copy here, or set destroyed");
			break;
		}
		return ret;
	}
	if (nla_put_u64_64bit(skb, KRG_KDDM_TEST_A_VALUE, value, KRG_KDDM_TEST_A_PAD) ||
	    nla_put_u32(skb, KRG_KDDM_TEST_A_HOPS, hops) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_TEST_A_ELAPSED_NS,
			      ktime_to_ns(ktime_sub(ktime_get(), t0)),
			      KRG_KDDM_TEST_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_TEST_A_EPOCH, epoch, KRG_KDDM_TEST_A_PAD) ||
	    nla_put_u32(skb, KRG_KDDM_TEST_A_CONSISTENT, ok) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_TEST_A_MSGS, msgs, KRG_KDDM_TEST_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int kddm_test_op(struct sk_buff *in, struct genl_info *info)
{
	return krg_genl_reply(info, &kddm_test_family, kddm_test_op_fill, info);
}

/* ---- the "krg_kddm_test" family ------------------------------------------ */

static struct netlink_range_validation kddm_test_count_range = {
	.min = 1, .max = KRG_KDDM_TEST_MAX_COUNT,
};
static struct netlink_range_validation kddm_test_set_range = {
	.min = KRG_KDDM_TEST_BASE,
	.max = KRG_KDDM_TEST_BASE + KRG_KDDM_TEST_MAX - 1,
};
static struct netlink_range_validation kddm_test_obj_size_range = {
	.min = KRG_KDDM_TEST_OBJ_MIN, .max = KRG_KDDM_TEST_OBJ_MAX,
};

static const struct nla_policy kddm_test_create_policy[KRG_KDDM_TEST_A_MAX + 1] = {
	[KRG_KDDM_TEST_A_SET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_set_range),
	[KRG_KDDM_TEST_A_OBJ_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_obj_size_range),
	[KRG_KDDM_TEST_A_POLICY] = NLA_POLICY_MAX(NLA_U32, KRG_KDDM_OWNER_CREATOR),
	[KRG_KDDM_TEST_A_ON_FAILURE] = NLA_POLICY_MAX(NLA_U32, KRG_KDDM_FAIL_LOST),
};

static const struct nla_policy kddm_test_destroy_policy[KRG_KDDM_TEST_A_MAX + 1] = {
	[KRG_KDDM_TEST_A_SET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_set_range),
};

static const struct nla_policy kddm_test_op_policy[KRG_KDDM_TEST_A_MAX + 1] = {
	[KRG_KDDM_TEST_A_SET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_set_range),
	[KRG_KDDM_TEST_A_OBJ_ID] = { .type = NLA_U64 },
	[KRG_KDDM_TEST_A_OP] = NLA_POLICY_RANGE(NLA_U32, KRG_KDDM_TEST_READ,
						KRG_KDDM_TEST_BENCH_GET),
	[KRG_KDDM_TEST_A_VALUE] = { .type = NLA_U64 },
	[KRG_KDDM_TEST_A_COUNT] = NLA_POLICY_FULL_RANGE(NLA_U32, &kddm_test_count_range),
	[KRG_KDDM_TEST_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
};

#define KDDM_TEST_OP(_cmd, _doit, _policy) {				\
	.cmd = (_cmd), .doit = (_doit), .policy = (_policy),		\
	.maxattr = KRG_KDDM_TEST_A_MAX, .flags = GENL_ADMIN_PERM }

static const struct genl_ops kddm_test_ops[] = {
	KDDM_TEST_OP(KRG_KDDM_TEST_CMD_SET_CREATE, kddm_test_set_create,
		     kddm_test_create_policy),
	KDDM_TEST_OP(KRG_KDDM_TEST_CMD_SET_DESTROY, kddm_test_set_destroy,
		     kddm_test_destroy_policy),
	KDDM_TEST_OP(KRG_KDDM_TEST_CMD_OP, kddm_test_op, kddm_test_op_policy),
};

static struct genl_family kddm_test_family __ro_after_init = {
	.name = KRG_KDDM_TEST_GENL_NAME,
	.version = KRG_KDDM_TEST_GENL_VERSION,
	.maxattr = KRG_KDDM_TEST_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.pre_doit = krg_genl_pre_doit,
	.module = THIS_MODULE,
	.ops = kddm_test_ops,
	.n_ops = ARRAY_SIZE(kddm_test_ops),
	.resv_start_op = KRG_KDDM_TEST_CMD_OP + 1,
};

static int __init krg_kddm_test_init(void)
{
	int ret;

	BUILD_BUG_ON(KRG_KDDM_TEST_OBJ_MAX > KRG_KDDM_OBJ_MAX);
	ret = kddm_register_linker(&kddm_test_linker);
	if (ret)
		return ret;
	ret = genl_register_family(&kddm_test_family);
	if (ret)
		kddm_unregister_linker(&kddm_test_linker);
	return ret;
}

static void __exit krg_kddm_test_exit(void)
{
	/* Returns once no request runs any more; then our sets go. */
	genl_unregister_family(&kddm_test_family);
	kddm_unregister_linker(&kddm_test_linker);
}

module_init(krg_kddm_test_init);
module_exit(krg_kddm_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kerrighed KDDM test IO linker and its netlink driver (test bed only)");
MODULE_AUTHOR("The Kerrighed project");
