// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM recovery: a node that failed (or left) is taken out of every set by
 * a recovery round.
 *
 * Recovery (KRG_COMM_NODE_FAILED / NODE_DOWN of another node X): each node
 * forgets X at once (home, copysets, pending acks, parked requests of X,
 * hints to X) and enters "recovering": no first touch, no new request, and
 * requests that would need X wait.  The lowest live member coordinates:
 *   1. REPORT (multicast call, carrying the dead set): each node answers,
 *      once it has itself processed the failure, with a record per entry
 *      that says something about ownership: owner, read copy (with epoch),
 *      lost, last transfer (node, epoch), or hint to a dead node.
 *   2. Per object the coordinator decides:
 *      - a live owner, or a transfer (highest epoch) to a live node in
 *        flight: that node is the owner (HINT);
 *      - else the owner was dead: with policy RECREATE and a surviving read
 *        copy, the lowest node holding one becomes owner (OWNER, new epoch,
 *        copyset = the other holders); otherwise the object is LOST and its
 *        default owner keeps it as custodian (get/grab: -EIO until removed).
 *   3. DECIDE (multicast call) gives every node every decision: hints are
 *      fixed (and the default owner records one even if it had no entry, so
 *      it never first-touches an object that exists), the new owners take
 *      over, requests in flight are sent again, parked ones are served.
 * A failure during a round starts another one; every node leaves the
 * recovering state when a DECIDE covering all the nodes it knows dead
 * arrives, or after RECOVERY_MAX_MS (with a warning) so nothing hangs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "internal.h"

#define RECOVERY_MAX_MS	60000
#define REPORT_RETRY_MS	20000

static struct work_struct recovery_work;
static struct delayed_work recovery_timeout;
static struct workqueue_struct *recovery_wq;

/* The lowest ONLINE node not known dead here. */
static u32 coordinator(void)
{
	krg_nodemask_t nodes;
	u32 n;

	krg_comm_online_nodes(&nodes);
	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_andnot(&nodes, &nodes, &kddm_dead);
	spin_unlock_bh(&kddm_dead_lock);
	n = krg_nodemask_first(&nodes);
	return n < KRG_MAX_NODES ? n : KDDM_NONE;
}

/* ---- failure / departure -------------------------------------------------- */

/* A node is gone (failed, or left after its handoff): forget it here. */
void kddm_memb_local(u32 x)
{
	struct kddm_deferred *d, *dt;
	struct kddm_set *set;
	struct kddm_entry *e;
	int bkt;

	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_set(&kddm_dead, x);
	krg_nodemask_clear(&kddm_handoff, x);
	spin_unlock_bh(&kddm_dead_lock);
	atomic_set(&kddm_recovering, 1);
	mod_delayed_work(recovery_wq, &recovery_timeout,
			 msecs_to_jiffies(RECOVERY_MAX_MS));

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		set->st.recoveries++;
		krg_nodemask_clear(&set->home, x);
		hash_for_each(set->objs, bkt, e, node) {
			list_for_each_entry_safe(d, dt, &e->queue, list) {
				const struct kddm_hdr *h = (const void *)d->msg;

				if (d->src == x ||
				    le32_to_cpu(h->requester) == x) {
					list_del(&d->list);
					kfree(d);
				}
			}
			krg_nodemask_clear(&e->copyset, x);
			if (e->inv_pending && krg_nodemask_test(&e->acks, x)) {
				krg_nodemask_clear(&e->acks, x);
				if (krg_nodemask_empty(&e->acks))
					e->inv_pending = false;
			}
			if (e->hint == x)
				e->hint = KDDM_NONE;
		}
		kddm_changed(set);
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
	if (coordinator() == kddm_self())
		queue_work(recovery_wq, &recovery_work);
}

static void recovery_timeout_fn(struct work_struct *work)
{
	struct kddm_set *set;

	if (!atomic_xchg(&kddm_recovering, 0))
		return;
	pr_warn("recovery did not complete in %u ms: resuming without it\n",
		RECOVERY_MAX_MS);
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		kddm_resend_requests(set);
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
}

