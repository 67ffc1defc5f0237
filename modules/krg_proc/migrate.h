/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live migration (Documentation/krg_proc.md, "Migration"): the source
 * freezes the process in its own context (task_work), captures it as a
 * ghost stream (capture.c) and streams it to the target in chunks; the
 * target rebuilds it in a restorer that krginit created with the same PID
 * (restore.c); the source lets it run there only after the target is ready,
 * and until then the process can always go on where it was.
 *
 * The node whose PID slice holds the process (its home) keeps the original
 * task as a stub while the process runs elsewhere: the stub keeps the PID,
 * the parent's child and wait() semantics, forwards the signals it receives
 * and exits with the status of the process (stub.c).  A process that
 * migrates back home continues in its stub.
 */
#ifndef _KRGP_MIGRATE_H
#define _KRGP_MIGRATE_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/path.h>
#include <linux/refcount.h>
#include <linux/signal_types.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "ghost.h"
#include "wire.h"

struct task_struct;
struct user_regset;
struct user_regs_struct;
struct cred;
struct inode;
struct krgp_req;

#define KRGP_WHY_MAX		160
#define KRGP_MIG_CHUNK		(4U << 20)	/* records per message */
#define KRGP_MIG_STEP_MS	30000		/* each step of the protocol */

/* ---- capture (capture.c) ----------------------------------------------- */

struct krgp_vma_copy {
	unsigned long start, end;
	bool readable, skip_zero;
};

struct krgp_capture {
	struct krg_ghost_buf *b;
	size_t chunk;			/* flush when a page would not fit */
	char why[KRGP_WHY_MAX];
	char *path;			/* PATH_MAX scratch */
	struct path env_root;		/* the cluster namespace's root */
	pid_t ppid, pgid, sid;
	bool stub_children;		/* its home task keeps children (wait.c) */
	u64 start_time_ns;
	u64 vdso_base;
	struct krgp_vma_copy *copy;
	unsigned int nr_copy, max_copy;
	u64 nr_pages;
	bool last;			/* the chunk being flushed holds END */
	struct krg_gh_sigqueued *queued;	/* pending signals taken off */
	unsigned int nr_queued;
	u64 it_real_value, it_real_interval;	/* ITIMER_REAL, stopped */
	struct krgp_ptimer_stop *ptimers;	/* POSIX timers stopped (clocks.c) */
	unsigned int nr_ptimers;
	struct krgp_tbar *bar;		/* the other threads, stopped (threads.c) */
	/* the migration it serves */
	u32 target;
	u64 mig_id;
	u32 seq;
};

const struct user_regset *krgp_regset_of(struct task_struct *t,
					  unsigned int note);
u32 krgp_xstate_size(void);
unsigned int krgp_fpu_note(void);
void krgp_ident(struct inode *inode, struct krg_gh_ident *id);
/* current's registers as it must resume (system-call restart applied) */
int krgp_regs_now(struct user_regs_struct *u);
/* current's FPU image (krgp_xstate_size() bytes, kmalloc'd) or ERR_PTR */
void *krgp_fpu_now(void);
int krgp_capture_state(struct krgp_capture *c);
void krgp_capture_undo(struct krgp_capture *c);
int krgp_capture_pages(struct krgp_capture *c,
		       int (*flush)(struct krgp_capture *c));
/* capture_mm.c: the MM and VMA records */
int krgp_cap_mm(struct krgp_capture *c);
int krgp_cap_vmas(struct krgp_capture *c);

