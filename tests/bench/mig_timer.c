// SPDX-License-Identifier: GPL-2.0
/*
 * mig_timer: times commands inside a node for tests/bench/mig, each one a
 * fork + exec + exit + wait measured with CLOCK_MONOTONIC.
 *
 *   mig_timer exec N CMD [ARGS...]
 *       CMD run N times (every run must exit 0, else it stops there).
 *   mig_timer ring N KRG NODES POS PID...
 *       N migrations, each "KRG migrate PID NODE" (KRG "-": the kernel
 *       request alone, libkrg's krg_proc_migrate() on one open handle, no
 *       command started): the PIDs in turn, each to the node after the
 *       one it is on in the ring NODES ("1,2,3"; "2,1" is a ping-pong
 *       between 1 and 2); they all start on NODES[POS].  A failed
 *       migration is counted, its error printed on stderr (the first 20),
 *       and the process is taken to have stayed where it was.  Ends with
 *       a line "at PID=NODE ..." (where each one should be now).
 * Prints one line:
 *   n=N ok=K fail=F elapsed_ns=T median_us=.. p10_us=.. p90_us=.. mean_us=.. min_us=.. max_us=..
 * (the times over the successful runs).  Exit 0 unless a command of exec failed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "krg.h"

#define MAX_RING	64
#define MAX_PIDS	4096

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* run: fork + exec ARGV + wait; its duration in *ns; 0 if it exited 0 */
static int run(char **argv, int64_t *ns)
{
	int64_t t0 = now_ns();
	int status;
	pid_t p = fork();

	if (p < 0)
		return -1;
	if (!p) {
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(p, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	*ns = now_ns() - t0;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void print_stats(long n, long fail, int64_t elapsed, int64_t *s, long ok)
{
	double mean = 0;
	long i;

	qsort(s, ok, sizeof(*s), cmp64);
	for (i = 0; i < ok; i++)
		mean += s[i];
	if (ok)
		mean /= ok;
#define US(x) ((double)(x) / 1000)
	printf("n=%ld ok=%ld fail=%ld elapsed_ns=%lld median_us=%.1f p10_us=%.1f p90_us=%.1f mean_us=%.1f "
	       "min_us=%.1f max_us=%.1f\n", n, ok, fail, (long long)elapsed,
	       ok ? (ok % 2 ? US(s[ok / 2]) : US(s[ok / 2 - 1] + s[ok / 2]) / 2) : 0,
	       ok ? US(s[ok / 10]) : 0, ok ? US(s[ok * 9 / 10]) : 0, US(mean),
	       ok ? US(s[0]) : 0, ok ? US(s[ok - 1]) : 0);
}

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of mig_timer.c\n");
	return 2;
}

/* ring_step: one migration of the ring, with the command or libkrg (h) */
static int ring_step(const char *krg, struct krg_handle *h, long pid, int node, int64_t *ns, long fail)
{
	static char pidbuf[16], nodebuf[16];
	char *cmd[] = { (char *)krg, "migrate", pidbuf, nodebuf, NULL };
	struct krg_err err;
	uint32_t now;
	int64_t t0;
	int rc;

	if (h) {
		t0 = now_ns();
		rc = krg_proc_migrate(h, (uint32_t)pid, (uint32_t)node, &now, &err);
		*ns = now_ns() - t0;
		if (rc && fail < 20)
			fprintf(stderr, "ring: migrate %ld %d: %s\n", pid, node, krg_err_str(&err));
		return rc;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%ld", pid);
	snprintf(nodebuf, sizeof(nodebuf), "%d", node);
	rc = run(cmd, ns);
	if (rc && fail < 20)
		fprintf(stderr, "ring: migrate %ld %d failed (its message above)\n", pid, node);
	return rc;
}

int main(int argc, char **argv)
{
	int ring[MAX_RING], nring = 0, npids = 0, pos[MAX_PIDS], rc;
	struct krg_handle *h = NULL;
	long pids[MAX_PIDS], n, i, ok = 0, fail = 0;
	char *end, *tok, *save = NULL;
	bool is_ring;
	int64_t *s, t0, ns = 0;

	if (argc < 4)
		return usage();
	is_ring = !strcmp(argv[1], "ring");
	if (!is_ring && strcmp(argv[1], "exec"))
		return usage();
	n = strtol(argv[2], &end, 10);
	if (*end || n <= 0 || n > 10000000)
		return usage();
	s = calloc(n, sizeof(*s));
	if (!s)
		return 1;
	if (is_ring) {
		int p0;

		if (argc < 7)
			return usage();
		for (tok = strtok_r(argv[4], ",", &save); tok && nring < MAX_RING;
		     tok = strtok_r(NULL, ",", &save))
			ring[nring++] = atoi(tok);
		p0 = atoi(argv[5]);
		if (nring < 2 || p0 < 0 || p0 >= nring || argc - 6 > MAX_PIDS)
			return usage();
		for (i = 6; i < argc; i++) {
			pids[npids] = atol(argv[i]);
			pos[npids++] = p0;
		}
		if (!strcmp(argv[3], "-")) {
			rc = krg_proc_open(&h, NULL);
			if (rc) {
				fprintf(stderr, "mig_timer: krg_proc_open: %s\n", strerror(-rc));
				return 1;
			}
		}
	}

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (is_ring) {
			int k = i % npids, to = (pos[k] + 1) % nring;

			rc = ring_step(argv[3], h, pids[k], ring[to], &ns, fail);
			if (!rc)
				pos[k] = to;
		} else {
			rc = run(argv + 3, &ns);
		}
		if (!rc) {
			s[ok++] = ns;
			continue;
		}
		fail++;
		if (!is_ring) {
			i++;
			break;
		}
	}
	print_stats(i, fail, now_ns() - t0, s, ok);
	if (is_ring) {
		printf("at");
		for (i = 0; i < npids; i++)
			printf(" %ld=%d", pids[i], ring[pos[i]]);
		printf("\n");
	}
	if (h)
		krg_close(h);
	return fail && !is_ring ? 1 : 0;
}
