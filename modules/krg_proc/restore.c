// SPDX-License-Identifier: GPL-2.0
/*
 * Restore: the target's side of a migration.
 *
 * The first chunk of a ghost stream creates a job.  A thread of krginit
 * waiting in RESTORER_WAIT takes it and creates the restorer with clone3()
 * and the process's PID; the restorer calls RESTORE and, in its own context,
 * replaces its memory, files, credentials and signal state with the
 * stream's, chunk by chunk as they arrive (a process is never held twice in
 * the target's memory).  At END it parks; the source's GO then writes the
 * saved registers and FPU state into the parked task through the kernel's
 * regsets -- as ptrace does -- and releases it: RESTORE "returns" into the
 * process where it was stopped.  A process coming back to its home node is
 * restored the same way by its stub instead of a new restorer.
 *
 * Every record is checked before use (ghost.h); a failure before the mm was
 * replaced returns the error to the restorer, which exits; after it, the
 * restorer is killed.  Either way the source is told and keeps the process.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/namei.h>
#include <linux/regset.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/vdso.h>

#include "caps.h"
#include "env.h"
#include "migrate.h"
#include "rpc.h"
#include "task_table.h"

static DEFINE_SPINLOCK(krgp_jobs_lock);
static LIST_HEAD(krgp_jobs);		/* every live job */
static LIST_HEAD(krgp_jobs_waiting);	/* jobs for a new restorer */
static DECLARE_WAIT_QUEUE_HEAD(krgp_restorer_wq);
static bool krgp_jobs_closed;		/* the environment ended */

#define KRGP_MAX_CHUNKS		4	/* queued per job before the source waits */
#define KRGP_REAP_WAIT_MS	5000	/* for a dying copy to free the PID */

void krgp_job_put(struct krgp_restore_job *job)
{
	struct krgp_chunk *ch, *n;

	if (!refcount_dec_and_test(&job->ref))
		return;
	list_for_each_entry_safe(ch, n, &job->chunks, list)
		kvfree(ch);
	if (job->restorer)
		put_task_struct(job->restorer);
	krgp_threads_free(job);
	krgp_afd_free(job);
	kfree(job->regs);
	kfree(job->fpu);
	kfree(job);
}

void krgp_job_fail(struct krgp_restore_job *job, int err, const char *why)
{
	spin_lock(&job->lock);
	if (job->state != KRGP_JOB_RUNNING && job->state != KRGP_JOB_FAILED) {
		job->state = KRGP_JOB_FAILED;
		job->error = err;
		if (why && !job->why[0])
			strscpy(job->why, why, sizeof(job->why));
	}
	spin_unlock(&job->lock);
	wake_up_all(&job->wq);
}

/* A migration's job: its source node and the source's number for it. */
static u64 krgp_job_id(u32 src, __le64 mig_id)
{
	return ((u64)src << 48) | (le64_to_cpu(mig_id) & ((1ULL << 48) - 1));
}

/* The live job id, referenced. */
struct krgp_restore_job *krgp_job_find(u64 id)
{
	struct krgp_restore_job *job;

	spin_lock(&krgp_jobs_lock);
	list_for_each_entry(job, &krgp_jobs, list)
		if (job->id == id) {
			refcount_inc(&job->ref);
			spin_unlock(&krgp_jobs_lock);
			return job;
		}
	spin_unlock(&krgp_jobs_lock);
	return NULL;
}

/* The job the task leader restores (a restorer or a stub), referenced. */
struct krgp_restore_job *krgp_job_find_restorer(struct task_struct *leader)
{
	struct krgp_restore_job *job;
	struct krgp_mproc *mp;

	spin_lock(&krgp_jobs_lock);
	list_for_each_entry(job, &krgp_jobs, list)
		if (job->restorer == leader) {
			refcount_inc(&job->ref);
			spin_unlock(&krgp_jobs_lock);
			return job;
		}
	spin_unlock(&krgp_jobs_lock);
	/* a stub's job may have failed (unlinked) while it created threads */
	job = NULL;
	spin_lock(&krgp_mproc_lock);
	mp = krgp_mproc_find(task_tgid_nr_ns(leader, task_active_pid_ns(leader)));
	if (mp && mp->kind == KRGP_MP_STUB && mp->task == leader && mp->back &&
	    mp->back->restorer == leader) {
		job = mp->back;
		refcount_inc(&job->ref);
	}
	spin_unlock(&krgp_mproc_lock);
	return job;
}

