// SPDX-License-Identifier: GPL-2.0
/*
 * Capture: the current task, frozen in its own migration task_work, written
 * as ghost records (ghost.h).  The state records first (one chunk), then
 * its memory as PAGES records, chunk after chunk, then END (capture_mm.c).
 *
 * What cannot move yet is refused here with a reason for the user: the
 * refusal leaves the process exactly as it was.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/ioprio.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/posix-timers.h>
#include <linux/regset.h>
#include <linux/rseq.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <asm/vdso.h>
#include <linux/elf.h>
#include <linux/futex.h>

#include "caps.h"
#include "env.h"
#include "migrate.h"
#include "task_table.h"

#define why(fmt, ...) snprintf(c->why, sizeof(c->why), fmt, ##__VA_ARGS__)

const struct user_regset *krgp_regset_of(struct task_struct *t,
					  unsigned int note)
{
	const struct user_regset_view *v = task_user_regset_view(t);
	int i;

	for (i = 0; i < v->n; i++)
		if (v->regsets[i].core_note_type == note)
			return &v->regsets[i];
	return NULL;
}

u32 krgp_xstate_size(void)
{
	const struct user_regset *rs = krgp_regset_of(current, NT_X86_XSTATE);

	if (rs && (!rs->active || rs->active(current, rs) > 0))
		return rs->n * rs->size;
	rs = krgp_regset_of(current, NT_PRFPREG);
	return rs ? rs->n * rs->size : 0;
}

unsigned int krgp_fpu_note(void)
{
	const struct user_regset *rs = krgp_regset_of(current, NT_X86_XSTATE);

	return rs && (!rs->active || rs->active(current, rs) > 0) ?
		NT_X86_XSTATE : NT_PRFPREG;
}

void krgp_ident(struct inode *inode, struct krg_gh_ident *id)
{
	id->ino = inode->i_ino;
	id->size = i_size_read(inode);
	id->mtime_sec = inode->i_mtime.tv_sec;
	id->mtime_nsec = inode->i_mtime.tv_nsec;
	id->ctime_sec = inode->i_ctime.tv_sec;
	id->ctime_nsec = inode->i_ctime.tv_nsec;
	id->generation = inode->i_generation;
	id->s_magic = inode->i_sb->s_magic;
	id->mode = inode->i_mode;
	id->rdev = new_encode_dev(inode->i_rdev);
}

/* ---- task, credentials, registers, signals ------------------------------ */

static int krgp_cap_task(struct krgp_capture *c)
{
	struct task_struct *t = current;
	struct krg_gh_task *g;
	struct krg_caps caps;
	struct pid_namespace *ns = task_active_pid_ns(t);

	g = krg_ghost_put(c->b, KRG_GH_TASK, sizeof(*g));
	if (IS_ERR(g))
		return PTR_ERR(g);
	g->pid = task_tgid_nr_ns(t, ns);
	g->ppid = c->ppid;
	g->pgid = c->pgid;
	g->sid = c->sid;
	g->home = krgp_pid_home(g->pid);
	g->personality = t->personality;
	g->exit_signal = t->exit_signal;
	g->pdeath_signal = t->pdeath_signal;
	if (task_no_new_privs(t))
		g->flags |= KRG_GH_TASK_NO_NEW_PRIVS;
	if (t->signal->is_child_subreaper)
		g->flags |= KRG_GH_TASK_SUBREAPER;
	if (c->stub_children)
		g->flags |= KRG_GH_TASK_STUB_CHILDREN;
	g->flags |= (get_dumpable(t->mm) << KRG_GH_TASK_DUMPABLE_SHIFT) &
		    KRG_GH_TASK_DUMPABLE_MASK;
	g->nice = task_nice(t);
	g->policy = t->policy;
	g->rt_priority = t->rt_priority;
	g->oom_score_adj = t->signal->oom_score_adj;
#ifdef CONFIG_RSEQ
	g->rseq = (unsigned long)t->rseq;
	g->rseq_len = t->rseq ? sizeof(struct rseq) : 0;
	g->rseq_sig = t->rseq_sig;
#endif
	g->robust_list = (unsigned long)t->robust_list;
	g->robust_list_len = sizeof(*t->robust_list);
	g->clear_child_tid = (unsigned long)t->clear_child_tid;
	if (!krgp_caps_get_local(g->pid, &caps)) {
		g->krg_caps[0] = caps.effective;
		g->krg_caps[1] = caps.permitted;
		g->krg_caps[2] = caps.inheritable_effective;
		g->krg_caps[3] = caps.inheritable_permitted;
	}
	g->start_time_ns = c->start_time_ns;
	g->loginuid = (u32)-1;
	g->sessionid = (u32)-1;
#ifdef CONFIG_AUDIT
	if (uid_valid(t->loginuid))
		g->loginuid = from_kuid(&init_user_ns, t->loginuid);
	g->sessionid = t->sessionid;
#endif
	get_task_comm(g->comm, t);
	return 0;
}

