/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_kddm internals.  The protocol (states, messages, transitions) is
 * described in Documentation/kddm-protocol.md; the comments here only name
 * things.
 */
#ifndef _KRG_KDDM_INTERNAL_H
#define _KRG_KDDM_INTERNAL_H

#include <linux/sched.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <krg/krg_statemachine.h>

#include "krg_kddm.h"
#include "krg_comm/krg_comm.h"

#define KDDM_NONE		U32_MAX		/* "no node" */
#define KDDM_MAX_HOPS		(2 * KRG_MAX_NODES)
#define KDDM_SEND_WAIT_MS	10000
#define KDDM_HASH_BITS		10

/*
 * Entry states on one node (Documentation/kddm-protocol.md); changed only
 * through kddm_entry_set_state() (object.c), which checks the move.
 */
enum kddm_state {
	KDDM_INVALID,		/* no copy; hint = probable owner */
	KDDM_READ,		/* read copy; hint = owner that granted it */
	KDDM_OWNER,		/* owner; copyset = nodes holding read copies */
	KDDM_LOST,		/* lost with a failed node; this node is custodian */
};

/* Request this node has in flight for an entry. */
enum kddm_want {
	KDDM_WANT_NONE,
	KDDM_WANT_READ,
	KDDM_WANT_WRITE,
};

struct kddm_entry {
	struct hlist_node node;
	u64 objid;
	u8 state;		/* enum kddm_state */
	u8 want;		/* enum kddm_want: request in flight */
	bool inv_pending;	/* owner: waiting for INV_ACKs */
	bool writer;		/* local exclusive pin */
	bool local_turn;	/* a grant arrived for local waiters: they go first */
	bool fresh;		/* never had a state: may be first-touched */
	bool pull_sent;		/* owner: asked a node to pull it (flush, leave) */
	int readers;		/* local shared pins */
	int waiters;		/* local tasks waiting for this entry */
	int waiters_r;		/* ... of which for a read copy */
	u32 hint;		/* probable owner (not owner) / KDDM_NONE */
	u64 epoch;		/* highest ownership epoch known */
	u32 xfer_to;		/* last node we handed ownership to */
	u64 xfer_epoch;		/* ... and the epoch it got */
	u32 last_hops;		/* hops of the last grant received */
	int err;		/* error for local waiters (ERROR message) */
	krg_nodemask_t copyset;
	krg_nodemask_t acks;	/* owner: INV_ACKs still awaited */
	void *data;		/* valid in READ / OWNER */
	struct list_head queue;	/* deferred messages (struct kddm_deferred) */
};

struct kddm_stats {
	u64 gets, grabs, remote_reqs, forwards, unexpected, recoveries;
	u64 chain_hist[KRG_KDDM_CHAIN_HIST];
	u32 chain_max;
	u64 tx[KRG_KDDM_MSG_TYPES], rx[KRG_KDDM_MSG_TYPES];
};

struct kddm_set {
	struct kref ref;
	struct list_head list;		/* kddm_sets */
	u32 id;
	u32 obj_size;
	u32 policy;
	u32 on_failure;
	u32 creator;
	bool dead;			/* destroyed: every wait ends -ENOENT */
	bool left;			/* this node left: only forwards, hands on */
	const struct kddm_io_linker *linker;
	void *private;
	/* Home nodes at creation (fixed): the default-owner ring. */
	krg_nodemask_t home_orig;
	/* Home nodes still alive: default owners.  Only shrinks. */
	krg_nodemask_t home;
	struct mutex lock;		/* entries, home, stats; held while sending */
	u64 gen;			/* bumped (under lock) on every change */
	DECLARE_HASHTABLE(objs, KDDM_HASH_BITS);
	u32 nr_entries;
	wait_queue_head_t wq;		/* every change of any entry */
	struct kddm_stats st;
};

/* A message parked on an entry until its state allows serving it. */
struct kddm_deferred {
	struct list_head list;
	u32 src;
	size_t len;
	u8 msg[];
};

/* Wire header of every KDDM message (little-endian). */
struct kddm_hdr {
	__le16 type;
	__le16 hops;
	__le32 set_id;
	__le64 objid;
	__le32 requester;	/* READ_REQ / WRITE_REQ: who asked */
	__le32 err;		/* ERROR: -errno */
	__le64 epoch;
	__le32 len;		/* payload bytes after the header */
	__le32 aux;		/* type-specific */
} __packed;

/* Payload of SET_CREATE. */
struct kddm_wire_set {
	__le32 id;
	__le32 obj_size;
	__le32 policy;
	__le32 on_failure;
	__le32 creator;
	__le32 reserved;
	struct krg_nodemask_wire home;	/* at creation */
	char linker[32];
	struct krg_nodemask_wire alive;	/* home nodes still alive */
} __packed;

