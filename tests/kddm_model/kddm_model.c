// SPDX-License-Identifier: GPL-2.0
/*
 * kddm_model: a deterministic, seedable simulator that runs the real KDDM
 * coherence protocol (modules/krg_kddm/object.c, protocol.c and access.c,
 * compiled unmodified against the small kernel shim in shim/) on N simulated
 * nodes and checks it against a deliberately naive reference model after
 * every step; an illegal entry state change (object.c) is a kernel warning,
 * which fails the run like any other.
 *
 * Nodes 1..N each have their own struct kddm_set and their own copies of
 * object.c's globals (swapped in before a node's code runs).  Messages go
 * through simulated FIFO channels, one per ordered pair of nodes (krg_comm
 * guarantees per-sender order, nothing across senders).  Clients (C per
 * node) run scripts of get/grab on K objects through the protocol's
 * non-sleeping steps (kddm_wait_begin / kddm_acquire_try / kddm_put), the
 * way kddm_acquire does: a client that got -EAGAIN runs again only once its
 * node's set->gen changed (the kernel's wait condition).  A seeded PRNG picks
 * every step uniformly among the enabled events: deliver the head message
 * of a channel, or advance a client.
 *
 * Reference model: one register per object, updated atomically when a
 * writer pins (and writes a fresh value); a reader must see exactly the
 * register's value when it pins (pins are atomic points, so this checks
 * linearizability of get/grab/put).  Invariants after every step: MRSW
 * (clients and entries agree), one owner per object (ownership inside a
 * WRITE_GRANT in a channel counts: ownership is never pushed, it only moves
 * as the answer to a WRITE_REQ, so a WRITE_GRANT must reach a node that
 * wants to write), every valid copy equals the register, no READ copy
 * anywhere while a writer pins, epochs never go back, no unexpected message,
 * no kernel warning, one first touch per object.
 * At the end (all scripts done, channels drained): every client finished
 * (else deadlock, with every entry dumped), entries idle, no owner still
 * marked pull_sent, and the hints of every node lead to the owner.
 *
 * Flush schedules: some grabs end with kddm_flush(set, obj, node) instead of
 * a put.  The client does kddm_flush's steps: its grab (the non-sleeping
 * steps above), then under the node's context what kddm_flush does after
 * kddm_grab (writer pin released, PULL to @node, queue served, wake-up), then
 * its bounded wait, as a client state: the flush is complete once this node
 * no longer owns the object (looked at again after every change of the
 * set's gen, as the kernel's wait condition).  A flush to the flusher
 * itself just releases.
 *
 *   kddm_model                    the suite (TAP): random, long and flush
 *                                 schedules, then one self-test per injected
 *                                 bug (the checker must catch it)
 *   kddm_model --seed S [--trace] replay one run (parameters derived from S;
 *                                 add --long / --flush as the failure says)
 *   make PROTOCOL=/tmp/x              build against patched copies of the
 *                                 three files in /tmp/x (a fix)
 *   kddm_model --help             every option
 */
#include <getopt.h>
#include <stdarg.h>
#include <time.h>

#include "internal.h"

#define MAXN		8		/* nodes 1..MAXN */
#define MAXC		4		/* clients per node */
#define MAXK		4		/* objects */
#define SET_ID		(KRG_KDDM_DYNAMIC_BASE + 1)
#define TRACE_RING	400
#define TRACE_LEN	200

/* ---- configuration ---------------------------------------------------------- */

enum inject {
	INJ_NONE,
	INJ_DROP_INV,		/* the first INV sent is lost */
	INJ_FAKE_ACK,		/* the first INV is replaced by a forged INV_ACK */
	INJ_STALE_GRANT,	/* an old READ_GRANT is replayed with a new epoch */
	INJ_REORDER,		/* channels are not FIFO */
	INJ_DUP_TOUCH,		/* the default owner forgets an object it created */
	INJ_COUNT
};
static const char *const inject_names[INJ_COUNT] = {
	"none", "drop-inv", "fake-ack", "stale-grant", "reorder", "dup-touch",
};

struct params {
	u64 seed;
	int nodes, clients, objs, ops;	/* ops per client */
	int write_pct, hold_max;
	int flush_pct;			/* of the grabs: put by a flush */
	u32 policy;			/* BY_ID or CREATOR */
	u32 creator;
	u32 obj_size;
	long max_steps;
};

static struct {
	int trace;			/* print every event as it happens */
	int quiet;
	enum inject inject;
	int long_run;
	int flush;			/* some grabs end with a flush */
	int nodes, clients, objs, ops;	/* overrides (0 = derived from the seed) */
} opt;

/* ---- PRNG (splitmix64: the whole run depends on the seed only) ------------- */

static u64 rng_state;

static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 rnd_below(u32 n)
{
	return n ? (u32)(rnd() % n) : 0;
}

/* ---- simulated nodes, channels, clients ------------------------------------ */

struct msg {
	struct msg *next;
	u32 src, dst;
	size_t len;
	u64 seq;
	u8 *data;
};

struct chan {
	struct msg *head, *tail;
	int count;
};

struct node {
	struct kddm_set *set;
	krg_nodemask_t dead;
	int recovering;
	u64 last_epoch[MAXK];
};

enum cstate { C_IDLE, C_WAIT, C_PINNED, C_FLUSH, C_DONE };

struct client {
	u32 node;
	int id;
	enum cstate st;
	int ops_done;
	bool write;
	bool flush;		/* this grab ends with a flush to flush_to */
	u32 flush_to;
	u64 obj;
	struct kddm_entry *e;
	u64 saved_gen;
	long flush_start;	/* step of the flush (C_FLUSH: waits for it) */
	u64 flush_epoch;	/* the owner's epoch when the PULL was sent */
	long flush_left;	/* diagnosis: ownership left at this step */
	long flush_back;	/* ... and was back here at this step */
	int hold;
	void *data;
	u64 value;		/* value read / written at the pin */
	int tries;
};

struct objmodel {
	u64 value;		/* the register */
	bool created;
	int first_touches;
	u32 last_owner;
	u64 last_owner_epoch;
};

static struct params P;
static struct node nodes[MAXN + 1];
static struct chan chans[MAXN + 1][MAXN + 1];
static struct client clients[MAXN * MAXC];
static int nclients;
static struct objmodel model[MAXK];
static u32 cur;			/* the node whose code runs */
static long step;
static u64 next_value, msg_seq;
static int replied;
static int inject_done;
static struct msg *stale_grant;	/* INJ_STALE_GRANT: the grant kept aside */

/* Failure of the current run. */
static char fail_msg[1024];
static int failed;
static int failures_shown;	/* in this batch: only the first few in full */
#define FAILURES_SHOWN	3

/* Totals over every run. */
static struct {
	u64 runs, steps, events_deliver, events_client;
	u64 rx[KRG_KDDM_MSG_TYPES];
	u64 gets, grabs, forwards, remote_reqs;
	u32 max_hops, chain_max;
	u64 hop_hist[KRG_KDDM_CHAIN_HIST];
	u64 max_inflight;
	long longest_run;
	u64 flushes, flushes_self, flushes_waited, flush_wakeups;
	long flush_wait_max;	/* steps between a flush and its completion */
} tot;