static int krgp_cap_creds(struct krgp_capture *c)
{
	const struct cred *cr = current_cred();
	struct group_info *gi = cr->group_info;
	struct krg_gh_creds *g;
	u32 i, n = gi->ngroups;

	if (cr->user_ns != &init_user_ns) {
		why("it runs in a user namespace");
		return -EBUSY;
	}
	if (n > KRG_GH_GROUPS_MAX)
		return -E2BIG;
	g = krg_ghost_put(c->b, KRG_GH_CREDS, sizeof(*g) + n * sizeof(u32));
	if (IS_ERR(g))
		return PTR_ERR(g);
	g->uid = from_kuid(&init_user_ns, cr->uid);
	g->euid = from_kuid(&init_user_ns, cr->euid);
	g->suid = from_kuid(&init_user_ns, cr->suid);
	g->fsuid = from_kuid(&init_user_ns, cr->fsuid);
	g->gid = from_kgid(&init_user_ns, cr->gid);
	g->egid = from_kgid(&init_user_ns, cr->egid);
	g->sgid = from_kgid(&init_user_ns, cr->sgid);
	g->fsgid = from_kgid(&init_user_ns, cr->fsgid);
	g->securebits = cr->securebits;
	g->ngroups = n;
	memcpy(&g->cap_inheritable, &cr->cap_inheritable, sizeof(u64));
	memcpy(&g->cap_permitted, &cr->cap_permitted, sizeof(u64));
	memcpy(&g->cap_effective, &cr->cap_effective, sizeof(u64));
	memcpy(&g->cap_bset, &cr->cap_bset, sizeof(u64));
	memcpy(&g->cap_ambient, &cr->cap_ambient, sizeof(u64));
	for (i = 0; i < n; i++)
		((u32 *)(g + 1))[i] = from_kgid(&init_user_ns, gi->gid[i]);
	return 0;
}

/*
 * The general registers as the process must resume: the task_work runs
 * before the kernel's syscall-restart fixup, so it is applied here to the
 * copy, as after a signal without handler; a restart block is kernel state
 * and becomes EINTR.
 */
int krgp_regs_now(struct user_regs_struct *u)
{
	const struct user_regset *rs = krgp_regset_of(current, NT_PRSTATUS);
	void *data;
	int size;

	if (!rs)
		return -EOPNOTSUPP;
	size = regset_get_alloc(current, rs, rs->n * rs->size, &data);
	if (size < 0)
		return size;
	if (size != sizeof(*u)) {
		kfree(data);
		return -EINVAL;
	}
	memcpy(u, data, sizeof(*u));
	kfree(data);
	if ((long)u->orig_ax >= 0) {
		switch ((long)u->ax) {
		case -ERESTARTSYS:
		case -ERESTARTNOHAND:
		case -ERESTARTNOINTR:
			u->ax = u->orig_ax;
			u->ip -= 2;
			break;
		case -ERESTART_RESTARTBLOCK:
			u->ax = -EINTR;
			break;
		}
	}
	u->orig_ax = -1;
	return 0;
}

void *krgp_fpu_now(void)
{
	const struct user_regset *rs = krgp_regset_of(current, krgp_fpu_note());
	void *data;
	int size;

	if (!rs)
		return ERR_PTR(-EOPNOTSUPP);
	size = regset_get_alloc(current, rs, rs->n * rs->size, &data);
	if (size < 0)
		return ERR_PTR(size);
	if (size != krgp_xstate_size()) {
		kfree(data);
		return ERR_PTR(-EINVAL);
	}
	return data;
}

