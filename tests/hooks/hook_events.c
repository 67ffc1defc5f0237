// SPDX-License-Identifier: GPL-2.0
/*
 * Exact hook counts and results, with the test consumer loaded
 * (modprobe krg_hooks_test).  This program becomes PID 1 of a new PID
 * namespace, makes it the cluster namespace, and checks what the consumer
 * saw for its forks, execs, exits, signals, overridden syscalls and /proc,
 * and (core patch) how children whose parent is "on another node" are
 * reported to wait4()/waitid(); then, from outside the namespace, that
 * nothing of it leaks there.
 * TAP-style output; exit 0 when every check passed, 4 when the consumer is
 * not loaded.
 */
#include <dirent.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hooks_util.h"

#define NFORK 50

static int proc_has(const char *name)
{
	struct dirent *d;
	int found = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (!strcmp(d->d_name, name))
			found = 1;
	closedir(dir);
	return found;
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * The numeric entries of /proc in the order getdents64() returns them, read
 * bufsize bytes at a time (a small buffer makes every call resume where the
 * previous one stopped).  Returns how many, at most max.
 */
static int proc_pids_in_order(size_t bufsize, long *pids, int max)
{
	char buf[4096];
	int fd, n = 0;
	long len, off;

	if (bufsize > sizeof(buf))
		return -1;
	fd = open("/proc", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	while ((len = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
		for (off = 0; off < len;) {
			struct linux_dirent64 *d =
				(struct linux_dirent64 *)(buf + off);
			char *end;
			long v = strtol(d->d_name, &end, 10);

			if (!*end && d->d_name[0] != '0' && n < max)
				pids[n++] = v;
			off += d->d_reclen;
		}
	}
	close(fd);
	return len < 0 ? -1 : n;
}

/* Ascending, with remote and local PIDs where they belong. */
static void check_proc_order(size_t bufsize, pid_t local)
{
	long pids[512];
	int n = proc_pids_in_order(bufsize, pids, 512), i, low = -1,
	    mid = -1, high = -1, sorted = n > 0;

	for (i = 0; i < n; i++) {
		if (i && pids[i] <= pids[i - 1])
			sorted = 0;
		if (pids[i] == KRG_TEST_PROC_TGID_LOW)
			low = i;
		if (pids[i] == local)
			mid = i;
		if (pids[i] == KRG_TEST_PROC_TGID)
			high = i;
	}
	hu_check(sorted && low >= 0 && mid > low && high > mid,
		 "/proc read %zu bytes at a time: %d PIDs in ascending order, remote %d before local %d before remote %d",
		 bufsize, n, KRG_TEST_PROC_TGID_LOW, local, KRG_TEST_PROC_TGID);
}

static void check_counter(const char *name, long want)
{
	long v = hu_counter(name);

	hu_check(v == want, "counter %s == %ld (got %ld)", name, want, v);
}

static void check_last_signal(int kind, int tgid, int pid, int sig, int code,
			      int value)
{
	char buf[128], want[128];

	hu_read("last_signal", buf, sizeof(buf));
	snprintf(want, sizeof(want), "%d %d %d %d %d %d\n", kind, tgid, pid,
		 sig, code, value);
	hu_check(!strcmp(buf, want), "last remote signal is \"%.*s\" (got \"%.*s\")",
		 (int)strlen(want) - 1, want, (int)strlen(buf) - 1, buf);
}

/*
 * A local task the consumer diverts (its name): kill() goes to signal_remote
 * as for an absent target, and the task never gets the signal -- it exits 0
 * when told to, through a pipe.
 */
static void check_divert(void)
{
	int go[2], ready[2], status;
	char c = 0;
	pid_t p;
	long r;

	if (pipe(go) || pipe(ready)) {
		hu_check(0, "pipes for the diverted child: %s", strerror(errno));
		return;
	}
	p = fork();
	if (p == 0) {
		close(go[1]);
		prctl(PR_SET_NAME, KRG_TEST_DIVERT_COMM);
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 3);
	}
	close(go[0]);
	close(ready[1]);
	if (p < 0 || read(ready[0], &c, 1) != 1) {
		hu_check(0, "the diverted child started");
		return;
	}
	r = kill(p, SIGTERM);
	hu_check(r == 0, "kill() of a task the consumer diverts goes to signal_remote (%ld)", r);
	check_last_signal(0, 0, p, SIGTERM, 0 /* SI_USER */, 0);
	hu_check(waitpid(p, &status, WNOHANG) == 0, "... and the task did not get it");
	r = write(go[1], &c, 1);
	hu_check(r == 1 && waitpid(p, &status, 0) == p && WIFEXITED(status) &&
		 WEXITSTATUS(status) == 0, "... it exits 0 when told to (status %#x)", status);
	close(go[1]);
	close(ready[0]);
}

static int rt_sigqueue(int tgid, int tid, int sig, int code, int value)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.si_pid = getpid();
	info.si_uid = getuid();
	info.si_value.sival_int = value;
	if (tid)
		return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &info);
	return syscall(SYS_rt_sigqueueinfo, tgid, sig, &info);
}

