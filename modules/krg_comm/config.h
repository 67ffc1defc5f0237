/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm configuration: this node's identity and the cluster key, set
 * once over netlink (config.c), and the module's work queues (main.c).
 */
#ifndef _KRG_COMM_CONFIG_H
#define _KRG_COMM_CONFIG_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <crypto/hash.h>
#include <net/netlink.h>

#include "krg_comm.h"

struct comm_cfg {
	struct mutex lock;		/* serializes configuration changes */
	bool configured;
	bool shutting_down;
	u32 cluster_id;
	u32 self;
	__be32 addr;
	u16 port;
	u32 timeout_ms;
	u64 incarnation;
	u8 key[KRG_COMM_KEY_LEN];
	struct crypto_shash *key_tfm;	/* hmac(sha256) keyed with the cluster key */
	atomic64_t auth_failures;	/* all handshakes/frames that failed auth */
	atomic64_t dropped;		/* connections/frames dropped as invalid */
};

extern struct comm_cfg comm_cfg;

/* Configured and not being unloaded. */
bool comm_running(void);
int comm_cfg_set(struct nlattr **attrs, struct netlink_ext_ack *extack);
/* Module exit: forget the key. */
void comm_cfg_exit(void);

/* main.c */
extern struct workqueue_struct *comm_io_wq;		/* socket I/O, timers */
extern struct workqueue_struct *comm_handler_wq;	/* handlers, callbacks */
extern struct workqueue_struct *comm_memb_wq;		/* ordered: events */

#endif /* _KRG_COMM_CONFIG_H */
