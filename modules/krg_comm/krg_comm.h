/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm: node identity, membership, transport, RPC, failure detection
 * and authentication.
 *
 * This header is the module's whole interface to the modules above it.
 *
 * Nodes are numbered 0 .. KRG_MAX_NODES - 1 (include/uapi/linux/krg_comm.h).
 * A message travels on an authenticated per-peer session; the sender's node
 * id handed to a handler comes from that session, never from the payload.
 *
 * Error codes of calls:
 *   -EHOSTDOWN   the node is not reachable (no session and not a member),
 *                failed, or was declared failed while the call was pending
 *   -ETIMEDOUT   no reply within the timeout
 *   -ECONNRESET  the peer restarted (new incarnation) while the call was pending
 *   -ENOBUFS     the per-peer queue is full (back-pressure; retry later)
 *   -ESHUTDOWN   krg_comm is being unloaded or is not configured
 *   -EMSGSIZE    payload larger than KRG_COMM_MAX_MSG
 *   -EPROTO      the service is not registered on the peer
 *   other        negative errno returned by the remote handler
 */
#ifndef _KRG_COMM_H
#define _KRG_COMM_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/krg_comm.h>

#include "krg_nodemask.h"

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_COMM_ABI 3

/* Returns KRG_COMM_ABI as this module was built. */
u32 krg_comm_abi(void);

/* ---- identity ---------------------------------------------------------- */

/* This node's id, or -1 if krg_comm is not configured yet. */
int krg_comm_self(void);

/* Copies the set of ONLINE nodes (self included) into @set. */
void krg_comm_online_nodes(krg_nodemask_t *set);

/* enum krg_comm_node_state of @node (KRG_NODE_ABSENT if unknown). */
int krg_comm_node_state(u32 node);

/* ---- RPC --------------------------------------------------------------- */

/*
 * Service ids 0..15 are reserved for krg_comm itself; upper modules use the
 * ids below (add yours here).
 */
#define KRG_COMM_MAX_SERVICES	256
enum krg_comm_service_id {
	KRG_SVC_COMM_MEMBERSHIP = 1,	/* internal */
	KRG_SVC_COMM_TEST = 2,		/* test RPC service (tests/comm/rpc_test) */
	KRG_SVC_KDDM = 16,
	KRG_SVC_PROC = 32,
	KRG_SVC_MM = 48,
	KRG_SVC_FS = 64,
	KRG_SVC_SCHED = 80,
	KRG_SVC_HOOKS = 96,
};

/* Largest payload of one call or reply (larger ones are rejected). */
#define KRG_COMM_MAX_MSG	(64U << 20)

struct krg_comm_req;

/*
 * A request as a handler sees it.  The handler runs in a work queue (it may
 * sleep) and must answer exactly once with krg_comm_reply() (also for
 * one-way messages, where the reply is discarded).  @data stays valid until
 * the reply.
 */
struct krg_comm_req {
	u32 src_node;		/* from the authenticated session */
	u32 service;
	const void *data;
	size_t len;
	bool oneway;
	/* private */
	u64 call_id;
	void *buf;
	struct work_struct work;
	struct krg_comm_service *svc;
};

struct krg_comm_service {
	u32 id;
	unsigned int flags;	/* KRG_COMM_SVC_* */
	/* Called in process context (handler work queue). */
	void (*handler)(struct krg_comm_req *req);
	/* private */
	atomic_t inflight;
	wait_queue_head_t drain;
	struct workqueue_struct *wq;
};

/*
 * The service's handlers run one at a time, in the order the messages were
 * received (so messages from one sender are handled in the order it sent
 * them, its local ones included).  A handler of an ordered service must not
 * wait for another message of the same service.
 */
#define KRG_COMM_SVC_ORDERED	0x1

/*
 * Registers @svc.  -EEXIST if the id is taken, -EINVAL if out of range.
 * Unregister waits until no handler of the service runs any more.
 */
int krg_comm_register_service(struct krg_comm_service *svc);
void krg_comm_unregister_service(struct krg_comm_service *svc);

/*
 * Answers @req with @len bytes of @data (copied) and @status (0 or -errno,
 * delivered to the caller as the call's return value).  Frees @req.
 */
void krg_comm_reply(struct krg_comm_req *req, int status, const void *data,
		    size_t len);

/*
 * All calls below sleep (process context only, no spinlocks held).
 *
 * Synchronous call.  On success returns the handler's status (>= 0 means
 * success) and, if @reply is non-NULL, stores a kvmalloc'ed copy of the
 * reply payload in *@reply and its length in *@reply_len (free with kvfree;
 * *@reply is NULL for an empty reply).  Waits at most @timeout_ms.
 */
