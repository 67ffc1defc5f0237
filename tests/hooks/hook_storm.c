// SPDX-License-Identifier: GPL-2.0
/*
 * A fork/exec/exit storm inside a new PID namespace, for the reload test:
 * the namespace's PID 1 starts WORKERS loops of fork + exec(/bin/true) + wait,
 * each also calling the syscalls the test consumer overrides and a kill() to
 * an absent PID.  Whether krg_hooks and the consumer are loaded or not, every
 * result must be one of the two legal ones (consumer's or native); anything
 * else is counted as an error.  Runs until STOPFILE exists or MAX_SECONDS
 * pass; the PID 1's PID (as seen from outside) is written to PIDFILE.
 * Usage: hook_storm PIDFILE STOPFILE MAX_SECONDS WORKERS
 */
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hooks_util.h"

static int worker(const char *stopfile, double end)
{
	long iters = 0, errors = 0, r;
	int status;
	pid_t p;

	while (hu_now() < end && access(stopfile, F_OK)) {
		iters++;
		p = fork();
		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			if (errors++ < 5)
				fprintf(stderr, "storm: child %d failed (%s, status 0x%x)\n",
					p, p < 0 ? strerror(errno) : "-", status);
		}
		errno = 0;
		r = syscall(SYS_getsid, KRG_TEST_MAGIC_SKIP);
		if (r != KRG_TEST_SKIP_RET && !(r == -1 && errno == ESRCH) &&
		    errors++ < 5)
			fprintf(stderr, "storm: getsid(magic) = %ld (%s)\n", r, strerror(errno));
		errno = 0;
		r = syscall(SYS_getpgid, KRG_TEST_MAGIC_DEFER);
		if (r != KRG_TEST_DEFER_RET && !(r == -1 && errno == ESRCH) &&
		    errors++ < 5)
			fprintf(stderr, "storm: getpgid(magic) = %ld (%s)\n", r, strerror(errno));
		errno = 0;
		r = kill(777, 0);
		if (r != 0 && !(r == -1 && errno == ESRCH) && errors++ < 5)
			fprintf(stderr, "storm: kill(777, 0) = %ld (%s)\n", r, strerror(errno));
	}
	printf("# storm worker: %ld iterations, %ld errors\n", iters, errors);
	fflush(stdout);
	return errors ? 1 : 0;
}

static int ns_init(const char *stopfile, double end, int workers)
{
	int i, status, failed = 0;
	pid_t p;

	for (i = 0; i < workers; i++) {
		p = fork();
		if (p == 0)
			_exit(worker(stopfile, end));
		if (p < 0)
			failed++;
	}
	/* Reap the workers and anything orphaned to us. */
	while ((p = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	int status, workers;
	double end;
	FILE *f;
	pid_t p;

	if (argc != 5) {
		fprintf(stderr, "usage: hook_storm PIDFILE STOPFILE MAX_SECONDS WORKERS\n");
		return 2;
	}
	end = hu_now() + atof(argv[3]);
	workers = atoi(argv[4]);
	if (workers < 1 || workers > 64)
		return 2;
	if (unshare(CLONE_NEWPID)) {
		perror("unshare(CLONE_NEWPID)");
		return 1;
	}
	p = fork();
	if (p == 0)
		_exit(ns_init(argv[2], end, workers));
	if (p < 0)
		return 1;
	f = fopen(argv[1], "w");
	if (f) {
		fprintf(f, "%d\n", p);
		fclose(f);
	}
	if (waitpid(p, &status, 0) != p || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
