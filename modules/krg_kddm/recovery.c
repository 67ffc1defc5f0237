// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM and membership: a node that leaves hands off what it owns; a node
 * that failed (or left) is taken out of every set by a recovery round.
 *
 * Leaving (KRG_COMM_NODE_LEAVING of this node): every object owned here is
 * pulled by its default owner among the other home nodes (PULL: the target
 * sends an ordinary WRITE_REQ), read copies are dropped, and once nothing is
 * owned here HANDOFF_DONE goes to every other node.  The other nodes hold
 * their LEAVING notification until that arrives (bounded), so every handoff
 * is done before the node is DOWN.
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
 * arrives, or after KDDM_RECOVERY_MAX_MS (with a warning) so nothing hangs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "internal.h"

#define KDDM_HANDOFF_WAIT_MS	15000
#define KDDM_RECOVERY_MAX_MS	60000
#define KDDM_REPORT_RETRY_MS	20000

static DECLARE_WAIT_QUEUE_HEAD(kddm_memb_wq);
static unsigned long kddm_handoff[BITS_TO_LONGS(KRG_MAX_NODES)];
static struct work_struct kddm_recovery_work;
static struct delayed_work kddm_recovery_timeout;
static struct workqueue_struct *kddm_recovery_wq_s;
static bool kddm_leaving;

static u32 kddm_self(void)
{
	return (u32)krg_comm_self();
}

void kddm_handoff_done(u32 src)
{
	if (src >= KRG_MAX_NODES)
		return;
	spin_lock_bh(&kddm_dead_lock);
	__set_bit(src, kddm_handoff);
	spin_unlock_bh(&kddm_dead_lock);
	wake_up_all(&kddm_memb_wq);
}


static bool kddm_handoff_seen(u32 node)
{
	bool seen;

	spin_lock_bh(&kddm_dead_lock);
	seen = test_bit(node, kddm_handoff);
	spin_unlock_bh(&kddm_dead_lock);
	return seen || krg_comm_node_state(node) == KRG_NODE_FAILED;
}

/* The lowest ONLINE node not known dead here. */
static u32 kddm_coordinator(void)
{
	DECLARE_BITMAP(nodes, KRG_MAX_NODES);
	u32 n;

	krg_comm_online_nodes(nodes);
	spin_lock_bh(&kddm_dead_lock);
	bitmap_andnot(nodes, nodes, kddm_dead, KRG_MAX_NODES);
	spin_unlock_bh(&kddm_dead_lock);
	n = find_first_bit(nodes, KRG_MAX_NODES);
	return n < KRG_MAX_NODES ? n : KDDM_NONE;
}

/* ---- leaving ------------------------------------------------------------- */

static atomic_t kddm_leave_gen = ATOMIC_INIT(0);

void kddm_leave_wake(void)
{
	atomic_inc(&kddm_leave_gen);
	wake_up_all(&kddm_memb_wq);
}

/* Under set->lock: ownership reached us after (or while) we left. */
void kddm_left_grant(struct kddm_set *set, struct kddm_entry *e)
{
	u32 to;

	if (e->state == KDDM_OWNER) {
		to = kddm_default_owner(set, e->objid);
		if (to != kddm_self())
			kddm_send_pull(set, e, to);
	}
	kddm_leave_wake();
}

/*
 * One pass over every set: ask the default owner of everything we own to
 * pull it, drop idle read copies.  Returns how many entries are still busy
 * (owned here, pinned, invalidating, or waiting for an answer that may bring
 * ownership here).
 */
static int kddm_leave_pass(int *pulled)
{
	struct kddm_set *set;
	struct kddm_entry *e;
	int bkt, busy = 0;
	u32 to;

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		set->left = true;
		__clear_bit(kddm_self(), set->home);
		hash_for_each(set->objs, bkt, e, node) {
			if (e->state == KDDM_READ && !e->readers &&
			    e->want == KDDM_WANT_NONE) {
				kddm_entry_drop_copy(set, e);
				e->state = KDDM_INVALID;
				continue;
			}
			if (e->state == KDDM_OWNER) {
				to = kddm_default_owner(set, e->objid);
				if (to == kddm_self())
					continue;	/* no home node left */
				if (!e->pull_sent && !kddm_send_pull(set, e, to))
					(*pulled)++;
				busy++;
				continue;
			}
			if (e->writer || e->readers || e->inv_pending ||
			    e->want != KDDM_WANT_NONE)
				busy++;
		}
		kddm_changed_all(set);
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
	return busy;
}

