// SPDX-License-Identifier: GPL-2.0
/*
 * krg_proc's RPC service: one krg_comm service (KRG_SVC_PROC), a header with
 * a version and an op, and one handler per op.  The dispatcher checks the
 * header and the op's body size before the handler sees a byte; handlers
 * check the fields.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>

#include "krg_comm/krg_comm.h"
#include "migrate.h"
#include "rpc.h"
#include "wait.h"

atomic_long_t krgp_rpc_bad = ATOMIC_LONG_INIT(0);

struct krgp_op_desc {
	void (*serve)(struct krgp_req *req);
	size_t size;
	bool tail;		/* a variable tail may follow the body */
};

static const struct krgp_op_desc krgp_ops[__KRGP_OP_MAX] = {
	[KRGP_OP_PIDS] = { krgp_serve_pids, sizeof(struct krgp_pids_req) },
	[KRGP_OP_PS] = { krgp_serve_ps, sizeof(struct krgp_ps_req) },
	[KRGP_OP_PID_INFO] = { krgp_serve_pid_info, sizeof(struct krgp_pid_req) },
	[KRGP_OP_PROC_READ] = { krgp_serve_proc_read, sizeof(struct krgp_proc_req) },
	[KRGP_OP_PROC_LINK] = { krgp_serve_proc_link, sizeof(struct krgp_proc_req) },
	[KRGP_OP_PROC_FDS] = { krgp_serve_proc_fds, sizeof(struct krgp_proc_req) },
	[KRGP_OP_NODE_STAT] = { krgp_serve_node_stat,
				sizeof(struct krgp_node_stat_req) },
	[KRGP_OP_SIGNAL] = { krgp_serve_signal, sizeof(struct krgp_signal_req) },
	[KRGP_OP_SIGNAL_GROUP] = { krgp_serve_signal_group,
				   sizeof(struct krgp_group_req) },
	[KRGP_OP_SYSCALL] = { krgp_serve_syscall, sizeof(struct krgp_sys_req) },
	[KRGP_OP_CAPS_GET] = { krgp_serve_caps_get, sizeof(struct krgp_caps_req) },
	[KRGP_OP_CAPS_SET] = { krgp_serve_caps_set, sizeof(struct krgp_caps_req) },
	[KRGP_OP_LEAVE_CHECK] = { krgp_serve_leave_check,
				  sizeof(struct krgp_leave_req) },
	[KRGP_OP_PROC_BATCH] = { krgp_serve_proc_batch,
				 sizeof(struct krgp_proc_req) },
	[KRGP_OP_MIGRATE] = { krgp_serve_migrate, sizeof(struct krgp_migrate_req) },
	[KRGP_OP_MIG_DATA] = { krgp_serve_mig_data, sizeof(struct krgp_mig_data),
			       true },
	[KRGP_OP_MIG_GO] = { krgp_serve_mig_go, sizeof(struct krgp_mig_ctl) },
	[KRGP_OP_MIG_ABORT] = { krgp_serve_mig_abort, sizeof(struct krgp_mig_ctl) },
	[KRGP_OP_MIG_EXIT] = { krgp_serve_mig_exit, sizeof(struct krgp_mig_note) },
	[KRGP_OP_MIG_MOVED] = { krgp_serve_mig_moved, sizeof(struct krgp_mig_note) },
	[KRGP_OP_WAIT] = { krgp_serve_wait, sizeof(struct krgp_wait_req) },
};

void krgp_reply(struct krgp_req *req, int status, const void *data, size_t len)
{
	krg_comm_reply(req->creq, status, data, len);
}

static void krgp_handler(struct krg_comm_req *creq)
{
	const struct krgp_hdr *hdr = creq->data;
	const struct krgp_op_desc *desc;
	struct krgp_req req;

	if (creq->len < sizeof(*hdr) || hdr->version != KRGP_WIRE_VERSION ||
	    hdr->op == 0 || hdr->op >= __KRGP_OP_MAX || hdr->flags ||
	    le32_to_cpu(hdr->len) != creq->len - sizeof(*hdr))
		goto bad;
	desc = &krgp_ops[hdr->op];
	/* Every body has a fixed size: nothing less, more only with a tail. */
	if (!desc->serve || le32_to_cpu(hdr->len) < desc->size ||
	    (!desc->tail && le32_to_cpu(hdr->len) != desc->size))
		goto bad;
	req.creq = creq;
	req.src = creq->src_node;
	req.body = hdr + 1;
	req.len = le32_to_cpu(hdr->len);
	desc->serve(&req);
	return;
bad:
	atomic_long_inc(&krgp_rpc_bad);
	pr_warn_ratelimited("malformed request from node %u (%zu bytes) dropped\n",
			    creq->src_node, creq->len);
	krg_comm_reply(creq, -EBADMSG, NULL, 0);
}

