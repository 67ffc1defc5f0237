/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * krg_kddm: Kerrighed Distributed Data Manager -- user-space interface.
 *
 * Generic netlink family "krg_kddm" (spec: Documentation/netlink/krg_kddm.yaml).
 * One flat attribute space (enum krg_kddm_attr); each command accepts only
 * the attributes listed next to it (strict policies; anything else is
 * rejected with EINVAL and an extack message; an integer outside its range
 * with ERANGE, as netlink does).  Mutating commands need
 * CAP_SYS_ADMIN (EPERM otherwise).
 *
 * Compatibility: this header only grows.
 */
#ifndef _UAPI_LINUX_KRG_KDDM_H
#define _UAPI_LINUX_KRG_KDDM_H

#include <linux/types.h>

#define KRG_KDDM_GENL_NAME	"krg_kddm"
#define KRG_KDDM_GENL_VERSION	1

/* Set ids: static (well-known, < KRG_KDDM_DYNAMIC_BASE) and dynamic. */
#define KRG_KDDM_DYNAMIC_BASE	0x10000U
/* Test sets (test IO linker) take ids in [TEST_BASE, TEST_BASE + TEST_MAX). */
#define KRG_KDDM_TEST_BASE	0x8000U
#define KRG_KDDM_TEST_MAX	0x1000U
/* Object size limits of the test IO linker (bytes). */
#define KRG_KDDM_TEST_OBJ_MIN	8U
#define KRG_KDDM_TEST_OBJ_MAX	65536U
#define KRG_KDDM_TEST_MAX_COUNT	10000000U
#define KRG_KDDM_TEST_MAX_HOLD_MS	10000U

/*
 * Commands.
 *
 *  SET_GET          do   <- SET_ID       -> one set (attributes below)
 *                   dump                 -> every set of this node:
 *                        SET_ID LINKER OBJ_SIZE POLICY ON_FAILURE CREATOR
 *                        OBJECTS OWNED READ_COPIES INVALID LOST PINNED
 *                        WAITING GETS GRABS REMOTE_REQS FORWARDS CHAIN_MAX
 *                        CHAIN_HIST MSGS_TX MSGS_RX UNEXPECTED RECOVERIES
 *  TEST_SET_CREATE  do*  <- SET_ID OBJ_SIZE [POLICY] [ON_FAILURE]
 *                        Creates a set of the test IO linker on every ONLINE
 *                        node (the creating node's online set becomes the
 *                        set's home nodes).  SET_ID in the test range.
 *                        EEXIST if it exists.
 *  TEST_SET_DESTROY do*  <- SET_ID        : destroys it on every node.
 *  TEST_OP          do*  <- SET_ID OBJ_ID TEST_OP [VALUE] [COUNT] [NODE_ID]
 *                        -> VALUE HOPS ELAPSED_NS EPOCH CONSISTENT
 *                        One operation on a test object (see enum
 *                        krg_kddm_test_op); runs in the calling task (it
 *                        may sleep; every wait is bounded), errors are
 *                        returned as the netlink error: EIO (object lost),
 *                        EHOSTDOWN, ETIMEDOUT, EINTR (signal).
 *
 *  (do* = needs CAP_SYS_ADMIN)
 */
enum krg_kddm_cmd {
	KRG_KDDM_CMD_UNSPEC,
	KRG_KDDM_CMD_SET_GET,
	KRG_KDDM_CMD_TEST_SET_CREATE,
	KRG_KDDM_CMD_TEST_SET_DESTROY,
	KRG_KDDM_CMD_TEST_OP,

	__KRG_KDDM_CMD_MAX,
	KRG_KDDM_CMD_MAX = __KRG_KDDM_CMD_MAX - 1
};

enum krg_kddm_attr {
	KRG_KDDM_A_UNSPEC,
	KRG_KDDM_A_PAD,
	KRG_KDDM_A_SET_ID,		/* u32 */
	KRG_KDDM_A_LINKER,		/* string: IO linker name ("test", ...) */
	KRG_KDDM_A_OBJ_SIZE,		/* u32, bytes */
	KRG_KDDM_A_POLICY,		/* u32, enum krg_kddm_owner_policy */
	KRG_KDDM_A_ON_FAILURE,		/* u32, enum krg_kddm_on_failure */
	KRG_KDDM_A_CREATOR,		/* u32, node id */
	/* statistics (read only) */
	KRG_KDDM_A_OBJECTS,		/* u32: entries known here */
	KRG_KDDM_A_OWNED,		/* u32: objects this node owns */
	KRG_KDDM_A_READ_COPIES,		/* u32: read copies held (not owner) */
	KRG_KDDM_A_INVALID,		/* u32: entries with no copy (hint only) */
	KRG_KDDM_A_LOST,		/* u32: objects marked lost */
	KRG_KDDM_A_PINNED,		/* u32: objects pinned by local users */
	KRG_KDDM_A_WAITING,		/* u32: objects with a request in flight */
	KRG_KDDM_A_GETS,		/* u64: local get calls */
	KRG_KDDM_A_GRABS,		/* u64: local grab calls */
	KRG_KDDM_A_REMOTE_REQS,		/* u64: requests this node sent */
	KRG_KDDM_A_FORWARDS,		/* u64: requests this node forwarded */
	KRG_KDDM_A_CHAIN_MAX,		/* u32: longest forwarding chain seen (hops) */
	/* binary, le64[KRG_KDDM_CHAIN_HIST]: requests served after 0, 1, ... hops */
	KRG_KDDM_A_CHAIN_HIST,
	KRG_KDDM_A_MSGS_TX,		/* binary, le64[KRG_KDDM_MSG_TYPES] */
	KRG_KDDM_A_MSGS_RX,		/* binary, le64[KRG_KDDM_MSG_TYPES] */
	KRG_KDDM_A_UNEXPECTED,		/* u64: unexpected messages (answered with errors) */
	KRG_KDDM_A_RECOVERIES,		/* u64: membership recoveries run */
	/* test operations */
	KRG_KDDM_A_OBJ_ID,		/* u64 */
	KRG_KDDM_A_TEST_OP,		/* u32, enum krg_kddm_test_op */
	KRG_KDDM_A_VALUE,		/* u64: operand in, result out */
	KRG_KDDM_A_COUNT,		/* u32, loops, 1 .. KRG_KDDM_TEST_MAX_COUNT */
	KRG_KDDM_A_NODE_ID,		/* u32: target node (FLUSH) */
	KRG_KDDM_A_HOPS,		/* u32: forwarding hops of the operation's requests */
	KRG_KDDM_A_ELAPSED_NS,		/* u64 */
	KRG_KDDM_A_EPOCH,		/* u64: ownership epoch of the object seen */
	KRG_KDDM_A_CONSISTENT,		/* u32: 1 if the byte array matched the counter */
	KRG_KDDM_A_MSGS,		/* u64: protocol messages this node sent during the op */

