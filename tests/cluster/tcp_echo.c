// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP echo check between two nodes.
 *
 *   tcp_echo server PORT [TIMEOUT_S]        serve one connection: echo until EOF
 *   tcp_echo client HOST PORT [TIMEOUT_S]   send 1 B .. 1 MiB messages, check the echo
 *
 * The client retries connecting until the deadline (the server may not be
 * listening yet) and checks every echoed byte.  Both sides give up at the
 * deadline (default 30 s) instead of hanging.  Exit 0 on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ms_left(void)
{
	double left = deadline - now();

	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static void die(const char *what)
{
	fprintf(stderr, "tcp_echo: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

/* Wait for EVENTS on FD until the deadline. */
static void wait_fd(int fd, short events, const char *what)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, ms_left());
	} while (r < 0 && errno == EINTR);
	if (r == 0) {
		errno = ETIMEDOUT;
		die(what);
	}
	if (r < 0)
		die(what);
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls, s;
	char buf[65536];
	ssize_t n;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1))
		die("bind/listen");
	printf("listening on %d\n", port);
	fflush(stdout);
	wait_fd(ls, POLLIN, "accept");
	s = accept(ls, NULL, NULL);
	if (s < 0)
		die("accept");
	for (;;) {
		wait_fd(s, POLLIN, "read");
		n = read(s, buf, sizeof(buf));
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w;

			wait_fd(s, POLLOUT, "write");
			w = write(s, buf + off, n - off);
			if (w < 0)
				die("write");
			off += w;
		}
	}
	close(s);
	close(ls);
	printf("served\n");
	return 0;
}

static int connect_retry(const char *host, int port)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char ps[16];
	int s, delay_ms = 20;

	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &ai)) {
		errno = 0;
		die("cannot resolve host");
	}
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			die("socket");
		if (!connect(s, ai->ai_addr, ai->ai_addrlen))
			break;
		close(s);
		if (ms_left() <= delay_ms)
			die("connect");
		usleep(delay_ms * 1000);
		if (delay_ms < 200)
			delay_ms *= 2;
	}
	freeaddrinfo(ai);
	return s;
}

/* Send LEN pseudo-random bytes and read them back, interleaving both ways. */
static void echo_once(int s, size_t len, uint32_t seed)
{
	unsigned char *out = malloc(len), *in = malloc(len);
	size_t sent = 0, got = 0;
	size_t i;

	if (!out || !in)
		die("malloc");
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		out[i] = seed >> 16;
	}
	while (got < len) {
		struct pollfd p = { .fd = s, .events = POLLIN | (sent < len ? POLLOUT : 0) };
		int r = poll(&p, 1, ms_left());
		ssize_t n;

		if (r == 0) {
			errno = ETIMEDOUT;
			die("echo");
		}
		if (r < 0 && errno != EINTR)
			die("poll");
		if (r < 0)
			continue;
		if ((p.revents & POLLOUT) && sent < len) {
			n = write(s, out + sent, len - sent > 65536 ? 65536 : len - sent);
			if (n < 0 && errno != EAGAIN)
				die("write");
			if (n > 0)
				sent += n;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(s, in + got, len - got);
			if (n < 0 && errno != EAGAIN)
				die("read");
			if (n == 0) {
				errno = 0;
				die("server closed early");
			}
			if (n > 0)
				got += n;
		}
	}
	if (memcmp(out, in, len)) {
		errno = 0;
		die("echoed bytes differ");
	}
	free(out);
	free(in);
}

static int client(const char *host, int port)
{
	static const size_t sizes[] = { 1, 16, 1000, 1460, 65536, 1 << 20 };
	double t0 = now();
	int one = 1, s;
	size_t i;
	char c;

	s = connect_retry(host, port);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Non-blocking: a large write must never stall while the echo waits. */
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		echo_once(s, sizes[i], 42 + i);
		printf("echo %zu bytes ok\n", sizes[i]);
	}
	shutdown(s, SHUT_WR);
	wait_fd(s, POLLIN, "wait for close");
	if (read(s, &c, 1) != 0) {
		errno = 0;
		die("server did not close");
	}
	close(s);
	printf("all echoes match (%.3f s)\n", now() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	int timeout = 30;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "server")) {
		if (argc >= 4)
			timeout = atoi(argv[3]);
		deadline = now() + timeout;
		return serve(atoi(argv[2]));
	}
	if (argc >= 4 && !strcmp(argv[1], "client")) {
		if (argc >= 5)
			timeout = atoi(argv[4]);
		deadline = now() + timeout;
		return client(argv[2], atoi(argv[3]));
	}
	fprintf(stderr, "usage: tcp_echo server PORT [TIMEOUT_S] | client HOST PORT [TIMEOUT_S]\n");
	return 2;
}