void kddm_leave_local(bool unload)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KDDM_HANDOFF_WAIT_MS);
	int pulled = 0, busy, gen;
	u32 n, st;

	kddm_leaving = true;
	for (;;) {
		gen = atomic_read(&kddm_leave_gen);
		busy = kddm_leave_pass(&pulled);
		if (!busy || time_after(jiffies, deadline))
			break;
		/* Grants still on their way here: wait for the next one. */
		wait_event_timeout(kddm_memb_wq,
				   atomic_read(&kddm_leave_gen) != gen,
				   max_t(long, deadline - jiffies, 1));
	}
	if (busy)
		pr_warn("leaving: %d objects still owned or busy: not handed off\n",
			busy);
	/* Everybody we may still talk to: members and nodes just out. */
	for (n = 0; n < KRG_MAX_NODES; n++) {
		st = krg_comm_node_state(n);
		if (n != kddm_self() && (st == KRG_NODE_ONLINE ||
					 st == KRG_NODE_LEAVING ||
					 st == KRG_NODE_PRESENT))
			kddm_send(NULL, n, KRG_KDDM_MSG_HANDOFF_DONE, 0,
				  kddm_self(), 0, 0, 0, unload, NULL, 0, NULL, 0);
	}
	pr_info("left: %d objects handed off\n", pulled);
	/* The sets stay, as forwarders, until we rejoin and get fresh ones. */
}

/* A member (re)loaded krg_kddm: it is back, and needs the sets. */
void kddm_hello(u32 src)
{
	DECLARE_BITMAP(on, KRG_MAX_NODES);

	if (src >= KRG_MAX_NODES || src == kddm_self())
		return;
	spin_lock_bh(&kddm_dead_lock);
	__clear_bit(src, kddm_dead);
	__clear_bit(src, kddm_handoff);
	spin_unlock_bh(&kddm_dead_lock);
	krg_comm_online_nodes(on);
	__clear_bit(src, on);
	if (find_first_bit(on, KRG_MAX_NODES) == kddm_self())
		kddm_sets_send_all(src);
}

/* Module load on a member: say hello.  Unload: hand off, say goodbye. */
void kddm_announce(bool loading)
{
	u32 n, self = kddm_self();

	if (krg_comm_self() < 0 || krg_comm_node_state(self) != KRG_NODE_ONLINE)
		return;
	if (!loading) {
		kddm_leave_local(true);
		return;
	}
	for (n = 0; n < KRG_MAX_NODES; n++)
		if (n != self && krg_comm_node_state(n) == KRG_NODE_ONLINE)
			kddm_send(NULL, n, KRG_KDDM_MSG_HELLO, 0, self, 0, 0, 0,
				  0, NULL, 0, NULL, 0);
}

/* ---- failure / departure -------------------------------------------------- */

/* A node is gone (failed, or left after its handoff): forget it here. */
void kddm_memb_local(u32 gone)
{
	struct kddm_deferred *d, *dt;
	struct kddm_set *set;
	struct kddm_entry *e;
	int bkt;

	spin_lock_bh(&kddm_dead_lock);
	__set_bit(gone, kddm_dead);
	__clear_bit(gone, kddm_handoff);
	spin_unlock_bh(&kddm_dead_lock);
	atomic_set(&kddm_recovering, 1);
	mod_delayed_work(kddm_recovery_wq_s, &kddm_recovery_timeout,
			 msecs_to_jiffies(KDDM_RECOVERY_MAX_MS));

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		set->st.recoveries++;
		__clear_bit(gone, set->home);
		hash_for_each(set->objs, bkt, e, node) {
			list_for_each_entry_safe(d, dt, &e->queue, list) {
				const struct kddm_hdr *h = (const void *)d->msg;

				if (d->src == gone ||
				    le32_to_cpu(h->requester) == gone) {
					list_del(&d->list);
					kfree(d);
				}
			}
			__clear_bit(gone, e->copyset);
			if (e->inv_pending && test_bit(gone, e->acks)) {
				__clear_bit(gone, e->acks);
				if (bitmap_empty(e->acks, KRG_MAX_NODES))
					e->inv_pending = false;
			}
			if (e->hint == gone)
				e->hint = KDDM_NONE;
		}
		kddm_changed_all(set);
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
	if (kddm_coordinator() == kddm_self())
		queue_work(kddm_recovery_wq_s, &kddm_recovery_work);
}