unsigned long kddm_model_warnings;
int kddm_model_verbose;

static const char *const msg_names[KRG_KDDM_MSG_TYPES] = {
	[KRG_KDDM_MSG_READ_REQ] = "READ_REQ",
	[KRG_KDDM_MSG_WRITE_REQ] = "WRITE_REQ",
	[KRG_KDDM_MSG_READ_GRANT] = "READ_GRANT",
	[KRG_KDDM_MSG_WRITE_GRANT] = "WRITE_GRANT",
	[KRG_KDDM_MSG_INV] = "INV",
	[KRG_KDDM_MSG_INV_ACK] = "INV_ACK",
	[KRG_KDDM_MSG_ERROR] = "ERROR",
	[KRG_KDDM_MSG_REMOVE] = "REMOVE",
	[KRG_KDDM_MSG_PULL] = "PULL",
	[KRG_KDDM_MSG_SET_CREATE] = "SET_CREATE",
	[KRG_KDDM_MSG_SET_DESTROY] = "SET_DESTROY",
	[KRG_KDDM_MSG_REPORT] = "REPORT",
	[KRG_KDDM_MSG_DECIDE] = "DECIDE",
	[KRG_KDDM_MSG_HANDOFF_DONE] = "HANDOFF_DONE",
	[KRG_KDDM_MSG_HELLO] = "HELLO",
};
static const char *const state_names[] = { "INVALID", "READ", "OWNER", "LOST" };
static const char *const want_names[] = { "-", "R", "W" };

static const char *msg_name(u16 t)
{
	return t < KRG_KDDM_MSG_TYPES && msg_names[t] ? msg_names[t] : "?";
}

/* ---- trace ------------------------------------------------------------------ */

static char trace_ring[TRACE_RING][TRACE_LEN];
static u64 trace_count;

static void __attribute__((format(printf, 1, 2))) trace(const char *fmt, ...)
{
	char *line = trace_ring[trace_count++ % TRACE_RING];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, TRACE_LEN, fmt, ap);
	va_end(ap);
	if (opt.trace)
		printf("%s\n", line);
}

static void print_trace(FILE *f)
{
	u64 i = trace_count > TRACE_RING ? trace_count - TRACE_RING : 0;

	fprintf(f, "# last %llu events (of %llu):\n", trace_count - i, trace_count);
	for (; i < trace_count; i++)
		fprintf(f, "#   %s\n", trace_ring[i % TRACE_RING]);
}

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (failed)
		return;		/* keep the first */
	failed = 1;
	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
	trace("FAILURE: %s", fail_msg);
}

void kddm_model_bug(const char *what)
{
	fail("shim: %s (node %u)", what, cur);
}

/* ---- the per-node globals of object.c ------------------------------------- */

static void switch_to(u32 n)
{
	if (n == cur)
		return;
	if (cur) {
		nodes[cur].dead = kddm_dead;
		nodes[cur].recovering = atomic_read(&kddm_recovering);
	}
	cur = n;
	kddm_dead = nodes[n].dead;
	atomic_set(&kddm_recovering, nodes[n].recovering);
}

/* ---- krg_comm stand-ins -------------------------------------------------- */

int krg_comm_self(void)
{
	return (int)cur;
}

int krg_comm_node_state(u32 node)
{
	return node >= 1 && node <= (u32)P.nodes ? KRG_NODE_ONLINE : KRG_NODE_ABSENT;
}

void krg_comm_reply(struct krg_comm_req *req, int status, const void *data,
		    size_t len)
{
	replied++;
	if (status && status != -EHOSTDOWN)
		fail("handler on node %u answered %d", cur, status);
}

static void chan_push(struct chan *c, struct msg *m)
{
	m->next = NULL;
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->count++;
}

/* Removes the i-th message of @c (0 = head). */
static struct msg *chan_take(struct chan *c, int i)
{
	struct msg **pp = &c->head, *m, *prev = NULL;

	while (i--) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	m = *pp;
	*pp = m->next;
	if (c->tail == m)
		c->tail = prev;
	c->count--;
	return m;
}

static void describe(char *buf, size_t n, const struct kddm_hdr *h)
{
	snprintf(buf, n, "%s obj %llu req %u hops %u epoch %llu%s",
		 msg_name(le16_to_cpu(h->type)), le64_to_cpu(h->objid),
		 le32_to_cpu(h->requester), le16_to_cpu(h->hops),
		 le64_to_cpu(h->epoch),
		 le16_to_cpu(h->type) == KRG_KDDM_MSG_ERROR ? " ERR" : "");
}

static struct msg *msg_new(u32 src, u32 dst, const void *data, size_t len)
{
	struct msg *m = calloc(1, sizeof(*m));

	m->src = src;
	m->dst = dst;
	m->len = len;
	m->seq = ++msg_seq;
	m->data = malloc(len);
	memcpy(m->data, data, len);
	return m;
}

static void msg_free(struct msg *m)
{
	if (!m)
		return;
	free(m->data);
	free(m);
}

int krg_comm_send_wait(u32 node, u32 service, const void *data, size_t len,
		       unsigned int timeout_ms)
{
	const struct kddm_hdr *h = data;
	char d[160];
	u16 type;

	if (service != KRG_SVC_KDDM || len < sizeof(*h)) {
		fail("node %u: send of service %u len %zu", cur, service, len);
		return -EINVAL;
	}
	if (node < 1 || node > (u32)P.nodes) {
		fail("node %u: send to node %u, not a member", cur, node);
		return -EHOSTDOWN;
	}
	type = le16_to_cpu(h->type);
	describe(d, sizeof(d), h);
	if (node == cur)
		trace("      send %u->%u %s (to itself)", cur, node, d);
	else
		trace("      send %u->%u %s", cur, node, d);

	if (type == KRG_KDDM_MSG_INV && !inject_done &&
	    (opt.inject == INJ_DROP_INV || opt.inject == INJ_FAKE_ACK)) {
		inject_done = 1;
		trace("      INJECTED: INV %u->%u lost", cur, node);
		if (opt.inject == INJ_FAKE_ACK) {
			struct kddm_hdr a = *h;

			a.type = cpu_to_le16(KRG_KDDM_MSG_INV_ACK);
			a.requester = cpu_to_le32(cur);
			chan_push(&chans[node][cur], msg_new(node, cur, &a, sizeof(a)));
			trace("      INJECTED: forged INV_ACK %u->%u", node, cur);
		}
		return 0;
	}
	if (type == KRG_KDDM_MSG_READ_GRANT && opt.inject == INJ_STALE_GRANT &&
	    !stale_grant && !inject_done)
		stale_grant = msg_new(cur, node, data, len);
	chan_push(&chans[cur][node], msg_new(cur, node, data, len));
	return 0;
}

/* ---- set.c / recovery.c stand-ins ------------------------------------------ */

struct kddm_set *kddm_set_find(u32 id)
{
	struct kddm_set *set = nodes[cur].set;

	return set && set->id == id ? set : NULL;
}

void kddm_set_put(struct kddm_set *set)
{
}

