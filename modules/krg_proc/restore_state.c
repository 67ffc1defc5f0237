// SPDX-License-Identifier: GPL-2.0
/*
 * Restore, record by record: the ghost stream of a job applied to the
 * current task (a fresh restorer, or the stub of a process coming home).
 * Every field is checked before it is used; records must come in the order
 * ghost.h gives.  What must be done last (credentials, signal state, mm
 * fields) is kept until END.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/elf.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/namei.h>
#include <linux/magic.h>
#include <linux/pagemap.h>
#include <linux/oom.h>
#include <linux/prctl.h>
#include <linux/regset.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/sched/types.h>
#include <asm/vdso.h>

#include "caps.h"
#include "env.h"
#include "migrate.h"
#include "restore_state.h"

/*
 * Is the file opened on the target the one the process had?  The same
 * inode of the same kind of file system (a shared file system); for a
 * device, the same device number; with same_content, also a copy of the
 * same size and modification time (the program and libraries that every
 * node's own root file system holds from one image).
 */
static bool krgp_same_file(const struct krg_gh_ident *a,
			   const struct krg_gh_ident *b, bool same_content)
{
	if ((a->mode & S_IFMT) != (b->mode & S_IFMT))
		return false;
	if (S_ISCHR(a->mode))
		return a->rdev == b->rdev;
	if (a->ino == b->ino && a->generation == b->generation &&
	    a->s_magic == b->s_magic)
		return true;
	return same_content && S_ISREG(a->mode) && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

struct file *krgp_open_same(struct krgp_rs *rs, const char *path,
			    int flags, const struct krg_gh_ident *id,
			    bool same_content)
{
	struct krg_gh_ident now;
	struct file *f;

	f = filp_open(path, flags, 0);
	if (IS_ERR(f)) {
		snprintf(rs->job->why, KRGP_WHY_MAX, "no %s on the target (%ld)",
			 path, PTR_ERR(f));
		return f;
	}
	krgp_ident(file_inode(f), &now);
	if (!krgp_same_file(id, &now, same_content)) {
		snprintf(rs->job->why, KRGP_WHY_MAX, "%s differs on the target", path);
		fput(f);
		return ERR_PTR(-ENOENT);
	}
	return f;
}

/* ---- files --------------------------------------------------------------- */

int krgp_files_clear(void)
{
	unsigned int fd = 0;
	struct file *f;

	for (;; fd++) {
		rcu_read_lock();
		f = task_lookup_next_fd_rcu(current, &fd);
		rcu_read_unlock();
		if (!f)
			return 0;
		close_fd(fd);
	}
}

static int krgp_rs_file(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	const struct krg_gh_file *g = it->data;
	const char *path = krg_ghost_str(it->data, it->len, sizeof(*g));
	int flags, fd;
	struct file *f;

	if (!path || g->kind > KRG_GH_FILE_CHR || g->cloexec > 1 || g->pos < 0)
		return bad(rs, "malformed file record");
	flags = g->flags & VALID_OPEN_FLAGS &
		~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
	if (g->kind == KRG_GH_FILE_DIR)
		flags |= O_DIRECTORY;
	f = krgp_open_same(rs, path, flags, &g->ident, false);
	if (IS_ERR(f))
		return PTR_ERR(f);
	/*
	 * NFS: pages this node cached before the process left are stale (other
	 * nodes wrote since); a partial-page write would send them back.
	 */
	if (file_inode(f)->i_sb->s_magic == NFS_SUPER_MAGIC)
		invalidate_inode_pages2(f->f_mapping);
	if (g->kind != KRG_GH_FILE_CHR && g->pos &&
	    vfs_llseek(f, g->pos, SEEK_SET) != g->pos) {
		fput(f);
		return bad(rs, "%s cannot be positioned at %lld", path, g->pos);
	}
	fd = krgp_rs_slot(rs, g->fd, g->cloexec);
	if (fd < 0) {
		fput(f);
		return fd;
	}
	fd_install(fd, f);
	return 0;
}

/*
 * Fd number want of current, reserved (get_unused_fd_flags) for the next
 * file of the stream, the lower free ones held as holes until END.
 */
int krgp_rs_slot(struct krgp_rs *rs, u32 want, bool cloexec)
{
	int fd;

	if (want >= KRG_GH_FD_MAX || (int)want < rs->next_fd)
		return bad(rs, "malformed file record");
	if (!rs->files_cleared) {
		krgp_files_clear();
		rs->files_cleared = true;
	}
	if (want >= rlimit(RLIMIT_NOFILE))
		return bad(rs, "fd %u is above its RLIMIT_NOFILE", want);
	for (;;) {
		fd = get_unused_fd_flags(cloexec ? O_CLOEXEC : 0);
		if (fd < 0 || fd == want)
			break;
		if (fd > (int)want) {
			put_unused_fd(fd);
			return -EBADF;
		}
		if (krgp_grow((void **)&rs->holes, rs->nr_holes, &rs->max_holes, sizeof(int))) {
			put_unused_fd(fd);
			return -ENOMEM;
		}
		rs->holes[rs->nr_holes++] = fd;
	}
	if (fd >= 0)
		rs->next_fd = fd + 1;
	return fd;
}

/* ---- the rest, at END ----------------------------------------------------- */

static void krgp_set_pwd(const struct path *p)
{
	struct fs_struct *fs = current->fs;
	struct path old;

	path_get(p);
	spin_lock(&fs->lock);
	write_seqcount_begin(&fs->seq);
	old = fs->pwd;
	fs->pwd = *p;
	write_seqcount_end(&fs->seq);
	spin_unlock(&fs->lock);
	path_put(&old);
}

static int krgp_rs_limits(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	const struct krg_gh_rlimits *g = it->data;
	int i;

	for (i = 0; i < KRG_GH_NR_RLIMITS && i < RLIM_NLIMITS; i++)
		if (g->lim[i][0] > g->lim[i][1])
			return bad(rs, "malformed resource limits");
	task_lock(current->group_leader);
	for (i = 0; i < KRG_GH_NR_RLIMITS && i < RLIM_NLIMITS; i++) {
		current->signal->rlim[i].rlim_cur = g->lim[i][0];
		current->signal->rlim[i].rlim_max = g->lim[i][1];
	}
	task_unlock(current->group_leader);
	return 0;
}

/* What a task has of its own in user memory, and its name (current). */
void krgp_own_task_apply(u64 robust_list, u64 clear_child_tid, u64 rseq, u32 rseq_sig,
			 const char *comm)
{
	struct task_struct *t = current;

	t->robust_list = (void __user *)(unsigned long)robust_list;
	t->clear_child_tid = (void __user *)(unsigned long)clear_child_tid;
#ifdef CONFIG_RSEQ
	t->rseq = (void __user *)(unsigned long)rseq;
	t->rseq_sig = rseq_sig;
	if (t->rseq)
		rseq_set_notify_resume(t);
#endif
	task_lock(t);
	strscpy_pad(t->comm, comm, sizeof(t->comm));
	task_unlock(t);
}

static int krgp_rs_task_apply(struct krgp_rs *rs)
{
	const struct krg_gh_task *g = &rs->job->task;
	struct task_struct *t = current;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = g->policy,
		.sched_priority = g->rt_priority,
		.sched_nice = g->nice,
	};
	struct krg_caps caps = {
		.effective = g->krg_caps[0], .permitted = g->krg_caps[1],
		.inheritable_effective = g->krg_caps[2],
		.inheritable_permitted = g->krg_caps[3],
	};
	int dump = (g->flags & KRG_GH_TASK_DUMPABLE_MASK) >> KRG_GH_TASK_DUMPABLE_SHIFT;

	if (g->flags & ~KRG_GH_TASK_FLAGS ||
	    (g->rseq && g->rseq_len != sizeof(struct rseq)) || g->nice < MIN_NICE || g->nice > MAX_NICE || dump > SUID_DUMP_ROOT ||
	    g->pdeath_signal > _NSIG || g->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	    g->oom_score_adj > OOM_SCORE_ADJ_MAX || krgp_caps_check(&caps))
		return bad(rs, "malformed task record");
	if (sched_setattr_nocheck(t, &attr))
		set_user_nice(t, g->nice);
	t->personality = g->personality;
	t->pdeath_signal = g->pdeath_signal;
	if (g->flags & KRG_GH_TASK_NO_NEW_PRIVS)
		task_set_no_new_privs(t);
	t->signal->is_child_subreaper = !!(g->flags & KRG_GH_TASK_SUBREAPER);
	if (g->flags & KRG_GH_TASK_SUBREAPER)
		t->signal->has_child_subreaper = 1;
	t->signal->oom_score_adj = g->oom_score_adj;
	krgp_own_task_apply(g->robust_list, g->clear_child_tid, g->rseq, g->rseq_sig, g->comm);
#ifdef CONFIG_AUDIT
	t->loginuid = make_kuid(&init_user_ns, g->loginuid);
	t->sessionid = g->sessionid;
#endif
	krgp_caps_set_local(current, &caps);
	return 0;
}

