// SPDX-License-Identifier: GPL-2.0
/*
 * Signals across nodes.  krg_hooks hands us every signal syscall of a
 * cluster process whose target has no task on this node, and every
 * broadcast (kill(-pgid), kill(0), kill(-1)).  A single target is signalled
 * on the node it runs on; a broadcast signals the local members here, in the
 * sender's context, and the members of every other online node there.
 *
 * On the target's node the signal is sent by an agent thread of krginit
 * (env.c) under the sender's credentials: the kernel's own permission check
 * (group_send_sig_info()) decides, and because the agent is inside the
 * cluster PID namespace the kernel keeps si_pid (a kernel thread would clear
 * it).  Limitation: SIGCONT's "same session" exception is judged against the
 * agent's session, so across nodes it needs the usual uid match.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "krg_comm/krg_comm.h"
#include "krg_hooks/krg_hooks.h"
#include "env.h"
#include "rpc.h"
#include "signal.h"
#include "task_table.h"

static_assert(sizeof(kernel_siginfo_t) == KRGP_SIGINFO_SIZE);

/* ---- on the target's node ----------------------------------------------- */

struct krgp_sig_work {
	struct krgp_agent_work w;
	const struct cred *cred;
	kernel_siginfo_t info;
	int sig;
	/* one target */
	struct task_struct *t;
	enum pid_type type;
	/* a broadcast */
	pid_t pgid;			/* 0: kill(-1) */
	pid_t sender_tgid;
	struct krgp_group_result res;
};

static int krgp_sig_one_fn(struct krgp_agent_work *w)
{
	struct krgp_sig_work *sw = container_of(w, struct krgp_sig_work, w);
	const struct cred *old = override_creds(sw->cred);
	int ret = krg_hooks_send_signal(sw->sig, &sw->info, sw->t, sw->type);

	revert_creds(old);
	return ret;
}

/* What a broadcast met on one node. */
struct krgp_bcast {
	u32 found, delivered;
	int last_err, last_other;
};

static void krgp_bcast_count(struct krgp_bcast *b, int err)
{
	b->found++;
	if (!err) {
		b->delivered++;
		return;
	}
	b->last_err = err;
	if (err != -EPERM)
		b->last_other = err;
}

/*
 * Signals the members of process group pgid (0: every process but PID 1
 * and the sender's) of this node's cluster namespace, as the current task.
 */
static void krgp_bcast_here(int sig, kernel_siginfo_t *info, pid_t pgid,
			    pid_t sender_tgid, struct krgp_bcast *b)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *p;
	struct pid *pgrp;

	rcu_read_lock();
	if (pgid) {
		pgrp = find_pid_ns(pgid, ns);
		do_each_pid_task(pgrp, PIDTYPE_PGID, p) {
			krgp_bcast_count(b, krg_hooks_send_signal(sig, info, p,
								  PIDTYPE_PGID));
		} while_each_pid_task(pgrp, PIDTYPE_PGID, p);
	} else {
		for_each_process(p) {
			pid_t nr = task_tgid_nr_ns(p, ns);

			if (nr <= 1 || nr == sender_tgid)
				continue;
			krgp_bcast_count(b, krg_hooks_send_signal(sig, info, p,
								  PIDTYPE_MAX));
		}
	}
	rcu_read_unlock();
}

static int krgp_sig_group_fn(struct krgp_agent_work *w)
{
	struct krgp_sig_work *sw = container_of(w, struct krgp_sig_work, w);
	const struct cred *old = override_creds(sw->cred);
	struct krgp_bcast b = { };

	krgp_bcast_here(sw->sig, &sw->info, sw->pgid, sw->sender_tgid, &b);
	revert_creds(old);
	sw->res.found = cpu_to_le32(b.found);
	sw->res.delivered = cpu_to_le32(b.delivered);
	sw->res.last_error = cpu_to_le32(-b.last_err);
	sw->res.last_other = cpu_to_le32(-b.last_other);
	return 0;
}

static int krgp_sig_run(struct krgp_sig_work *sw,
			const struct krgp_wire_cred *wc,
			const struct krgp_wire_siginfo *wi, u32 sig)
{
	struct krgp_env *env;
	int ret;

	if (!valid_signal(sig))
		return -EINVAL;
	memcpy(&sw->info, wi->raw, sizeof(sw->info));
	if (sig && sw->info.si_signo != sig)
		return -EINVAL;
	sw->sig = sig;
	sw->cred = krgp_cred_unpack(wc);
	if (IS_ERR(sw->cred))
		return PTR_ERR(sw->cred);
	env = krgp_env_get();
	ret = env ? krgp_agent_run(env, &sw->w) : -ESRCH;
	krgp_env_put(env);
	put_cred(sw->cred);
	return ret;
}

