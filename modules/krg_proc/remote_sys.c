// SPDX-License-Identifier: GPL-2.0
/*
 * System calls that name other processes, answered as on one machine when
 * those processes run on other nodes: getpgid(pid), getsid(pid),
 * getpriority() and setpriority() (one process, a process group, a user);
 * getppid() of a process restored here, and its wait4() and waitid() when
 * its children stayed on its home node (wait.c).
 *
 * krg_hooks shows us these calls at syscall entry (atomic): a call about
 * this node only runs natively; the others are deferred to the caller's
 * context, asked of the node(s) concerned and combined here.  The node that
 * holds a process applies the kernel's own rules under the caller's
 * credentials (set_one_prio()'s permission and can_nice(); the LSM hook is
 * not reachable from a module).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/resource.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <asm/unistd.h>

#include "krg_comm/krg_comm.h"
#include "krg_hooks/krg_hooks.h"
#include "env.h"
#include "migrate.h"
#include "remote_sys.h"
#include "rpc.h"
#include "task_table.h"
#include "wait.h"

const int krgp_sys_nrs[KRGP_SYS_NRS] = {
	__NR_getpgid, __NR_getsid, __NR_getpriority, __NR_setpriority,
	__NR_getppid, __NR_wait4, __NR_waitid,
};

/* What one node found: processes matched, best priority, first error. */
struct krgp_prio {
	u32 found;
	int best;			/* 20 - nice, as getpriority() returns */
	int err;			/* setpriority: the kernel's error rule */
};

/* (PRIO_PROCESS comes here outside the RCU section of krgp_prio_here) */
static bool krgp_prio_perm(struct task_struct *p)
{
	const struct cred *cred = current_cred(), *pcred;
	bool ok;

	rcu_read_lock();
	pcred = __task_cred(p);
	ok = uid_eq(pcred->uid, cred->euid) ||
	     uid_eq(pcred->euid, cred->euid) ||
	     ns_capable(pcred->user_ns, CAP_SYS_NICE);
	rcu_read_unlock();
	return ok;
}

/* set_one_prio() of kernel/sys.c, without its LSM hook. */
static int krgp_set_one_prio(struct task_struct *p, int niceval, int error)
{
	if (!krgp_prio_perm(p))
		return -EPERM;
	if (niceval < task_nice(p) && !can_nice(p, niceval))
		return -EACCES;
	if (error == -ESRCH)
		error = 0;
	set_user_nice(p, niceval);
	return error;
}

static void krgp_prio_one(struct task_struct *p, bool set, int niceval,
			  struct krgp_prio *r)
{
	r->found++;
	if (set)
		r->err = krgp_set_one_prio(p, niceval, r->err);
	else
		r->best = max_t(int, r->best, nice_to_rlimit(task_nice(p)));
}

/*
 * getpriority/setpriority over the PRIO_PGRP or PRIO_USER members of ns on
 * this node, as the current credentials; r->err starts at -ESRCH.
 */
static void krgp_prio_here(struct pid_namespace *ns, int which, u32 who,
			   bool set, int niceval, struct krgp_prio *r)
{
	struct task_struct *g, *p;
	struct pid *pgrp;
	kuid_t uid = make_kuid(&init_user_ns, who);

	rcu_read_lock();
	if (which == PRIO_PGRP) {
		pgrp = find_pid_ns(who, ns);
		do_each_pid_thread(pgrp, PIDTYPE_PGID, p) {
			krgp_prio_one(p, set, niceval, r);
		} while_each_pid_thread(pgrp, PIDTYPE_PGID, p);
	} else if (uid_valid(uid)) {
		for_each_process_thread(g, p)
			if (uid_eq(task_uid(p), uid) && task_pid_nr_ns(p, ns))
				krgp_prio_one(p, set, niceval, r);
	}
	rcu_read_unlock();
}

/* ---- on the node that holds the processes --------------------------------- */