static struct krg_comm_service krgp_service = {
	.id = KRG_SVC_PROC,
	.handler = krgp_handler,
};

static void *krgp_msg_build(u8 op, const void *body, size_t len)
{
	struct krgp_hdr *hdr = kmalloc(sizeof(*hdr) + len, GFP_KERNEL);

	if (!hdr)
		return NULL;
	hdr->version = KRGP_WIRE_VERSION;
	hdr->op = op;
	hdr->flags = 0;
	hdr->len = cpu_to_le32(len);
	memcpy(hdr + 1, body, len);
	return hdr;
}

int krgp_call(u32 node, u8 op, const void *body, size_t len, void **reply,
	      size_t *reply_len)
{
	void *msg = krgp_msg_build(op, body, len);
	void *r = NULL;
	size_t rlen = 0;
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = krg_comm_call(node, KRG_SVC_PROC, msg,
			    sizeof(struct krgp_hdr) + len, &r, &rlen,
			    KRGP_CALL_MS);
	kfree(msg);
	if (reply) {
		*reply = ret >= 0 ? r : NULL;
		*reply_len = ret >= 0 ? rlen : 0;
		if (ret < 0)
			kvfree(r);
	} else {
		kvfree(r);
	}
	return ret;
}

struct krgp_multi *krgp_call_online(const krg_nodemask_t *only, bool with_self,
				    u8 op, const void *body, size_t len)
{
	struct krgp_multi *m = NULL;
	krg_nodemask_t nodes;
	int *status = NULL;
	void **replies = NULL;
	size_t *lens = NULL;
	void *msg;
	unsigned int n, count = 0;
	int self = krg_comm_self();

	status = kcalloc(KRG_MAX_NODES, sizeof(*status), GFP_KERNEL);
	replies = kcalloc(KRG_MAX_NODES, sizeof(*replies), GFP_KERNEL);
	lens = kcalloc(KRG_MAX_NODES, sizeof(*lens), GFP_KERNEL);
	msg = krgp_msg_build(op, body, len);
	if (!status || !replies || !lens || !msg)
		goto out;

	krg_comm_online_nodes(&nodes);
	if (only)
		krg_nodemask_and(&nodes, &nodes, only);
	if (self >= 0) {
		if (!with_self)
			krg_nodemask_clear(&nodes, self);
		else if (!only || krg_nodemask_test(only, self))
			krg_nodemask_set(&nodes, self);
	}
	m = kzalloc(struct_size(m, r, krg_nodemask_weight(&nodes)), GFP_KERNEL);
	if (!m)
		goto out;
	krg_comm_call_multi(&nodes, KRG_SVC_PROC, msg,
			    sizeof(struct krgp_hdr) + len, KRGP_CALL_MS,
			    status, replies, lens);
	krg_nodemask_for_each(n, &nodes) {
		m->r[count].node = n;
		m->r[count].status = status[n];
		m->r[count].data = status[n] >= 0 ? replies[n] : NULL;
		m->r[count].len = status[n] >= 0 ? lens[n] : 0;
		if (status[n] < 0)
			kvfree(replies[n]);
		count++;
	}
	m->count = count;
out:
	kfree(msg);
	kfree(lens);
	kfree(replies);
	kfree(status);
	return m ?: ERR_PTR(-ENOMEM);
}

void krgp_multi_free(struct krgp_multi *m)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(m))
		return;
	for (i = 0; i < m->count; i++)
		kvfree(m->r[i].data);
	kfree(m);
}

int krgp_rpc_init(void)
{
	return krg_comm_register_service(&krgp_service);
}

void krgp_rpc_exit(void)
{
	krg_comm_unregister_service(&krgp_service);
}
