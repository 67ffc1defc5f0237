// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM entries: what one node knows of one object of a set, and the state
 * machine of that knowledge (Documentation/kddm-protocol.md, "States of an
 * entry").  Every state change goes through kddm_entry_set_state(), which
 * accepts exactly these moves (WARN_ONCE and a counter in debugfs
 * "state_machines" otherwise; tests/kddm_model fails on the warning):
 *
 *               READ_GRANT                WRITE_GRANT, recreated
 *   INVALID -------------------> READ ---------------------------> OWNER
 *    ^ ^ |  <-------------------  |  from read copies               |
 *    | | |  INV, leave, decide    |                                 |
 *    | | |  drop, REMOVE          | decide LOST (custodian),        |
 *    | | |                        v no memory for an owned copy     |
 *    | | +--- decide LOST ----> LOST                                |
 *    | |      (custodian),       |                                  |
 *    | |      no memory          | removed, decide (custodian       |
 *    | |                         | elsewhere), REMOVE received      |
 *    | +-------------------------+                                  |
 *    +------------- WRITE_GRANT sent, removed ----------------------+
 *
 *   INVALID -> OWNER     first touch, WRITE_GRANT received
 *   READ -> READ         a newer READ_GRANT (staying put is always allowed)
 *
 * Never: OWNER -> READ or LOST (an owner hands its copy on, and recovery
 * never declares a live owner's object lost), LOST -> READ or OWNER (a lost
 * object starts again only once removed, from INVALID).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "internal.h"

krg_nodemask_t kddm_dead;
DEFINE_SPINLOCK(kddm_dead_lock);
atomic_t kddm_recovering = ATOMIC_INIT(0);

static const char *const state_names[] = {
	[KDDM_INVALID] = "INVALID",
	[KDDM_READ] = "READ",
	[KDDM_OWNER] = "OWNER",
	[KDDM_LOST] = "LOST",
};

#define ES(s)	BIT(KDDM_##s)
static const unsigned long state_moves[ARRAY_SIZE(state_names)] = {
	[KDDM_INVALID]	= ES(READ) | ES(OWNER) | ES(LOST),
	[KDDM_READ]	= ES(INVALID) | ES(OWNER) | ES(LOST),
	[KDDM_OWNER]	= ES(INVALID),
	[KDDM_LOST]	= ES(INVALID),
};

struct krg_sm kddm_object_sm = KRG_SM_INIT("krg_kddm object", state_names,
					   state_moves);

bool kddm_entry_set_state(struct kddm_entry *e, u8 to)
{
	if (!krg_sm_allowed(&kddm_object_sm, e->state, to))
		return false;
	e->state = to;
	return true;
}

bool kddm_node_dead(u32 node)
{
	bool dead;

	if (node >= KRG_MAX_NODES)
		return true;
	spin_lock_bh(&kddm_dead_lock);
	dead = krg_nodemask_test(&kddm_dead, node);
	spin_unlock_bh(&kddm_dead_lock);
	return dead;
}

void kddm_changed(struct kddm_set *set)
{
	set->gen++;
	wake_up_all(&set->wq);
}

struct kddm_entry *kddm_entry_lookup(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;

	hash_for_each_possible(set->objs, e, node, objid)
		if (e->objid == objid)
			return e;
	return NULL;
}

struct kddm_entry *kddm_entry_create(struct kddm_set *set, u64 objid,
				     gfp_t gfp)
{
	struct kddm_entry *e = kddm_entry_lookup(set, objid);

	if (e)
		return e;
	e = kzalloc(sizeof(*e), gfp);
	if (!e)
		return NULL;
	e->objid = objid;
	e->state = KDDM_INVALID;
	e->hint = KDDM_NONE;
	e->xfer_to = KDDM_NONE;
	e->fresh = true;
	INIT_LIST_HEAD(&e->queue);
	hash_add(set->objs, &e->node, objid);
	set->nr_entries++;
	return e;
}

void kddm_entry_drop_copy(struct kddm_set *set, struct kddm_entry *e)
{
	if (!e->data)
		return;
	if (set->linker->invalidate)
		set->linker->invalidate(set, e->objid, e->data);
	kvfree(e->data);
	e->data = NULL;
}

/* Frees @e if it carries nothing that matters (not a copy, not busy). */
void kddm_entry_maybe_free(struct kddm_set *set, struct kddm_entry *e)
{
	if (e->data || e->state == KDDM_OWNER || e->state == KDDM_LOST ||
	    e->readers || e->writer || e->waiters || e->want ||
	    !list_empty(&e->queue))
		return;
	hash_del(&e->node);
	set->nr_entries--;
	kfree(e);
}

static void entry_free(struct kddm_set *set, struct kddm_entry *e)
{
	struct kddm_deferred *d, *tmp;

	list_for_each_entry_safe(d, tmp, &e->queue, list) {
		list_del(&d->list);
		kfree(d);
	}
	kvfree(e->data);
	hash_del(&e->node);
	set->nr_entries--;
	kfree(e);
}

void kddm_set_free_entries(struct kddm_set *set)
{
	struct kddm_entry *e;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(set->objs, bkt, tmp, e, node)
		entry_free(set, e);
}

void *kddm_alloc_data(struct kddm_set *set)
{
	return kvzalloc(set->obj_size, GFP_KERNEL);
}

/* First touch: this node (the default owner) creates the object. */
int kddm_first_touch(struct kddm_set *set, struct kddm_entry *e)
{
	int ret = 0;

	e->data = kddm_alloc_data(set);
	if (!e->data)
		return -ENOMEM;
	if (set->linker->first_touch)
		ret = set->linker->first_touch(set, e->objid, e->data);
	if (ret || !kddm_entry_set_state(e, KDDM_OWNER)) {
		kvfree(e->data);
		e->data = NULL;
		return ret ?: -EINVAL;
	}
	e->epoch++;
	e->fresh = false;
	e->hint = KDDM_NONE;
	krg_nodemask_zero(&e->copyset);
	return 0;
}
