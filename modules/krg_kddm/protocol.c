// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM coherence protocol: write-invalidate, many readers / one writer,
 * migrating ownership found through probable-owner hints (Li & Hudak's
 * dynamic distributed manager), first touch at the default owner.
 *
 * Documentation/kddm-protocol.md is the reference: every state, message and
 * transition below is listed there, and the comments use its names.
 *
 * Concurrency: incoming messages are handled one at a time, in arrival
 * order, by krg_comm's ordered work queue for KRG_SVC_KDDM (so messages from
 * one sender are handled in the order it sent them).  Local get/grab/put
 * run in their callers' contexts.  Both work under the set's mutex, which is
 * held while the resulting messages are queued: a set's state changes and
 * the messages announcing them leave in one order.  Nothing waits for a
 * message while holding it; waiting tasks sleep on the set's wait queue with
 * a deadline and look again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

unsigned long kddm_dead[BITS_TO_LONGS(KRG_MAX_NODES)];
DEFINE_SPINLOCK(kddm_dead_lock);
atomic_t kddm_recovering = ATOMIC_INIT(0);

bool kddm_node_dead(u32 node)
{
	bool dead;

	if (node >= KRG_MAX_NODES)
		return true;
	spin_lock_bh(&kddm_dead_lock);
	dead = test_bit(node, kddm_dead);
	spin_unlock_bh(&kddm_dead_lock);
	return dead;
}

static inline u32 kddm_self(void)
{
	return (u32)krg_comm_self();
}

static void kddm_changed(struct kddm_set *set)
{
	set->gen++;
	wake_up_all(&set->wq);
}

/* ---- entries ------------------------------------------------------------- */

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

static void kddm_entry_free(struct kddm_set *set, struct kddm_entry *e)
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
		kddm_entry_free(set, e);
}

/* A copy of the object's current bytes for a new entry (zeroed). */
static void *kddm_alloc_data(struct kddm_set *set)
{
	return kvzalloc(set->obj_size, GFP_KERNEL);
}

/* First touch: this node (the default owner) creates the object. */
static int kddm_first_touch(struct kddm_set *set, struct kddm_entry *e)
{
	int ret = 0;

	e->data = kddm_alloc_data(set);
	if (!e->data)
		return -ENOMEM;
	if (set->linker->first_touch)
		ret = set->linker->first_touch(set, e->objid, e->data);
	if (ret) {
		kvfree(e->data);
		e->data = NULL;
		return ret;
	}
	e->state = KDDM_OWNER;
	e->epoch++;
	e->fresh = false;
	e->hint = KDDM_NONE;
	bitmap_zero(e->copyset, KRG_MAX_NODES);
	return 0;
}

/* ---- sending ------------------------------------------------------------- */

