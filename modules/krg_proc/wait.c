// SPDX-License-Identifier: GPL-2.0
/*
 * wait() across nodes for a parent that moved away from its children.
 *
 * A process that leaves its home node with children leaves them with its
 * stub, the home task that stays (stub.c): the kernel keeps them as the
 * stub's children, so their getppid(), their exit and their job-control
 * stops and continues work as on one machine, and each state change gives
 * the stub a SIGCHLD, which it forwards to where the process runs.  There
 * the process is a guest whose record says that its stub has children
 * (the TASK record's KRG_GH_TASK_STUB_CHILDREN, kept across further moves).
 *
 * The guest's wait4() and waitid() are deferred by krg_hooks to its own
 * context (waitid(P_PIDFD) stays native: a pidfd names a local task).  Each
 * round asks its own children (the ones it forked since it moved) and then
 * the stub's, both with WNOHANG: the stub runs the kernel's waitid in its
 * own context, for it (KRGP_OP_WAIT).  The first child reported wins;
 * -ECHILD when neither side has a child that could match; else the guest
 * sleeps on its own wait_chldexit queue, which its local children and the
 * stub's forwarded SIGCHLDs wake, and looks again.  A signal interrupts the
 * wait the kernel's way (-ERESTARTSYS: restarted after the handler, or
 * -EINTR without SA_RESTART).  Every 5 s it looks again anyway, so that a
 * lost SIGCHLD or the home node's failure cannot leave it asleep for ever;
 * after 50 ms when its stub was not ready to answer (the process has just
 * moved: the home task becomes the stub once the target runs it, and the
 * home learns of a move between two other nodes once it is done).
 *
 * The guest's SIGCHLD disposition is the one that counts: a forwarded
 * CLD_STOPPED/CLD_CONTINUED is not delivered under SA_NOCLDSTOP; under
 * SIG_IGN or SA_NOCLDWAIT the stub is told to reap the child at once, as
 * the kernel does for a local parent that does not want zombies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pid_namespace.h>
#include <linux/resource.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/unistd.h>

#include "krg_comm/krg_comm.h"
#include "krg_hooks/krg_hooks.h"
#include "migrate.h"
#include "rpc.h"
#include "task_table.h"
#include "wait.h"

static_assert(sizeof(struct rusage) == KRGP_RUSAGE_WORDS * sizeof(u64));

#define KRGP_WAIT_POLL		(5 * HZ)	/* look again at least this often */
#define KRGP_WAIT_SOON		(HZ / 20)	/* ... and soon when its stub was not ready */
#define KRGP_WAIT_STUB_MS	10000		/* a stub answers within this */

#define KRGP_WAIT_OPTIONS	(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | \
				 WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)

/* ---- at home: the stub waits for its children -------------------------- */

/* One wait a guest asked of its stub: queued on mp->waits, served by it. */
struct krgp_stub_wait {
	struct list_head list;		/* on mp->waits until the stub takes it */
	struct completion done;
	int which, options;
	pid_t upid;
	bool want_rusage;
	long ret;
	struct krg_waitid_info info;
	struct rusage ru;
};

/* In the stub's loop (stub.c): serves every wait queued. */
void krgp_stub_serve_waits(struct krgp_mproc *mp)
{
	struct krgp_stub_wait *w;

	for (;;) {
		spin_lock(&krgp_mproc_lock);
		w = list_first_entry_or_null(&mp->waits, struct krgp_stub_wait, list);
		if (w)
			list_del_init(&w->list);
		spin_unlock(&krgp_mproc_lock);
		if (!w)
			return;
		w->ret = krg_hooks_waitid(w->which, w->upid, &w->info,
					  w->options | WNOHANG,
					  w->want_rusage ? &w->ru : NULL);
		pr_debug("stub %d: waitid(%d, %d, %#x): %ld\n", mp->pid, w->which,
			 w->upid, w->options, w->ret);
		complete(&w->done);
	}
}

/* Under krgp_mproc_lock, as mp leaves the table: its stub answers no more. */
void krgp_stub_waits_flush(struct krgp_mproc *mp)
{
	struct krgp_stub_wait *w, *n;

	list_for_each_entry_safe(w, n, &mp->waits, list) {
		list_del_init(&w->list);
		w->ret = -ECHILD;
		complete(&w->done);
	}
}