static void krgp_job_unlink(struct krgp_restore_job *job)
{
	bool put = false;

	spin_lock(&krgp_jobs_lock);
	if (!list_empty(&job->list)) {
		list_del_init(&job->list);
		put = true;
	}
	spin_unlock(&krgp_jobs_lock);
	if (put)
		krgp_job_put(job);
}

/* ---- the messages of the source ----------------------------------------- */

/* Waits (bounded) for a copy that moved on to free nr; a task using it. */
static struct task_struct *krgp_pid_user(pid_t nr)
{
	struct task_struct *t = krgp_find_thread(nr);
	int i;

	for (i = 0; t && krgp_task_leaving(t) && i < KRGP_REAP_WAIT_MS / 10; i++) {
		put_task_struct(t);
		msleep(10);
		t = krgp_find_thread(nr);
	}
	return t;
}

static struct krgp_restore_job *krgp_job_new(u32 src, u64 id, pid_t pid,
					     const struct krgp_mig_data *d,
					     pid_t *tids, u32 nr_tids, int *err)
{
	u64 vdso_base = le64_to_cpu(d->vdso_base);
	struct krgp_restore_job *job;
	struct krgp_mproc *mp;
	struct task_struct *t;
	int i;

	if (pid <= 1 || pid >= PID_MAX_LIMIT || vdso_base >= TASK_SIZE_MAX ||
	    !PAGE_ALIGNED(vdso_base)) {
		*err = -EINVAL;
		return NULL;
	}
	if (!krgp_env_ready()) {
		*err = -EHOSTDOWN;
		return NULL;
	}
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		*err = -ENOMEM;
		return NULL;
	}
	refcount_set(&job->ref, 2);	/* the jobs list, the caller */
	job->id = id;
	job->src = src;
	job->pid = pid;
	job->vdso_base = vdso_base;
	if (krgp_time_offsets(le64_to_cpu(d->monotonic_ns), le64_to_cpu(d->boottime_ns),
			      &job->mono_off, &job->boot_off)) {
		kfree(job);
		*err = -EINVAL;
		return NULL;
	}
	spin_lock_init(&job->lock);
	init_waitqueue_head(&job->wq);
	INIT_LIST_HEAD(&job->chunks);
	INIT_LIST_HEAD(&job->list);
	INIT_LIST_HEAD(&job->list_wait);

	job->tramp_fd = -1;
	job->afd_fd = -1;
	if (nr_tids) {
		job->thr = kcalloc(nr_tids, sizeof(*job->thr), GFP_KERNEL);
		if (!job->thr) {
			kfree(job);
			*err = -ENOMEM;
			return NULL;
		}
	}
	/* Its threads' TIDs must be free here, as its PID. */
	for (i = 0; i < nr_tids; i++) {
		t = krgp_pid_user(tids[i]);
		if (t) {
			put_task_struct(t);
			kfree(job->thr);
			kfree(job);
			*err = -EEXIST;
			return NULL;
		}
	}
	job->tids = tids;
	job->nr_tids = nr_tids;
	/* The copy it left here when it moved on may still be on its way out. */
	t = krgp_pid_user(pid);
	spin_lock(&krgp_jobs_lock);
	mp = krgp_mproc_find(pid);
	if (krgp_jobs_closed) {
		*err = -EHOSTDOWN;
	} else if (mp && mp->kind == KRGP_MP_STUB && mp->task == t && !mp->back) {
		/* Coming home: its stub restores it. */
		job->stub = mp;
		job->claimed = true;
		mp->back = job;
		refcount_inc(&job->ref);
		list_add_tail(&job->list, &krgp_jobs);
		*err = 0;
	} else if (t) {
		*err = -EEXIST;		/* the PID is taken here */
	} else {
		list_add_tail(&job->list, &krgp_jobs);
		refcount_inc(&job->ref);
		list_add_tail(&job->list_wait, &krgp_jobs_waiting);
		*err = 0;
	}
	spin_unlock(&krgp_jobs_lock);
	if (t)
		put_task_struct(t);
	if (*err) {
		kfree(job->thr);
		kfree(job);
		return NULL;
	}
	if (job->stub)
		wake_up_all(&job->stub->wq);
	else
		wake_up_all(&krgp_restorer_wq);
	return job;
}