static void kddm_recovery_timeout_fn(struct work_struct *work)
{
	struct kddm_set *set;

	if (!atomic_xchg(&kddm_recovering, 0))
		return;
	pr_warn("recovery did not complete in %u ms: resuming without it\n",
		KDDM_RECOVERY_MAX_MS);
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		kddm_resend_requests(set);
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
}

/* ---- REPORT ---------------------------------------------------------------- */

static void kddm_rec_fill(struct kddm_wire_rec *r, struct kddm_set *set,
			  struct kddm_entry *e)
{
	u32 n;

	memset(r, 0, sizeof(*r));
	r->set_id = cpu_to_le32(set->id);
	r->state = e->state;
	r->objid = cpu_to_le64(e->objid);
	r->epoch = cpu_to_le64(e->epoch);
	r->node = cpu_to_le32(e->xfer_to);
	r->xfer_epoch = cpu_to_le64(e->xfer_epoch);
	if (e->state == KDDM_INVALID && e->hint == KDDM_NONE)
		r->action = 1;	/* hint to a dead node */
	for_each_set_bit(n, e->copyset, KRG_MAX_NODES)
		r->copyset[n / 8] |= 1U << (n % 8);
}

static bool kddm_rec_wanted(struct kddm_entry *e)
{
	return e->state != KDDM_INVALID || e->xfer_to != KDDM_NONE ||
	       (e->hint == KDDM_NONE && !e->fresh);
}

void kddm_report(struct krg_comm_req *req)
{
	const struct kddm_hdr *h = req->data;
	const u8 *dead = (const void *)(h + 1);
	struct kddm_wire_rec *recs = NULL;
	struct kddm_set *set;
	struct kddm_entry *e;
	size_t count = 0, i = 0;
	int bkt, ret = 0;
	u32 n;

	if (req->len != sizeof(*h) + KRG_MAX_NODES / 8) {
		krg_comm_reply(req, -EINVAL, NULL, 0);
		return;
	}
	/* Answer only once we processed every failure the coordinator knows. */
	for (n = 0; n < KRG_MAX_NODES; n++) {
		if ((dead[n / 8] & (1U << (n % 8))) && !kddm_node_dead(n)) {
			krg_comm_reply(req, -EAGAIN, NULL, 0);
			return;
		}
	}
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		hash_for_each(set->objs, bkt, e, node)
			count += kddm_rec_wanted(e);
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
			if (!kddm_rec_wanted(e) || i >= count)
				continue;
			kddm_rec_fill(&recs[i++], set, e);
		}
		mutex_unlock(&set->lock);
	}
out:
	mutex_unlock(&kddm_sets_mutex);
	krg_comm_reply(req, ret, recs, i * sizeof(*recs));
	kvfree(recs);
}

/* ---- the coordinator -------------------------------------------------------- */

struct kddm_rrec {
	u32 set_id;
	u64 objid;
	u32 from;
	u8 state;
	bool dead_hint;
	u64 epoch;
	u32 xfer_to;
	u64 xfer_epoch;
};

