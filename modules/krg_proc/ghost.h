/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ghosts: a process as a stream of self-describing records, the one format
 * migration sends over krg_comm and checkpoint/restart will write to files.
 * Documentation/ghost.md describes it for people.
 *
 * A stream is a struct krg_ghost_hdr followed by records, each a struct
 * krg_ghost_rec and len bytes of payload, padded with zeroes to 8 bytes.
 * The records come in this order: TASK, CREDS, REGS, FPU, SIGNALS,
 * THREAD..., TIME, PTIMER..., RLIMITS, FS, MM, VMA..., FILE..., PAGES..., END.  Integers are x86-64 (little-endian)
 * fixed-size fields; nothing is a kernel pointer (user addresses are the
 * process's own).  A reader checks the magic, version and architecture,
 * every record's type, order and length, every string's terminator, every
 * count against its maximum and every address against the user address
 * space before it uses anything: a corrupt or hostile stream is refused
 * with -EINVAL (-EPROTO for a version it does not know), never a crash.
 * Migration cuts the stream into chunks of whole records.
 */
#ifndef _KRGP_GHOST_H
#define _KRGP_GHOST_H

#include <linux/types.h>

#define KRG_GHOST_MAGIC		"KRGGHOST"
#define KRG_GHOST_VERSION	6	/* 2: the TIME record; 3: THREAD; 4: AFD; 5: PTIMER;
					 * 6: TASK's STUB_CHILDREN, unknown TASK flags refused */
#define KRG_GHOST_ARCH_X86_64	62	/* ELF EM_X86_64 */

struct krg_ghost_hdr {
	char magic[8];			/* KRG_GHOST_MAGIC, no NUL */
	u32 version;			/* KRG_GHOST_VERSION */
	u32 arch;			/* KRG_GHOST_ARCH_X86_64 */
	u32 nr_threads;			/* 1 + the THREAD records */
	u32 xstate_size;		/* size of the FPU record's image */
	u64 xfeatures;			/* XSAVE features of the source CPU */
};

enum krg_ghost_type {
	KRG_GH_TASK = 1,
	KRG_GH_CREDS,
	KRG_GH_REGS,
	KRG_GH_FPU,
	KRG_GH_SIGNALS,
	KRG_GH_TIME,
	KRG_GH_RLIMITS,
	KRG_GH_FS,
	KRG_GH_MM,
	KRG_GH_VMA,
	KRG_GH_FILE,
	KRG_GH_PAGES,
	KRG_GH_END,
	KRG_GH_THREAD,			/* comes after SIGNALS (krg_ghost_rank) */
	KRG_GH_AFD,			/* among the FILE records (krg_ghost_rank) */
	KRG_GH_PTIMER,			/* comes after TIME (krg_ghost_rank) */
	__KRG_GH_MAX
};

struct krg_ghost_rec {
	u16 type;			/* enum krg_ghost_type */
	u16 flags;			/* 0 */
	u32 len;			/* payload bytes (without padding) */
};

#define KRG_GHOST_ALIGN		8
#define KRG_GHOST_REC_MAX	(64U << 20)	/* one record's payload */
#define KRG_GHOST_PATH_MAX	4096		/* with the NUL */

/* TASK: identity and per-task state. */
struct krg_gh_task {
	u32 pid, ppid, pgid, sid;	/* cluster PIDs (ppid 0: outside) */
	u32 home;			/* node whose slice holds pid */
	u32 personality;
	u32 exit_signal, pdeath_signal;
	u32 flags;			/* KRG_GH_TASK_* */
	s32 nice;
	u32 policy, rt_priority;
	u32 ioprio;
	s32 oom_score_adj;
	u32 rseq_len, rseq_sig;
	u64 rseq;			/* user address, 0: none */
	u64 robust_list, robust_list_len;
	u64 clear_child_tid;
	u32 krg_caps[4];		/* struct krg_caps */
	u64 start_time_ns;		/* boot-independent: ns since the epoch */
	u32 loginuid, sessionid;	/* audit; (u32)-1: unset */
	char comm[16];
};
#define KRG_GH_TASK_NO_NEW_PRIVS	0x1
#define KRG_GH_TASK_SUBREAPER		0x2
#define KRG_GH_TASK_DUMPABLE_MASK	0x30	/* SUID_DUMP_* << 4 */
#define KRG_GH_TASK_DUMPABLE_SHIFT	4
#define KRG_GH_TASK_STUB_CHILDREN	0x40	/* children stay with its home task */
#define KRG_GH_TASK_FLAGS		0x73	/* every flag above */

/* CREDS: ids in the initial user namespace. */
#define KRG_GH_GROUPS_MAX	65536
struct krg_gh_creds {
	u32 uid, euid, suid, fsuid;
	u32 gid, egid, sgid, fsgid;
	u32 securebits, ngroups;
	u64 cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
	/* followed by ngroups u32 gids */
};

/* REGS: the NT_PRSTATUS regset (struct user_regs_struct), syscall restart
 * already applied: the process resumes at ip with these values. */
/* FPU: the NT_X86_XSTATE regset (hdr.xstate_size bytes) of the source. */

/* SIGNALS: handlers, mask, alternate stack, then pending signals. */
#define KRG_GH_NSIG		64
struct krg_gh_sigaction {
	u64 handler, flags, restorer, mask;
};
struct krg_gh_sigqueued {
	u32 sig;
	u32 shared;			/* 1: process-wide, 0: the thread's */
	u8 info[48];			/* kernel_siginfo_t */
};
#define KRG_GH_SIGQUEUE_MAX	65536
struct krg_gh_signals {
	u64 blocked;
	u64 sas_ss_sp, sas_ss_size;
	u32 sas_ss_flags, nr_queued;
	struct krg_gh_sigaction action[KRG_GH_NSIG];
	/* followed by nr_queued struct krg_gh_sigqueued */
};

/*
 * THREAD (repeated, in TID order): one more thread of the process.  TASK,
 * REGS, FPU and SIGNALS describe its first thread and what the threads
 * share; a THREAD record holds what each thread has of its own.
 */
#define KRG_GH_THREADS_MAX	256	/* threads of a process, the first included */
struct krg_gh_thread {
	u32 tid;			/* cluster TID */
	u32 nr_queued;			/* signals pending for this thread */
	u64 blocked;
	u64 sas_ss_sp, sas_ss_size;
	u32 sas_ss_flags;
	s32 nice;
	u32 policy, rt_priority;
	u32 rseq_len, rseq_sig;
	u64 rseq;			/* user address, 0: none */
	u64 robust_list, robust_list_len;
	u64 clear_child_tid;
	u32 regs_len, fpu_len;		/* as the REGS and FPU records */
	char comm[16];
	/* followed by regs_len bytes of registers, fpu_len bytes of FPU state
	 * (each padded to 8 bytes), then nr_queued struct krg_gh_sigqueued */
};

/*
 * TIME: the process's clocks when it was captured, as it read them (its
 * time namespace's offsets included), and its ITIMER_REAL.  A restore keeps
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME going on from these values (never
 * backwards) and arms the timer with the time it had left.
 */
struct krg_gh_time {
	s64 monotonic_ns, boottime_ns;	/* CLOCK_MONOTONIC, CLOCK_BOOTTIME */
	s64 realtime_ns;		/* CLOCK_REALTIME at the same moment */
	u64 it_real_value_ns;		/* ITIMER_REAL left, 0: disarmed */
	u64 it_real_interval_ns;
	u32 next_timer_id;		/* the id timer_create gives next */
	u32 pad;
};

/*
 * PTIMER (repeated, in id order, after TIME): one POSIX timer of the
 * process (timer_create) on CLOCK_REALTIME, CLOCK_MONOTONIC,
 * CLOCK_BOOTTIME or CLOCK_TAI.  The target creates it again with the same
 * id, notification and value, and arms it with the time it had left.
 */
#define KRG_GH_PTIMERS_MAX	4096	/* timers of a process */
struct krg_gh_ptimer {
	s32 id;				/* 0..INT_MAX */
	s32 clockid;
	s32 notify;			/* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID | SIGEV_SIGNAL */
	s32 signo;			/* 1-64; 0 with SIGEV_NONE */
	u32 tid;			/* SIGEV_THREAD_ID: the thread's cluster TID */
	u32 pad;
	u64 value;			/* sigev_value */
	s64 it_value_ns;		/* time left, 0: disarmed */
	s64 it_interval_ns;		/* 0 when disarmed */
};

/* RLIMITS: RLIM_NLIMITS (16) pairs of cur, max. */
#define KRG_GH_NR_RLIMITS	16
struct krg_gh_rlimits {
	u64 lim[KRG_GH_NR_RLIMITS][2];
};

/* FS: umask, then the working directory's path (NUL-terminated). */
struct krg_gh_fs {
	u32 umask;
	u32 pad;
	/* followed by the cwd path */
};

/* A file's identity: the same path must name the same file on the target. */
struct krg_gh_ident {
	u64 ino, size;
	s64 mtime_sec, ctime_sec;
	u32 mtime_nsec, ctime_nsec;
	u32 generation;
	u32 s_magic;
	u32 mode;
	u32 rdev;
};

/* MM: the mm_struct fields a process can see, then the exe path. */
#define KRG_GH_AUXV		48	/* AT_VECTOR_SIZE words on x86-64 */
struct krg_gh_mm {
	u64 start_code, end_code, start_data, end_data;
	u64 start_brk, brk, start_stack;
	u64 arg_start, arg_end, env_start, env_end;
	u64 vdso_base;			/* start of [vvar], 0: no vDSO */
	u64 vdso_end;			/* end of [vdso] */
	u32 flags;			/* KRG_GH_MM_* */
	u32 membarrier;			/* KRG_GH_MEMBARRIER_*: registrations */
	u64 auxv[KRG_GH_AUXV];
	struct krg_gh_ident exe;
	/* followed by the exe path, NUL-terminated */
};

#define KRG_GH_MM_THP_DISABLE		0x1	/* prctl(PR_SET_THP_DISABLE) */
#define KRG_GH_MEMBARRIER_PRIVATE	0x1	/* MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED */
#define KRG_GH_MEMBARRIER_GLOBAL	0x2	/* ..._REGISTER_GLOBAL_EXPEDITED */
#define KRG_GH_MEMBARRIER_SYNC_CORE	0x4	/* ..._PRIVATE_EXPEDITED_SYNC_CORE */
#define KRG_GH_MEMBARRIER_RSEQ		0x8	/* ..._PRIVATE_EXPEDITED_RSEQ */

/* VMA: one mapping, in address order, not overlapping. */
enum krg_gh_vma_kind {
	KRG_GH_VMA_ANON,		/* private anonymous (heap, stack, ...) */
	KRG_GH_VMA_SHANON,		/* shared anonymous, this process only */
	KRG_GH_VMA_FILE,		/* file mapping, private or shared */
	KRG_GH_VMA_VDSO,		/* [vvar] or [vdso]: placed by the restorer */
};
struct krg_gh_vma {
	u64 start, end;
	u64 pgoff;			/* in pages, FILE only */
	u32 kind;			/* enum krg_gh_vma_kind */
	u32 prot;			/* PROT_* */
	u32 flags;			/* KRG_GH_VMA_* */
	u32 pad;
	struct krg_gh_ident ident;	/* FILE only */
	/* FILE: followed by the path */
};
#define KRG_GH_VMA_SHARED	0x1
#define KRG_GH_VMA_GROWSDOWN	0x2
#define KRG_GH_VMA_LOCKED	0x4
#define KRG_GH_VMA_MAYWRITE	0x8	/* file opened for writing (shared) */
#define KRG_GH_VMA_NORESERVE	0x1000	/* MAP_NORESERVE */
/* madvise() state */
#define KRG_GH_VMA_DONTFORK	0x10	/* MADV_DONTFORK */
#define KRG_GH_VMA_DONTDUMP	0x20	/* MADV_DONTDUMP */
#define KRG_GH_VMA_WIPEONFORK	0x40	/* MADV_WIPEONFORK */
#define KRG_GH_VMA_SEQUENTIAL	0x80	/* MADV_SEQUENTIAL */
#define KRG_GH_VMA_RANDOM	0x100	/* MADV_RANDOM */
#define KRG_GH_VMA_HUGEPAGE	0x200	/* MADV_HUGEPAGE */
#define KRG_GH_VMA_NOHUGEPAGE	0x400	/* MADV_NOHUGEPAGE */
#define KRG_GH_VMA_MERGEABLE	0x800	/* MADV_MERGEABLE (KSM) */
#define KRG_GH_VMA_MADVISE	0xff0

/* FILE: one open file descriptor, in fd order. */
enum krg_gh_file_kind {
	KRG_GH_FILE_REG,
	KRG_GH_FILE_DIR,
	KRG_GH_FILE_CHR,		/* stateless memory devices */
};
#define KRG_GH_FD_MAX		(1U << 20)
struct krg_gh_file {
	u32 fd;
	u32 kind;			/* enum krg_gh_file_kind */
	u32 flags;			/* f_flags (O_*) */
	u32 cloexec;
	s64 pos;
	struct krg_gh_ident ident;
	/* followed by the path */
};

/*
 * AFD: one open descriptor of an object only a system call can create
 * (anonymous inodes), in fd order among the FILE records.  The target
 * creates it again in the restored task (anonfd.c).
 */
enum krg_gh_afd_kind {
	KRG_GH_AFD_EVENTFD,		/* value: the count */
	KRG_GH_AFD_SIGNALFD,		/* value: the mask (bit n-1: signal n) */
	KRG_GH_AFD_TIMERFD,		/* value: expirations not yet read */
	KRG_GH_AFD_EPOLL,		/* nr_watches struct krg_gh_watch follow */
};
#define KRG_GH_AFD_NONBLOCK	0x1	/* O_NONBLOCK */
#define KRG_GH_AFD_SEMAPHORE	0x2	/* eventfd: EFD_SEMAPHORE */
#define KRG_GH_WATCHES_MAX	512	/* watches of one epoll set */
struct krg_gh_afd {
	u32 fd;
	u32 kind;			/* enum krg_gh_afd_kind */
	u32 flags;			/* KRG_GH_AFD_* */
	u32 cloexec;
	u64 value;
	s32 clockid;			/* timerfd */
	u32 nr_watches;			/* epoll */
	s64 it_value_ns;		/* timerfd: time left, 0: disarmed */
	s64 it_interval_ns;		/* timerfd */
};
struct krg_gh_watch {
	u32 tfd;			/* a lower fd of the process, restored first */
	u32 events;			/* EPOLL* with EPOLLET, EPOLLONESHOT, ... */
	u64 data;
};

/* PAGES: npages pages of memory at addr (4 KiB each), inside one VMA. */
struct krg_gh_pages {
	u64 addr;
	u32 npages;
	u32 pad;
	/* followed by npages * PAGE_SIZE bytes */
};

/* END: the number of records and of pages before it (a truncated stream is
 * refused). */
struct krg_gh_end {
	u64 nr_records, nr_pages;
};

/* ---- reading ---------------------------------------------------------- */

/* A parsed record: payload validated for its type's fixed part. */
struct krg_ghost_item {
	u16 type;
	u32 len;
	const void *data;
};

/*
 * The next record of buf[*off, len): 1 with *it filled, 0 at the end of the
 * buffer, -EINVAL for a malformed record.  Only framing and the fixed part
 * are checked here; the consumer checks the fields.
 */
int krg_ghost_next(const void *buf, size_t len, size_t *off,
		   struct krg_ghost_item *it);
/* Where type comes in a stream: ranks never go back. */
unsigned int krg_ghost_rank(u16 type);
/* Checks a stream header: 0, -EINVAL or -EPROTO. */
int krg_ghost_check_hdr(const struct krg_ghost_hdr *h, u32 xstate_size);
/* A NUL-terminated string at data + off within len, or NULL. */
const char *krg_ghost_str(const void *data, u32 len, u32 off);

/* ---- writing ---------------------------------------------------------- */

/* A growing buffer of whole records. */
struct krg_ghost_buf {
	void *data;
	size_t len, cap;
	size_t head;			/* bytes reserved before the stream (message header) */
	u64 nr_records, nr_pages;
};

int krg_ghost_buf_init(struct krg_ghost_buf *b, size_t head, size_t cap);
void krg_ghost_buf_free(struct krg_ghost_buf *b);
/* Appends a record of len bytes; returns its payload to fill, or ERR_PTR. */
void *krg_ghost_put(struct krg_ghost_buf *b, u16 type, u32 len);
/* Appends a record whose payload is fixed (flen bytes) + a string. */
void *krg_ghost_put_str(struct krg_ghost_buf *b, u16 type, u32 flen,
			const char *s);
/* Drops everything after the reserved head (the buffer is reused). */
void krg_ghost_buf_reset(struct krg_ghost_buf *b);

#endif /* _KRGP_GHOST_H */
