// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_kddm_test" generic netlink family of the test module
 * tests/kddm/kddm_test (tests/include/krg_kddm_test.h), over libkrg's core.
 * Part of libkrg_test.a only.  Replies are parsed without a policy, as
 * kddm.c does: a test sees what the kernel really sent.
 */
#include <stdlib.h>
#include <string.h>

#include "krg_nl.h"
#include "krg_test.h"

static const struct krg_family kddm_test_family = {
	.name = KRG_KDDM_TEST_GENL_NAME,
	.version = KRG_KDDM_TEST_GENL_VERSION,
	.maxattr = KRG_KDDM_TEST_A_MAX,
	.policy = NULL,
	.module = "krg_kddm_test",
};

static int parse_reply(struct nlattr **tb, void *arg)
{
	struct krg_kddm_test_reply *r = arg;
	int i;

	for (i = 1; i <= KRG_KDDM_TEST_A_MAX; i++)
		if (tb[i])
			r->has |= 1ULL << i;
	r->value = krg_nla_uint_or(tb, KRG_KDDM_TEST_A_VALUE, 0);
	r->elapsed_ns = krg_nla_uint_or(tb, KRG_KDDM_TEST_A_ELAPSED_NS, 0);
	r->epoch = krg_nla_uint_or(tb, KRG_KDDM_TEST_A_EPOCH, 0);
	r->msgs = krg_nla_uint_or(tb, KRG_KDDM_TEST_A_MSGS, 0);
	r->hops = (uint32_t)krg_nla_uint_or(tb, KRG_KDDM_TEST_A_HOPS, 0);
	r->consistent = (uint32_t)krg_nla_uint_or(tb, KRG_KDDM_TEST_A_CONSISTENT, 0);
	return 0;
}

int krg_kddm_test_op(struct krg_handle *h, const struct krg_kddm_test_args *a,
		     struct krg_kddm_test_reply *r, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = krg_nl_msg(h, &kddm_test_family, KRG_KDDM_TEST_CMD_OP, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_KDDM_TEST_A_SET_ID, a->set) ||
	    nla_put_u64(msg, KRG_KDDM_TEST_A_OBJ_ID, a->obj) ||
	    nla_put_u32(msg, KRG_KDDM_TEST_A_OP, a->op) ||
	    ((a->give & KRG_KDDM_TEST_GIVE_VALUE) &&
	     nla_put_u64(msg, KRG_KDDM_TEST_A_VALUE, a->value)) ||
	    ((a->give & KRG_KDDM_TEST_GIVE_COUNT) &&
	     nla_put_u32(msg, KRG_KDDM_TEST_A_COUNT, a->count)) ||
	    ((a->give & KRG_KDDM_TEST_GIVE_NODE) &&
	     nla_put_u32(msg, KRG_KDDM_TEST_A_NODE_ID, a->node)))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &kddm_test_family, msg, parse_reply, r, err);
}

int krg_kddm_test_set_create(struct krg_handle *h, uint32_t set, uint32_t obj_size,
			     int policy, int on_failure, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret;

	ret = krg_nl_msg(h, &kddm_test_family, KRG_KDDM_TEST_CMD_SET_CREATE, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_KDDM_TEST_A_SET_ID, set) ||
	    nla_put_u32(msg, KRG_KDDM_TEST_A_OBJ_SIZE, obj_size) ||
	    (policy >= 0 && nla_put_u32(msg, KRG_KDDM_TEST_A_POLICY, (uint32_t)policy)) ||
	    (on_failure >= 0 &&
	     nla_put_u32(msg, KRG_KDDM_TEST_A_ON_FAILURE, (uint32_t)on_failure)))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &kddm_test_family, msg, NULL, NULL, err);
}

int krg_kddm_test_set_destroy(struct krg_handle *h, uint32_t set, struct krg_err *err)
{
	struct nl_msg *msg;
	int ret;

	ret = krg_nl_msg(h, &kddm_test_family, KRG_KDDM_TEST_CMD_SET_DESTROY, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_KDDM_TEST_A_SET_ID, set))
		return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &kddm_test_family, msg, NULL, NULL, err);
}

int krg_kddm_test_op_parse(const char *s)
{
	static const char *const names[] = {
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
	unsigned long v;
	unsigned int i;
	char *end;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && !strcasecmp(s, names[i]))
			return (int)i;
	v = strtoul(s, &end, 0);
	return *s && !*end && v < 1000 ? (int)v : -1;
}
