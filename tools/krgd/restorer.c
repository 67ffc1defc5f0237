// SPDX-License-Identifier: GPL-2.0
/*
 * The restorer: the child krginit creates for a process that migrates to
 * this node (include/uapi/linux/krg_proc.h, RESTORER_WAIT and RESTORE).
 *
 * clone3() with set_tid gives it the migrated process's PID in the cluster
 * namespace (krginit has CAP_SYS_ADMIN there); it is a child of krginit,
 * whose main thread reaps it like any orphan.  The child is a copy of a
 * multi-threaded process made behind glibc's back: it runs nothing but
 * system calls through syscall(2) (no malloc, no stdio, no locks, nothing
 * the vDSO serves), and reads /proc/self/maps with a static buffer.
 *
 * Before it hands itself to the kernel it
 *  - drops the rseq area glibc registered for the krginit thread it was
 *    copied from: that area is in memory the restore replaces, and the
 *    kernel would go on writing the CPU number there;
 *  - enters a time namespace of its own whose offsets make the process's
 *    CLOCK_MONOTONIC and CLOCK_BOOTTIME go on from their values on the
 *    source node (they count from each node's boot);
 *  - puts its vDSO where the migrated process had it ([vvar] at
 *    job->vdso_base), since the process's code and saved context point into
 *    it: unmap [vvar] and [vdso], arch_prctl(ARCH_MAP_VDSO_64), check.
 * A failure there goes to the kernel in job->error (a positive errno); the
 * kernel tells the source node, where the process keeps running.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/sched.h>

#include "krg.h"
#include "krgd.h"
#include "restorer.h"

#define PAGE_MASK_4K	0xfffULL
/* a line of /proc/self/maps is at most a PATH_MAX path and ~80 bytes */
#define MAPS_BUF	(2 * 4096 + 256)

static char maps_buf[MAPS_BUF];

/* Address ranges [start, end) of the vDSO's two parts. */
struct vdso_layout {
	uint64_t vvar_start, vvar_end;
	uint64_t vdso_start, vdso_end;
};

enum area { A_OTHER, A_VVAR, A_VDSO };

/* Called once per mapping; a non-zero return (positive errno) stops the walk. */
typedef int (*maps_cb)(uint64_t start, uint64_t end, enum area area, void *arg);

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* "start-end perms ... [name]": 0 or EINVAL for a line it cannot read. */
static int parse_line(const char *line, size_t len, maps_cb cb, void *arg)
{
	uint64_t v[2] = { 0, 0 };
	enum area area = A_OTHER;
	size_t i = 0;
	int k;

	for (k = 0; k < 2; k++) {
		size_t first = i;

		for (; i < len; i++) {
			char c = line[i];
			unsigned int d = c >= '0' && c <= '9' ? (unsigned int)(c - '0') :
					 c >= 'a' && c <= 'f' ? (unsigned int)(c - 'a' + 10) : 16;

			if (d == 16)
				break;
			if (v[k] >> 60)
				return EINVAL;
			v[k] = v[k] << 4 | d;
		}
		if (i == first || i == len || line[i] != (k ? ' ' : '-'))
			return EINVAL;
		i++;
	}
	while (len && line[len - 1] == ' ')
		len--;
	/* [vvar], and [vvar_vclock] of later kernels: both belong to the vDSO */
	if (has_suffix(line, len, "[vdso]"))
		area = A_VDSO;
	else if (len && line[len - 1] == ']' && memmem(line, len, " [vvar", 6))
		area = A_VVAR;
	return cb(v[0], v[1], area, arg);
}