int krg_comm_call(u32 node, u32 service, const void *data, size_t len,
		  void **reply, size_t *reply_len, unsigned int timeout_ms);

/*
 * One-way message, no reply.  Returns 0 once queued; -ENOBUFS at once if the
 * per-peer queue is full.
 */
int krg_comm_send(u32 node, u32 service, const void *data, size_t len);

/*
 * The same, but a full queue makes it sleep for room up to @timeout_ms
 * (-ETIMEDOUT), for protocol messages that must not be dropped.
 */
int krg_comm_send_wait(u32 node, u32 service, const void *data, size_t len,
		       unsigned int timeout_ms);

/*
 * Asynchronous call.  @done runs exactly once, in process context, with the
 * status as for krg_comm_call and the reply (owned by @done: kvfree it).
 * Returns 0 if the call was queued (@done will run), -errno otherwise
 * (@done will not run).
 */
typedef void (*krg_comm_done_t)(void *ctx, int status, void *reply,
				size_t reply_len);
int krg_comm_call_async(u32 node, u32 service, const void *data, size_t len,
			unsigned int timeout_ms, krg_comm_done_t done,
			void *ctx);

/*
 * Zero-copy asynchronous call, for payloads that already sit in memory of
 * their own (pages of a process, an object): the payload is sent from
 * @zc->data instead of being copied, so @zc->data .. + @zc->len must stay
 * allocated and unchanged until krg_comm calls @zc->release(@zc).  That
 * happens exactly once, in process context (it must not sleep long), once
 * no transmission can read the payload any more: the peer acknowledged it,
 * or the call failed, or krg_comm_call_async_zc() returned an error (except
 * -EINVAL for a NULL @zc or @zc->release, when it cannot).  It may come
 * after @done ran: a module waits for its releases before it unloads.
 * The payload is sent from its pages when it is vmalloc'ed or page-allocator
 * memory (kmalloc of a page or more), copied into the socket otherwise; at
 * most KRG_COMM_ZC_MAX bytes (-EMSGSIZE).  Otherwise as
 * krg_comm_call_async().
 */
#define KRG_COMM_ZC_MAX		((1U << 20) + 2048)	/* a MiB and a header */

struct krg_comm_zc {
	const void *data;
	size_t len;
	void (*release)(struct krg_comm_zc *zc);
};

int krg_comm_call_async_zc(u32 node, u32 service, struct krg_comm_zc *zc,
			   unsigned int timeout_ms, krg_comm_done_t done,
			   void *ctx);

/*
 * Multicast call to every node in @nodes (the local node may be included
 * and is called through the same path).  Waits for
 * every reply or @timeout_ms.  @status[n] and, if @replies is non-NULL,
 * @replies[n] / @reply_lens[n] are filled for every node n of the set
 * (arrays of KRG_MAX_NODES entries; free replies with kvfree).  Returns the
 * number of nodes whose call succeeded.
 */
int krg_comm_call_multi(const krg_nodemask_t *nodes, u32 service,
			const void *data, size_t len, unsigned int timeout_ms,
			int *status, void **replies, size_t *reply_lens);

/*
 * Payloads above KRG_COMM_MAX_PAYLOAD (1 MiB + 4 KiB, less a 32-byte
 * header) are streamed transparently:
 * cut in chunks, flow-controlled by the per-peer queue bound (the sender
 * sleeps, bounded by the call's timeout, while the window is full) and
 * reassembled on the receiver before the handler runs.  Nothing else to do.
 */

/* ---- membership -------------------------------------------------------- */

enum krg_comm_node_event {
	KRG_COMM_NODE_UP,	/* node became ONLINE: join it (priority order) */
	KRG_COMM_NODE_LEAVING,	/* node leaves cleanly: drain (reverse order) */
	KRG_COMM_NODE_DOWN,	/* node left (reverse order) */
	KRG_COMM_NODE_FAILED,	/* node died: clean up (reverse order) */
};

/*
 * Membership notifier.  Higher @priority runs first for NODE_UP and last for
 * the other events, so a module registered above another (higher priority
 * for lower layers) joins before and leaves after the modules using it.
 * Called in process context from one ordered work queue: events for all
 * nodes are delivered one at a time, in the order they happened.
 */
struct krg_comm_notifier {
	int priority;
	void (*notify)(struct krg_comm_notifier *nb,
		       enum krg_comm_node_event event, u32 node);
	/* private */
	struct list_head list;
};

/* Registering replays NODE_UP for every node already ONLINE. */
int krg_comm_register_notifier(struct krg_comm_notifier *nb);
void krg_comm_unregister_notifier(struct krg_comm_notifier *nb);

#endif /* _KRG_COMM_H */