static int krgp_cap_regs(struct krgp_capture *c)
{
	struct user_regs_struct *u;
	void *fpu, *rec;
	int ret;

	u = krg_ghost_put(c->b, KRG_GH_REGS, sizeof(*u));
	if (IS_ERR(u))
		return PTR_ERR(u);
	ret = krgp_regs_now(u);
	if (ret)
		return ret;
	fpu = krgp_fpu_now();
	if (IS_ERR(fpu))
		return PTR_ERR(fpu);
	rec = krg_ghost_put(c->b, KRG_GH_FPU, krgp_xstate_size());
	if (!IS_ERR(rec))
		memcpy(rec, fpu, krgp_xstate_size());
	kfree(fpu);
	return PTR_ERR_OR_ZERO(rec);
}

static int krgp_cap_signals(struct krgp_capture *c)
{
	struct task_struct *t = current;
	struct sighand_struct *sh = t->sighand;
	struct krg_gh_sigqueued *q;
	struct krg_gh_signals *g;
	struct sigqueue *sq;
	u32 n = 0, i;

	spin_lock_irq(&sh->siglock);
	list_for_each_entry(sq, &t->pending.list, list)
		n++;
	list_for_each_entry(sq, &t->signal->shared_pending.list, list)
		n++;
	spin_unlock_irq(&sh->siglock);
	/* Legacy signals without a queue entry are added below: room for them. */
	n += KRG_GH_NSIG * 2;
	g = krg_ghost_put(c->b, KRG_GH_SIGNALS, sizeof(*g) + n * sizeof(*q));
	if (IS_ERR(g))
		return PTR_ERR(g);
	spin_lock_irq(&sh->siglock);
	g->blocked = test_restore_sigmask() ?
		     t->saved_sigmask.sig[0] : t->blocked.sig[0];
	g->sas_ss_sp = t->sas_ss_sp;
	g->sas_ss_size = t->sas_ss_size;
	g->sas_ss_flags = t->sas_ss_flags;
	for (i = 0; i < KRG_GH_NSIG; i++) {
		struct k_sigaction *ka = &sh->action[i];

		g->action[i].handler = (unsigned long)ka->sa.sa_handler;
		g->action[i].flags = ka->sa.sa_flags;
		g->action[i].restorer = (unsigned long)ka->sa.sa_restorer;
		g->action[i].mask = ka->sa.sa_mask.sig[0];
	}
	/*
	 * Pending signals move with the process: they are taken off this task
	 * (a failed migration queues them again, krgp_capture_undo()), so that
	 * what arrives from now on is forwarded once, never twice.
	 */
	q = (void *)(g + 1);
	while (g->nr_queued < n) {
		kernel_siginfo_t info;
		enum pid_type type;
		sigset_t none;
		int sig;

		sigemptyset(&none);
		sig = dequeue_signal(t, &none, &info, &type);
		if (sig <= 0)
			break;
		q[g->nr_queued].sig = sig;
		q[g->nr_queued].shared = type != PIDTYPE_PID;
		memcpy(q[g->nr_queued].info, &info, sizeof(q->info));
		g->nr_queued++;
	}
	spin_unlock_irq(&sh->siglock);
	if (g->nr_queued) {
		c->queued = kmemdup(q, g->nr_queued * sizeof(*q), GFP_KERNEL);
		if (c->queued)
			c->nr_queued = g->nr_queued;
		else
			pr_warn("%u pending signals are lost if the migration fails\n",
				g->nr_queued);
	}
	/* Shrink the record to what was used (it is the last one). */
	c->b->len -= ALIGN(sizeof(*g) + n * sizeof(*q), KRG_GHOST_ALIGN);
	n = sizeof(*g) + g->nr_queued * sizeof(*q);
	((struct krg_ghost_rec *)g - 1)->len = n;
	c->b->len += ALIGN(n, KRG_GHOST_ALIGN);
	return 0;
}

