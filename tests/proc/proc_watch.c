// SPDX-License-Identifier: GPL-2.0
/*
 * proc_watch NODE PID MAX_MS [READY GO]: how long the processes of NODE
 * stay visible here after it fails (tests/proc/proc_fail.sh; run inside the
 * cluster environment of a survivor).  With READY and GO it creates the
 * file READY, waits (60 s at most) for the file GO and starts then: the
 * test kills the node right after creating GO.
 *
 * Polls three views, each in a process of its own, until each shows
 * nothing of NODE any more, or MAX_MS:
 *   kill   kill(PID, 0) fails with ESRCH (PID: one of NODE's processes)
 *   ls     /proc lists no PID of NODE's slice
 *   ps     "krg ps" succeeds and lists no PID of NODE's slice
 * and prints "kill_ms=T ls_ms=T ps_ms=T max_op_ms=T": T is when the view
 * was first seen clean (the end of that poll), in ms since the start, -1
 * if never; max_op_ms the longest single poll (a view blocked on the dead
 * node shows there).  Exit 0 if all got clean.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/krg_proc.h>

static double t0;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - t0;
}

static unsigned int node;

static int in_slice(long pid)
{
	return pid > 1 && KRG_PID_NODE(pid) == node;
}

static int ls_clean(void)
{
	struct dirent *de;
	int found = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d)))
		found |= in_slice(atol(de->d_name));
	closedir(d);
	return !found;
}

static int ps_clean(void)
{
	FILE *f = popen("krg ps 2>/dev/null", "r");
	int found = 0;
	char line[1024];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		found |= in_slice(atol(line));
	return pclose(f) == 0 && !found;
}

/* Polls view until it is clean or max_ms; prints "T MAX_OP" (T -1: never). */
static void watch(int (*clean)(void), double max_ms, int fd)
{
	double t = -1, max_op = 0, a, b;
	char out[64];
	int n;

	while (now_ms() < max_ms) {
		a = now_ms();
		n = clean();
		b = now_ms();
		max_op = b - a > max_op ? b - a : max_op;
		if (n) {
			t = b;
			break;
		}
		usleep(20000);
	}
	n = snprintf(out, sizeof(out), "%.0f %.0f", t, max_op);
	if (write(fd, out, n) != n)
		_exit(1);
	_exit(0);
}

static long target;

static int kill_clean(void)
{
	return kill(target, 0) && errno == ESRCH;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "kill", "ls", "ps" };
	int (*const views[])(void) = { kill_clean, ls_clean, ps_clean };
	double t[3], op, max_op = 0, max_ms;
	int fd[3][2], i, bad = 0;
	char buf[64];
	ssize_t r;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: proc_watch NODE PID MAX_MS [READY GO]\n");
		return 2;
	}
	node = atoi(argv[1]);
	target = atol(argv[2]);
	max_ms = atof(argv[3]);
	if (argc == 6) {
		int fdr = open(argv[4], O_WRONLY | O_CREAT, 0644);

		if (fdr < 0) {
			perror("proc_watch: READY");
			return 2;
		}
		close(fdr);
		for (i = 0; i < 12000 && access(argv[5], F_OK); i++)
			usleep(5000);
	}
	t0 = now_ms();
	/* one process per view, so that a view blocked on the dead node
	 * does not delay the others */
	for (i = 0; i < 3; i++) {
		if (pipe(fd[i]))
			return 2;
		if (fork() == 0) {
			close(fd[i][0]);
			watch(views[i], max_ms, fd[i][1]);
		}
		close(fd[i][1]);
	}
	for (i = 0; i < 3; i++) {
		r = read(fd[i][0], buf, sizeof(buf) - 1);
		buf[r > 0 ? r : 0] = 0;
		if (sscanf(buf, "%lf %lf", &t[i], &op) != 2)
			t[i] = -1, op = 0;
		max_op = op > max_op ? op : max_op;
		bad |= t[i] < 0;
	}
	while (wait(NULL) > 0)
		;
	printf("%s_ms=%.0f %s_ms=%.0f %s_ms=%.0f max_op_ms=%.0f\n", names[0], t[0], names[1], t[1],
	       names[2], t[2], max_op);
	return bad;
}