/* The line /sys/module/krg_hooks/hooks/<hook> starts with "<mech> <state>". */
static void check_caps(const char *hook, const char *want)
{
	char path[128], buf[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/krg_hooks/hooks/%s", hook);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	hu_check(!strncmp(buf, want, strlen(want)), "caps: %s is \"%s\" (got \"%s\")",
		 hook, want, buf);
}

/* "core" with the core patch, else "stock". */
static int core_backend(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/krg_hooks/backend", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return !strcmp(buf, "core\n");
}

/*
 * 1 if the running kernel has the core patch: it defines
 * krg_core_hooks_register.  Decides which backend krg_hooks must have chosen,
 * so a patched kernel on which krg_hooks fell back to its stock backend (or
 * the reverse) fails instead of passing the other branch of every check.
 */
static int kernel_has_core_hooks(void)
{
	char line[512];
	const char *sym;
	int found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		sym = strrchr(line, ' ');
		found = sym && !strcmp(sym + 1, "krg_core_hooks_register\n");
	}
	fclose(f);
	return found;
}

/* fork() as a child with PID number tid in this namespace (clone3 set_tid). */
static pid_t fork_with_pid(pid_t tid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (unsigned long)&tid,
		.set_tid_size = 1,
	};

	return syscall(SYS_clone3, &args, sizeof(args));
}

/* A child made with PID number tid, which exits at once: 0 or -errno. */
static int child_with_pid(pid_t tid)
{
	int status;
	pid_t p = fork_with_pid(tid);

	if (p == 0)
		_exit(0);
	if (p < 0)
		return -errno;
	if (waitpid(p, &status, 0) != p)
		return -ECHILD;
	return p == tid ? 0 : -EBADE;
}

/*
 * PID reserve (core patch only): a reserved number is given to no task, not
 * even through set_tid, until it is given back.
 */
static void check_pid_reserve(int core)
{
	const pid_t nr = 3000;
	int r = hu_write("pid_reserve", "3000");

	if (!core) {
		hu_check(r == -EOPNOTSUPP, "no PID reserve on a stock kernel (%d)", r);
		return;
	}
	hu_check(r == 0, "PID %d reserved (%d)", nr, r);
	r = child_with_pid(nr);
	hu_check(r == -EEXIST, "set_tid %d refused while reserved (%d)", nr, r);
	r = hu_write("pid_reserve", "3000");
	hu_check(r == -EEXIST, "a second reservation is refused (%d)", r);
	r = hu_write("pid_reserve", "-3000");
	hu_check(r == 0, "PID %d given back (%d)", nr, r);
	r = child_with_pid(nr);
	hu_check(r == 0, "set_tid %d works once given back (%d)", nr, r);
}

static volatile sig_atomic_t got_sigchld, got_alarm;

