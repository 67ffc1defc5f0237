// SPDX-License-Identifier: GPL-2.0
/*
 * krg run -n NODE: the job starts on NODE, from its first instruction.
 *
 * The job's first process is forked here like any other (run.c) and stops
 * short of exec: it sends its cluster PID to krg over a pipe, closes it
 * (then it holds nothing of krg's that could keep it from moving) and
 * waits for SIG_MIGRATED.  krg forks a helper, a cluster process of this
 * node with the caller's credentials (root was dropped for good before any
 * fork), which asks the kernel to migrate the job and, once it runs on
 * NODE, sends it SIG_MIGRATED by its cluster PID, which reaches it wherever
 * it runs; the job then execs there.  A refusal is printed as
 * "Error: <reason>." and the job, still here and having run nothing, is
 * killed: krg run exits 1.
 *
 * Why not let the job ask for its own migration: the netlink socket of the
 * request would be one of the files it takes along, and the reply would go
 * to the node it left.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "krg_tool.h"

/* the job's "you run on NODE now" */
#define SIG_MIGRATED		SIGUSR1
/*
 * How long the job waits for it, and krg for the job's PID.  Moving a
 * process that has exec'd nothing yet takes milliseconds: these only bound
 * a wait that went wrong.
 */
#define MIGRATED_WAIT_MS	120000
#define PID_WAIT_MS		30000

static long long mono_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ms left until deadline (mono_ms()), 0 once passed */
static int ms_left(long long deadline)
{
	long long left = deadline - mono_ms();

	return left > 0 ? (int)left : 0;
}

void job_await_move(int fd)
{
	long long deadline = mono_ms() + MIGRATED_WAIT_MS;
	uint32_t pid = (uint32_t)getpid();
	sigset_t set;
	int ms;

	sigemptyset(&set);
	sigaddset(&set, SIG_MIGRATED);
	/* before the PID goes out: the default action of SIGUSR1 kills */
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (write(fd, &pid, sizeof(pid)) != sizeof(pid))
		_exit(fail("cannot send the job's PID to krg: %s", strerror(errno)));
	close(fd);
	while ((ms = ms_left(deadline)) > 0) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

		if (sigtimedwait(&set, NULL, &ts) == SIG_MIGRATED)
			return;
		/* EINTR: among others, the migration itself (it froze us here) */
		if (errno != EINTR && errno != EAGAIN)
			break;
	}
	_exit(fail("the job did not hear of its migration within %d s",
		   MIGRATED_WAIT_MS / 1000));
}

/* The job's cluster PID from the pipe, once the job closed it. */
static int read_job_pid(int fd, uint32_t *cpid)
{
	long long deadline = mono_ms() + PID_WAIT_MS;
	size_t got = 0;
	uint32_t pid;
	char extra;
	ssize_t n;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = ms_left(deadline);

		if (!ms)
			return fail("the job did not send its PID within %d s", PID_WAIT_MS / 1000);
		if (poll(&p, 1, ms) <= 0)
			continue;	/* EINTR (a forwarded signal) or the deadline */
		n = read(fd, got < sizeof(pid) ? (char *)&pid + got : &extra,
			 got < sizeof(pid) ? sizeof(pid) - got : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("cannot read the job's PID: %s", strerror(errno));
		if (!n)
			break;
		got += (size_t)n;
		if (got > sizeof(pid))
			return fail("the job sent more than its PID");
	}
	if (got != sizeof(pid))
		return fail("the job ended before it sent its PID");
	*cpid = pid;
	return 0;
}

/* The helper: moves the job, tells it.  Exits 0 once the job knows. */
static void __attribute__((noreturn)) move_and_tell(uint32_t cpid, uint32_t node)
{
	struct krg_handle *h;
	struct krg_err err;
	int ret;

	if (open_proc(&h, NULL))
		_exit(EXIT_ERR);
	ret = krg_proc_migrate(h, cpid, node, NULL, &err);
	krg_close(h);
	if (ret)
		_exit(fail_err(&err));
	if (kill((pid_t)cpid, SIG_MIGRATED))
		_exit(fail("the job runs on node %u but cannot be told so: %s", node,
			   strerror(errno)));
	_exit(EXIT_OK);
}

int job_move(pid_t pid, int fd, uint32_t node)
{
	uint32_t cpid = 0;
	pid_t helper;
	int status;

	if (read_job_pid(fd, &cpid))
		goto kill_job;
	helper = fork();
	if (helper < 0) {
		fail("fork: %s", strerror(errno));
		goto kill_job;
	}
	if (!helper) {
		close(fd);
		move_and_tell(cpid, node);
	}
	while (waitpid(helper, &status, 0) < 0)
		if (errno != EINTR) {
			fail("waitpid: %s", strerror(errno));
			goto kill_job;
		}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (!WIFEXITED(status))
		fail("the migration helper died of signal %d", WTERMSIG(status));
kill_job:
	/* the migration failed: the job is still here and has run nothing */
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return EXIT_ERR;
}
