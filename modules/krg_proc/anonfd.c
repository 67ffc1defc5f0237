// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous descriptors: eventfd, signalfd, timerfd and epoll sets move with
 * their process.  Only a system call can create them.
 *
 * Source.  The state of such a file is read the way /proc/<pid>/fdinfo
 * shows it (the file's own show_fdinfo) and sent as an AFD record, in fd
 * order among the FILE records.  A file another process or another fd also
 * holds is refused (two copies would part), and so is an epoll set that
 * watches a file no longer open at the fd it was added with, or another
 * epoll set.
 *
 * Target.  The fd is reserved while the stream is applied; once the memory,
 * the credentials and the other files are in place, the task goes to user
 * mode through the trampoline page (trampoline.S), once per system call --
 * eventfd2, signalfd4, timerfd_create then timerfd_settime, epoll_create1
 * then one epoll_ctl per watch, epoll sets last -- and comes back into
 * RESTORE_CONT with the result; the new file goes into the reserved fd.
 * Every signal is held meanwhile.  A timer is armed again with the time it
 * had left, like ITIMER_REAL; its unread expirations are set with
 * TFD_IOC_SET_TICKS.
 *
 * The process's POSIX timers (PTIMER records, clocks.c) come after its
 * files, by the same way: timer_create() with the id the timer had (the
 * next id timer_create gives is set first), then timer_settime() with the
 * time it had left.  A process coming home is restored into its stub,
 * whose timers are its own as they were when it left: they are deleted
 * first (timer_delete), so that each id is free again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/alarmtimer.h>
#include <linux/capability.h>	/* (linux/eventpoll.h needs these two) */
#include <linux/fs.h>
#include <linux/eventfd.h>
#include <linux/eventpoll.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/posix-timers.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timerfd.h>
#include <uapi/linux/magic.h>
#include <asm/unistd.h>

#include <uapi/linux/krg_proc.h>

#include "env.h"
#include "migrate.h"
#include "restore_state.h"

#define why(c, fmt, ...) snprintf((c)->why, sizeof((c)->why), fmt, ##__VA_ARGS__)

static const char *const krgp_afd_names[] = {
	[KRG_GH_AFD_EVENTFD] = "[eventfd]",
	[KRG_GH_AFD_SIGNALFD] = "[signalfd]",
	[KRG_GH_AFD_TIMERFD] = "[timerfd]",
	[KRG_GH_AFD_EPOLL] = "[eventpoll]",
};

/* The AFD kind of f, or -1: not one that moves. */
int krgp_afd_kind(struct file *f)
{
	const char *n = f->f_path.dentry->d_name.name;
	int k;

	if (file_inode(f)->i_sb->s_magic != ANON_INODE_FS_MAGIC || !f->f_op->show_fdinfo)
		return -1;
	for (k = 0; k < ARRAY_SIZE(krgp_afd_names); k++)
		if (!strcmp(n, krgp_afd_names[k]))
			return k;
	return -1;
}

static const char *krgp_afd_what(u32 kind)
{
	static const char *const what[] = {
		[KRG_GH_AFD_EVENTFD] = "eventfd",
		[KRG_GH_AFD_SIGNALFD] = "signalfd",
		[KRG_GH_AFD_TIMERFD] = "timerfd",
		[KRG_GH_AFD_EPOLL] = "epoll set",
	};

	return kind < ARRAY_SIZE(what) ? what[kind] : "file";
}

/* ---- the source ------------------------------------------------------------ */

/* What /proc/<pid>/fdinfo would show after pos and flags: f's own part. */
static int krgp_fdinfo(struct file *f, char *buf, size_t size)
{
	struct seq_file m = { .buf = buf, .size = size };

	f->f_op->show_fdinfo(&m, f);
	if (seq_has_overflowed(&m))
		return -E2BIG;
	buf[m.count] = '\0';
	return 0;
}

/* The value after KEY in fdinfo text, by FMT; 1 if found. */
#define krgp_fdinfo_get(text, key, fmt, ...) ({				\
	const char *__p = strstr(text, key);				\
	__p && sscanf(__p + strlen(key), fmt, ##__VA_ARGS__) == 1;	\
})

