// SPDX-License-Identifier: GPL-2.0
/*
 * mig_family: a parent that stays and a child that migrates (mig_wait.sh).
 *
 *   mig_family CHILD_LOG
 *
 * The parent forks the child and waits for it (waitpid, restarted after its
 * SIGCHLD handler ran).  The child shares no open file with the parent: its
 * stdin is /dev/null again, its stdout and stderr CHILD_LOG.stdout (opened
 * by itself), its MIG_LOG (mig_util.h) CHILD_LOG; it waits in sigsuspend().
 * SIGUSR1 makes it exit with status 7, SIGUSR2 makes it say its PID, parent
 * PID and node again.
 *
 * The parent says:  parent pid=P child=C
 *                   waited pid=C exited=S | signaled=N
 *                   sigchld code=CLD_... status=S pid=C count=N
 * the child:        child pid=C ppid=P node=NODE   (at start, on SIGUSR2)
 *                   child exiting 7
 */
#include <signal.h>
#include <sys/wait.h>

#include "mig_util.h"

static volatile sig_atomic_t usr1, usr2;

static void on_flag(int sig)
{
	if (sig == SIGUSR1)
		usr1 = 1;
	else
		usr2 = 1;
}


static void __attribute__((noreturn)) child_main(const char *log)
{
	struct sigaction sa = { .sa_handler = on_flag };
	char out[4096];
	sigset_t both, old;
	int fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(120);
	close(fd);
	snprintf(out, sizeof(out), "%s.stdout", log);
	fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(121);
	close(fd);
	mig_log_to(log);
	mig_name = "child";
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL))
		mig_die("sigaction: %s", strerror(errno));
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, &old);
	mig_say("child pid=%d ppid=%d node=%s", getpid(), getppid(), mig_node());
	for (;;) {
		sigsuspend(&old);
		if (usr2) {
			usr2 = 0;
			mig_say("child pid=%d ppid=%d node=%s", getpid(), getppid(), mig_node());
		}
		if (usr1) {
			mig_say("child exiting 7");
			exit(7);
		}
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = mig_on_chld, .sa_flags = SA_SIGINFO | SA_RESTART };
	pid_t c, w;
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: mig_family CHILD_LOG\n");
		return 2;
	}
	mig_name = "parent";
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL))
		mig_die("sigaction: %s", strerror(errno));
	c = fork();
	if (c < 0)
		mig_die("fork: %s", strerror(errno));
	if (!c)
		child_main(argv[1]);
	mig_say("parent pid=%d child=%d", getpid(), c);
	do
		w = waitpid(c, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w != c)
		mig_die("waitpid %d: %d (%s)", c, w, strerror(errno));
	if (WIFEXITED(st))
		mig_say("waited pid=%d exited=%d", w, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		mig_say("waited pid=%d signaled=%d", w, WTERMSIG(st));
	else
		mig_say("waited pid=%d status=%#x", w, st);
	mig_say("sigchld code=%s status=%d pid=%d count=%d", mig_chld_count ? mig_cld_name(mig_chld_code) : "none",
		mig_chld_status, mig_chld_pid, mig_chld_count);
	return 0;
}