/* ---- REPORT ---------------------------------------------------------------- */

static void rec_fill(struct kddm_wire_rec *r, struct kddm_set *set,
		     struct kddm_entry *e)
{
	memset(r, 0, sizeof(*r));
	r->set_id = cpu_to_le32(set->id);
	r->state = e->state;
	r->objid = cpu_to_le64(e->objid);
	r->epoch = cpu_to_le64(e->epoch);
	r->node = cpu_to_le32(e->xfer_to);
	r->xfer_epoch = cpu_to_le64(e->xfer_epoch);
	if (e->state == KDDM_INVALID && e->hint == KDDM_NONE)
		r->action = 1;	/* hint to a dead node */
	krg_nodemask_to_wire(&e->copyset, &r->copyset);
}

static bool rec_wanted(struct kddm_entry *e)
{
	return e->state != KDDM_INVALID || e->xfer_to != KDDM_NONE ||
	       (e->hint == KDDM_NONE && !e->fresh);
}

void kddm_report(struct krg_comm_req *req)
{
	const struct kddm_hdr *h = req->data;
	struct kddm_wire_rec *recs = NULL;
	krg_nodemask_t dead, known;
	struct kddm_set *set;
	struct kddm_entry *e;
	size_t count = 0, i = 0;
	int bkt, ret = 0;

	if (req->len != sizeof(*h) + sizeof(struct krg_nodemask_wire)) {
		krg_comm_reply(req, -EINVAL, NULL, 0);
		return;
	}
	/* Answer only once we processed every failure the coordinator knows. */
	krg_nodemask_from_wire(&dead, (const void *)(h + 1));
	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_andnot(&known, &dead, &kddm_dead);
	spin_unlock_bh(&kddm_dead_lock);
	if (!krg_nodemask_empty(&known)) {
		krg_comm_reply(req, -EAGAIN, NULL, 0);
		return;
	}
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		hash_for_each(set->objs, bkt, e, node)
			count += rec_wanted(e);
		mutex_unlock(&set->lock);
	}
	if (count)
		recs = kvcalloc(count, sizeof(*recs), GFP_KERNEL);
	if (count && !recs) {
		ret = -ENOMEM;
		goto out;
	}
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		hash_for_each(set->objs, bkt, e, node) {
			if (!rec_wanted(e) || i >= count)
				continue;
			rec_fill(&recs[i++], set, e);
		}
		mutex_unlock(&set->lock);
	}
out:
	mutex_unlock(&kddm_sets_mutex);
	krg_comm_reply(req, ret, recs, i * sizeof(*recs));
	kvfree(recs);
}

/* ---- the coordinator -------------------------------------------------------- */

struct rrec {
	u32 set_id;
	u64 objid;
	u32 from;
	u8 state;
	bool dead_hint;
	u64 epoch;
	u32 xfer_to;
	u64 xfer_epoch;
};

