// SPDX-License-Identifier: GPL-2.0
/*
 * Migration, the source's side, and the processes that moved (migrate.h).
 *
 * MIGRATE reaches the node the process runs on (its home forwards when it
 * moved).  There the process is checked, then frozen at a safe point in its
 * own context: a task_work queued with TWA_SIGNAL interrupts even a blocked
 * system call, which restarts or returns as after a signal handler.  The
 * task_work captures the state, streams it to the target chunk by chunk,
 * waits for the target to be ready and sends GO.  Until GO succeeded the
 * process goes on here as if nothing happened; after it, the process runs
 * on the target and here the task either ends silently (a guest moving on)
 * or, at home, becomes the process's stub.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/hashtable.h>
#include <linux/mman.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <asm/unistd.h>

#include "krg_comm/krg_comm.h"
#include "caps.h"
#include "env.h"
#include "migrate.h"
#include "wait.h"
#include "rpc.h"
#include "task_table.h"

DEFINE_SPINLOCK(krgp_mproc_lock);
static DEFINE_HASHTABLE(krgp_mproc_hash, 8);
static atomic64_t krgp_mig_seq = ATOMIC64_INIT(0);

/* ---- the registry of processes that moved ------------------------------- */

struct krgp_mproc *krgp_mproc_find(pid_t pid)
{
	struct krgp_mproc *mp;

	hash_for_each_possible_rcu(krgp_mproc_hash, mp, hnode, pid)
		if (mp->pid == pid)
			return mp;
	return NULL;
}

void krgp_mproc_hash_add(struct krgp_mproc *mp)
{
	hash_add_rcu(krgp_mproc_hash, &mp->hnode, mp->pid);
}

void krgp_mproc_unhash(struct krgp_mproc *mp)
{
	hash_del_rcu(&mp->hnode);
	krgp_stub_waits_flush(mp);
}

void krgp_mproc_del(struct krgp_mproc *mp)
{
	spin_lock(&krgp_mproc_lock);
	if (!hlist_unhashed(&mp->hnode))
		krgp_mproc_unhash(mp);
	spin_unlock(&krgp_mproc_lock);
	kfree_rcu(mp, rcu);
}

static struct krgp_mproc *krgp_mproc_add(pid_t pid, enum krgp_mproc_kind kind)
{
	struct krgp_mproc *mp = kzalloc(sizeof(*mp), GFP_KERNEL), *old;

	if (!mp)
		return NULL;
	mp->pid = pid;
	mp->kind = kind;
	mp->task = current;
	mp->home = krgp_pid_home(pid);
	init_waitqueue_head(&mp->wq);
	INIT_LIST_HEAD(&mp->waits);
	spin_lock(&krgp_mproc_lock);
	old = krgp_mproc_find(pid);
	if (old)
		krgp_mproc_unhash(old);	/* a stale entry of an ended task */
	hash_add_rcu(krgp_mproc_hash, &mp->hnode, pid);
	spin_unlock(&krgp_mproc_lock);
	if (old)
		kfree_rcu(old, rcu);
	return mp;
}

bool krgp_is_stub(struct task_struct *t)
{
	struct krgp_mproc *mp;
	bool ret = false;

	rcu_read_lock();
	hash_for_each_possible_rcu(krgp_mproc_hash, mp, hnode,
				   task_tgid_nr_ns(t, task_active_pid_ns(t)))
		if (mp->task == t && mp->kind == KRGP_MP_STUB)
			ret = true;
	rcu_read_unlock();
	return ret;
}

int krgp_stub_location(pid_t pid)
{
	struct krgp_mproc *mp;
	int ret = -ESRCH;

	rcu_read_lock();
	mp = krgp_mproc_find(pid);
	if (mp && mp->kind == KRGP_MP_STUB)
		ret = READ_ONCE(mp->loc);
	rcu_read_unlock();
	return ret;
}

/* A guest's parent (0: outside the cluster), or -1 if t is no guest. */
pid_t krgp_guest_ppid(struct task_struct *t)
{
	struct krgp_mproc *mp;
	pid_t ret = -1;

	rcu_read_lock();
	mp = krgp_mproc_find(task_tgid_nr_ns(t, task_active_pid_ns(t)));
	if (mp && mp->kind == KRGP_MP_GUEST && mp->task == t)
		ret = mp->ppid;
	rcu_read_unlock();
	return ret;
}

