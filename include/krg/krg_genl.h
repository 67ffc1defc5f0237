/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every Kerrighed generic netlink family does the same way: krg_comm,
 * krg_kddm, krg_proc and the test modules' families.
 *
 *  - pre_doit: an operation flagged GENL_ADMIN_PERM needs CAP_NET_ADMIN
 *    (checked by the genetlink core) and CAP_SYS_ADMIN (checked here, with
 *    an extack message saying so):
 *	static struct genl_family fam = { ..., .pre_doit = krg_genl_pre_doit };
 *  - required attributes, refused with EINVAL, the attribute in the extack
 *    (NLMSGERR_ATTR_MISS_TYPE) and a message naming it as the spec does:
 *	if (krg_genl_missing(info, KRG_X_A_NODE_ID, "node-id"))
 *		return -EINVAL;
 *  - replies: the do handler gives a fill function, which puts the reply's
 *    attributes (-EMSGSIZE, or any -errno, drops the reply and is returned):
 *	return krg_genl_reply(info, &fam, x_fill, arg);
 *    and a dump puts one message per object with krg_genl_dump_one()
 *    (-EMSGSIZE: the skb is full, stop here and resume from cb->args).
 *
 * Header only: each module's netlink file includes it after its pr_fmt.
 * It needs modules/compat/compat.h (krg_genl_doit_ops), which modules/Kbuild
 * force-includes; a test module's Kbuild includes it the same way.
 */
#ifndef _KRG_KRG_GENL_H
#define _KRG_KRG_GENL_H

#include <linux/capability.h>
#include <net/genetlink.h>
#include <net/netlink.h>

static inline int krg_genl_pre_doit(const struct krg_genl_doit_ops *ops,
				    struct sk_buff *skb,
				    struct genl_info *info)
{
	if ((ops->flags & GENL_ADMIN_PERM) &&
	    !netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "this operation needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

/* True (and the extack set) if attribute @type, called @name, is missing. */
static inline bool krg_genl_missing(struct genl_info *info, int type,
				    const char *name)
{
	if (info->attrs[type])
		return false;
	GENL_REQ_ATTR_CHECK(info, type);
	NL_SET_ERR_MSG_FMT(info->extack, "missing attribute %s", name);
	return true;
}

/* Puts the attributes of one reply message into @skb: 0 or -errno. */
typedef int (*krg_genl_fill_t)(struct sk_buff *skb, void *arg);

/*
 * Answers the request @info with one message of the request's command,
 * filled by @fill.  Returns what the doit handler returns.
 */
static inline int krg_genl_reply(struct genl_info *info,
				 const struct genl_family *family,
				 krg_genl_fill_t fill, void *arg)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;
	int ret;

	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, family, 0, info->genlhdr->cmd);
	ret = hdr ? fill(skb, arg) : -EMSGSIZE;
	if (ret) {
		nlmsg_free(skb);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/*
 * One message of a dump (the request's command, NLM_F_MULTI), filled by
 * @fill, or nothing if it does not fit.  Returns 0 or the error of @fill
 * (-EMSGSIZE: the skb is full, end this round of the dump).
 */
static inline int krg_genl_dump_one(struct sk_buff *skb,
				    struct netlink_callback *cb,
				    const struct genl_family *family,
				    krg_genl_fill_t fill, void *arg)
{
	u8 cmd = ((struct genlmsghdr *)nlmsg_data(cb->nlh))->cmd;
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  family, NLM_F_MULTI, cmd);
	if (!hdr)
		return -EMSGSIZE;
	ret = fill(skb, arg);
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

#endif /* _KRG_KRG_GENL_H */
