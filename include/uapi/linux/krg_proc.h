/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * krg_proc: Kerrighed cluster-wide processes -- user-space interface.
 *
 * 1. Cluster PIDs.  Every node runs its cluster processes in a PID namespace
 *    of its own (the node's "cluster environment", created by krgd, whose
 *    PID 1 is krginit).  Node N allocates PIDs and TIDs only in its slice
 *    [N << KRG_PID_NODE_SHIFT, (N + 1) << KRG_PID_NODE_SHIFT) (below
 *    KRG_PID_MIN_LOCAL for node 0), so one number names one process on every
 *    node and a fork never needs a message.  PID 1 is every node's own
 *    krginit.  Documentation/krg_proc.md has the whole scheme.
 *
 * 2. Generic netlink family "krg_proc" (spec: Documentation/netlink/krg_proc.yaml).
 *    One flat attribute space (enum krg_proc_attr); each command accepts only
 *    the attributes listed next to it (strict policies).  Commands marked *
 *    need CAP_SYS_ADMIN; CAPS_SET has its own rule (below).  Every rejection
 *    carries an extack message.
 *
 * 3. The misc device /dev/krg_proc, for operations that must run in the
 *    context of a process of the cluster environment (ioctls below).
 *
 * Compatibility: this header only grows.
 */
#ifndef _UAPI_LINUX_KRG_PROC_H
#define _UAPI_LINUX_KRG_PROC_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KRG_PROC_GENL_NAME	"krg_proc"
#define KRG_PROC_GENL_VERSION	1

/* ---- cluster PIDs ----------------------------------------------------- */

#define KRG_PID_NODE_SHIFT	14
#define KRG_PID_PER_NODE	(1U << KRG_PID_NODE_SHIFT)	/* 16384 */
/* PID_MAX_LIMIT of 64-bit Linux: the whole cluster PID space. */
#define KRG_PID_SPACE		(1U << 22)
/* Node 0's slice starts here: 1 .. KRG_PID_MIN_LOCAL - 1 are never allocated. */
#define KRG_PID_MIN_LOCAL	300
/* The node whose slice holds pid (its "home" node). */
#define KRG_PID_NODE(pid)	((__u32)(pid) >> KRG_PID_NODE_SHIFT)

/* ---- Kerrighed capabilities ------------------------------------------- */

/*
 * Per-process cluster capabilities (bit numbers).  Four sets per process:
 * effective (what it may do now), permitted (what it may make effective),
 * inheritable-permitted and inheritable-effective (what its children get).
 *
 * fork: child.permitted = parent.inheritable_permitted;
 *       child.effective = parent.inheritable_effective & parent.inheritable_permitted;
 *       child's inheritable sets = the parent's.
 * exec: nothing changes.
 * set:  effective, inheritable_permitted and inheritable_effective must be
 *       subsets of permitted, inheritable_effective of inheritable_permitted
 *       (EINVAL); unknown bits ENOSYS.  The caller must own the target
 *       (real or effective uid equal to its real or saved uid; EPERM), and
 *       unless it has CAP_SYS_ADMIN the target must have CHANGE_KERRIGHED_CAP
 *       effective and the new permitted set must be within the old one
 *       (EPERM).
 */
enum krg_cap {
	KRG_CAP_CHANGE_KERRIGHED_CAP,	/* may change its own capabilities */
	KRG_CAP_CAN_MIGRATE,		/* may be migrated */
	KRG_CAP_DISTANT_FORK,		/* its forks may create the child on another node */
	KRG_CAP_CHECKPOINTABLE,		/* may be checkpointed */
	KRG_CAP_SEE_LOCAL_PROC_STAT,	/* /proc/{meminfo,stat,...} show its node, not the cluster */

	__KRG_CAP_COUNT
};
#define KRG_CAP_SUPPORTED	((1U << __KRG_CAP_COUNT) - 1)

