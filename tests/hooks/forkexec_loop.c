// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark loop: N times fork + exec(/bin/true) + wait; prints the mean time
 * per iteration in microseconds.
 * Usage: forkexec_loop N [plain|outside|inside]
 *   plain    (default) just the loop
 *   outside  first make a fresh, otherwise empty PID namespace the cluster
 *            namespace (needs the test consumer), then loop outside it
 *   inside   loop as PID 1 of a fresh PID namespace made the cluster one
 */
#include <sched.h>
#include <sys/wait.h>

#include "hooks_util.h"

static int loop(int n)
{
	int i, status;
	double t0;
	pid_t p;

	t0 = hu_now();
	for (i = 0; i < n; i++) {
		p = fork();
		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 1;
	}
	printf("%.2f\n", (hu_now() - t0) * 1e6 / n);
	fflush(stdout);
	return 0;
}

/* Runs fn in PID 1 of a new PID namespace made the cluster namespace. */
static int in_new_cluster_ns(int n, int run_loop)
{
	int status;
	pid_t p;

	if (unshare(CLONE_NEWPID))
		return 1;
	p = fork();
	if (p == 0) {
		if (hu_write("ns", "self"))
			_exit(3);
		_exit(run_loop ? loop(n) : 0);
	}
	if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	const char *mode = argc > 2 ? argv[2] : "plain";
	int status;
	pid_t p;

	if (n < 1)
		return 2;
	if (!strcmp(mode, "plain"))
		return loop(n);
	if (!strcmp(mode, "inside"))
		return in_new_cluster_ns(n, 1);
	if (strcmp(mode, "outside"))
		return 2;
	/* unshare() would put our own children in the new namespace: use a child. */
	p = fork();
	if (p == 0)
		_exit(in_new_cluster_ns(n, 0));
	if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	return loop(n);
}
