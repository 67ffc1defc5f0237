/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mig_util.h: what the migration test programs share -- their output
 * lines, also kept in a file written whole (MIG_LOG), files written whole
 * (the test reads them from another node), the node a program runs on,
 * clocks, and value sets printed as ranges.
 *
 * Nothing here keeps a file descriptor open: a migration must find only the
 * descriptors a test set up on purpose.
 */
#ifndef MIG_UTIL_H
#define MIG_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

/* the program's name in its messages (weak: one for every file of a program) */
__attribute__((weak)) const char *mig_name = "mig";

/* mig_write_file: PATH holds exactly BUF once this returns 0 (written to
 * PATH.tmp, then renamed, so a reader never sees half of it).
 */
static inline int mig_write_file(const char *path, const char *buf, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	ssize_t w;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return w < 0 ? -errno : -EIO;
		}
		off += (size_t)w;
	}
	if (close(fd) || rename(tmp, path))
		return -errno;
	return 0;
}

/* A growing text buffer for reports. */
struct mig_buf {
	char text[64 * 1024];
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static inline void mig_buf_add(struct mig_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= sizeof(b->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n < sizeof(b->text) - b->len ? (size_t)n : sizeof(b->text) - 1 - b->len;
}

/* everything the program said, for MIG_LOG (weak: one for the program) */
__attribute__((weak)) struct mig_buf mig_said;

/*
 * mig_out: LEN bytes of output, on stdout and, when the environment has
 * MIG_LOG, in the file MIG_LOG: everything said so far, written whole and
 * renamed into place each time.  Wherever the program runs, a reader on any
 * node then sees whole lines and no stale page: lines appended to one NFS
 * file from several nodes in turn, while a process elsewhere (krg run)
 * keeps it open, were lost in the clients' caches.
 */
static inline void mig_out(const char *buf, size_t len)
{
	const char *log = getenv("MIG_LOG");
	size_t cap = sizeof(mig_said.text), keep = cap / 2;

	if (write(STDOUT_FILENO, buf, len) < 0) {
		/* nothing to do: MIG_LOG is what the tests read */
	}
	if (!log || !*log)
		return;
	if (len > keep)
		len = keep;
	if (mig_said.len + len > cap) {		/* keep the newer half */
		memmove(mig_said.text, mig_said.text + mig_said.len - keep, keep);
		mig_said.len = keep;
	}
	memcpy(mig_said.text + mig_said.len, buf, len);
	mig_said.len += len;
	if (mig_write_file(log, mig_said.text, mig_said.len))
		_exit(3);
}

/* mig_log_to: from now on MIG_LOG is PATH, which holds what is said from now */
static inline void mig_log_to(const char *path)
{
	setenv("MIG_LOG", path, 1);
	mig_said.len = 0;
}

/* mig_say: one line of output (mig_out) */
__attribute__((format(printf, 1, 2)))
static inline void mig_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	mig_out(line, (size_t)n);
}

#define mig_die(fmt, ...)							\
	do {									\
		mig_say("FAIL %s: " fmt, mig_name, ##__VA_ARGS__);		\
		exit(1);							\
	} while (0)

/* the last SIGCHLD a mig_on_chld handler (SA_SIGINFO) took, and how many */
__attribute__((weak)) volatile int mig_chld_code, mig_chld_status, mig_chld_pid, mig_chld_count;

static inline void mig_on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	mig_chld_code = si->si_code;
	mig_chld_status = si->si_status;
	mig_chld_pid = si->si_pid;
	mig_chld_count++;
}

/* a SIGCHLD's si_code by name */
static inline const char *mig_cld_name(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_TRAPPED: return "CLD_TRAPPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	default: return "?";
	}
}

/* mig_node: the node's name (uname, a system call: no descriptor). */
static inline const char *mig_node(void)
{
	static struct utsname u;

	if (uname(&u))
		return "?";
	return u.nodename;
}

/* mig_boot_id: this node's boot id, distinct on every node. */
static inline const char *mig_boot_id(void)
{
	static char id[64];
	ssize_t n;
	int fd;

	strcpy(id, "?");
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return id;
	n = read(fd, id, sizeof(id) - 1);
	close(fd);
	if (n <= 0)
		n = 1;
	id[n] = '\0';
	id[strcspn(id, "\n")] = '\0';
	return id;
}

/* mig_mix: splitmix64's finaliser, the source of every known pattern */
static inline uint64_t mig_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline int64_t mig_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline const char *mig_errname(int e)
{
	return e ? (strerrorname_np(e) ?: "E?") : "0";
}

/* mig_ranges: the members of SET (bits 0..n-1) as "a-b,c,d-e" ("-" if none). */
static inline void mig_ranges(const uint8_t *set, size_t n, struct mig_buf *out)
{
	size_t i = 0, j;
	int any = 0;

	while (i < n) {
		if (!(set[i / 8] & (1u << (i % 8)))) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && (set[(j + 1) / 8] & (1u << ((j + 1) % 8))); j++)
			;
		if (i == j)
			mig_buf_add(out, "%s%zu", any ? "," : "", i);
		else
			mig_buf_add(out, "%s%zu-%zu", any ? "," : "", i, j);
		any = 1;
		i = j + 1;
	}
	if (!any)
		mig_buf_add(out, "-");
}

#endif /* MIG_UTIL_H */