/*
 * The copy of a process that moved on and is on its way out (killed after
 * GO, or exiting): its PID is not free yet, and requests for the process
 * are not for it.  A zombie leader whose threads still run is not leaving.
 */
bool krgp_task_leaving(struct task_struct *t)
{
	bool ret;

	if (t->signal->flags & SIGNAL_GROUP_EXIT ||
	    (t->flags & PF_EXITING && !atomic_read(&t->signal->live)))
		return true;
	rcu_read_lock();
	ret = krgp_task_gone(t);
	rcu_read_unlock();
	return ret;
}

bool krgp_task_gone(struct task_struct *t)
{
	struct krgp_mproc *mp = krgp_mproc_find(task_tgid_nr_ns(t, task_active_pid_ns(t)));

	return mp && mp->kind == KRGP_MP_GUEST && mp->task == t->group_leader &&
	       READ_ONCE(mp->gone);
}

/* ---- a guest that ends --------------------------------------------------- */

struct krgp_exit_work {
	struct work_struct work;
	struct krgp_mig_note note;
	u32 home;
};

static void krgp_exit_report(struct work_struct *w)
{
	struct krgp_exit_work *ew = container_of(w, struct krgp_exit_work, work);
	int ret = krgp_call(ew->home, KRGP_OP_MIG_EXIT, &ew->note, sizeof(ew->note),
			    NULL, NULL);

	/* -ESRCH: its stub was killed first and forwarded that kill here */
	if (ret < 0 && ret != -ESRCH)
		pr_warn_ratelimited("the end of process %u could not be reported to node %u (%d)\n",
				    le32_to_cpu(ew->note.pid), ew->home, ret);
	kfree(ew);
	module_put(THIS_MODULE);
}

void krgp_mig_exit(struct task_struct *t)
{
	struct krgp_exit_work *ew;
	struct krgp_mproc *mp;
	pid_t pid;

	if (atomic_read(&t->signal->live))
		return;
	rcu_read_lock();
	pid = task_tgid_nr_ns(t, task_active_pid_ns(t));
	mp = krgp_mproc_find(pid);
	if (!mp || mp->task != t || mp->kind != KRGP_MP_GUEST) {
		rcu_read_unlock();
		return;
	}
	spin_lock(&krgp_mproc_lock);
	krgp_mproc_unhash(mp);
	spin_unlock(&krgp_mproc_lock);
	if (!mp->gone && mp->home != krg_comm_self()) {
		ew = kzalloc(sizeof(*ew), GFP_ATOMIC);
		if (ew && try_module_get(THIS_MODULE)) {
			INIT_WORK(&ew->work, krgp_exit_report);
			ew->home = mp->home;
			ew->note.pid = cpu_to_le32(pid);
			ew->note.value = cpu_to_le32(t->signal->group_exit_code ?:
						     t->exit_code);
			queue_work(system_unbound_wq, &ew->work);
		} else {
			kfree(ew);
			pr_warn_ratelimited("the end of process %d is not reported home\n", pid);
		}
	}
	rcu_read_unlock();
	kfree_rcu(mp, rcu);
}

void krgp_serve_mig_exit(struct krgp_req *req)
{
	const struct krgp_mig_note *n = req->body;
	struct krgp_mproc *mp;
	int ret = -ESRCH;

	spin_lock(&krgp_mproc_lock);
	mp = krgp_mproc_find(le32_to_cpu(n->pid));
	if (mp && mp->kind == KRGP_MP_STUB && mp->loc == req->src) {
		mp->exit_code = le32_to_cpu(n->value) & 0xffff;
		mp->exited = true;
		wake_up_all(&mp->wq);
		ret = 0;
	}
	spin_unlock(&krgp_mproc_lock);
	krgp_reply(req, ret, NULL, 0);
}

