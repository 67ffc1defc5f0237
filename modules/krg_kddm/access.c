// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM local operations: get, grab, find, put, remove, flush, sync, in the
 * callers' contexts (Documentation/kddm-protocol.md, "Local operations").
 * A task waits for the protocol on its set's wait queue, with a deadline
 * (KRG_KDDM_WAIT_MS) and killably, and looks again after every change of
 * the set; nothing polls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

static bool can_pin(struct kddm_entry *e, bool write)
{
	if (!list_empty(&e->queue) && !e->local_turn)
		return false;	/* remote requests parked first: fairness */
	if (e->writer || e->inv_pending)
		return false;
	if (!write)
		return e->state == KDDM_READ || e->state == KDDM_OWNER;
	return e->state == KDDM_OWNER && !e->readers &&
	       krg_nodemask_empty(&e->copyset);
}

/*
 * Under set->lock: start what @e needs for a local get/grab (the
 * LOCAL_REQ transition of the protocol document).
 */
int kddm_local_request(struct kddm_set *set, struct kddm_entry *e, bool write)
{
	u32 to;

	if (e->state == KDDM_OWNER) {
		if (write && !e->inv_pending && !e->writer && !e->readers &&
		    !krg_nodemask_empty(&e->copyset) &&
		    (list_empty(&e->queue) || e->local_turn))
			kddm_invalidate_copies(set, e);
		return 0;	/* else: wait for pins / acks / the queue */
	}
	if (e->state == KDDM_LOST)
		return -EIO;
	if (e->state == KDDM_READ && !write)
		return 0;
	if (e->want == KDDM_WANT_WRITE ||
	    (e->want == KDDM_WANT_READ && !write))
		return 0;	/* already asked */
	if (atomic_read(&kddm_recovering))
		return 0;	/* asked again when the recovery ends */
	to = kddm_target(set, e, e->objid);
	if (to == kddm_self()) {
		if (!e->fresh)
			return -EIO;	/* our hints lead nowhere: lost */
		return kddm_first_touch(set, e);
	}
	e->want = write ? KDDM_WANT_WRITE : KDDM_WANT_READ;
	set->st.remote_reqs++;
	if (kddm_send(set, to, write ? KRG_KDDM_MSG_WRITE_REQ :
				       KRG_KDDM_MSG_READ_REQ,
		      e->objid, kddm_self(), 0, 0, 0, 0, NULL, 0, NULL, 0)) {
		e->want = KDDM_WANT_NONE;
		return -EHOSTDOWN;
	}
	return 0;
}

/* Re-sends the requests of entries waiting for an answer (after a recovery). */
void kddm_resend_requests(struct kddm_set *set)
{
	struct kddm_entry *e;
	struct hlist_node *tmp;
	int bkt;
	u8 want;

	hash_for_each_safe(set->objs, bkt, tmp, e, node) {
		want = e->want;
		e->want = KDDM_WANT_NONE;
		if (want != KDDM_WANT_NONE &&
		    kddm_local_request(set, e, want == KDDM_WANT_WRITE))
			e->err = -EIO;
		kddm_serve_queue(set, e);
	}
	kddm_changed(set);
}

/*
 * The waiting side of get/grab, in three steps that also let the protocol
 * model (tests/kddm_model) drive it without sleeping.  All under set->lock.
 *
 * kddm_wait_begin:  register a local waiter on the entry (created if needed)
 * kddm_acquire_try: 0 and *data once pinned (the waiter is gone), -EAGAIN to
 *                   wait for the next change of the set, or an error
 * kddm_wait_abort:  unregister a waiter that gives up (error, timeout, signal)
 */
struct kddm_entry *kddm_wait_begin(struct kddm_set *set, u64 objid, bool write)
{
	struct kddm_entry *e = kddm_entry_create(set, objid, GFP_KERNEL);

	if (!e)
		return NULL;
	if (write)
		set->st.grabs++;
	else
		set->st.gets++;
	e->err = 0;
	e->last_hops = 0;	/* set again by a grant while we wait */
	e->waiters++;
	if (!write)
		e->waiters_r++;
	return e;
}

int kddm_acquire_try(struct kddm_set *set, struct kddm_entry *e, bool write,
		     struct kddm_op_info *info, void **data)
{
	int ret;

