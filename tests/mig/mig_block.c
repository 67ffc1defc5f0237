// SPDX-License-Identifier: GPL-2.0
/*
 * mig_block: a process blocked in a system call while it migrates
 * (mig_blocked.sh), or that a migration must refuse (mig_refuse.sh).
 *
 *   mig_block [--pipe] [--pty] [--thread] [--child] [--exit N] MODE [MS]
 *
 * MODE:
 *   nanosleep MS  one nanosleep(MS); if it returns EINTR, sleeps the time it
 *                 left (rem) again, as a careful program does
 *   futex MS      FUTEX_WAIT_PRIVATE on a word that keeps its value, with a
 *                 relative timeout of MS: it ends with ETIMEDOUT (after
 *                 EINTR: waits again for what is left)
 *   pause         pause() in a loop; SIGUSR1 runs a handler that counts
 *   sigsuspend    SIGUSR1 blocked; sigsuspend() with it unblocked, in a loop
 *
 * Options (what a migration must refuse):
 *   --pipe        holds both ends of a pipe
 *   --pty         holds a pseudo-terminal (master and slave)
 *   --thread      a second thread (it sleeps 20 ms at a time and counts)
 *   --child       a child (pause(), killed when its parent dies)
 *   --exit N      pause/sigsuspend: exit with status N after the first return
 *
 * One line of output (mig_say) per event (times on the realtime clock, so
 * that a process that went away and came back measures on one node):
 *   ready pid=P node=NODE mode=MODE
 *   blocked MODE [ms=MS]
 *   first rc=R errno=E elapsed_ms=T [rem_ms=R]            (nanosleep, futex)
 *   done elapsed_ms=T calls=N errno=E                     (nanosleep, futex)
 *   return K rc=R errno=E usr1=U node=NODE mask_usr1=B extras=...  (pause, sigsuspend)
 * extras: "pipe=ok thread=ok child=ok pty=ok" for the options given
 * (a round trip through the pipe, the thread still counting, the child
 * still there, the terminal still one).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "mig_util.h"

static volatile sig_atomic_t usr1;
static int pipe_fds[2] = { -1, -1 }, pty_fds[2] = { -1, -1 };
static pid_t child;
static pthread_t thread;
static bool have_thread;
static volatile unsigned long thread_rounds;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static void *thread_main(void *arg)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		nanosleep(&t, NULL);
		thread_rounds++;
	}
	return NULL;
}

static void setup_options(bool want_pipe, bool want_pty, bool want_thread, bool want_child)
{
	if (want_pipe && pipe(pipe_fds))
		mig_die("pipe: %s", strerror(errno));
	if (want_pty) {
		pty_fds[0] = posix_openpt(O_RDWR | O_NOCTTY);
		if (pty_fds[0] < 0 || grantpt(pty_fds[0]) || unlockpt(pty_fds[0]))
			mig_die("posix_openpt: %s", strerror(errno));
		pty_fds[1] = open(ptsname(pty_fds[0]), O_RDWR | O_NOCTTY);
		if (pty_fds[1] < 0)
			mig_die("open %s: %s", ptsname(pty_fds[0]), strerror(errno));
	}
	if (want_thread) {
		if (pthread_create(&thread, NULL, thread_main, NULL))
			mig_die("pthread_create");
		have_thread = true;
	}
	if (want_child) {
		child = fork();
		if (child < 0)
			mig_die("fork: %s", strerror(errno));
		if (!child) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	}
}

/* extras: what the options hold is still there and works */
static void extras(char *out, size_t len)
{
	size_t o = 0;
	char c = 'x';

	out[0] = '\0';
	if (pipe_fds[0] >= 0)
		o += snprintf(out + o, len - o, " pipe=%s", write(pipe_fds[1], &c, 1) == 1 &&
			      read(pipe_fds[0], &c, 1) == 1 && c == 'x' ? "ok" : "bad");
	if (pty_fds[0] >= 0)
		o += snprintf(out + o, len - o, " pty=%s", isatty(pty_fds[1]) ? "ok" : "bad");
	if (have_thread) {
		unsigned long before = thread_rounds;
		struct timespec t = { 0, 100 * 1000 * 1000 };
		int i;

		for (i = 0; i < 50 && thread_rounds == before; i++)
			nanosleep(&t, NULL);
		o += snprintf(out + o, len - o, " thread=%s",
			      thread_rounds != before && !pthread_kill(thread, 0) ? "ok" : "bad");
	}
	if (child)
		snprintf(out + o, len - o, " child=%s", waitpid(child, NULL, WNOHANG) == 0 ? "ok" : "bad");
}

static int64_t ms_since(int64_t t0)
{
	return (mig_now_ns(CLOCK_REALTIME) - t0) / 1000000;
}

