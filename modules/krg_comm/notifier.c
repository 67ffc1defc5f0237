// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm membership events and notifiers.
 *
 * Every move of a node's state records an event (membership.c) in a ring
 * that exists as long as the module: recording allocates nothing and never
 * fails, so a subscriber cannot miss a FAILED, UP, LEAVING or DOWN.  One
 * ordered work on comm_memb_wq delivers the events one at a time, in the
 * order they happened (for all nodes): first to the notifiers of the
 * modules above (NODE_UP in descending priority, the others ascending),
 * then as a netlink NODE_EVENT.  A LEAVING is followed, once every notifier
 * drained the node, by the move to PRESENT or ABSENT (DOWN).
 *
 * Why the ring never overflows: it has PER_NODE slots for each node, and a
 * node cannot have more events waiting.  Between two joins (UP) a node
 * records at most LEAVING, then DOWN or FAILED, then its reachability
 * (PRESENT / ABSENT) -- and a reachability event replaces the node's
 * previous one while that still waits, so flapping sessions take one slot.
 * A join is refused (-EBUSY, comm_memb_join) unless the node has room for a
 * whole cycle (CYCLE slots): at most PER_NODE events wait for a node, hence
 * at most KRG_MAX_NODES * PER_NODE in all.  Only netlink listeners may see
 * fewer reachability events than happened; never a notifier fewer events.
 *
 * debugfs "events": per node, what was recorded and delivered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>

#include "config.h"
#include "internal.h"
#include "membership.h"
#include "peer.h"

#define PER_NODE	8
#define CYCLE		4	/* UP, LEAVING, DOWN or FAILED, reachability */
#define RING_LEN	(KRG_MAX_NODES * PER_NODE)
#define NR_EVENTS	(KRG_EVENT_ABSENT + 1)

struct ev_slot {
	u16 node;
	u8 event;		/* enum krg_comm_event */
};

/* All under comm_memb_lock. */
static struct ev_slot ring[RING_LEN];
static u32 head, tail;			/* next to deliver, next free */
static u8 pending[KRG_MAX_NODES];	/* recorded, not delivered yet */
static u32 last[KRG_MAX_NODES];		/* ring position of the latest */
static u32 recorded[KRG_MAX_NODES][NR_EVENTS];
static u32 delivered[KRG_MAX_NODES][NR_EVENTS];
static unsigned int pending_max;
static unsigned long overflows;

static LIST_HEAD(notifiers);
static DECLARE_RWSEM(notifiers_sem);
/* Delivered UP, not yet DOWN/FAILED: what registering replays (sem). */
static krg_nodemask_t joined;
static struct work_struct event_work;

static bool reachability(int event)
{
	return event == KRG_EVENT_PRESENT || event == KRG_EVENT_ABSENT;
}

bool comm_events_room(u32 node)
{
	lockdep_assert_held(&comm_memb_lock);
	return pending[node] + CYCLE <= PER_NODE;
}

void comm_events_record(u32 node, int event)
{
	struct ev_slot *s;

	lockdep_assert_held(&comm_memb_lock);
	recorded[node][event]++;
	/* Still waiting: the latest reachability replaces the previous. */
	s = &ring[last[node] % RING_LEN];
	if (reachability(event) && pending[node] &&
	    (s32)(last[node] - head) >= 0 && s->node == node &&
	    reachability(s->event)) {
		s->event = event;
		return;
	}
	/* Cannot happen (see the top of the file): a bug if it does. */
	if (WARN_ON_ONCE(pending[node] >= PER_NODE || tail - head >= RING_LEN)) {
		overflows++;
		return;
	}
	s = &ring[tail % RING_LEN];
	s->node = node;
	s->event = event;
	last[node] = tail++;
	pending[node]++;
	pending_max = max_t(unsigned int, pending_max, pending[node]);
	queue_work(comm_memb_wq, &event_work);
}

static void notify(enum krg_comm_node_event event, u32 node)
{
	struct krg_comm_notifier *nb;

	down_read(&notifiers_sem);
	if (event == KRG_COMM_NODE_UP) {
		list_for_each_entry(nb, &notifiers, list)
			nb->notify(nb, event, node);
		krg_nodemask_set(&joined, node);
	} else {
		list_for_each_entry_reverse(nb, &notifiers, list)
			nb->notify(nb, event, node);
		if (event != KRG_COMM_NODE_LEAVING)
			krg_nodemask_clear(&joined, node);
	}
	up_read(&notifiers_sem);
}

/* Every notifier drained the leaving @node: it is out. */
static void left(u32 node)
{
	int state = node == comm_cfg.self || comm_peer_connected(node) ?
		    KRG_NODE_PRESENT : KRG_NODE_ABSENT;

	spin_lock_bh(&comm_memb_lock);
	if (comm_memb_state(node) == KRG_NODE_LEAVING)
		comm_memb_move(node, state);
	spin_unlock_bh(&comm_memb_lock);
}

