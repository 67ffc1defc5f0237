// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM coherence protocol: write-invalidate, many readers / one writer,
 * migrating ownership found through probable-owner hints (Li & Hudak's
 * dynamic distributed manager), first touch at the default owner.
 *
 * Documentation/kddm-protocol.md is the reference: every state, message and
 * transition below is listed there, and the comments use its names.  This
 * file: the messages (sending, and handling what arrives); object.c: the
 * entries and their state machine; access.c: get/grab/put and friends.
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

#include <linux/slab.h>

#include "internal.h"

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

static void send_error(struct kddm_set *set, u32 node, u64 objid,
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

u32 kddm_target(struct kddm_set *set, struct kddm_entry *e, u64 objid)
{
	if (e && e->hint != KDDM_NONE && e->hint != kddm_self() &&
	    !kddm_node_dead(e->hint))
		return e->hint;
	return kddm_default_owner(set, objid);
}

/* ---- owner actions ------------------------------------------------------- */

static bool owner_busy(struct kddm_entry *e, bool write)
{
	if (e->writer || e->inv_pending || e->local_turn)
		return true;
	return write && e->readers;
}

/* Owner: give a read copy to @r. */
static void grant_read(struct kddm_set *set, struct kddm_entry *e, u32 r,
		       u16 hops)
{
	if (kddm_send(set, r, KRG_KDDM_MSG_READ_GRANT, e->objid, r, hops,
		      e->epoch, 0, 0, e->data, set->obj_size, NULL, 0) == 0)
		krg_nodemask_set(&e->copyset, r);
}

/*
 * Owner: hand ownership, the copy and the copyset to @r (WRITE_GRANT).
 * @r invalidates the copyset before it writes.
 */
static int transfer(struct kddm_set *set, struct kddm_entry *e, u32 r,
		    u16 type, u16 hops)
{
	struct krg_nodemask_wire cs;
	u64 epoch = e->epoch + 1;
	krg_nodemask_t others;
	int ret;

	others = e->copyset;
	krg_nodemask_clear(&others, r);
	krg_nodemask_clear(&others, kddm_self());
	krg_nodemask_to_wire(&others, &cs);
	ret = kddm_send(set, r, type, e->objid, r, hops, epoch, 0, 0, &cs,
			sizeof(cs), e->data, set->obj_size);
	if (ret)
		return ret;
	kddm_entry_drop_copy(set, e);
	kddm_entry_set_state(e, KDDM_INVALID);
	e->epoch = epoch;
	e->hint = r;
	e->xfer_to = r;
	e->xfer_epoch = epoch;
	e->pull_sent = false;
	krg_nodemask_zero(&e->copyset);
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

/* Owner: invalidate every read copy before a local write. */
void kddm_invalidate_copies(struct kddm_set *set, struct kddm_entry *e)
{
	u32 n;

	krg_nodemask_clear(&e->copyset, kddm_self());
	e->acks = e->copyset;
	krg_nodemask_for_each(n, &e->acks) {
		if (kddm_node_dead(n) ||
		    kddm_send(set, n, KRG_KDDM_MSG_INV, e->objid, n, 0,
			      e->epoch, 0, 0, NULL, 0, NULL, 0)) {
			/* A dead node holds no copy any more. */
			krg_nodemask_clear(&e->acks, n);
			krg_nodemask_clear(&e->copyset, n);
		}
	}
	e->inv_pending = !krg_nodemask_empty(&e->acks);
}

/* ---- message handling ---------------------------------------------------- */

enum { KDDM_DONE, KDDM_DEFER };

static void after_grant(struct kddm_set *set, struct kddm_entry *e)
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
static int on_request(struct kddm_set *set, u32 src,
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
			send_error(set, r, objid, -ENOMEM);
			return KDDM_DONE;
		}
		if (atomic_read(&kddm_recovering))
			return KDDM_DEFER;
		if (kddm_first_touch(set, e)) {
			send_error(set, r, objid, -ENOMEM);
			return KDDM_DONE;
		}
	}
	if (e && e->state == KDDM_OWNER) {
		if (r == kddm_self()) {		/* our own request came back */
			kddm_changed(set);
			return KDDM_DONE;
		}
		if (owner_busy(e, write))
			return KDDM_DEFER;
		kddm_stat_chain(set, hops);
		if (write)
			transfer(set, e, r, KRG_KDDM_MSG_WRITE_GRANT, hops);
		else
			grant_read(set, e, r, hops);
		return KDDM_DONE;
	}
	if (e && e->state == KDDM_LOST) {
		send_error(set, r, objid, -EIO);
		return KDDM_DONE;
	}
	if (e && e->want == KDDM_WANT_WRITE && r != kddm_self())
		return KDDM_DEFER;	/* we are about to own it */
	if (e && e->fresh && atomic_read(&kddm_recovering))
		return KDDM_DEFER;	/* parked first touch */
	/* Not the owner: forward along the hints. */
	if (hops >= KDDM_MAX_HOPS) {
		set->st.unexpected++;
		send_error(set, r, objid, -ELOOP);
		return KDDM_DONE;
	}
	to = kddm_target(set, e, objid);
	if (to == kddm_self()) {
		/* Our hint is gone and we are the default owner: recovery will say. */
		if (atomic_read(&kddm_recovering) && e)
			return KDDM_DEFER;
		set->st.unexpected++;
		send_error(set, r, objid, -EIO);
		return KDDM_DONE;
	}
	set->st.forwards++;
	kddm_send(set, to, type, objid, r, hops + 1, 0, 0, 0, NULL, 0, NULL, 0);
	if (write && e && r != kddm_self())
		e->hint = r;		/* Li & Hudak: the requester will own it */
	return KDDM_DONE;
}

