// SPDX-License-Identifier: GPL-2.0
/*
 * Threads: a multi-threaded process moves whole, every thread with its TID.
 *
 * Source.  The first thread serves the migration in its task_work and stops
 * every other thread at a barrier: a task_work queued with TWA_SIGNAL on
 * each (a blocked system call restarts or returns as after a signal), which
 * captures what the thread has of its own -- registers, FPU, mask, pending
 * signals, alternate stack, rseq, robust list, clear_child_tid, scheduling,
 * comm -- as a THREAD record, then waits for the outcome.  If the move fails
 * the threads go on as if nothing happened; once GO succeeded they end (at
 * home the first thread stays on as the process's stub).
 *
 * Target.  clone3() with set_tid, the only way to give a thread its TID, is
 * a system call, so the task being restored (a new restorer, or the stub of
 * a process coming home) is sent through a page of user code
 * (trampoline.S) once per thread before the stream is applied: each new
 * thread enters RESTORE_THREAD and waits in the kernel.  The first thread
 * then replaces the memory and the shared state; at END every other thread
 * applies its own record in its own context; GO sets the registers of all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/futex.h>
#include <linux/mman.h>
#include <linux/regset.h>
#include <linux/rseq.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/task_work.h>
#include <uapi/linux/sched/types.h>
#include <asm/unistd.h>

#include <uapi/linux/krg_proc.h>

#include "env.h"
#include "migrate.h"
#include "restore_state.h"
#include "task_table.h"

extern const u8 krgp_tramp_code[], krgp_tramp_exit[], krgp_tramp_code_end[];

#define KRGP_THREADS_GONE_MS	5000	/* for ending threads to be gone */

/* ---- both sides ------------------------------------------------------------ */

/*
 * A page of current holding the trampoline (the code only: no stack, no
 * data it writes).  The kernel writes it with FOLL_FORCE, as ptrace would.
 */
unsigned long krgp_tramp_map(unsigned long *exit_ip)
{
	size_t len = krgp_tramp_code_end - krgp_tramp_code;
	unsigned long page;

	page = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(page))
		return 0;
	if (access_process_vm(current, page, (void *)krgp_tramp_code, len,
			      FOLL_FORCE | FOLL_WRITE) != len) {
		vm_munmap(page, PAGE_SIZE);
		return 0;
	}
	if (exit_ip)
		*exit_ip = page + (krgp_tramp_exit - krgp_tramp_code);
	return page;
}

/* What the kernel would write into a dying copy's memory: not that copy's. */
static void krgp_forget_user_state(void)
{
	struct task_struct *t = current;

	t->robust_list = NULL;
#ifdef CONFIG_COMPAT
	t->compat_robust_list = NULL;
#endif
	t->clear_child_tid = NULL;
#ifdef CONFIG_RSEQ
	t->rseq = NULL;
	t->rseq_sig = 0;
#endif
}

/* A user-mode exit(0) for current at ip (a trampoline's krgp_tramp_exit). */
static void krgp_exit_at(unsigned long ip)
{
	struct pt_regs *regs = task_pt_regs(current);

	regs->ip = ip;
	regs->orig_ax = -1;
}

/* Waits until current is the only thread of its process. */
static bool krgp_threads_gone(void)
{
	int i;

	for (i = 0; i < KRGP_THREADS_GONE_MS; i++) {
		if (get_nr_threads(current) == 1)
			return true;
		usleep_range(1000, 2000);
	}
	return false;
}

int krgp_creds_copy(const struct cred *src)
{
	struct cred *new = prepare_creds();

	if (!new)
		return -ENOMEM;
	new->uid = src->uid;
	new->euid = src->euid;
	new->suid = src->suid;
	new->fsuid = src->fsuid;
	new->gid = src->gid;
	new->egid = src->egid;
	new->sgid = src->sgid;
	new->fsgid = src->fsgid;
	new->securebits = src->securebits;
	new->cap_inheritable = src->cap_inheritable;
	new->cap_permitted = src->cap_permitted;
	new->cap_effective = src->cap_effective;
	new->cap_bset = src->cap_bset;
	new->cap_ambient = src->cap_ambient;
	set_groups(new, src->group_info);
	return commit_creds(new);
}

