// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm services: handlers registered by id, run in work queues (never
 * in socket callbacks), one at a time and in arrival order for an ordered
 * service; replies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "buf.h"
#include "config.h"
#include "rpc.h"

#define REPLY_WAIT_MS	10000

static struct krg_comm_service __rcu *services[KRG_COMM_MAX_SERVICES];
static DEFINE_MUTEX(services_mutex);

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
	mutex_lock(&services_mutex);
	if (rcu_access_pointer(services[svc->id]))
		ret = -EEXIST;
	else
		rcu_assign_pointer(services[svc->id], svc);
	mutex_unlock(&services_mutex);
	if (ret && svc->wq) {
		destroy_workqueue(svc->wq);
		svc->wq = NULL;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(krg_comm_register_service);

void krg_comm_unregister_service(struct krg_comm_service *svc)
{
	mutex_lock(&services_mutex);
	if (rcu_access_pointer(services[svc->id]) == svc)
		RCU_INIT_POINTER(services[svc->id], NULL);
	mutex_unlock(&services_mutex);
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

static void req_free(struct krg_comm_req *req)
{
	comm_buf_free(req->buf);
	kfree(req);
}

void krg_comm_reply(struct krg_comm_req *req, int status, const void *data,
		    size_t len)
{
	void *copy = NULL;

	if (req->oneway)
		goto out;
	if (status > 0)
		status = 0;
	if (req->src_node != comm_cfg.self) {
		comm_rpc_xmit(req->src_node, COMM_RPC_REPLY, req->service,
			      req->call_id, status, data, len, NULL,
			      jiffies + msecs_to_jiffies(REPLY_WAIT_MS), false);
		goto out;
	}
	if (len) {
		copy = kvmalloc(len, GFP_KERNEL);
		if (copy)
			memcpy(copy, data, len);
		else
			status = -ENOMEM;
	}
	comm_rpc_replied(req->call_id, req->src_node, status, copy,
			 copy ? len : 0);
out:
	req_free(req);
}
EXPORT_SYMBOL_GPL(krg_comm_reply);

static void handler_work(struct work_struct *work)
{
	struct krg_comm_req *req = container_of(work, struct krg_comm_req, work);
	struct krg_comm_service *svc = req->svc;

	svc->handler(req);
	if (atomic_dec_and_test(&svc->inflight))
		wake_up_all(&svc->drain);
}

void comm_rpc_dispatch(u32 src, u16 kind, u32 service, u64 id,
		       const void *data, size_t len, void *buf)
{
	struct krg_comm_service *svc;
	struct krg_comm_req *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req) {
		comm_buf_free(buf);
		return;		/* the caller times out */
	}
	req->src_node = src;
	req->service = service;
	req->data = data;
	req->len = len;
	req->oneway = kind == COMM_RPC_ONEWAY;
	req->call_id = id;
	req->buf = buf;
	rcu_read_lock();
	svc = service < KRG_COMM_MAX_SERVICES ?
		rcu_dereference(services[service]) : NULL;
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
	INIT_WORK(&req->work, handler_work);
	queue_work(svc->wq ?: comm_handler_wq, &req->work);
}