/*
 * EFD_SEMAPHORE is not in 6.1's fdinfo (6.4 added it): read from the
 * context, whose layout is fs/eventfd.c's, trusted only when its count and
 * id are those the fdinfo text showed.
 */
struct krgp_eventfd_ctx {
	struct kref kref;
	wait_queue_head_t wqh;
	__u64 count;
	unsigned int flags;
	int id;
};

static int krgp_eventfd_semaphore(struct file *f, const char *text, u64 count)
{
	const struct krgp_eventfd_ctx *ctx = f->private_data;
	int id;

	if (krgp_fdinfo_get(text, "eventfd-semaphore:", "%d", &id))
		return !!id;
	if (!krgp_fdinfo_get(text, "eventfd-id:", "%d", &id) ||
	    READ_ONCE(ctx->count) != count || READ_ONCE(ctx->id) != id)
		return -EOPNOTSUPP;
	return !!(READ_ONCE(ctx->flags) & EFD_SEMAPHORE);
}

/*
 * A periodic timerfd due this instant whose hrtimer callback has not run
 * yet reads in fdinfo as a disarmed one that kept its interval (0 left, no
 * tick): tell them apart by its hrtimer, in the context laid out as
 * fs/timerfd.c's (6.1), trusted only when its interval, ticks and clock are
 * those the fdinfo text showed.  Alarm clocks never get here (refused).
 */
struct krgp_timerfd_ctx {
	union {
		struct hrtimer tmr;
		struct alarm alarm;
	} t;
	ktime_t tintv;
	ktime_t moffs;
	wait_queue_head_t wqh;
	u64 ticks;
	int clockid;
};

static bool krgp_timerfd_due(struct file *f, s64 interval_ns, u64 ticks, int clockid)
{
	const struct krgp_timerfd_ctx *ctx = f->private_data;

	return READ_ONCE(ctx->tintv) == interval_ns && READ_ONCE(ctx->ticks) == ticks &&
	       READ_ONCE(ctx->clockid) == clockid && hrtimer_active(&ctx->t.tmr);
}

/* The file at fd of current, referenced, or NULL. */
static struct file *krgp_fd_file(unsigned int fd)
{
	struct file *f;

	rcu_read_lock();
	f = files_lookup_fd_rcu(current->files, fd);
	if (f && !get_file_rcu(f))
		f = NULL;
	rcu_read_unlock();
	return f;
}

static int krgp_cap_watches(struct krgp_capture *c, unsigned int fd, char *text,
			    struct krg_gh_watch *w, u32 *nr)
{
	char *line;

	*nr = 0;
	while ((line = strsep(&text, "\n")) != NULL) {
		unsigned long ino;
		long long pos;
		unsigned int sdev, events;
		unsigned long long data;
		int tfd, kind;
		struct file *t;
		bool same;

		if (!*line)
			continue;
		if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lli ino:%lx sdev:%x",
			   &tfd, &events, &data, &pos, &ino, &sdev) != 6 || tfd < 0) {
			why(c, "the epoll set on fd %u shows a watch this kernel module cannot read", fd);
			return -EBUSY;
		}
		if (*nr == KRG_GH_WATCHES_MAX) {
			why(c, "the epoll set on fd %u has more than %u watches", fd,
			    KRG_GH_WATCHES_MAX);
			return -EBUSY;
		}
		t = krgp_fd_file(tfd);
		same = t && file_inode(t)->i_ino == ino && file_inode(t)->i_sb->s_dev == sdev;
		kind = t ? krgp_afd_kind(t) : -1;
		if (t)
			fput(t);
		if (!same) {
			why(c, "the epoll set on fd %u watches a file that is no longer open at fd %d",
			    fd, tfd);
			return -EBUSY;
		}
		if (kind == KRG_GH_AFD_EPOLL) {
			why(c, "the epoll set on fd %u watches another epoll set (fd %d)", fd, tfd);
			return -EBUSY;
		}
		w[*nr].tfd = tfd;
		w[*nr].events = events;
		w[*nr].data = data;
		(*nr)++;
	}
	return 0;
}