void krgp_serve_mig_moved(struct krgp_req *req)
{
	const struct krgp_mig_note *n = req->body;
	u32 node = le32_to_cpu(n->value);
	struct krgp_mproc *mp;
	int ret = -ESRCH;

	if (node >= KRG_MAX_NODES) {
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	spin_lock(&krgp_mproc_lock);
	mp = krgp_mproc_find(le32_to_cpu(n->pid));
	if (mp && mp->kind == KRGP_MP_STUB) {
		mp->loc = node;
		ret = 0;
	}
	spin_unlock(&krgp_mproc_lock);
	krgp_reply(req, ret, NULL, 0);
}

void krgp_mig_node_down(u32 node)
{
	struct krgp_mproc *mp;
	int b;

	spin_lock(&krgp_mproc_lock);
	hash_for_each(krgp_mproc_hash, b, mp, hnode)
		if (mp->kind == KRGP_MP_STUB && mp->loc == node) {
			mp->lost = true;
			wake_up_all(&mp->wq);
		}
	spin_unlock(&krgp_mproc_lock);
	krgp_jobs_node_down(node);
}

/* ---- the source ------------------------------------------------------------ */

struct krgp_mig_req {
	struct callback_head twork;
	refcount_t ref;
	atomic_t state;			/* 0 queued, 1 running, 2 cancelled */
	struct completion done;
	int result;
	u32 target;
	char why[KRGP_WHY_MAX];
};

static void krgp_mig_req_put(struct krgp_mig_req *r)
{
	if (refcount_dec_and_test(&r->ref))
		kfree(r);
}

static int krgp_mig_flush(struct krgp_capture *c)
{
	struct krgp_hdr *hdr = c->b->data;
	struct krgp_mig_data *d = (void *)(hdr + 1);
	void *reply = NULL;
	size_t rlen = 0;
	s64 mono, boot;
	int ret;

	BUILD_BUG_ON((sizeof(*hdr) + sizeof(*d)) % KRG_GHOST_ALIGN);
	hdr->version = KRGP_WIRE_VERSION;
	hdr->op = KRGP_OP_MIG_DATA;
	hdr->flags = 0;
	hdr->len = cpu_to_le32(c->b->len - sizeof(*hdr));
	memset(d, 0, sizeof(*d));
	d->mig_id = cpu_to_le64(c->mig_id);
	d->pid = cpu_to_le32(task_tgid_nr_ns(current, task_active_pid_ns(current)));
	d->seq = cpu_to_le32(c->seq);
	d->flags = cpu_to_le32(c->last ? KRGP_MIG_LAST : 0);
	d->vdso_base = cpu_to_le64(c->vdso_base);
	krgp_proc_clocks(&mono, &boot);
	d->monotonic_ns = cpu_to_le64(mono);
	d->boottime_ns = cpu_to_le64(boot);
	ret = krg_comm_call(c->target, KRG_SVC_PROC, c->b->data, c->b->len,
			    &reply, &rlen, c->last ? 2 * KRGP_MIG_STEP_MS :
			    KRGP_MIG_STEP_MS);
	if (ret < 0 && rlen == sizeof(struct krgp_migrate_result)) {
		struct krgp_migrate_result *res = reply;

		res->why[sizeof(res->why) - 1] = 0;
		if (res->why[0])
			snprintf(c->why, sizeof(c->why), "the target refused it: %s",
				 res->why);
	}
	kvfree(reply);
	c->seq++;
	krg_ghost_buf_reset(c->b);
	return ret < 0 ? ret : 0;
}

/* Tells home where the process runs (its stub forwards there). */
static void krgp_mig_moved(u32 home, pid_t pid, u32 node)
{
	struct krgp_mig_note n = { .pid = cpu_to_le32(pid), .value = cpu_to_le32(node) };

	if (krgp_call(home, KRGP_OP_MIG_MOVED, &n, sizeof(n), NULL, NULL) < 0)
		pr_warn("node %u was not told that process %d runs on node %u\n",
			home, pid, node);
}

static void krgp_mig_ctl(u32 node, u8 op, u64 id)
{
	struct krgp_mig_ctl m = { .mig_id = cpu_to_le64(id) };

	m.pid = cpu_to_le32(task_tgid_nr_ns(current, task_active_pid_ns(current)));
	krgp_call(node, op, &m, sizeof(m), NULL, NULL);
}

/*
 * Under RCU, t frozen: will t's stub have children once it moved?  Its own
 * (a move from home; from elsewhere a process with children is refused),
 * or its stub's already (a guest that moves on).
 */
static bool krgp_mig_children(struct task_struct *t)
{
	struct krgp_mproc *mp;
	struct task_struct *th;

	mp = krgp_mproc_find(task_tgid_nr_ns(t, task_active_pid_ns(t)));
	if (mp && mp->kind == KRGP_MP_GUEST && mp->task == t && mp->stub_children)
		return true;
	for_each_thread(t, th)
		if (!list_empty(&th->children))
			return true;
	return false;
}

static int krgp_mig_source(struct krgp_mig_req *r, struct krgp_capture *c)
{
	struct task_struct *t = current, *init;
	struct pid_namespace *ns = task_active_pid_ns(t);
	struct krg_ghost_buf b;
	struct krgp_env *env;
	pid_t pid = task_tgid_nr_ns(t, ns);
	u32 home = krgp_pid_home(pid), self = krg_comm_self();
	int ret;

	env = krgp_env_get();
	if (!env)
		return -EHOSTDOWN;
	init = env->init;
	task_lock(init);
	if (init->fs)
		get_fs_root(init->fs, &c->env_root);
	task_unlock(init);
	krgp_env_put(env);
	if (!c->env_root.mnt)
		return -EHOSTDOWN;

	ret = krg_ghost_buf_init(&b, sizeof(struct krgp_hdr) + sizeof(struct krgp_mig_data),
				 KRGP_MIG_CHUNK + 4 * PAGE_SIZE);
	if (ret)
		goto out_root;
	c->b = &b;
	c->chunk = KRGP_MIG_CHUNK;
	c->target = r->target;
	c->mig_id = atomic64_inc_return(&krgp_mig_seq);
	c->path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!c->path) {
		ret = -ENOMEM;
		goto out_buf;
	}
	rcu_read_lock();
	c->ppid = krgp_guest_ppid(t);
	if (c->ppid < 0)
		c->ppid = task_tgid_nr_ns(rcu_dereference(t->real_parent), ns);
	c->pgid = task_pgrp_nr_ns(t, ns);
	c->sid = task_session_nr_ns(t, ns);
	c->stub_children = krgp_mig_children(t);
	rcu_read_unlock();
	c->start_time_ns = ktime_get_real_ns() - (ktime_get_boottime_ns() - t->start_boottime);

	ret = krgp_capture_state(c);
	if (!ret) {
		c->last = false;
		ret = krgp_capture_pages(c, krgp_mig_flush);
	}
	if (ret) {
		if (c->seq)
			krgp_mig_ctl(r->target, KRGP_OP_MIG_ABORT, c->mig_id);
		krgp_capture_undo(c);
		goto out_path;
	}
	/*
	 * Home routes signals to the target from now on: the restorer holds
	 * them (all blocked) until the process runs.  Back if GO fails.
	 */
	if (home != self && home != r->target)
		krgp_mig_moved(home, pid, r->target);
	ret = krgp_call(r->target, KRGP_OP_MIG_GO,
			&(struct krgp_mig_ctl){ .mig_id = cpu_to_le64(c->mig_id),
						.pid = cpu_to_le32(pid) },
			sizeof(struct krgp_mig_ctl), NULL, NULL);
	if (ret < 0) {
		snprintf(c->why, sizeof(c->why), "the target could not start it (%d)", ret);
		krgp_mig_ctl(r->target, KRGP_OP_MIG_ABORT, c->mig_id);
		krgp_capture_undo(c);
		if (home != self && home != r->target)
			krgp_mig_moved(home, pid, self);
	}
out_path:
	kfree(c->path);
out_buf:
	krg_ghost_buf_free(&b);
out_root:
	path_put(&c->env_root);
	return ret < 0 ? ret : 0;
}