/* ---- the source ------------------------------------------------------------ */

struct krgp_tcap {
	struct callback_head twork;
	struct krgp_tbar *bar;
	struct task_struct *task;
	struct krg_gh_thread *rec;	/* THREAD payload, kvmalloc'd */
	u32 len;
	int err;			/* -ESRCH: it was exiting, not moved */
};

struct krgp_tbar {
	refcount_t ref;			/* the first thread, each queued task_work */
	wait_queue_head_t wq;
	atomic_t arrived;
	int outcome;			/* 0 pending, 1 moved, -1 stays */
	unsigned long exit_ip;		/* home: where the threads end */
	unsigned int nr;
	struct krgp_tcap t[];
};

static void krgp_tbar_put(struct krgp_tbar *bar)
{
	unsigned int i;

	if (!refcount_dec_and_test(&bar->ref))
		return;
	for (i = 0; i < bar->nr; i++) {
		kvfree(bar->t[i].rec);
		put_task_struct(bar->t[i].task);
	}
	kvfree(bar);
}

/* The record of current: what this thread has of its own. */
static int krgp_cap_thread(struct krgp_tcap *tc)
{
	struct task_struct *t = current;
	struct krg_gh_sigqueued *q;
	struct krg_gh_thread *g;
	struct sigqueue *sq;
	size_t regs_off = sizeof(*g), fpu_off, q_off, len;
	u32 n = 0, xs = krgp_xstate_size();
	void *fpu;
	int ret;

	if (t->posix_cputimers.timers_active) {
		tc->err = -EBUSY;
		return -EBUSY;
	}
	spin_lock_irq(&t->sighand->siglock);
	list_for_each_entry(sq, &t->pending.list, list)
		n++;
	spin_unlock_irq(&t->sighand->siglock);
	n += KRG_GH_NSIG;	/* legacy signals have no queue entry */
	fpu_off = regs_off + ALIGN(sizeof(struct user_regs_struct), KRG_GHOST_ALIGN);
	q_off = fpu_off + ALIGN(xs, KRG_GHOST_ALIGN);
	len = q_off + n * sizeof(*q);
	g = kvzalloc(len, GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	ret = krgp_regs_now((void *)g + regs_off);
	fpu = ret ? NULL : krgp_fpu_now();
	if (ret || IS_ERR(fpu)) {
		kvfree(g);
		return ret ?: PTR_ERR(fpu);
	}
	memcpy((void *)g + fpu_off, fpu, xs);
	kfree(fpu);
	g->tid = task_pid_nr_ns(t, task_active_pid_ns(t));
	g->regs_len = sizeof(struct user_regs_struct);
	g->fpu_len = xs;
	g->sas_ss_sp = t->sas_ss_sp;
	g->sas_ss_size = t->sas_ss_size;
	g->sas_ss_flags = t->sas_ss_flags;
	g->nice = task_nice(t);
	g->policy = t->policy;
	g->rt_priority = t->rt_priority;
#ifdef CONFIG_RSEQ
	g->rseq = (unsigned long)t->rseq;
	g->rseq_len = t->rseq ? sizeof(struct rseq) : 0;
	g->rseq_sig = t->rseq_sig;
#endif
	g->robust_list = (unsigned long)t->robust_list;
	g->robust_list_len = sizeof(*t->robust_list);
	g->clear_child_tid = (unsigned long)t->clear_child_tid;
	get_task_comm(g->comm, t);

	/* Its own pending signals move with it (the process's go with TASK's). */
	q = (void *)g + q_off;
	spin_lock_irq(&t->sighand->siglock);
	g->blocked = test_restore_sigmask() ? t->saved_sigmask.sig[0] : t->blocked.sig[0];
	while (g->nr_queued < n && !sigisemptyset(&t->pending.signal)) {
		kernel_siginfo_t info;
		enum pid_type type;
		sigset_t others = t->pending.signal;
		int sig;

		signotset(&others);
		sig = dequeue_signal(t, &others, &info, &type);
		if (sig <= 0)
			break;
		q[g->nr_queued].sig = sig;
		q[g->nr_queued].shared = 0;
		memcpy(q[g->nr_queued].info, &info, sizeof(q->info));
		g->nr_queued++;
	}
	spin_unlock_irq(&t->sighand->siglock);
	tc->rec = g;
	tc->len = q_off + g->nr_queued * sizeof(*q);
	return 0;
}

static void krgp_tcap_requeue(struct krgp_tcap *tc)
{
	const struct krg_gh_sigqueued *q;
	u32 i;

	if (!tc->rec)
		return;
	q = (void *)tc->rec + tc->len - tc->rec->nr_queued * sizeof(*q);
	for (i = 0; i < tc->rec->nr_queued; i++) {
		kernel_siginfo_t info;

		memcpy(&info, q[i].info, sizeof(info));
		send_sig_info(q[i].sig, &info, current);
	}
}

static void krgp_tcap_twork(struct callback_head *cb)
{
	struct krgp_tcap *tc = container_of(cb, struct krgp_tcap, twork);
	struct krgp_tbar *bar = tc->bar;
	int outcome;

	if (READ_ONCE(bar->outcome) == 0) {
		if (current->flags & PF_EXITING || fatal_signal_pending(current))
			tc->err = -ESRCH;
		else if (!tc->err)
			tc->err = krgp_cap_thread(tc);
	}
	atomic_inc(&bar->arrived);
	wake_up_all(&bar->wq);
	/* The first thread decides within its bounded steps; a kill ends us. */
	while (!READ_ONCE(bar->outcome)) {
		if (wait_event_killable_timeout(bar->wq, READ_ONCE(bar->outcome),
						msecs_to_jiffies(KRGP_MIG_STEP_MS)) < 0)
			break;
	}
	outcome = READ_ONCE(bar->outcome);
	if (fatal_signal_pending(current)) {
		if (outcome > 0)
			krgp_forget_user_state();
	} else if (outcome > 0) {
		krgp_forget_user_state();
		if (bar->exit_ip)
			krgp_exit_at(bar->exit_ip);
	} else {
		krgp_tcap_requeue(tc);
	}
	krgp_tbar_put(bar);
}

static struct krgp_tcap *krgp_tbar_find(struct krgp_tbar *bar, struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < bar->nr; i++)
		if (bar->t[i].task == t)
			return &bar->t[i];
	return NULL;
}