int kddm_send(struct kddm_set *set, u32 node, u16 type, u64 objid,
	      u32 requester, u16 hops, u64 epoch, int err, u32 aux,
	      const void *p1, size_t l1, const void *p2, size_t l2)
{
	struct kddm_hdr *h;
	int ret;

	h = kvmalloc(sizeof(*h) + l1 + l2, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->type = cpu_to_le16(type);
	h->hops = cpu_to_le16(hops);
	h->set_id = cpu_to_le32(set ? set->id : 0);
	h->objid = cpu_to_le64(objid);
	h->requester = cpu_to_le32(requester);
	h->err = cpu_to_le32((u32)err);
	h->epoch = cpu_to_le64(epoch);
	h->len = cpu_to_le32(l1 + l2);
	h->aux = cpu_to_le32(aux);
	if (l1)
		memcpy(h + 1, p1, l1);
	if (l2)
		memcpy((u8 *)(h + 1) + l1, p2, l2);
	ret = krg_comm_send_wait(node, KRG_SVC_KDDM, h, sizeof(*h) + l1 + l2,
				 KDDM_SEND_WAIT_MS);
	kvfree(h);
	if (set && type < KRG_KDDM_MSG_TYPES && !ret)
		set->st.tx[type]++;
	if (ret && ret != -EHOSTDOWN)
		pr_warn_ratelimited("set %u object %llu: message %u to node %u not sent: %d\n",
				    set ? set->id : 0, objid, type, node, ret);
	return ret;
}

static void kddm_send_error(struct kddm_set *set, u32 node, u64 objid,
			    int err)
{
	struct kddm_entry *e;

	if (node >= KRG_MAX_NODES)
		return;
	if (node == kddm_self()) {	/* our own request, come back */
		e = set ? kddm_entry_lookup(set, objid) : NULL;
		if (e) {
			e->err = err;
			e->want = KDDM_WANT_NONE;
			kddm_changed(set);
		}
		return;
	}
	kddm_send(set, node, KRG_KDDM_MSG_ERROR, objid, node, 0, 0, err, 0,
		  NULL, 0, NULL, 0);
}

/* Where to send a request for @e (or for an object with no entry). */
static u32 kddm_target(struct kddm_set *set, struct kddm_entry *e, u64 objid)
{
	if (e && e->hint != KDDM_NONE && e->hint != kddm_self() &&
	    !kddm_node_dead(e->hint))
		return e->hint;
	return kddm_default_owner(set, objid);
}

/* ---- owner actions ------------------------------------------------------- */

static bool kddm_owner_busy(struct kddm_entry *e, bool write)
{
	if (e->writer || e->inv_pending || e->local_turn)
		return true;
	return write && e->readers;
}

/* Owner: give a read copy to @r. */
static void kddm_grant_read(struct kddm_set *set, struct kddm_entry *e, u32 r,
			    u16 hops)
{
	if (kddm_send(set, r, KRG_KDDM_MSG_READ_GRANT, e->objid, r, hops,
		      e->epoch, 0, 0, e->data, set->obj_size, NULL, 0) == 0)
		__set_bit(r, e->copyset);
}

/*
 * Owner: hand ownership, the copy and the copyset to @r (WRITE_GRANT).
 * @r invalidates the copyset before it writes.
 */
static int kddm_transfer(struct kddm_set *set, struct kddm_entry *e, u32 r,
			 u16 type, u16 hops)
{
	u8 cs[KRG_MAX_NODES / 8] = {};
	u64 epoch = e->epoch + 1;
	u32 n;
	int ret;

	for_each_set_bit(n, e->copyset, KRG_MAX_NODES)
		if (n != r && n != kddm_self())
			cs[n / 8] |= 1U << (n % 8);
	ret = kddm_send(set, r, type, e->objid, r, hops, epoch, 0, 0, cs,
			sizeof(cs), e->data, set->obj_size);
	if (ret)
		return ret;
	kddm_entry_drop_copy(set, e);
	e->state = KDDM_INVALID;
	e->epoch = epoch;
	e->hint = r;
	e->xfer_to = r;
	e->xfer_epoch = epoch;
	e->pull_sent = false;
	bitmap_zero(e->copyset, KRG_MAX_NODES);
	if (set->left)
		kddm_leave_wake();
	kddm_changed(set);	/* a flush waits for ownership to leave */
	return 0;
}

/*
 * Owner: ask @to to take the object.  Ownership is never pushed: @to sends
 * an ordinary WRITE_REQ, so every transfer follows a request and the hints
 * stay a valid forwarding chain (see the protocol document, "flush").
 */
int kddm_send_pull(struct kddm_set *set, struct kddm_entry *e, u32 to)
{
	int ret;

	if (e->pull_sent)
		return 0;
	ret = kddm_send(set, to, KRG_KDDM_MSG_PULL, e->objid, to, 0, e->epoch,
			0, 0, NULL, 0, NULL, 0);
	if (!ret)
		e->pull_sent = true;
	return ret;
}

void kddm_changed_all(struct kddm_set *set)
{
	kddm_changed(set);
}

/* Owner: invalidate every read copy before a local write. */
static void kddm_invalidate_copies(struct kddm_set *set, struct kddm_entry *e)
{
	u32 n;

	__clear_bit(kddm_self(), e->copyset);
	bitmap_copy(e->acks, e->copyset, KRG_MAX_NODES);
	for_each_set_bit(n, e->copyset, KRG_MAX_NODES) {
		if (kddm_node_dead(n) ||
		    kddm_send(set, n, KRG_KDDM_MSG_INV, e->objid, n, 0,
			      e->epoch, 0, 0, NULL, 0, NULL, 0)) {
			/* A dead node holds no copy any more. */
			__clear_bit(n, e->acks);
			__clear_bit(n, e->copyset);
		}
	}
	e->inv_pending = !bitmap_empty(e->acks, KRG_MAX_NODES);
}

/* ---- message handling ---------------------------------------------------- */

enum { KDDM_DONE, KDDM_DEFER };


static void kddm_after_grant(struct kddm_set *set, struct kddm_entry *e)
{
	if (set->left) {	/* arrived while leaving: hand it on */
		kddm_left_grant(set, e);
		kddm_changed(set);
		return;
	}
	/* Local waiters that can use it go first, then the queue. */
	if (e->state == KDDM_OWNER ? e->waiters : e->waiters_r)
		e->local_turn = true;
	else
		kddm_serve_queue(set, e);
	kddm_changed(set);
}

/* READ_REQ / WRITE_REQ from @src on behalf of requester @r. */
static int kddm_on_request(struct kddm_set *set, u32 src,
			   const struct kddm_hdr *h, bool write)
{
	u64 objid = le64_to_cpu(h->objid);
	u32 r = le32_to_cpu(h->requester);
	u16 hops = le16_to_cpu(h->hops);
	u16 type = write ? KRG_KDDM_MSG_WRITE_REQ : KRG_KDDM_MSG_READ_REQ;
	struct kddm_entry *e;
	u32 to;

	if (r >= KRG_MAX_NODES || kddm_node_dead(r)) {
		set->st.unexpected++;
		return KDDM_DONE;
	}
	e = kddm_entry_lookup(set, objid);
	if ((!e || (e->fresh && e->want == KDDM_WANT_NONE)) &&
	    kddm_default_owner(set, objid) == kddm_self()) {
		/* Nobody has it: first touch here, unless a recovery runs. */
		e = kddm_entry_create(set, objid, GFP_KERNEL);
		if (!e) {
			kddm_send_error(set, r, objid, -ENOMEM);
			return KDDM_DONE;
		}
		if (atomic_read(&kddm_recovering))
			return KDDM_DEFER;
		if (kddm_first_touch(set, e)) {
			kddm_send_error(set, r, objid, -ENOMEM);
			return KDDM_DONE;
		}
	}
	if (e && e->state == KDDM_OWNER) {
		if (r == kddm_self()) {		/* our own request came back */
			kddm_changed(set);
			return KDDM_DONE;
		}
		if (kddm_owner_busy(e, write))
			return KDDM_DEFER;
		kddm_stat_chain(set, hops);
		if (write)
			kddm_transfer(set, e, r, KRG_KDDM_MSG_WRITE_GRANT, hops);
		else
			kddm_grant_read(set, e, r, hops);
		return KDDM_DONE;
	}
	if (e && e->state == KDDM_LOST) {
		kddm_send_error(set, r, objid, -EIO);
		return KDDM_DONE;
	}
	if (e && e->want == KDDM_WANT_WRITE && r != kddm_self())
		return KDDM_DEFER;	/* we are about to own it */
	if (e && e->fresh && atomic_read(&kddm_recovering))
		return KDDM_DEFER;	/* parked first touch */
	/* Not the owner: forward along the hints. */
	if (hops >= KDDM_MAX_HOPS) {
		set->st.unexpected++;
		kddm_send_error(set, r, objid, -ELOOP);
		return KDDM_DONE;
	}
	to = kddm_target(set, e, objid);
	if (to == kddm_self()) {
		/* Our hint is gone and we are the default owner: recovery will say. */
		if (atomic_read(&kddm_recovering) && e)
			return KDDM_DEFER;
		set->st.unexpected++;
		kddm_send_error(set, r, objid, -EIO);
		return KDDM_DONE;
	}
	set->st.forwards++;
	kddm_send(set, to, type, objid, r, hops + 1, 0, 0, 0, NULL, 0, NULL, 0);
	if (write && e && r != kddm_self())
		e->hint = r;		/* Li & Hudak: the requester will own it */
	return KDDM_DONE;
}

static void kddm_on_read_grant(struct kddm_set *set, u32 src,
			       const struct kddm_hdr *h, const void *data,
			       size_t len)
{
	u64 objid = le64_to_cpu(h->objid);
	u64 epoch = le64_to_cpu(h->epoch);
	struct kddm_entry *e;

	if (len != set->obj_size) {
		set->st.unexpected++;
		return;
	}
	e = kddm_entry_create(set, objid, GFP_KERNEL);
	if (!e)
		return;
	if (e->state == KDDM_OWNER && epoch < e->epoch)
		return;	/* asked for a copy, then for ownership: got both */
	if (e->state == KDDM_OWNER || e->state == KDDM_LOST) {
		set->st.unexpected++;
		return;
	}
	if (epoch < e->epoch) {
		/* Stale: a newer owner invalidated us meanwhile.  Ask again. */
		if (e->want == KDDM_WANT_READ)
			kddm_send(set, kddm_target(set, e, objid),
				  KRG_KDDM_MSG_READ_REQ, objid, kddm_self(), 0,
				  0, 0, 0, NULL, 0, NULL, 0);
		return;
	}
	if (!e->data) {
		e->data = kddm_alloc_data(set);
		if (!e->data)
			return;		/* the waiter times out; nothing is lost */
	}
	memcpy(e->data, data, len);
	if (set->linker->import)
		set->linker->import(set, objid, e->data);
	e->state = KDDM_READ;
	e->fresh = false;
	e->epoch = epoch;
	e->hint = src;
	e->last_hops = le16_to_cpu(h->hops);
	if (e->want == KDDM_WANT_READ)
		e->want = KDDM_WANT_NONE;
	kddm_after_grant(set, e);
}

/* WRITE_GRANT: ownership arrives with the copy and the copyset. */
static void kddm_on_ownership(struct kddm_set *set, u32 src,
			      const struct kddm_hdr *h, const void *p,
			      size_t len)
{
	u64 objid = le64_to_cpu(h->objid);
	struct kddm_entry *e;
	u32 n;
	const u8 *cs = p;

	if (len != KRG_MAX_NODES / 8 + set->obj_size) {
		set->st.unexpected++;
		return;
	}
	e = kddm_entry_create(set, objid, GFP_KERNEL);
	if (!e)
		return;
	if (e->state == KDDM_OWNER || e->state == KDDM_LOST) {
		set->st.unexpected++;
		return;
	}
	if (!e->data) {
		e->data = kddm_alloc_data(set);
		if (!e->data) {
			pr_err("set %u object %llu: no memory for an owned copy: lost\n",
			       set->id, objid);
			e->state = KDDM_LOST;
			return;
		}
	}
	memcpy(e->data, cs + KRG_MAX_NODES / 8, set->obj_size);
	if (set->linker->import)
		set->linker->import(set, objid, e->data);
	e->state = KDDM_OWNER;
	e->fresh = false;
	e->pull_sent = false;
	e->epoch = le64_to_cpu(h->epoch);
	e->hint = KDDM_NONE;
	e->last_hops = le16_to_cpu(h->hops);
	bitmap_zero(e->copyset, KRG_MAX_NODES);
	for (n = 0; n < KRG_MAX_NODES; n++)
		if ((cs[n / 8] & (1U << (n % 8))) && n != kddm_self() &&
		    !kddm_node_dead(n))
			__set_bit(n, e->copyset);
	if (e->want == KDDM_WANT_WRITE) {
		e->want = KDDM_WANT_NONE;
		if (!bitmap_empty(e->copyset, KRG_MAX_NODES))
			kddm_invalidate_copies(set, e);
	} else if (e->want == KDDM_WANT_READ) {
		e->want = KDDM_WANT_NONE;
	}
	kddm_after_grant(set, e);
}

/* PULL from the owner: request ownership like a grab, with no local user. */
static void kddm_on_pull(struct kddm_set *set, u32 src,
			 const struct kddm_hdr *h)
{
	struct kddm_entry *e;

	e = kddm_entry_create(set, le64_to_cpu(h->objid), GFP_KERNEL);
	if (!e || e->state == KDDM_OWNER || e->state == KDDM_LOST ||
	    e->want == KDDM_WANT_WRITE || atomic_read(&kddm_recovering) ||
	    set->left)
		return;
	/*
	 * Stale: the object moved on since the puller owned it.  The hint is
	 * never taken from a PULL either: a stale one would point backwards
	 * and make the chain a cycle (both found by tests/kddm_model).  The
	 * request goes to the puller, which forwards it if it moved on.
	 */
	if (le64_to_cpu(h->epoch) < e->epoch)
		return;
	e->fresh = false;
	e->want = KDDM_WANT_WRITE;
	set->st.remote_reqs++;
	if (kddm_send(set, src, KRG_KDDM_MSG_WRITE_REQ, e->objid, kddm_self(),
		      0, 0, 0, 0, NULL, 0, NULL, 0))
		e->want = KDDM_WANT_NONE;
}

static int kddm_on_inv(struct kddm_set *set, u32 src, const struct kddm_hdr *h)
{
	u64 objid = le64_to_cpu(h->objid);
	u64 epoch = le64_to_cpu(h->epoch);
	struct kddm_entry *e = kddm_entry_lookup(set, objid);

	if (e && e->state == KDDM_OWNER) {
		set->st.unexpected++;	/* stale: ack, keep ownership */
	} else if (e) {
		if (e->readers || e->local_turn)
			return KDDM_DEFER;
		if (e->state == KDDM_READ) {
			kddm_entry_drop_copy(set, e);
			e->state = KDDM_INVALID;
		}
		if (epoch > e->epoch)
			e->epoch = epoch;
		e->hint = src;
		kddm_changed(set);
	}
	kddm_send(set, src, KRG_KDDM_MSG_INV_ACK, objid, src, 0, epoch, 0, 0,
		  NULL, 0, NULL, 0);
	return KDDM_DONE;
}

static void kddm_on_inv_ack(struct kddm_set *set, u32 src,
			    const struct kddm_hdr *h)
{
	struct kddm_entry *e = kddm_entry_lookup(set, le64_to_cpu(h->objid));

	if (!e || e->state != KDDM_OWNER || !e->inv_pending ||
	    le64_to_cpu(h->epoch) != e->epoch || !test_bit(src, e->acks)) {
		set->st.unexpected++;
		return;
	}
	__clear_bit(src, e->acks);
	__clear_bit(src, e->copyset);
	if (!bitmap_empty(e->acks, KRG_MAX_NODES))
		return;
	e->inv_pending = false;
	kddm_after_grant(set, e);
}

static void kddm_on_error(struct kddm_set *set, const struct kddm_hdr *h)
{
	struct kddm_entry *e = kddm_entry_lookup(set, le64_to_cpu(h->objid));
	int err = (int)le32_to_cpu(h->err);

	if (!e || err >= 0 || err < -MAX_ERRNO) {
		set->st.unexpected++;
		return;
	}
	e->err = err;
	e->want = KDDM_WANT_NONE;
	kddm_changed(set);
}

/* REMOVE at the default owner: forget the object (virtual owner again). */
static void kddm_on_remove(struct kddm_set *set, const struct kddm_hdr *h)
{
	struct kddm_entry *e = kddm_entry_lookup(set, le64_to_cpu(h->objid));

	if (!e)
		return;
	if (e->state == KDDM_OWNER) {
		set->st.unexpected++;
		return;
	}
	kddm_entry_drop_copy(set, e);
	e->state = KDDM_INVALID;
	e->hint = KDDM_NONE;
	if (e->want || !list_empty(&e->queue) || e->waiters) {
		/* Somebody here wants it: it starts again, owned here. */
		if (!kddm_first_touch(set, e)) {
			e->want = KDDM_WANT_NONE;
			kddm_after_grant(set, e);
		}
		return;
	}
	e->epoch = 0;
	e->fresh = true;
	kddm_entry_maybe_free(set, e);
}

/* Handles one object message; returns KDDM_DEFER to park it on the entry. */
static int kddm_dispatch(struct kddm_set *set, u32 src, const struct kddm_hdr *h,
			 const void *p, size_t len)
{
	switch (le16_to_cpu(h->type)) {
	case KRG_KDDM_MSG_READ_REQ:
		return kddm_on_request(set, src, h, false);
	case KRG_KDDM_MSG_WRITE_REQ:
		return kddm_on_request(set, src, h, true);
	case KRG_KDDM_MSG_READ_GRANT:
		kddm_on_read_grant(set, src, h, p, len);
		break;
	case KRG_KDDM_MSG_WRITE_GRANT:
		kddm_on_ownership(set, src, h, p, len);
		break;
	case KRG_KDDM_MSG_PULL:
		kddm_on_pull(set, src, h);
		break;
	case KRG_KDDM_MSG_INV:
		return kddm_on_inv(set, src, h);
	case KRG_KDDM_MSG_INV_ACK:
		kddm_on_inv_ack(set, src, h);
		break;
	case KRG_KDDM_MSG_ERROR:
		kddm_on_error(set, h);
		break;
	case KRG_KDDM_MSG_REMOVE:
		kddm_on_remove(set, h);
		break;
	default:
		set->st.unexpected++;
	}
	return KDDM_DONE;
}

static void kddm_defer(struct kddm_set *set, u32 src, const struct kddm_hdr *h,
		       size_t total)
{
	struct kddm_entry *e;
	struct kddm_deferred *d;

	e = kddm_entry_create(set, le64_to_cpu(h->objid), GFP_KERNEL);
	d = kmalloc(struct_size(d, msg, total), GFP_KERNEL);
	if (!e || !d) {
		kfree(d);
		/* Cannot park it: the requester gets an error, not silence. */
		if (le16_to_cpu(h->type) != KRG_KDDM_MSG_INV)
			kddm_send_error(set, le32_to_cpu(h->requester),
					le64_to_cpu(h->objid), -ENOMEM);
		return;
	}
	d->src = src;
	d->len = total;
	memcpy(d->msg, h, total);
	list_add_tail(&d->list, &e->queue);
}

/* Serves parked messages in order while the entry's state allows. */
void kddm_serve_queue(struct kddm_set *set, struct kddm_entry *e)
{
	struct kddm_deferred *d, *tmp;
	const struct kddm_hdr *h;

	/*
	 * A parked INV waits only for local pins, never behind the requests
	 * parked before it (they may wait for an ownership that itself waits
	 * for this INV's ack: found by tests/kddm_model).
	 */
	list_for_each_entry_safe(d, tmp, &e->queue, list) {
		h = (const void *)d->msg;
		if (le16_to_cpu(h->type) != KRG_KDDM_MSG_INV)
			continue;
		if (kddm_on_inv(set, d->src, h) == KDDM_DEFER)
			break;
		list_del(&d->list);
		kfree(d);
	}

	while ((d = list_first_entry_or_null(&e->queue, struct kddm_deferred,
					     list))) {
		h = (const void *)d->msg;
		list_del(&d->list);
		if (kddm_dispatch(set, d->src, h, h + 1,
				  d->len - sizeof(*h)) == KDDM_DEFER) {
			list_add(&d->list, &e->queue);
			return;
		}
		kfree(d);
		/* The entry may have been freed by a REMOVE: stop then. */
		if (!kddm_entry_lookup(set, e->objid))
			return;
	}
}

/* The ordered handler of KRG_SVC_KDDM. */
void kddm_handler(struct krg_comm_req *req)
{
	const struct kddm_hdr *h = req->data;
	struct kddm_set *set;
	size_t len;
	u16 type;
	int ret = 0;

	if (req->len < sizeof(*h) ||
	    le32_to_cpu(h->len) != req->len - sizeof(*h)) {
		ret = -EINVAL;
		goto out;
	}
	len = req->len - sizeof(*h);
	type = le16_to_cpu(h->type);
	/*
	 * Messages of a node this node has taken out (failed, or left and
	 * recovered) are stale: drop them; the recovery re-sent what mattered.
	 * Sets may come from anyone authenticated (a joiner learns them early).
	 */
	if (req->src_node != kddm_self() && type != KRG_KDDM_MSG_SET_CREATE &&
	    type != KRG_KDDM_MSG_SET_DESTROY && type != KRG_KDDM_MSG_HELLO &&
	    (kddm_node_dead(req->src_node) ||
	     krg_comm_node_state(req->src_node) == KRG_NODE_FAILED)) {
		ret = -EHOSTDOWN;	/* left after a failure already recovered */
		goto out;
	}
	switch (type) {
	case KRG_KDDM_MSG_SET_CREATE:
		ret = len == sizeof(struct kddm_wire_set) ?
			kddm_set_install((const void *)(h + 1)) : -EINVAL;
		if (ret == -EEXIST && req->oneway)
			ret = 0;	/* a joiner may learn a set twice */
		goto out;
	case KRG_KDDM_MSG_SET_DESTROY:
		kddm_set_remove_local(le32_to_cpu(h->set_id));
		goto out;
	case KRG_KDDM_MSG_REPORT:
		kddm_report(req);
		return;
	case KRG_KDDM_MSG_DECIDE:
		kddm_decide(req);
		return;
	case KRG_KDDM_MSG_HANDOFF_DONE:
		kddm_handoff_done(req->src_node);
		/* aux 1: its krg_kddm is being unloaded: it is gone for us. */
		if (le32_to_cpu(h->aux) == 1)
			kddm_memb_local(req->src_node);
		goto out;
	case KRG_KDDM_MSG_HELLO:
		kddm_hello(req->src_node);
		goto out;
	}
	set = kddm_set_find(le32_to_cpu(h->set_id));
	if (!set) {
		if (type == KRG_KDDM_MSG_READ_REQ || type == KRG_KDDM_MSG_WRITE_REQ)
			kddm_send_error(NULL, le32_to_cpu(h->requester),
					le64_to_cpu(h->objid), -ENOENT);
		ret = -ENOENT;
		goto out;
	}
	mutex_lock(&set->lock);
	if (type < KRG_KDDM_MSG_TYPES)
		set->st.rx[type]++;
	if (!set->dead &&
	    kddm_dispatch(set, req->src_node, h, h + 1, len) == KDDM_DEFER)
		kddm_defer(set, req->src_node, h, req->len);
	mutex_unlock(&set->lock);
	kddm_set_put(set);
out:
	krg_comm_reply(req, ret, NULL, 0);
}

struct krg_comm_service kddm_service = {
	.id = KRG_SVC_KDDM,
	.flags = KRG_COMM_SVC_ORDERED,
	.handler = kddm_handler,
};

/* ---- local operations ---------------------------------------------------- */

static bool kddm_can_pin(struct kddm_entry *e, bool write)
{
	if (!list_empty(&e->queue) && !e->local_turn)
		return false;	/* remote requests parked first: fairness */
	if (e->writer || e->inv_pending)
		return false;
	if (!write)
		return e->state == KDDM_READ || e->state == KDDM_OWNER;
	return e->state == KDDM_OWNER && !e->readers &&
	       bitmap_empty(e->copyset, KRG_MAX_NODES);
}

/*
 * Under set->lock: start what @e needs for a local get/grab (the
 * LOCAL_REQ transition of the protocol document).
 */
static int kddm_local_request(struct kddm_set *set, struct kddm_entry *e,
			      bool write)
{
	u32 to;

	if (e->state == KDDM_OWNER) {
		if (write && !e->inv_pending && !e->writer && !e->readers &&
		    !bitmap_empty(e->copyset, KRG_MAX_NODES) &&
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
	int bkt;
	u8 want;

	struct hlist_node *tmp;

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
		if (kddm_can_pin(e, write)) {
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
		if (!kddm_can_pin(e, write))
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

static void *kddm_acquire(struct kddm_set *set, u64 objid, bool write,
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
	return kddm_acquire(set, objid, false, NULL);
}
EXPORT_SYMBOL_GPL(kddm_get);

void *kddm_grab(struct kddm_set *set, u64 objid)
{
	return kddm_acquire(set, objid, true, NULL);
}
EXPORT_SYMBOL_GPL(kddm_grab);

void *kddm_get_info(struct kddm_set *set, u64 objid, bool write,
		    struct kddm_op_info *info)
{
	return kddm_acquire(set, objid, write, info);
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

/*
 * A lost object is removed at its custodian (its default owner): forget it
 * there, and the next access first-touches it again.
 */
static int kddm_remove_lost(struct kddm_set *set, u64 objid)
{
	struct kddm_entry *e;
	u32 home;

	mutex_lock(&set->lock);
	home = kddm_default_owner(set, objid);
	e = kddm_entry_lookup(set, objid);
	if (home == kddm_self()) {
		if (e && e->state == KDDM_LOST) {
			e->state = KDDM_INVALID;
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
	void *data;
	u32 home;

	data = kddm_grab(set, objid);
	if (IS_ERR(data) && PTR_ERR(data) == -EIO)
		return kddm_remove_lost(set, objid);
	if (IS_ERR(data))
		return PTR_ERR(data);
	mutex_lock(&set->lock);
	e = kddm_entry_lookup(set, objid);
	if (WARN_ON_ONCE(!e || !e->writer)) {
		mutex_unlock(&set->lock);
		return -EINVAL;
	}
	if (set->linker->remove)
		set->linker->remove(set, objid, e->data);
	kvfree(e->data);
	e->data = NULL;
	e->writer = false;
	e->state = KDDM_INVALID;
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
	void *data;
	long left;
	u64 gen, epoch;
	int ret;

	if (node >= KRG_MAX_NODES || kddm_node_dead(node) ||
	    krg_comm_node_state(node) != KRG_NODE_ONLINE)
		return -EHOSTDOWN;
	data = kddm_grab(set, objid);
	if (IS_ERR(data))
		return PTR_ERR(data);
	mutex_lock(&set->lock);
	e = kddm_entry_lookup(set, objid);
	if (WARN_ON_ONCE(!e || !e->writer)) {
		mutex_unlock(&set->lock);
		return -EINVAL;
	}
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