/* The four sets, bit n = enum krg_cap n (KRG_PROC_A_CAPS). */
struct krg_caps {
	__u32 effective;
	__u32 permitted;
	__u32 inheritable_effective;
	__u32 inheritable_permitted;
};

/* Node defaults (CONFIG_SET DEFAULT_CAPS), the capabilities of the first
 * cluster process of every job (krg run).  cluster.conf "capabilities
 * opt-out" (default) gives every capability but SEE_LOCAL_PROC_STAT,
 * "capabilities opt-in" only CHANGE_KERRIGHED_CAP effective.
 */
#define KRG_CAPS_DEFAULT_OPT_OUT_EFFECTIVE				\
	((1U << KRG_CAP_CHANGE_KERRIGHED_CAP) | (1U << KRG_CAP_CAN_MIGRATE) | \
	 (1U << KRG_CAP_DISTANT_FORK) | (1U << KRG_CAP_CHECKPOINTABLE))
#define KRG_CAPS_DEFAULT_OPT_IN_EFFECTIVE (1U << KRG_CAP_CHANGE_KERRIGHED_CAP)

/* ---- generic netlink ---------------------------------------------------- */

/*
 * Commands.
 *
 *  STATUS      do     -> ENV_STATE NODE_ID PID_MIN PID_MAX INIT_PID
 *                        NR_LOCAL DEFAULT_CAPS
 *                        The cluster environment of this node; INIT_PID is
 *                        krginit's PID in the caller's PID namespace (0 if
 *                        it has none there).
 *  PS          dump   <- [NODE_SET] [UID]
 *                     -> one message per process: PID PPID PGID SID NODE UID
 *                        GID STATE NR_THREADS CPU_TIME_NS START_TIME_NS
 *                        RSS_KB COMM CMDLINE
 *                        Every cluster process of every ONLINE node (of the
 *                        nodes in NODE_SET, of user UID), by node then PID.
 *                        One round of messages to the nodes asked.
 *  CAPS_GET    do     <- [PID]  -> PID CAPS
 *                        PID 0 or absent: the caller itself (which must then
 *                        be a cluster process).  ESRCH, EPERM as for
 *                        CAPS_SET's ownership rule (reading is allowed to the
 *                        owner or CAP_SYS_ADMIN).
 *  CAPS_SET    do     <- [PID] CAPS   (rule: see enum krg_cap)
 *  CONFIG_SET  do*    <- DEFAULT_CAPS : capabilities of new jobs on this node.
 *  LEAVE_CHECK do*    <- NODE_SET [KILL]
 *                        Before nodes leave: EBUSY, with the first processes
 *                        named in the extack message, if one of them runs
 *                        cluster processes; with KILL they are killed
 *                        (SIGKILL) and the call returns once they are gone
 *                        (ETIMEDOUT after 10 s).
 *  MIGRATE     do     <- PID NODE   -> PID NODE (where it runs now)
 *                        Moves cluster process PID (its whole thread group)
 *                        to node NODE and returns once it runs there, with
 *                        the same PID, or once the attempt failed and it
 *                        still runs where it was (never on zero or two
 *                        nodes).  Rule: the caller has CAP_SYS_ADMIN, or
 *                        it may signal PID (kill(2)'s rule: its real or
 *                        effective uid is PID's real or saved uid); PID must
 *                        have CAN_MIGRATE effective.  Refusals name what
 *                        cannot move in the extack message (EBUSY: ptraced,
 *                        vfork in progress, io_uring, memory shared with a
 *                        process that stays, an open file of a kind that
 *                        cannot move yet, ...; EHOSTDOWN: NODE not online or
 *                        without a cluster environment; EPERM; ESRCH).
 *                        Migrating to the node it runs on succeeds at once.
 */
enum krg_proc_cmd {
	KRG_PROC_CMD_UNSPEC,
	KRG_PROC_CMD_STATUS,
	KRG_PROC_CMD_PS,
	KRG_PROC_CMD_CAPS_GET,
	KRG_PROC_CMD_CAPS_SET,
	KRG_PROC_CMD_CONFIG_SET,
	KRG_PROC_CMD_LEAVE_CHECK,
	KRG_PROC_CMD_MIGRATE,