/* A thread of current that is not stopped at bar and not on its way out. */
static pid_t krgp_tbar_missing(struct krgp_tbar *bar)
{
	struct task_struct *t;
	pid_t ret = 0;

	rcu_read_lock();
	for_each_thread(current, t)
		if (t != current && !(t->flags & PF_EXITING) && !krgp_tbar_find(bar, t)) {
			ret = task_pid_vnr(t);
			break;
		}
	rcu_read_unlock();
	return ret;
}

int krgp_threads_stop(struct krgp_tbar **barp, char *why)
{
	int n = get_nr_threads(current) - 1;
	struct krgp_tbar *bar;
	struct task_struct *t;
	unsigned int i = 0, nr;
	long left;
	pid_t tid;

	*barp = NULL;
	if (n <= 0)
		return 0;
	if (n >= KRG_GH_THREADS_MAX) {
		snprintf(why, KRGP_WHY_MAX, "it has %d threads (at most %d move)",
			 n + 1, KRG_GH_THREADS_MAX);
		return -EBUSY;
	}
	bar = kvzalloc(struct_size(bar, t, n), GFP_KERNEL);
	if (!bar)
		return -ENOMEM;
	refcount_set(&bar->ref, 1);
	init_waitqueue_head(&bar->wq);
	rcu_read_lock();
	for_each_thread(current, t) {
		if (t == current || t->flags & PF_EXITING)
			continue;
		if (i == n)
			break;
		bar->t[i++].task = get_task_struct(t);
	}
	rcu_read_unlock();
	bar->nr = nr = i;
	for (i = 0; i < nr; i++) {
		struct krgp_tcap *tc = &bar->t[i];

		tc->bar = bar;
		init_task_work(&tc->twork, krgp_tcap_twork);
		refcount_inc(&bar->ref);
		if (task_work_add(tc->task, &tc->twork, TWA_SIGNAL)) {
			refcount_dec(&bar->ref);
			tc->err = -ESRCH;	/* it is exiting */
			atomic_inc(&bar->arrived);
		}
	}
	*barp = bar;
	left = wait_event_timeout(bar->wq, atomic_read(&bar->arrived) == nr,
				  msecs_to_jiffies(KRGP_MIG_STEP_MS));
	if (!left) {
		snprintf(why, KRGP_WHY_MAX, "one of its threads did not stop");
		return -ETIMEDOUT;
	}
	/* Every thread that runs is stopped: none can create another now. */
	tid = krgp_tbar_missing(bar);
	if (tid) {
		snprintf(why, KRGP_WHY_MAX, "it was creating thread %d: try again", tid);
		return -EAGAIN;
	}
	for (i = 0; i < nr; i++) {
		if (bar->t[i].err == -EBUSY) {
			snprintf(why, KRGP_WHY_MAX, "its thread %d has CPU-time timers",
				 task_pid_vnr(bar->t[i].task));
			return -EBUSY;
		}
		if (bar->t[i].err && bar->t[i].err != -ESRCH)
			return bar->t[i].err;
	}
	return 0;
}