/* Room for one more element in *arr (nr used of *max): 0 or -ENOMEM. */
static inline int krgp_grow(void **arr, unsigned int nr, unsigned int *max, size_t size)
{
	unsigned int n = *max ? *max * 2 : 64;
	void *p;

	if (nr < *max)
		return 0;
	p = krealloc_array(*arr, n, size, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*max = n;
	return 0;
}

/* ---- flags of an address space (mm_state.c) ---------------------------- */

u32 krgp_madv_of_vm(unsigned long vm_flags);
unsigned long krgp_vm_of_madv(u32 gh);
u32 krgp_membarrier_of_mm(struct mm_struct *mm);
void krgp_membarrier_set(u32 gh);
void krgp_thp_disable_set(bool disable);
int krgp_vma_set_madv(struct mm_struct *mm, unsigned long start, unsigned long end, u32 gh);

/* ---- clocks and interval timer (clocks.c) ------------------------------ */

/* current's CLOCK_MONOTONIC and CLOCK_BOOTTIME as it reads them */
void krgp_proc_clocks(s64 *monotonic, s64 *boottime);
int krgp_cap_time(struct krgp_capture *c);
void krgp_time_undo(struct krgp_capture *c);
int krgp_time_check(const struct krg_gh_time *g);
int krgp_ptimer_check(const struct krg_gh_ptimer *g);
void krgp_time_apply(const struct krg_gh_time *g);
int krgp_time_offsets(s64 monotonic, s64 boottime, s64 *mono_off, s64 *boot_off);

/* ---- processes that moved (migrate.c) ---------------------------------- */

enum krgp_mproc_kind {
	KRGP_MP_STUB,			/* home: the original task, process elsewhere */
	KRGP_MP_GUEST,			/* a process restored here from another node */
};

struct krgp_restore_job;

struct krgp_mproc {
	struct hlist_node hnode;
	struct rcu_head rcu;
	pid_t pid;
	enum krgp_mproc_kind kind;
	struct task_struct *task;	/* valid while hashed */
	u32 home;
	/* GUEST: what the kernel cannot keep for a task born elsewhere */
	pid_t ppid, pgid, sid;
	bool gone;			/* GUEST: moved on; its end is no exit */
	bool stub_children;		/* GUEST: its stub has children (wait.c) */
	/* STUB: events, under krgp_mproc_lock */
	u32 loc;			/* where the process runs */
	bool exited, lost;
	int exit_code;			/* wait status of the process */
	struct krgp_restore_job *back;	/* it comes back: restore here */
	struct list_head waits;		/* waits the guest asked of it (wait.c) */
	wait_queue_head_t wq;
};

extern spinlock_t krgp_mproc_lock;
/* Under RCU or krgp_mproc_lock. */
struct krgp_mproc *krgp_mproc_find(pid_t pid);
bool krgp_is_stub(struct task_struct *t);
bool krgp_task_leaving(struct task_struct *t);
/* Under RCU: t belongs to a copy of a process that moved on (after GO). */
bool krgp_task_gone(struct task_struct *t);
void krgp_mproc_del(struct krgp_mproc *mp);
/* stub.c: the home task of a process that moved; forwards what it got */
void krgp_stub_run(struct krgp_mproc *mp);
void krgp_stub_signals(struct krgp_mproc *mp);
/* Under krgp_mproc_lock: in and out of the table (a stub's waits answered). */
void krgp_mproc_hash_add(struct krgp_mproc *mp);
void krgp_mproc_unhash(struct krgp_mproc *mp);
/* A guest's parent (0: outside the cluster), or -1 if t is no guest. */
pid_t krgp_guest_ppid(struct task_struct *t);
/* Where pid runs when its stub is here, else -ESRCH. */
int krgp_stub_location(pid_t pid);

/* krg_hooks exit: a guest that ends reports its status home. */
void krgp_mig_exit(struct task_struct *t);
/* A node failed or left: stubs of processes there die (SIGKILL). */
void krgp_mig_node_down(u32 node);

/* netlink MIGRATE */
int krgp_migrate(pid_t pid, u32 node, u32 *now, struct netlink_ext_ack *extack);

/* ---- restore (restore.c) ------------------------------------------------ */

/* A piece of a ghost stream received for a job. */
struct krgp_chunk {
	struct list_head list;
	size_t len;
	u32 flags;
	u8 data[];
};

/* The target's side of one migration. */
struct krgp_restore_job {
	struct list_head list;		/* krgp_jobs */
	struct list_head list_wait;	/* krgp_jobs_waiting: for a restorer */
	refcount_t ref;
	u64 id;				/* source node << 48 | source's number */
	u32 src;
	pid_t pid;
	u64 vdso_base;
	s64 mono_off, boot_off;		/* of the restorer's time namespace */
	struct krgp_mproc *stub;	/* restored into this stub (home), else NULL */

	spinlock_t lock;
	wait_queue_head_t wq;
	struct list_head chunks;	/* struct krgp_chunk, in order */
	unsigned int nr_chunks;
	u32 next_seq;
	int state;			/* enum krgp_job_state */
	int error;			/* why it failed */
	char why[KRGP_WHY_MAX];
	struct task_struct *restorer;	/* referenced once it runs */
	bool claimed;			/* a restorer took it */
	bool mm_cleared;		/* the restorer's own memory is gone */

	/* kept from the stream for the end of the restore */
	void *regs, *fpu;
	u32 regs_len, fpu_len;
	long ax;
	struct krg_gh_task task;

	/* the other threads (threads.c), under lock */
	u32 nr_tids;			/* threads to create, TIDs in tids */
	pid_t *tids;
	struct krgp_rthread *thr;	/* nr_tids */
	u32 nr_created, nr_registered, nr_applied, nr_recs;
	bool threads_apply;		/* the first thread is done: the others apply theirs */
	unsigned long tramp;		/* the trampoline page in the restored task */
	bool create_masked;		/* every signal held while threads are created */
	sigset_t create_blocked;	/* the creator's mask meanwhile */
	int tramp_fd;			/* its fd of /dev/krg_proc, -1: none */
	unsigned long exit_page;	/* stub failed: where its new threads end */
	const struct cred *stub_cred;	/* a stub's own while it creates threads */

	/* anonymous fds to create after the stream (anonfd.c) */
	struct krgp_afd *afd;
	u32 nr_afd, max_afd;
	u32 afd_cur, afd_step;		/* the system call in progress */
	bool afd_active;		/* every signal held, afd_blocked kept */
	sigset_t afd_blocked;
	unsigned long afd_page;		/* a trampoline page for them */
	unsigned long afd_data;		/* and a page for their arguments */
	int afd_fd;			/* its fd of /dev/krg_proc, -1: none */
	/* then its POSIX timers, by the same system calls (anonfd.c) */
	struct krg_gh_ptimer *ptimers;
	u32 nr_ptimers, max_ptimers;
	s32 *old_timers;		/* a stub's own timers, deleted first */
	u32 nr_old_timers;
	u32 next_timer_id;		/* TIME: what timer_create gives next */
};

/* An anonymous fd the target creates again (AFD record). */
struct krgp_afd {
	struct krg_gh_afd *rec;		/* + its watches */
	int slot;			/* the reserved fd, -1 once installed */
};

/* The target's side of one more thread. */
struct krgp_rthread {
	struct task_struct *task;	/* registered in RESTORE_THREAD */
	struct krg_gh_thread *rec;	/* its THREAD record */
	u32 len;
	long ax;
};

enum krgp_job_state {
	KRGP_JOB_WAITING,		/* for a restorer */
	KRGP_JOB_RESTORING,
	KRGP_JOB_PARKED,		/* restored, waits for GO */
	KRGP_JOB_RUNNING,		/* GO: registers set, it runs */
	KRGP_JOB_FAILED,
};

/* anonfd.c */
int krgp_afd_kind(struct file *f);
int krgp_cap_afd(struct krgp_capture *c, unsigned int fd, struct file *f, bool cloexec, int kind);
long krgp_afd_start(struct krgp_restore_job *job);
void krgp_tramp_unmask(struct krgp_restore_job *job);
int krgp_rs_ptimer(struct krgp_restore_job *job, const struct krg_gh_ptimer *g);
long krgp_afd_cont(struct krgp_restore_job *job, long result);
void krgp_afd_release(struct krgp_restore_job *job);
void krgp_afd_free(struct krgp_restore_job *job);
void krgp_serve_mig_data(struct krgp_req *req);
void krgp_serve_mig_go(struct krgp_req *req);
void krgp_serve_mig_abort(struct krgp_req *req);

/* ioctls of krginit's threads and restorers (env.c dispatches) */
long krgp_restorer_wait(void __user *uarg);
long krgp_restore_ioctl(struct file *file, void __user *uarg);
/* A stub restores the job that brings its process back; 0 once it runs,
 * KRGP_RESTORE_EXCURSION when it goes to user mode through the trampoline
 * (threads to create, system calls to make: RESTORE_CONT goes on).
 * krgp_restore_apply returns it too. */
#define KRGP_RESTORE_EXCURSION	1
int krgp_restore_into_stub(struct krgp_restore_job *job);
long krgp_stub_finish(struct krgp_restore_job *job, long ret);
struct krgp_restore_job *krgp_job_find(u64 id);
struct krgp_restore_job *krgp_job_find_restorer(struct task_struct *leader);
void krgp_job_fail(struct krgp_restore_job *job, int err, const char *why);
int krgp_wait_inactive(struct task_struct *t);
/* Unmaps every mapping of current but the vDSO. */
int krgp_mm_clear(void);
/* Closes every fd of current. */
int krgp_files_clear(void);
void krgp_job_put(struct krgp_restore_job *job);
void krgp_jobs_node_down(u32 node);
void krgp_jobs_env_end(void);
void krgp_jobs_env_start(void);
/* Applies the stream of job to current (restore_state.c). */
int krgp_restore_apply(struct krgp_restore_job *job);
int krgp_restore_park(struct krgp_restore_job *job, int ret);
long krgp_restore_done(struct krgp_restore_job *job, long ret);

void krgp_migrate_exit(void);

/* ---- threads (threads.c) ------------------------------------------------ */

struct krgp_tbar;
/* Source: stops every other thread of current (*bar NULL if none). */
int krgp_threads_stop(struct krgp_tbar **bar, char *why);
/* Source: how many THREAD records the stream gets. */
u32 krgp_threads_moving(struct krgp_tbar *bar);
/* Source: the THREAD records of the stopped threads. */
int krgp_cap_threads(struct krgp_capture *c);
/* Source: outcome > 0 the process moved (home: they end, current stays);
 * outcome < 0 they go on.  Frees bar. */
void krgp_threads_release(struct krgp_tbar *bar, int outcome, bool home);
/* Target: the TIDs of the THREAD records of a stream's first chunk. */
int krgp_stream_tids(const void *data, size_t len, pid_t **tids, u32 *nr, char *why);
/* Target: one THREAD record (restore_state.c), the wait at END, GO. */
struct krgp_rs;
int krgp_rs_thread(struct krgp_rs *rs, const struct krg_ghost_item *it);
int krgp_threads_apply_wait(struct krgp_restore_job *job);
int krgp_threads_set_regs(struct krgp_restore_job *job);
void krgp_threads_free(struct krgp_restore_job *job);
/* Target: creates the next thread through the trampoline, or 0 when all are. */
long krgp_tramp_next(struct krgp_restore_job *job, struct file *dev);
long krgp_restore_thread_ioctl(void __user *uarg);
long krgp_restore_cont_ioctl(struct file *file, long result);
void krgp_threads_stub_failed(struct krgp_restore_job *job);
/* A code page in current (trampoline.S); its exit(0) at *exit_ip. */
unsigned long krgp_tramp_map(unsigned long *exit_ip);
int krgp_creds_copy(const struct cred *src);
/* restore.c: the end of a restore, in the restorer or the stub */
long krgp_restore_finish(struct krgp_restore_job *job);
void krgp_stub_catch_all(void);

#endif /* _KRGP_MIGRATE_H */
