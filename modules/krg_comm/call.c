// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm calls: synchronous, asynchronous and zero-copy calls, one-way
 * messages, and the table of pending calls.
 *
 * Every pending call is in a hash table (by id) and in its node's list, with
 * a deadline; it is finished exactly once: by its reply, its timeout (the
 * caller or the reaper), the node's failure (-EHOSTDOWN), the node's restart
 * (-ECONNRESET) or the module's unload (-ESHUTDOWN).  A call to this node
 * goes through the same table, its request straight to the handler.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "buf.h"
#include "config.h"
#include "membership.h"
#include "peer.h"
#include "rpc.h"

#define SEND_WAIT_MS	10000
#define CALL_HASH_BITS	10

struct call {
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

static DEFINE_SPINLOCK(calls_lock);
static struct hlist_head calls_hash[1 << CALL_HASH_BITS];
static struct list_head calls_node[KRG_MAX_NODES];
static atomic64_t call_next_id;

static struct hlist_head *call_bucket(u64 id)
{
	return &calls_hash[hash_64(id, CALL_HASH_BITS)];
}

static void call_put(struct call *call)
{
	if (refcount_dec_and_test(&call->ref)) {
		kvfree(call->reply);
		kfree(call);
	}
}

static void call_cb_work(struct work_struct *work)
{
	struct call *call = container_of(work, struct call, work);
	void *reply = call->reply;

	call->reply = NULL;
	call->cb(call->ctx, call->status, reply, call->reply_len);
	call_put(call);
}

/* calls_lock held.  Returns false if the call was finished already. */
static bool call_unlink(struct call *call, int status, void *reply,
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
static void call_deliver(struct call *call)
{
	if (call->cb) {
		INIT_WORK(&call->work, call_cb_work);
		queue_work(comm_handler_wq, &call->work);
	} else {
		complete(&call->done);
		call_put(call);
	}
}

static bool call_finish(struct call *call, int status, void *reply,
			size_t len)
{
	bool ok;

	spin_lock_bh(&calls_lock);
	ok = call_unlink(call, status, reply, len);
	spin_unlock_bh(&calls_lock);
	if (ok)
		call_deliver(call);
	else
		kvfree(reply);
	return ok;
}

void comm_rpc_replied(u64 id, u32 node, int status, void *reply, size_t len)
{
	struct call *call, *found = NULL;

	spin_lock_bh(&calls_lock);
	hlist_for_each_entry(call, call_bucket(id), hnode) {
		if (call->id == id && call->node == node) {
			if (call_unlink(call, status, reply, len))
				found = call;
			break;
		}
	}
	spin_unlock_bh(&calls_lock);
	if (found)
		call_deliver(found);
	else
		kvfree(reply);	/* late reply to a finished call */
}

/* Unlinks every call matching @match into @out (calls_lock held). */
static void calls_collect(struct list_head *calls, int status,
			  bool (*match)(struct call *call),
			  struct list_head *out)
{
	struct call *call, *tmp;

	list_for_each_entry_safe(call, tmp, calls, nlist) {
		if (match && !match(call))
			continue;
		call_unlink(call, status, NULL, 0);
		list_add_tail(&call->nlist, out);
	}
}

static void calls_deliver_list(struct list_head *list)
{
	struct call *call, *tmp;

	list_for_each_entry_safe(call, tmp, list, nlist) {
		list_del_init(&call->nlist);
		call_deliver(call);
	}
}

void comm_rpc_fail_node(u32 node, int err)
{
	LIST_HEAD(out);

	if (node >= KRG_MAX_NODES)
		return;
	spin_lock_bh(&calls_lock);
	calls_collect(&calls_node[node], err, NULL, &out);
	spin_unlock_bh(&calls_lock);
	calls_deliver_list(&out);
}

void comm_rpc_fail_all(int err)
{
	u32 node;

	for (node = 0; node < KRG_MAX_NODES; node++)
		comm_rpc_fail_node(node, err);
}

static bool call_expired(struct call *call)
{
	return time_after_eq(jiffies, call->deadline);
}

void comm_rpc_reap(void)
{
	LIST_HEAD(out);
	u32 node;

	spin_lock_bh(&calls_lock);
	for (node = 0; node < KRG_MAX_NODES; node++)
		calls_collect(&calls_node[node], -ETIMEDOUT, call_expired,
			      &out);
	spin_unlock_bh(&calls_lock);
	calls_deliver_list(&out);
}

void comm_rpc_peer_reset(struct comm_peer *peer)
{
	comm_stream_peer_free(peer);
	comm_rpc_fail_node(peer->id, -ECONNRESET);
}

int comm_rpc_target_ok(u32 node)
{
	struct comm_peer *peer;
	int state, ret = 0;

	if (!comm_running())
		return -ESHUTDOWN;
	if (node >= KRG_MAX_NODES)
		return -EINVAL;
	if (node == comm_cfg.self)
		return 0;
	state = comm_memb_state(node);
	if (state == KRG_NODE_FAILED)
		return -EHOSTDOWN;
	peer = comm_peer_get(node);
	if (!peer)
		return -EHOSTDOWN;
	if (READ_ONCE(peer->gone) ||
	    (!READ_ONCE(peer->up) && state != KRG_NODE_ONLINE &&
	     state != KRG_NODE_LEAVING))
		ret = -EHOSTDOWN;
	comm_peer_put(peer);
	return ret;
}

/* A copy of @data for a local handler (a buffer of its own). */
static int local_dispatch(u16 kind, u32 service, u64 id, const void *data,
			  size_t len)
{
	void *copy = len ? comm_buf_alloc(len, GFP_KERNEL) : NULL;

	if (len && !copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	comm_rpc_dispatch(comm_cfg.self, kind, service, id,
			  len ? copy : ZERO_SIZE_PTR, len, copy);
	return 0;
}

/*
 * Sends a call of @len bytes at @data, or with @zc, of @zc's payload (@zc is
 * released in every case), or queues it locally.  The call is in the table.
 */
static struct call *call_start(u32 node, u32 service, const void *data,
			       size_t len, struct krg_comm_zc *zc,
			       unsigned int timeout_ms, krg_comm_done_t cb,
			       void *ctx, int *err)
{
	struct call *call;
	int ret;

	ret = comm_rpc_target_ok(node);
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
	call->id = atomic64_inc_return(&call_next_id);
	call->node = node;
	call->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	call->cb = cb;
	call->ctx = ctx;
	refcount_set(&call->ref, cb ? 1 : 2);	/* table (+ sync waiter) */
	init_completion(&call->done);
	INIT_LIST_HEAD(&call->nlist);

	spin_lock_bh(&calls_lock);
	hlist_add_head(&call->hnode, call_bucket(call->id));
	list_add_tail(&call->nlist, &calls_node[node]);
	spin_unlock_bh(&calls_lock);

	if (node == comm_cfg.self) {
		ret = local_dispatch(COMM_RPC_CALL, service, call->id, data,
				     len);
		if (zc)
			zc->release(zc);
	} else {
		ret = comm_rpc_xmit(node, COMM_RPC_CALL, service, call->id, 0,
				    data, len, zc, call->deadline, false);
	}
	if (ret) {
		/* Nobody else can have it: the peer never got the call. */
		if (cb) {
			spin_lock_bh(&calls_lock);
			if (call_unlink(call, ret, NULL, 0)) {
				spin_unlock_bh(&calls_lock);
				call_put(call);
				*err = ret;
				return NULL;
			}
			spin_unlock_bh(&calls_lock);
			/* Finished meanwhile (node failed): @cb runs. */
			return call;
		}
		call_finish(call, ret, NULL, 0);
	}
	return call;
}

int krg_comm_call(u32 node, u32 service, const void *data, size_t len,
		  void **reply, size_t *reply_len, unsigned int timeout_ms)
{
	struct call *call;
	int ret;

	if (reply)
		*reply = NULL;
	if (reply_len)
		*reply_len = 0;
	call = call_start(node, service, data, len, NULL, timeout_ms, NULL,
			  NULL, &ret);
	if (!call)
		return ret;
	if (!wait_for_completion_timeout(&call->done,
					 msecs_to_jiffies(timeout_ms) + 1)) {
		/*
		 * Either we finish it now, or whoever finished it first is
		 * about to complete it: this wait is immediate either way.
		 */
		call_finish(call, -ETIMEDOUT, NULL, 0);
		wait_for_completion(&call->done);
	}
	ret = call->status;
	if (reply && call->reply) {
		*reply = call->reply;
		if (reply_len)
			*reply_len = call->reply_len;
		call->reply = NULL;
	}
	call_put(call);
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
	if (!call_start(node, service, data, len, NULL, timeout_ms, done, ctx,
			&ret))
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
	if (!call_start(node, service, zc->data, zc->len, zc, timeout_ms,
			done, ctx, &ret))
		return ret;
	return 0;
}
EXPORT_SYMBOL_GPL(krg_comm_call_async_zc);

static int send_flags(u32 node, u32 service, const void *data, size_t len,
		      unsigned int timeout_ms, bool block)
{
	int ret;

	ret = comm_rpc_target_ok(node);
	if (ret)
		return ret;
	if (service >= KRG_COMM_MAX_SERVICES)
		return -EINVAL;
	if (len > KRG_COMM_MAX_MSG)
		return -EMSGSIZE;
	if (node == comm_cfg.self)
		return local_dispatch(COMM_RPC_ONEWAY, service, 0, data, len);
	return comm_rpc_xmit(node, COMM_RPC_ONEWAY, service, 0, 0, data, len,
			     NULL, jiffies + msecs_to_jiffies(timeout_ms),
			     block);
}

int krg_comm_send(u32 node, u32 service, const void *data, size_t len)
{
	return send_flags(node, service, data, len, SEND_WAIT_MS, false);
}
EXPORT_SYMBOL_GPL(krg_comm_send);

int krg_comm_send_wait(u32 node, u32 service, const void *data, size_t len,
		       unsigned int timeout_ms)
{
	return send_flags(node, service, data, len, min(timeout_ms, 600000U),
			  true);
}
EXPORT_SYMBOL_GPL(krg_comm_send_wait);

int comm_rpc_init(void)
{
	u32 n;

	/* A zero-copy payload is one frame. */
	BUILD_BUG_ON(KRG_COMM_ZC_MAX + sizeof(struct comm_rpc_hdr) >
		     KRG_COMM_MAX_PAYLOAD);
	for (n = 0; n < ARRAY_SIZE(calls_hash); n++)
		INIT_HLIST_HEAD(&calls_hash[n]);
	for (n = 0; n < KRG_MAX_NODES; n++)
		INIT_LIST_HEAD(&calls_node[n]);
	return 0;
}

void comm_rpc_exit(void)
{
	comm_rpc_fail_all(-ESHUTDOWN);
	/* Callbacks of async calls run on comm_handler_wq. */
	flush_workqueue(comm_handler_wq);
}