	for (;;) {
		if (set->dead)
			return -ENOENT;
		if (set->left)
			return -EHOSTDOWN;
		if (can_pin(e, write)) {
			if (write)
				e->writer = true;
			else
				e->readers++;
			e->local_turn = false;
			e->waiters--;
			if (!write)
				e->waiters_r--;
			if (info) {
				info->hops = e->last_hops;
				info->epoch = e->epoch;
			}
			*data = e->data;
			return 0;
		}
		if (e->err) {
			ret = e->err;
			e->err = 0;
			return ret;
		}
		ret = kddm_local_request(set, e, write);
		if (ret)
			return ret;
		if (!can_pin(e, write))
			return -EAGAIN;
	}
}

void kddm_wait_abort(struct kddm_set *set, struct kddm_entry *e, bool write)
{
	e->waiters--;
	if (!write)
		e->waiters_r--;
	if (e->local_turn) {
		/* Our turn goes to the queue; other waiters ask again. */
		e->local_turn = false;
		kddm_serve_queue(set, e);
		kddm_changed(set);
	}
	if (!set->dead)
		kddm_entry_maybe_free(set, e);
}

static void *acquire(struct kddm_set *set, u64 objid, bool write,
		     struct kddm_op_info *info)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KRG_KDDM_WAIT_MS);
	struct kddm_entry *e;
	void *data = NULL;
	long left;
	u64 gen;
	int ret;

	might_sleep();
	if (krg_comm_self() < 0)
		return ERR_PTR(-EHOSTDOWN);
	mutex_lock(&set->lock);
	e = kddm_wait_begin(set, objid, write);
	if (!e) {
		mutex_unlock(&set->lock);
		return ERR_PTR(-ENOMEM);
	}
	while ((ret = kddm_acquire_try(set, e, write, info, &data)) == -EAGAIN) {
		gen = set->gen;
		mutex_unlock(&set->lock);
		left = (long)(deadline - jiffies);
		if (left <= 0) {
			ret = -ETIMEDOUT;
		} else {
			left = wait_event_killable_timeout(set->wq,
							   READ_ONCE(set->gen) != gen, left);
			ret = left < 0 ? -EINTR : left == 0 ? -ETIMEDOUT : 0;
		}
		mutex_lock(&set->lock);
		if (ret)
			break;
	}
	if (!ret) {
		mutex_unlock(&set->lock);
		return data;
	}
	if (ret == -ETIMEDOUT)
		pr_warn_ratelimited("set %u object %llu: no answer in %u ms (state %u want %u hint %u)\n",
				    set->id, objid, KRG_KDDM_WAIT_MS, e->state,
				    e->want, e->hint);
	kddm_wait_abort(set, e, write);
	mutex_unlock(&set->lock);
	return ERR_PTR(ret);
}

void *kddm_get(struct kddm_set *set, u64 objid)
{
	return acquire(set, objid, false, NULL);
}
EXPORT_SYMBOL_GPL(kddm_get);

void *kddm_grab(struct kddm_set *set, u64 objid)
{
	return acquire(set, objid, true, NULL);
}
EXPORT_SYMBOL_GPL(kddm_grab);

void *kddm_get_info(struct kddm_set *set, u64 objid, bool write,
		    struct kddm_op_info *info)
{
	return acquire(set, objid, write, info);
}
EXPORT_SYMBOL_GPL(kddm_get_info);

void *kddm_find(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;
	void *data = NULL;

	mutex_lock(&set->lock);
	e = kddm_entry_lookup(set, objid);
	if (e && !set->dead && !e->writer && !e->inv_pending &&
	    (e->state == KDDM_READ || e->state == KDDM_OWNER)) {
		e->readers++;
		data = e->data;
	}
	mutex_unlock(&set->lock);
	return data;
}
EXPORT_SYMBOL_GPL(kddm_find);

void kddm_put(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;

	mutex_lock(&set->lock);
	e = kddm_entry_lookup(set, objid);
	if (!e || (!e->writer && !e->readers)) {
		mutex_unlock(&set->lock);
		WARN_ONCE(1, "kddm: put of object %llu of set %u not held\n",
			  objid, set->id);
		return;
	}
	if (e->writer)
		e->writer = false;
	else
		e->readers--;
	if (!e->writer && !e->readers && !e->local_turn)
		kddm_serve_queue(set, e);
	kddm_changed(set);
	mutex_unlock(&set->lock);
}
EXPORT_SYMBOL_GPL(kddm_put);

int kddm_sync(struct kddm_set *set, u64 objid)
{
	void *data = kddm_grab(set, objid);
	int ret = 0;

	if (IS_ERR(data))
		return PTR_ERR(data);
	if (set->linker->sync)
		ret = set->linker->sync(set, objid, data);
	kddm_put(set, objid);
	return ret;
}
EXPORT_SYMBOL_GPL(kddm_sync);