static int krgp_cap_limits(struct krgp_capture *c)
{
	struct krg_gh_rlimits *g = krg_ghost_put(c->b, KRG_GH_RLIMITS, sizeof(*g));
	int i;

	if (IS_ERR(g))
		return PTR_ERR(g);
	task_lock(current->group_leader);
	for (i = 0; i < KRG_GH_NR_RLIMITS && i < RLIM_NLIMITS; i++) {
		g->lim[i][0] = current->signal->rlim[i].rlim_cur;
		g->lim[i][1] = current->signal->rlim[i].rlim_max;
	}
	task_unlock(current->group_leader);
	return 0;
}

static int krgp_cap_fs(struct krgp_capture *c)
{
	struct path pwd, root, nsroot;
	struct krg_gh_fs *g;
	char *p;
	int ret = 0;

	get_fs_root(current->fs, &root);
	get_fs_pwd(current->fs, &pwd);
	nsroot = c->env_root;
	if (!path_equal(&root, &nsroot)) {
		why("it changed its root directory (chroot)");
		ret = -EBUSY;
		goto out;
	}
	p = d_path(&pwd, c->path, PATH_MAX);
	if (IS_ERR(p) || d_unlinked(pwd.dentry)) {
		why("its working directory was deleted");
		ret = -EBUSY;
		goto out;
	}
	g = krg_ghost_put_str(c->b, KRG_GH_FS, sizeof(*g), p);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		goto out;
	}
	g->umask = current->fs->umask;
out:
	path_put(&pwd);
	path_put(&root);
	return ret;
}

/* ---- open files ------------------------------------------------------------ */

static const char *krgp_file_kind_name(struct file *f)
{
	umode_t m = file_inode(f)->i_mode;

	if (S_ISFIFO(m))
		return "a pipe";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a terminal or device";
	if (S_ISBLK(m))
		return "a block device";
	if (!f->f_path.dentry->d_inode || !f->f_path.mnt)
		return "a special file";
	return f->f_op && f->f_op->llseek == no_llseek ? "a special file" :
	       "an anonymous file (userfaultfd, io_uring, inotify, memfd, ...)";
}

/* /dev/null, zero, full, random, urandom: reopened on the target. */
static bool krgp_stateless_chr(struct inode *inode)
{
	unsigned int mi = iminor(inode);

	return S_ISCHR(inode->i_mode) && imajor(inode) == 1 &&
	       (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9);
}

/*
 * A lock current holds through f, by kind, or NULL.  Locks do not move yet:
 * the target would have to take them anew once the source dropped them,
 * and another node could take them in between.
 */
static const char *krgp_file_lock(struct file *f)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(f));
	const char *kind = NULL;
	struct file_lock *fl;

	if (!ctx)
		return NULL;
	spin_lock(&ctx->flc_lock);
	list_for_each_entry(fl, &ctx->flc_posix, fl_list)
		if (fl->fl_owner == current->files || fl->fl_file == f) {
			kind = fl->fl_flags & FL_OFDLCK ? "an OFD lock" : "a POSIX lock";
			goto out;
		}
	list_for_each_entry(fl, &ctx->flc_flock, fl_list)
		if (fl->fl_file == f) {
			kind = "a flock() lock";
			goto out;
		}
	list_for_each_entry(fl, &ctx->flc_lease, fl_list)
		if (fl->fl_file == f) {
			kind = "a lease";
			goto out;
		}
out:
	spin_unlock(&ctx->flc_lock);
	return kind;
}

static int krgp_cap_file(struct krgp_capture *c, unsigned int fd,
			 struct file *f, bool cloexec)
{
	struct inode *inode = file_inode(f);
	int afd = krgp_afd_kind(f);
	struct krg_gh_file *g;
	const char *lock;
	u32 kind;
	char *p;