static void krgp_mig_twork(struct callback_head *cb)
{
	struct krgp_mig_req *r = container_of(cb, struct krgp_mig_req, twork);
	pid_t pid = task_tgid_nr_ns(current, task_active_pid_ns(current));
	u32 home = krgp_pid_home(pid), self = krg_comm_self();
	struct krgp_mproc *mp = NULL, *guest;
	struct krgp_tbar *bar = NULL;
	struct krgp_capture *c;
	u32 r_target;
	int ret;

	if (atomic_cmpxchg(&r->state, 0, 1) != 0) {
		krgp_mig_req_put(r);
		return;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		ret = -ENOMEM;
	} else if (current->flags & PF_EXITING || fatal_signal_pending(current)) {
		ret = -ESRCH;
	} else {
		/* every other thread stops at a barrier first (threads.c) */
		ret = krgp_threads_stop(&bar, c->why);
		c->bar = bar;
		if (!ret)
			ret = krgp_mig_source(r, c);
	}
	if (c && c->why[0])
		strscpy(r->why, c->why, sizeof(r->why));
	if (c) {
		kfree(c->queued);
		kfree(c->ptimers);
	}
	kfree(c);
	if (!ret && home == self) {
		mp = krgp_mproc_add(pid, KRGP_MP_STUB);
		if (mp)
			mp->loc = r->target;
		else
			pr_err("no memory for the stub of process %d: its signals are lost\n", pid);
	} else if (!ret) {
		rcu_read_lock();
		guest = krgp_mproc_find(pid);
		if (guest && guest->task == current)
			guest->gone = true;
		rcu_read_unlock();
	}
	r_target = r->target;
	r->result = ret;
	complete(&r->done);
	krgp_mig_req_put(r);
	if (ret) {
		krgp_threads_release(bar, -1, false);
		return;			/* it goes on here */
	}
	if (home == self) {
		/* its other threads end; this one stays as the stub */
		krgp_threads_release(bar, 1, true);
		if (mp)
			krgp_stub_run(mp);
	} else {
		/* It runs on the target: what arrived meanwhile follows it,
		 * and this copy ends. */
		struct krgp_mproc fwd = { .pid = pid, .loc = r_target };

		krgp_stub_signals(&fwd);
		force_sig(SIGKILL);
		krgp_threads_release(bar, 1, false);
	}
}

