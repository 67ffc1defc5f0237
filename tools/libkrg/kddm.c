// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_kddm" generic netlink family (include/uapi/linux/krg_kddm.h): the
 * statistics of this node's KDDM sets, over libkrg's core (krg_nl.h).
 *
 * Replies are parsed without a policy: an integer attribute is read at the
 * width it came with, so a newer kernel that widens a counter still reads.
 */
#include <stdio.h>
#include <string.h>

#include "krg_nl.h"

static const struct krg_family kddm_family = {
	.name = KRG_KDDM_GENL_NAME,
	.version = KRG_KDDM_GENL_VERSION,
	.maxattr = KRG_KDDM_A_MAX,
	.policy = NULL,
	.module = "krg_kddm",
};

struct sets_walk {
	krg_kddm_set_cb cb;
	void *arg;
};

static void fill_set(struct nlattr **tb, struct krg_kddm_set_info *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 1; i <= KRG_KDDM_A_MAX; i++) {
		if (!tb[i])
			continue;
		s->has |= 1ULL << i;
		switch (i) {
		case KRG_KDDM_A_LINKER:
			krg_nla_strcpy(tb[i], s->linker, sizeof(s->linker));
			break;
		case KRG_KDDM_A_CHAIN_HIST:
			krg_nla_le64s(tb[i], s->chain_hist, KRG_KDDM_CHAIN_HIST);
			break;
		case KRG_KDDM_A_MSGS_TX:
			krg_nla_le64s(tb[i], s->msgs_tx, KRG_KDDM_MSG_TYPES);
			break;
		case KRG_KDDM_A_MSGS_RX:
			krg_nla_le64s(tb[i], s->msgs_rx, KRG_KDDM_MSG_TYPES);
			break;
		default:
			s->v[i] = krg_nla_uint(tb[i]);
		}
	}
}

static int parse_set_walk(struct nlattr **tb, void *arg)
{
	struct sets_walk *w = arg;
	struct krg_kddm_set_info s;

	fill_set(tb, &s);
	return w->cb(&s, w->arg);
}

int krg_kddm_sets_dump(struct krg_handle *h, krg_kddm_set_cb cb, void *arg,
		       struct krg_err *err)
{
	struct sets_walk w = { cb, arg };
	struct nl_msg *msg;
	int ret;

	ret = krg_nl_msg(h, &kddm_family, KRG_KDDM_CMD_SET_GET, NLM_F_DUMP, &msg, err);
	if (ret)
		return ret;
	return krg_nl_request(h, &kddm_family, msg, parse_set_walk, &w, err);
}

static int parse_one_set(struct nlattr **tb, void *arg)
{
	fill_set(tb, arg);
	return 0;
}

int krg_kddm_set_get(struct krg_handle *h, uint32_t id, struct krg_kddm_set_info *s,
		     struct krg_err *err)
{
	struct nl_msg *msg;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = krg_nl_msg(h, &kddm_family, KRG_KDDM_CMD_SET_GET, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_KDDM_A_SET_ID, id))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &kddm_family, msg, parse_one_set, s, err);
}

/* ---- names ---- */

static const char *const msg_names[KRG_KDDM_MSG_TYPES] = {
	[KRG_KDDM_MSG_NONE] = "none",
	[KRG_KDDM_MSG_READ_REQ] = "read_req",
	[KRG_KDDM_MSG_WRITE_REQ] = "write_req",
	[KRG_KDDM_MSG_READ_GRANT] = "read_grant",
	[KRG_KDDM_MSG_WRITE_GRANT] = "write_grant",
	[KRG_KDDM_MSG_INV] = "inv",
	[KRG_KDDM_MSG_INV_ACK] = "inv_ack",
	[KRG_KDDM_MSG_ERROR] = "error",
	[KRG_KDDM_MSG_REMOVE] = "remove",
	[KRG_KDDM_MSG_PULL] = "pull",
	[KRG_KDDM_MSG_SET_CREATE] = "set_create",
	[KRG_KDDM_MSG_SET_DESTROY] = "set_destroy",
	[KRG_KDDM_MSG_REPORT] = "report",
	[KRG_KDDM_MSG_DECIDE] = "decide",
	[KRG_KDDM_MSG_HANDOFF_DONE] = "handoff_done",
	[KRG_KDDM_MSG_HELLO] = "hello",
};

const char *krg_kddm_msg_name(unsigned int type)
{
	static __thread char buf[16];

	if (type >= KRG_KDDM_MSG_TYPES)
		return NULL;
	if (msg_names[type])
		return msg_names[type];
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
};

const char *krg_kddm_attr_name(int attr)
{
	return attr > 0 && attr <= KRG_KDDM_A_MAX ? attr_names[attr] : NULL;
}

const char *krg_kddm_policy_name(uint64_t policy)
{
	switch (policy) {
	case KRG_KDDM_OWNER_BY_ID: return "id";
	case KRG_KDDM_OWNER_BY_HASH: return "hash";
	case KRG_KDDM_OWNER_CREATOR: return "creator";
	}
	return "?";
}

const char *krg_kddm_on_failure_name(uint64_t on_failure)
{
	switch (on_failure) {
	case KRG_KDDM_FAIL_RECREATE: return "recreate";
	case KRG_KDDM_FAIL_LOST: return "lost";
	}
	return "?";
}
