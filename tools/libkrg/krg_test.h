/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkrg_test: the clients of the test modules' generic netlink families,
 * for the test programs and benchmarks only (tests/comm/krgcomm,
 * tests/kddm/kddm_client, tests/bench/kddm_bench).  Built as an archive of
 * its own, libkrg_test.a, beside libkrg.a: the production library and its
 * header carry no test entry points.  Same core, same pattern (krg_nl.h),
 * same errors (struct krg_err) as libkrg.
 *
 *   krg_comm_test   comm_test.c   the test RPC service's driver
 *   krg_kddm_test   kddm_test.c   the test IO linker's sets and operations
 *   any family      raw.c         requests built by hand (hostile input)
 */
#ifndef _KRG_TEST_H
#define _KRG_TEST_H

#include "krg.h"
#include <krg_comm_test.h>
#include <krg_kddm_test.h>

/* ---- krg_comm_test (comm_test.c) ---- */

struct krg_comm_test_args {
	uint32_t op;			/* enum krg_comm_test_op */
	uint32_t node;			/* the called node (every op but MCAST_ECHO) */
	struct krg_nodeset nodes;	/* MCAST_ECHO's nodes */
	uint32_t size;			/* payload bytes per call */
	uint32_t count;			/* calls */
	uint32_t concurrency;		/* 0: not sent (the module's default, 1) */
	uint32_t timeout_ms;		/* 0: not sent (10 s) */
	uint32_t seed;			/* payload pattern */
	bool zerocopy;
};

struct krg_comm_test_result {
	uint32_t ok, errors, replies, checksum;
	int32_t first_error;		/* -errno of the first failure, 0 if none */
	uint64_t elapsed_ns, bytes, lat_min_ns, lat_max_ns;
};

/* Runs the calls on this node's module; the result is what it verified. */
int krg_comm_test_run(struct krg_handle *h, const struct krg_comm_test_args *a,
		      struct krg_comm_test_result *r, struct krg_err *err);
/* "echo", "sink", "stream", "async", "mcast", "nop", "bulk"; 0 if unknown. */
uint32_t krg_comm_test_op_parse(const char *name);

/* ---- krg_kddm_test (kddm_test.c) ---- */

/* Reply of one OP; has: bit (1 << KRG_KDDM_TEST_A_*) for each attribute. */
struct krg_kddm_test_reply {
	uint64_t has;
	uint64_t value, elapsed_ns, epoch, msgs;
	uint32_t hops, consistent;
};

/* Optional arguments of an OP: the matching bit of give says which are sent. */
#define KRG_KDDM_TEST_GIVE_VALUE	0x1
#define KRG_KDDM_TEST_GIVE_COUNT	0x2
#define KRG_KDDM_TEST_GIVE_NODE		0x4

struct krg_kddm_test_args {
	uint32_t set;
	uint64_t obj;
	uint32_t op;			/* enum krg_kddm_test_op */
	unsigned int give;
	uint64_t value;
	uint32_t count;
	uint32_t node;
};

int krg_kddm_test_op(struct krg_handle *h, const struct krg_kddm_test_args *a,
		     struct krg_kddm_test_reply *r, struct krg_err *err);
/* policy / on_failure < 0: attribute not sent (the module's default). */
int krg_kddm_test_set_create(struct krg_handle *h, uint32_t set, uint32_t obj_size,
			     int policy, int on_failure, struct krg_err *err);
int krg_kddm_test_set_destroy(struct krg_handle *h, uint32_t set, struct krg_err *err);
/* "read", "write", "inc", ... or a number; -1 if neither. */
int krg_kddm_test_op_parse(const char *s);

/* ---- requests built by hand (raw.c) ---- */

enum krg_raw_kind { KRG_RAW_U8, KRG_RAW_U16, KRG_RAW_U32, KRG_RAW_U64, KRG_RAW_STR,
		    KRG_RAW_FLAG, KRG_RAW_BIN };

#define KRG_RAW_MAX_LEN 512

struct krg_raw_attr {
	int type;			/* attribute number */
	enum krg_raw_kind kind;
	uint64_t num;			/* integers */
	uint8_t data[KRG_RAW_MAX_LEN];	/* KRG_RAW_STR (terminated) and KRG_RAW_BIN */
	int len;			/* KRG_RAW_BIN */
};

/* "ATTR:TYPE:VALUE", TYPE u8 u16 u32 u64 str flag (no VALUE) bin (hex digits). */
int krg_raw_attr_parse(const char *spec, struct krg_raw_attr *a, struct krg_err *err);
/*
 * Sends command cmd of family (the module is named like the family) with
 * the n attributes as given, nothing checked; returns the kernel's answer
 * (0 or -errno, with its extack message in err).  Replies are ignored.
 */
int krg_raw_request(struct krg_handle *h, const char *family, uint8_t cmd, bool dump,
		    const struct krg_raw_attr *attrs, int n, struct krg_err *err);

#endif /* _KRG_TEST_H */
