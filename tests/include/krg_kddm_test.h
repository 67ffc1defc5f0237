/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * krg_kddm_test: the test IO linker of KDDM and the commands that drive it
 * from user space -- the interface between the test module
 * (tests/kddm/kddm_test/krg_kddm_test.ko) and the test programs
 * (libkrg_test, tests/kddm/kddm_client, tests/bench/kddm_bench).
 *
 * Not a user-space API of Kerrighed: this header lives with the tests, not
 * under include/uapi/, the module is built for the test bed only, and
 * nothing here promises compatibility ("the header only grows" binds
 * include/uapi/ alone).
 *
 * Generic netlink family "krg_kddm_test" (spec: tests/include/krg_kddm_test.yaml).
 * Strict policies as in krg_kddm (EINVAL with an extack message; an
 * integer out of its range ERANGE).  Every command needs CAP_SYS_ADMIN.
 *
 *  SET_CREATE   do*  <- SET_ID OBJ_SIZE [POLICY] [ON_FAILURE]
 *                      Creates a set of the test IO linker ("test") on
 *                      every ONLINE node (its ONLINE nodes become the set's
 *                      home nodes).  SET_ID in [BASE, BASE + MAX).  EEXIST
 *                      if it exists.
 *  SET_DESTROY  do*  <- SET_ID       : destroys it on every node.
 *  OP           do*  <- SET_ID OBJ_ID OP [VALUE] [COUNT] [NODE_ID]
 *                   -> VALUE HOPS ELAPSED_NS EPOCH CONSISTENT MSGS
 *                      One operation on a test object (enum
 *                      krg_kddm_test_op), in the calling task (it may sleep;
 *                      every wait is bounded); errors are the netlink error:
 *                      EIO (object lost), EHOSTDOWN, ETIMEDOUT, EINTR,
 *                      ENOENT.
 *
 *  (do* = needs CAP_SYS_ADMIN)
 *
 * Test objects: OBJ_SIZE bytes, a le64 counter at offset 0 followed by a
 * byte pattern derived from it: byte i (i >= 8) = (counter * 31 + i) & 0xff.
 * A READ checks the pattern against the counter (CONSISTENT).
 */
#ifndef _KRG_KDDM_TEST_H
#define _KRG_KDDM_TEST_H

#include <linux/types.h>

#define KRG_KDDM_TEST_GENL_NAME		"krg_kddm_test"
#define KRG_KDDM_TEST_GENL_VERSION	1

/* Test sets take ids in [BASE, BASE + MAX), static ids no module uses. */
#define KRG_KDDM_TEST_BASE		0x8000U
#define KRG_KDDM_TEST_MAX		0x1000U
/* Object size limits of the test IO linker (bytes). */
#define KRG_KDDM_TEST_OBJ_MIN		8U
#define KRG_KDDM_TEST_OBJ_MAX		65536U
#define KRG_KDDM_TEST_MAX_COUNT		10000000U
#define KRG_KDDM_TEST_MAX_HOLD_MS	10000U

enum krg_kddm_test_cmd {
	KRG_KDDM_TEST_CMD_UNSPEC,
	KRG_KDDM_TEST_CMD_SET_CREATE,
	KRG_KDDM_TEST_CMD_SET_DESTROY,
	KRG_KDDM_TEST_CMD_OP,

	__KRG_KDDM_TEST_CMD_MAX,
	KRG_KDDM_TEST_CMD_MAX = __KRG_KDDM_TEST_CMD_MAX - 1
};

enum krg_kddm_test_attr {
	KRG_KDDM_TEST_A_UNSPEC,
	KRG_KDDM_TEST_A_PAD,		/* pad: for u64 attributes */
	KRG_KDDM_TEST_A_SET_ID,		/* u32, BASE .. BASE + MAX - 1 */
	KRG_KDDM_TEST_A_OBJ_SIZE,	/* u32, OBJ_MIN .. OBJ_MAX */
	KRG_KDDM_TEST_A_POLICY,		/* u32, enum krg_kddm_owner_policy (default BY_ID) */
	KRG_KDDM_TEST_A_ON_FAILURE,	/* u32, enum krg_kddm_on_failure (default RECREATE) */
	KRG_KDDM_TEST_A_OBJ_ID,		/* u64 */
	KRG_KDDM_TEST_A_OP,		/* u32, enum krg_kddm_test_op */
	KRG_KDDM_TEST_A_VALUE,		/* u64: operand in, result out */
	KRG_KDDM_TEST_A_COUNT,		/* u32, loops, 1 .. MAX_COUNT */
	KRG_KDDM_TEST_A_NODE_ID,	/* u32, < KRG_MAX_NODES: target node (FLUSH, BENCH_GET) */
	KRG_KDDM_TEST_A_HOPS,		/* u32: forwarding hops of the operation's requests */
	KRG_KDDM_TEST_A_ELAPSED_NS,	/* u64 */
	KRG_KDDM_TEST_A_EPOCH,		/* u64: ownership epoch of the object seen */
	KRG_KDDM_TEST_A_CONSISTENT,	/* u32: 1 if the byte array matched the counter */
	KRG_KDDM_TEST_A_MSGS,		/* u64: protocol messages this node sent during the op */

	__KRG_KDDM_TEST_A_MAX,
	KRG_KDDM_TEST_A_MAX = __KRG_KDDM_TEST_A_MAX - 1
};

enum krg_kddm_test_op {
	KRG_KDDM_TEST_NONE,
	KRG_KDDM_TEST_READ,	/* get, VALUE = counter, put */
	KRG_KDDM_TEST_WRITE,	/* grab, counter = VALUE (pattern rewritten), put */
	KRG_KDDM_TEST_INC,	/* grab, counter += VALUE (default 1), put; VALUE = new counter */
	/* COUNT times INC by 1; VALUE = last counter, ELAPSED_NS = whole loop */
	KRG_KDDM_TEST_INC_LOOP,
	KRG_KDDM_TEST_READ_LOOP,	/* COUNT times READ; VALUE = last counter */
	/* grab, hold VALUE ms (<= MAX_HOLD_MS), counter += 1, put */
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

#endif /* _KRG_KDDM_TEST_H */