static int krgp_sys_here(const struct krgp_sys_req *r, struct krgp_sys_result *out)
{
	u32 sys = le32_to_cpu(r->sys), which = le32_to_cpu(r->which);
	u32 who = le32_to_cpu(r->who);
	int niceval = (int)le32_to_cpu(r->niceval);
	struct krgp_prio prio = { .best = -ESRCH, .err = -ESRCH };
	struct pid_namespace *ns;
	struct task_struct *t;
	struct krgp_env *env;
	bool set = sys == KRGP_SYS_SETPRIORITY;

	if (sys > KRGP_SYS_SETPRIORITY || niceval < MIN_NICE ||
	    niceval > MAX_NICE || which > PRIO_USER)
		return -EINVAL;
	env = krgp_env_get();
	if (!env)
		return -ESRCH;
	ns = env->ns;
	if (sys == KRGP_SYS_GETPGID || sys == KRGP_SYS_GETSID ||
	    which == PRIO_PROCESS) {
		t = krgp_find_thread(who);
		if (!t) {
			krgp_env_put(env);
			return -ESRCH;
		}
		if (sys == KRGP_SYS_GETPGID)
			out->value = cpu_to_le32(task_pgrp_nr_ns(t, ns));
		else if (sys == KRGP_SYS_GETSID)
			out->value = cpu_to_le32(task_session_nr_ns(t, ns));
		else
			krgp_prio_one(t, set, niceval, &prio);
		put_task_struct(t);
	} else {
		krgp_prio_here(ns, which, who, set, niceval, &prio);
	}
	krgp_env_put(env);
	if (sys == KRGP_SYS_GETPGID || sys == KRGP_SYS_GETSID)
		return 0;
	out->found = cpu_to_le32(prio.found);
	out->value = cpu_to_le32(set ? -prio.err : prio.best);
	return 0;
}

void krgp_serve_syscall(struct krgp_req *req)
{
	const struct krgp_sys_req *r = req->body;
	struct krgp_sys_result out = { };
	const struct cred *cred, *old;
	int ret;

	/* Only setpriority's checks look at who asks. */
	if (le32_to_cpu(r->sys) != KRGP_SYS_SETPRIORITY) {
		ret = krgp_sys_here(r, &out);
		krgp_reply(req, ret, ret ? NULL : &out, ret ? 0 : sizeof(out));
		return;
	}
	cred = krgp_cred_unpack(&r->cred);
	if (IS_ERR(cred)) {
		krgp_reply(req, PTR_ERR(cred), NULL, 0);
		return;
	}
	old = override_creds(cred);
	ret = krgp_sys_here(r, &out);
	revert_creds(old);
	put_cred(cred);
	krgp_reply(req, ret, ret ? NULL : &out, ret ? 0 : sizeof(out));
}

/* ---- in the caller ----------------------------------------------------- */

/* Only this node can answer: the PID is here, or its home is (ESRCH). */
static bool krgp_sys_local(pid_t pid)
{
	bool local;

	if (krgp_pid_is_local_slice(pid) || pid >= PID_MAX_LIMIT)
		return true;
	rcu_read_lock();
	local = find_vpid(pid) != NULL;
	rcu_read_unlock();
	return local;
}

/* krg_hooks sys_override: atomic, at syscall entry of a cluster process. */
enum krg_sys_verdict krgp_sys_override(struct krg_sys_call *call, long *ret)
{
	int which, who;

	switch (call->nr) {
	case __NR_wait4:
	case __NR_waitid:
		/* A process restored here whose children stayed home. */
		return krgp_wait_override(call) ? KRG_SYS_DEFER : KRG_SYS_NATIVE;
	case __NR_getppid:
		/* A process restored here: its parent is elsewhere. */
		*ret = krgp_guest_ppid(current);
		return *ret >= 0 ? KRG_SYS_SKIP : KRG_SYS_NATIVE;
	case __NR_getpgid:
	case __NR_getsid:
		who = (int)call->args[0];
		return who <= 0 || krgp_sys_local(who) ? KRG_SYS_NATIVE :
							 KRG_SYS_DEFER;
	default:	/* getpriority, setpriority */
		which = (int)call->args[0];
		who = (int)call->args[1];
		if (which == PRIO_PROCESS)
			return who <= 0 || krgp_sys_local(who) ?
				KRG_SYS_NATIVE : KRG_SYS_DEFER;
		/* Groups and users may have members on every node. */
		return which == PRIO_PGRP || which == PRIO_USER ?
			KRG_SYS_DEFER : KRG_SYS_NATIVE;
	}
}

