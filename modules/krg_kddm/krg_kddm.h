/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_kddm: the Kernel Distributed Data Manager: object sets, coherence
 * protocol, IO linkers.
 *
 * This header is the module's whole interface to the modules above it.
 *
 * A set holds objects of one size, named by a 64-bit id.  Every object has
 * exactly one owner node at a time and read copies on the nodes of the
 * owner's copyset (write-invalidate, many readers / one writer, sequential
 * consistency).  Ownership migrates to the node that grabs the object;
 * requests find the owner through probable-owner hints.  The protocol is
 * written down in Documentation/kddm-protocol.md.
 *
 * Error codes:
 *   -ENOENT     no such set (or the set was destroyed while waiting)
 *   -EIO        the object was lost with a failed node (set policy LOST, or
 *               RECREATE without a surviving copy) until it is removed
 *   -EHOSTDOWN  the cluster is not formed / this node is leaving
 *   -ETIMEDOUT  no answer within KRG_KDDM_WAIT_MS (a bug or a partition;
 *               counted)
 *   -EINTR      a fatal signal arrived while waiting
 *   -EBUSY      remove/flush of an object the caller holds
 */
#ifndef _KRG_KDDM_H
#define _KRG_KDDM_H

#include <linux/types.h>
#include <uapi/linux/krg_kddm.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_KDDM_ABI 2

/* Returns KRG_KDDM_ABI as this module was built. */
u32 krg_kddm_abi(void);

/* Largest object of a set (bytes). */
#define KRG_KDDM_OBJ_MAX	65536U

/* Longest a get/grab waits for the protocol before -ETIMEDOUT. */
#define KRG_KDDM_WAIT_MS	30000

struct kddm_set;

/*
 * IO linker: the glue between a set's objects and real kernel objects.
 * KDDM keeps every valid copy as obj_size bytes it allocates; the linker
 * is told of the object's life.  All callbacks may be NULL and run in
 * process context without KDDM locks held unless noted; they must not call
 * back into KDDM for the same set.
 */
struct kddm_io_linker {
	const char *name;
	/* The object is accessed for the first time: fill @data (zeroed). */
	int (*first_touch)(struct kddm_set *set, u64 objid, void *data);
	/* A copy arrived from another node (@data holds it). */
	void (*import)(struct kddm_set *set, u64 objid, void *data);
	/* This node's copy is being dropped (invalidated or moved away). */
	void (*invalidate)(struct kddm_set *set, u64 objid, void *data);
	/* The object is removed cluster-wide (called on its owner). */
	void (*remove)(struct kddm_set *set, u64 objid, void *data);
	/* Write the owner's copy back to where the object lives. */
	int (*sync)(struct kddm_set *set, u64 objid, void *data);
	/* Optional: default owner; else the set's policy decides. */
	u32 (*default_owner)(struct kddm_set *set, u64 objid);
};

int kddm_register_linker(const struct kddm_io_linker *linker);
void kddm_unregister_linker(const struct kddm_io_linker *linker);

struct kddm_set_params {
	u32 obj_size;			/* 1 .. KRG_KDDM_OBJ_MAX bytes */
	u32 policy;			/* enum krg_kddm_owner_policy */
	u32 on_failure;			/* enum krg_kddm_on_failure */
	const char *linker;		/* registered linker name */
	void *private;			/* the linker's, see kddm_set_private() */
};

/*
 * Creates set @id on every ONLINE node (and on nodes that join later); the
 * ONLINE nodes become its home nodes (default owners).  Sleeps.
 * -EEXIST, -EINVAL, -ENOENT (linker), -EHOSTDOWN (not a member).
 */
int kddm_set_create(u32 id, const struct kddm_set_params *params);
/* Destroys set @id everywhere.  Waiters get -ENOENT. */
int kddm_set_destroy(u32 id);

/* Reference to set @id on this node, or NULL.  Drop with kddm_set_put(). */
struct kddm_set *kddm_set_get(u32 id);
void kddm_set_put(struct kddm_set *set);
u32 kddm_set_id(const struct kddm_set *set);
u32 kddm_set_obj_size(const struct kddm_set *set);
void *kddm_set_private(const struct kddm_set *set);
/* The set's IO linker (a linker owning test sets tells its own from others'). */
const struct kddm_io_linker *krg_kddm_set_linker(const struct kddm_set *set);
/* Protocol messages this node sent for the set so far (every type). */
u64 krg_kddm_set_msgs_sent(struct kddm_set *set);

/*
 * Object operations (process context, may sleep; never with spinlocks held).
 *
 * kddm_get    read copy, pinned (shared) until kddm_put
 * kddm_grab   the only copy, owned here, pinned (exclusive) until kddm_put
 * kddm_find   pinned read access to a copy already here, else NULL (no
 *             message is sent)
 * kddm_put    releases a get/grab/find pin
 * kddm_remove removes the object cluster-wide (the next access first-touches
 *             it again)
 * kddm_flush  makes @node the owner (it pulls the object) and waits for it
 * kddm_sync   grabs, calls the linker's sync, puts
 *
 * The returned pointer is valid until kddm_put.  A task must not hold
 * two pins on one object.
 */
void *kddm_get(struct kddm_set *set, u64 objid);
void *kddm_grab(struct kddm_set *set, u64 objid);
void *kddm_find(struct kddm_set *set, u64 objid);
void kddm_put(struct kddm_set *set, u64 objid);
int kddm_remove(struct kddm_set *set, u64 objid);
int kddm_flush(struct kddm_set *set, u64 objid, u32 node);
int kddm_sync(struct kddm_set *set, u64 objid);

/*
 * What the last get/grab of the calling context cost: forwarding hops and
 * protocol messages sent by this node while it waited (test/bench use).
 */
struct kddm_op_info {
	u32 hops;
	u64 epoch;
};
void *kddm_get_info(struct kddm_set *set, u64 objid, bool write,
		    struct kddm_op_info *info);

#endif /* _KRG_KDDM_H */