u32 krgp_threads_moving(struct krgp_tbar *bar)
{
	u32 i, n = 0;

	for (i = 0; bar && i < bar->nr; i++)
		n += bar->t[i].rec != NULL;
	return n;
}

static int krgp_tcap_cmp(const void *a, const void *b)
{
	const struct krgp_tcap *x = *(const struct krgp_tcap **)a;
	const struct krgp_tcap *y = *(const struct krgp_tcap **)b;

	return x->rec->tid < y->rec->tid ? -1 : x->rec->tid > y->rec->tid;
}

int krgp_cap_threads(struct krgp_capture *c)
{
	struct krgp_tbar *bar = c->bar;
	struct krgp_tcap **v;
	u32 i, n = 0;
	int ret = 0;

	if (!bar)
		return 0;
	v = kcalloc(bar->nr, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < bar->nr; i++)
		if (bar->t[i].rec)
			v[n++] = &bar->t[i];
	sort(v, n, sizeof(*v), krgp_tcap_cmp, NULL);
	for (i = 0; i < n && !ret; i++) {
		void *rec = krg_ghost_put(c->b, KRG_GH_THREAD, v[i]->len);

		if (IS_ERR(rec))
			ret = PTR_ERR(rec);
		else
			memcpy(rec, v[i]->rec, v[i]->len);
	}
	kfree(v);
	return ret;
}

void krgp_threads_release(struct krgp_tbar *bar, int outcome, bool home)
{
	if (outcome > 0)
		krgp_forget_user_state();	/* this copy ends or becomes the stub */
	if (!bar)
		return;
	if (outcome > 0 && home) {
		/* They end by exit(0), through a page mapped for that. */
		bar->exit_ip = 0;
		if (!krgp_tramp_map(&bar->exit_ip))
			pr_warn("no page to end the threads of process %d: they are killed\n",
				task_tgid_vnr(current));
	}
	WRITE_ONCE(bar->outcome, outcome);
	wake_up_all(&bar->wq);
	krgp_tbar_put(bar);
	if (outcome > 0 && home && !krgp_threads_gone())
		pr_warn("threads of process %d did not end\n", task_tgid_vnr(current));
}

/* ---- the target: TIDs, records, the wait at END, GO ----------------------- */