	__KRG_PROC_CMD_MAX,
	KRG_PROC_CMD_MAX = __KRG_PROC_CMD_MAX - 1
};

enum krg_proc_attr {
	KRG_PROC_A_UNSPEC,
	KRG_PROC_A_PAD,			/* pad: for u64 attributes */
	KRG_PROC_A_ENV_STATE,		/* u32, enum krg_proc_env_state */
	KRG_PROC_A_NODE_ID,		/* u32 */
	KRG_PROC_A_PID_MIN,		/* u32: this node's PID slice [MIN, MAX) */
	KRG_PROC_A_PID_MAX,		/* u32 */
	KRG_PROC_A_INIT_PID,		/* u32 */
	KRG_PROC_A_NR_LOCAL,		/* u32: cluster processes running here */
	KRG_PROC_A_DEFAULT_CAPS,	/* binary, struct krg_caps */
	/* binary bitmap, bit n (byte n/8, 1 << n%8) = node n, 1 .. KRG_MAX_NODES/8 bytes */
	KRG_PROC_A_NODE_SET,
	KRG_PROC_A_PID,			/* u32: a cluster PID */
	KRG_PROC_A_PPID,		/* u32 (0: parent outside the cluster) */
	KRG_PROC_A_PGID,		/* u32 (0: group outside the cluster) */
	KRG_PROC_A_SID,			/* u32 (0: session outside the cluster) */
	KRG_PROC_A_NODE,		/* u32: node it runs on */
	KRG_PROC_A_UID,			/* u32: real uid */
	KRG_PROC_A_GID,			/* u32: real gid */
	KRG_PROC_A_STATE,		/* u8: 'R', 'S', 'D', 'T', 't', 'Z', 'X', 'I' as in ps */
	KRG_PROC_A_NR_THREADS,		/* u32 */
	KRG_PROC_A_CPU_TIME_NS,		/* u64: user + system time of all threads */
	KRG_PROC_A_START_TIME_NS,	/* u64: start, nanoseconds since the Unix epoch */
	KRG_PROC_A_RSS_KB,		/* u64 */
	KRG_PROC_A_COMM,		/* string, at most 15 bytes */
	KRG_PROC_A_CMDLINE,		/* binary: argv, NUL-separated, at most KRG_PROC_CMDLINE_MAX */
	KRG_PROC_A_CAPS,		/* binary, struct krg_caps */
	KRG_PROC_A_KILL,		/* flag */

	__KRG_PROC_A_MAX,
	KRG_PROC_A_MAX = __KRG_PROC_A_MAX - 1
};

#define KRG_PROC_CMDLINE_MAX	512

enum krg_proc_env_state {
	KRG_PROC_ENV_NONE,		/* no cluster environment on this node */
	KRG_PROC_ENV_READY,		/* krginit registered: cluster processes can run */
};

/* ---- /dev/krg_proc ------------------------------------------------------ */

#define KRG_PROC_DEV_NAME	"krg_proc"	/* /dev/krg_proc */
#define KRG_PROC_IOC_MAGIC	0xD1

/*
 * ENV_INIT: krginit, PID 1 of a fresh PID namespace, with CAP_SYS_ADMIN and
 * its own mount namespace where /proc is that namespace's procfs, makes its
 * namespace the node's cluster environment.  The environment lives as long
 * as the file this ioctl was called on stays open (krginit keeps it open
 * until it exits).  EBUSY if the node has one already, EINVAL if the caller
 * is not PID 1 of its namespace or /proc is not that namespace's procfs.
 */
struct krg_proc_env_init {
	__u32 version;			/* KRG_PROC_ENV_VERSION */
	__u32 flags;			/* 0 */
};
#define KRG_PROC_ENV_VERSION	1

