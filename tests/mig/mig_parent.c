// SPDX-License-Identifier: GPL-2.0
/*
 * mig_parent: a parent that moves while its children stay (mig_parent.sh).
 *
 *   mig_parent
 *
 * It forks four children c0..c3, which block in sigsuspend(): SIGUSR1 makes
 * child ci exit with status 3 + i.  Then it goes through steps A to G,
 * blocked in waitpid() twice and pausing twice ("pause N": it waits for a
 * SIGUSR1) so that the test can move it in between; every step prints what a parent sees on one
 * machine, children named by index, so that a run that moves and a run
 * that stays print the same "step" lines:
 *   A  waitpid(c0) until the test makes c0 exit 3 (SIGUSR1)
 *   B  c1 stopped (waitpid WUNTRACED), continued (WCONTINUED)
 *   C  waitid(P_PID c2, WNOHANG) before anything happened; c2 killed by
 *      SIGTERM: waitid(WNOWAIT) sees it, waitid(P_ALL) reaps it
 *      -- pause 2 --
 *   D  a child c4 forked now (where the parent runs), alive
 *      -- pause 3 --
 *   E  c4 exits 7: waitpid(-1)
 *   F  c1 exits 4: wait4(-1) with its rusage
 *   G  waitpid(c3) until the test makes c3 exit 6 (SIGUSR1); then wait()
 *      has no child left (ECHILD)
 * After each reported child it waits (10 s at most) for its SIGCHLD, which
 * its handler (SA_SIGINFO | SA_RESTART, so every wait above is restarted
 * after it) records, and prints it.
 *
 * Says: ready pid=P children=C0,C1,C2,C3 / pause N / step ... / done
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "mig_util.h"

#define NKIDS	5
static pid_t kid[NKIDS];

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static const char *name_of(pid_t p)
{
	static char buf[32];
	int i;

	for (i = 0; i < NKIDS; i++)
		if (kid[i] && kid[i] == p) {
			snprintf(buf, sizeof(buf), "c%d", i);
			return buf;
		}
	snprintf(buf, sizeof(buf), p ? "pid?" : "none");
	return buf;
}


static void __attribute__((noreturn)) child_main(int i)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t none;
	int fd;

	/* nothing open that the parent holds too */
	for (fd = 0; fd < 1024; fd++)
		close(fd);
	fd = open("/dev/null", O_RDWR);
	if (fd != 0 || dup2(0, 1) != 1 || dup2(0, 2) != 2)
		_exit(120);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		_exit(121);
	sigemptyset(&none);
	while (!go)
		sigsuspend(&none);
	_exit(3 + i);
}

static pid_t spawn(int i)
{
	pid_t c = fork();

	if (c < 0)
		mig_die("fork: %s", strerror(errno));
	if (!c)
		child_main(i);
	kid[i] = c;
	return c;
}

/* pause N: wait for SIGUSR1 (blocked meanwhile: none is lost). */
static void pause_for(int n, const sigset_t *old)
{
	mig_say("pause %d", n);
	while (!go)
		sigsuspend(old);
	go = 0;
}

/* The SIGCHLD for the child just reported, once it came (10 s at most). */
static void sigchld_after(int before)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && mig_chld_count == before; i++)
		nanosleep(&t, NULL);
	if (mig_chld_count == before) {
		mig_say("step sigchld none");
		return;
	}
	mig_say("step sigchld %s %s status=%d", mig_cld_name(mig_chld_code), name_of(mig_chld_pid),
		mig_chld_status);
}

static void say_status(const char *what, pid_t w, int st)
{
	if (w < 0)
		mig_say("step %s: %s", what, strerror(errno));
	else if (WIFEXITED(st))
		mig_say("step %s: %s exited %d", what, name_of(w), WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		mig_say("step %s: %s killed %d", what, name_of(w), WTERMSIG(st));
	else if (WIFSTOPPED(st))
		mig_say("step %s: %s stopped %d", what, name_of(w), WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		mig_say("step %s: %s continued", what, name_of(w));
	else
		mig_say("step %s: %s status %#x", what, name_of(w), st);
}

static void say_info(const char *what, int r, const siginfo_t *si)
{
	if (r < 0)
		mig_say("step %s: %s", what, strerror(errno));
	else
		mig_say("step %s: %s %s status=%d signo=%d", what, name_of(si->si_pid),
			si->si_pid ? mig_cld_name(si->si_code) : "-", si->si_status, si->si_signo);
}

static void sendsig(pid_t p, int sig)
{
	if (kill(p, sig))
		mig_die("kill %s %d: %s", name_of(p), sig, strerror(errno));
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = mig_on_chld, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction su = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigset_t usr1, old;
	struct rusage ru;
	siginfo_t si;
	int i, st, n, r;
	pid_t w;

	mig_name = "parent";
	sigemptyset(&sa.sa_mask);
	sigemptyset(&su.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) || sigaction(SIGUSR1, &su, NULL))
		mig_die("sigaction: %s", strerror(errno));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	for (i = 0; i < 4; i++)
		spawn(i);
	mig_say("ready pid=%d children=%d,%d,%d,%d", getpid(), kid[0], kid[1], kid[2], kid[3]);

	n = mig_chld_count;
	mig_say("step A waiting for c0");
	w = waitpid(kid[0], &st, 0);
	say_status("A waitpid(c0)", w, st);
	sigchld_after(n);

	n = mig_chld_count;
	sendsig(kid[1], SIGSTOP);
	w = waitpid(kid[1], &st, WUNTRACED);
	say_status("B waitpid(c1, WUNTRACED)", w, st);
	sigchld_after(n);
	n = mig_chld_count;
	sendsig(kid[1], SIGCONT);
	w = waitpid(kid[1], &st, WCONTINUED);
	say_status("B waitpid(c1, WCONTINUED)", w, st);
	sigchld_after(n);

	memset(&si, 0x55, sizeof(si));
	r = waitid(P_PID, kid[2], &si, WEXITED | WNOHANG);
	say_info("C waitid(c2, WNOHANG)", r, &si);
	n = mig_chld_count;
	sendsig(kid[2], SIGTERM);
	r = waitid(P_PID, kid[2], &si, WEXITED | WNOWAIT);
	say_info("C waitid(c2, WNOWAIT)", r, &si);
	sigchld_after(n);
	r = waitid(P_ALL, 0, &si, WEXITED);
	say_info("C waitid(P_ALL)", r, &si);
	pause_for(2, &old);

	spawn(4);
	mig_say("step D forked c4");
	pause_for(3, &old);

	n = mig_chld_count;
	sendsig(kid[4], SIGUSR1);
	w = waitpid(-1, &st, 0);
	say_status("E waitpid(-1)", w, st);
	sigchld_after(n);

	n = mig_chld_count;
	sendsig(kid[1], SIGUSR1);
	memset(&ru, 0xff, sizeof(ru));
	w = wait4(-1, &st, 0, &ru);
	say_status("F wait4(-1)", w, st);
	mig_say("step F rusage %s", ru.ru_maxrss > 0 && ru.ru_utime.tv_usec >= 0 &&
		ru.ru_utime.tv_usec < 1000000 && ru.ru_nvcsw >= 0 ? "plausible" : "garbage");
	sigchld_after(n);

	n = mig_chld_count;
	mig_say("step G waiting for c3");
	w = waitpid(kid[3], &st, 0);
	say_status("G waitpid(c3)", w, st);
	sigchld_after(n);
	w = wait(&st);
	say_status("G wait() again", w, st);
	mig_say("done");
	return 0;
}