/* Recovery records (REPORT replies and DECIDE payloads). */
struct kddm_wire_rec {
	__le32 set_id;
	u8 state;
	u8 action;
	__le16 reserved;
	__le64 objid;
	__le64 epoch;
	__le32 node;		/* REPORT: xfer_to; DECIDE: new owner/custodian */
	__le32 reserved2;
	__le64 xfer_epoch;
	struct krg_nodemask_wire copyset;
} __packed;

enum { KDDM_ACT_OWNER = 1, KDDM_ACT_LOST = 2 };

static inline u32 kddm_self(void)
{
	return (u32)krg_comm_self();
}

/* set.c */
extern struct list_head kddm_sets;
extern struct mutex kddm_sets_mutex;
struct kddm_set *kddm_set_find(u32 id);	/* with a reference */
int kddm_set_install(const struct kddm_wire_set *w);
void kddm_set_remove_local(u32 id);
void kddm_sets_send_all(u32 node);
void kddm_sets_exit(void);
const struct kddm_io_linker *kddm_linker_find(const char *name);
u32 kddm_default_owner(struct kddm_set *set, u64 objid);
void kddm_stat_chain(struct kddm_set *set, u32 hops);

/* object.c: entries, their states, the nodes taken out */
extern krg_nodemask_t kddm_dead;	/* nodes failed or left (dead_lock) */
extern spinlock_t kddm_dead_lock;
extern atomic_t kddm_recovering;
extern struct krg_sm kddm_object_sm;
bool kddm_node_dead(u32 node);
/* Every change of the set: its waiters look again. */
void kddm_changed(struct kddm_set *set);
struct kddm_entry *kddm_entry_lookup(struct kddm_set *set, u64 objid);
struct kddm_entry *kddm_entry_create(struct kddm_set *set, u64 objid,
				     gfp_t gfp);
void kddm_entry_maybe_free(struct kddm_set *set, struct kddm_entry *e);
void kddm_entry_drop_copy(struct kddm_set *set, struct kddm_entry *e);
/* Moves @e to @to if the protocol allows it (false, warned, else). */
bool kddm_entry_set_state(struct kddm_entry *e, u8 to);
void kddm_set_free_entries(struct kddm_set *set);
/* A zeroed copy of the set's object size. */
void *kddm_alloc_data(struct kddm_set *set);
int kddm_first_touch(struct kddm_set *set, struct kddm_entry *e);

/* protocol.c: messages */
int kddm_send(struct kddm_set *set, u32 node, u16 type, u64 objid,
	      u32 requester, u16 hops, u64 epoch, int err, u32 aux,
	      const void *p1, size_t l1, const void *p2, size_t l2);
/* Where to send a request for @e (or for an object with no entry). */
u32 kddm_target(struct kddm_set *set, struct kddm_entry *e, u64 objid);
void kddm_handler(struct krg_comm_req *req);
int kddm_send_pull(struct kddm_set *set, struct kddm_entry *e, u32 to);
void kddm_invalidate_copies(struct kddm_set *set, struct kddm_entry *e);
void kddm_serve_queue(struct kddm_set *set, struct kddm_entry *e);
extern struct krg_comm_service kddm_service;

/* access.c: local operations */
int kddm_local_request(struct kddm_set *set, struct kddm_entry *e, bool write);
void kddm_resend_requests(struct kddm_set *set);
struct kddm_entry *kddm_wait_begin(struct kddm_set *set, u64 objid, bool write);
int kddm_acquire_try(struct kddm_set *set, struct kddm_entry *e, bool write,
		     struct kddm_op_info *info, void **data);
void kddm_wait_abort(struct kddm_set *set, struct kddm_entry *e, bool write);

/* membership.c: nodes joining and leaving */
extern krg_nodemask_t kddm_handoff;	/* HANDOFF_DONE seen (dead_lock) */
void kddm_leave_local(bool unload);
void kddm_hello(u32 src);
void kddm_announce(bool loading);
void kddm_handoff_done(u32 src);
void kddm_leave_wake(void);
void kddm_left_grant(struct kddm_set *set, struct kddm_entry *e);
extern struct krg_comm_notifier kddm_notifier;

/* recovery.c: nodes taken out */
void kddm_memb_local(u32 gone);
int kddm_recovery_init(void);
void kddm_recovery_exit(void);
void kddm_report(struct krg_comm_req *req);
void kddm_decide(struct krg_comm_req *req);

/* netlink.c */
int kddm_nl_init(void);
void kddm_nl_exit(void);

#endif /* _KRG_KDDM_INTERNAL_H */
