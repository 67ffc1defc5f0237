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
#include "migrate.h"
#include "rpc.h"
#include "signal.h"
#include "task_table.h"
#include "wait.h"

static_assert(sizeof(kernel_siginfo_t) == KRGP_SIGINFO_SIZE);

/* ---- on the target's node ----------------------------------------------- */

struct krgp_sig_work {
	struct krgp_agent_work w;
	struct krg_comm_req *creq;	/* answered by the agent */
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
	const struct cred *old;
	bool send;
	int ret, reap;

	/* A child's SIGCHLD from the stub of a process that moved (wait.c). */
	reap = krgp_wait_sigchld(sw->t, &sw->info, &send);
	old = override_creds(sw->cred);
	ret = send ? krg_hooks_send_signal(sw->sig, &sw->info, sw->t, sw->type) : 0;
	revert_creds(old);
	if (sw->sig == SIGCHLD)
		krgp_wait_wake(sw->t);
	return ret ?: reap;
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

static void krgp_sig_free(struct krgp_sig_work *sw)
{
	if (sw->t)
		put_task_struct(sw->t);
	if (!IS_ERR_OR_NULL(sw->cred))
		put_cred(sw->cred);
	kfree(sw);
}

/* In the agent, after the signal: the answer goes from there. */
static void krgp_sig_one_done(struct krgp_agent_work *w, int result)
{
	struct krgp_sig_work *sw = container_of(w, struct krgp_sig_work, w);
	__le32 reap = cpu_to_le32(KRGP_SIG_REAP);

	if (result == KRGP_SIG_REAP)
		krg_comm_reply(sw->creq, 0, &reap, sizeof(reap));
	else
		krg_comm_reply(sw->creq, result, NULL, 0);
	krgp_sig_free(sw);
}

static void krgp_sig_group_done(struct krgp_agent_work *w, int result)
{
	struct krgp_sig_work *sw = container_of(w, struct krgp_sig_work, w);

	/* No environment here: no member here either (found stays 0). */
	if (result == -ESRCH)
		result = 0;
	krg_comm_reply(sw->creq, result, result ? NULL : &sw->res,
		       result ? 0 : sizeof(sw->res));
	krgp_sig_free(sw);
}

/* Hands sw to an agent, which answers; else answers (and frees) here. */
static void krgp_sig_queue(struct krgp_sig_work *sw,
			   const struct krgp_wire_cred *wc,
			   const struct krgp_wire_siginfo *wi, u32 sig)
{
	struct krgp_env *env;
	int ret = -EINVAL;

	if (!valid_signal(sig))
		goto fail;
	memcpy(&sw->info, wi->raw, sizeof(sw->info));
	if (sig && sw->info.si_signo != sig)
		goto fail;
	sw->sig = sig;
	sw->cred = krgp_cred_unpack(wc);
	ret = PTR_ERR_OR_ZERO(sw->cred);
	if (ret)
		goto fail;
	env = krgp_env_get();
	ret = env ? krgp_agent_queue(env, &sw->w) : -ESRCH;
	krgp_env_put(env);
	if (!ret)
		return;
fail:
	sw->w.done(&sw->w, ret);
}

void krgp_serve_signal(struct krgp_req *req)
{
	const struct krgp_signal_req *r = req->body;
	u32 kind = le32_to_cpu(r->kind), tgid = le32_to_cpu(r->tgid);
	struct krgp_sig_work *sw;
	bool gone;

	if (kind > KRGP_SIG_THREAD) {
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw) {
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	sw->creq = req->creq;
	sw->w.fn = krgp_sig_one_fn;
	sw->w.done = krgp_sig_one_done;
	sw->t = krgp_find_thread(le32_to_cpu(r->pid));
	sw->type = kind == KRGP_SIG_THREAD ? PIDTYPE_PID : PIDTYPE_TGID;
	if (sw->t && kind == KRGP_SIG_THREAD && tgid) {
		struct pid_namespace *ns = task_active_pid_ns(sw->t);

		if (task_tgid_nr_ns(sw->t, ns) != tgid) {
			put_task_struct(sw->t);
			sw->t = NULL;
		}
	}
	if (!sw->t && kind == KRGP_SIG_THREAD && tgid) {
		/* A thread of a process that moved on: its stub knows where. */
		int loc = krgp_stub_location(tgid), ret = -ESRCH;

		if (loc >= 0 && loc != krg_comm_self() &&
		    le32_to_cpu(r->hops) < KRGP_SIGNAL_HOPS) {
			struct krgp_signal_req fwd = *r;

			fwd.hops = cpu_to_le32(le32_to_cpu(r->hops) + 1);
			ret = krgp_call(loc, KRGP_OP_SIGNAL, &fwd, sizeof(fwd), NULL, NULL);
			if (ret == -EHOSTDOWN)
				ret = -ESRCH;
		}
		kfree(sw);
		krgp_reply(req, ret, NULL, 0);
		return;
	}
	if (!sw->t) {
		sw->w.done(&sw->w, -ESRCH);
		return;
	}
	rcu_read_lock();
	gone = krgp_task_gone(sw->t);
	rcu_read_unlock();
	if (gone && le32_to_cpu(r->hops) < KRGP_SIGNAL_HOPS) {
		/* A copy that moved on: its home knows where it runs now. */
		struct krgp_signal_req fwd = *r;
		u32 home = krgp_pid_home(task_tgid_nr_ns(sw->t, task_active_pid_ns(sw->t)));
		int ret = -ESRCH;

		put_task_struct(sw->t);
		kfree(sw);
		fwd.hops = cpu_to_le32(le32_to_cpu(r->hops) + 1);
		if (home != krg_comm_self())
			ret = krgp_call(home, KRGP_OP_SIGNAL, &fwd, sizeof(fwd), NULL, NULL);
		krgp_reply(req, ret == -EHOSTDOWN ? -ESRCH : ret, NULL, 0);
		return;
	}
	krgp_sig_queue(sw, &r->cred, &r->info, le32_to_cpu(r->sig));
}

void krgp_serve_signal_group(struct krgp_req *req)
{
	const struct krgp_group_req *r = req->body;
	struct krgp_sig_work *sw = kzalloc(sizeof(*sw), GFP_KERNEL);

	if (!sw) {
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	sw->creq = req->creq;
	sw->w.fn = krgp_sig_group_fn;
	sw->w.done = krgp_sig_group_done;
	sw->pgid = le32_to_cpu(r->pgid);
	sw->sender_tgid = le32_to_cpu(r->sender_tgid);
	if (sw->pgid >= PID_MAX_LIMIT || sw->pgid < 0) {
		sw->w.done(&sw->w, -EINVAL);
		return;
	}
	krgp_sig_queue(sw, &r->cred, &r->info, le32_to_cpu(r->sig));
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
	/* a thread by its process (tgkill): where the process's home sends it */
	int node = krgp_locate(thread && req->tgid ? req->tgid : req->pid), ret;

	if (node == krg_comm_self() && thread && req->tgid)
		node = krgp_stub_location(req->tgid);	/* it moved: where to */
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

/*
 * krg_hooks signal_divert: atomic, under RCU.  A process that moved on from
 * here leaves a copy that ends (migrate.c): from GO on, and while it dies,
 * a signal for it goes where the process runs, through its home, instead
 * of into a copy that would drop it.  A process whose home is here is the
 * process itself or its stub: never diverted.  A guest that really dies
 * here is diverted too: its home's stub sends the signal back here, where
 * the kernel drops it as it would have (kill() still returns 0).
 */
bool krgp_signal_divert(struct task_struct *t)
{
	pid_t tgid = task_tgid_nr_ns(t, task_active_pid_ns(t));

	if (tgid <= 1 || krgp_pid_home(tgid) == krg_comm_self())
		return false;	/* krginit, or the process (or its stub) */
	return krgp_task_leaving(t);
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