static void on_sigchld(int sig)
{
	got_sigchld++;
}

/*
 * A wait that nothing wakes ends at the alarm: then with EINTR, or, when the
 * wake-up was missed but the report is there, with the child (do_wait()
 * looks again before it checks for signals).  got_alarm tells both apart.
 */
static void on_alarm(int sig)
{
	got_alarm = 1;
}

/* A child that exits with code once a byte arrives on *go (then closed). */
static pid_t child_on_cue(int *go, int code)
{
	int p[2];
	char b;
	pid_t c;

	if (pipe(p))
		return -1;
	c = fork();
	if (c == 0) {
		close(p[1]);
		_exit(read(p[0], &b, 1) == 1 ? code : 99);
	}
	close(p[0]);
	*go = p[1];
	return c;
}

static void cue(int go)
{
	if (write(go, "x", 1) != 1)
		hu_check(0, "cue a child: %s", strerror(errno));
	close(go);
}

/*
 * A child that exits with code once the process whose /proc directory (of
 * the outer namespace) is parent_dir sleeps in wait4(): only the consumer's
 * wake-up can then end that wait.  Gives up after 20 s.
 */
static pid_t child_after_parent_waits(const char *parent_dir, int code)
{
	char path[64], buf[32];
	time_t end = time(NULL) + 20;
	pid_t c = fork();
	int fd, n;

	if (c)
		return c;
	snprintf(path, sizeof(path), "%s/syscall", parent_dir);
	while (time(NULL) < end) {
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 3 && !strncmp(buf, "61 ", 3))	/* blocked in wait4 */
			_exit(code);
		usleep(1000);	/* poll interval */
	}
	_exit(98);
}

static int mark_remote(pid_t c)
{
	char nr[16];

	snprintf(nr, sizeof(nr), "%d", c);
	return hu_write("remote_child", nr);
}

/*
 * Children whose parent is "on another node" (core patch): the consumer's
 * notify_parent takes their exit over, the kernel releases them without a
 * SIGCHLD, and its wait hook reports them to wait4()/waitid().
 */