int krgp_stream_tids(const void *data, size_t len, pid_t **tids, u32 *nr, char *why)
{
	const struct krg_ghost_hdr *h = data;
	size_t off = ALIGN(sizeof(*h), KRG_GHOST_ALIGN);
	struct krg_ghost_item it;
	u32 n = 0, want;
	pid_t *v;
	int r;

	*tids = NULL;
	*nr = 0;
	if (len < off || h->nr_threads < 1 || h->nr_threads > KRG_GH_THREADS_MAX)
		return 0;	/* the restore refuses it with its reason */
	want = h->nr_threads - 1;
	if (!want)
		return 0;
	v = kcalloc(want, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	while ((r = krg_ghost_next(data, len, &off, &it)) > 0) {
		const struct krg_gh_thread *g = it.data;

		if (it.type != KRG_GH_THREAD)
			continue;
		if (n == want || g->tid <= 1 || g->tid >= PID_MAX_LIMIT ||
		    (n && g->tid <= v[n - 1])) {
			snprintf(why, KRGP_WHY_MAX, "the target found its thread records malformed");
			kfree(v);
			return -EINVAL;
		}
		v[n++] = g->tid;
	}
	if (r < 0 || n != want) {
		snprintf(why, KRGP_WHY_MAX, "the target found its thread records malformed");
		kfree(v);
		return -EINVAL;
	}
	*tids = v;
	*nr = n;
	return 0;
}

int krgp_rs_thread(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	struct krgp_restore_job *job = rs->job;
	const struct krg_gh_thread *g = it->data;
	const struct krg_gh_sigqueued *q;
	size_t fpu_off, q_off;
	struct krgp_rthread *rt;
	u32 i;

	if (job->nr_recs >= job->nr_tids || g->tid != job->tids[job->nr_recs])
		return bad(rs, "thread records out of order");
	fpu_off = sizeof(*g) + ALIGN(sizeof(struct user_regs_struct), KRG_GHOST_ALIGN);
	q_off = fpu_off + ALIGN(krgp_xstate_size(), KRG_GHOST_ALIGN);
	if (g->regs_len != sizeof(struct user_regs_struct) ||
	    g->fpu_len != krgp_xstate_size() || g->nr_queued > KRG_GH_SIGQUEUE_MAX ||
	    it->len != q_off + g->nr_queued * sizeof(*q) ||
	    (g->rseq && g->rseq_len != sizeof(struct rseq)) ||
	    g->nice < MIN_NICE || g->nice > MAX_NICE ||
	    g->sas_ss_flags & ~(SS_DISABLE | SS_ONSTACK | SS_FLAG_BITS) ||
	    g->sas_ss_sp >= TASK_SIZE_MAX || g->robust_list >= TASK_SIZE_MAX ||
	    g->clear_child_tid >= TASK_SIZE_MAX || g->rseq >= TASK_SIZE_MAX ||
	    strnlen(g->comm, sizeof(g->comm)) == sizeof(g->comm))
		return bad(rs, "malformed thread record");
	q = (const void *)g + q_off;
	for (i = 0; i < g->nr_queued; i++)
		if (!q[i].sig || !valid_signal(q[i].sig))
			return bad(rs, "malformed pending signal");
	rt = &job->thr[job->nr_recs];
	rt->rec = kvmalloc(it->len, GFP_KERNEL);
	if (!rt->rec)
		return -ENOMEM;
	memcpy(rt->rec, g, it->len);
	rt->len = it->len;
	rt->ax = ((const struct user_regs_struct *)((const void *)g + sizeof(*g)))->ax;
	job->nr_recs++;
	return 0;
}

/* Current, a new thread of the process, takes its record's state. */
static int krgp_thread_apply(struct krgp_restore_job *job, struct krgp_rthread *rt)
{
	const struct krg_gh_thread *g = rt->rec;
	const struct krg_gh_sigqueued *q = (const void *)g + rt->len -
					   g->nr_queued * sizeof(*q);
	struct task_struct *t = current;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = g->policy,
		.sched_priority = g->rt_priority,
		.sched_nice = g->nice,
	};
	const struct cred *leader;
	int ret;

	leader = get_task_cred(job->restorer);
	ret = krgp_creds_copy(leader);
	put_cred(leader);
	if (ret)
		return ret;
	if (sched_setattr_nocheck(t, &attr))
		set_user_nice(t, g->nice);
	t->personality = job->task.personality;
	if (job->task.flags & KRG_GH_TASK_NO_NEW_PRIVS)
		task_set_no_new_privs(t);
#ifdef CONFIG_AUDIT
	t->loginuid = make_kuid(&init_user_ns, job->task.loginuid);
	t->sessionid = job->task.sessionid;
#endif
	krgp_own_task_apply(g->robust_list, g->clear_child_tid, g->rseq, g->rseq_sig, g->comm);
	krgp_own_signals_apply(g->sas_ss_sp, g->sas_ss_size, g->sas_ss_flags, g->blocked,
			       q, g->nr_queued);
	return 0;
}