/* set.c's policy, for BY_ID and CREATOR (the ones the model uses). */
u32 kddm_default_owner(struct kddm_set *set, u64 objid)
{
	u32 n, k = 0, count = krg_nodemask_weight(&set->home), pick;

	if (!count)
		return cur;
	if (set->policy == KRG_KDDM_OWNER_CREATOR &&
	    krg_nodemask_test(&set->home, set->creator))
		return set->creator;
	pick = set->policy == KRG_KDDM_OWNER_CREATOR ? 0 : (u32)(objid % count);
	krg_nodemask_for_each(n, &set->home)
		if (k++ == pick)
			return n;
	return cur;
}

void kddm_stat_chain(struct kddm_set *set, u32 hops)
{
	set->st.chain_hist[min_t(u32, hops, KRG_KDDM_CHAIN_HIST - 1)]++;
	if (hops > set->st.chain_max)
		set->st.chain_max = hops;
}

#define UNEXPECTED_CALL(proto, name)					\
	proto { fail("unexpected call of " name " on node %u", cur); }

UNEXPECTED_CALL(void kddm_report(struct krg_comm_req *req), "kddm_report")
UNEXPECTED_CALL(void kddm_decide(struct krg_comm_req *req), "kddm_decide")
UNEXPECTED_CALL(void kddm_handoff_done(u32 src), "kddm_handoff_done")
/* Only for a node that left (set->left): never in the model. */
UNEXPECTED_CALL(void kddm_leave_wake(void), "kddm_leave_wake")
UNEXPECTED_CALL(void kddm_hello(u32 src), "kddm_hello")
UNEXPECTED_CALL(void kddm_memb_local(u32 gone), "kddm_memb_local")
UNEXPECTED_CALL(void kddm_set_remove_local(u32 id), "kddm_set_remove_local")
UNEXPECTED_CALL(void kddm_left_grant(struct kddm_set *set, struct kddm_entry *e),
		"kddm_left_grant")
int kddm_set_install(const struct kddm_wire_set *w)
{
	fail("unexpected call of kddm_set_install on node %u", cur);
	return -EINVAL;
}

/* ---- the IO linker: object bytes derived from the register value ------------ */

static void fill(void *data, u64 value)
{
	u8 *b = data;
	u32 i;

	if (!value) {		/* first touch: zeroed */
		memset(data, 0, P.obj_size);
		return;
	}
	memcpy(b, &value, sizeof(value));
	for (i = sizeof(value); i < P.obj_size; i++)
		b[i] = (u8)(value * 31 + i);
}

static bool holds(const void *data, u64 value, u64 *seen)
{
	u8 want[64];

	fill(want, value);
	memcpy(seen, data, sizeof(*seen));
	return !memcmp(data, want, P.obj_size);
}

static int model_first_touch(struct kddm_set *set, u64 objid, void *data)
{
	struct objmodel *o;

	if (objid >= (u64)P.objs) {
		fail("first touch of object %llu on node %u", objid, cur);
		return -EINVAL;
	}
	o = &model[objid];
	o->first_touches++;
	trace("      first touch of obj %llu on node %u", objid, cur);
	if (o->created)
		fail("object %llu first-touched again on node %u (it exists: "
		     "value %llu would be lost)", objid, cur, o->value);
	o->created = true;
	return 0;
}

static void model_invalidate(struct kddm_set *set, u64 objid, void *data)
{
	if (!data)
		fail("linker invalidate without a copy");
}

static const struct kddm_io_linker model_linker = {
	.name = "model",
	.first_touch = model_first_touch,
	.invalidate = model_invalidate,
};

/* ---- state dump ----------------------------------------------------------- */

static void fmt_bits(char *buf, size_t n, const krg_nodemask_t *b)
{
	u32 i;
	size_t o = 0;

	o += snprintf(buf + o, n - o, "{");
	krg_nodemask_for_each(i, b)
		if (o < n)
			o += snprintf(buf + o, n - o, "%s%u", o > 1 ? "," : "", i);
	if (o < n)
		snprintf(buf + o, n - o, "}");
}

static int queue_len(const struct kddm_entry *e)
{
	const struct list_head *p;
	int n = 0;

	for (p = e->queue.next; p != &e->queue; p = p->next)
		n++;
	return n;
}

static void fmt_entry(char *buf, size_t n, u32 node, const struct kddm_entry *e)
{
	char cs[64], acks[64], hint[16];
	u64 v = 0;

	fmt_bits(cs, sizeof(cs), &e->copyset);
	fmt_bits(acks, sizeof(acks), &e->acks);
	if (e->hint == KDDM_NONE)
		snprintf(hint, sizeof(hint), "-");
	else
		snprintf(hint, sizeof(hint), "%u", e->hint);
	if (e->data)
		memcpy(&v, e->data, sizeof(v));
	snprintf(buf, n, "node %u obj %llu: %s epoch %llu want %s hint %s cs %s "
		 "acks %s inv %d writer %d readers %d local_turn %d fresh %d "
		 "waiters %d/%d parked %d xfer %d@%llu pull_sent %d err %d "
		 "copy %s%llu",
		 node, e->objid, e->state < 4 ? state_names[e->state] : "?",
		 e->epoch, e->want < 3 ? want_names[e->want] : "?", hint, cs,
		 acks, e->inv_pending, e->writer, e->readers, e->local_turn,
		 e->fresh, e->waiters, e->waiters_r, queue_len(e),
		 e->xfer_to == KDDM_NONE ? -1 : (int)e->xfer_to, e->xfer_epoch,
		 e->pull_sent, e->err, e->data ? "" : "none ", e->data ? v : 0ULL);
}

static void dump_state(FILE *f)
{
	struct kddm_deferred *d;
	struct kddm_entry *e;
	char buf[512];
	u32 n, m;
	int i;
	struct msg *ms;

	fprintf(f, "# state at step %ld:\n", step);
	for (i = 0; i < P.objs; i++)
		fprintf(f, "#   model obj %d: value %llu created %d\n", i,
			model[i].value, model[i].created);
	for (n = 1; n <= (u32)P.nodes; n++) {
		struct kddm_set *set = nodes[n].set;

		fprintf(f, "#   node %u: gen %llu unexpected %llu\n", n, set->gen,
			set->st.unexpected);
		for (i = 0; i < P.objs; i++) {
			e = kddm_entry_lookup(set, i);
			if (!e)
				continue;
			fmt_entry(buf, sizeof(buf), n, e);
			fprintf(f, "#     %s\n", buf);
			list_for_each_entry(d, &e->queue, list) {
				describe(buf, sizeof(buf), (const void *)d->msg);
				fprintf(f, "#       parked from %u: %s\n", d->src, buf);
			}
		}
	}
	for (i = 0; i < nclients; i++) {
		struct client *c = &clients[i];
		static const char *const cs[] = {
			"idle", "waiting", "pinned", "flushing", "done"
		};

		fprintf(f, "#   client %d (node %u): %s, %d ops done%s", c->id,
			c->node, cs[c->st], c->ops_done,
			c->st == C_WAIT || c->st == C_PINNED ? "," :
			c->st == C_FLUSH ? "" : "\n");
		if (c->st == C_WAIT || c->st == C_PINNED)
			fprintf(f, " %s obj %llu, tries %d, gen seen %llu\n",
				c->write ? "grab" : "get", c->obj, c->tries,
				c->saved_gen);
		else if (c->st == C_FLUSH)
			fprintf(f, " obj %llu to node %u since step %ld (epoch "
				"%llu), gen seen %llu\n", c->obj, c->flush_to,
				c->flush_start, c->flush_epoch, c->saved_gen);
	}
	for (n = 1; n <= (u32)P.nodes; n++)
		for (m = 1; m <= (u32)P.nodes; m++)
			for (ms = chans[n][m].head; ms; ms = ms->next) {
				describe(buf, sizeof(buf), (const void *)ms->data);
				fprintf(f, "#   in channel %u->%u: %s\n", n, m, buf);
			}
}