int krgp_cap_afd(struct krgp_capture *c, unsigned int fd, struct file *f, bool cloexec, int kind)
{
	struct krg_gh_afd a = { .fd = fd, .kind = kind, .cloexec = cloexec };
	size_t size = kind == KRG_GH_AFD_EPOLL ? SZ_64K : PATH_MAX;
	struct krg_gh_watch *w = NULL;
	struct krg_gh_afd *g;
	char *text;
	int ret;

	/* the fd table's reference and the caller's */
	if (file_count(f) > 2) {
		why(c, "fd %u is %s %s another fd or process holds too", fd,
		    kind == KRG_GH_AFD_EVENTFD || kind == KRG_GH_AFD_EPOLL ? "an" : "a",
		    krgp_afd_what(kind));
		return -EBUSY;
	}
	text = size == PATH_MAX ? c->path : kvmalloc(size, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	ret = krgp_fdinfo(f, text, size);
	if (ret) {
		why(c, "the state of the %s on fd %u is too large", krgp_afd_what(kind), fd);
		ret = -EBUSY;
		goto out;
	}
	if (f->f_flags & O_NONBLOCK)
		a.flags |= KRG_GH_AFD_NONBLOCK;
	ret = -EBUSY;
	switch (kind) {
	case KRG_GH_AFD_EVENTFD: {
		unsigned long long count;
		int sem;

		if (!krgp_fdinfo_get(text, "eventfd-count:", "%llx", &count))
			goto unreadable;
		sem = krgp_eventfd_semaphore(f, text, count);
		if (sem < 0)
			goto unreadable;
		a.value = count;
		if (sem)
			a.flags |= KRG_GH_AFD_SEMAPHORE;
		break;
	}
	case KRG_GH_AFD_SIGNALFD: {
		unsigned long long mask;

		if (!krgp_fdinfo_get(text, "sigmask:", "%llx", &mask))
			goto unreadable;
		a.value = mask;
		break;
	}
	case KRG_GH_AFD_TIMERFD: {
		unsigned long long ticks, vs, vns, is, ins;
		const char *v = strstr(text, "it_value:"), *i = strstr(text, "it_interval:");
		unsigned int sflags;
		int clockid;

		if (!krgp_fdinfo_get(text, "clockid:", "%d", &clockid) ||
		    !krgp_fdinfo_get(text, "ticks:", "%llu", &ticks) ||
		    !krgp_fdinfo_get(text, "settime flags:", "%o", &sflags) ||
		    !v || sscanf(v, "it_value: (%llu, %llu)", &vs, &vns) != 2 ||
		    !i || sscanf(i, "it_interval: (%llu, %llu)", &is, &ins) != 2 ||
		    vs > KTIME_SEC_MAX || is > KTIME_SEC_MAX)
			goto unreadable;
		if (sflags & TFD_TIMER_CANCEL_ON_SET) {
			why(c, "fd %u is a timerfd cancelled when the clock is set (TFD_TIMER_CANCEL_ON_SET)",
			    fd);
			goto out;
		}
		a.clockid = clockid;
		a.value = ticks;
		a.it_value_ns = vs * NSEC_PER_SEC + vns;
		a.it_interval_ns = is * NSEC_PER_SEC + ins;
		/* expired, not forwarded yet: the next expiry an interval on */
		if (!a.it_value_ns && a.it_interval_ns && ticks)
			a.it_value_ns = a.it_interval_ns;
		/* due now, its callback still to run: it fires at once there */
		else if (!a.it_value_ns && a.it_interval_ns &&
			 krgp_timerfd_due(f, a.it_interval_ns, ticks, clockid))
			a.it_value_ns = 1;
		break;
	}
	case KRG_GH_AFD_EPOLL:
		w = kvmalloc_array(KRG_GH_WATCHES_MAX, sizeof(*w), GFP_KERNEL);
		if (!w) {
			ret = -ENOMEM;
			goto out;
		}
		ret = krgp_cap_watches(c, fd, text, w, &a.nr_watches);
		if (ret)
			goto out;
		break;
	}
	g = krg_ghost_put(c->b, KRG_GH_AFD, sizeof(*g) + a.nr_watches * sizeof(*w));
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		goto out;
	}
	*g = a;
	if (a.nr_watches)
		memcpy(g + 1, w, a.nr_watches * sizeof(*w));
	ret = 0;
	goto out;
unreadable:
	why(c, "the state of the %s on fd %u cannot be read by this kernel module",
	    krgp_afd_what(kind), fd);
out:
	kvfree(w);
	if (text != c->path)
		kvfree(text);
	return ret;
}