/* kill(2)'s rule, or CAP_SYS_ADMIN. */
static bool krgp_mig_may(struct task_struct *t, const struct krgp_wire_cred *who)
{
	const struct cred *c;
	u32 uid = le32_to_cpu(who->uid), euid = le32_to_cpu(who->euid);
	bool ok;

	if (krgp_cred_capable(who, CAP_SYS_ADMIN) || krgp_cred_capable(who, CAP_KILL))
		return true;
	rcu_read_lock();
	c = __task_cred(t);
	ok = uid == from_kuid(&init_user_ns, c->uid) ||
	     uid == from_kuid(&init_user_ns, c->suid) ||
	     euid == from_kuid(&init_user_ns, c->uid) ||
	     euid == from_kuid(&init_user_ns, c->suid);
	rcu_read_unlock();
	return ok;
}

/* What keeps one thread th of process t from moving, or NULL. */
static const char *krgp_mig_thread_check(struct task_struct *t, struct task_struct *th)
{
	const struct cred *a = __task_cred(t), *b = __task_cred(th);

	if (th->ptrace)
		return "is being traced";
	if (th->vfork_done)
		return "is in a vfork()";
#ifdef CONFIG_IO_URING
	if (th->io_uring)
		return "uses io_uring";
#endif
	if (th->seccomp.mode)
		return "runs under seccomp";
	/* Children stay with the home task (wait.c): not here if away. */
	if (!list_empty(&th->children) &&
	    !krgp_pid_is_local_slice(task_tgid_nr_ns(t, task_active_pid_ns(t))))
		return "has children on a node that is not its home (only its home task can keep them)";
	if (th == t)
		return NULL;
	if (th->files != t->files || th->fs != t->fs)
		return "has a file table or working directory of its own";
	if (th->nsproxy != t->nsproxy)
		return "runs in namespaces of its own";
	if (!uid_eq(a->uid, b->uid) || !uid_eq(a->euid, b->euid) ||
	    !uid_eq(a->suid, b->suid) || !uid_eq(a->fsuid, b->fsuid) ||
	    !gid_eq(a->gid, b->gid) || !gid_eq(a->egid, b->egid) ||
	    !gid_eq(a->sgid, b->sgid) || !gid_eq(a->fsgid, b->fsgid) ||
	    a->group_info != b->group_info ||
	    memcmp(&a->cap_effective, &b->cap_effective, sizeof(a->cap_effective)) ||
	    memcmp(&a->cap_permitted, &b->cap_permitted, sizeof(a->cap_permitted)))
		return "has credentials of its own";
	return NULL;
}