static int kddm_rrec_cmp(const void *a, const void *b)
{
	const struct kddm_rrec *x = a, *y = b;

	if (x->set_id != y->set_id)
		return x->set_id < y->set_id ? -1 : 1;
	if (x->objid != y->objid)
		return x->objid < y->objid ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* Decides one object from its records [@r, @r + @n). */
static void kddm_decide_one(const struct kddm_rrec *r, size_t n,
			    const unsigned long *dead, struct kddm_wire_rec *out)
{
	struct kddm_set *set;
	u64 max_copy = 0, max_xfer = 0, max_ep = 0;
	u32 xfer_to = KDDM_NONE, owner = KDDM_NONE, lost = KDDM_NONE;
	u32 newowner = KDDM_NONE, custodian;
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
	if (xfer_to != KDDM_NONE && !test_bit(xfer_to, dead) &&
	    max_xfer >= max_copy) {
		out->node = cpu_to_le32(xfer_to);	/* in flight to it */
		return;
	}
	set = kddm_set_find(r->set_id);
	if (set && set->on_failure == KRG_KDDM_FAIL_RECREATE && copies) {
		for (i = 0; i < n; i++) {
			if (r[i].state != KDDM_READ || r[i].epoch != max_copy)
				continue;
			if (newowner == KDDM_NONE)
				newowner = r[i].from;
			out->copyset[r[i].from / 8] |= 1U << (r[i].from % 8);
		}
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

static int kddm_mcast(const unsigned long *nodes, u16 type, const void *p1,
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

static void kddm_recovery_fn(struct work_struct *work)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KDDM_REPORT_RETRY_MS);
	DECLARE_BITMAP(dead, KRG_MAX_NODES);
	DECLARE_BITMAP(nodes, KRG_MAX_NODES);
	u8 deadb[KRG_MAX_NODES / 8] = {};
	struct kddm_wire_rec *dec = NULL;
	struct kddm_rrec *all = NULL;
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
	if (kddm_coordinator() != kddm_self())
		goto out;	/* a lower node took over */
	spin_lock_bh(&kddm_dead_lock);
	bitmap_copy(dead, kddm_dead, KRG_MAX_NODES);
	spin_unlock_bh(&kddm_dead_lock);
	memset(deadb, 0, sizeof(deadb));
	for_each_set_bit(n, dead, KRG_MAX_NODES)
		deadb[n / 8] |= 1U << (n % 8);
	krg_comm_online_nodes(nodes);
	bitmap_andnot(nodes, nodes, dead, KRG_MAX_NODES);
	for (n = 0; n < KRG_MAX_NODES; n++) {
		kvfree(replies[n]);
		replies[n] = NULL;
		lens[n] = 0;
		status[n] = 0;
	}
	kddm_mcast(nodes, KRG_KDDM_MSG_REPORT, deadb, sizeof(deadb), NULL, 0,
		   status, replies, lens);
	again = false;
	for_each_set_bit(n, nodes, KRG_MAX_NODES)
		if (status[n] < 0)
			again = true;
	if (again) {
		if (time_after(jiffies, deadline)) {
			pr_warn("recovery: reports incomplete after %u ms: giving up this round\n",
				KDDM_REPORT_RETRY_MS);
			goto out;
		}
		msleep(100);	/* a member has not seen the failure yet */
		goto retry;
	}
	total = 0;
	for_each_set_bit(n, nodes, KRG_MAX_NODES)
		total += lens[n] / sizeof(struct kddm_wire_rec);
	kvfree(all);
	all = total ? kvcalloc(total, sizeof(*all), GFP_KERNEL) : NULL;
	if (total && !all)
		goto out;
	k = 0;
	for_each_set_bit(n, nodes, KRG_MAX_NODES) {
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
	sort(all, total, sizeof(*all), kddm_rrec_cmp, NULL);
	dec = total ? kvcalloc(total, sizeof(*dec), GFP_KERNEL) : NULL;
	if (total && !dec)
		goto out;
	for (i = 0; i < total; i = j) {
		for (j = i + 1; j < total && all[j].set_id == all[i].set_id &&
			    all[j].objid == all[i].objid; j++)
			;
		kddm_decide_one(&all[i], j - i, dead, &dec[ndec++]);
	}
	kddm_mcast(nodes, KRG_KDDM_MSG_DECIDE, deadb, sizeof(deadb), dec,
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

static void kddm_apply(struct kddm_set *set, const struct kddm_wire_rec *d)
{
	u64 objid = le64_to_cpu(d->objid);
	u32 node = le32_to_cpu(d->node);
	struct kddm_entry *e = kddm_entry_lookup(set, objid);
	bool in_cs;
	u32 n;

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
		e->state = node == kddm_self() ? KDDM_LOST : KDDM_INVALID;
		e->hint = node == kddm_self() ? KDDM_NONE : node;
		return;
	}
	if (!d->state) {		/* hint to the (live) owner */
		if (node != kddm_self() && e->state != KDDM_OWNER)
			e->hint = node;
		return;
	}
	/* Recreated from read copies. */
	in_cs = d->copyset[kddm_self() / 8] & (1U << (kddm_self() % 8));
	if (node == kddm_self()) {
		if (e->state != KDDM_READ || !e->data) {
			set->st.unexpected++;
			return;
		}
		e->state = KDDM_OWNER;
		e->epoch = le64_to_cpu(d->epoch);
		e->hint = KDDM_NONE;
		bitmap_zero(e->copyset, KRG_MAX_NODES);
		for (n = 0; n < KRG_MAX_NODES; n++)
			if ((d->copyset[n / 8] & (1U << (n % 8))) &&
			    n != kddm_self())
				__set_bit(n, e->copyset);
		return;
	}
	e->hint = node;
	if (e->state == KDDM_READ && in_cs)
		e->epoch = le64_to_cpu(d->epoch);
	else if (e->state == KDDM_READ && !e->readers) {
		kddm_entry_drop_copy(set, e);
		e->state = KDDM_INVALID;
	}
}

void kddm_decide(struct krg_comm_req *req)
{
	const struct kddm_hdr *h = req->data;
	const u8 *deadb = (const void *)(h + 1);
	const struct kddm_wire_rec *d;
	struct kddm_set *set = NULL;
	struct kddm_entry *e;
	size_t i, n;
	bool covered = true;
	int bkt;
	u32 x;

	if (req->len < sizeof(*h) + KRG_MAX_NODES / 8 ||
	    (req->len - sizeof(*h) - KRG_MAX_NODES / 8) % sizeof(*d)) {
		krg_comm_reply(req, -EINVAL, NULL, 0);
		return;
	}
	d = (const void *)(deadb + KRG_MAX_NODES / 8);
	n = (req->len - sizeof(*h) - KRG_MAX_NODES / 8) / sizeof(*d);
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
		kddm_apply(set, &d[i]);
	}
	if (set) {
		mutex_unlock(&set->lock);
		kddm_set_put(set);
	}
	spin_lock_bh(&kddm_dead_lock);
	for_each_set_bit(x, kddm_dead, KRG_MAX_NODES)
		if (!(deadb[x / 8] & (1U << (x % 8))))
			covered = false;
	spin_unlock_bh(&kddm_dead_lock);
	if (covered && atomic_xchg(&kddm_recovering, 0))
		cancel_delayed_work(&kddm_recovery_timeout);
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

/* ---- notifier ---------------------------------------------------------------- */

static void kddm_notify(struct krg_comm_notifier *nb,
			enum krg_comm_node_event event, u32 node)
{
	int self = krg_comm_self();

	if (self < 0 || node >= KRG_MAX_NODES)
		return;
	switch (event) {
	case KRG_COMM_NODE_UP:
		if (node == (u32)self) {
			kddm_leaving = false;
			spin_lock_bh(&kddm_dead_lock);
			bitmap_zero(kddm_dead, KRG_MAX_NODES);
			bitmap_zero(kddm_handoff, KRG_MAX_NODES);
			spin_unlock_bh(&kddm_dead_lock);
			return;
		}
		spin_lock_bh(&kddm_dead_lock);
		__clear_bit(node, kddm_dead);
		__clear_bit(node, kddm_handoff);
		spin_unlock_bh(&kddm_dead_lock);
		/* The lowest other member tells a newcomer every set. */
		{
			DECLARE_BITMAP(on, KRG_MAX_NODES);

			krg_comm_online_nodes(on);
			__clear_bit(node, on);
			if (find_first_bit(on, KRG_MAX_NODES) == (u32)self)
				kddm_sets_send_all(node);
		}
		return;
	case KRG_COMM_NODE_LEAVING:
		if (node == (u32)self) {
			kddm_leave_local(false);
			return;
		}
		if (kddm_leaving ||
		    krg_comm_node_state(self) == KRG_NODE_LEAVING)
			return;
		if (!wait_event_timeout(kddm_memb_wq, kddm_handoff_seen(node),
					msecs_to_jiffies(KDDM_HANDOFF_WAIT_MS)))
			pr_warn("node %u left without handing its objects off\n",
				node);
		return;
	case KRG_COMM_NODE_DOWN:
	case KRG_COMM_NODE_FAILED:
		if (node == (u32)self || kddm_leaving)
			return;
		kddm_memb_local(node);
		return;
	}
}

struct krg_comm_notifier kddm_notifier = {
	.priority = 100,	/* KDDM sits right above krg_comm */
	.notify = kddm_notify,
};

int kddm_recovery_init(void)
{
	kddm_recovery_wq_s = alloc_ordered_workqueue("kddm_recovery",
						     WQ_MEM_RECLAIM);
	if (!kddm_recovery_wq_s)
		return -ENOMEM;
	INIT_WORK(&kddm_recovery_work, kddm_recovery_fn);
	INIT_DELAYED_WORK(&kddm_recovery_timeout, kddm_recovery_timeout_fn);
	return 0;
}

void kddm_recovery_exit(void)
{
	cancel_work_sync(&kddm_recovery_work);
	cancel_delayed_work_sync(&kddm_recovery_timeout);
	destroy_workqueue(kddm_recovery_wq_s);
}
