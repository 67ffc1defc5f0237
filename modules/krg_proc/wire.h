/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The messages krg_proc nodes exchange (service KRG_SVC_PROC of krg_comm).
 *
 * Every request is a struct krgp_hdr followed by the op's fixed body and, for
 * some ops, a variable tail whose length the body states.  All fields are
 * little-endian; nothing is a kernel pointer.  The receiver checks the
 * version, the op, every length against the received size and every count
 * against its maximum before it looks at anything else, and answers a bad
 * message with -EBADMSG (counted), never a crash.  Replies carry the status
 * in krg_comm's reply status and the op's reply body in its payload.
 *
 * Documentation/krg_proc.md has the same tables for people.
 */
#ifndef _KRGP_WIRE_H
#define _KRGP_WIRE_H

#include <linux/types.h>
#include <uapi/linux/krg_proc.h>

#define KRGP_WIRE_VERSION	1

enum krgp_op {
	KRGP_OP_PIDS = 1,	/* tgids running here, from a PID on */
	KRGP_OP_PS,		/* process records for krg ps */
	KRGP_OP_PID_INFO,	/* does a process run here, and its owner */
	KRGP_OP_PROC_READ,	/* read /proc/<pid>/<file> as the reader */
	KRGP_OP_PROC_LINK,	/* readlink /proc/<pid>/{cwd,exe,fd/N} */
	KRGP_OP_PROC_FDS,	/* the fd numbers of a process */
	KRGP_OP_NODE_STAT,	/* this node's /proc/{meminfo,stat,...} */
	KRGP_OP_SIGNAL,		/* kill/tkill/tgkill/sigqueue to one PID */
	KRGP_OP_SIGNAL_GROUP,	/* kill(-pgid) / kill(-1) members here */
	KRGP_OP_SYSCALL,	/* getpgid/getsid/getpriority/setpriority */
	KRGP_OP_CAPS_GET,
	KRGP_OP_CAPS_SET,
	KRGP_OP_LEAVE_CHECK,	/* which cluster processes run here; kill them */
	KRGP_OP_PROC_BATCH,	/* one /proc/<pid>/<file> of every process here */
	KRGP_OP_MIGRATE,	/* move a process that runs (or whose stub is) here */
	KRGP_OP_MIG_DATA,	/* source -> target: a chunk of the ghost stream */
	KRGP_OP_MIG_GO,		/* source -> target: the process runs there now */
	KRGP_OP_MIG_ABORT,	/* source -> target: forget the migration */
	KRGP_OP_MIG_EXIT,	/* a guest -> its home: it ended with a status */
	KRGP_OP_MIG_MOVED,	/* source -> home: the process runs on node now */
	KRGP_OP_WAIT,		/* a guest -> its home: wait for the stub's children */
	__KRGP_OP_MAX
};

struct krgp_hdr {
	u8 version;
	u8 op;
	__le16 flags;		/* 0 */
	__le32 len;		/* bytes after this header */
};

/* Supplementary groups carried with a credential (the rest are dropped). */
#define KRGP_WIRE_GROUPS	32

/*
 * The credentials of the task on whose behalf a request runs, ids in the
 * initial user namespace.  The node that serves the request evaluates the
 * kernel's own permission rules against them.
 */
struct krgp_wire_cred {
	__le32 uid, euid, suid, fsuid;
	__le32 gid, egid, sgid, fsgid;
	__le64 cap_effective;	/* kernel capability bits 0..63 */
	__le32 ngroups;		/* <= KRGP_WIRE_GROUPS */
	__le32 groups[KRGP_WIRE_GROUPS];
};

/*
 * KRGP_OP_PIDS: -> struct krgp_pid_info[] (the owner of each /proc/<pid>,
 * as PID_INFO gives it), ascending, all >= from, at most max.
 */
struct krgp_pids_req {
	__le32 from;
	__le32 max;		/* 1 .. KRGP_PIDS_MAX */
};
#define KRGP_PIDS_MAX		16384

/* KRGP_OP_PS: -> struct krgp_ps_rec records (variable length, packed). */
struct krgp_ps_req {
	__le32 flags;		/* KRGP_PS_UID: only processes of uid */
	__le32 uid;
};
#define KRGP_PS_UID		0x1
#define KRGP_PS_MAX		16384	/* records per node reply */

struct krgp_ps_rec {
	__le32 pid, ppid, pgid, sid;
	__le32 uid, gid, nr_threads, reserved;
	__le64 cpu_time_ns, start_time_ns, rss_kb;
	u8 state;
	u8 pad;
	__le16 cmdline_len;	/* <= KRG_PROC_CMDLINE_MAX, bytes after comm */
	char comm[16];		/* NUL-terminated */
	/* followed by cmdline_len bytes of NUL-separated argv */
};

/* KRGP_OP_PID_INFO: -> struct krgp_pid_info, -ESRCH if not here. */
struct krgp_pid_req {
	__le32 pid;
};