static int krgp_mig_check(struct task_struct *t, char *why)
{
	struct task_struct *th;
	struct mm_struct *mm;
	const char *w = NULL;
	pid_t tid = 0;
	int n, nr;

	if (t->flags & PF_KTHREAD)
		return -ESRCH;
	nr = get_nr_threads(t);
	if (t->flags & PF_EXITING || t->exit_state) {
		if (nr > 1 && !(t->signal->flags & SIGNAL_GROUP_EXIT)) {
			snprintf(why, KRGP_WHY_MAX,
				 "its main thread exited while its other threads run");
			return -EBUSY;
		}
		return -ESRCH;
	}
	if (nr > KRG_GH_THREADS_MAX) {
		snprintf(why, KRGP_WHY_MAX, "it has %d threads (at most %d move)",
			 nr, KRG_GH_THREADS_MAX);
		return -EBUSY;
	}
	rcu_read_lock();
	for_each_thread(t, th) {
		if (th->flags & PF_EXITING)
			continue;
		w = krgp_mig_thread_check(t, th);
		if (w) {
			tid = th == t ? 0 : task_pid_nr_ns(th, task_active_pid_ns(t));
			break;
		}
	}
	rcu_read_unlock();
	if (w) {
		if (tid)
			snprintf(why, KRGP_WHY_MAX, "its thread %d %s", tid, w);
		else if (t->vfork_done)
			snprintf(why, KRGP_WHY_MAX, "a vfork() is in progress");
		else
			snprintf(why, KRGP_WHY_MAX, "it %s", w);
		return -EBUSY;
	}
	if (t->files && atomic_read(&t->files->count) > nr) {
		snprintf(why, KRGP_WHY_MAX, "it shares its file table with another process");
		return -EBUSY;
	}
	if (t->fs && t->fs->users > nr) {
		snprintf(why, KRGP_WHY_MAX, "it shares its working directory with another process");
		return -EBUSY;
	}
	if (refcount_read(&t->sighand->count) > nr) {
		snprintf(why, KRGP_WHY_MAX, "it shares its signal handlers with another process");
		return -EBUSY;
	}
	mm = get_task_mm(t);
	if (!mm)
		return -ESRCH;
	n = atomic_read(&mm->mm_users);
	mmput(mm);
	if (n > nr + 1) {
		snprintf(why, KRGP_WHY_MAX, "it shares its memory with another process");
		return -EBUSY;
	}
	if (t->nsproxy && t->nsproxy->mnt_ns != current->nsproxy->mnt_ns &&
	    task_active_pid_ns(current) == task_active_pid_ns(t)) {
		snprintf(why, KRGP_WHY_MAX, "it runs in a mount namespace of its own");
		return -EBUSY;
	}
	return 0;
}

static int krgp_mig_local(struct task_struct *t, u32 node, char *why)
{
	struct krgp_mig_req *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	refcount_set(&r->ref, 2);
	init_completion(&r->done);
	r->target = node;
	init_task_work(&r->twork, krgp_mig_twork);
	ret = task_work_add(t, &r->twork, TWA_SIGNAL);
	if (ret) {
		kfree(r);
		return -ESRCH;
	}
	if (!wait_for_completion_timeout(&r->done, msecs_to_jiffies(KRGP_MIG_STEP_MS))) {
		if (atomic_cmpxchg(&r->state, 0, 2) == 0) {
			/* It never reached a safe point: nothing happened. */
			snprintf(why, KRGP_WHY_MAX, "it did not stop (blocked in the kernel?)");
			krgp_mig_req_put(r);
			return -ETIMEDOUT;
		}
		wait_for_completion(&r->done);	/* every step is bounded */
	}
	ret = r->result;
	if (r->why[0])
		strscpy(why, r->why, KRGP_WHY_MAX);
	krgp_mig_req_put(r);
	return ret;
}