	__KRG_KDDM_A_MAX,
	KRG_KDDM_A_MAX = __KRG_KDDM_A_MAX - 1
};

#define KRG_KDDM_CHAIN_HIST	8	/* last bucket: 7 hops or more */

/* Protocol message types (index of MSGS_TX / MSGS_RX). */
enum krg_kddm_msg_type {
	KRG_KDDM_MSG_NONE,
	KRG_KDDM_MSG_READ_REQ,
	KRG_KDDM_MSG_WRITE_REQ,
	KRG_KDDM_MSG_READ_GRANT,
	KRG_KDDM_MSG_WRITE_GRANT,
	KRG_KDDM_MSG_INV,
	KRG_KDDM_MSG_INV_ACK,
	KRG_KDDM_MSG_ERROR,
	KRG_KDDM_MSG_REMOVE,
	KRG_KDDM_MSG_PULL,		/* "request ownership from me" (flush, leaving) */
	KRG_KDDM_MSG_SET_CREATE,
	KRG_KDDM_MSG_SET_DESTROY,
	KRG_KDDM_MSG_REPORT,		/* recovery: state report */
	KRG_KDDM_MSG_DECIDE,		/* recovery: decisions */
	KRG_KDDM_MSG_HANDOFF_DONE,	/* node leaving: everything handed off */
	KRG_KDDM_MSG_HELLO,		/* krg_kddm loaded on a member: forget it was gone */

	KRG_KDDM_MSG_TYPES
};

enum krg_kddm_owner_policy {
	KRG_KDDM_OWNER_BY_ID,		/* home node (obj_id mod number of home nodes) */
	KRG_KDDM_OWNER_BY_HASH,		/* home node hash(obj_id) mod number of home nodes */
	KRG_KDDM_OWNER_CREATOR,		/* the node that created the set */
};

/* What happens to an object whose owner failed. */
enum krg_kddm_on_failure {
	/* recreated from a surviving read copy, else lost */
	KRG_KDDM_FAIL_RECREATE,
	/* lost: get/grab return -EIO until it is removed */
	KRG_KDDM_FAIL_LOST,
};

/*
 * Test objects: OBJ_SIZE bytes, a le64 counter at offset 0 followed by a
 * byte pattern derived from it: byte i (i >= 8) = (counter * 31 + i) & 0xff.
 * A READ checks the pattern against the counter (CONSISTENT).
 */
enum krg_kddm_test_op {
	KRG_KDDM_TEST_NONE,
	KRG_KDDM_TEST_READ,	/* get, VALUE = counter, put */
	KRG_KDDM_TEST_WRITE,	/* grab, counter = VALUE (pattern rewritten), put */
	KRG_KDDM_TEST_INC,	/* grab, counter += VALUE (default 1), put; VALUE = new counter */
	/* COUNT times INC by 1; VALUE = last counter, ELAPSED_NS = whole loop */
	KRG_KDDM_TEST_INC_LOOP,
	KRG_KDDM_TEST_READ_LOOP,	/* COUNT times READ; VALUE = last counter */
	/* grab, hold VALUE ms (<= KRG_KDDM_TEST_MAX_HOLD_MS), counter += 1, put */
	KRG_KDDM_TEST_HOLD,
	KRG_KDDM_TEST_REMOVE,	/* remove the object cluster-wide */
	KRG_KDDM_TEST_FLUSH,	/* grab, then hand ownership to NODE_ID (it pulls) */
	KRG_KDDM_TEST_FIND,	/* local only: VALUE = counter if a valid copy is here, else ENOENT */
	/*
	 * Benchmark: COUNT times { flush the object to NODE_ID; get it back
	 * (a read copy from a remote owner); put }.  VALUE = total ns spent in
	 * the gets only, HOPS = summed hops, MSGS = all messages.
	 */
	KRG_KDDM_TEST_BENCH_GET,
};

#endif /* _UAPI_LINUX_KRG_KDDM_H */
