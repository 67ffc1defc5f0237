// SPDX-License-Identifier: GPL-2.0
/*
 * Membership, as krg_proc sees it.
 *
 * A node that fails takes its processes with it: nothing to clean here,
 * since no node keeps a copy of another's processes (task_table.h) -- they
 * vanish from every listing as soon as krg_comm declares the node failed,
 * and requests to them end with -EHOSTDOWN, reported as ESRCH.
 *
 * A node asked to leave while it runs cluster processes would take them
 * down with its environment: LEAVE_CHECK (krgadm nodes del) refuses, naming
 * them, unless told to kill them (--kill); migration will move them instead.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/net.h>
#include <net/netlink.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "krg_comm/krg_comm.h"
#include "env.h"
#include "leave.h"
#include "migrate.h"
#include "procfs.h"
#include "rpc.h"
#include "task_table.h"

#define KRGP_KILL_WAIT_MS	10000
#define KRGP_MSG_LEN		80

/* Lists (and with kill, SIGKILLs) this node's cluster processes. */
static unsigned int krgp_leave_scan(bool kill, struct krgp_leave_proc *list,
				    unsigned int *count)
{
	struct pid_namespace *ns;
	struct task_struct *p;
	unsigned int total = 0;

	*count = 0;
	rcu_read_lock();
	ns = krgp_env_ns_rcu();
	if (ns) {
		for_each_process(p) {
			pid_t nr;

			if (task_active_pid_ns(p) != ns)
				continue;
			nr = task_tgid_nr_ns(p, ns);
			if (nr <= 1 || (p->flags & PF_EXITING))
				continue;
			total++;
			if (*count < KRGP_LEAVE_LIST) {
				list[*count].pid = cpu_to_le32(nr);
				__get_task_comm(list[*count].comm,
						sizeof(list[*count].comm), p);
				(*count)++;
			}
			if (kill)
				send_sig_info(SIGKILL, SEND_SIG_PRIV, p);
		}
	}
	rcu_read_unlock();
	return total;
}

void krgp_serve_leave_check(struct krgp_req *req)
{
	const struct krgp_leave_req *r = req->body;
	bool kill = le32_to_cpu(r->kill);
	struct {
		struct krgp_leave_result res;
		struct krgp_leave_proc procs[KRGP_LEAVE_LIST];
	} *out;
	unsigned int total, count, waited = 0;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out) {
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	total = krgp_leave_scan(kill, out->procs, &count);
	/* Killed: wait (bounded) until they are gone. */
	while (kill && total && waited < KRGP_KILL_WAIT_MS) {
		msleep(20);
		waited += 20;
		total = krgp_leave_scan(false, out->procs, &count);
	}
	out->res.total = cpu_to_le32(total);
	out->res.count = cpu_to_le32(count);
	krgp_reply(req, 0, out, sizeof(out->res) + count * sizeof(out->procs[0]));
	kfree(out);
}

int krgp_leave_check(const krg_nodemask_t *nodes, bool kill,
		     struct netlink_ext_ack *extack)
{
	struct krgp_leave_req r = { .kill = cpu_to_le32(kill) };
	const struct krgp_leave_result *res;
	const struct krgp_leave_proc *procs;
	struct krgp_multi *m;
	unsigned int i, j, count;
	char *msg;
	int ret = 0, off = 0;

	m = krgp_call_online(nodes, true, KRGP_OP_LEAVE_CHECK, &r, sizeof(r));
	if (IS_ERR(m))
		return PTR_ERR(m);
	msg = kmalloc(KRGP_MSG_LEN, GFP_KERNEL);
	for (i = 0; i < m->count && !ret; i++) {
		res = m->r[i].data;
		if (m->r[i].status < 0)
			continue;	/* failed meanwhile: nothing left there */
		count = m->r[i].len >= sizeof(*res) ?
			le32_to_cpu(res->count) : KRGP_LEAVE_LIST + 1;
		if (count > KRGP_LEAVE_LIST ||
		    m->r[i].len != sizeof(*res) + count * sizeof(*procs)) {
			atomic_long_inc(&krgp_rpc_bad);
			ret = -EIO;
			break;
		}
		if (!le32_to_cpu(res->total))
			continue;
		ret = kill ? -ETIMEDOUT : -EBUSY;
		if (!msg)
			break;
		procs = (const void *)(res + 1);
		/* An extack message holds 79 characters on 6.1: as many as fit. */
		off = scnprintf(msg, KRGP_MSG_LEN, "node %u runs %u cluster process%s:",
				m->r[i].node, le32_to_cpu(res->total),
				le32_to_cpu(res->total) > 1 ? "es" : "");
		for (j = 0; j < count; j++) {
			char item[32];
			int n = scnprintf(item, sizeof(item), " %u (%.*s)",
					  le32_to_cpu(procs[j].pid),
					  (int)sizeof(procs[j].comm),
					  procs[j].comm);

			if (off + n + 4 >= KRGP_MSG_LEN) {
				off += scnprintf(msg + off, KRGP_MSG_LEN - off, " ...");
				break;
			}
			memcpy(msg + off, item, n + 1);
			off += n;
		}
		NL_SET_ERR_MSG_FMT(extack, "%s", msg);
	}
	kfree(msg);
	krgp_multi_free(m);
	return ret;
}

/* ---- membership events -------------------------------------------------------- */

static void krgp_memb_notify(struct krg_comm_notifier *nb,
			     enum krg_comm_node_event event, u32 node)
{
	switch (event) {
	case KRG_COMM_NODE_UP:
		krgp_cluster_stat_node(node, true);
		break;
	case KRG_COMM_NODE_DOWN:
	case KRG_COMM_NODE_FAILED:
		krgp_owners_forget();
		krgp_procfs_node_down(node);
		krgp_cluster_stat_node(node, false);
		krgp_mig_node_down(node);
		break;
	default:
		break;
	}
}

/* Below krg_kddm's: krg_proc joins after it and leaves before it. */
static struct krg_comm_notifier krgp_memb_nb = {
	.priority = 30,
	.notify = krgp_memb_notify,
};

int krgp_leave_init(void)
{
	return krg_comm_register_notifier(&krgp_memb_nb);
}

void krgp_leave_exit(void)
{
	krg_comm_unregister_notifier(&krgp_memb_nb);
}