/* The first thread at END, its own state applied: now the others. */
int krgp_threads_apply_wait(struct krgp_restore_job *job)
{
	long left;

	if (!job->nr_tids)
		return 0;
	if (job->nr_recs != job->nr_tids) {
		snprintf(job->why, KRGP_WHY_MAX, "the stream lacks a thread record");
		return -EINVAL;
	}
	spin_lock(&job->lock);
	job->threads_apply = true;
	spin_unlock(&job->lock);
	wake_up_all(&job->wq);
	left = wait_event_timeout(job->wq, READ_ONCE(job->nr_applied) == job->nr_tids ||
				  READ_ONCE(job->state) == KRGP_JOB_FAILED,
				  msecs_to_jiffies(KRGP_MIG_STEP_MS));
	if (READ_ONCE(job->state) == KRGP_JOB_FAILED)
		return job->error ?: -EIO;
	return left ? 0 : -ETIMEDOUT;
}

int krgp_threads_set_regs(struct krgp_restore_job *job)
{
	unsigned int note = krgp_fpu_note();
	u32 i;
	int ret;

	for (i = 0; i < job->nr_tids; i++) {
		struct krgp_rthread *rt = &job->thr[i];
		const void *regs = (const void *)rt->rec + sizeof(*rt->rec);
		const void *fpu = regs + ALIGN(rt->rec->regs_len, KRG_GHOST_ALIGN);
		const struct user_regset *rs;

		if (!rt->task)
			return -ESRCH;
		ret = krgp_wait_inactive(rt->task);
		if (ret)
			return ret;
		rs = krgp_regset_of(rt->task, NT_PRSTATUS);
		if (!rs || rs->n * rs->size != rt->rec->regs_len)
			return -EINVAL;
		ret = rs->set(rt->task, rs, 0, rt->rec->regs_len, regs, NULL);
		if (ret)
			return ret;
		rs = krgp_regset_of(rt->task, note);
		if (!rs || rs->n * rs->size != rt->rec->fpu_len)
			return -EINVAL;
		ret = rs->set(rt->task, rs, 0, rt->rec->fpu_len, fpu, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

void krgp_threads_free(struct krgp_restore_job *job)
{
	u32 i;

	for (i = 0; job->thr && i < job->nr_tids; i++) {
		kvfree(job->thr[i].rec);
		if (job->thr[i].task)
			put_task_struct(job->thr[i].task);
	}
	kfree(job->thr);
	kfree(job->tids);
	if (job->stub_cred)
		put_cred(job->stub_cred);
}

/* ---- the target: creating the threads ---------------------------------------- */

/* What the trampoline page holds after its code. */
#define KRGP_TRAMP_ARGS		512	/* struct clone_args */
#define KRGP_TRAMP_TID		640	/* set_tid[1] */
#define KRGP_TRAMP_ID		648	/* the job id, RESTORE_THREAD's argument */

/* The creator of the threads takes its own mask again. */
void krgp_tramp_unmask(struct krgp_restore_job *job)
{
	if (job->create_masked) {
		sigprocmask(SIG_SETMASK, &job->create_blocked, NULL);
		job->create_masked = false;
	}
}

long krgp_tramp_next(struct krgp_restore_job *job, struct file *dev)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct clone_args args = {
		.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			 CLONE_THREAD | CLONE_SYSVSEM,
	};
	pid_t tid;
	u64 id = job->id;

	BUILD_BUG_ON(KRGP_TRAMP_ARGS + sizeof(args) > KRGP_TRAMP_TID);
	if (job->nr_created == job->nr_tids) {
		krgp_tramp_unmask(job);
		return 0;
	}
	if (!job->tramp) {
		sigset_t all;
		int fd;

		/*
		 * The new threads are born with every signal blocked (their
		 * creator's mask) until each takes its own mask with its
		 * state: a signal that comes meanwhile (a timer the process
		 * armed, one forwarded to it) waits for them.
		 */
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, &job->create_blocked);
		job->create_masked = true;

		if (krgp_tramp_code_end - krgp_tramp_code > KRGP_TRAMP_ARGS)
			return -EINVAL;
		job->tramp = krgp_tramp_map(NULL);
		if (!job->tramp)
			return -ENOMEM;
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0)
			return fd;
		fd_install(fd, get_file(dev));
		job->tramp_fd = fd;
	}
	tid = job->tids[job->nr_created];
	args.set_tid = job->tramp + KRGP_TRAMP_TID;
	args.set_tid_size = 1;
	if (access_process_vm(current, job->tramp + KRGP_TRAMP_ARGS, &args, sizeof(args),
			      FOLL_FORCE | FOLL_WRITE) != sizeof(args) ||
	    access_process_vm(current, job->tramp + KRGP_TRAMP_TID, &tid, sizeof(tid),
			      FOLL_FORCE | FOLL_WRITE) != sizeof(tid) ||
	    access_process_vm(current, job->tramp + KRGP_TRAMP_ID, &id, sizeof(id),
			      FOLL_FORCE | FOLL_WRITE) != sizeof(id))
		return -EFAULT;
	regs->ip = job->tramp;
	regs->ax = __NR_clone3;
	regs->orig_ax = -1;
	regs->di = job->tramp + KRGP_TRAMP_ARGS;
	regs->si = sizeof(args);
	regs->r12 = job->tramp_fd;
	regs->r13 = KRG_PROC_IOC_RESTORE_THREAD;
	regs->r14 = job->tramp + KRGP_TRAMP_ID;
	regs->r15 = KRG_PROC_IOC_RESTORE_CONT;
	return __NR_clone3;
}