/* ---- the target ------------------------------------------------------------ */

static bool krgp_clockid_ok(s32 id)
{
	return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC || id == CLOCK_BOOTTIME ||
	       id == CLOCK_REALTIME_ALARM || id == CLOCK_BOOTTIME_ALARM;
}

/* An AFD record: its fd reserved, its creation queued for after the stream. */
int krgp_rs_afd(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	struct krgp_restore_job *job = rs->job;
	const struct krg_gh_afd *g = it->data;
	const struct krg_gh_watch *w = (const void *)(g + 1);
	struct krgp_afd *a;
	u32 i;
	int fd;

	if (g->kind > KRG_GH_AFD_EPOLL || g->cloexec > 1 ||
	    g->flags & ~(KRG_GH_AFD_NONBLOCK | KRG_GH_AFD_SEMAPHORE) ||
	    (g->flags & KRG_GH_AFD_SEMAPHORE && g->kind != KRG_GH_AFD_EVENTFD) ||
	    g->nr_watches > KRG_GH_WATCHES_MAX ||
	    (g->nr_watches && g->kind != KRG_GH_AFD_EPOLL) ||
	    it->len != sizeof(*g) + g->nr_watches * sizeof(*w))
		return bad(rs, "malformed record of an anonymous fd");
	if (g->kind == KRG_GH_AFD_EVENTFD && g->value == ULLONG_MAX)
		return bad(rs, "malformed eventfd count");
	if (g->kind == KRG_GH_AFD_TIMERFD &&
	    (!krgp_clockid_ok(g->clockid) || g->it_value_ns < 0 || g->it_interval_ns < 0))
		return bad(rs, "malformed timerfd");
	for (i = 0; i < g->nr_watches; i++)
		if (w[i].tfd >= KRG_GH_FD_MAX || w[i].tfd == g->fd)
			return bad(rs, "malformed epoll watch");
	if (job->nr_afd == KRG_GH_FD_MAX)
		return bad(rs, "too many anonymous fds");
	if (krgp_grow((void **)&job->afd, job->nr_afd, &job->max_afd, sizeof(*job->afd)))
		return -ENOMEM;
	a = &job->afd[job->nr_afd];
	memset(a, 0, sizeof(*a));
	a->slot = -1;
	a->rec = kvmalloc(it->len, GFP_KERNEL);
	if (!a->rec)
		return -ENOMEM;
	memcpy(a->rec, it->data, it->len);
	job->nr_afd++;
	fd = krgp_rs_slot(rs, g->fd, g->cloexec);
	if (fd < 0)
		return fd;
	a->slot = fd;
	return 0;
}