/* Serves MIGRATE here: the process runs here, or its stub is here. */
static int krgp_do_migrate(const struct krgp_migrate_req *r, u32 *now, char *why)
{
	pid_t pid = le32_to_cpu(r->pid);
	u32 node = le32_to_cpu(r->node), self = krg_comm_self();
	struct task_struct *t;
	struct krg_caps caps;
	int loc, ret;

	if (pid <= 1 || pid >= PID_MAX_LIMIT)
		return -ESRCH;
	if (node >= KRG_MAX_NODES) {
		snprintf(why, KRGP_WHY_MAX, "there is no node %u", node);
		return -EINVAL;
	}
	t = krgp_find_task(pid);
	if (t && krgp_task_leaving(t) && krgp_pid_home(pid) != self) {
		/* the copy it left when it moved on: ask home */
		put_task_struct(t);
		t = NULL;
	}
	loc = t && krgp_is_stub(t) ? krgp_stub_location(pid) : -ESRCH;
	if (loc == self)
		loc = -ESRCH;	/* a stub the process came back into (GO done) */
	if (!t || loc >= 0) {
		u32 to = t ? loc : krgp_pid_home(pid);
		struct krgp_migrate_req fwd = *r;
		struct krgp_migrate_result *res;
		void *reply = NULL;
		size_t len = 0;

		if (t)
			put_task_struct(t);
		if (to == self || le32_to_cpu(r->hops) >= KRGP_MIGRATE_HOPS)
			return -ESRCH;
		fwd.hops = cpu_to_le32(le32_to_cpu(r->hops) + 1);
		ret = krgp_call(to, KRGP_OP_MIGRATE, &fwd, sizeof(fwd), &reply, &len);
		if (ret == -EHOSTDOWN)
			ret = -ESRCH;
		if (ret >= 0 && len == sizeof(*res)) {
			res = reply;
			res->why[sizeof(res->why) - 1] = 0;
			strscpy(why, res->why, KRGP_WHY_MAX);
			*now = le32_to_cpu(res->node);
			ret = (int)le32_to_cpu(res->status);
			if (ret > 0 || ret < -MAX_ERRNO)
				ret = -EIO;
		} else if (ret >= 0) {
			ret = -EIO;
		}
		kvfree(reply);
		return ret;
	}
	*now = self;
	if (!krgp_mig_may(t, &r->cred)) {
		ret = -EPERM;
		snprintf(why, KRGP_WHY_MAX, "you may not signal process %d", pid);
	} else if (krgp_caps_get_local(pid, &caps) ||
		   !(caps.effective & BIT(KRG_CAP_CAN_MIGRATE))) {
		ret = -EPERM;
		snprintf(why, KRGP_WHY_MAX, "process %d lacks the CAN_MIGRATE capability", pid);
	} else if (node == self) {
		ret = 0;
	} else if (krg_comm_node_state(node) != KRG_NODE_ONLINE) {
		ret = -EHOSTDOWN;
		snprintf(why, KRGP_WHY_MAX, "node %u is not online", node);
	} else {
		ret = krgp_mig_check(t, why);
		if (!ret)
			ret = krgp_mig_local(t, node, why);
		if (!ret)
			*now = node;
	}
	put_task_struct(t);
	return ret;
}

void krgp_serve_migrate(struct krgp_req *req)
{
	struct krgp_migrate_result res = {};
	u32 now = krg_comm_self();
	int ret = krgp_do_migrate(req->body, &now, res.why);

	/* The status travels in the result, with its reason. */
	res.node = cpu_to_le32(now);
	res.status = cpu_to_le32(ret);
	krgp_reply(req, 0, &res, sizeof(res));
}

int krgp_migrate(pid_t pid, u32 node, u32 *now, struct netlink_ext_ack *extack)
{
	struct krgp_migrate_req r = {
		.pid = cpu_to_le32(pid), .node = cpu_to_le32(node),
	};
	char why[KRGP_WHY_MAX] = "";
	int ret;

	krgp_cred_pack(&r.cred);
	*now = krg_comm_self();
	ret = krgp_do_migrate(&r, now, why);
	if (ret && why[0])
		NL_SET_ERR_MSG_FMT(extack, "%s", why);
	else if (ret == -ESRCH)
		NL_SET_ERR_MSG_FMT(extack, "no cluster process %d", pid);
	else if (ret)
		NL_SET_ERR_MSG_FMT(extack, "migration of process %d failed (%d)", pid, ret);
	return ret;
}

void krgp_migrate_exit(void)
{
	struct krgp_mproc *mp;
	struct hlist_node *tmp;
	int b;

	spin_lock(&krgp_mproc_lock);
	hash_for_each_safe(krgp_mproc_hash, b, tmp, mp, hnode) {
		krgp_mproc_unhash(mp);
		kfree_rcu(mp, rcu);
	}
	spin_unlock(&krgp_mproc_lock);
}
