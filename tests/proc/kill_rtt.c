// SPDX-License-Identifier: GPL-2.0
/*
 * kill() round trip to a process of another node (tests/bench/proc): the
 * target takes SIGUSR1 with sigwaitinfo() and answers each one with a byte
 * on a TCP connection the sender opened beforehand (the "pipe" between two
 * nodes).  Both run inside the cluster environment.
 *
 *   kill_rtt echo PORT           prints "ready pid=P", accepts one
 *                                connection, answers every SIGUSR1;
 *                                SIGTERM (sent by ping at the end) ends it
 *   kill_rtt ping HOST PORT PID N
 *                                N round trips (after 50 warm-up ones);
 *                                prints "n=N rtt_mean_us=X rtt_p50_us=X
 *                                kill_mean_us=X" (kill_mean_us: the kill()
 *                                call alone)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int echo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls, c;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (void *)&a, sizeof(a)) || listen(ls, 1)) {
		perror("kill_rtt: listen");
		return 1;
	}
	printf("ready pid=%d\n", getpid());
	fflush(stdout);
	c = accept(ls, NULL, NULL);
	if (c < 0) {
		perror("kill_rtt: accept");
		return 1;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		if (sigwaitinfo(&set, NULL) < 0 && errno != EINTR)
			return 1;
		if (write(c, "x", 1) != 1)
			return 0;
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int ping(const char *host, int port, pid_t pid, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	double *rtt = calloc(n, sizeof(*rtt)), t0, t1, sum = 0, ksum = 0;
	int one = 1, s, i;
	char b;

	if (!rtt || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (void *)&a, sizeof(a))) {
		perror("kill_rtt: connect");
		return 1;
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = -50; i < n; i++) {
		t0 = now_us();
		if (kill(pid, SIGUSR1)) {
			perror("kill_rtt: kill");
			return 1;
		}
		t1 = now_us();
		if (read(s, &b, 1) != 1) {
			fprintf(stderr, "kill_rtt: no answer\n");
			return 1;
		}
		if (i < 0)
			continue;
		rtt[i] = now_us() - t0;
		sum += rtt[i];
		ksum += t1 - t0;
	}
	kill(pid, SIGTERM);
	qsort(rtt, n, sizeof(*rtt), cmp);
	printf("n=%d rtt_mean_us=%.1f rtt_p50_us=%.1f kill_mean_us=%.1f\n", n, sum / n,
	       rtt[n / 2], ksum / n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return echo(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "ping") && atoi(argv[5]) > 0)
		return ping(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: kill_rtt echo PORT | kill_rtt ping HOST PORT PID N\n");
	return 2;
}