/* ---- invariants ------------------------------------------------------------ */

/*
 * Diagnosis only (not a check): a flush waits for "this node no longer owns
 * the object", looked at when the flusher runs.  Note when the ownership
 * left after the PULL (a transfer raises the owner's epoch) and when it was
 * back, so a flush that missed it says so.
 */
static void note_flushes(void)
{
	int i;

	for (i = 0; i < nclients; i++) {
		struct client *c = &clients[i];
		struct kddm_entry *e;

		if (c->st != C_FLUSH)
			continue;
		e = kddm_entry_lookup(nodes[c->node].set, c->obj);
		if (!c->flush_left &&
		    (!e || e->state != KDDM_OWNER || e->epoch != c->flush_epoch))
			c->flush_left = step;
		if (c->flush_left && !c->flush_back && e &&
		    e->state == KDDM_OWNER && e->epoch != c->flush_epoch) {
			c->flush_back = step;
			trace("      (flush of client %d: obj %llu left node %u at "
			      "step %ld, owned here again at step %ld, epoch %llu)",
			      c->id, c->obj, c->node, c->flush_left, step,
			      e->epoch);
		}
	}
}

static void check_step(void)
{
	u32 n, m;
	int k, i;
	char buf[512];

	note_flushes();

	for (n = 1; n <= (u32)P.nodes; n++) {
		struct kddm_set *set = nodes[n].set;

		if (set->st.unexpected)
			fail("node %u counted %llu unexpected messages", n,
			     set->st.unexpected);
		if (set->lock.held)
			fail("node %u: set mutex left held", n);
	}
	if (kddm_model_warnings)
		fail("the protocol logged %lu warnings/errors", kddm_model_warnings);

	for (k = 0; k < P.objs; k++) {
		struct objmodel *o = &model[k];
		int owners = 0, inflight = 0, wpins = 0, rpins = 0, readcopies = 0;
		u32 owner = 0, wnode = 0;
		struct msg *ms;

		/* Ownership: on a node, or inside a WRITE_GRANT. */
		for (n = 1; n <= (u32)P.nodes; n++)
			for (m = 1; m <= (u32)P.nodes; m++)
				for (ms = chans[n][m].head; ms; ms = ms->next) {
					const struct kddm_hdr *h = (const void *)ms->data;
					u16 t = le16_to_cpu(h->type);

					if (le64_to_cpu(h->objid) == (u64)k &&
					    t == KRG_KDDM_MSG_WRITE_GRANT)
						inflight++;
				}
		for (n = 1; n <= (u32)P.nodes; n++) {
			struct kddm_entry *e = kddm_entry_lookup(nodes[n].set, k);
			int cw = 0, cr = 0;
			u64 seen;

			for (i = 0; i < nclients; i++) {
				struct client *c = &clients[i];

				if (c->node == n && c->st == C_PINNED && c->obj == (u64)k)
					c->write ? cw++ : cr++;
			}
			wpins += cw;
			rpins += cr;
			if (cw)
				wnode = n;
			if ((e ? e->writer : 0) != cw || (e ? e->readers : 0) != cr)
				fail("node %u obj %d: the entry says writer %d readers %d, "
				     "the clients hold %d write / %d read pins", n, k,
				     e ? e->writer : 0, e ? e->readers : 0, cw, cr);
			if (!e)
				continue;
			if (e->state == KDDM_OWNER) {
				owners++;
				owner = n;
			}
			if (e->state == KDDM_READ)
				readcopies++;
			if (e->state == KDDM_READ || e->state == KDDM_OWNER) {
				if (!e->data)
					fail("node %u obj %d: %s without a copy", n, k,
					     state_names[e->state]);
				else if (!holds(e->data, o->value, &seen))
					fail("node %u obj %d: stale or corrupt %s copy: "
					     "holds %llu, the register is %llu", n, k,
					     state_names[e->state], seen, o->value);
			} else if (e->data) {
				fail("node %u obj %d: %s entry still holds a copy", n, k,
				     state_names[e->state]);
			}
			if (e->state == KDDM_LOST)
				fail("node %u obj %d: LOST in a fault-free run", n, k);
			if (e->epoch < nodes[n].last_epoch[k])
				fail("node %u obj %d: epoch went back from %llu to %llu",
				     n, k, nodes[n].last_epoch[k], e->epoch);
			nodes[n].last_epoch[k] = e->epoch;
			if (e->waiters < 0 || e->waiters_r < 0 || e->readers < 0 ||
			    e->waiters_r > e->waiters)
				fail("node %u obj %d: bad counters waiters %d/%d readers %d",
				     n, k, e->waiters, e->waiters_r, e->readers);
		}
		if (owners + inflight > 1)
			fail("obj %d: %d owners and %d ownership messages in flight",
			     k, owners, inflight);
		if (o->created && owners + inflight == 0)
			fail("obj %d: exists but nobody owns it and no grant is in flight", k);
		if (owners == 1) {
			struct kddm_entry *e = kddm_entry_lookup(nodes[owner].set, k);

			if (owner != o->last_owner && e->epoch <= o->last_owner_epoch &&
			    o->last_owner)
				fail("obj %d: new owner %u has epoch %llu, not above the "
				     "previous owner %u's %llu", k, owner, e->epoch,
				     o->last_owner, o->last_owner_epoch);
			if (owner != o->last_owner || e->epoch > o->last_owner_epoch) {
				o->last_owner = owner;
				o->last_owner_epoch = e->epoch;
			}
		}
		/* MRSW, as the clients see it. */
		if (wpins > 1 || (wpins && rpins))
			fail("obj %d: %d write pins and %d read pins at once", k,
			     wpins, rpins);
		if (wpins) {
			struct kddm_entry *e = kddm_entry_lookup(nodes[wnode].set, k);

			if (e->state != KDDM_OWNER ||
			    !krg_nodemask_empty(&e->copyset)) {
				fmt_entry(buf, sizeof(buf), wnode, e);
				fail("obj %d: write pin on a non-exclusive entry: %s", k, buf);
			}
			if (readcopies)
				fail("obj %d: write pin on node %u while %d nodes hold a "
				     "READ copy", k, wnode, readcopies);
		}
	}
}

/* Li & Hudak: from every node, the hints (else the default owner) lead to
 * the owner, without a cycle and without a node that would first-touch. */