/* A PTIMER record (checked by the caller): created after the files. */
int krgp_rs_ptimer(struct krgp_restore_job *job, const struct krg_gh_ptimer *g)
{
	if (krgp_grow((void **)&job->ptimers, job->nr_ptimers, &job->max_ptimers,
		      sizeof(*job->ptimers)))
		return -ENOMEM;
	job->ptimers[job->nr_ptimers++] = *g;
	return 0;
}

static int krgp_afd_cmp(const void *x, const void *y)
{
	const struct krgp_afd *a = x, *b = y;
	bool ea = a->rec->kind == KRG_GH_AFD_EPOLL, eb = b->rec->kind == KRG_GH_AFD_EPOLL;

	if (ea != eb)
		return ea ? 1 : -1;	/* epoll sets once what they watch is there */
	return a->rec->fd < b->rec->fd ? -1 : a->rec->fd > b->rec->fd;
}

/* Registers of current for the system call nr through the trampoline. */
static long krgp_afd_call(struct krgp_restore_job *job, long nr, unsigned long a0,
			  unsigned long a1, unsigned long a2, unsigned long a3)
{
	struct pt_regs *regs = task_pt_regs(current);

	regs->ip = job->afd_page;
	regs->ax = nr;
	regs->orig_ax = -1;
	regs->di = a0;
	regs->si = a1;
	regs->dx = a2;
	regs->r10 = a3;
	regs->r8 = 0;
	regs->r9 = 0;
	/* whatever it returns, RESTORE_CONT(result) */
	regs->r12 = job->afd_fd;
	regs->r13 = KRG_PROC_IOC_RESTORE_CONT;
	regs->r14 = 0;
	regs->r15 = KRG_PROC_IOC_RESTORE_CONT;
	return nr;
}

static int krgp_afd_data(struct krgp_restore_job *job, const void *p, size_t len)
{
	return len <= PAGE_SIZE && !copy_to_user((void __user *)job->afd_data, p, len) ?
	       0 : -EFAULT;
}

/* A timer setting (value and interval in ns) in the data page. */
static int krgp_its_data(struct krgp_restore_job *job, s64 value_ns, s64 interval_ns)
{
	struct __kernel_itimerspec its = {};
	u32 rem;

	its.it_value.tv_sec = div_u64_rem(value_ns, NSEC_PER_SEC, &rem);
	its.it_value.tv_nsec = rem;
	its.it_interval.tv_sec = div_u64_rem(interval_ns, NSEC_PER_SEC, &rem);
	its.it_interval.tv_nsec = rem;
	return krgp_afd_data(job, &its, sizeof(its));
}

/* The next system call for file a, or 0 when it is done. */
static long krgp_afd_next(struct krgp_restore_job *job, struct krgp_afd *a)
{
	const struct krg_gh_afd *g = a->rec;
	unsigned long data = job->afd_data;
	u32 step = job->afd_step;

	if (step == 0) {
		switch (g->kind) {
		case KRG_GH_AFD_EVENTFD:
			return krgp_afd_call(job, __NR_eventfd2, 0,
					     g->flags & KRG_GH_AFD_SEMAPHORE ? EFD_SEMAPHORE : 0, 0, 0);
		case KRG_GH_AFD_SIGNALFD:
			if (krgp_afd_data(job, &g->value, sizeof(g->value)))
				return -EFAULT;
			return krgp_afd_call(job, __NR_signalfd4, -1, data, sizeof(g->value), 0);
		case KRG_GH_AFD_TIMERFD:
			return krgp_afd_call(job, __NR_timerfd_create, g->clockid, 0, 0, 0);
		default:
			return krgp_afd_call(job, __NR_epoll_create1, 0, 0, 0, 0);
		}
	}
	if (g->kind == KRG_GH_AFD_TIMERFD && step == 1 && g->it_value_ns) {
		if (krgp_its_data(job, g->it_value_ns, g->it_interval_ns))
			return -EFAULT;
		return krgp_afd_call(job, __NR_timerfd_settime, g->fd, 0, data, 0);
	}
	if (g->kind == KRG_GH_AFD_EPOLL && step <= g->nr_watches) {
		const struct krg_gh_watch *w = (const void *)(g + 1) + (step - 1) * sizeof(*w);
		struct epoll_event ev = { .events = w->events, .data = w->data };

		if (krgp_afd_data(job, &ev, sizeof(ev)))
			return -EFAULT;
		return krgp_afd_call(job, __NR_epoll_ctl, g->fd, EPOLL_CTL_ADD, w->tfd, data);
	}
	return 0;
}