static void check_remote_children(int core, const char *self_dir)
{
	struct sigaction sa = { .sa_handler = on_sigchld };
	siginfo_t si;
	int go, status, r, i;
	pid_t c, w;

	if (!core) {
		c = child_on_cue(&go, 0);
		r = mark_remote(c);
		hu_check(r == -EOPNOTSUPP, "no remote children on a stock kernel (%d)", r);
		cue(go);
		waitpid(c, &status, 0);
		return;
	}
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: a stuck wait ends */
	got_sigchld = 0;
	hu_check(!hu_write("reset", "1"), "counters reset");

	/* wait4 for a PID that is no longer here, asleep before the exit */
	c = child_after_parent_waits(self_dir, 42);
	hu_check(c > 0 && mark_remote(c) == 0, "child %d marked remote", c);
	got_alarm = 0;
	alarm(10);
	w = waitpid(c, &status, 0);
	alarm(0);
	hu_check(w == c && WIFEXITED(status) && WEXITSTATUS(status) == 42 && !got_alarm,
		 "waitpid(%d) woken by the consumer, exit status 42 (got %d, status 0x%x, %s%s)",
		 c, w, status, w < 0 ? strerror(errno) : "", got_alarm ? "woken by the alarm" : "");
	errno = 0;
	w = waitpid(c, &status, WNOHANG);
	hu_check(w == -1 && errno == ECHILD, "reported once: then ECHILD (%d)", w);

	/* waitid for a remote child killed by a signal, WNOWAIT first */
	c = child_on_cue(&go, 0);
	hu_check(mark_remote(c) == 0, "child %d marked remote", c);
	r = mark_remote(c);
	hu_check(r == -EEXIST, "marking it twice: EEXIST (%d)", r);
	w = waitpid(c, &status, WNOHANG);
	hu_check(w == 0, "WNOHANG while it runs: 0 (%d)", w);
	kill(c, SIGKILL);
	for (i = 0; i < 2; i++) {
		memset(&si, 0, sizeof(si));
		got_alarm = 0;
		alarm(10);
		r = waitid(P_PID, c, &si, WEXITED | (i ? 0 : WNOWAIT));
		alarm(0);
		hu_check(!r && !got_alarm && si.si_pid == c && si.si_signo == SIGCHLD &&
			 si.si_code == CLD_KILLED && si.si_status == SIGKILL,
			 "waitid(P_PID, %d%s): killed by SIGKILL (pid %d code %d status %d)",
			 c, i ? "" : ", WNOWAIT", si.si_pid, si.si_code, si.si_status);
	}
	errno = 0;
	r = waitid(P_PID, c, &si, WEXITED | WNOHANG);
	hu_check(r == -1 && errno == ECHILD, "then ECHILD (%d)", r);
	close(go);

	/* wait for any child */
	c = child_on_cue(&go, 7);
	hu_check(mark_remote(c) == 0, "child %d marked remote", c);
	cue(go);
	got_alarm = 0;
	alarm(10);
	w = wait(&status);
	alarm(0);
	hu_check(w == c && !got_alarm && WIFEXITED(status) && WEXITSTATUS(status) == 7,
		 "wait() reports remote child %d, status 7 (got %d)", c, w);
	errno = 0;
	w = waitpid(-1, &status, WNOHANG);
	hu_check(w == -1 && errno == ECHILD, "no child left: ECHILD (%d)", w);

	check_counter("notify_remote", 3);
	check_counter("wait_reported", 4);	/* WNOWAIT reported one twice */
	hu_check(got_sigchld == 0, "the kernel sent no SIGCHLD for them (%d)",
		 (int)got_sigchld);

	/* a child that exited before it was marked stays the kernel's */
	c = child_on_cue(&go, 5);
	cue(go);
	r = waitid(P_PID, c, &si, WEXITED | WNOWAIT);	/* until it is a zombie */
	r = r ? r : mark_remote(c);
	hu_check(r == -ESRCH, "a zombie cannot be marked: ESRCH (%d)", r);
	w = waitpid(c, &status, 0);
	hu_check(w == c && WIFEXITED(status) && WEXITSTATUS(status) == 5 &&
		 got_sigchld == 1, "the kernel reports it: status 5, SIGCHLD (got %d, %d)",
		 w, (int)got_sigchld);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
}

