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
 * Compatibility: this header only grows.  The promise does not bind test
 * commands: the test IO linker and the commands that drive it live in a
 * test module with a family of its own (tests/include/krg_kddm_test.h); the
 * TEST_* commands (2-4), the test attributes (25 and up) and the test
 * constants this header carried before are gone, their numbers free.
 */
#ifndef _UAPI_LINUX_KRG_KDDM_H
#define _UAPI_LINUX_KRG_KDDM_H

#include <linux/types.h>

#define KRG_KDDM_GENL_NAME	"krg_kddm"
#define KRG_KDDM_GENL_VERSION	1

/* Set ids: static (well-known, < KRG_KDDM_DYNAMIC_BASE) and dynamic. */
#define KRG_KDDM_DYNAMIC_BASE	0x10000U

/*
 * Commands.
 *
 *  SET_GET          do   <- SET_ID       -> one set (attributes below)
 *                   dump                 -> every set of this node:
 *                        SET_ID LINKER OBJ_SIZE POLICY ON_FAILURE CREATOR
 *                        OBJECTS OWNED READ_COPIES INVALID LOST PINNED
 *                        WAITING GETS GRABS REMOTE_REQS FORWARDS CHAIN_MAX
 *                        CHAIN_HIST MSGS_TX MSGS_RX UNEXPECTED RECOVERIES
 *
 *  (do* = needs CAP_SYS_ADMIN)
 */
enum krg_kddm_cmd {
	KRG_KDDM_CMD_UNSPEC,
	KRG_KDDM_CMD_SET_GET,

	__KRG_KDDM_CMD_MAX,
	KRG_KDDM_CMD_MAX = __KRG_KDDM_CMD_MAX - 1
};

enum krg_kddm_attr {
	KRG_KDDM_A_UNSPEC,
	KRG_KDDM_A_PAD,			/* pad: for u64 attributes */
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

#endif /* _UAPI_LINUX_KRG_KDDM_H */