/* timer_create()'s arguments in the data area, and where its id comes back. */
struct krgp_ptimer_args {
	sigevent_t sev;
	timer_t id;
};

/* The next system call for POSIX timer g, or 0 when it is done. */
static long krgp_ptimer_next(struct krgp_restore_job *job, const struct krg_gh_ptimer *g)
{
	unsigned long data = job->afd_data;

	if (job->afd_step == 0) {
		struct krgp_ptimer_args a = {};

		a.sev.sigev_value.sival_ptr = (void __user *)(unsigned long)g->value;
		a.sev.sigev_signo = g->signo;
		a.sev.sigev_notify = g->notify;
		a.sev.sigev_notify_thread_id = g->tid;
		a.id = (timer_t)-1;
		if (krgp_afd_data(job, &a, sizeof(a)))
			return -EFAULT;
		/* timer_create gives this id unless the process has it already */
		current->signal->next_posix_timer_id = g->id;
		return krgp_afd_call(job, __NR_timer_create, g->clockid, data,
				     data + offsetof(struct krgp_ptimer_args, id), 0);
	}
	if (job->afd_step == 1 && g->it_value_ns) {
		if (krgp_its_data(job, g->it_value_ns, g->it_interval_ns))
			return -EFAULT;
		return krgp_afd_call(job, __NR_timer_settime, g->id, 0, data, 0);
	}
	return 0;
}

/* timer_create() gave the timer its id back, timer_settime() armed it. */
static long krgp_ptimer_result(struct krgp_restore_job *job, const struct krg_gh_ptimer *g,
			       long result)
{
	timer_t id;

	if (result)
		return result < 0 ? result : -EINVAL;
	if (job->afd_step)
		return 0;
	if (copy_from_user(&id, (void __user *)job->afd_data +
			   offsetof(struct krgp_ptimer_args, id), sizeof(id)))
		return -EFAULT;
	return id == g->id ? 0 : -EEXIST;
}

/* The new file at fd nr of current into the fd the process had. */
static int krgp_afd_install(struct krgp_restore_job *job, struct krgp_afd *a, long nr)
{
	const struct krg_gh_afd *g = a->rec;
	struct file *f;

	if (nr < 0)
		return nr;
	f = krgp_fd_file(nr);
	if (!f)
		return -EBADF;
	close_fd(nr);
	if (krgp_afd_kind(f) != g->kind) {
		fput(f);
		return -EINVAL;
	}
	if (g->kind == KRG_GH_AFD_EVENTFD && g->value) {
		struct eventfd_ctx *ctx = eventfd_ctx_fileget(f);

		if (IS_ERR(ctx)) {
			fput(f);
			return PTR_ERR(ctx);
		}
		eventfd_signal(ctx, g->value);
		eventfd_ctx_put(ctx);
	}
	if (g->flags & KRG_GH_AFD_NONBLOCK) {
		spin_lock(&f->f_lock);
		f->f_flags |= O_NONBLOCK;
		spin_unlock(&f->f_lock);
	}
	fd_install(a->slot, f);
	a->slot = -1;
	return 0;
}

/* The timer's unread expirations, once it is armed (arming resets them). */
static int krgp_afd_ticks(struct krgp_restore_job *job, const struct krg_gh_afd *g)
{
	struct file *f;
	long ret;

	if (!g->value)
		return 0;
	if (krgp_afd_data(job, &g->value, sizeof(g->value)))
		return -EFAULT;
	f = krgp_fd_file(g->fd);
	if (!f)
		return -EBADF;
	ret = f->f_op->unlocked_ioctl ?
	      f->f_op->unlocked_ioctl(f, TFD_IOC_SET_TICKS, job->afd_data) :
	      -ENOTTY;
	fput(f);
	return ret;
}

