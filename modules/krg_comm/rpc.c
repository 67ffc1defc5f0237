// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm RPC: services by id, sync/async/multicast calls, replies, and
 * transparent chunking of payloads larger than one frame.
 *
 * Every DATA frame payload starts with struct krg_rpc_hdr.  A message of
 * total bytes is cut into chunks of at most KRG_RPC_CHUNK bytes sent in
 * order (offset 0, KRG_RPC_CHUNK, ...); the transport delivers a peer's
 * frames in order and exactly once, so the receiver appends chunks and
 * rejects anything out of sequence.  Chunks of different messages may
 * interleave; they are told apart by (kind, call id).
 *
 * Every pending call is in a hash table (by id) and in its node's list, with
 * a deadline; it is finished exactly once: by its reply, its timeout (the
 * caller or the reaper), the node's failure (-EHOSTDOWN), the node's restart
 * (-ECONNRESET) or the module's unload (-ESHUTDOWN).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "internal.h"

enum { KRG_RPC_CALL = 1, KRG_RPC_ONEWAY = 2, KRG_RPC_REPLY = 3 };

struct krg_rpc_hdr {
	__le32 service;
	__le16 kind;
	__le16 flags;
	__le64 call_id;
	__le32 status;		/* REPLY: 0 or -errno of the handler */
	__le32 total;		/* message bytes after this header, all chunks */
	__le32 offset;		/* of this chunk */
	__le32 reserved;
};

#define KRG_RPC_CHUNK		(KRG_COMM_MAX_PAYLOAD - sizeof(struct krg_rpc_hdr))
#define KRG_RPC_REASM_MAX	64		/* messages in reassembly per peer */
#define KRG_RPC_REASM_BYTES	(256U << 20)	/* their bytes per peer */
#define KRG_RPC_REPLY_WAIT_MS	10000
#define KRG_CALL_HASH_BITS	10

struct krg_call {
	struct hlist_node hnode;
	struct list_head nlist;
	u64 id;
	u32 node;
	unsigned long deadline;
	refcount_t ref;
	bool finished;
	int status;
	void *reply;
	size_t reply_len;
	struct completion done;
	krg_comm_done_t cb;
	void *ctx;
	struct work_struct work;
};

struct krg_reasm {
	struct list_head list;
	u16 kind;
	u32 service;
	u64 call_id;
	u32 total;
	u32 got;
	u8 *buf;		/* NULL: over the limits, discarded */
};

static DEFINE_SPINLOCK(krg_calls_lock);
static struct hlist_head krg_calls_hash[1 << KRG_CALL_HASH_BITS];
static struct list_head krg_calls_node[KRG_MAX_NODES];
static atomic64_t krg_call_next_id;
static struct krg_comm_service __rcu *krg_services[KRG_COMM_MAX_SERVICES];
static DEFINE_MUTEX(krg_services_mutex);

/*
 * Reassembly buffers of calls become the handler's request buffer (a
 * krg_buf); those of replies are handed to the caller, who kvfrees them.
 */
static void *krg_reasm_buf_alloc(u16 kind, size_t len)
{
	return kind == KRG_RPC_REPLY ? kvmalloc(len, GFP_KERNEL) :
				       krg_buf_alloc(len, GFP_KERNEL);
}

static void krg_reasm_buf_free(struct krg_reasm *r)
{
	if (r->kind == KRG_RPC_REPLY)
		kvfree(r->buf);
	else
		krg_buf_free(r->buf);
}

/* ---- services ------------------------------------------------------------- */