static void on_read_grant(struct kddm_set *set, u32 src,
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
	if (!kddm_entry_set_state(e, KDDM_READ))
		return;
	memcpy(e->data, data, len);
	if (set->linker->import)
		set->linker->import(set, objid, e->data);
	e->fresh = false;
	e->epoch = epoch;
	e->hint = src;
	e->last_hops = le16_to_cpu(h->hops);
	if (e->want == KDDM_WANT_READ)
		e->want = KDDM_WANT_NONE;
	after_grant(set, e);
}

/* WRITE_GRANT: ownership arrives with the copy and the copyset. */
static void on_ownership(struct kddm_set *set, u32 src,
			 const struct kddm_hdr *h, const void *p,
			      size_t len)
{
	u64 objid = le64_to_cpu(h->objid);
	struct kddm_entry *e;
	const struct krg_nodemask_wire *cs = p;
	krg_nodemask_t dead;

	if (len != sizeof(*cs) + set->obj_size) {
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
			kddm_entry_set_state(e, KDDM_LOST);
			return;
		}
	}
	if (!kddm_entry_set_state(e, KDDM_OWNER))
		return;
	memcpy(e->data, cs + 1, set->obj_size);
	if (set->linker->import)
		set->linker->import(set, objid, e->data);
	e->fresh = false;
	e->pull_sent = false;
	e->epoch = le64_to_cpu(h->epoch);
	e->hint = KDDM_NONE;
	e->last_hops = le16_to_cpu(h->hops);
	krg_nodemask_from_wire(&e->copyset, cs);
	krg_nodemask_clear(&e->copyset, kddm_self());
	spin_lock_bh(&kddm_dead_lock);
	dead = kddm_dead;
	spin_unlock_bh(&kddm_dead_lock);
	krg_nodemask_andnot(&e->copyset, &e->copyset, &dead);
	if (e->want == KDDM_WANT_WRITE) {
		e->want = KDDM_WANT_NONE;
		if (!krg_nodemask_empty(&e->copyset))
			kddm_invalidate_copies(set, e);
	} else if (e->want == KDDM_WANT_READ) {
		e->want = KDDM_WANT_NONE;
	}
	after_grant(set, e);
}