static void deliver(const struct ev_slot *ev)
{
	switch (ev->event) {
	case KRG_EVENT_UP:
		notify(KRG_COMM_NODE_UP, ev->node);
		break;
	case KRG_EVENT_LEAVING:
		krg_nl_event(ev->node, KRG_NODE_LEAVING, KRG_EVENT_LEAVING);
		notify(KRG_COMM_NODE_LEAVING, ev->node);
		left(ev->node);
		return;
	case KRG_EVENT_DOWN:
		notify(KRG_COMM_NODE_DOWN, ev->node);
		break;
	case KRG_EVENT_FAILED:
		notify(KRG_COMM_NODE_FAILED, ev->node);
		break;
	}
	krg_nl_event(ev->node, comm_memb_state(ev->node), ev->event);
}

static void event_work_fn(struct work_struct *work)
{
	struct ev_slot ev;

	for (;;) {
		spin_lock_bh(&comm_memb_lock);
		if (head == tail) {
			spin_unlock_bh(&comm_memb_lock);
			return;
		}
		ev = ring[head++ % RING_LEN];
		spin_unlock_bh(&comm_memb_lock);
		deliver(&ev);
		spin_lock_bh(&comm_memb_lock);
		pending[ev.node]--;
		delivered[ev.node][ev.event]++;
		spin_unlock_bh(&comm_memb_lock);
	}
}

int krg_comm_register_notifier(struct krg_comm_notifier *nb)
{
	struct krg_comm_notifier *pos;
	u32 n;

	if (!nb || !nb->notify)
		return -EINVAL;
	down_write(&notifiers_sem);
	list_for_each_entry(pos, &notifiers, list)
		if (pos->priority < nb->priority)
			break;
	list_add_tail(&nb->list, &pos->list);
	/* The nodes the others were told joined (their UP delivered). */
	krg_nodemask_for_each(n, &joined)
		nb->notify(nb, KRG_COMM_NODE_UP, n);
	up_write(&notifiers_sem);
	return 0;
}
EXPORT_SYMBOL_GPL(krg_comm_register_notifier);

void krg_comm_unregister_notifier(struct krg_comm_notifier *nb)
{
	down_write(&notifiers_sem);
	list_del(&nb->list);
	up_write(&notifiers_sem);
}
EXPORT_SYMBOL_GPL(krg_comm_unregister_notifier);

/* ---- debugfs ---------------------------------------------------------------- */

static const char *const event_names[NR_EVENTS] = {
	[KRG_EVENT_PRESENT] = "present", [KRG_EVENT_UP] = "up",
	[KRG_EVENT_LEAVING] = "leaving", [KRG_EVENT_DOWN] = "down",
	[KRG_EVENT_FAILED] = "failed", [KRG_EVENT_ABSENT] = "absent",
};

static void show_counts(struct seq_file *m, const char *what, const u32 *c)
{
	int e;

	seq_puts(m, what);
	for (e = KRG_EVENT_PRESENT; e < NR_EVENTS; e++)
		seq_printf(m, " %s %u", event_names[e], c[e]);
}

/*
 * "pending_max P overflows O", then one line per node that had events:
 * "node N state S pending P recorded <event> <count>... delivered ...".
 * Reachability events may be recorded more often than delivered (merged).
 */
static int events_show(struct seq_file *m, void *v)
{
	u32 rec[NR_EVENTS], del[NR_EVENTS];
	unsigned int p;
	u32 n;

	spin_lock_bh(&comm_memb_lock);
	seq_printf(m, "pending_max %u overflows %lu\n", pending_max, overflows);
	spin_unlock_bh(&comm_memb_lock);
	for (n = 0; n < KRG_MAX_NODES; n++) {
		spin_lock_bh(&comm_memb_lock);
		memcpy(rec, recorded[n], sizeof(rec));
		memcpy(del, delivered[n], sizeof(del));
		p = pending[n];
		spin_unlock_bh(&comm_memb_lock);
		if (!memchr_inv(rec, 0, sizeof(rec)))
			continue;
		seq_printf(m, "node %u state %s pending %u", n,
			   krg_sm_state_name(&comm_memb_sm, comm_memb_state(n)),
			   p);
		show_counts(m, " recorded", rec);
		show_counts(m, " delivered", del);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(events);

void comm_events_debugfs(struct dentry *dir)
{
	debugfs_create_file("events", 0400, dir, NULL, &events_fops);
}

void comm_events_init(void)
{
	INIT_WORK(&event_work, event_work_fn);
}

void comm_events_exit(void)
{
	flush_workqueue(comm_memb_wq);
}