void krgp_serve_mig_data(struct krgp_req *req)
{
	const struct krgp_mig_data *d = req->body;
	struct krgp_migrate_result res = {};
	struct krgp_restore_job *job;
	u64 id = krgp_job_id(req->src, d->mig_id);
	u32 seq = le32_to_cpu(d->seq), flags = le32_to_cpu(d->flags);
	size_t len = req->len - sizeof(*d);
	struct krgp_chunk *ch;
	int ret = 0;
	long left;

	if (flags & ~KRGP_MIG_LAST || !IS_ALIGNED(len, KRG_GHOST_ALIGN)) {
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	if (seq == 0) {
		pid_t *tids;
		u32 nr_tids;

		ret = krgp_stream_tids(d + 1, len, &tids, &nr_tids, res.why);
		if (ret) {
			krgp_reply(req, ret, &res, sizeof(res));
			return;
		}
		job = krgp_job_new(req->src, id, le32_to_cpu(d->pid), d, tids, nr_tids, &ret);
		if (!job)
			kfree(tids);
		if (!job) {
			snprintf(res.why, sizeof(res.why), "%s",
				 ret == -EEXIST ? "its PID or a thread's TID is taken on the target" :
				 ret == -EHOSTDOWN ? "the target is leaving the cluster" :
				 ret == -EINVAL ? "the target found its first message malformed" :
				 "the target had no memory for it");
			krgp_reply(req, ret, &res, sizeof(res));
			return;
		}
	} else {
		job = krgp_job_find(id);
		if (!job) {
			krgp_reply(req, -ENOENT, NULL, 0);
			return;
		}
	}
	ch = kvmalloc(sizeof(*ch) + len, GFP_KERNEL);
	if (!ch) {
		ret = -ENOMEM;
		goto fail;
	}
	memcpy(ch->data, d + 1, len);
	ch->len = len;
	ch->flags = flags;
	/* Flow control: at most a few chunks wait for the restorer. */
	left = wait_event_timeout(job->wq, ({
		bool ok;
		spin_lock(&job->lock);
		ok = job->state == KRGP_JOB_FAILED || job->nr_chunks < KRGP_MAX_CHUNKS;
		spin_unlock(&job->lock);
		ok; }), msecs_to_jiffies(KRGP_MIG_STEP_MS));
	spin_lock(&job->lock);
	if (job->state == KRGP_JOB_FAILED) {
		ret = job->error ?: -EIO;
	} else if (!left) {
		ret = -ETIMEDOUT;
	} else if (seq != job->next_seq) {
		ret = -EPROTO;
	} else {
		list_add_tail(&ch->list, &job->chunks);
		job->nr_chunks++;
		job->next_seq++;
		ch = NULL;
	}
	spin_unlock(&job->lock);
	kvfree(ch);
	if (ret)
		goto fail;
	wake_up_all(&job->wq);
	if (!(flags & KRGP_MIG_LAST)) {
		krgp_reply(req, 0, NULL, 0);
		krgp_job_put(job);
		return;
	}
	/* The whole stream is here: answer once the process is restored. */
	left = wait_event_timeout(job->wq, READ_ONCE(job->state) == KRGP_JOB_PARKED ||
				  READ_ONCE(job->state) == KRGP_JOB_FAILED,
				  msecs_to_jiffies(KRGP_MIG_STEP_MS));
	if (READ_ONCE(job->state) == KRGP_JOB_PARKED) {
		krgp_reply(req, 0, NULL, 0);
		krgp_job_put(job);
		return;
	}
	ret = left ? (job->error ?: -EIO) : -ETIMEDOUT;
fail:
	krgp_job_fail(job, ret, NULL);
	spin_lock(&job->lock);
	strscpy(res.why, job->why, sizeof(res.why));
	spin_unlock(&job->lock);
	krgp_job_unlink(job);
	krgp_reply(req, ret, &res, sizeof(res));
	krgp_job_put(job);
}

/* Waits until t is off every CPU (it parked itself). */
int krgp_wait_inactive(struct task_struct *t)
{
	int i;

	for (i = 0; i < 20000; i++) {
		if (READ_ONCE(t->__state) != TASK_RUNNING && !READ_ONCE(t->on_cpu))
			return 0;
		usleep_range(50, 100);
	}
	return -ETIMEDOUT;
}

static int krgp_job_set_regs(struct krgp_restore_job *job)
{
	struct task_struct *t = job->restorer;
	const struct user_regset *rs;
	int ret;

	ret = krgp_wait_inactive(t);
	if (ret)
		return ret;
	rs = krgp_regset_of(t, NT_PRSTATUS);
	if (!rs || rs->n * rs->size != job->regs_len)
		return -EINVAL;
	ret = rs->set(t, rs, 0, job->regs_len, job->regs, NULL);
	if (ret)
		return ret;
	rs = krgp_regset_of(t, krgp_fpu_note());
	if (!rs || rs->n * rs->size != job->fpu_len)
		return -EINVAL;
	ret = rs->set(t, rs, 0, job->fpu_len, job->fpu, NULL);
	return ret ?: krgp_threads_set_regs(job);
}

void krgp_serve_mig_go(struct krgp_req *req)
{
	const struct krgp_mig_ctl *c = req->body;
	u64 id = krgp_job_id(req->src, c->mig_id);
	struct krgp_restore_job *job = krgp_job_find(id);
	int ret;

	if (!job) {
		krgp_reply(req, -ENOENT, NULL, 0);
		return;
	}
	ret = READ_ONCE(job->state) == KRGP_JOB_PARKED ? krgp_job_set_regs(job) : -EPROTO;
	spin_lock(&job->lock);
	if (!ret && job->state == KRGP_JOB_PARKED)
		job->state = KRGP_JOB_RUNNING;
	else if (!ret)
		ret = job->error ?: -EIO;
	spin_unlock(&job->lock);
	/* Home again: from now on its stub is the process (migrate.c). */
	if (!ret && job->stub)
		WRITE_ONCE(job->stub->loc, krg_comm_self());
	if (ret)
		krgp_job_fail(job, ret, "the registers could not be set");
	else
		wake_up_all(&job->wq);
	krgp_job_unlink(job);
	krgp_reply(req, ret, NULL, 0);
	krgp_job_put(job);
}

void krgp_serve_mig_abort(struct krgp_req *req)
{
	const struct krgp_mig_ctl *c = req->body;
	u64 id = krgp_job_id(req->src, c->mig_id);
	struct krgp_restore_job *job = krgp_job_find(id);

	if (job) {
		krgp_job_fail(job, -ECANCELED, "the source cancelled the migration");
		krgp_job_unlink(job);
		krgp_job_put(job);
	}
	krgp_reply(req, 0, NULL, 0);
}

void krgp_jobs_node_down(u32 node)
{
	struct krgp_restore_job *job;

	spin_lock(&krgp_jobs_lock);
	list_for_each_entry(job, &krgp_jobs, list)
		if (job->src == node)
			krgp_job_fail(job, -EHOSTDOWN, NULL);
	spin_unlock(&krgp_jobs_lock);
}

void krgp_jobs_env_end(void)
{
	struct krgp_restore_job *job;

	spin_lock(&krgp_jobs_lock);
	krgp_jobs_closed = true;
	list_for_each_entry(job, &krgp_jobs, list)
		krgp_job_fail(job, -EHOSTDOWN, NULL);
	spin_unlock(&krgp_jobs_lock);
	wake_up_all(&krgp_restorer_wq);
}

void krgp_jobs_env_start(void)
{
	spin_lock(&krgp_jobs_lock);
	krgp_jobs_closed = false;
	spin_unlock(&krgp_jobs_lock);
}

/* ---- krginit: RESTORER_WAIT ---------------------------------------------- */

long krgp_restorer_wait(void __user *uarg)
{
	struct krg_proc_restore_job out = {};
	struct krgp_restore_job *job = NULL;
	int ret;

	ret = wait_event_interruptible(krgp_restorer_wq, ({
		bool ok;
		spin_lock(&krgp_jobs_lock);
		ok = krgp_jobs_closed || !list_empty(&krgp_jobs_waiting);
		spin_unlock(&krgp_jobs_lock);
		ok; }));
	if (ret)
		return -EINTR;
	spin_lock(&krgp_jobs_lock);
	if (!krgp_jobs_closed) {
		job = list_first_entry_or_null(&krgp_jobs_waiting,
					       struct krgp_restore_job, list_wait);
		if (job)
			list_del_init(&job->list_wait);
	}
	spin_unlock(&krgp_jobs_lock);
	if (job) {
		out.id = job->id;
		out.pid = job->pid;
		out.vdso_base = job->vdso_base;
		out.monotonic_offset_ns = job->mono_off;
		out.boottime_offset_ns = job->boot_off;
		krgp_job_put(job);	/* the waiting list's reference */
	}
	if (copy_to_user(uarg, &out, sizeof(out)))
		return -EFAULT;
	return 0;
}

/* ---- the restorer: RESTORE ------------------------------------------------- */

static struct krgp_mproc *krgp_guest_add(struct krgp_restore_job *job)
{
	struct krgp_mproc *mp = kzalloc(sizeof(*mp), GFP_KERNEL), *old;

	if (!mp)
		return NULL;
	mp->pid = job->pid;
	mp->kind = KRGP_MP_GUEST;
	mp->task = current;
	mp->home = job->task.home;
	mp->ppid = job->task.ppid;
	mp->pgid = job->task.pgid;
	mp->sid = job->task.sid;
	mp->stub_children = job->task.flags & KRG_GH_TASK_STUB_CHILDREN;
	init_waitqueue_head(&mp->wq);
	INIT_LIST_HEAD(&mp->waits);
	spin_lock(&krgp_mproc_lock);
	old = krgp_mproc_find(job->pid);
	if (old)
		krgp_mproc_unhash(old);
	krgp_mproc_hash_add(mp);
	spin_unlock(&krgp_mproc_lock);
	if (old)
		kfree_rcu(old, rcu);
	return mp;
}

long krgp_restore_ioctl(struct file *file, void __user *uarg)
{
	struct krg_proc_restore_job arg;
	struct krgp_restore_job *job;
	struct pid_namespace *ns;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	rcu_read_lock();
	ns = krgp_env_ns_rcu();
	ret = ns && task_active_pid_ns(current) == ns &&
	      task_tgid_nr_ns(current, ns) == (pid_t)arg.pid &&
	      get_nr_threads(current) == 1 ? 0 : -EPERM;
	rcu_read_unlock();
	if (ret)
		return ret;
	job = krgp_job_find(arg.id);
	if (!job)
		return -ENOENT;
	spin_lock(&job->lock);
	if (job->claimed || job->stub || job->pid != (pid_t)arg.pid ||
	    job->state != KRGP_JOB_WAITING) {
		ret = -EBUSY;
	} else {
		job->claimed = true;
		job->state = KRGP_JOB_RESTORING;
		job->restorer = get_task_struct(current);
	}
	spin_unlock(&job->lock);
	if (ret) {
		krgp_job_put(job);
		return ret;
	}
	if (arg.error) {
		krgp_job_fail(job, -(int)min_t(u32, arg.error, MAX_ERRNO),
			      arg.error_step == KRG_PROC_RESTORE_STEP_TIMENS ?
			      "the restorer could not set up the process's clocks (time namespace)" :
			      "the restorer could not place the vDSO where the process had it");
		krgp_job_put(job);
		return -EADDRINUSE;
	}
	get_file(file);		/* the restorer closes its inherited fds */
	if (job->nr_tids) {
		/* its threads first: through the trampoline, back in RESTORE_CONT */
		ret = krgp_tramp_next(job, file);
		if (ret < 0) {
			krgp_job_fail(job, ret, "the restorer could not create the process's threads");
			if (job->tramp)
				force_sig(SIGKILL);
		}
		krgp_job_put(job);
		fput(file);
		return ret;
	}
	ret = krgp_restore_finish(job);
	fput(file);
	return ret;
}

/*
 * The stream applied to current, its threads (if any) created: the end of
 * RESTORE or RESTORE_CONT.  Consumes the caller's reference on job.
 */
long krgp_restore_finish(struct krgp_restore_job *job)
{
	long ret = READ_ONCE(job->state) == KRGP_JOB_FAILED ?
		   (job->error ?: -EIO) : krgp_restore_apply(job);

	if (ret == KRGP_RESTORE_EXCURSION) {
		/* to user mode for a system call; RESTORE_CONT goes on */
		ret = task_pt_regs(current)->ax;
		krgp_job_put(job);
		return ret;
	}
	return krgp_restore_done(job, ret);
}

/* The end of RESTORE or RESTORE_CONT, ret the restore's outcome. */
long krgp_restore_done(struct krgp_restore_job *job, long ret)
{
	krgp_tramp_unmask(job);		/* (a restore that failed while it created threads) */
	if (job->stub)
		return krgp_stub_finish(job, ret);
	if (!ret) {
		if (!krgp_guest_add(job))
			pr_err("process %d runs here without its record (no memory): its end is not reported home\n",
			       job->pid);
		ret = job->ax;		/* becomes the process's rax */
	} else {
		krgp_job_fail(job, ret, NULL);
		if (job->mm_cleared || job->tramp)
			force_sig(SIGKILL);	/* nothing of the restorer is left */
	}
	krgp_job_put(job);
	return ret;
}

int krgp_restore_into_stub(struct krgp_restore_job *job)
{
	struct krgp_env *env;
	struct cred *cr;
	sigset_t all;
	long ret;

	spin_lock(&job->lock);
	if (job->state != KRGP_JOB_WAITING) {
		ret = -EBUSY;
	} else {
		job->state = KRGP_JOB_RESTORING;
		job->restorer = get_task_struct(current);
		ret = 0;
	}
	spin_unlock(&job->lock);
	if (ret)
		return ret;
	if (!job->nr_tids) {
		ret = krgp_restore_apply(job);
		if (ret && ret != KRGP_RESTORE_EXCURSION)
			krgp_job_fail(job, ret, NULL);
		return ret;
	}
	/*
	 * Its threads first, through the trampoline (clone3 with set_tid
	 * needs CAP_CHECKPOINT_RESTORE: the stub has it until END gives it the
	 * process's credentials), with every signal held for the process.
	 */
	env = krgp_env_get();
	cr = prepare_creds();
	if (!env || !cr) {
		if (cr)
			abort_creds(cr);
		ret = env ? -ENOMEM : -EHOSTDOWN;
		goto fail;
	}
	job->stub_cred = get_current_cred();
	cap_raise(cr->cap_effective, CAP_CHECKPOINT_RESTORE);
	commit_creds(cr);
	/* no one may trace it meanwhile (END sets the process's own value) */
	set_mask_bits(&current->mm->flags, MMF_DUMPABLE_MASK, SUID_DUMP_DISABLE);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	ret = krgp_tramp_next(job, env->owner);
	if (ret > 0) {
		krgp_env_put(env);
		return KRGP_RESTORE_EXCURSION;
	}
	krgp_creds_copy(job->stub_cred);
fail:
	if (env)
		krgp_env_put(env);
	krgp_job_fail(job, ret ?: -EIO, "the process's threads could not be created at home");
	return ret ?: -EIO;
}

/*
 * The end of a stub's restore that created threads (krgp_restore_finish):
 * the process runs here again, or the stub goes on being its stub.
 */
long krgp_stub_finish(struct krgp_restore_job *job, long ret)
{
	struct krgp_mproc *mp = job->stub;
	long ax = job->ax;
	bool backref;

	spin_lock(&krgp_mproc_lock);
	backref = mp->back == job;
	if (backref)
		mp->back = NULL;
	spin_unlock(&krgp_mproc_lock);
	if (backref)
		krgp_job_put(job);
	if (!ret) {
		krgp_job_put(job);
		krgp_mproc_del(mp);
		return ax;
	}
	krgp_job_fail(job, ret, NULL);
	krgp_threads_stub_failed(job);
	if (job->stub_cred)
		krgp_creds_copy(job->stub_cred);
	krgp_job_put(job);
	krgp_mm_clear();
	krgp_files_clear();
	krgp_stub_catch_all();
	krgp_stub_run(mp);
	/* what the stub's end or the next return set */
	return task_pt_regs(current)->ax;
}