static void krgp_afd_end(struct krgp_restore_job *job)
{
	if (job->afd_fd >= 0) {
		close_fd(job->afd_fd);
		job->afd_fd = -1;
	}
	if (job->afd_page) {
		vm_munmap(job->afd_page, PAGE_SIZE);
		job->afd_page = 0;
	}
	if (job->afd_data) {
		vm_munmap(job->afd_data, PAGE_SIZE);
		job->afd_data = 0;
	}
	if (job->afd_active) {
		sigprocmask(SIG_SETMASK, &job->afd_blocked, NULL);
		job->afd_active = false;
	}
}

/* In current's context: the fds reserved for files never created go back. */
void krgp_afd_release(struct krgp_restore_job *job)
{
	u32 i;

	krgp_afd_end(job);
	for (i = 0; i < job->nr_afd; i++)
		if (job->afd[i].slot >= 0) {
			put_unused_fd(job->afd[i].slot);
			job->afd[i].slot = -1;
		}
}

void krgp_afd_free(struct krgp_restore_job *job)
{
	u32 i;

	for (i = 0; job->afd && i < job->nr_afd; i++)
		kvfree(job->afd[i].rec);
	kfree(job->afd);
	kfree(job->ptimers);
	kfree(job->old_timers);
}

/* The ids of current's POSIX timers (a stub's), to delete before the others come. */
static int krgp_old_timers(struct krgp_restore_job *job)
{
	struct k_itimer *timr;
	u32 n = 0;

	list_for_each_entry(timr, &current->signal->posix_timers, list)
		n++;
	if (!n)
		return 0;
	job->old_timers = kcalloc(n, sizeof(*job->old_timers), GFP_KERNEL);
	if (!job->old_timers)
		return -ENOMEM;
	list_for_each_entry(timr, &current->signal->posix_timers, list) {
		if (job->nr_old_timers == n)
			break;
		job->old_timers[job->nr_old_timers++] = timr->it_id;
	}
	return 0;
}

/*
 * The system call of step job->afd_step of item job->afd_cur -- an
 * anonymous fd, then a POSIX timer -- or 0 when that item is done.
 */
/* The excursion's items, in their order. */
enum krgp_item { KRGP_ITEM_OLD_TIMER, KRGP_ITEM_AFD, KRGP_ITEM_PTIMER };

/* What item job->afd_cur is, and (*i) its index among those of its kind. */
static enum krgp_item krgp_excursion_item(const struct krgp_restore_job *job, u32 *i)
{
	*i = job->afd_cur;
	if (*i < job->nr_old_timers)
		return KRGP_ITEM_OLD_TIMER;
	*i -= job->nr_old_timers;
	if (*i < job->nr_afd)
		return KRGP_ITEM_AFD;
	*i -= job->nr_afd;
	return KRGP_ITEM_PTIMER;
}

static long krgp_excursion_next(struct krgp_restore_job *job)
{
	u32 i;

	switch (krgp_excursion_item(job, &i)) {
	case KRGP_ITEM_OLD_TIMER:
		return job->afd_step ? 0 :
		       krgp_afd_call(job, __NR_timer_delete, job->old_timers[i], 0, 0, 0);
	case KRGP_ITEM_AFD:
		return krgp_afd_next(job, &job->afd[i]);
	default:
		return krgp_ptimer_next(job, &job->ptimers[i]);
	}
}