static void in_cluster(void)
{
	char self[32], self_dir[48];
	ssize_t n;
	int core = core_backend();
	char buf[128];
	long before;
	char *mem;

	int i, status, bad = 0;
	long r;
	pid_t p;
	struct stat st;

	hu_check(getpid() == 1, "runs as PID 1 of the new namespace");
	/* Its /proc directory in the outer namespace (the /proc mounted now). */
	n = readlink("/proc/self", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(self_dir, sizeof(self_dir), "/proc/%s", self);
	hu_check(!hu_write("ns", "self"), "cluster namespace set");
	hu_check(!hu_write("reset", "1"), "counters reset");

	check_caps("task_new", "tracepoint live");
	check_caps("fork_post", "tracepoint live");
	check_caps("exec_post", "tracepoint live");
	check_caps("exit", "tracepoint live");
	check_caps("free", "tracepoint live");
	check_caps("signal_remote", "sys_enter live");
	check_caps("syscall", "sys_enter live");
	check_caps("pid_range", core ? "core live" : "kprobe live");
	check_caps("proc_readdir", core ? "core live" : "ftrace live");
	check_caps("proc_lookup", core ? "core live" : "ftrace live");
	check_caps("fork_pre", core ? "core live" : "none unavailable");
	check_caps("anon_fault", core ? "core live" : "none unavailable");
	check_caps("notify_parent", core ? "core live" : "none unavailable");
	check_caps("wait", core ? "core live" : "none unavailable");
	hu_read("core_only", buf, sizeof(buf));
	if (core)
		hu_check(!strcmp(buf, "fork_pre 0\nanon_fault 0\nnotify_parent 0\nwait 0\n"),
			 "core-only hooks register on the core backend");
	else
		hu_check(!strcmp(buf, "fork_pre -95\nanon_fault -95\nnotify_parent -95\nwait -95\n"),
			 "core-only hooks are refused with EOPNOTSUPP");

	/* fork + exec + exit, and one child killed by a signal */
	for (i = 0; i < NFORK; i++) {
		p = fork();
		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &status, 0) != p ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	}
	hu_check(!bad, "%d fork+exec+exit children ran", NFORK);
	p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	r = kill(p, SIGKILL);	/* local: not a remote signal */
	hu_check(!r && waitpid(p, &status, 0) == p && WIFSIGNALED(status) &&
		 WTERMSIG(status) == SIGKILL, "a child was killed by SIGKILL");

	check_counter("task_new", NFORK + 1);
	check_counter("fork_post", NFORK + 1);
	check_counter("exec_post", NFORK);
	check_counter("fork_pre", core ? NFORK + 1 : 0);
	check_counter("exit", NFORK + 1);
	check_counter("notify_parent", core ? NFORK + 1 : 0);
	r = hu_wait_counter("free", NFORK + 1, 20);
	hu_check(r == NFORK + 1, "counter free reaches %d (got %ld)", NFORK + 1, r);

	/* anonymous faults: 64 first touches of fresh anonymous pages */
	before = hu_counter("anon_fault");
	mem = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; mem != MAP_FAILED && i < 64; i++)
		mem[i * 4096] = 1;
	r = hu_counter("anon_fault") - before;
	if (core)
		hu_check(r >= 64, "anon_fault hook saw the 64 faults (%ld)", r);
	else
		hu_check(r == 0, "no anon_fault hook on the stock backend (%ld)", r);

	/* syscall override */
	r = syscall(SYS_getsid, KRG_TEST_MAGIC_SKIP);
	hu_check(r == KRG_TEST_SKIP_RET, "skipped getsid returns %d (got %ld)",
		 KRG_TEST_SKIP_RET, r);
	bad = 0;
	for (i = 0; i < 20; i++)
		if (syscall(SYS_getpgid, KRG_TEST_MAGIC_DEFER) != KRG_TEST_DEFER_RET)
			bad++;
	hu_check(!bad, "20 deferred getpgid return %d", KRG_TEST_DEFER_RET);
	r = syscall(SYS_getsid, 0);
	hu_check(r >= 0, "getsid(0) still runs natively (%ld)", r);
	r = syscall(SYS_getpgid, 0);
	hu_check(r >= 0, "getpgid(0) still runs natively (%ld)", r);
	check_counter("sys_skip", 1);
	check_counter("sys_defer", 20);
	check_counter("sys_defer_atomic", 0);

	/* remote signals: targets that do not exist here */
	r = kill(777, SIGUSR1);
	hu_check(r == 0, "kill(777) forwarded, returns 0 (%ld)", r);
	check_last_signal(0, 0, 777, SIGUSR1, 0 /* SI_USER */, 0);
	errno = 0;
	r = kill(KRG_TEST_SIG_ESRCH_PID, 0);
	hu_check(r == -1 && errno == ESRCH, "consumer's -ESRCH reaches the caller");
	r = syscall(SYS_tgkill, 1, 778, SIGUSR2);
	hu_check(r == 0, "tgkill(1, 778) forwarded (%ld)", r);
	check_last_signal(2, 1, 778, SIGUSR2, -6 /* SI_TKILL */, 0);
	r = rt_sigqueue(779, 0, SIGRTMIN, -1 /* SI_QUEUE */, 1234);
	hu_check(r == 0, "rt_sigqueueinfo(779) forwarded (%ld)", r);
	check_last_signal(3, 0, 779, SIGRTMIN, -1, 1234);
	r = rt_sigqueue(1, 780, SIGRTMIN + 1, -1, 99);
	hu_check(r == 0, "rt_tgsigqueueinfo(1, 780) forwarded (%ld)", r);
	check_last_signal(4, 1, 780, SIGRTMIN + 1, -1, 99);
	errno = 0;
	r = rt_sigqueue(781, 0, SIGRTMIN, 0 /* SI_USER: forged */, 1);
	hu_check(r == -1 && errno == EPERM, "forged SI_USER siginfo is refused with EPERM");
	r = kill(1, 0);
	hu_check(r == 0, "kill(self, 0) stays local");
	check_counter("signal_remote", 5);
	check_divert();
	check_counter("signal_remote", 6);

	check_pid_reserve(core);
	check_remote_children(core, self_dir);

	/* /proc of the cluster namespace */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", 0, NULL)) {
		hu_check(0, "mount a /proc of the cluster namespace: %s", strerror(errno));
		return;
	}
	hu_check(proc_has("1") == 1, "/proc lists PID 1");
	hu_check(proc_has("4000000") == 1, "/proc lists the consumer's entry 4000000");
	{
		pid_t local = fork();

		if (local == 0) {
			pause();
			_exit(0);
		}
		check_proc_order(4096, local);
		check_proc_order(64, local);
		kill(local, SIGKILL);
		waitpid(local, NULL, 0);
	}
	hu_check(!stat("/proc/4000000", &st) && S_ISDIR(st.st_mode),
		 "/proc/4000000 is found by the lookup hook");
	errno = 0;
	hu_check(stat("/proc/4000001", &st) && errno == ENOENT,
		 "/proc/4000001 does not exist");
	hu_check(hu_counter("proc_readdir") >= 1, "proc_readdir hook ran");
	hu_check(hu_counter("proc_lookup") >= 2, "proc_lookup hook ran");
}

