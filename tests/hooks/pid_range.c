// SPDX-License-Identifier: GPL-2.0
/*
 * PID ranges under a fork storm, with the test consumer loaded.  A cluster
 * PID namespace gets the range [LO, HI): two forkers inside it fork and reap
 * children as fast as they can, while a second, ordinary PID namespace does
 * the same.  Every PID of the cluster namespace (except its PID 1) must be in
 * range, wrapping around it many times; the other namespace must allocate
 * 2, 3, 4, ... as the kernel always does.
 * Usage: pid_range [FORKS_PER_FORKER]   (default 1500)
 */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "hooks_util.h"

#define LO 5000
#define HI 5100

/* Forks n children that exit at once; returns how many PIDs were outside [lo, hi). */
static int fork_loop(int n, int lo, int hi, int *last)
{
	int i, bad = 0, status;
	pid_t p;

	for (i = 0; i < n; i++) {
		p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0) {
			bad++;
			continue;
		}
		if (p < lo || p >= hi)
			bad++;
		*last = p;
		waitpid(p, &status, 0);
	}
	return bad;
}

/* Runs as PID 1 of a fresh namespace; returns the exit status to report. */
static int ns_init(int cluster, int n)
{
	int w, status, bad = 0, last = 0, ok = 1;
	pid_t forker[2];

	if (cluster && hu_write("ns", "self"))
		return 2;
	for (w = 0; w < 2; w++) {
		forker[w] = fork();
		if (forker[w] == 0) {
			if (cluster)
				_exit(fork_loop(n, LO, HI, &last) ? 1 : 0);
			/* Ordinary namespace: plain sequential numbers. */
			_exit(fork_loop(n, 2, LO, &last) ? 1 : 0);
		}
		if (cluster && (forker[w] < LO || forker[w] >= HI))
			bad++;
	}
	for (w = 0; w < 2; w++)
		if (waitpid(forker[w], &status, 0) != forker[w] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	if (!cluster) {
		/* 2 forkers + 2n children, nothing reused: the next PID is known. */
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		waitpid(p, &status, 0);
		if (p != 2 * n + 4)
			ok = 0;
		printf("# ordinary namespace: next PID after the storm %d (want %d)\n",
		       p, 2 * n + 4);
		fflush(stdout);
	}
	return ok && !bad ? 0 : 1;
}

static pid_t spawn_ns(int cluster, int n)
{
	pid_t p = fork();
	int status;

	if (p)
		return p;
	if (unshare(CLONE_NEWPID))
		_exit(3);
	p = fork();
	if (p == 0)
		_exit(ns_init(cluster, n));
	if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status))
		_exit(3);
	_exit(WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1500;
	int status_c, status_o;
	pid_t c, o;
	long calls;
	char range[32];

	if (access(KRG_TEST_DEBUGFS "/counts", R_OK)) {
		printf("# SKIP: test consumer not loaded (modprobe krg_hooks_test)\n");
		return 4;
	}
	if (n < 1 || n > 100000)
		return 2;
	snprintf(range, sizeof(range), "%d %d", LO, HI);
	hu_check(!hu_write("range", range), "range [%d, %d) set", LO, HI);
	hu_check(!hu_write("reset", "1"), "counters reset");

	c = spawn_ns(1, n);
	o = spawn_ns(0, n);
	waitpid(c, &status_c, 0);
	waitpid(o, &status_o, 0);
	hu_check(WIFEXITED(status_c) && WEXITSTATUS(status_c) == 0,
		 "cluster namespace: %d PIDs all in [%d, %d)", 2 * n + 2, LO, HI);
	hu_check(WIFEXITED(status_o) && WEXITSTATUS(status_o) == 0,
		 "ordinary namespace: %d PIDs untouched", 2 * n + 3);
	calls = hu_counter("pid_range");
	hu_check(calls == 2 * n + 2, "pid_range hook called %ld times (want %d)",
		 calls, 2 * n + 2);
	hu_check(!hu_write("range", "0 0"), "range cleared");
	hu_check(!hu_write("ns", "0"), "cluster namespace cleared");
	printf("1..%d\n", hu_checks);
	return hu_failures ? 1 : 0;
}