static void block_nanosleep(long ms)
{
	struct timespec req = { ms / 1000, (ms % 1000) * 1000000L }, rem;
	int64_t t0 = mig_now_ns(CLOCK_REALTIME);
	int rc, calls = 1, e;

	mig_say("blocked nanosleep ms=%ld", ms);
	rc = nanosleep(&req, &rem);
	e = rc ? errno : 0;
	mig_say("first rc=%d errno=%s elapsed_ms=%lld rem_ms=%lld", rc, mig_errname(e),
		(long long)ms_since(t0), rc ? (long long)rem.tv_sec * 1000 + rem.tv_nsec / 1000000 : 0LL);
	while (rc && e == EINTR) {
		req = rem;
		calls++;
		rc = nanosleep(&req, &rem);
		e = rc ? errno : 0;
	}
	mig_say("done elapsed_ms=%lld calls=%d errno=%s", (long long)ms_since(t0), calls, mig_errname(e));
}

static void block_futex(long ms)
{
	static uint32_t word = 0x5a5a5a5a;
	int64_t t0 = mig_now_ns(CLOCK_REALTIME), left = ms;
	struct timespec ts;
	int calls = 0, e;
	long rc;

	mig_say("blocked futex ms=%ld", ms);
	do {
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		rc = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0x5a5a5a5a, &ts, NULL, 0);
		e = rc ? errno : 0;
		if (!calls++)
			mig_say("first rc=%ld errno=%s elapsed_ms=%lld", rc, mig_errname(e),
				(long long)ms_since(t0));
		left = ms - ms_since(t0);
	} while (rc && e == EINTR && left > 0);
	mig_say("done elapsed_ms=%lld calls=%d errno=%s word=%#x", (long long)ms_since(t0), calls,
		mig_errname(e), word);
}

static void wait_signals(bool use_sigsuspend, int exit_code)
{
	sigset_t with_usr1, now;
	char more[128];
	int k, rc, e;

	sigemptyset(&with_usr1);
	sigaddset(&with_usr1, SIGUSR1);
	if (use_sigsuspend && sigprocmask(SIG_BLOCK, &with_usr1, NULL))
		mig_die("sigprocmask: %s", strerror(errno));
	mig_say("blocked %s", use_sigsuspend ? "sigsuspend" : "pause");
	for (k = 1;; k++) {
		if (use_sigsuspend) {
			sigprocmask(SIG_BLOCK, NULL, &now);
			sigdelset(&now, SIGUSR1);
			rc = sigsuspend(&now);
		} else {
			rc = pause();
		}
		e = errno;
		sigprocmask(SIG_BLOCK, NULL, &now);
		extras(more, sizeof(more));
		mig_say("return %d rc=%d errno=%s usr1=%d node=%s mask_usr1=%d extras=%s", k, rc,
			mig_errname(e), (int)usr1, mig_node(), sigismember(&now, SIGUSR1),
			more[0] ? more + 1 : "-");
		if (exit_code >= 0)
			exit(exit_code);
	}
}

int main(int argc, char **argv)
{
	bool want_pipe = false, want_pty = false, want_thread = false, want_child = false;
	struct sigaction sa = { .sa_handler = on_usr1 };
	int exit_code = -1, i = 1;
	const char *mode;
	long ms = 0;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--pipe"))
			want_pipe = true;
		else if (!strcmp(argv[i], "--pty"))
			want_pty = true;
		else if (!strcmp(argv[i], "--thread"))
			want_thread = true;
		else if (!strcmp(argv[i], "--child"))
			want_child = true;
		else if (!strcmp(argv[i], "--exit") && i + 1 < argc)
			exit_code = atoi(argv[++i]);
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: mig_block [--pipe] [--pty] [--thread] [--child] [--exit N] "
			"nanosleep MS | futex MS | pause | sigsuspend\n");
		return 2;
	}
	mode = argv[i];
	mig_name = mode;
	if (i + 1 < argc)
		ms = atol(argv[i + 1]);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		mig_die("sigaction: %s", strerror(errno));
	setup_options(want_pipe, want_pty, want_thread, want_child);
	mig_say("ready pid=%d node=%s mode=%s", getpid(), mig_node(), mode);
	if (!strcmp(mode, "nanosleep") && ms > 0)
		block_nanosleep(ms);
	else if (!strcmp(mode, "futex") && ms > 0)
		block_futex(ms);
	else if (!strcmp(mode, "pause"))
		wait_signals(false, exit_code);
	else if (!strcmp(mode, "sigsuspend"))
		wait_signals(true, exit_code);
	else
		mig_die("unknown mode %s (or no MS)", mode);
	return 0;
}
