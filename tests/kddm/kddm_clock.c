// SPDX-License-Identifier: GPL-2.0
/*
 * kddm_clock: NTP-style estimate of the offset between this node's
 * CLOCK_MONOTONIC_RAW and a reference node's, with a sound error bound, so
 * that operation histories taken on different nodes can be put on one time
 * line (tests/kddm/kddm_linear.sh).
 *
 *   kddm_clock serve PORT SECONDS      answer probes (UDP) for SECONDS, or
 *                                      until a "quit" datagram
 *   kddm_clock probe ADDR PORT N       N exchanges with the server; prints
 *                                      offset_ns= bound_ns= rtt_min_ns= samples=
 *   kddm_clock quit ADDR PORT          stop a server
 *
 * One exchange: the client reads its clock (t0), sends; the server reads its
 * clock (ts) and answers; the client reads its clock again (t1).  Whatever
 * the delays on the way, ts was taken between t0 and t1, so the server's
 * clock minus ours lies in [ts - t1, ts - t0] = theta +- (t1 - t0) / 2 with
 * theta = ts - (t0 + t1) / 2.  The exchange with the smallest round trip
 * gives the tightest such interval; we print its theta and half round trip.
 * Adding offset_ns to a local time gives the server's time within
 * +- bound_ns.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct probe {
	uint32_t magic;
	uint32_t seq;
	uint64_t server_ns;
};

#define MAGIC 0x4b444d43	/* "KDMC" */
#define QUIT 0x51554954

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		perror("socket");
	return fd;
}

static int addr_of(const char *host, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "Error: bad IPv4 address \"%s\".\n", host);
		return -1;
	}
	return 0;
}

static int serve(int port, int secs)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint64_t end = now_ns() + (uint64_t)secs * 1000000000ULL;
	int fd = udp_socket(), one = 1;
	unsigned long served = 0;

	if (fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("bind");
		return 1;
	}
	printf("listening port=%d\n", port);
	fflush(stdout);
	while (now_ns() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		struct probe m;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, &m, sizeof(m), 0, (struct sockaddr *)&from, &flen);
		if (n != sizeof(m))
			continue;
		if (m.magic == QUIT)
			break;
		if (m.magic != MAGIC)
			continue;
		m.server_ns = now_ns();
		sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&from, flen);
		served++;
	}
	printf("served=%lu\n", served);
	return 0;
}

static int probe(const char *host, const char *port, int count)
{
	uint64_t best_rtt = UINT64_MAX, deadline = now_ns() + 60ULL * 1000000000ULL;
	int64_t best_theta = 0;
	struct sockaddr_in sa;
	int fd, got = 0;
	uint32_t seq = 0;

	if (addr_of(host, port, &sa) || (fd = udp_socket()) < 0)
		return 1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		return 1;
	}
	while (got < count && now_ns() < deadline) {
		struct probe m = { .magic = MAGIC, .seq = ++seq };
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t t0, t1;

		t0 = now_ns();
		if (send(fd, &m, sizeof(m), 0) != sizeof(m)) {
			/* ECONNREFUSED while the server is not up yet: retry */
			usleep(20000);
			continue;
		}
		for (;;) {
			if (poll(&p, 1, 200) <= 0)
				break;	/* lost: next exchange */
			if (recv(fd, &m, sizeof(m), 0) != sizeof(m))
				break;
			if (m.magic == MAGIC && m.seq == seq) {
				t1 = now_ns();
				if (t1 - t0 < best_rtt) {
					best_rtt = t1 - t0;
					best_theta = (int64_t)(m.server_ns - t0) - (int64_t)(best_rtt / 2);
				}
				got++;
				break;
			}
		}
	}
	if (!got) {
		fprintf(stderr, "Error: no answer from %s:%s.\n", host, port);
		return 1;
	}
	/* theta was rounded down by at most 1 ns: widen the bound by 1 ns. */
	printf("offset_ns=%" PRId64 " bound_ns=%" PRIu64 " rtt_min_ns=%" PRIu64 " samples=%d\n",
	       best_theta, (best_rtt + 1) / 2 + 1, best_rtt, got);
	return 0;
}

static int quit(const char *host, const char *port)
{
	struct probe m = { .magic = QUIT };
	struct sockaddr_in sa;
	int fd;

	if (addr_of(host, port, &sa) || (fd = udp_socket()) < 0)
		return 1;
	sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&sa, sizeof(sa));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "probe"))
		return probe(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "quit"))
		return quit(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of kddm_clock.c\n");
	return 2;
}