/* RESTORE_CONT after a system call for an anonymous fd (anonfd.c). */
static long krgp_afd_cont_ioctl(struct krgp_restore_job *job, struct file *file, long result)
{
	long ret;

	get_file(file);		/* its fd is closed with the trampoline */
	if (READ_ONCE(job->state) == KRGP_JOB_FAILED)
		ret = job->error ?: -EIO;
	else
		ret = krgp_afd_cont(job, result);
	if (ret > 0) {
		krgp_job_put(job);
		fput(file);
		return ret;	/* to the trampoline again */
	}
	ret = krgp_restore_park(job, ret);
	ret = krgp_restore_done(job, ret);	/* consumes our reference */
	fput(file);
	return ret;
}

long krgp_restore_cont_ioctl(struct file *file, long result)
{
	struct krgp_restore_job *job = krgp_job_find_restorer(current);
	pid_t tid;
	long ret;

	if (!job)
		return -EPERM;
	if (job->afd_active)
		return krgp_afd_cont_ioctl(job, file, result);
	if (!job->tramp || job->nr_created >= job->nr_tids) {
		/* only the trampoline calls it, once per thread */
		krgp_job_put(job);
		return -EPERM;
	}
	tid = job->tids[job->nr_created];
	if (READ_ONCE(job->state) == KRGP_JOB_FAILED) {
		ret = job->error ?: -EIO;	/* cancelled meanwhile: no more threads */
		if (result == tid)
			job->nr_created++;
	} else if (result != tid) {
		if (result == -EEXIST)
			snprintf(job->why, KRGP_WHY_MAX, "its thread %d has a TID taken on the target",
				 tid);
		else
			snprintf(job->why, KRGP_WHY_MAX,
				 "the target could not create its thread %d (%ld)", tid, result);
		ret = result < 0 ? result : -EINVAL;
	} else {
		job->nr_created++;
		ret = krgp_tramp_next(job, NULL);
		if (ret > 0) {
			krgp_job_put(job);
			return ret;	/* to the trampoline again */
		}
	}
	if (!ret) {
		long left;

		/* (the new threads enter RESTORE_THREAD through its fd) */
		left = wait_event_timeout(job->wq,
					  READ_ONCE(job->nr_registered) == job->nr_tids ||
					  READ_ONCE(job->state) == KRGP_JOB_FAILED,
					  msecs_to_jiffies(KRGP_MIG_STEP_MS));
		if (!left)
			ret = -ETIMEDOUT;
		close_fd(job->tramp_fd);
		job->tramp_fd = -1;
	}
	if (ret)
		krgp_job_fail(job, ret, NULL);
	get_file(file);		/* the restore closes every fd */
	ret = krgp_restore_finish(job);	/* consumes our reference */
	fput(file);
	return ret;
}