static void check_hint_paths(void)
{
	u32 n, at, next;
	int k, hops;

	for (k = 0; k < P.objs; k++) {
		if (!model[k].created)
			continue;
		for (n = 1; n <= (u32)P.nodes; n++) {
			at = n;
			for (hops = 0; hops <= P.nodes; hops++) {
				struct kddm_set *set = nodes[at].set;
				struct kddm_entry *e;

				switch_to(at);
				e = kddm_entry_lookup(set, k);
				if (e && e->state == KDDM_OWNER)
					break;
				if ((!e || e->fresh) && kddm_default_owner(set, k) == at) {
					fail("obj %d: a request from node %u would be "
					     "first-touched again at node %u", k, n, at);
					return;
				}
				next = e && e->hint != KDDM_NONE && e->hint != at ?
					e->hint : kddm_default_owner(set, k);
				if (next == at) {
					fail("obj %d: a request from node %u ends at node %u "
					     "(no hint, default owner itself)", k, n, at);
					return;
				}
				at = next;
			}
			if (hops > P.nodes) {
				fail("obj %d: the hints from node %u loop", k, n);
				return;
			}
		}
	}
}

static void check_quiescent(void)
{
	u32 n;
	int k, i, owners;
	char buf[512];

	for (i = 0; i < nclients; i++)
		if (clients[i].st == C_FLUSH) {
			struct client *c = &clients[i];
			char why[160] = "";

			if (c->flush_back)
				snprintf(why, sizeof(why), "; the ownership left at "
					 "step %ld and was back at step %ld, before "
					 "the flusher looked", c->flush_left,
					 c->flush_back);
			else if (c->flush_left)
				snprintf(why, sizeof(why), "; the ownership left "
					 "at step %ld", c->flush_left);
			fail("deadlock: nothing in flight, client %d on node %u "
			     "stuck in kddm_flush of obj %llu to node %u (since "
			     "step %ld, %d of %d ops done; only its timeout "
			     "would end it)%s", c->id,
			     c->node, c->obj, c->flush_to, c->flush_start,
			     c->ops_done, P.ops, why);
			return;
		} else if (clients[i].st != C_DONE) {
			fail("deadlock: nothing in flight, client %d on node %u is %s "
			     "(%s obj %llu) with %d of %d ops done", clients[i].id,
			     clients[i].node,
			     clients[i].st == C_WAIT ? "waiting" : "not done",
			     clients[i].write ? "grab" : "get", clients[i].obj,
			     clients[i].ops_done, P.ops);
			return;
		}
	for (k = 0; k < P.objs; k++) {
		owners = 0;
		for (n = 1; n <= (u32)P.nodes; n++) {
			struct kddm_entry *e = kddm_entry_lookup(nodes[n].set, k);

			if (!e)
				continue;
			owners += e->state == KDDM_OWNER;
			if (e->want || !list_empty(&e->queue) || e->inv_pending ||
			    e->local_turn || e->waiters || e->readers || e->writer ||
			    e->err) {
				fmt_entry(buf, sizeof(buf), n, e);
				fail("idle cluster, busy entry: %s", buf);
				return;
			}
			/* Nobody will pull it: a later flush from here would
			 * not ask again (kddm_send_pull) and wait in vain. */
			if (e->state == KDDM_OWNER && e->pull_sent) {
				fmt_entry(buf, sizeof(buf), n, e);
				fail("idle cluster, owner still marked pull_sent: %s",
				     buf);
				return;
			}
		}
		if (model[k].created && owners != 1)
			fail("obj %d: %d owners at the end", k, owners);
	}
	check_hint_paths();
}

/* ---- events ----------------------------------------------------------------- */

static void client_pinned(struct client *c, struct kddm_op_info *info)
{
	struct objmodel *o = &model[c->obj];
	u64 seen;

	if (c->write) {
		c->value = ++next_value;
		fill(c->data, c->value);
		o->value = c->value;
		trace("  client %d node %u: grab obj %llu pinned (epoch %llu hops %u), "
		      "writes %llu", c->id, c->node, c->obj, info->epoch, info->hops,
		      c->value);
	} else {
		if (!holds(c->data, o->value, &seen))
			fail("client %d node %u: get of obj %llu read %llu, the "
			     "register holds %llu (not linearizable)", c->id,
			     c->node, c->obj, seen, o->value);
		c->value = seen;
		trace("  client %d node %u: get obj %llu pinned (epoch %llu hops %u), "
		      "reads %llu", c->id, c->node, c->obj, info->epoch, info->hops,
		      seen);
	}
	if (info->hops > tot.max_hops)
		tot.max_hops = info->hops;
	c->hold = (int)rnd_below(P.hold_max + 1);
	c->st = C_PINNED;
}

/* Under the set lock: one kddm_acquire_try, as kddm_acquire's loop does. */
static void client_try(struct client *c, struct kddm_set *set)
{
	struct kddm_op_info info = {};
	void *data = NULL;
	int ret;

	c->tries++;
	ret = kddm_acquire_try(set, c->e, c->write, &info, &data);
	if (ret == -EAGAIN) {
		c->saved_gen = set->gen;
		c->st = C_WAIT;
		trace("  client %d node %u: %s obj %llu waits (gen %llu)", c->id,
		      c->node, c->write ? "grab" : "get", c->obj, c->saved_gen);
		return;
	}
	if (ret) {
		fail("client %d node %u: %s obj %llu failed: %d", c->id, c->node,
		     c->write ? "grab" : "get", c->obj, ret);
		kddm_wait_abort(set, c->e, c->write);
		c->st = C_DONE;
		return;
	}
	if (!data) {
		fail("client %d: pinned without data", c->id);
		return;
	}
	c->data = data;
	client_pinned(c, &info);
}

/* The end of an operation (a put, or a flush once complete). */
static void client_op_done(struct client *c)
{
	c->st = ++c->ops_done == P.ops ? C_DONE : C_IDLE;
}

/*
 * kddm_flush's wait, one look (under the set lock): done once this node no
 * longer owns the object (or the entry is gone, or the set is dead), else
 * wait for the next change of set->gen, as its wait_event does.  Keep this
 * condition a copy of kddm_flush's loop (c->flush_epoch is the owner's
 * epoch when the PULL was sent: ownership that left and came back counts).
 */
static void flush_look(struct client *c, struct kddm_set *set)
{
	struct kddm_entry *e = kddm_entry_lookup(set, c->obj);

	if (!e || e->state != KDDM_OWNER || e->epoch != c->flush_epoch ||
	    set->dead) {
		long waited = step - c->flush_start;

		trace("  client %d node %u: flush of obj %llu to node %u complete "
		      "(%ld steps; here %s)", c->id, c->node, c->obj,
		      c->flush_to, waited,
		      e ? state_names[e->state < 4 ? e->state : 0] : "no entry");
		if (waited > tot.flush_wait_max)
			tot.flush_wait_max = waited;
		client_op_done(c);
		return;
	}
	c->saved_gen = set->gen;
	if (c->st != C_FLUSH)
		tot.flushes_waited++;
	c->st = C_FLUSH;
	trace("  client %d node %u: flush of obj %llu to node %u waits (gen %llu)",
	      c->id, c->node, c->obj, c->flush_to, c->saved_gen);
}

/*
 * kddm_flush(set, obj, node) is kddm_grab (which sleeps: the client did it
 * step by step), then this, as access.c's kddm_flush does after its
 * kddm_grab: release the writer pin, ask @node to pull (PULL: it sends an
 * ordinary WRITE_REQ), serve the queue, wake; then wait (flush_look) until
 * the ownership has left.  A flush to this node itself just releases.
 */