/*
 * AGENT: a thread of krginit lends its context to the kernel: the call
 * serves the requests that must run inside the cluster environment
 * (signals from other nodes, ...) and returns 0 when the environment ends,
 * -EINTR on a signal.  Same caller rules as ENV_INIT, on the same file.
 */
#define KRG_PROC_IOC_ENV_INIT	_IOW(KRG_PROC_IOC_MAGIC, 1, struct krg_proc_env_init)
#define KRG_PROC_IOC_AGENT	_IO(KRG_PROC_IOC_MAGIC, 2)

/*
 * Restoring a process that migrated here (Documentation/ghost.md).
 *
 * RESTORER_WAIT: a thread of krginit (same caller rules as AGENT) waits for
 * a process to restore and returns 0 with *job filled, 0 with job->id == 0
 * when the environment ends, -EINTR on a signal.  krginit then creates the
 * restorer: clone3() with set_tid = { job->pid } (one level: the cluster
 * namespace) and exit_signal SIGCHLD.  The child
 *   1. enters a new time namespace whose offsets are job's (so that the
 *      process's CLOCK_MONOTONIC and CLOCK_BOOTTIME go on from where they
 *      were on the source): unshare(CLONE_NEWTIME), writes the offsets to
 *      /proc/self/timens_offsets, setns() to /proc/self/ns/time_for_children;
 *   2. when job->vdso_base is not 0 and its own [vvar] mapping does not
 *      start there: unmaps its [vvar] and [vdso] and calls
 *      arch_prctl(ARCH_MAP_VDSO_64, job->vdso_base) -- without calling the
 *      vDSO in between -- and checks that [vvar] now starts there;
 *   3. calls RESTORE with the job (and any error of steps 1-2 in job->error,
 *      positive errno, and the step in job->error_step, so that the kernel
 *      reports it to the source node).
 * RESTORE does not return on success: the child has become the migrated
 * process (its memory, files, credentials, signal state and registers) and
 * goes on where it was stopped.  On failure it returns -1/errno and the
 * child must _exit(127) at once (its memory may be gone); the source node
 * is told and the process keeps running there.
 */
struct krg_proc_restore_job {
	__u64 id;			/* out of RESTORER_WAIT; 0: the environment ended */
	__u32 pid;			/* out: the PID the restorer must get */
	__u32 error;			/* in (RESTORE): positive errno of step 1, else 0 */
	__u64 vdso_base;		/* out: where [vvar] must start, 0 = no vDSO */
	__s64 monotonic_offset_ns;	/* out: offsets of its time namespace */
	__s64 boottime_offset_ns;
	__u32 error_step;		/* in: KRG_PROC_RESTORE_STEP_* that failed */
	__u32 pad;
};
#define KRG_PROC_RESTORE_STEP_VDSO	0
#define KRG_PROC_RESTORE_STEP_TIMENS	1
#define KRG_PROC_IOC_RESTORER_WAIT _IOR(KRG_PROC_IOC_MAGIC, 3, struct krg_proc_restore_job)
#define KRG_PROC_IOC_RESTORE	_IOW(KRG_PROC_IOC_MAGIC, 4, struct krg_proc_restore_job)
/*
 * A multi-threaded process: RESTORE first makes the restorer create the
 * other threads with their TIDs.  It returns into a page of code the
 * kernel placed in the restorer (modules/krg_proc/trampoline.S), which
 * calls clone3() once per thread; the new thread calls RESTORE_THREAD
 * (argument: a pointer to the job's id) and becomes that thread of the
 * process, the restorer calls RESTORE_CONT with clone3()'s result.  Only
 * that code calls them; the restorer itself sees none of it.
 */
#define KRG_PROC_IOC_RESTORE_THREAD _IOW(KRG_PROC_IOC_MAGIC, 5, __u64)
#define KRG_PROC_IOC_RESTORE_CONT _IO(KRG_PROC_IOC_MAGIC, 6)

#endif /* _UAPI_LINUX_KRG_PROC_H */