struct krgp_pid_info {
	__le32 pid;
	__le32 euid, egid;	/* owner of /proc/<pid> */
	__le32 dumpable;	/* 1: owner-readable entries belong to euid */
};

/* /proc/<pid> entries served for remote processes. */
enum krgp_proc_file {
	KRGP_PF_STAT,
	KRGP_PF_STATUS,
	KRGP_PF_STATM,
	KRGP_PF_CMDLINE,
	KRGP_PF_COMM,
	KRGP_PF_ENVIRON,
	KRGP_PF_LIMITS,
	KRGP_PF_CWD,		/* links from here on */
	KRGP_PF_EXE,
	KRGP_PF_FD,		/* the fd directory; its entries are links */
	__KRGP_PF_MAX
};

/* KRGP_OP_PROC_READ / PROC_LINK / PROC_FDS: -> bytes / target / __le32 fds[] */
struct krgp_proc_req {
	struct krgp_wire_cred cred;
	__le32 pid;
	__le32 file;		/* enum krgp_proc_file */
	__le32 fd;		/* PROC_LINK of KRGP_PF_FD: which fd */
	__le32 pad;
	__le64 start_boot_ns;	/* reader's boot time (ns since the epoch),
				 * to put stat's start time in its time base */
};
#define KRGP_PROC_READ_MAX	(256U << 10)
#define KRGP_PROC_FDS_MAX	4096

/*
 * KRGP_OP_PROC_BATCH (body: struct krgp_proc_req, pid = the first PID,
 * file one of stat, status, statm, cmdline, comm): -> for every process
 * here from that PID on, ascending, a struct krgp_batch_rec and len bytes,
 * as PROC_READ would give them, until KRGP_BATCH_MAX bytes.  A scan of
 * /proc (ps, top) reads each node's files in one message.
 */
struct krgp_batch_rec {
	__le32 pid;
	__le32 error;		/* positive errno of PROC_READ, or 0 */
	__le32 len;		/* bytes that follow (0 with an error) */
};
#define KRGP_BATCH_MAX		(4U << 20)

/* KRGP_OP_NODE_STAT: -> the text of /proc/<file> on the serving node. */
enum krgp_node_file {
	KRGP_NF_MEMINFO,
	KRGP_NF_STAT,
	KRGP_NF_LOADAVG,
	KRGP_NF_CPUINFO,
	KRGP_NF_UPTIME,
	__KRGP_NF_MAX
};

struct krgp_node_stat_req {
	__le32 file;		/* enum krgp_node_file */
};
#define KRGP_NODE_STAT_MAX	(512U << 10)

/*
 * KRGP_OP_SIGNAL: -> status only; for a child's SIGCHLD that a stub
 * forwards, a __le32 KRGP_SIG_REAP body asks it to reap the child (wait.c).
 */
enum krgp_sig_kind {
	KRGP_SIG_PROCESS,	/* kill, rt_sigqueueinfo: the thread group */
	KRGP_SIG_THREAD,	/* tkill, tgkill, rt_tgsigqueueinfo: one thread */
};

/*
 * The sender's siginfo as the kernel holds it (kernel_siginfo_t, 48 bytes on
 * x86-64: every node of a cluster runs the same kernel build).  si_pid is
 * the sender's cluster PID, si_uid in the initial user namespace.
 */
#define KRGP_SIGINFO_SIZE	48
struct krgp_wire_siginfo {
	u8 raw[KRGP_SIGINFO_SIZE];
};

struct krgp_signal_req {
	struct krgp_wire_cred cred;
	__le32 kind;		/* enum krgp_sig_kind */
	__le32 tgid;		/* THREAD: the thread's group, 0 = any */
	__le32 pid;
	__le32 sig;		/* 0 .. _NSIG, 0 = existence/permission check */
	__le32 sender_sid;	/* sender's session (cluster PID), 0 if none */
	__le32 hops;		/* forwards so far: a THREAD signal goes through
				 * the stub's node to where its process runs */
	struct krgp_wire_siginfo info;
};
#define KRGP_SIGNAL_HOPS	2

/* KRGP_OP_SIGNAL_GROUP: -> struct krgp_group_result. */
struct krgp_group_req {
	struct krgp_wire_cred cred;
	__le32 pgid;		/* 0: every process (kill(-1)) */
	__le32 sig;
	__le32 sender_tgid;	/* excluded from kill(-1) */
	__le32 sender_sid;
	struct krgp_wire_siginfo info;
};

struct krgp_group_result {
	__le32 found;		/* processes that matched */
	__le32 delivered;	/* ... and were signalled */
	__le32 last_error;	/* positive errno of the last failure, 0 */
	__le32 last_other;	/* ... of the last failure other than EPERM */
};