static bool krgp_rthread_cond(struct krgp_restore_job *job, bool apply)
{
	int st = READ_ONCE(job->state);

	if (st == KRGP_JOB_FAILED)
		return true;
	return apply ? READ_ONCE(job->threads_apply) : st == KRGP_JOB_RUNNING;
}

/* Waits while the first thread restores: each of its steps is bounded. */
static int krgp_rthread_wait(struct krgp_restore_job *job, bool apply)
{
	while (!krgp_rthread_cond(job, apply)) {
		long left = wait_event_killable_timeout(job->wq, krgp_rthread_cond(job, apply),
							msecs_to_jiffies(KRGP_MIG_STEP_MS));

		if (left < 0)
			return -EINTR;
		if (!left && job->restorer->flags & PF_EXITING)
			return -ESRCH;
	}
	return READ_ONCE(job->state) == KRGP_JOB_FAILED ? -EIO : 0;
}

long krgp_restore_thread_ioctl(void __user *uarg)
{
	pid_t tid = task_pid_vnr(current);
	struct krgp_restore_job *job;
	struct krgp_rthread *rt = NULL;
	u64 id;
	u32 i;
	int ret;

	if (copy_from_user(&id, uarg, sizeof(id)))
		return -EFAULT;
	job = krgp_job_find(id);
	if (!job)
		return -ENOENT;
	ret = -EPERM;
	spin_lock(&job->lock);
	if (job->restorer && current != job->restorer &&
	    same_thread_group(current, job->restorer) && job->state == KRGP_JOB_RESTORING)
		for (i = 0; i < job->nr_tids; i++)
			if (job->tids[i] == tid && !job->thr[i].task) {
				rt = &job->thr[i];
				rt->task = get_task_struct(current);
				job->nr_registered++;
				ret = 0;
				break;
			}
	spin_unlock(&job->lock);
	if (ret) {
		krgp_job_put(job);
		return ret;
	}
	wake_up_all(&job->wq);
	ret = krgp_rthread_wait(job, true);
	if (!ret) {
		ret = krgp_thread_apply(job, rt);
		if (ret)
			krgp_job_fail(job, ret, "a thread could not take its state");
		spin_lock(&job->lock);
		job->nr_applied++;
		spin_unlock(&job->lock);
		wake_up_all(&job->wq);
	}
	if (!ret)
		ret = krgp_rthread_wait(job, false);
	if (!ret) {
		ret = rt->ax;		/* GO set the rest of its registers */
	} else if (job->stub) {
		/* The stub lives on: this thread ends through the page it maps. */
		unsigned long ip = 0;
		int k;

		for (k = 0; k < KRGP_THREADS_GONE_MS && !fatal_signal_pending(current); k++) {
			ip = READ_ONCE(job->exit_page);
			if (ip)
				break;
			usleep_range(1000, 2000);
		}
		if (ip > 1)
			krgp_exit_at(ip);
		else
			force_sig(SIGKILL);
	} else {
		force_sig(SIGKILL);	/* the restorer ends too: the job failed */
	}
	krgp_job_put(job);
	return ret;
}

/*
 * A stub whose restore failed after it created threads: they end (exit(0)
 * through a new trampoline page), then it is a stub again.
 */
void krgp_threads_stub_failed(struct krgp_restore_job *job)
{
	unsigned long ip = 0;

	if (!job->nr_created)
		return;
	if (!krgp_tramp_map(&ip))
		ip = 0;
	WRITE_ONCE(job->exit_page, ip ?: 1);
	wake_up_all(&job->wq);
	if (!krgp_threads_gone())
		pr_warn("threads of process %d did not end after a failed return\n",
			task_tgid_vnr(current));
}