/* job->why: which item failed. */
static void krgp_excursion_why(struct krgp_restore_job *job, long err)
{
	const struct krg_gh_afd *g;
	u32 i;

	switch (krgp_excursion_item(job, &i)) {
	case KRGP_ITEM_OLD_TIMER:
		snprintf(job->why, KRGP_WHY_MAX,
			 "its stub could not delete its old POSIX timer %d (%ld)",
			 job->old_timers[i], err);
		break;
	case KRGP_ITEM_AFD:
		g = job->afd[i].rec;
		snprintf(job->why, KRGP_WHY_MAX,
			 "the target could not create its %s on fd %u again (%ld)",
			 krgp_afd_what(g->kind), g->fd, err);
		break;
	default:
		snprintf(job->why, KRGP_WHY_MAX,
			 "the target could not create its POSIX timer %d again (%ld)",
			 job->ptimers[i].id, err);
	}
}

/*
 * After the stream: the first system call (its number, > 0: the task goes
 * to user mode through the trampoline), 0 when there is nothing to create,
 * or an error.
 */
long krgp_afd_start(struct krgp_restore_job *job)
{
	struct krgp_env *env;
	sigset_t all;
	long ret;
	int fd;

	ret = krgp_old_timers(job);
	if (ret)
		return ret;
	if (!job->nr_afd && !job->nr_ptimers && !job->nr_old_timers)
		return 0;
	sort(job->afd, job->nr_afd, sizeof(*job->afd), krgp_afd_cmp, NULL);
	job->afd_page = krgp_tramp_map(NULL);
	if (!job->afd_page)
		return -ENOMEM;
	/* the calls' arguments, and what timer_create writes back */
	job->afd_data = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(job->afd_data)) {
		job->afd_data = 0;
		return -ENOMEM;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	/* the trampoline's way back: RESTORE_CONT on any /dev/krg_proc file */
	env = krgp_env_get();
	if (!env) {
		put_unused_fd(fd);
		return -EHOSTDOWN;
	}
	fd_install(fd, get_file(env->owner));
	krgp_env_put(env);
	job->afd_fd = fd;
	job->afd_blocked = current->blocked;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	job->afd_active = true;
	job->afd_cur = 0;
	job->afd_step = 0;
	ret = krgp_excursion_next(job);
	return ret ?: -EINVAL;
}

/*
 * RESTORE_CONT after a system call of krgp_afd_start's series: the next
 * one's number, 0 when every file and timer is there, or an error
 * (job->why says which one could not be made).
 */
long krgp_afd_cont(struct krgp_restore_job *job, long result)
{
	u32 total = job->nr_old_timers + job->nr_afd + job->nr_ptimers;
	u32 i;
	long ret;

	if (!job->afd_active || job->afd_cur >= total)
		return -EPERM;
	switch (krgp_excursion_item(job, &i)) {
	case KRGP_ITEM_OLD_TIMER:
		ret = result;
		break;
	case KRGP_ITEM_AFD: {
		struct krgp_afd *a = &job->afd[i];
		const struct krg_gh_afd *g = a->rec;

		if (job->afd_step == 0)
			ret = krgp_afd_install(job, a, result);
		else
			ret = result < 0 ? result : result ? -EINVAL : 0;
		if (!ret && g->kind == KRG_GH_AFD_TIMERFD &&
		    job->afd_step == (g->it_value_ns ? 1 : 0))
			ret = krgp_afd_ticks(job, g);
		break;
	}
	default:
		ret = krgp_ptimer_result(job, &job->ptimers[i], result);
	}
	for (;;) {
		if (ret) {
			krgp_excursion_why(job, ret);
			krgp_afd_release(job);
			return ret;
		}
		job->afd_step++;
		ret = krgp_excursion_next(job);
		if (ret > 0)
			return ret;
		if (ret)
			continue;
		/* this one is done */
		if (++job->afd_cur == total)
			break;
		job->afd_step = 0;
		ret = krgp_excursion_next(job);
		if (ret > 0)
			return ret;
		ret = ret ?: -EINVAL;
	}
	current->signal->next_posix_timer_id = job->next_timer_id;
	krgp_afd_end(job);
	return 0;
}
