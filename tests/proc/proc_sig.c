// SPDX-License-Identifier: GPL-2.0
/*
 * proc_sig: signals and process queries for the krg_proc tests, one line of
 * output per operation, so the same list of operations run on two nodes can
 * be compared line by line ("answers as on one machine").
 *
 *   proc_sig OP [OP ...]      operations run in order:
 *     self                    "self pid=P ppid=P pgid=G sid=S uid=U"
 *     kill PID SIG            kill(2)                  -> "kill PID SIG rc=0" or "... err=ENAME"
 *     queue PID SIG VALUE     sigqueue(3)
 *     tkill TID SIG           tkill(2)
 *     tgkill TGID TID SIG     tgkill(2)
 *     tgqueue TGID TID SIG VALUE  rt_tgsigqueueinfo(2), si_code SI_QUEUE
 *     pgid PID | sid PID | getprio PID      -> "... = N" or "... err=ENAME"
 *     setprio PID NICE
 *   proc_sig recv             receiver: SIGUSR1, SIGUSR2 and every real-time
 *                             signal are blocked and taken with sigwaitinfo();
 *                             prints "ready pid=P" and then one line per
 *                             signal: "sig=N code=C pid=P uid=U value=V"
 *                             (stdout flushed each time).  Other signals keep
 *                             their default action (SIGTERM ends it).
 * SIG is a number or a name (USR1, TERM, RTMIN+3, 0, ...).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static const struct {
	const char *name;
	int sig;
} names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
};

static int parse_sig(const char *s)
{
	char *end;
	long v;
	size_t i;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	if (!strncmp(s, "RTMIN", 5))
		return SIGRTMIN + (s[5] == '+' ? atoi(s + 6) : 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	v = strtol(s, &end, 0);
	if (*s && !*end)
		return (int)v;
	fprintf(stderr, "proc_sig: bad signal %s\n", s);
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (!*s || *end) {
		fprintf(stderr, "proc_sig: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* Prints the result of one call: " rc=0", " = V" (show_val) or " err=ENAME". */
static void result(long ret, int show_val)
{
	if (ret < 0)
		printf(" err=%s\n", strerrorname_np(errno) ?: "E?");
	else if (show_val)
		printf(" = %ld\n", ret);
	else
		printf(" rc=0\n");
}

static int queue(pid_t tgid, pid_t tid, int sig, int value)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &si);
}

static int recv_loop(void)
{
	siginfo_t si;
	sigset_t set;
	int s;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	for (s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(&set, s);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return 1;
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		printf("sig=%d code=%d pid=%d uid=%u value=%d\n", si.si_signo, si.si_code,
		       si.si_pid, si.si_uid, si.si_code == SI_QUEUE ? si.si_value.sival_int : 0);
		fflush(stdout);
	}
}

/* Runs the operation at argv[0]; returns how many arguments it used. */
static int op(char **argv, int left)
{
	const char *o = argv[0];
	int need = !strcmp(o, "self") ? 1 :
		   (!strcmp(o, "pgid") || !strcmp(o, "sid") || !strcmp(o, "getprio")) ? 2 :
		   (!strcmp(o, "kill") || !strcmp(o, "tkill") || !strcmp(o, "setprio")) ? 3 :
		   (!strcmp(o, "queue") || !strcmp(o, "tgkill")) ? 4 :
		   !strcmp(o, "tgqueue") ? 5 : 0;
	long r;

	if (!need || left < need) {
		fprintf(stderr, "proc_sig: bad operation %s (see the header)\n", o);
		exit(2);
	}
	if (!strcmp(o, "self")) {
		printf("self pid=%d ppid=%d pgid=%d sid=%d uid=%u\n", getpid(), getppid(),
		       getpgid(0), getsid(0), getuid());
		return need;
	}
	printf("%s", o);
	for (int i = 1; i < need; i++)
		printf(" %s", argv[i]);
	errno = 0;
	if (!strcmp(o, "kill")) {
		result(kill(num(argv[1]), parse_sig(argv[2])), 0);
	} else if (!strcmp(o, "queue")) {
		union sigval v = { .sival_int = (int)num(argv[3]) };

		result(sigqueue(num(argv[1]), parse_sig(argv[2]), v), 0);
	} else if (!strcmp(o, "tkill")) {
		result(syscall(SYS_tkill, num(argv[1]), parse_sig(argv[2])), 0);
	} else if (!strcmp(o, "tgkill")) {
		result(syscall(SYS_tgkill, num(argv[1]), num(argv[2]), parse_sig(argv[3])), 0);
	} else if (!strcmp(o, "tgqueue")) {
		result(queue(num(argv[1]), num(argv[2]), parse_sig(argv[3]), (int)num(argv[4])), 0);
	} else if (!strcmp(o, "pgid")) {
		result(getpgid(num(argv[1])), 1);
	} else if (!strcmp(o, "sid")) {
		result(getsid(num(argv[1])), 1);
	} else if (!strcmp(o, "getprio")) {
		r = getpriority(PRIO_PROCESS, num(argv[1]));
		if (r == -1 && errno)
			result(-1, 1);
		else
			printf(" = %ld\n", r);
	} else {
		result(setpriority(PRIO_PROCESS, num(argv[1]), (int)num(argv[2])), 0);
	}
	return need;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "recv"))
		return recv_loop();
	if (argc < 2) {
		fprintf(stderr, "usage: proc_sig OP [ARGS] ... | proc_sig recv (see the header)\n");
		return 2;
	}
	while (i < argc)
		i += op(argv + i, argc - i);
	return 0;
}