/* PULL from the owner: request ownership like a grab, with no local user. */
static void on_pull(struct kddm_set *set, u32 src,
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

static int on_inv(struct kddm_set *set, u32 src, const struct kddm_hdr *h)
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
			kddm_entry_set_state(e, KDDM_INVALID);
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

static void on_inv_ack(struct kddm_set *set, u32 src,
		       const struct kddm_hdr *h)
{
	struct kddm_entry *e = kddm_entry_lookup(set, le64_to_cpu(h->objid));

	if (!e || e->state != KDDM_OWNER || !e->inv_pending ||
	    le64_to_cpu(h->epoch) != e->epoch ||
	    !krg_nodemask_test(&e->acks, src)) {
		set->st.unexpected++;
		return;
	}
	krg_nodemask_clear(&e->acks, src);
	krg_nodemask_clear(&e->copyset, src);
	if (!krg_nodemask_empty(&e->acks))
		return;
	e->inv_pending = false;
	after_grant(set, e);
}

static void on_error(struct kddm_set *set, const struct kddm_hdr *h)
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
static void on_remove(struct kddm_set *set, const struct kddm_hdr *h)
{
	struct kddm_entry *e = kddm_entry_lookup(set, le64_to_cpu(h->objid));

	if (!e)
		return;
	if (e->state == KDDM_OWNER) {
		set->st.unexpected++;
		return;
	}
	kddm_entry_drop_copy(set, e);
	kddm_entry_set_state(e, KDDM_INVALID);
	e->hint = KDDM_NONE;
	if (e->want || !list_empty(&e->queue) || e->waiters) {
		/* Somebody here wants it: it starts again, owned here. */
		if (!kddm_first_touch(set, e)) {
			e->want = KDDM_WANT_NONE;
			after_grant(set, e);
		}
		return;
	}
	e->epoch = 0;
	e->fresh = true;
	kddm_entry_maybe_free(set, e);
}

/* Handles one object message; returns KDDM_DEFER to park it on the entry. */
static int dispatch(struct kddm_set *set, u32 src, const struct kddm_hdr *h,
		    const void *p, size_t len)
{
	switch (le16_to_cpu(h->type)) {
	case KRG_KDDM_MSG_READ_REQ:
		return on_request(set, src, h, false);
	case KRG_KDDM_MSG_WRITE_REQ:
		return on_request(set, src, h, true);
	case KRG_KDDM_MSG_READ_GRANT:
		on_read_grant(set, src, h, p, len);
		break;
	case KRG_KDDM_MSG_WRITE_GRANT:
		on_ownership(set, src, h, p, len);
		break;
	case KRG_KDDM_MSG_PULL:
		on_pull(set, src, h);
		break;
	case KRG_KDDM_MSG_INV:
		return on_inv(set, src, h);
	case KRG_KDDM_MSG_INV_ACK:
		on_inv_ack(set, src, h);
		break;
	case KRG_KDDM_MSG_ERROR:
		on_error(set, h);
		break;
	case KRG_KDDM_MSG_REMOVE:
		on_remove(set, h);
		break;
	default:
		set->st.unexpected++;
	}
	return KDDM_DONE;
}

static void defer(struct kddm_set *set, u32 src, const struct kddm_hdr *h,
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
			send_error(set, le32_to_cpu(h->requester),
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
		if (on_inv(set, d->src, h) == KDDM_DEFER)
			break;
		list_del(&d->list);
		kfree(d);
	}

	while ((d = list_first_entry_or_null(&e->queue, struct kddm_deferred,
					     list))) {
		h = (const void *)d->msg;
		list_del(&d->list);
		if (dispatch(set, d->src, h, h + 1,
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
			send_error(NULL, le32_to_cpu(h->requester),
				   le64_to_cpu(h->objid), -ENOENT);
		ret = -ENOENT;
		goto out;
	}
	mutex_lock(&set->lock);
	if (type < KRG_KDDM_MSG_TYPES)
		set->st.rx[type]++;
	if (!set->dead &&
	    dispatch(set, req->src_node, h, h + 1, len) == KDDM_DEFER)
		defer(set, req->src_node, h, req->len);
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