int main(void)
{
	int status;
	long before, r;
	pid_t p;

	if (access(KRG_TEST_DEBUGFS "/counts", R_OK)) {
		printf("# SKIP: test consumer not loaded (modprobe krg_hooks_test)\n");
		return 4;
	}
	r = kernel_has_core_hooks();
	hu_check(r >= 0 && core_backend() == r, "backend is %s on a kernel %s the core patch",
		 core_backend() ? "core" : "stock", r > 0 ? "with" : "without");
	if (unshare(CLONE_NEWPID)) {
		perror("unshare(CLONE_NEWPID)");
		return 1;
	}
	p = fork();
	if (p == 0) {
		in_cluster();
		printf("# in cluster namespace: %d checks, %d failed\n", hu_checks,
		       hu_failures);
		fflush(stdout);
		_exit(hu_failures ? 1 : 0);
	}
	hu_check(p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status) &&
		 !WEXITSTATUS(status), "checks inside the cluster namespace passed");

	/* Outside the cluster namespace nothing is intercepted. */
	before = hu_counter("exec_post");
	p = fork();
	if (p == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(p, &status, 0);
	errno = 0;
	r = syscall(SYS_getsid, KRG_TEST_MAGIC_SKIP);
	hu_check(r == -1 && errno == ESRCH, "outside: getsid(magic) is native (ESRCH)");
	errno = 0;
	r = syscall(SYS_getpgid, KRG_TEST_MAGIC_DEFER);
	hu_check(r == -1 && errno == ESRCH, "outside: getpgid(magic) is native (ESRCH)");
	errno = 0;
	r = kill(3999998, 0);
	hu_check(r == -1 && errno == ESRCH, "outside: kill(absent pid) is native (ESRCH)");
	hu_check(hu_counter("exec_post") == before, "outside: exec not counted");
	hu_check(proc_has("4000000") == 0, "outside: /proc has no consumer entry");
	hu_check(!hu_write("ns", "0"), "cluster namespace cleared");
	check_caps("syscall", "sys_enter ready");
	check_caps("task_new", "tracepoint ready");
	printf("1..%d\n", hu_checks);
	return hu_failures ? 1 : 0;
}
