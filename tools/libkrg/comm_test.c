// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "krg_comm_test" generic netlink family of the test module
 * tests/comm/rpc_test (tests/include/krg_comm_test.h), over libkrg's core.
 * Part of libkrg_test.a only.
 */
#include <string.h>

#include "krg_nl.h"
#include "krg_test.h"

static struct nla_policy policy[KRG_COMM_TEST_A_MAX + 1] = {
	[KRG_COMM_TEST_A_OK]		= { .type = NLA_U32 },
	[KRG_COMM_TEST_A_ERRORS]	= { .type = NLA_U32 },
	[KRG_COMM_TEST_A_FIRST_ERROR]	= { .type = NLA_U32 },
	[KRG_COMM_TEST_A_ELAPSED_NS]	= { .type = NLA_U64 },
	[KRG_COMM_TEST_A_BYTES]		= { .type = NLA_U64 },
	[KRG_COMM_TEST_A_CHECKSUM]	= { .type = NLA_U32 },
	[KRG_COMM_TEST_A_LAT_MIN_NS]	= { .type = NLA_U64 },
	[KRG_COMM_TEST_A_LAT_MAX_NS]	= { .type = NLA_U64 },
	[KRG_COMM_TEST_A_REPLIES]	= { .type = NLA_U32 },
};

static const struct krg_family comm_test_family = {
	.name = KRG_COMM_TEST_GENL_NAME,
	.version = KRG_COMM_TEST_GENL_VERSION,
	.maxattr = KRG_COMM_TEST_A_MAX,
	.policy = policy,
	.module = "krg_comm_test",
};

static int parse_result(struct nlattr **tb, void *arg)
{
	struct krg_comm_test_result *r = arg;

	r->ok = (uint32_t)krg_nla_uint_or(tb, KRG_COMM_TEST_A_OK, 0);
	r->errors = (uint32_t)krg_nla_uint_or(tb, KRG_COMM_TEST_A_ERRORS, 0);
	r->first_error = (int32_t)krg_nla_uint_or(tb, KRG_COMM_TEST_A_FIRST_ERROR, 0);
	r->replies = (uint32_t)krg_nla_uint_or(tb, KRG_COMM_TEST_A_REPLIES, 0);
	r->checksum = (uint32_t)krg_nla_uint_or(tb, KRG_COMM_TEST_A_CHECKSUM, 0);
	r->elapsed_ns = krg_nla_uint_or(tb, KRG_COMM_TEST_A_ELAPSED_NS, 0);
	r->bytes = krg_nla_uint_or(tb, KRG_COMM_TEST_A_BYTES, 0);
	r->lat_min_ns = krg_nla_uint_or(tb, KRG_COMM_TEST_A_LAT_MIN_NS, 0);
	r->lat_max_ns = krg_nla_uint_or(tb, KRG_COMM_TEST_A_LAT_MAX_NS, 0);
	return 0;
}

int krg_comm_test_run(struct krg_handle *h, const struct krg_comm_test_args *a,
		      struct krg_comm_test_result *r, struct krg_err *err)
{
	uint8_t bits[KRG_COMM_NODE_SET_LEN];
	struct nl_msg *msg;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = krg_nl_msg(h, &comm_test_family, KRG_COMM_TEST_CMD_RUN, 0, &msg, err);
	if (ret)
		return ret;
	if (nla_put_u32(msg, KRG_COMM_TEST_A_OP, a->op) ||
	    nla_put_u32(msg, KRG_COMM_TEST_A_SIZE, a->size) ||
	    nla_put_u32(msg, KRG_COMM_TEST_A_COUNT, a->count) ||
	    nla_put_u32(msg, KRG_COMM_TEST_A_SEED, a->seed) ||
	    (a->concurrency &&
	     nla_put_u32(msg, KRG_COMM_TEST_A_CONCURRENCY, a->concurrency)) ||
	    (a->timeout_ms && nla_put_u32(msg, KRG_COMM_TEST_A_TIMEOUT_MS, a->timeout_ms)) ||
	    (a->zerocopy && nla_put_flag(msg, KRG_COMM_TEST_A_ZEROCOPY)))
		return krg_nl_put_failed(msg, err);
	if (a->op == KRG_COMM_TEST_MCAST_ECHO) {
		krg_nodeset_to_bytes(&a->nodes, bits);
		if (nla_put(msg, KRG_COMM_TEST_A_NODE_SET, sizeof(bits), bits))
			return krg_nl_put_failed(msg, err);
	} else if (nla_put_u32(msg, KRG_COMM_TEST_A_NODE_ID, a->node)) {
		return krg_nl_put_failed(msg, err);
	}
	return krg_nl_request(h, &comm_test_family, msg, parse_result, r, err);
}

uint32_t krg_comm_test_op_parse(const char *name)
{
	static const char *const names[] = {
		[KRG_COMM_TEST_ECHO] = "echo",
		[KRG_COMM_TEST_SINK] = "sink",
		[KRG_COMM_TEST_STREAM] = "stream",
		[KRG_COMM_TEST_ASYNC_ECHO] = "async",
		[KRG_COMM_TEST_MCAST_ECHO] = "mcast",
		[KRG_COMM_TEST_NOP] = "nop",
		[KRG_COMM_TEST_BULK] = "bulk",
	};
	uint32_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && !strcmp(name, names[i]))
			return i;
	return 0;
}