void krgp_serve_signal(struct krgp_req *req)
{
	const struct krgp_signal_req *r = req->body;
	u32 kind = le32_to_cpu(r->kind), tgid = le32_to_cpu(r->tgid);
	struct krgp_sig_work *sw;
	int ret = -ESRCH;

	if (kind > KRGP_SIG_THREAD) {
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw) {
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	sw->w.fn = krgp_sig_one_fn;
	sw->t = krgp_find_thread(le32_to_cpu(r->pid));
	sw->type = kind == KRGP_SIG_THREAD ? PIDTYPE_PID : PIDTYPE_TGID;
	if (sw->t && kind == KRGP_SIG_THREAD && tgid) {
		struct pid_namespace *ns = task_active_pid_ns(sw->t);

		if (task_tgid_nr_ns(sw->t, ns) != tgid) {
			put_task_struct(sw->t);
			sw->t = NULL;
		}
	}
	if (sw->t) {
		ret = krgp_sig_run(sw, &r->cred, &r->info, le32_to_cpu(r->sig));
		put_task_struct(sw->t);
	}
	kfree(sw);
	krgp_reply(req, ret, NULL, 0);
}

void krgp_serve_signal_group(struct krgp_req *req)
{
	const struct krgp_group_req *r = req->body;
	struct krgp_sig_work *sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	int ret;

	if (!sw) {
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	sw->w.fn = krgp_sig_group_fn;
	sw->pgid = le32_to_cpu(r->pgid);
	sw->sender_tgid = le32_to_cpu(r->sender_tgid);
	if (sw->pgid >= PID_MAX_LIMIT || sw->pgid < 0)
		ret = -EINVAL;
	else
		ret = krgp_sig_run(sw, &r->cred, &r->info, le32_to_cpu(r->sig));
	/* No environment here: no member here either (found stays 0). */
	if (ret == -ESRCH)
		ret = 0;
	if (ret)
		krgp_reply(req, ret, NULL, 0);
	else
		krgp_reply(req, 0, &sw->res, sizeof(sw->res));
	kfree(sw);
}

/* ---- in the sender ----------------------------------------------------- */

static void krgp_sig_pack(const struct krg_signal_req *req,
			  struct krgp_wire_siginfo *wi)
{
	kernel_siginfo_t info = req->info;

	/* Ids as every node reads them: the initial user namespace. */
	if (req->info.si_code == SI_USER || req->info.si_code == SI_TKILL)
		info.si_uid = from_kuid_munged(&init_user_ns, current_uid());
	memcpy(wi->raw, &info, sizeof(info));
}

static int krgp_signal_one(const struct krg_signal_req *req, bool thread)
{
	struct krgp_signal_req *r;
	int node = krgp_locate(req->pid), ret;

	if (node < 0 || node == krg_comm_self())
		return -ESRCH;	/* its home is here and it is not */
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	krgp_cred_pack(&r->cred);
	r->kind = cpu_to_le32(thread ? KRGP_SIG_THREAD : KRGP_SIG_PROCESS);
	r->tgid = cpu_to_le32(req->tgid);
	r->pid = cpu_to_le32(req->pid);
	r->sig = cpu_to_le32(req->sig);
	krgp_sig_pack(req, &r->info);
	ret = krgp_call(node, KRGP_OP_SIGNAL, r, sizeof(*r), NULL, NULL);
	kfree(r);
	/* The node left or died while we asked: the process is gone. */
	return ret == -EHOSTDOWN ? -ESRCH : ret;
}

static int krgp_signal_broadcast(const struct krg_signal_req *req)
{
	pid_t pgid = req->kind == KRG_SIG_KILL_PGRP ? req->pid : 0;
	kernel_siginfo_t info = req->info;
	struct krgp_group_req *r;
	struct krgp_bcast b = { };
	struct krgp_multi *m;
	unsigned int i;

	if (pgid < 0 || pgid >= PID_MAX_LIMIT)
		return -ESRCH;
	/* This node first, in the sender's own context. */
	krgp_bcast_here(req->sig, &info, pgid, task_tgid_vnr(current), &b);

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	krgp_cred_pack(&r->cred);
	r->pgid = cpu_to_le32(pgid);
	r->sig = cpu_to_le32(req->sig);
	r->sender_tgid = cpu_to_le32(task_tgid_vnr(current));
	krgp_sig_pack(req, &r->info);
	m = krgp_call_online(NULL, false, KRGP_OP_SIGNAL_GROUP, r, sizeof(*r));
	kfree(r);
	for (i = 0; !IS_ERR(m) && i < m->count; i++) {
		const struct krgp_group_result *res = m->r[i].data;
		u32 e, o;

		/* A node gone meanwhile has no member left. */
		if (m->r[i].status < 0 || m->r[i].len != sizeof(*res))
			continue;
		e = le32_to_cpu(res->last_error);
		o = le32_to_cpu(res->last_other);
		b.found += le32_to_cpu(res->found);
		b.delivered += le32_to_cpu(res->delivered);
		if (e && e < MAX_ERRNO)
			b.last_err = -e;
		if (o && o < MAX_ERRNO)
			b.last_other = -o;
	}
	krgp_multi_free(m);
	if (!b.found)
		return -ESRCH;
	/* As __kill_pgrp_info(): 0 if one member got it, else the last error. */
	if (pgid)
		return b.delivered ? 0 : b.last_err;
	/* As kill_something_info() for -1: EPERM is not reported. */
	return b.delivered ? 0 : b.last_other;
}

/* krg_hooks signal_remote: in the sender's context, may sleep. */
int krgp_signal_remote(const struct krg_signal_req *req)
{
	switch (req->kind) {
	case KRG_SIG_KILL:
	case KRG_SIG_QUEUEINFO:
		return krgp_signal_one(req, false);
	case KRG_SIG_TKILL:
	case KRG_SIG_TGKILL:
	case KRG_SIG_TGQUEUEINFO:
		return krgp_signal_one(req, true);
	case KRG_SIG_KILL_PGRP:
	case KRG_SIG_KILL_ALL:
		return krgp_signal_broadcast(req);
	}
	return -EINVAL;
}