/*
 * What a task has of its own in signals: its alternate stack, its mask and
 * the signals pending for it (current, a restored task).
 */
void krgp_own_signals_apply(u64 sas_sp, u64 sas_size, u32 sas_flags, u64 mask,
			    const struct krg_gh_sigqueued *q, u32 nr)
{
	sigset_t blocked;
	u32 i;

	spin_lock_irq(&current->sighand->siglock);
	current->sas_ss_sp = sas_sp;
	current->sas_ss_size = sas_size;
	current->sas_ss_flags = sas_flags;
	spin_unlock_irq(&current->sighand->siglock);
	clear_restore_sigmask();
	blocked.sig[0] = mask;
	sigdelsetmask(&blocked, sigmask(SIGKILL) | sigmask(SIGSTOP));
	sigprocmask(SIG_SETMASK, &blocked, NULL);
	for (i = 0; i < nr; i++) {
		kernel_siginfo_t info;

		memcpy(&info, q[i].info, sizeof(info));
		info.si_signo = q[i].sig;
		send_sig_info(q[i].sig, &info, current);
	}
}

static int krgp_rs_signals_apply(struct krgp_rs *rs)
{
	const struct krg_gh_signals *g = rs->sig;
	const struct krg_gh_sigqueued *q = (const void *)(g + 1);
	struct sighand_struct *sh = current->sighand;
	u32 i;

	for (i = 0; i < KRG_GH_NSIG; i++)
		if (g->action[i].handler >= TASK_SIZE && g->action[i].handler > 1)
			return bad(rs, "malformed signal handler");
	for (i = 0; i < g->nr_queued; i++)
		if (!valid_signal(q[i].sig) || !q[i].sig || q[i].shared > 1)
			return bad(rs, "malformed pending signal");
	spin_lock_irq(&sh->siglock);
	for (i = 0; i < KRG_GH_NSIG; i++) {
		struct k_sigaction *ka = &sh->action[i];

		if (i + 1 == SIGKILL || i + 1 == SIGSTOP)
			continue;
		ka->sa.sa_handler = (__sighandler_t)(unsigned long)g->action[i].handler;
		ka->sa.sa_flags = g->action[i].flags;
		ka->sa.sa_restorer = (__sigrestore_t)(unsigned long)g->action[i].restorer;
		ka->sa.sa_mask.sig[0] = g->action[i].mask;
		sigdelsetmask(&ka->sa.sa_mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
	}
	spin_unlock_irq(&sh->siglock);
	krgp_own_signals_apply(g->sas_ss_sp, g->sas_ss_size, g->sas_ss_flags, g->blocked,
			       q, g->nr_queued);
	return 0;
}

static int krgp_rs_creds_apply(struct krgp_rs *rs)
{
	const struct krg_gh_creds *g = rs->creds;
	const u32 *gids = (const void *)(g + 1);
	struct group_info *gi;
	struct cred *new;
	kuid_t uid[4];
	kgid_t gid[4];
	u32 i;

	uid[0] = make_kuid(&init_user_ns, g->uid);
	uid[1] = make_kuid(&init_user_ns, g->euid);
	uid[2] = make_kuid(&init_user_ns, g->suid);
	uid[3] = make_kuid(&init_user_ns, g->fsuid);
	gid[0] = make_kgid(&init_user_ns, g->gid);
	gid[1] = make_kgid(&init_user_ns, g->egid);
	gid[2] = make_kgid(&init_user_ns, g->sgid);
	gid[3] = make_kgid(&init_user_ns, g->fsgid);
	for (i = 0; i < 4; i++)
		if (!uid_valid(uid[i]) || !gid_valid(gid[i]))
			return bad(rs, "malformed credentials");
	gi = groups_alloc(g->ngroups);
	if (!gi)
		return -ENOMEM;
	for (i = 0; i < g->ngroups; i++) {
		gi->gid[i] = make_kgid(&init_user_ns, gids[i]);
		if (!gid_valid(gi->gid[i])) {
			put_group_info(gi);
			return bad(rs, "malformed credentials");
		}
	}
	groups_sort(gi);
	new = prepare_creds();
	if (!new) {
		put_group_info(gi);
		return -ENOMEM;
	}
	new->uid = uid[0];
	new->euid = uid[1];
	new->suid = uid[2];
	new->fsuid = uid[3];
	new->gid = gid[0];
	new->egid = gid[1];
	new->sgid = gid[2];
	new->fsgid = gid[3];
	new->securebits = g->securebits;
	memcpy(&new->cap_inheritable, &g->cap_inheritable, sizeof(u64));
	memcpy(&new->cap_permitted, &g->cap_permitted, sizeof(u64));
	memcpy(&new->cap_effective, &g->cap_effective, sizeof(u64));
	memcpy(&new->cap_bset, &g->cap_bset, sizeof(u64));
	memcpy(&new->cap_ambient, &g->cap_ambient, sizeof(u64));
	set_groups(new, gi);
	put_group_info(gi);
	commit_creds(new);
	return 0;
}

static int krgp_rs_end(struct krgp_rs *rs)
{
	struct path pwd;
	int ret;
	unsigned int i;

	if (!rs->have_task || !rs->have_mm || !rs->have_fs || !rs->have_time || !rs->creds ||
	    !rs->sig || !rs->job->regs || !rs->job->fpu)
		return bad(rs, "the stream lacks a record");
	if (!rs->mm_cleared) {
		ret = krgp_mm_clear();
		if (ret)
			return ret;
		rs->mm_cleared = true;
	}
	if (!rs->files_cleared) {
		krgp_files_clear();
		rs->files_cleared = true;
	}
	for (i = 0; i < rs->nr_holes; i++)
		put_unused_fd(rs->holes[i]);
	rs->nr_holes = 0;
	ret = krgp_rs_mm_fields(rs);
	if (ret)
		return ret;
	ret = kern_path(rs->cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &pwd);
	if (ret)
		return bad(rs, "its working directory %s does not exist on the target", rs->cwd);
	krgp_set_pwd(&pwd);
	path_put(&pwd);
	current->fs->umask = rs->umask & 0777;
	ret = krgp_rs_task_apply(rs);
	if (!ret)
		ret = krgp_rs_signals_apply(rs);
	if (!ret)
		krgp_time_apply(&rs->time);
	if (!ret)
		ret = krgp_rs_creds_apply(rs);
	/* after the credentials: a change of euid resets it */
	if (!ret)
		set_mask_bits(&current->mm->flags, MMF_DUMPABLE_MASK,
			      (rs->job->task.flags & KRG_GH_TASK_DUMPABLE_MASK) >>
			      KRG_GH_TASK_DUMPABLE_SHIFT);
	return ret;
}

/* ---- one record ------------------------------------------------------------ */

static int krgp_rs_record(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	struct krgp_restore_job *job = rs->job;
	bool repeat = it->type == KRG_GH_VMA || it->type == KRG_GH_FILE ||
		      it->type == KRG_GH_PAGES || it->type == KRG_GH_THREAD ||
		      it->type == KRG_GH_AFD || it->type == KRG_GH_PTIMER;
	unsigned int rank = krg_ghost_rank(it->type);

	if (rs->ended || rank < rs->last_rank ||
	    (rank == rs->last_rank && !repeat))
		return bad(rs, "record %u out of order", it->type);
	rs->last_rank = rank;
	rs->nr_records++;

	switch (it->type) {
	case KRG_GH_TASK:
		if (it->len != sizeof(job->task))
			return bad(rs, "malformed task record");
		memcpy(&job->task, it->data, sizeof(job->task));
		if (job->task.pid != job->pid ||
		    task_tgid_nr_ns(current, task_active_pid_ns(current)) != job->pid)
			return bad(rs, "the stream is not for PID %d", job->pid);
		job->task.comm[15] = 0;
		rs->have_task = true;
		return 0;
	case KRG_GH_CREDS: {
		const struct krg_gh_creds *g = it->data;

		if (g->ngroups > KRG_GH_GROUPS_MAX ||
		    it->len != sizeof(*g) + g->ngroups * sizeof(u32))
			return bad(rs, "malformed credentials");
		rs->creds = kvmalloc(it->len, GFP_KERNEL);
		if (rs->creds)
			memcpy(rs->creds, it->data, it->len);
		return rs->creds ? 0 : -ENOMEM;
	}
	case KRG_GH_REGS:
		if (it->len != sizeof(struct user_regs_struct))
			return bad(rs, "malformed registers");
		job->regs = kmemdup(it->data, it->len, GFP_KERNEL);
		job->regs_len = it->len;
		if (!job->regs)
			return -ENOMEM;
		job->ax = ((struct user_regs_struct *)job->regs)->ax;
		return 0;
	case KRG_GH_FPU:
		if (it->len != krgp_xstate_size())
			return bad(rs, "FPU state of another size (different CPUs?)");
		job->fpu = kmemdup(it->data, it->len, GFP_KERNEL);
		job->fpu_len = it->len;
		return job->fpu ? 0 : -ENOMEM;
	case KRG_GH_SIGNALS: {
		const struct krg_gh_signals *g = it->data;

		if (g->nr_queued > KRG_GH_SIGQUEUE_MAX ||
		    it->len != sizeof(*g) + g->nr_queued * sizeof(struct krg_gh_sigqueued))
			return bad(rs, "malformed signal record");
		rs->sig = kvmalloc(it->len, GFP_KERNEL);
		if (rs->sig)
			memcpy(rs->sig, it->data, it->len);
		return rs->sig ? 0 : -ENOMEM;
	}
	case KRG_GH_TIME:
		if (it->len != sizeof(rs->time) || krgp_time_check(it->data))
			return bad(rs, "malformed time record");
		memcpy(&rs->time, it->data, sizeof(rs->time));
		job->next_timer_id = rs->time.next_timer_id;
		rs->have_time = true;
		return 0;
	case KRG_GH_PTIMER:
		if (it->len != sizeof(struct krg_gh_ptimer) || krgp_ptimer_check(it->data))
			return bad(rs, "malformed POSIX timer record");
		if (job->nr_ptimers && ((const struct krg_gh_ptimer *)it->data)->id <=
		    job->ptimers[job->nr_ptimers - 1].id)
			return bad(rs, "POSIX timers out of order");
		if (job->nr_ptimers == KRG_GH_PTIMERS_MAX)
			return bad(rs, "too many POSIX timers");
		return krgp_rs_ptimer(job, it->data);
	case KRG_GH_RLIMITS:
		if (it->len != sizeof(struct krg_gh_rlimits))
			return bad(rs, "malformed resource limits");
		return krgp_rs_limits(rs, it);
	case KRG_GH_FS: {
		const struct krg_gh_fs *g = it->data;
		const char *p = krg_ghost_str(it->data, it->len, sizeof(*g));

		if (!p || p[0] != '/')
			return bad(rs, "malformed working directory");
		rs->umask = g->umask;
		rs->cwd = kstrdup(p, GFP_KERNEL);
		rs->have_fs = true;
		return rs->cwd ? 0 : -ENOMEM;
	}
	case KRG_GH_MM: {
		const char *p = krg_ghost_str(it->data, it->len, sizeof(rs->mm));

		if (!p)
			return bad(rs, "malformed memory layout");
		memcpy(&rs->mm, it->data, sizeof(rs->mm));
		if (rs->mm.vdso_base != job->vdso_base ||
		    rs->mm.flags & ~KRG_GH_MM_THP_DISABLE ||
		    rs->mm.membarrier & ~(KRG_GH_MEMBARRIER_PRIVATE | KRG_GH_MEMBARRIER_GLOBAL |
					  KRG_GH_MEMBARRIER_SYNC_CORE | KRG_GH_MEMBARRIER_RSEQ))
			return bad(rs, "malformed memory layout");
		rs->exe = kstrdup(p, GFP_KERNEL);
		rs->have_mm = true;
		return rs->exe ? 0 : -ENOMEM;
	}
	case KRG_GH_VMA:
		return krgp_rs_vma(rs, it);
	case KRG_GH_FILE:
		return krgp_rs_file(rs, it);
	case KRG_GH_PAGES:
		return krgp_rs_pages(rs, it);
	case KRG_GH_THREAD:
		return krgp_rs_thread(rs, it);
	case KRG_GH_AFD:
		return krgp_rs_afd(rs, it);
	case KRG_GH_END: {
		const struct krg_gh_end *e = it->data;

		if (it->len != sizeof(*e) || e->nr_records != rs->nr_records - 1 ||
		    e->nr_pages != rs->nr_pages)
			return bad(rs, "the stream is truncated");
		rs->ended = true;
		return krgp_rs_end(rs);
	}
	}
	return bad(rs, "unknown record %u", it->type);
}

/* The next chunk of job, waiting for it; NULL with *err when none comes. */
static void *krgp_next_chunk(struct krgp_restore_job *job, const void **data,
			     size_t *len, int *err)
{
	struct krgp_chunk *ch = NULL;
	long left;

	left = wait_event_killable_timeout(job->wq, ({
		bool ok;
		spin_lock(&job->lock);
		ok = job->state == KRGP_JOB_FAILED || !list_empty(&job->chunks);
		spin_unlock(&job->lock);
		ok; }), msecs_to_jiffies(KRGP_MIG_STEP_MS));
	spin_lock(&job->lock);
	if (job->state == KRGP_JOB_FAILED) {
		*err = job->error ?: -EIO;
	} else if (left <= 0) {
		*err = left ? -EINTR : -ETIMEDOUT;
	} else {
		ch = list_first_entry(&job->chunks, struct krgp_chunk, list);
		list_del(&ch->list);
		job->nr_chunks--;
	}
	spin_unlock(&job->lock);
	if (!ch)
		return NULL;
	wake_up_all(&job->wq);		/* room for the source */
	*data = ch->data;
	*len = ch->len;
	return ch;
}

int krgp_restore_apply(struct krgp_restore_job *job)
{
	struct krgp_rs *rs;
	int ret = 0;

	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs)
		return -ENOMEM;
	rs->job = job;
	while (!ret && !rs->ended) {
		struct krg_ghost_item it;
		const void *data;
		size_t len, off = 0;
		void *ch = krgp_next_chunk(job, &data, &len, &ret);

		if (!ch)
			break;
		if (!rs->hdr_seen) {
			const struct krg_ghost_hdr *h = data;

			if (len < ALIGN(sizeof(*h), KRG_GHOST_ALIGN))
				ret = bad(rs, "the stream has no header");
			else
				ret = krg_ghost_check_hdr(h, krgp_xstate_size());
			if (ret && !job->why[0])
				snprintf(job->why, KRGP_WHY_MAX, ret == -EPROTO ?
					 "ghost stream of another version" :
					 "malformed ghost stream header");
			off = ALIGN(sizeof(*h), KRG_GHOST_ALIGN);
			rs->hdr_seen = true;
		}
		while (!ret) {
			int r = krg_ghost_next(data, len, &off, &it);

			if (r < 0)
				ret = bad(rs, "malformed record framing");
			if (r <= 0)
				break;
			ret = krgp_rs_record(rs, &it);
		}
		if (!ret && !rs->ended && off != len)
			ret = -EINVAL;
		kvfree(ch);
		cond_resched();
	}
	if (!ret && !rs->ended)
		ret = -EIO;
	for (; rs->nr_holes; rs->nr_holes--)
		put_unused_fd(rs->holes[rs->nr_holes - 1]);
	kfree(rs->holes);
	kfree(rs->vmas);
	kfree(rs->exe);
	kfree(rs->cwd);
	if (rs->map_file)
		fput(rs->map_file);
	kfree(rs->map_path);
	kvfree(rs->creds);
	kvfree(rs->sig);
	job->mm_cleared = rs->mm_cleared;
	kfree(rs);
	/* Its anonymous fds: system calls of its own, through the trampoline. */
	if (!ret) {
		long nr = krgp_afd_start(job);

		if (nr > 0)
			return KRGP_RESTORE_EXCURSION;
		ret = nr;
	}
	return krgp_restore_park(job, ret);
}

/*
 * The end of the restore, after the stream and the system calls it needed:
 * the other threads apply their records, then the task waits for GO.
 */
int krgp_restore_park(struct krgp_restore_job *job, int ret)
{
	long left;

	if (ret)
		krgp_afd_release(job);
	/* Its other threads take their own state, in their own context. */
	if (!ret)
		ret = krgp_threads_apply_wait(job);
	if (!ret) {
		/* Parked: the source's GO sets the registers and wakes us. */
		spin_lock(&job->lock);
		if (job->state == KRGP_JOB_RESTORING)
			job->state = KRGP_JOB_PARKED;
		spin_unlock(&job->lock);
		wake_up_all(&job->wq);
		left = wait_event_timeout(job->wq,
					  READ_ONCE(job->state) == KRGP_JOB_RUNNING ||
					  READ_ONCE(job->state) == KRGP_JOB_FAILED,
					  msecs_to_jiffies(KRGP_MIG_STEP_MS));
		if (READ_ONCE(job->state) != KRGP_JOB_RUNNING)
			ret = left ? (job->error ?: -EIO) : -ETIMEDOUT;
	}
	if (ret && !job->error)
		job->error = ret;
	return ret;
}
