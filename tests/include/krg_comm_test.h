/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * krg_comm_test: the test RPC service of krg_comm and its driver -- the
 * interface between the test module (tests/comm/rpc_test/krg_comm_test.ko)
 * and the test programs (libkrg_test, tests/comm/krgcomm).
 *
 * Not a user-space API of Kerrighed: this header lives with the tests, not
 * under include/uapi/, the module is built for the test bed only, and
 * nothing here promises compatibility ("the header only grows" binds
 * include/uapi/ alone): the test module and its programs are always built
 * together from one tree.
 *
 * Generic netlink family "krg_comm_test" (spec: tests/include/krg_comm_test.yaml).
 * Mutating commands need CAP_SYS_ADMIN (EPERM otherwise).
 *
 *  RUN  do*  <- OP NODE_ID|NODE_SET SIZE COUNT [CONCURRENCY] [TIMEOUT_MS]
 *              [SEED] [ZEROCOPY]
 *           -> OK ERRORS FIRST_ERROR ELAPSED_NS BYTES CHECKSUM LAT_MIN_NS
 *              LAT_MAX_NS REPLIES
 *              Calls of the test RPC service (krg_comm service
 *              KRG_SVC_COMM_TEST, registered by the module on every node
 *              that loads it) against a node, or a node set for MCAST_ECHO;
 *              every reply is verified.
 *
 *  (do* = needs CAP_SYS_ADMIN)
 */
#ifndef _KRG_COMM_TEST_H
#define _KRG_COMM_TEST_H

#include <linux/types.h>

#define KRG_COMM_TEST_GENL_NAME		"krg_comm_test"
#define KRG_COMM_TEST_GENL_VERSION	1

#define KRG_COMM_TEST_MAX_SIZE		(64U << 20)
#define KRG_COMM_TEST_MAX_COUNT		10000000U
#define KRG_COMM_TEST_MAX_CONCURRENCY	1024U
#define KRG_COMM_TEST_MAX_TIMEOUT_MS	600000U

enum krg_comm_test_cmd {
	KRG_COMM_TEST_CMD_UNSPEC,
	KRG_COMM_TEST_CMD_RUN,

	__KRG_COMM_TEST_CMD_MAX,
	KRG_COMM_TEST_CMD_MAX = __KRG_COMM_TEST_CMD_MAX - 1
};

enum krg_comm_test_attr {
	KRG_COMM_TEST_A_UNSPEC,
	KRG_COMM_TEST_A_PAD,		/* pad: for u64 attributes */
	KRG_COMM_TEST_A_OP,		/* u32, enum krg_comm_test_op */
	KRG_COMM_TEST_A_NODE_ID,	/* u32, < KRG_MAX_NODES: the called node */
	/* binary bitmap, bit n (byte n/8, 1 << n%8) = node n: MCAST_ECHO's nodes */
	KRG_COMM_TEST_A_NODE_SET,
	KRG_COMM_TEST_A_SIZE,		/* u32, payload bytes per call, <= MAX_SIZE */
	KRG_COMM_TEST_A_COUNT,		/* u32, number of calls, 1 .. MAX_COUNT */
	KRG_COMM_TEST_A_CONCURRENCY,	/* u32, calls in flight, 1 .. MAX_CONCURRENCY (default 1) */
	KRG_COMM_TEST_A_TIMEOUT_MS,	/* u32, per call timeout, default 10000, <= MAX_TIMEOUT_MS */
	KRG_COMM_TEST_A_SEED,		/* u32, optional: payload pattern seed */
	/*
	 * flag, ASYNC_ECHO and BULK only: send every call zero-copy
	 * (krg_comm_call_async_zc) from one of CONCURRENCY buffers filled
	 * once; size at most 1 MiB
	 */
	KRG_COMM_TEST_A_ZEROCOPY,
	KRG_COMM_TEST_A_OK,		/* u32: calls that completed and verified */
	KRG_COMM_TEST_A_ERRORS,		/* u32: calls that failed */
	KRG_COMM_TEST_A_FIRST_ERROR,	/* s32: -errno of the first failure, 0 if none */
	KRG_COMM_TEST_A_ELAPSED_NS,	/* u64: wall time of the whole run */
	KRG_COMM_TEST_A_BYTES,		/* u64: payload bytes moved (each way counted once) */
	KRG_COMM_TEST_A_CHECKSUM,	/* u32: crc32 (crc32_le, seed ~0) of the last verified payload */
	KRG_COMM_TEST_A_LAT_MIN_NS,	/* u64 */
	KRG_COMM_TEST_A_LAT_MAX_NS,	/* u64 */
	KRG_COMM_TEST_A_REPLIES,	/* u32: replies collected (multicast: summed over nodes) */

	__KRG_COMM_TEST_A_MAX,
	KRG_COMM_TEST_A_MAX = __KRG_COMM_TEST_A_MAX - 1
};

enum krg_comm_test_op {
	KRG_COMM_TEST_NONE,
	KRG_COMM_TEST_ECHO,		/* sync calls, payload echoed back, verified */
	KRG_COMM_TEST_SINK,		/* sync calls, peer replies the payload's crc32, verified */
	/* as SINK, for sizes above one frame (chunked, flow-controlled), crc verified */
	KRG_COMM_TEST_STREAM,
	KRG_COMM_TEST_ASYNC_ECHO,	/* echo with CONCURRENCY async calls in flight */
	KRG_COMM_TEST_MCAST_ECHO,	/* multicast echo to NODE_SET, every reply verified */
	KRG_COMM_TEST_NOP,		/* 0-byte call, reply without payload (latency) */
	/*
	 * peer discards the payload and replies its length: bandwidth; sync
	 * calls, or CONCURRENCY async calls in flight
	 */
	KRG_COMM_TEST_BULK,
};

#endif /* _KRG_COMM_TEST_H */