/* KRGP_OP_SYSCALL */
enum krgp_sys {
	KRGP_SYS_GETPGID,
	KRGP_SYS_GETSID,
	KRGP_SYS_GETPRIORITY,	/* PRIO_PROCESS: one; PRIO_PGRP/USER: members here */
	KRGP_SYS_SETPRIORITY,
};

struct krgp_sys_req {
	struct krgp_wire_cred cred;
	__le32 sys;		/* enum krgp_sys */
	__le32 which;		/* PRIO_* */
	__le32 who;
	__le32 niceval;		/* SETPRIORITY, already clamped to [-20, 19] */
};

/* Reply: result >= 0, or -ESRCH when nothing here matched (PGRP/USER). */
struct krgp_sys_result {
	__le32 found;		/* PRIO_PGRP/USER: processes that matched here */
	__le32 value;		/* GETPGID/GETSID: the id; GETPRIORITY: 20 - nice max */
};

/* KRGP_OP_CAPS_GET / KRGP_OP_CAPS_SET: -> struct krg_caps (little-endian). */
struct krgp_caps_req {
	struct krgp_wire_cred cred;
	__le32 pid;
	__le32 pad;
	__le32 caps[4];		/* SET: effective, permitted, inh_eff, inh_perm */
};

/* KRGP_OP_LEAVE_CHECK: -> struct krgp_leave_result + procs[count]. */
struct krgp_leave_req {
	__le32 kill;		/* 1: SIGKILL them and wait (bounded) */
};

struct krgp_leave_proc {
	__le32 pid;
	char comm[16];		/* NUL-terminated */
};

struct krgp_leave_result {
	__le32 total;		/* cluster processes still running here */
	__le32 count;		/* listed after this (at most KRGP_LEAVE_LIST) */
};
#define KRGP_LEAVE_LIST		8

/*
 * KRGP_OP_MIGRATE: -> struct krgp_migrate_result.  Served by the node the
 * process runs on (or its home, which forwards to where it runs; at most
 * KRGP_MIGRATE_HOPS forwards).
 */
struct krgp_migrate_req {
	struct krgp_wire_cred cred;
	__le32 pid;
	__le32 node;		/* target */
	__le32 hops;
	__le32 pad;
};
#define KRGP_MIGRATE_HOPS	2

struct krgp_migrate_result {
	__le32 node;		/* where the process runs now */
	__le32 status;		/* MIGRATE: 0 or -errno (the reply's own status is 0) */
	char why[160];		/* the refusal's reason, NUL-terminated ("" if none) */
};

/*
 * KRGP_OP_MIG_DATA (variable length): struct krgp_mig_data, then whole ghost
 * records (the first chunk starts with the stream header).  The reply to the
 * LAST chunk comes once the process is restored and waits for GO; a failed
 * restore answers with the error and a struct krgp_migrate_result (why).
 */
struct krgp_mig_data {
	__le64 mig_id;		/* the source's number for this migration */
	__le32 pid;
	__le32 seq;		/* 0, 1, ... */
	__le32 flags;		/* KRGP_MIG_LAST */
	__le32 pad;
	__le64 vdso_base;	/* seq 0: where the restorer's [vvar] must be */
	__le64 monotonic_ns;	/* the process's clocks (ns) when sent */
	__le64 boottime_ns;
};
#define KRGP_MIG_LAST		0x1

/* KRGP_OP_MIG_GO / MIG_ABORT: -> status only. */
struct krgp_mig_ctl {
	__le64 mig_id;
	__le32 pid;
	__le32 pad;
};

/* KRGP_OP_MIG_EXIT / MIG_MOVED: -> status only. */
struct krgp_mig_note {
	__le32 pid;
	__le32 value;		/* EXIT: wait status; MOVED: the node */
};

/*
 * KRGP_OP_WAIT: -> struct krgp_wait_result when a child is reported, no
 * body when none is yet (status 0), or -errno (-ECHILD: none could be).  The home task (stub) of process pid runs
 * waitid(which, upid, options | WNOHANG) for it: its children stayed there.
 */
struct krgp_wait_req {
	__le32 pid;		/* the process that waits (its stub's PID) */
	__le32 which;		/* P_ALL, P_PID, P_PGID (upid > 0) */
	__le32 upid;
	__le32 options;		/* WEXITED, WSTOPPED, WCONTINUED, WNOWAIT, __W* */
	__le32 rusage;		/* 1: the reply carries the child's rusage */
	__le32 pad;
};

#define KRGP_RUSAGE_WORDS	18	/* struct rusage: 2 timevals + 14 longs */
struct krgp_wait_result {
	__le32 pid, uid;	/* uid in the initial user namespace */
	__le32 status;		/* as waitid's si_status */
	__le32 cause;		/* CLD_EXITED, CLD_KILLED, ... */
	__le64 rusage[KRGP_RUSAGE_WORDS];
};

#endif /* _KRGP_WIRE_H */