/* A SIGCHLD forwarded for child pid: the guest does not want the zombie. */
void krgp_stub_reap(pid_t pid)
{
	struct krg_waitid_info info = { };

	if (pid > 0)
		krg_hooks_waitid(P_PID, pid, &info, WEXITED | WNOHANG, NULL);
}

void krgp_serve_wait(struct krgp_req *req)
{
	const struct krgp_wait_req *r = req->body;
	struct krgp_wait_result out = { };
	struct krgp_stub_wait w = { };
	struct krgp_mproc *mp;
	unsigned int i;
	long ret;

	w.which = le32_to_cpu(r->which);
	w.upid = le32_to_cpu(r->upid);
	w.options = le32_to_cpu(r->options);
	w.want_rusage = le32_to_cpu(r->rusage);
	if ((w.which != P_ALL && w.which != P_PID && w.which != P_PGID) ||
	    (w.which != P_ALL && w.upid <= 0) || le32_to_cpu(r->rusage) > 1 ||
	    r->pad || w.options & ~KRGP_WAIT_OPTIONS ||
	    !(w.options & (WEXITED | WSTOPPED | WCONTINUED))) {
		atomic_long_inc(&krgp_rpc_bad);
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	INIT_LIST_HEAD(&w.list);
	init_completion(&w.done);
	ret = -ECHILD;			/* no stub here: no child of its either */
	rcu_read_lock();
	mp = krgp_mproc_find(le32_to_cpu(r->pid));
	if (!mp || mp->kind != KRGP_MP_STUB) {
		struct task_struct *t = krgp_find_thread(le32_to_cpu(r->pid));

		/* Its task is still here: it just left and becomes its stub. */
		if (t) {
			ret = -EAGAIN;
			put_task_struct(t);
		}
	}
	if (mp && mp->kind == KRGP_MP_STUB) {
		spin_lock(&krgp_mproc_lock);
		if (mp->loc != req->src) {
			ret = -EAGAIN;	/* only where the process runs (or will) asks */
		} else if (!hlist_unhashed(&mp->hnode)) {
			list_add_tail(&w.list, &mp->waits);
			wake_up(&mp->wq);
			ret = 0;
		}
		spin_unlock(&krgp_mproc_lock);
	}
	rcu_read_unlock();
	if (!ret) {
		if (!wait_for_completion_timeout(&w.done,
						 msecs_to_jiffies(KRGP_WAIT_STUB_MS))) {
			/* Still queued: take it back.  Else the stub has it. */
			spin_lock(&krgp_mproc_lock);
			if (!list_empty(&w.list)) {
				list_del_init(&w.list);
				w.ret = -ETIMEDOUT;
				complete(&w.done);
			}
			spin_unlock(&krgp_mproc_lock);
			wait_for_completion(&w.done);	/* a WNOHANG wait: soon */
		}
		ret = w.ret;
	}
	/* krg_comm carries no positive status: a child found is a reply body. */
	if (ret <= 0) {
		krgp_reply(req, ret, NULL, 0);
		return;
	}
	out.pid = cpu_to_le32(w.info.pid);
	out.uid = cpu_to_le32(w.info.uid);
	out.status = cpu_to_le32(w.info.status);
	out.cause = cpu_to_le32(w.info.cause);
	if (w.want_rusage)
		for (i = 0; i < KRGP_RUSAGE_WORDS; i++)
			out.rusage[i] = cpu_to_le64(((u64 *)&w.ru)[i]);
	krgp_reply(req, 0, &out, sizeof(out));
}

/* ---- where the process runs: its SIGCHLD ---------------------------------- */

/* The guest record of t's process if its stub has children, under RCU. */
static struct krgp_mproc *krgp_wait_guest(struct task_struct *t)
{
	struct krgp_mproc *mp = krgp_mproc_find(task_tgid_nr_ns(t, task_active_pid_ns(t)));

	return mp && mp->kind == KRGP_MP_GUEST && READ_ONCE(mp->stub_children) &&
	       same_thread_group(mp->task, t) ? mp : NULL;
}

int krgp_wait_sigchld(struct task_struct *t, const kernel_siginfo_t *info, bool *send)
{
	struct sighand_struct *sh;
	__sighandler_t handler = SIG_DFL;
	unsigned long flags = 0;
	bool guest, reap = false;
	int code = info->si_code;

	*send = true;
	if (info->si_signo != SIGCHLD || code < CLD_EXITED || code > CLD_CONTINUED)
		return 0;
	rcu_read_lock();
	guest = krgp_wait_guest(t) != NULL;
	rcu_read_unlock();
	if (!guest)
		return 0;
	/* A snapshot: sighand is freed by RCU (SLAB_TYPESAFE_BY_RCU). */
	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	if (sh) {
		handler = READ_ONCE(sh->action[SIGCHLD - 1].sa.sa_handler);
		flags = READ_ONCE(sh->action[SIGCHLD - 1].sa.sa_flags);
	}
	rcu_read_unlock();
	if (!sh)
		return 0;		/* it is gone: the signal finds nobody */
	if (code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED) {
		reap = handler == SIG_IGN || flags & SA_NOCLDWAIT;
		*send = handler != SIG_IGN;
	} else {
		*send = !(flags & SA_NOCLDSTOP);
	}
	return reap ? KRGP_SIG_REAP : 0;
}

void krgp_wait_wake(struct task_struct *t)
{
	wake_up_interruptible_all(&t->signal->wait_chldexit);
}

/* ---- where the process runs: wait4() and waitid() -------------------------- */

bool krgp_wait_override(const struct krg_sys_call *call)
{
	bool ours;

	if (call->nr == __NR_waitid && (int)call->args[0] == P_PIDFD)
		return false;
	rcu_read_lock();
	ours = krgp_wait_guest(current) != NULL;
	rcu_read_unlock();
	return ours;
}

/* What a wait asks, as waitid() has it. */
struct krgp_wait_args {
	int which, options;
	pid_t upid;			/* P_PGID: 0 = the caller's group */
	bool wait4;
	int __user *stat;
	struct siginfo __user *infop;
	struct rusage __user *ru;
};

static long krgp_wait_parse(const struct krg_sys_call *call, struct krgp_wait_args *a)
{
	memset(a, 0, sizeof(*a));
	if (call->nr == __NR_wait4) {
		pid_t upid = (int)call->args[0];
		int options = (int)call->args[2];

		/* kernel_wait4()'s checks, in its order */
		if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
				__WCLONE | __WALL))
			return -EINVAL;
		if (upid == INT_MIN)
			return -ESRCH;
		a->wait4 = true;
		a->options = options | WEXITED;	/* WUNTRACED is WSTOPPED */
		a->stat = (int __user *)call->args[1];
		a->ru = (struct rusage __user *)call->args[3];
		if (upid == -1) {
			a->which = P_ALL;
		} else if (upid <= 0) {
			a->which = P_PGID;
			a->upid = -upid;
		} else {
			a->which = P_PID;
			a->upid = upid;
		}
		return 0;
	}
	a->which = (int)call->args[0];
	a->upid = (int)call->args[1];
	a->infop = (struct siginfo __user *)call->args[2];
	a->options = (int)call->args[3];
	a->ru = (struct rusage __user *)call->args[4];
	/* kernel_waitid()'s checks */
	if (a->options & ~KRGP_WAIT_OPTIONS ||
	    !(a->options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if ((a->which == P_PID && a->upid <= 0) ||
	    (a->which == P_PGID && a->upid < 0) ||
	    (a->which != P_ALL && a->which != P_PID && a->which != P_PGID))
		return -EINVAL;
	return 0;
}

/*
 * One round at the stub on node home: the child's PID, 0 (none yet) or
 * -ECHILD (none there could match, or the stub or its node is gone).
 */
static long krgp_wait_stub(u32 home, pid_t pid, const struct krgp_wait_args *a,
			   pid_t pgid, struct krg_waitid_info *info, struct rusage *ru,
			   bool *soon)
{
	struct krgp_wait_req r = { };
	const struct krgp_wait_result *out;
	unsigned int i;
	void *reply;
	size_t len;
	int ret;

	r.pid = cpu_to_le32(pid);
	r.which = cpu_to_le32(a->which);
	r.upid = cpu_to_le32(a->which == P_PGID && !a->upid ? pgid : a->upid);
	r.options = cpu_to_le32(a->options | WNOHANG);
	r.rusage = cpu_to_le32(a->ru ? 1 : 0);
	if (a->which == P_PGID && le32_to_cpu(r.upid) <= 0)
		return -ECHILD;		/* no group of the cluster */
	ret = krgp_call(home, KRGP_OP_WAIT, &r, sizeof(r), &reply, &len);
	if (ret == -EHOSTDOWN || ret == -ESRCH || ret == -ECHILD)
		return -ECHILD;
	if (ret == -EAGAIN)
		*soon = true;		/* its stub is being set up: again soon */
	if (ret < 0)
		return 0;		/* not now: look again later */
	if (!len) {
		kvfree(reply);
		return 0;		/* none yet */
	}
	out = reply;
	ret = le32_to_cpu(out->pid);
	if (len != sizeof(*out) || ret <= 0) {
		atomic_long_inc(&krgp_rpc_bad);
		kvfree(reply);
		return 0;
	}
	info->pid = ret;
	info->uid = from_kuid_munged(current_user_ns(),
				     make_kuid(&init_user_ns, le32_to_cpu(out->uid)));
	info->status = le32_to_cpu(out->status);
	info->cause = le32_to_cpu(out->cause);
	if (ru)
		for (i = 0; i < KRGP_RUSAGE_WORDS; i++)
			((u64 *)ru)[i] = le64_to_cpu(out->rusage[i]);
	kvfree(reply);
	return ret;
}

/* wait4()'s status word from waitid()'s cause and status. */
static int krgp_wait_status(const struct krg_waitid_info *info)
{
	switch (info->cause) {
	case CLD_EXITED:
		return (info->status & 0xff) << 8;
	case CLD_KILLED:
		return info->status & 0x7f;
	case CLD_DUMPED:
		return (info->status & 0x7f) | 0x80;
	case CLD_CONTINUED:
		return 0xffff;
	default:		/* CLD_STOPPED, CLD_TRAPPED */
		return (info->status & 0xff) << 8 | 0x7f;
	}
}

/* The result to user space, as sys_wait4() and sys_waitid() write it. */
static long krgp_wait_out(const struct krgp_wait_args *a, long ret,
			  const struct krg_waitid_info *info, const struct rusage *ru)
{
	if (ret < 0)
		return ret;
	if (ret > 0 && a->ru && copy_to_user(a->ru, ru, sizeof(*ru)))
		return -EFAULT;
	if (a->wait4) {
		if (ret > 0 && a->stat && put_user(krgp_wait_status(info), a->stat))
			return -EFAULT;
		return ret;
	}
	if (a->infop &&
	    (put_user(ret > 0 ? SIGCHLD : 0, &a->infop->si_signo) ||
	     put_user(0, &a->infop->si_errno) ||
	     put_user(ret > 0 ? info->cause : 0, &a->infop->si_code) ||
	     put_user(ret > 0 ? info->pid : 0, &a->infop->si_pid) ||
	     put_user(ret > 0 ? info->uid : 0, &a->infop->si_uid) ||
	     put_user(ret > 0 ? info->status : 0, &a->infop->si_status)))
		return -EFAULT;
	return 0;
}

long krgp_wait_deferred(const struct krg_sys_call *call)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct krg_waitid_info info;
	struct krgp_wait_args a;
	struct krgp_mproc *mp;
	struct rusage ru;
	pid_t pid = 0, pgid = 0;
	bool soon = false;
	u32 home = 0;
	long ret, local, stub;

	ret = krgp_wait_parse(call, &a);
	if (ret)
		return ret;
	rcu_read_lock();
	mp = krgp_wait_guest(current);
	if (mp) {
		pid = mp->pid;
		home = mp->home;
		pgid = mp->pgid;
	}
	rcu_read_unlock();

	add_wait_queue(&current->signal->wait_chldexit, &wait);
	for (;;) {
		memset(&info, 0, sizeof(info));
		local = krg_hooks_waitid(a.which, a.upid, &info, a.options | WNOHANG,
					 a.ru ? &ru : NULL);
		if (local > 0 || (local < 0 && local != -ECHILD)) {
			ret = local;
			break;
		}
		stub = -ECHILD;
		if (pid) {
			memset(&info, 0, sizeof(info));
			stub = krgp_wait_stub(home, pid, &a, pgid, &info, a.ru ? &ru : NULL,
					      &soon);
			pr_debug("guest %d: waitid here %ld, at its stub %ld\n", pid, local, stub);
			if (stub > 0) {
				ret = stub;
				break;
			}
		}
		if (local == -ECHILD && stub == -ECHILD) {
			ret = -ECHILD;
			break;
		}
		if (a.options & WNOHANG) {
			ret = 0;
			break;
		}
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		wait_woken(&wait, TASK_INTERRUPTIBLE, soon ? KRGP_WAIT_SOON : KRGP_WAIT_POLL);
		soon = false;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	remove_wait_queue(&current->signal->wait_chldexit, &wait);
	return krgp_wait_out(&a, ret, &info, &ru);
}
