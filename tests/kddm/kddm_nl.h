/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kddm_nl: a small libnl-genl-3 client of the "krg_kddm" family, shared by
 * the test client (tests/kddm/kddm_client.c) and the benchmark
 * (tests/bench/kddm_bench.c).  NETLINK_EXT_ACK is on: every error carries
 * the kernel's message when it gave one.
 */
#ifndef _KDDM_NL_H
#define _KDDM_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/krg_kddm.h>

struct kddm_nl;

struct kddm_err {
	int code;		/* -errno, 0 if none */
	char msg[512];		/* the kernel's extack message, "" if none */
};

/* Opens a socket and resolves the family: -ENOENT if krg_kddm is not loaded. */
int kddm_open(struct kddm_nl **hp, struct kddm_err *err);
void kddm_close(struct kddm_nl *h);

/* Reply of one TEST_OP; has has bit (1 << attr) for each attribute present. */
struct kddm_reply {
	uint64_t has;
	uint64_t value, elapsed_ns, epoch, msgs;
	uint32_t hops, consistent;
};

/* Optional arguments of kddm_op(): the matching bit of "give" says which. */
#define KDDM_GIVE_VALUE	0x1
#define KDDM_GIVE_COUNT	0x2
#define KDDM_GIVE_NODE	0x4

struct kddm_op_args {
	uint32_t set;
	uint64_t obj;
	uint32_t op;
	unsigned int give;
	uint64_t value;
	uint32_t count;
	uint32_t node;
};

int kddm_op(struct kddm_nl *h, const struct kddm_op_args *a, struct kddm_reply *r,
	    struct kddm_err *err);

/* policy / on_failure < 0: attribute not sent. */
int kddm_set_create(struct kddm_nl *h, uint32_t set, uint32_t obj_size, int policy,
		    int on_failure, struct kddm_err *err);
int kddm_set_destroy(struct kddm_nl *h, uint32_t set, struct kddm_err *err);

struct kddm_set_info {
	uint64_t has;				/* bit (1 << attr) per attribute present */
	uint64_t v[KRG_KDDM_A_MAX + 1];		/* integer attributes */
	char linker[64];
	uint64_t chain_hist[KRG_KDDM_CHAIN_HIST];
	uint64_t msgs_tx[KRG_KDDM_MSG_TYPES];
	uint64_t msgs_rx[KRG_KDDM_MSG_TYPES];
};

typedef int (*kddm_set_cb)(const struct kddm_set_info *s, void *arg);
/* all: dump every set; else SET_GET of one set. */
int kddm_sets(struct kddm_nl *h, bool all, uint32_t set, kddm_set_cb cb, void *arg,
	      struct kddm_err *err);

/* A request built by hand (for the hostile-input tests). */
enum kddm_raw_type { RAW_U8, RAW_U16, RAW_U32, RAW_U64, RAW_STR, RAW_FLAG, RAW_BIN };
struct kddm_raw_attr {
	int type;		/* attribute number */
	enum kddm_raw_type kind;
	uint64_t num;
	const void *data;	/* RAW_STR (NUL-terminated) / RAW_BIN */
	int len;		/* RAW_BIN */
};
int kddm_raw(struct kddm_nl *h, int cmd, bool dump, const struct kddm_raw_attr *attrs,
	     int n, struct kddm_err *err);

/* Names. */
const char *kddm_op_name(uint32_t op);
int kddm_op_parse(const char *s);		/* name or number; -1 if unknown */
const char *kddm_msg_name(unsigned int type);	/* "read_req", ...; NULL if out of range */
const char *kddm_attr_name(int attr);		/* "set_id", ...; NULL if none */
const char *kddm_errno_name(int err);		/* "EIO" for 5 or -5 */
/* The error as the tools print it, without "Error: ". */
const char *kddm_err_str(const struct kddm_err *err);

/* CLOCK_MONOTONIC_RAW in nanoseconds. */
uint64_t kddm_now_ns(void);

#endif /* _KDDM_NL_H */