static void flush_pinned(struct client *c, struct kddm_set *set)
{
	struct kddm_entry *e;
	int ret;

	trace("step %ld: client %d node %u: flush obj %llu to node %u", step,
	      c->id, c->node, c->obj, c->flush_to);
	tot.flushes++;
	mutex_lock(&set->lock);
	e = kddm_entry_lookup(set, c->obj);
	if (!e || !e->writer) {
		fail("flush: no write pin on the entry");
		mutex_unlock(&set->lock);
		return;
	}
	c->flush_epoch = e->epoch;
	e->writer = false;
	ret = c->flush_to == cur ? 0 : kddm_send_pull(set, e, c->flush_to);
	if (ret)
		fail("flush: kddm_send_pull to node %u failed: %d", c->flush_to,
		     ret);
	kddm_serve_queue(set, e);
	kddm_changed(set);
	c->flush_start = step;
	c->flush_left = c->flush_back = 0;
	if (ret || c->flush_to == cur) {
		if (!ret)
			tot.flushes_self++;
		client_op_done(c);
	} else {
		flush_look(c, set);
	}
	mutex_unlock(&set->lock);
}

static void client_step(struct client *c)
{
	struct kddm_set *set = nodes[c->node].set;
	u64 seen;

	switch_to(c->node);
	switch (c->st) {
	case C_IDLE:
		c->write = rnd_below(100) < (u32)P.write_pct;
		c->obj = rnd_below(P.objs);
		c->flush = c->write && rnd_below(100) < (u32)P.flush_pct;
		c->flush_to = 1 + rnd_below(P.nodes);
		c->tries = 0;
		trace("step %ld: client %d node %u: %s obj %llu", step, c->id,
		      c->node, c->write ? "grab" : "get", c->obj);
		mutex_lock(&set->lock);
		c->e = kddm_wait_begin(set, c->obj, c->write);
		if (!c->e)
			fail("kddm_wait_begin: NULL");
		else
			client_try(c, set);
		mutex_unlock(&set->lock);
		break;
	case C_WAIT:
		trace("step %ld: client %d node %u: woken (gen %llu -> %llu)", step,
		      c->id, c->node, c->saved_gen, set->gen);
		mutex_lock(&set->lock);
		client_try(c, set);
		mutex_unlock(&set->lock);
		break;
	case C_PINNED:
		if (c->hold > 0) {
			c->hold--;
			trace("step %ld: client %d node %u: holds obj %llu", step,
			      c->id, c->node, c->obj);
			break;
		}
		if (!holds(c->data, c->value, &seen))
			fail("client %d node %u: obj %llu changed under its %s pin "
			     "(%llu -> %llu)", c->id, c->node, c->obj,
			     c->write ? "write" : "read", c->value, seen);
		if (c->flush) {
			flush_pinned(c, set);
			break;
		}
		client_op_done(c);
		trace("step %ld: client %d node %u: put obj %llu", step, c->id,
		      c->node, c->obj);
		kddm_put(set, c->obj);
		break;
	case C_FLUSH:
		trace("step %ld: client %d node %u: flush woken (gen %llu -> %llu)",
		      step, c->id, c->node, c->saved_gen, set->gen);
		tot.flush_wakeups++;
		mutex_lock(&set->lock);
		flush_look(c, set);
		mutex_unlock(&set->lock);
		break;
	case C_DONE:
		break;
	}
}

static void deliver(u32 src, u32 dst)
{
	struct chan *ch = &chans[src][dst];
	struct krg_comm_req req = {};
	const struct kddm_hdr *h;
	struct msg *m;
	char d[160];
	u16 type;

	m = chan_take(ch, opt.inject == INJ_REORDER ? (int)rnd_below(ch->count) : 0);
	h = (const void *)m->data;
	type = le16_to_cpu(h->type);
	describe(d, sizeof(d), h);
	trace("step %ld: deliver %u->%u %s", step, src, dst, d);
	if (type < KRG_KDDM_MSG_TYPES)
		tot.rx[type]++;
	if (type == KRG_KDDM_MSG_READ_GRANT || type == KRG_KDDM_MSG_WRITE_GRANT) {
		u16 hops = le16_to_cpu(h->hops);

		if (hops > tot.max_hops)
			tot.max_hops = hops;
		tot.hop_hist[min_t(u32, hops, KRG_KDDM_CHAIN_HIST - 1)]++;
	}
	switch_to(dst);
	if (type == KRG_KDDM_MSG_WRITE_GRANT) {
		/* Ownership only answers a request: the receiver wants it. */
		struct kddm_entry *e = kddm_entry_lookup(nodes[dst].set,
							 le64_to_cpu(h->objid));

		if (!e || e->want != KDDM_WANT_WRITE)
			fail("unsolicited ownership: WRITE_GRANT %u->%u of obj %llu, "
			     "the receiver %s", src, dst, le64_to_cpu(h->objid),
			     !e ? "has no entry" : e->want == KDDM_WANT_READ ?
			     "only wants a read copy" : "wants nothing");
	}
	req.src_node = src;
	req.service = KRG_SVC_KDDM;
	req.data = m->data;
	req.len = m->len;
	req.oneway = true;
	replied = 0;
	kddm_handler(&req);
	if (replied != 1)
		fail("handler answered %d times", replied);
	msg_free(m);
}

/* INJ_STALE_GRANT: once the object was written after the grant, replay it
 * with an epoch high enough to pass the staleness check. */
static void maybe_replay_stale(void)
{
	const struct kddm_hdr *h;
	struct kddm_hdr *w;
	u64 seen;

	if (!stale_grant || inject_done)
		return;
	h = (const void *)stale_grant->data;
	if (holds(h + 1, model[le64_to_cpu(h->objid)].value, &seen))
		return;
	w = (void *)stale_grant->data;
	w->epoch = cpu_to_le64(1ULL << 40);
	inject_done = 1;
	trace("      INJECTED: READ_GRANT %u->%u (value %llu) replayed as epoch 2^40",
	      stale_grant->src, stale_grant->dst, seen);
	chan_push(&chans[stale_grant->src][stale_grant->dst], stale_grant);
	stale_grant = NULL;
}

/* INJ_DUP_TOUCH: a default owner that handed the object on forgets it. */
static void maybe_forget(void)
{
	u32 n;
	int k;

	if (inject_done)
		return;
	for (k = 0; k < P.objs; k++)
		for (n = 1; n <= (u32)P.nodes; n++) {
			struct kddm_set *set = nodes[n].set;
			struct kddm_entry *e = kddm_entry_lookup(set, k);

			switch_to(n);
			if (e && e->state == KDDM_INVALID && !e->want &&
			    !e->waiters && list_empty(&e->queue) &&
			    kddm_default_owner(set, k) == n) {
				inject_done = 1;
				trace("      INJECTED: node %u forgets obj %d", n, k);
				hash_del(&e->node);
				set->nr_entries--;
				kfree(e);
				nodes[n].last_epoch[k] = 0;
				return;
			}
		}
}

/* ---- one run ----------------------------------------------------------------- */

