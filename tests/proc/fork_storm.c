// SPDX-License-Identifier: GPL-2.0
/*
 * fork_storm N: fork N children as fast as possible; each exits at once and
 * stays a zombie (its PID held) until all N exist, so the N PIDs are
 * simultaneously allocated.  Prints "forked=N" then every child's PID, one
 * a line, then reaps them all.  Exit 1 if a fork or a wait failed (the
 * error is printed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0, i, got = 0, rc = 0;
	pid_t *pids;

	if (n < 1 || n > 100000) {
		fprintf(stderr, "usage: fork_storm N (1..100000)\n");
		return 2;
	}
	pids = calloc(n, sizeof(*pids));
	if (!pids)
		return 1;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(0);
		if (pids[i] < 0) {
			fprintf(stderr, "fork_storm: fork %d of %d: %s\n", i + 1, n, strerror(errno));
			rc = 1;
			break;
		}
		got++;
	}
	printf("forked=%d\n", got);
	for (i = 0; i < got; i++)
		printf("%d\n", pids[i]);
	fflush(stdout);
	for (i = 0; i < got; i++) {
		if (waitpid(pids[i], NULL, 0) != pids[i]) {
			fprintf(stderr, "fork_storm: waitpid %d: %s\n", pids[i], strerror(errno));
			rc = 1;
		}
	}
	return rc;
}