int krg_comm_register_service(struct krg_comm_service *svc)
{
	int ret = 0;

	if (!svc || svc->id >= KRG_COMM_MAX_SERVICES || !svc->handler ||
	    (svc->flags & ~KRG_COMM_SVC_ORDERED))
		return -EINVAL;
	atomic_set(&svc->inflight, 0);
	init_waitqueue_head(&svc->drain);
	svc->wq = NULL;
	if (svc->flags & KRG_COMM_SVC_ORDERED) {
		svc->wq = alloc_ordered_workqueue("krg_svc%u", WQ_MEM_RECLAIM,
						  svc->id);
		if (!svc->wq)
			return -ENOMEM;
	}
	mutex_lock(&krg_services_mutex);
	if (rcu_access_pointer(krg_services[svc->id]))
		ret = -EEXIST;
	else
		rcu_assign_pointer(krg_services[svc->id], svc);
	mutex_unlock(&krg_services_mutex);
	if (ret && svc->wq) {
		destroy_workqueue(svc->wq);
		svc->wq = NULL;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(krg_comm_register_service);

void krg_comm_unregister_service(struct krg_comm_service *svc)
{
	mutex_lock(&krg_services_mutex);
	if (rcu_access_pointer(krg_services[svc->id]) == svc)
		RCU_INIT_POINTER(krg_services[svc->id], NULL);
	mutex_unlock(&krg_services_mutex);
	synchronize_rcu();
	/* Handlers always finish: every wait inside them is bounded. */
	while (!wait_event_timeout(svc->drain, !atomic_read(&svc->inflight),
				   10 * HZ))
		pr_warn("service %u: still waiting for %d handlers\n", svc->id,
			atomic_read(&svc->inflight));
	if (svc->wq) {
		destroy_workqueue(svc->wq);
		svc->wq = NULL;
	}
}
EXPORT_SYMBOL_GPL(krg_comm_unregister_service);

/* ---- sending ------------------------------------------------------------- */

/*
 * Queues a message of @len bytes at @data, cut in chunks, or with @zc, of
 * @zc's payload (one frame, sent in place; @zc is released in every case).
 * Chunked messages always wait for room until @deadline; a single frame
 * waits only if @block, else fails fast with -ENOBUFS when the queue is full.
 */
static int krg_rpc_xmit_flags(u32 node, u16 kind, u32 service, u64 id,
			      int status, const void *data, size_t len,
			      struct krg_comm_zc *zc, unsigned long deadline,
			      bool block)
{
	struct krg_rpc_hdr h = {
		.service = cpu_to_le32(service),
		.kind = cpu_to_le16(kind),
		.call_id = cpu_to_le64(id),
		.status = cpu_to_le32(status),
		.total = cpu_to_le32(len),
	};
	struct krg_peer *peer;
	size_t off = 0, chunk;
	int ret;

	if (len > (zc ? KRG_COMM_ZC_MAX : KRG_COMM_MAX_MSG)) {
		ret = -EMSGSIZE;
		goto out_zc;
	}
	peer = krg_peer_get(node);
	if (!peer) {
		ret = -EHOSTDOWN;
		goto out_zc;
	}
	if (zc) {
		ret = krg_peer_enqueue(peer, &h, sizeof(h), NULL, 0, zc,
				       block ? deadline : 0);
		krg_peer_put(peer);
		return ret;
	}
	do {
		chunk = min_t(size_t, len - off, KRG_RPC_CHUNK);
		h.offset = cpu_to_le32(off);
		ret = krg_peer_enqueue(peer, &h, sizeof(h), data + off, chunk,
				       NULL, block || len > KRG_RPC_CHUNK ?
				       deadline : 0);
		off += chunk;
	} while (!ret && off < len);
	krg_peer_put(peer);
	return ret;

out_zc:
	if (zc)
		zc->release(zc);
	return ret;
}

static int krg_rpc_xmit(u32 node, u16 kind, u32 service, u64 id, int status,
			const void *data, size_t len, unsigned long deadline)
{
	return krg_rpc_xmit_flags(node, kind, service, id, status, data, len,
				  NULL, deadline, false);
}

/* ---- pending calls ------------------------------------------------------- */

static struct hlist_head *krg_call_bucket(u64 id)
{
	return &krg_calls_hash[hash_64(id, KRG_CALL_HASH_BITS)];
}

static void krg_call_put(struct krg_call *call)
{
	if (refcount_dec_and_test(&call->ref)) {
		kvfree(call->reply);
		kfree(call);
	}
}

static void krg_call_cb_work(struct work_struct *work)
{
	struct krg_call *call = container_of(work, struct krg_call, work);
	void *reply = call->reply;

	call->reply = NULL;
	call->cb(call->ctx, call->status, reply, call->reply_len);
	krg_call_put(call);
}

/* krg_calls_lock held.  Returns false if the call was finished already. */
static bool __krg_call_unlink(struct krg_call *call, int status, void *reply,
			      size_t len)
{
	if (call->finished)
		return false;
	call->finished = true;
	hash_del(&call->hnode);
	list_del(&call->nlist);
	call->status = status;
	call->reply = reply;
	call->reply_len = len;
	return true;
}

/* After a successful unlink, outside the lock: wake the caller. */
static void krg_call_deliver(struct krg_call *call)
{
	if (call->cb) {
		INIT_WORK(&call->work, krg_call_cb_work);
		queue_work(krg_handler_wq, &call->work);
	} else {
		complete(&call->done);
		krg_call_put(call);
	}
}

static bool krg_call_finish(struct krg_call *call, int status, void *reply,
			    size_t len)
{
	bool ok;

	spin_lock_bh(&krg_calls_lock);
	ok = __krg_call_unlink(call, status, reply, len);
	spin_unlock_bh(&krg_calls_lock);
	if (ok)
		krg_call_deliver(call);
	else
		kvfree(reply);
	return ok;
}

static struct krg_call *krg_call_lookup_unlink(u64 id, u32 node, int status,
					       void *reply, size_t len)
{
	struct krg_call *call;

	spin_lock_bh(&krg_calls_lock);
	hlist_for_each_entry(call, krg_call_bucket(id), hnode) {
		if (call->id == id && call->node == node) {
			if (__krg_call_unlink(call, status, reply, len)) {
				spin_unlock_bh(&krg_calls_lock);
				return call;
			}
			break;
		}
	}
	spin_unlock_bh(&krg_calls_lock);
	return NULL;
}

/* Unlinks every call matching @match into @out (krg_calls_lock held). */
static void krg_calls_collect(struct list_head *calls, int status,
			      bool (*match)(struct krg_call *call),
			      struct list_head *out)
{
	struct krg_call *call, *tmp;

	list_for_each_entry_safe(call, tmp, calls, nlist) {
		if (match && !match(call))
			continue;
		__krg_call_unlink(call, status, NULL, 0);
		list_add_tail(&call->nlist, out);
	}
}

static void krg_calls_deliver_list(struct list_head *list)
{
	struct krg_call *call, *tmp;

	list_for_each_entry_safe(call, tmp, list, nlist) {
		list_del_init(&call->nlist);
		krg_call_deliver(call);
	}
}

void krg_rpc_fail_node(u32 node, int err)
{
	LIST_HEAD(out);

	if (node >= KRG_MAX_NODES)
		return;
	spin_lock_bh(&krg_calls_lock);
	krg_calls_collect(&krg_calls_node[node], err, NULL, &out);
	spin_unlock_bh(&krg_calls_lock);
	krg_calls_deliver_list(&out);
}

void krg_rpc_fail_all(int err)
{
	u32 node;

	for (node = 0; node < KRG_MAX_NODES; node++)
		krg_rpc_fail_node(node, err);
}

static bool krg_call_expired(struct krg_call *call)
{
	return time_after_eq(jiffies, call->deadline);
}

/* Finishes calls whose deadline passed (async ones have no waiter). */
void krg_rpc_reap(void)
{
	LIST_HEAD(out);
	u32 node;

	spin_lock_bh(&krg_calls_lock);
	for (node = 0; node < KRG_MAX_NODES; node++)
		krg_calls_collect(&krg_calls_node[node], -ETIMEDOUT,
				  krg_call_expired, &out);
	spin_unlock_bh(&krg_calls_lock);
	krg_calls_deliver_list(&out);
}

void krg_rpc_reasm_free(struct krg_peer *peer)
{
	struct krg_reasm *r, *tmp;

	list_for_each_entry_safe(r, tmp, &peer->reasm, list) {
		list_del(&r->list);
		krg_reasm_buf_free(r);
		kfree(r);
	}
	peer->reasm_count = 0;
}

/* The peer restarted: what was pending with its old incarnation is lost. */
void krg_rpc_peer_reset(struct krg_peer *peer)
{
	krg_rpc_reasm_free(peer);
	krg_rpc_fail_node(peer->id, -ECONNRESET);
}

static int krg_rpc_target_ok(u32 node)
{
	struct krg_peer *peer;
	int state, ret = 0;

	if (!krg_comm_running())
		return -ESHUTDOWN;
	if (node >= KRG_MAX_NODES)
		return -EINVAL;
	if (node == krg_cfg.self)
		return 0;
	state = krg_memb_state(node);
	if (state == KRG_NODE_FAILED)
		return -EHOSTDOWN;
	peer = krg_peer_get(node);
	if (!peer)
		return -EHOSTDOWN;
	if (READ_ONCE(peer->gone) ||
	    (!READ_ONCE(peer->sock) && state != KRG_NODE_ONLINE &&
	     state != KRG_NODE_LEAVING))
		ret = -EHOSTDOWN;
	krg_peer_put(peer);
	return ret;
}

static void krg_rpc_dispatch(u32 src, u16 kind, u32 service, u64 id,
			     const void *data, size_t len, void *buf);

/*
 * Sends a call of @len bytes at @data, or with @zc, of @zc's payload (@zc is
 * released in every case), or queues it locally.  The call is in the table.
 */
static struct krg_call *krg_call_start(u32 node, u32 service, const void *data,
				       size_t len, struct krg_comm_zc *zc,
				       unsigned int timeout_ms,
				       krg_comm_done_t cb, void *ctx, int *err)
{
	struct krg_call *call;
	void *copy;
	int ret;

	ret = krg_rpc_target_ok(node);
	if (!ret && len > (zc ? KRG_COMM_ZC_MAX : KRG_COMM_MAX_MSG))
		ret = -EMSGSIZE;
	if (!ret && service >= KRG_COMM_MAX_SERVICES)
		ret = -EINVAL;
	call = ret ? NULL : kzalloc(sizeof(*call), GFP_KERNEL);
	if (!ret && !call)
		ret = -ENOMEM;
	if (ret) {
		if (zc)
			zc->release(zc);
		*err = ret;
		return NULL;
	}
	call->id = atomic64_inc_return(&krg_call_next_id);
	call->node = node;
	call->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	call->cb = cb;
	call->ctx = ctx;
	refcount_set(&call->ref, cb ? 1 : 2);	/* table (+ sync waiter) */
	init_completion(&call->done);
	INIT_LIST_HEAD(&call->nlist);

	spin_lock_bh(&krg_calls_lock);
	hlist_add_head(&call->hnode, krg_call_bucket(call->id));
	list_add_tail(&call->nlist, &krg_calls_node[node]);
	spin_unlock_bh(&krg_calls_lock);

	if (node == krg_cfg.self) {
		copy = len ? krg_buf_alloc(len, GFP_KERNEL) : NULL;
		if (len && !copy) {
			ret = -ENOMEM;
		} else {
			if (len)
				memcpy(copy, data, len);
			krg_rpc_dispatch(node, KRG_RPC_CALL, service, call->id,
					 len ? copy : ZERO_SIZE_PTR, len, copy);
			ret = 0;
		}
		if (zc)
			zc->release(zc);
	} else {
		ret = krg_rpc_xmit_flags(node, KRG_RPC_CALL, service, call->id,
					 0, data, len, zc, call->deadline,
					 false);
	}
	if (ret) {
		/* Nobody else can have it: the peer never got the call. */
		if (cb) {
			spin_lock_bh(&krg_calls_lock);
			if (__krg_call_unlink(call, ret, NULL, 0)) {
				spin_unlock_bh(&krg_calls_lock);
				krg_call_put(call);
				*err = ret;
				return NULL;
			}
			spin_unlock_bh(&krg_calls_lock);
			/* Finished meanwhile (node failed): @cb runs. */
			return call;
		}
		krg_call_finish(call, ret, NULL, 0);
	}
	return call;
}

int krg_comm_call(u32 node, u32 service, const void *data, size_t len,
		  void **reply, size_t *reply_len, unsigned int timeout_ms)
{
	struct krg_call *call;
	int ret;

	if (reply)
		*reply = NULL;
	if (reply_len)
		*reply_len = 0;
	call = krg_call_start(node, service, data, len, NULL, timeout_ms, NULL,
			      NULL, &ret);
	if (!call)
		return ret;
	if (!wait_for_completion_timeout(&call->done,
					 msecs_to_jiffies(timeout_ms) + 1)) {
		/*
		 * Either we finish it now, or whoever finished it first is
		 * about to complete it: this wait is immediate either way.
		 */
		krg_call_finish(call, -ETIMEDOUT, NULL, 0);
		wait_for_completion(&call->done);
	}
	ret = call->status;
	if (reply && call->reply) {
		*reply = call->reply;
		if (reply_len)
			*reply_len = call->reply_len;
		call->reply = NULL;
	}
	krg_call_put(call);
	return ret;
}
EXPORT_SYMBOL_GPL(krg_comm_call);

int krg_comm_call_async(u32 node, u32 service, const void *data, size_t len,
			unsigned int timeout_ms, krg_comm_done_t done,
			void *ctx)
{
	int ret = 0;

	if (!done)
		return -EINVAL;
	if (!krg_call_start(node, service, data, len, NULL, timeout_ms, done,
			    ctx, &ret))
		return ret;
	return 0;
}
EXPORT_SYMBOL_GPL(krg_comm_call_async);

int krg_comm_call_async_zc(u32 node, u32 service, struct krg_comm_zc *zc,
			   unsigned int timeout_ms, krg_comm_done_t done,
			   void *ctx)
{
	int ret = 0;

	if (!zc || !zc->release)
		return -EINVAL;
	if (!done || (zc->len && !zc->data)) {
		zc->release(zc);
		return -EINVAL;
	}
	if (!krg_call_start(node, service, zc->data, zc->len, zc, timeout_ms,
			    done, ctx, &ret))
		return ret;
	return 0;
}
EXPORT_SYMBOL_GPL(krg_comm_call_async_zc);

static int krg_comm_send_flags(u32 node, u32 service, const void *data,
			       size_t len, unsigned int timeout_ms, bool block)
{
	void *copy;
	int ret;

	ret = krg_rpc_target_ok(node);
	if (ret)
		return ret;
	if (service >= KRG_COMM_MAX_SERVICES)
		return -EINVAL;
	if (len > KRG_COMM_MAX_MSG)
		return -EMSGSIZE;
	if (node != krg_cfg.self)
		return krg_rpc_xmit_flags(node, KRG_RPC_ONEWAY, service, 0, 0,
					  data, len, NULL,
					  jiffies + msecs_to_jiffies(timeout_ms),
					  block);
	copy = len ? krg_buf_alloc(len, GFP_KERNEL) : NULL;
	if (len && !copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	krg_rpc_dispatch(node, KRG_RPC_ONEWAY, service, 0,
			 len ? copy : ZERO_SIZE_PTR, len, copy);
	return 0;
}

int krg_comm_send(u32 node, u32 service, const void *data, size_t len)
{
	return krg_comm_send_flags(node, service, data, len,
				   KRG_RPC_REPLY_WAIT_MS, false);
}
EXPORT_SYMBOL_GPL(krg_comm_send);

int krg_comm_send_wait(u32 node, u32 service, const void *data, size_t len,
		       unsigned int timeout_ms)
{
	return krg_comm_send_flags(node, service, data, len,
				   min(timeout_ms, 600000U), true);
}
EXPORT_SYMBOL_GPL(krg_comm_send_wait);

/* ---- multicast ----------------------------------------------------------- */

struct krg_mcall {
	refcount_t ref;
	atomic_t pending;
	wait_queue_head_t wq;
	int status[KRG_MAX_NODES];
	void *reply[KRG_MAX_NODES];
	size_t reply_len[KRG_MAX_NODES];
};

struct krg_mcall_slot {
	struct krg_mcall *m;
	u32 node;
};

static void krg_mcall_put(struct krg_mcall *m)
{
	u32 n;

	if (!refcount_dec_and_test(&m->ref))
		return;
	for (n = 0; n < KRG_MAX_NODES; n++)
		kvfree(m->reply[n]);
	kvfree(m);
}

static void krg_mcall_done(void *ctx, int status, void *reply, size_t len)
{
	struct krg_mcall_slot *slot = ctx;
	struct krg_mcall *m = slot->m;

	m->status[slot->node] = status;
	m->reply[slot->node] = reply;
	m->reply_len[slot->node] = len;
	kfree(slot);
	if (atomic_dec_and_test(&m->pending))
		wake_up_all(&m->wq);
	krg_mcall_put(m);
}

int krg_comm_call_multi(const unsigned long *nodes, u32 service,
			const void *data, size_t len, unsigned int timeout_ms,
			int *status, void **replies, size_t *reply_lens)
{
	struct krg_mcall_slot *slot;
	struct krg_mcall *m;
	int ok = 0, ret;
	u32 n;

	m = kvzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	refcount_set(&m->ref, 1);
	atomic_set(&m->pending, 1);
	init_waitqueue_head(&m->wq);
	for_each_set_bit(n, nodes, KRG_MAX_NODES) {
		slot = kmalloc(sizeof(*slot), GFP_KERNEL);
		if (!slot) {
			m->status[n] = -ENOMEM;
			continue;
		}
		slot->m = m;
		slot->node = n;
		atomic_inc(&m->pending);
		refcount_inc(&m->ref);
		ret = krg_comm_call_async(n, service, data, len, timeout_ms,
					  krg_mcall_done, slot);
		if (ret) {
			m->status[n] = ret;
			kfree(slot);
			atomic_dec(&m->pending);
			refcount_dec(&m->ref);
		}
	}
	atomic_dec(&m->pending);
	/* Every async call ends by its deadline (reaper); leave margin. */
	wait_event_timeout(m->wq, !atomic_read(&m->pending),
			   msecs_to_jiffies(timeout_ms) + 5 * HZ);
	for_each_set_bit(n, nodes, KRG_MAX_NODES) {
		if (atomic_read(&m->pending) && !m->status[n] && !m->reply[n])
			m->status[n] = -ETIMEDOUT;
		if (status)
			status[n] = m->status[n];
		if (m->status[n] >= 0)
			ok++;
		if (replies && !atomic_read(&m->pending)) {
			replies[n] = m->reply[n];
			reply_lens[n] = m->reply_len[n];
			m->reply[n] = NULL;
		} else if (replies) {
			replies[n] = NULL;
			reply_lens[n] = 0;
		}
	}
	krg_mcall_put(m);
	return ok;
}
EXPORT_SYMBOL_GPL(krg_comm_call_multi);

/* ---- receiving ----------------------------------------------------------- */

static void krg_req_free(struct krg_comm_req *req)
{
	krg_buf_free(req->buf);
	kfree(req);
}

void krg_comm_reply(struct krg_comm_req *req, int status, const void *data,
		    size_t len)
{
	struct krg_call *call;
	void *copy = NULL;

	if (req->oneway)
		goto out;
	if (status > 0)
		status = 0;
	if (req->src_node != krg_cfg.self) {
		krg_rpc_xmit(req->src_node, KRG_RPC_REPLY, req->service,
			     req->call_id, status, data, len,
			     jiffies + msecs_to_jiffies(KRG_RPC_REPLY_WAIT_MS));
		goto out;
	}
	if (len) {
		copy = kvmalloc(len, GFP_KERNEL);
		if (copy)
			memcpy(copy, data, len);
		else
			status = -ENOMEM;
	}
	call = krg_call_lookup_unlink(req->call_id, req->src_node, status, copy,
				      copy ? len : 0);
	if (call)
		krg_call_deliver(call);
	else
		kvfree(copy);
out:
	krg_req_free(req);
}
EXPORT_SYMBOL_GPL(krg_comm_reply);

static void krg_handler_work(struct work_struct *work)
{
	struct krg_comm_req *req = container_of(work, struct krg_comm_req, work);
	struct krg_comm_service *svc = req->svc;

	svc->handler(req);
	if (atomic_dec_and_test(&svc->inflight))
		wake_up_all(&svc->drain);
}

/* Hands a complete call to its service; takes ownership of @buf. */
static void krg_rpc_dispatch(u32 src, u16 kind, u32 service, u64 id,
			     const void *data, size_t len, void *buf)
{
	struct krg_comm_service *svc;
	struct krg_comm_req *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req) {
		krg_buf_free(buf);
		return;		/* the caller times out */
	}
	req->src_node = src;
	req->service = service;
	req->data = data;
	req->len = len;
	req->oneway = kind == KRG_RPC_ONEWAY;
	req->call_id = id;
	req->buf = buf;
	rcu_read_lock();
	svc = service < KRG_COMM_MAX_SERVICES ?
		rcu_dereference(krg_services[service]) : NULL;
	if (svc)
		atomic_inc(&svc->inflight);
	rcu_read_unlock();
	if (!svc || !data) {
		if (svc && atomic_dec_and_test(&svc->inflight))
			wake_up_all(&svc->drain);
		/* !data with len: reassembly was over the limits. */
		krg_comm_reply(req, svc ? -ENOMEM : -EPROTO, NULL, 0);
		return;
	}
	req->svc = svc;
	INIT_WORK(&req->work, krg_handler_work);
	queue_work(svc->wq ?: krg_handler_wq, &req->work);
}

static void krg_rpc_complete(struct krg_peer *peer, u16 kind, u32 service,
			     u64 id, int status, u8 *buf, const void *data,
			     u32 len, bool whole)
{
	struct krg_call *call;
	void *reply = NULL;

	if (kind != KRG_RPC_REPLY) {
		if (!len) {	/* empty payload: data pointer is a valid dummy */
			krg_buf_free(buf);
			buf = NULL;
			data = ZERO_SIZE_PTR;
		}
		krg_rpc_dispatch(peer->id, kind, service, id, data, len, buf);
		return;
	}
	if (len && whole) {
		reply = kvmalloc(len, GFP_KERNEL);
		if (reply)
			memcpy(reply, data, len);
		else
			status = -ENOMEM;
		krg_buf_free(buf);
	} else if (len) {
		reply = buf;	/* reassembled: buffer is exactly the payload */
		if (!reply)
			status = -ENOMEM;
	} else {
		krg_buf_free(buf);
	}
	call = krg_call_lookup_unlink(id, peer->id, status, reply,
				      reply ? len : 0);
	if (call)
		krg_call_deliver(call);
	else
		kvfree(reply);	/* late reply to a finished call */
}

static struct krg_reasm *krg_reasm_find(struct krg_peer *peer, u16 kind, u64 id)
{
	struct krg_reasm *r;

	list_for_each_entry(r, &peer->reasm, list)
		if (r->kind == kind && r->call_id == id)
			return r;
	return NULL;
}

static size_t krg_reasm_bytes(struct krg_peer *peer)
{
	struct krg_reasm *r;
	size_t sum = 0;

	list_for_each_entry(r, &peer->reasm, list)
		if (r->buf)
			sum += r->total;
	return sum;
}

static void krg_rpc_bad(struct krg_peer *peer, const char *why)
{
	atomic64_inc(&krg_cfg.dropped);
	spin_lock_bh(&peer->lock);
	peer->st.dropped++;
	spin_unlock_bh(&peer->lock);
	pr_warn_ratelimited("node %u: bad rpc message dropped: %s\n", peer->id,
			    why);
}

/* One authenticated DATA payload from @peer (rx_mutex held); owns @buf. */
void krg_rpc_rx(struct krg_peer *peer, u8 *buf, u32 len)
{
	const struct krg_rpc_hdr *h = (const void *)buf;
	u32 total, off, chunk, service;
	struct krg_reasm *r;
	u16 kind;
	u64 id;

	if (len < sizeof(*h)) {
		krg_rpc_bad(peer, "short header");
		krg_buf_free(buf);
		return;
	}
	kind = le16_to_cpu(h->kind);
	service = le32_to_cpu(h->service);
	id = le64_to_cpu(h->call_id);
	total = le32_to_cpu(h->total);
	off = le32_to_cpu(h->offset);
	chunk = len - sizeof(*h);
	if (kind < KRG_RPC_CALL || kind > KRG_RPC_REPLY ||
	    service >= KRG_COMM_MAX_SERVICES || total > KRG_COMM_MAX_MSG ||
	    off > total || chunk > total - off || h->flags || h->reserved ||
	    (chunk < total && chunk != min_t(u32, KRG_RPC_CHUNK, total - off))) {
		krg_rpc_bad(peer, "invalid header");
		krg_buf_free(buf);
		return;
	}
	if (!off && chunk == total) {
		krg_rpc_complete(peer, kind, service, id,
				 (int)le32_to_cpu(h->status), buf,
				 buf + sizeof(*h), total, true);
		return;
	}

	r = krg_reasm_find(peer, kind, id);
	if (!off) {
		if (r || peer->reasm_count >= KRG_RPC_REASM_MAX) {
			krg_rpc_bad(peer, r ? "duplicate message" :
					      "too many messages in reassembly");
			krg_buf_free(buf);
			return;
		}
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r) {
			krg_buf_free(buf);
			return;
		}
		r->kind = kind;
		r->service = service;
		r->call_id = id;
		r->total = total;
		if (krg_reasm_bytes(peer) + total <= KRG_RPC_REASM_BYTES)
			r->buf = krg_reasm_buf_alloc(kind, total);
		list_add_tail(&r->list, &peer->reasm);
		peer->reasm_count++;
	} else if (!r || r->got != off || r->total != total ||
		   r->service != service) {
		krg_rpc_bad(peer, "chunk out of sequence");
		krg_buf_free(buf);
		return;
	}
	if (r->buf)
		memcpy(r->buf + off, buf + sizeof(*h), chunk);
	r->got += chunk;
	if (r->got == r->total) {
		list_del(&r->list);
		peer->reasm_count--;
		if (r->buf || kind == KRG_RPC_REPLY)
			krg_rpc_complete(peer, kind, service, id,
					 (int)le32_to_cpu(h->status), r->buf,
					 r->buf, total, false);
		else	/* too big to keep: tell the caller */
			krg_rpc_complete(peer, kind, service, id, 0, NULL,
					 NULL, total, false);
		kfree(r);
	}
	krg_buf_free(buf);
}

int krg_rpc_init(void)
{
	u32 n;

	/* A zero-copy payload is one frame. */
	BUILD_BUG_ON(KRG_COMM_ZC_MAX + sizeof(struct krg_rpc_hdr) >
		     KRG_COMM_MAX_PAYLOAD);
	for (n = 0; n < ARRAY_SIZE(krg_calls_hash); n++)
		INIT_HLIST_HEAD(&krg_calls_hash[n]);
	for (n = 0; n < KRG_MAX_NODES; n++)
		INIT_LIST_HEAD(&krg_calls_node[n]);
	return 0;
}

void krg_rpc_exit(void)
{
	krg_rpc_fail_all(-ESHUTDOWN);
	/* Callbacks of async calls run on krg_handler_wq. */
	flush_workqueue(krg_handler_wq);
}