	if (S_ISREG(inode->i_mode) || S_ISDIR(inode->i_mode)) {
		if (f->f_path.mnt->mnt_sb->s_flags & SB_NOUSER ||
		    !(f->f_mode & FMODE_LSEEK && f->f_op->llseek != no_llseek) ||
		    inode->i_sb->s_magic == 0x9fa0 /* procfs */) {
			why("fd %u is %s", fd, krgp_file_kind_name(f));
			return -EBUSY;
		}
		kind = S_ISREG(inode->i_mode) ? KRG_GH_FILE_REG : KRG_GH_FILE_DIR;
	} else if (krgp_stateless_chr(inode)) {
		kind = KRG_GH_FILE_CHR;
	} else if (afd >= 0) {
		return krgp_cap_afd(c, fd, f, cloexec, afd);
	} else {
		why("fd %u is %s (not movable before krg_fs)", fd, krgp_file_kind_name(f));
		return -EBUSY;
	}
	p = d_path(&f->f_path, c->path, PATH_MAX);
	if (IS_ERR(p)) {
		why("the path of fd %u is too long", fd);
		return -EBUSY;
	}
	if (d_unlinked(f->f_path.dentry)) {
		why("fd %u is a deleted file (%s)", fd, p);
		return -EBUSY;
	}
	lock = kind == KRG_GH_FILE_CHR ? NULL : krgp_file_lock(f);
	if (lock) {
		why("it holds %s on fd %u", lock, fd);
		return -EBUSY;
	}
	/* The target reads what was written here (NFS: close-to-open). */
	if (kind == KRG_GH_FILE_REG && (f->f_mode & FMODE_WRITE))
		vfs_fsync(f, 1);
	g = krg_ghost_put_str(c->b, KRG_GH_FILE, sizeof(*g), p);
	if (IS_ERR(g))
		return PTR_ERR(g);
	g->fd = fd;
	g->kind = kind;
	g->flags = f->f_flags;
	g->cloexec = cloexec;
	g->pos = kind == KRG_GH_FILE_CHR ? 0 : f->f_pos;
	krgp_ident(inode, &g->ident);
	return 0;
}

static int krgp_cap_files(struct krgp_capture *c)
{
	unsigned int fd = 0;
	struct file *f;
	int ret = 0;

	for (;; fd++) {
		bool cloexec;

		rcu_read_lock();
		f = task_lookup_next_fd_rcu(current, &fd);
		if (f && !get_file_rcu(f))
			f = ERR_PTR(-EAGAIN);
		cloexec = !IS_ERR_OR_NULL(f) &&
			  close_on_exec(fd, files_fdtable(current->files));
		rcu_read_unlock();
		if (!f)
			break;
		if (IS_ERR(f)) {
			fd--;		/* closed meanwhile: look again */
			continue;
		}
		ret = krgp_cap_file(c, fd, f, cloexec);
		fput(f);
		if (ret)
			break;
	}
	return ret;
}

/* ---- the whole state ------------------------------------------------------- */

/* A failed migration: the signals taken off the task are queued again. */
void krgp_capture_undo(struct krgp_capture *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_queued; i++) {
		kernel_siginfo_t info;

		memcpy(&info, c->queued[i].info, sizeof(info));
		send_sig_info(c->queued[i].sig, &info, current);
	}
	c->nr_queued = 0;
	krgp_time_undo(c);
}

int krgp_capture_state(struct krgp_capture *c)
{
	struct krg_ghost_hdr *h;
	int ret;

	if (c->b->len + sizeof(*h) > c->b->cap)
		return -ENOMEM;
	h = c->b->data + c->b->len;
	memcpy(h->magic, KRG_GHOST_MAGIC, sizeof(h->magic));
	h->version = KRG_GHOST_VERSION;
	h->arch = KRG_GHOST_ARCH_X86_64;
	h->nr_threads = 1 + krgp_threads_moving(c->bar);
	h->xstate_size = krgp_xstate_size();
	c->b->len += ALIGN(sizeof(*h), KRG_GHOST_ALIGN);

	ret = krgp_cap_task(c);
	if (!ret)
		ret = krgp_cap_creds(c);
	if (!ret)
		ret = krgp_cap_regs(c);
	if (!ret)
		ret = krgp_cap_signals(c);
	if (!ret)
		ret = krgp_cap_threads(c);
	if (!ret)
		ret = krgp_cap_time(c);
	if (!ret)
		ret = krgp_cap_limits(c);
	if (!ret)
		ret = krgp_cap_fs(c);
	if (!ret)
		ret = krgp_cap_mm(c);
	if (!ret)
		ret = krgp_cap_vmas(c);
	if (!ret)
		ret = krgp_cap_files(c);
	return ret;
}