static void derive_params(u64 seed)
{
	rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
	memset(&P, 0, sizeof(P));
	P.seed = seed;
	if (opt.long_run) {
		P.nodes = 3 + rnd_below(MAXN - 2);
		P.clients = 2 + rnd_below(MAXC - 1);
		P.objs = 1 + rnd_below(3);
		P.ops = 100 + rnd_below(200);
	} else {
		P.nodes = 2 + rnd_below(3);
		P.clients = 1 + rnd_below(3);
		P.objs = 1 + rnd_below(3);
		P.ops = 3 + rnd_below(10);
	}
	P.write_pct = 20 + rnd_below(61);
	P.hold_max = rnd_below(6);
	P.policy = rnd_below(4) ? KRG_KDDM_OWNER_BY_ID : KRG_KDDM_OWNER_CREATOR;
	P.obj_size = 8 + 8 * rnd_below(4);
	if (opt.nodes)
		P.nodes = opt.nodes;
	if (opt.clients)
		P.clients = opt.clients;
	if (opt.objs)
		P.objs = opt.objs;
	if (opt.ops)
		P.ops = opt.ops;
	P.creator = 1 + rnd_below(P.nodes);
	P.flush_pct = opt.flush ? 5 + (int)rnd_below(26) : 0;
	P.max_steps = 2000L + 400L * P.nodes * P.clients * P.ops;
}

static void setup(void)
{
	u32 n;
	int c;

	memset(nodes, 0, sizeof(nodes));
	memset(chans, 0, sizeof(chans));
	memset(clients, 0, sizeof(clients));
	memset(model, 0, sizeof(model));
	memset(&kddm_dead, 0, sizeof(kddm_dead));
	atomic_set(&kddm_recovering, 0);
	cur = 0;
	step = 0;
	next_value = 0;
	msg_seq = 0;
	failed = 0;
	fail_msg[0] = 0;
	trace_count = 0;
	inject_done = 0;
	stale_grant = NULL;
	kddm_model_warnings = 0;
	for (n = 1; n <= (u32)P.nodes; n++) {
		struct kddm_set *set = kzalloc(sizeof(*set), GFP_KERNEL);
		u32 h;

		set->id = SET_ID;
		set->obj_size = P.obj_size;
		set->policy = P.policy;
		set->on_failure = KRG_KDDM_FAIL_RECREATE;
		set->creator = P.creator;
		set->linker = &model_linker;
		for (h = 1; h <= (u32)P.nodes; h++)
			krg_nodemask_set(&set->home, h);
		mutex_init(&set->lock);
		hash_init(set->objs);
		init_waitqueue_head(&set->wq);
		INIT_LIST_HEAD(&set->list);
		nodes[n].set = set;
	}
	nclients = 0;
	for (n = 1; n <= (u32)P.nodes; n++)
		for (c = 0; c < P.clients; c++) {
			clients[nclients].node = n;
			clients[nclients].id = nclients;
			clients[nclients].st = P.ops ? C_IDLE : C_DONE;
			nclients++;
		}
}

static void teardown(void)
{
	u32 n, m;

	for (n = 1; n <= (u32)P.nodes; n++) {
		struct kddm_set *set = nodes[n].set;

		tot.gets += set->st.gets;
		tot.grabs += set->st.grabs;
		tot.forwards += set->st.forwards;
		tot.remote_reqs += set->st.remote_reqs;
		if (set->st.chain_max > tot.chain_max)
			tot.chain_max = set->st.chain_max;
		switch_to(n);
		kddm_set_free_entries(set);
		kfree(set);
		nodes[n].set = NULL;
		for (m = 1; m <= (u32)P.nodes; m++)
			while (chans[n][m].head)
				msg_free(chan_take(&chans[n][m], 0));
	}
	msg_free(stale_grant);
	stale_grant = NULL;
	cur = 0;
}

/* The command-line options that change the derived parameters. */
static const char *overrides(void)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s%.0d%s%.0d%s%.0d%s%.0d",
		 opt.flush ? " --flush" : "",
		 opt.nodes ? " --nodes " : "", opt.nodes,
		 opt.clients ? " --clients " : "", opt.clients,
		 opt.objs ? " --objs " : "", opt.objs,
		 opt.ops ? " --ops " : "", opt.ops);
	return buf;
}

/* Runs one schedule; returns 0 if every check held. */
static int run_one(u64 seed)
{
	/* enabled events: channels (src, dst) then clients */
	int ev_src[MAXN * MAXN], ev_dst[MAXN * MAXN], ev_cli[MAXN * MAXC];
	u32 n, m;
	int i, nch, ncl, pick, ret;
	u64 inflight;

	derive_params(seed);
	setup();
	trace("seed %llu: %d nodes, %d clients/node, %d objects, %d ops/client, "
	      "%d%% writes (%d%% of them flushed), hold <= %d, policy %s "
	      "(creator %u), %u-byte objects",
	      P.seed, P.nodes, P.clients, P.objs, P.ops, P.write_pct,
	      P.flush_pct, P.hold_max,
	      P.policy == KRG_KDDM_OWNER_BY_ID ? "by-id" : "creator", P.creator,
	      P.obj_size);
	kddm_model_verbose = opt.trace;
	while (!failed) {
		nch = ncl = 0;
		inflight = 0;
		for (n = 1; n <= (u32)P.nodes; n++)
			for (m = 1; m <= (u32)P.nodes; m++)
				if (chans[n][m].count) {
					inflight += chans[n][m].count;
					ev_src[nch] = n;
					ev_dst[nch++] = m;
				}
		if (inflight > tot.max_inflight)
			tot.max_inflight = inflight;
		for (i = 0; i < nclients; i++) {
			struct client *c = &clients[i];

			if (c->st == C_IDLE || c->st == C_PINNED ||
			    ((c->st == C_WAIT || c->st == C_FLUSH) &&
			     nodes[c->node].set->gen != c->saved_gen))
				ev_cli[ncl++] = i;
		}
		if (!nch && !ncl) {
			check_quiescent();
			break;
		}
		if (step >= P.max_steps) {
			fail("livelock: %ld steps and still busy", step);
			break;
		}
		step++;
		pick = (int)rnd_below(nch + ncl);
		if (pick < nch) {
			tot.events_deliver++;
			deliver(ev_src[pick], ev_dst[pick]);
		} else {
			tot.events_client++;
			client_step(&clients[ev_cli[pick - nch]]);
		}
		if (opt.inject == INJ_STALE_GRANT)
			maybe_replay_stale();
		if (opt.inject == INJ_DUP_TOUCH && step > 20)
			maybe_forget();
		check_step();
	}
	tot.runs++;
	tot.steps += step;
	if (step > tot.longest_run)
		tot.longest_run = step;
	ret = failed;
	if (failed && !opt.quiet) {
		printf("# FAIL seed %llu%s: %s\n", seed, opt.long_run ? " (--long)" : "",
		       fail_msg);
		if (++failures_shown > FAILURES_SHOWN) {
			printf("#   (trace omitted; replay: ./kddm_model --seed %llu%s%s%s%s --trace)\n",
			       seed, opt.long_run ? " --long" : "",
			       opt.inject ? " --inject " : "",
			       opt.inject ? inject_names[opt.inject] : "", overrides());
			teardown();
			return ret;
		}
		printf("# replay: ./kddm_model --seed %llu%s%s%s%s --trace\n", seed,
		       opt.long_run ? " --long" : "",
		       opt.inject ? " --inject " : "",
		       opt.inject ? inject_names[opt.inject] : "", overrides());
		if (!opt.trace)
			print_trace(stdout);
		dump_state(stdout);
	}
	teardown();
	return ret;
}

