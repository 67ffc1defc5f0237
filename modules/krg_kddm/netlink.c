// SPDX-License-Identifier: GPL-2.0
/*
 * krg_kddm generic netlink family "krg_kddm" (include/uapi/linux/krg_kddm.h,
 * Documentation/netlink/krg_kddm.yaml): per-set statistics for krgadm.  The
 * test IO linker and its commands are a test module's (tests/kddm/kddm_test).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <krg/krg_genl.h>

#include "internal.h"

static struct genl_family kddm_nl_family;

static const struct nla_policy kddm_set_get_policy[KRG_KDDM_A_MAX + 1] = {
	[KRG_KDDM_A_SET_ID] = { .type = NLA_U32 },
};

/*
 * One set's statistics as a reply carries them, taken under the set's lock.
 * Too big for the stack (with KASAN's redzones it passes 1024 bytes): each
 * request allocates one.
 */
struct kddm_nl_stats {
	struct kddm_stats st;
	__le64 hist[KRG_KDDM_CHAIN_HIST];
	__le64 tx[KRG_KDDM_MSG_TYPES], rx[KRG_KDDM_MSG_TYPES];
	u32 owned, copies, invalid, lost, pinned, waiting, objects;
};

static void kddm_nl_take_stats(struct kddm_set *set, struct kddm_nl_stats *s)
{
	struct kddm_entry *e;
	int bkt, i;

	memset(s, 0, sizeof(*s));
	mutex_lock(&set->lock);
	hash_for_each(set->objs, bkt, e, node) {
		s->owned += e->state == KDDM_OWNER;
		s->copies += e->state == KDDM_READ;
		s->invalid += e->state == KDDM_INVALID;
		s->lost += e->state == KDDM_LOST;
		s->pinned += e->writer || e->readers;
		s->waiting += e->want != KDDM_WANT_NONE;
	}
	s->objects = set->nr_entries;
	s->st = set->st;
	mutex_unlock(&set->lock);
	for (i = 0; i < KRG_KDDM_CHAIN_HIST; i++)
		s->hist[i] = cpu_to_le64(s->st.chain_hist[i]);
	for (i = 0; i < KRG_KDDM_MSG_TYPES; i++) {
		s->tx[i] = cpu_to_le64(s->st.tx[i]);
		s->rx[i] = cpu_to_le64(s->st.rx[i]);
	}
}

/* What kddm_nl_put_set() fills a message from. */
struct kddm_nl_set {
	struct kddm_set *set;
	struct kddm_nl_stats *stats;
};

static int kddm_nl_put_set(struct sk_buff *skb, void *arg)
{
	struct kddm_nl_set *a = arg;
	struct kddm_nl_stats *s = a->stats;
	struct kddm_set *set = a->set;

	kddm_nl_take_stats(set, s);
	if (nla_put_u32(skb, KRG_KDDM_A_SET_ID, set->id) ||
	    nla_put_string(skb, KRG_KDDM_A_LINKER, set->linker->name) ||
	    nla_put_u32(skb, KRG_KDDM_A_OBJ_SIZE, set->obj_size) ||
	    nla_put_u32(skb, KRG_KDDM_A_POLICY, set->policy) ||
	    nla_put_u32(skb, KRG_KDDM_A_ON_FAILURE, set->on_failure) ||
	    nla_put_u32(skb, KRG_KDDM_A_CREATOR, set->creator) ||
	    nla_put_u32(skb, KRG_KDDM_A_OBJECTS, s->objects) ||
	    nla_put_u32(skb, KRG_KDDM_A_OWNED, s->owned) ||
	    nla_put_u32(skb, KRG_KDDM_A_READ_COPIES, s->copies) ||
	    nla_put_u32(skb, KRG_KDDM_A_INVALID, s->invalid) ||
	    nla_put_u32(skb, KRG_KDDM_A_LOST, s->lost) ||
	    nla_put_u32(skb, KRG_KDDM_A_PINNED, s->pinned) ||
	    nla_put_u32(skb, KRG_KDDM_A_WAITING, s->waiting) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_GETS, s->st.gets, KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_GRABS, s->st.grabs, KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_REMOTE_REQS, s->st.remote_reqs,
			      KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_FORWARDS, s->st.forwards,
			      KRG_KDDM_A_PAD) ||
	    nla_put_u32(skb, KRG_KDDM_A_CHAIN_MAX, s->st.chain_max) ||
	    nla_put(skb, KRG_KDDM_A_CHAIN_HIST, sizeof(s->hist), s->hist) ||
	    nla_put(skb, KRG_KDDM_A_MSGS_TX, sizeof(s->tx), s->tx) ||
	    nla_put(skb, KRG_KDDM_A_MSGS_RX, sizeof(s->rx), s->rx) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_UNEXPECTED, s->st.unexpected,
			      KRG_KDDM_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_KDDM_A_RECOVERIES, s->st.recoveries,
			      KRG_KDDM_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int kddm_nl_set_get(struct sk_buff *in, struct genl_info *info)
{
	struct kddm_nl_set a;
	int ret;

	if (krg_genl_missing(info, KRG_KDDM_A_SET_ID, "set-id"))
		return -EINVAL;
	a.set = kddm_set_find(nla_get_u32(info->attrs[KRG_KDDM_A_SET_ID]));
	if (!a.set) {
		NL_SET_ERR_MSG(info->extack, "no such set on this node");
		return -ENOENT;
	}
	a.stats = kmalloc(sizeof(*a.stats), GFP_KERNEL);
	ret = a.stats ? krg_genl_reply(info, &kddm_nl_family, kddm_nl_put_set, &a) :
			-ENOMEM;
	kfree(a.stats);
	kddm_set_put(a.set);
	return ret;
}

/* Dump: cb->args[0] = index of the next set. */
static int kddm_nl_set_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kddm_nl_set a;
	long idx = 0;

	a.stats = kmalloc(sizeof(*a.stats), GFP_KERNEL);
	if (!a.stats)
		return -ENOMEM;
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(a.set, &kddm_sets, list) {
		if (idx++ < cb->args[0])
			continue;
		if (krg_genl_dump_one(skb, cb, &kddm_nl_family, kddm_nl_put_set, &a))
			break;
		cb->args[0] = idx;
	}
	mutex_unlock(&kddm_sets_mutex);
	kfree(a.stats);
	return skb->len;
}

#define KDDM_OP(_cmd, _doit, _dumpit, _policy, _flags) {	\
	.cmd = (_cmd), .doit = (_doit), .dumpit = (_dumpit),	\
	.policy = (_policy), .maxattr = KRG_KDDM_A_MAX,		\
	.flags = (_flags) }

static const struct genl_ops kddm_nl_ops[] = {
	KDDM_OP(KRG_KDDM_CMD_SET_GET, kddm_nl_set_get, kddm_nl_set_dump,
		kddm_set_get_policy, 0),
};

static struct genl_family kddm_nl_family __ro_after_init = {
	.name = KRG_KDDM_GENL_NAME,
	.version = KRG_KDDM_GENL_VERSION,
	.maxattr = KRG_KDDM_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.pre_doit = krg_genl_pre_doit,
	.module = THIS_MODULE,
	.ops = kddm_nl_ops,
	.n_ops = ARRAY_SIZE(kddm_nl_ops),
	.resv_start_op = KRG_KDDM_CMD_SET_GET + 1,
};

int kddm_nl_init(void)
{
	return genl_register_family(&kddm_nl_family);
}

void kddm_nl_exit(void)
{
	genl_unregister_family(&kddm_nl_family);
}