static long krgp_sys_one(const struct krgp_sys_req *r, pid_t pid)
{
	struct krgp_sys_result *out;
	void *reply;
	size_t len;
	int node = krgp_locate(pid), ret;

	if (node < 0 || node == krg_comm_self())
		return -ESRCH;
	ret = krgp_call(node, KRGP_OP_SYSCALL, r, sizeof(*r), &reply, &len);
	if (ret < 0)
		return ret == -EHOSTDOWN ? -ESRCH : ret;
	if (len != sizeof(*out)) {
		atomic_long_inc(&krgp_rpc_bad);
		kvfree(reply);
		return -EIO;
	}
	out = reply;
	ret = le32_to_cpu(out->value);
	if (r->sys == cpu_to_le32(KRGP_SYS_SETPRIORITY))
		ret = -ret;
	else if (r->sys == cpu_to_le32(KRGP_SYS_GETPRIORITY) && ret <= 0)
		ret = -ESRCH;
	kvfree(reply);
	return ret;
}

/* PRIO_PGRP / PRIO_USER: this node, then every other online node. */
static long krgp_sys_all(struct krgp_sys_req *r, bool set)
{
	struct krgp_prio prio = { .best = -ESRCH, .err = -ESRCH };
	struct krgp_multi *m;
	unsigned int i;

	krgp_prio_here(task_active_pid_ns(current), le32_to_cpu(r->which),
		       le32_to_cpu(r->who), set, le32_to_cpu(r->niceval), &prio);
	m = krgp_call_online(NULL, false, KRGP_OP_SYSCALL, r, sizeof(*r));
	for (i = 0; !IS_ERR(m) && i < m->count; i++) {
		const struct krgp_sys_result *out = m->r[i].data;
		int v;

		if (m->r[i].status < 0 || m->r[i].len != sizeof(*out) ||
		    !out->found)
			continue;
		prio.found += le32_to_cpu(out->found);
		v = le32_to_cpu(out->value);
		if (!set) {
			prio.best = max(prio.best, v);
		} else if (v != 0 && v != ESRCH && v < MAX_ERRNO) {
			prio.err = -v;		/* a refusal there */
		} else if (prio.err == -ESRCH) {
			prio.err = 0;
		}
	}
	krgp_multi_free(m);
	return set ? prio.err : prio.best;
}

/* krg_hooks sys_deferred: the caller's context, may sleep. */
long krgp_sys_deferred(const struct krg_sys_call *call)
{
	struct krgp_sys_req r = { };
	int which = (int)call->args[0], who = (int)call->args[1];
	int niceval;

	if (call->nr == __NR_wait4 || call->nr == __NR_waitid)
		return krgp_wait_deferred(call);
	krgp_cred_pack(&r.cred);
	switch (call->nr) {
	case __NR_getpgid:
	case __NR_getsid:
		r.sys = cpu_to_le32(call->nr == __NR_getpgid ? KRGP_SYS_GETPGID :
				    KRGP_SYS_GETSID);
		r.who = cpu_to_le32((int)call->args[0]);
		return krgp_sys_one(&r, (int)call->args[0]);
	case __NR_getpriority:
		r.sys = cpu_to_le32(KRGP_SYS_GETPRIORITY);
		break;
	default:
		r.sys = cpu_to_le32(KRGP_SYS_SETPRIORITY);
		niceval = clamp_t(int, (int)call->args[2], MIN_NICE, MAX_NICE);
		r.niceval = cpu_to_le32(niceval);
		break;
	}
	r.which = cpu_to_le32(which);
	if (which == PRIO_PROCESS) {
		r.who = cpu_to_le32(who);
		return krgp_sys_one(&r, who);
	}
	if (!who)
		who = which == PRIO_PGRP ? task_pgrp_vnr(current) :
		      from_kuid_munged(&init_user_ns, current_uid());
	else if (which == PRIO_USER)
		who = from_kuid_munged(&init_user_ns,
				       make_kuid(current_user_ns(), who));
	r.who = cpu_to_le32(who);
	return krgp_sys_all(&r, call->nr == __NR_setpriority);
}