/* ---- the suite ----------------------------------------------------------------- */

static int tap_n;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void summary(const char *what, double secs)
{
	int t;

	printf("# %s: %llu schedules, %llu steps (longest %ld), %.1f s\n", what,
	       tot.runs, tot.steps, tot.longest_run, secs);
	printf("#   events: %llu deliveries, %llu client steps; gets %llu grabs %llu, "
	       "remote requests %llu, forwards %llu\n", tot.events_deliver,
	       tot.events_client, tot.gets, tot.grabs, tot.remote_reqs, tot.forwards);
	printf("#   delivered:");
	for (t = 1; t < KRG_KDDM_MSG_TYPES; t++)
		if (tot.rx[t])
			printf(" %s %llu", msg_name(t), tot.rx[t]);
	printf("\n#   grant hops: max %u (owner-side chain max %u), histogram",
	       tot.max_hops, tot.chain_max);
	for (t = 0; t < KRG_KDDM_CHAIN_HIST; t++)
		printf(" %llu", tot.hop_hist[t]);
	printf("; most messages in flight at once %llu\n", tot.max_inflight);
	if (tot.flushes)
		printf("#   flushes: %llu (%llu to the flusher itself, %llu waited "
		       "for the pull, %llu wake-ups, longest wait %ld steps)\n",
		       tot.flushes, tot.flushes_self, tot.flushes_waited,
		       tot.flush_wakeups, tot.flush_wait_max);
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs seeds [first, first + count) and reports one TAP result. */
static int batch(const char *name, u64 first, int count, int long_run,
		 int flush)
{
	double t0 = now();
	int i, bad = 0;
	u64 first_bad = 0;

	memset(&tot, 0, sizeof(tot));
	failures_shown = 0;
	opt.long_run = long_run;
	opt.flush = flush;
	for (i = 0; i < count; i++)
		if (run_one(first + i) && !bad++)
			first_bad = first + i;
	summary(name, now() - t0);
	opt.flush = 0;
	if (bad)
		tap(0, "%s (%d of %d schedules failed, first seed %llu)", name, bad,
		    count, first_bad);
	else
		tap(1, "%s", name);
	return bad;
}

/*
 * The checker must catch a deliberately broken run: a schedule that passes
 * as is must fail once the bug is injected (schedules that fail anyway, on a
 * real bug, prove nothing and are skipped).
 */
static int selftest(enum inject mode, int max_seeds)
{
	int i, caught = 0, skipped = 0;
	u64 seed = 0;

	opt.quiet = 1;
	opt.long_run = 0;
	opt.flush = 0;
	for (i = 0; i < max_seeds && !caught; i++) {
		seed = 900000 + i;
		opt.inject = INJ_NONE;
		if (run_one(seed)) {
			skipped++;
			continue;
		}
		opt.inject = mode;
		caught = run_one(seed);
	}
	if (skipped)
		printf("# inject %s: %d schedules skipped (they fail without it)\n",
		       inject_names[mode], skipped);
	if (caught)
		printf("# inject %s: caught at seed %llu (%d schedules): %s\n",
		       inject_names[mode], seed, i, fail_msg);
	tap(caught, "selftest %s caught", inject_names[mode]);
	opt.inject = INJ_NONE;
	opt.quiet = 0;
	return !caught;
}

static void usage(int status)
{
	printf("usage: kddm_model [--runs N] [--long-runs N] [--first-seed S]\n"
	       "       kddm_model --seed S [--long] [--flush] [--trace] [--inject MODE]\n"
	       "                  [--nodes N] [--clients C] [--objs K] [--ops M]\n"
	       "Without --seed: the suite (TAP): N random schedules (default 2000),\n"
	       "long runs (default 30), N random schedules where some grabs end\n"
	       "with a flush, then one self-test per injected bug.\n"
	       "--seed replays one schedule (its parameters derive from the seed;\n"
	       "--long as in the long runs, --flush as in the flush runs);\n"
	       "--trace prints every event.\n"
	       "Injected bugs (--inject): drop-inv fake-ack stale-grant reorder dup-touch.\n"
	       "Nodes 2..%d, clients 1..%d, objects 1..%d.\n", MAXN, MAXC, MAXK);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "trace", no_argument, NULL, 't' },
		{ "long", no_argument, NULL, 'l' },
		{ "flush", no_argument, NULL, 'F' },
		{ "inject", required_argument, NULL, 'i' },
		{ "runs", required_argument, NULL, 'r' },
		{ "long-runs", required_argument, NULL, 'L' },
		{ "first-seed", required_argument, NULL, 'f' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "clients", required_argument, NULL, 'c' },
		{ "objs", required_argument, NULL, 'k' },
		{ "ops", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int ch, runs = 2000, long_runs = 30, have_seed = 0, bad = 0, i;
	u64 seed = 0, first = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt_long(argc, argv, "s:tlFi:r:L:f:n:c:k:o:h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = 1; break;
		case 't': opt.trace = 1; break;
		case 'l': opt.long_run = 1; break;
		case 'F': opt.flush = 1; break;
		case 'i':
			for (i = 0; i < INJ_COUNT; i++)
				if (!strcmp(optarg, inject_names[i]))
					opt.inject = i;
			if (strcmp(optarg, inject_names[opt.inject]))
				usage(2);
			break;
		case 'r': runs = atoi(optarg); break;
		case 'L': long_runs = atoi(optarg); break;
		case 'f': first = strtoull(optarg, NULL, 0); break;
		case 'n': opt.nodes = atoi(optarg); break;
		case 'c': opt.clients = atoi(optarg); break;
		case 'k': opt.objs = atoi(optarg); break;
		case 'o': opt.ops = atoi(optarg); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || (opt.nodes && (opt.nodes < 2 || opt.nodes > MAXN)) ||
	    (opt.clients && (opt.clients < 1 || opt.clients > MAXC)) ||
	    (opt.objs && (opt.objs < 1 || opt.objs > MAXK)) || opt.ops < 0)
		usage(2);

	if (have_seed) {
		int ret;

		memset(&tot, 0, sizeof(tot));
		ret = run_one(seed);
		summary("replay", 0);
		printf("seed %llu: %s\n", seed, ret ? "FAILED" : "ok");
		return ret ? 1 : 0;
	}

	printf("1..%d\n", 3 + INJ_COUNT - 1);
	printf("# kddm_model: modules/krg_kddm/{object,protocol,access}.c, unmodified, on simulated "
	       "nodes against a one-register-per-object reference model\n");
	/* 2-4 nodes, 1-3 clients/node, 1-3 objects, 3-12 ops/client */
	bad += batch("random schedules", first, runs, 0, 0);
	/* 3-8 nodes, 2-4 clients/node, 1-3 objects, 100-299 ops/client */
	bad += batch("long schedules", first + 1000000, long_runs, 1, 0);
	/* as the random ones, 5-30% of the grabs end with kddm_flush (PULL) */
	bad += batch("flush schedules", first + 2000000, runs, 0, 1);
	for (i = 1; i < INJ_COUNT; i++)
		bad += selftest(i, 3000);
	return bad ? 1 : 0;
}