/* kddm_grab, then set->lock held: the entry this task pins exclusively. */
static struct kddm_entry *grab_entry(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;
	void *data = kddm_grab(set, objid);

	if (IS_ERR(data))
		return data;
	mutex_lock(&set->lock);
	e = kddm_entry_lookup(set, objid);
	if (WARN_ON_ONCE(!e || !e->writer)) {
		mutex_unlock(&set->lock);
		return ERR_PTR(-EINVAL);
	}
	return e;
}

/*
 * A lost object is removed at its custodian (its default owner): forget it
 * there, and the next access first-touches it again.
 */
static int remove_lost(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;
	u32 home;

	mutex_lock(&set->lock);
	home = kddm_default_owner(set, objid);
	e = kddm_entry_lookup(set, objid);
	if (home == kddm_self()) {
		if (e && e->state == KDDM_LOST) {
			kddm_entry_set_state(e, KDDM_INVALID);
			e->hint = KDDM_NONE;
			e->epoch = 0;
			e->fresh = true;
			kddm_entry_maybe_free(set, e);
		}
	} else {
		kddm_send(set, home, KRG_KDDM_MSG_REMOVE, objid, kddm_self(), 0,
			  0, 0, 0, NULL, 0, NULL, 0);
		if (e) {
			e->hint = home;
			e->err = 0;
		}
	}
	kddm_changed(set);
	mutex_unlock(&set->lock);
	return 0;
}

/*
 * Remove: take the only copy, then forget it here and at the default owner,
 * which owns it "virtually" again (the next access first-touches it).
 * Requests parked here are forwarded there.
 */
int kddm_remove(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;
	u32 home;

	e = grab_entry(set, objid);
	if (PTR_ERR_OR_ZERO(e) == -EIO)
		return remove_lost(set, objid);
	if (IS_ERR(e))
		return PTR_ERR(e);
	if (set->linker->remove)
		set->linker->remove(set, objid, e->data);
	kvfree(e->data);
	e->data = NULL;
	e->writer = false;
	kddm_entry_set_state(e, KDDM_INVALID);
	home = kddm_default_owner(set, objid);
	if (home != kddm_self()) {
		kddm_send(set, home, KRG_KDDM_MSG_REMOVE, objid, kddm_self(), 0,
			  e->epoch, 0, 0, NULL, 0, NULL, 0);
		e->hint = home;
		e->fresh = false;
		kddm_serve_queue(set, e);	/* forwarded to home */
		kddm_entry_maybe_free(set, e);
	} else {
		e->epoch = 0;
		e->fresh = true;
		e->hint = KDDM_NONE;
		if (!list_empty(&e->queue) && !kddm_first_touch(set, e))
			kddm_serve_queue(set, e);
		else
			kddm_entry_maybe_free(set, e);
	}
	kddm_changed(set);
	mutex_unlock(&set->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(kddm_remove);

/*
 * Flush: make @node the owner.  Grab the object (so this node owns it), ask
 * @node to pull it (PULL: it sends an ordinary WRITE_REQ), release, and wait
 * (bounded) until ownership has left.
 */
int kddm_flush(struct kddm_set *set, u64 objid, u32 node)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KRG_KDDM_WAIT_MS);
	struct kddm_entry *e;
	long left;
	u64 gen, epoch;
	int ret;

	if (node >= KRG_MAX_NODES || kddm_node_dead(node) ||
	    krg_comm_node_state(node) != KRG_NODE_ONLINE)
		return -EHOSTDOWN;
	e = grab_entry(set, objid);
	if (IS_ERR(e))
		return PTR_ERR(e);
	e->writer = false;
	epoch = e->epoch;	/* an owner's epoch changes only when it hands on */
	ret = node == kddm_self() ? 0 : kddm_send_pull(set, e, node);
	kddm_serve_queue(set, e);
	kddm_changed(set);
	while (!ret && node != kddm_self()) {
		e = kddm_entry_lookup(set, objid);
		/* Gone (maybe back already, with a higher epoch): done. */
		if (!e || e->state != KDDM_OWNER || e->epoch != epoch ||
		    set->dead)
			break;
		gen = set->gen;
		mutex_unlock(&set->lock);
		left = (long)(deadline - jiffies);
		if (left <= 0)
			ret = -ETIMEDOUT;
		else if (wait_event_killable_timeout(set->wq,
						     READ_ONCE(set->gen) != gen, left) < 0)
			ret = -EINTR;
		mutex_lock(&set->lock);
	}
	mutex_unlock(&set->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kddm_flush);