static int rrec_cmp(const void *a, const void *b)
{
	const struct rrec *x = a, *y = b;

	if (x->set_id != y->set_id)
		return x->set_id < y->set_id ? -1 : 1;
	if (x->objid != y->objid)
		return x->objid < y->objid ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* Decides one object from its records [@r, @r + @n). */
static void decide_one(const struct rrec *r, size_t n,
		       const krg_nodemask_t *dead, struct kddm_wire_rec *out)
{
	struct kddm_set *set;
	u64 max_copy = 0, max_xfer = 0, max_ep = 0;
	u32 xfer_to = KDDM_NONE, owner = KDDM_NONE, lost = KDDM_NONE;
	u32 newowner = KDDM_NONE, custodian;
	krg_nodemask_t holders;
	bool copies = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->set_id = cpu_to_le32(r->set_id);
	out->objid = cpu_to_le64(r->objid);
	for (i = 0; i < n; i++) {
		max_ep = max(max_ep, max(r[i].epoch, r[i].xfer_epoch));
		if (r[i].state == KDDM_OWNER)
			owner = r[i].from;
		if (r[i].state == KDDM_LOST)
			lost = r[i].from;
		if (r[i].state == KDDM_READ) {
			copies = true;
			max_copy = max(max_copy, r[i].epoch);
		}
		if (r[i].xfer_to != KDDM_NONE && r[i].xfer_epoch > max_xfer) {
			max_xfer = r[i].xfer_epoch;
			xfer_to = r[i].xfer_to;
		}
	}
	out->action = KDDM_ACT_OWNER;
	out->state = 0;		/* 0: just a hint to the owner */
	if (owner != KDDM_NONE) {
		out->node = cpu_to_le32(owner);
		return;
	}
	if (lost != KDDM_NONE) {
		out->action = KDDM_ACT_LOST;
		out->node = cpu_to_le32(lost);
		return;
	}
	if (xfer_to != KDDM_NONE && !krg_nodemask_test(dead, xfer_to) &&
	    max_xfer >= max_copy) {
		out->node = cpu_to_le32(xfer_to);	/* in flight to it */
		return;
	}
	set = kddm_set_find(r->set_id);
	if (set && set->on_failure == KRG_KDDM_FAIL_RECREATE && copies) {
		krg_nodemask_zero(&holders);
		for (i = 0; i < n; i++) {
			if (r[i].state != KDDM_READ || r[i].epoch != max_copy)
				continue;
			if (newowner == KDDM_NONE)
				newowner = r[i].from;
			krg_nodemask_set(&holders, r[i].from);
		}
		krg_nodemask_to_wire(&holders, &out->copyset);
		out->state = 1;	/* recreated: new owner takes over */
		out->node = cpu_to_le32(newowner);
		out->epoch = cpu_to_le64(max_ep + 1);
		kddm_set_put(set);
		return;
	}
	custodian = KDDM_NONE;
	if (set) {
		mutex_lock(&set->lock);
		custodian = kddm_default_owner(set, r->objid);
		mutex_unlock(&set->lock);
		kddm_set_put(set);
	}
	if (custodian == KDDM_NONE)
		custodian = r->from;
	out->action = KDDM_ACT_LOST;
	out->node = cpu_to_le32(custodian);
	out->epoch = cpu_to_le64(max_ep + 1);
}

static int mcast(const krg_nodemask_t *nodes, u16 type, const void *p1,
		 size_t l1, const void *p2, size_t l2, int *status,
		      void **replies, size_t *lens)
{
	struct kddm_hdr *h;
	int ok;

	h = kvzalloc(sizeof(*h) + l1 + l2, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->type = cpu_to_le16(type);
	h->len = cpu_to_le32(l1 + l2);
	memcpy(h + 1, p1, l1);
	if (l2)
		memcpy((u8 *)(h + 1) + l1, p2, l2);
	ok = krg_comm_call_multi(nodes, KRG_SVC_KDDM, h, sizeof(*h) + l1 + l2,
				 KDDM_SEND_WAIT_MS, status, replies, lens);
	kvfree(h);
	return ok;
}

static void recovery_fn(struct work_struct *work)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(REPORT_RETRY_MS);
	struct krg_nodemask_wire deadw;
	krg_nodemask_t dead, nodes;
	struct kddm_wire_rec *dec = NULL;
	struct rrec *all = NULL;
	size_t *lens = NULL, total = 0, k, i, j, ndec = 0;
	void **replies = NULL;
	int *status = NULL;
	bool again;
	u32 n;

	status = kcalloc(KRG_MAX_NODES, sizeof(*status), GFP_KERNEL);
	replies = kcalloc(KRG_MAX_NODES, sizeof(*replies), GFP_KERNEL);
	lens = kcalloc(KRG_MAX_NODES, sizeof(*lens), GFP_KERNEL);
	if (!status || !replies || !lens)
		goto out;
retry:
	if (coordinator() != kddm_self())
		goto out;	/* a lower node took over */
	spin_lock_bh(&kddm_dead_lock);
	dead = kddm_dead;
	spin_unlock_bh(&kddm_dead_lock);
	krg_nodemask_to_wire(&dead, &deadw);
	krg_comm_online_nodes(&nodes);
	krg_nodemask_andnot(&nodes, &nodes, &dead);
	for (n = 0; n < KRG_MAX_NODES; n++) {
		kvfree(replies[n]);
		replies[n] = NULL;
		lens[n] = 0;
		status[n] = 0;
	}
	mcast(&nodes, KRG_KDDM_MSG_REPORT, &deadw, sizeof(deadw), NULL, 0,
	      status, replies, lens);
	again = false;
	krg_nodemask_for_each(n, &nodes)
		if (status[n] < 0)
			again = true;
	if (again) {
		if (time_after(jiffies, deadline)) {
			pr_warn("recovery: reports incomplete after %u ms: giving up this round\n",
				REPORT_RETRY_MS);
			goto out;
		}
		msleep(100);	/* a member has not seen the failure yet */
		goto retry;
	}
	total = 0;
	krg_nodemask_for_each(n, &nodes)
		total += lens[n] / sizeof(struct kddm_wire_rec);
	kvfree(all);
	all = total ? kvcalloc(total, sizeof(*all), GFP_KERNEL) : NULL;
	if (total && !all)
		goto out;
	k = 0;
	krg_nodemask_for_each(n, &nodes) {
		const struct kddm_wire_rec *w = replies[n];

		for (i = 0; i < lens[n] / sizeof(*w); i++, k++) {
			all[k].set_id = le32_to_cpu(w[i].set_id);
			all[k].objid = le64_to_cpu(w[i].objid);
			all[k].from = n;
			all[k].state = w[i].state;
			all[k].dead_hint = w[i].action == 1;
			all[k].epoch = le64_to_cpu(w[i].epoch);
			all[k].xfer_to = le32_to_cpu(w[i].node);
			all[k].xfer_epoch = le64_to_cpu(w[i].xfer_epoch);
			if (all[k].xfer_to >= KRG_MAX_NODES)
				all[k].xfer_to = KDDM_NONE;
		}
	}
	sort(all, total, sizeof(*all), rrec_cmp, NULL);
	dec = total ? kvcalloc(total, sizeof(*dec), GFP_KERNEL) : NULL;
	if (total && !dec)
		goto out;
	for (i = 0; i < total; i = j) {
		for (j = i + 1; j < total && all[j].set_id == all[i].set_id &&
		     all[j].objid == all[i].objid; j++)
			;
		decide_one(&all[i], j - i, &dead, &dec[ndec++]);
	}
	mcast(&nodes, KRG_KDDM_MSG_DECIDE, &deadw, sizeof(deadw), dec,
	      ndec * sizeof(*dec), status, NULL, NULL);
	pr_info("recovery: %zu records, %zu objects decided\n", total, ndec);
out:
	if (replies)
		for (n = 0; n < KRG_MAX_NODES; n++)
			kvfree(replies[n]);
	kfree(replies);
	kfree(lens);
	kfree(status);
	kvfree(all);
	kvfree(dec);
}

/* ---- DECIDE ---------------------------------------------------------------- */

static void apply(struct kddm_set *set, const struct kddm_wire_rec *d)
{
	u64 objid = le64_to_cpu(d->objid);
	u32 node = le32_to_cpu(d->node);
	struct kddm_entry *e = kddm_entry_lookup(set, objid);
	krg_nodemask_t cs;
	bool in_cs;

	if (node >= KRG_MAX_NODES)
		return;
	if (!e) {
		/*
		 * The custodian of a lost object must hold it LOST, and the
		 * default owner must know any object exists (else it would
		 * first-touch it again).
		 */
		if (!(d->action == KDDM_ACT_LOST && node == kddm_self()) &&
		    (kddm_default_owner(set, objid) != kddm_self() ||
		     node == kddm_self()))
			return;
		e = kddm_entry_create(set, objid, GFP_KERNEL);
		if (!e)
			return;
	}
	e->fresh = false;
	if (d->action == KDDM_ACT_LOST) {
		if (e->state == KDDM_OWNER)
			return;		/* cannot be: an owner is reported */
		kddm_entry_drop_copy(set, e);
		kddm_entry_set_state(e, node == kddm_self() ? KDDM_LOST :
							       KDDM_INVALID);
		e->hint = node == kddm_self() ? KDDM_NONE : node;
		return;
	}
	if (!d->state) {		/* hint to the (live) owner */
		if (node != kddm_self() && e->state != KDDM_OWNER)
			e->hint = node;
		return;
	}
	/* Recreated from read copies. */
	krg_nodemask_from_wire(&cs, &d->copyset);
	in_cs = krg_nodemask_test(&cs, kddm_self());
	if (node == kddm_self()) {
		if (e->state != KDDM_READ || !e->data ||
		    !kddm_entry_set_state(e, KDDM_OWNER)) {
			set->st.unexpected++;
			return;
		}
		e->epoch = le64_to_cpu(d->epoch);
		e->hint = KDDM_NONE;
		e->copyset = cs;
		krg_nodemask_clear(&e->copyset, kddm_self());
		return;
	}
	e->hint = node;
	if (e->state == KDDM_READ && in_cs) {
		e->epoch = le64_to_cpu(d->epoch);
	} else if (e->state == KDDM_READ && !e->readers) {
		kddm_entry_drop_copy(set, e);
		kddm_entry_set_state(e, KDDM_INVALID);
	}
}

void kddm_decide(struct krg_comm_req *req)
{
	const size_t wlen = sizeof(struct krg_nodemask_wire);
	const struct kddm_hdr *h = req->data;
	const struct kddm_wire_rec *d;
	struct kddm_set *set = NULL;
	krg_nodemask_t dead, uncovered;
	struct kddm_entry *e;
	bool covered;
	size_t i, n;
	int bkt;

	if (req->len < sizeof(*h) + wlen ||
	    (req->len - sizeof(*h) - wlen) % sizeof(*d)) {
		krg_comm_reply(req, -EINVAL, NULL, 0);
		return;
	}
	krg_nodemask_from_wire(&dead, (const void *)(h + 1));
	d = (const void *)((const u8 *)(h + 1) + wlen);
	n = (req->len - sizeof(*h) - wlen) / sizeof(*d);
	for (i = 0; i < n; i++) {
		if (!set || set->id != le32_to_cpu(d[i].set_id)) {
			if (set) {
				mutex_unlock(&set->lock);
				kddm_set_put(set);
			}
			set = kddm_set_find(le32_to_cpu(d[i].set_id));
			if (!set)
				continue;
			mutex_lock(&set->lock);
		}
		apply(set, &d[i]);
	}
	if (set) {
		mutex_unlock(&set->lock);
		kddm_set_put(set);
	}
	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_andnot(&uncovered, &kddm_dead, &dead);
	spin_unlock_bh(&kddm_dead_lock);
	covered = krg_nodemask_empty(&uncovered);
	if (covered && atomic_xchg(&kddm_recovering, 0))
		cancel_delayed_work(&recovery_timeout);
	if (!atomic_read(&kddm_recovering)) {
		mutex_lock(&kddm_sets_mutex);
		list_for_each_entry(set, &kddm_sets, list) {
			mutex_lock(&set->lock);
			/* Hints still pointing nowhere: the default owner. */
			hash_for_each(set->objs, bkt, e, node)
				if (e->hint != KDDM_NONE && kddm_node_dead(e->hint))
					e->hint = KDDM_NONE;
			kddm_resend_requests(set);
			mutex_unlock(&set->lock);
		}
		mutex_unlock(&kddm_sets_mutex);
	}
	krg_comm_reply(req, 0, NULL, 0);
}

int kddm_recovery_init(void)
{
	recovery_wq = alloc_ordered_workqueue("kddm_recovery",
					      WQ_MEM_RECLAIM);
	if (!recovery_wq)
		return -ENOMEM;
	INIT_WORK(&recovery_work, recovery_fn);
	INIT_DELAYED_WORK(&recovery_timeout, recovery_timeout_fn);
	return 0;
}

void kddm_recovery_exit(void)
{
	cancel_work_sync(&recovery_work);
	cancel_delayed_work_sync(&recovery_timeout);
	destroy_workqueue(recovery_wq);
}