/* Every mapping of the caller, in address order. */
static int maps_walk(maps_cb cb, void *arg)
{
	size_t have = 0, start;
	long fd, n;
	int ret = 0;

	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	for (;;) {
		n = syscall(SYS_read, fd, maps_buf + have, sizeof(maps_buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = errno;
			break;
		}
		have += (size_t)n;
		for (start = 0; !ret;) {
			char *nl = memchr(maps_buf + start, '\n', have - start);

			if (!nl)
				break;
			ret = parse_line(maps_buf + start, (size_t)(nl - maps_buf) - start, cb, arg);
			start = (size_t)(nl - maps_buf) + 1;
		}
		if (ret)
			break;
		memmove(maps_buf, maps_buf + start, have - start);
		have -= start;
		if (!n) {
			ret = have ? EINVAL : 0;	/* a last line without its newline */
			break;
		}
		if (have == sizeof(maps_buf)) {
			ret = E2BIG;			/* a line longer than any can be */
			break;
		}
	}
	syscall(SYS_close, fd);
	return ret;
}

static int find_vdso(uint64_t start, uint64_t end, enum area area, void *arg)
{
	struct vdso_layout *l = arg;

	if (area == A_VVAR) {
		if (!l->vvar_end || start < l->vvar_start)
			l->vvar_start = start;
		if (end > l->vvar_end)
			l->vvar_end = end;
	} else if (area == A_VDSO) {
		if (l->vdso_end)
			return EINVAL;			/* two vDSOs? */
		l->vdso_start = start;
		l->vdso_end = end;
	}
	return 0;
}

struct range {
	uint64_t start, end;
};

static int check_free(uint64_t start, uint64_t end, enum area area, void *arg)
{
	const struct range *r = arg;

	return area == A_OTHER && start < r->end && r->start < end ? EBUSY : 0;
}

static int vdso_layout(struct vdso_layout *l)
{
	int ret;

	memset(l, 0, sizeof(*l));
	ret = maps_walk(find_vdso, l);
	if (!ret && (!l->vvar_end || !l->vdso_end))
		ret = ENOENT;
	return ret;
}

/* Puts [vvar] at base and [vdso] after it; 0 or a positive errno. */
static int move_vdso(uint64_t base)
{
	struct vdso_layout l;
	struct range r;
	uint64_t size;
	int ret;

	ret = vdso_layout(&l);
	if (ret)
		return ret;
	if (l.vvar_start == base)
		return 0;
	size = (l.vvar_end - l.vvar_start) + (l.vdso_end - l.vdso_start);
	if (base & PAGE_MASK_4K || base + size < base)
		return EINVAL;
	r = (struct range){ base, base + size };
	ret = maps_walk(check_free, &r);
	if (ret)
		return ret;
	/* from here until the check below, nothing may call into the vDSO */
	if (syscall(SYS_munmap, l.vvar_start, l.vvar_end - l.vvar_start) ||
	    syscall(SYS_munmap, l.vdso_start, l.vdso_end - l.vdso_start))
		return errno;
	if (syscall(SYS_arch_prctl, ARCH_MAP_VDSO_64, base) < 0)
		return errno;
	ret = vdso_layout(&l);
	if (ret)
		return ret;
	return l.vvar_start == base ? 0 : EADDRINUSE;
}

/* glibc registered an rseq area for the thread this child was copied from,
 * and fork keeps the registration.  Nothing registered is fine too.
 */
static void drop_rseq(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	if (!__rseq_size)
		return;
	/* the length must be the registered one: 32 (the original struct rseq)
	 * whatever __rseq_size says (20, the features used, in Debian's 2.36)
	 */
	if (syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) && __rseq_size != 32)
		syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

/* v in decimal at p; its length. */
static size_t put_uint(char *p, uint64_t v)
{
	char digits[24];
	size_t n = 0, k = 0;

	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		p[n++] = digits[--k];
	return n;
}

/* "<name> <sec> <nsec>\n" for an offset of ns nanoseconds (nsec in [0, 1e9)). */
static size_t put_offset(char *p, const char *name, int64_t ns)
{
	int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
	size_t n = strlen(name);

	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	memcpy(p, name, n);
	p[n++] = ' ';
	if (sec < 0)
		p[n++] = '-';
	n += put_uint(p + n, sec < 0 ? -(uint64_t)sec : (uint64_t)sec);
	p[n++] = ' ';
	n += put_uint(p + n, (uint64_t)nsec);
	p[n++] = '\n';
	return n;
}

/* A new time namespace with job's offsets, entered: 0 or a positive errno. */
static int enter_timens(const struct krg_proc_restore_job *job)
{
	char buf[128];
	size_t len;
	long fd, n;
	int ret = 0;

	if (syscall(SYS_unshare, CLONE_NEWTIME))
		return errno;
	len = put_offset(buf, "monotonic", job->monotonic_offset_ns);
	len += put_offset(buf + len, "boottime", job->boottime_offset_ns);
	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = syscall(SYS_write, fd, buf, len);
	if (n < 0)
		ret = errno;
	else if ((size_t)n != len)
		ret = EIO;
	syscall(SYS_close, fd);
	if (ret)
		return ret;
	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_setns, fd, CLONE_NEWTIME))
		ret = errno;
	syscall(SYS_close, fd);
	return ret;
}

static void __attribute__((noreturn)) restore_child(int env_fd, struct krg_proc_restore_job *job)
{
	drop_rseq();
	job->error = (uint32_t)enter_timens(job);
	job->error_step = KRG_PROC_RESTORE_STEP_TIMENS;
	if (!job->error && job->vdso_base) {
		job->error = (uint32_t)move_vdso(job->vdso_base);
		job->error_step = KRG_PROC_RESTORE_STEP_VDSO;
	}
	/* does not return when the child became the migrated process */
	syscall(SYS_ioctl, env_fd, KRG_PROC_IOC_RESTORE, job);
	syscall(SYS_exit_group, 127);
	__builtin_unreachable();
}

void restorer_spawn(int env_fd, const struct krg_proc_restore_job *job)
{
	struct krg_proc_restore_job copy = *job;
	pid_t tid = (pid_t)job->pid;
	struct clone_args args;
	long ret;

	if (job->pid <= 1 || job->pid >= KRG_PID_SPACE) {
		logmsg("restore job %llu: invalid PID %u: left to the kernel's timeout",
		       (unsigned long long)job->id, job->pid);
		return;
	}
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uintptr_t)&tid;
	args.set_tid_size = 1;
	ret = syscall(SYS_clone3, &args, sizeof(args));
	if (!ret)
		restore_child(env_fd, &copy);
	if (ret < 0)
		logmsg("restore job %llu: cannot create pid %u: clone3: %m%s",
		       (unsigned long long)job->id, job->pid,
		       errno == EEXIST ? " (the PID is taken on this node)" : "");
}
