// SPDX-License-Identifier: GPL-2.0
/*
 * Raw TCP reference numbers between two nodes: round-trip latency of small
 * messages (TCP_NODELAY) and bulk streaming bandwidth.  Later RPC benchmarks
 * are divided by these.
 *
 *   tcp_pingpong server [-p PORT] [-t TIMEOUT_S] [-c CONNECTIONS]
 *   tcp_pingpong client HOST [-p PORT] [-t TIMEOUT_S] [-n ROUNDS] [-w WARMUP]
 *                           [-s MSG_BYTES] [-d BULK_SECONDS] [-l LABEL]
 *
 * The server serves CONNECTIONS connections (default 2: one latency, one
 * bulk) and exits.  Each connection starts with a 16-byte header
 * {magic "KRGPP001", u32 mode, u32 msg_bytes} (little endian).  Mode 1:
 * echo msg_bytes-sized messages until EOF.  Mode 2: read until EOF, then
 * answer the received byte count as a u64, so the client's clock covers
 * everything the server got.
 *
 * The client prints a table and one JSON line starting with "JSON ".
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
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

#define MAGIC "KRGPP001"
#define MODE_PINGPONG 1
#define MODE_BULK 2
#define MAX_MSG 65536
#define BULK_CHUNK (128 * 1024)

struct hdr {
	char magic[8];
	uint32_t mode;
	uint32_t msg_bytes;
};

static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tcp_pingpong: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

/* Block until FD is readable/writable or the overall deadline passes. */
static void wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	double left = deadline - now();
	int r;

	if (left <= 0) {
		errno = ETIMEDOUT;
		die("deadline");
	}
	do {
		r = poll(&p, 1, (int)(left * 1000) + 1);
	} while (r < 0 && errno == EINTR);
	if (r == 0) {
		errno = ETIMEDOUT;
		die("deadline");
	}
	if (r < 0)
		die("poll");
}

/* Read exactly LEN bytes; returns 0 on EOF before the first byte. */
static int read_full(int s, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(s, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_fd(s, POLLIN);
			continue;
		}
		if (n < 0)
			die("read");
		if (n == 0) {
			if (!got)
				return 0;
			errno = 0;
			die("short read");
		}
		got += n;
	}
	return 1;
}

static void write_full(int s, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(s, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_fd(s, POLLOUT);
			continue;
		}
		if (n < 0)
			die("write");
		done += n;
	}
}

static void set_timeouts(int s)
{
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	/* Single blocking calls never outlive a dead peer by more than 5 s. */
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void serve_one(int s)
{
	static char buf[BULK_CHUNK];
	uint64_t total = 0, le;
	struct hdr h;
	ssize_t n;

	set_timeouts(s);
	if (!read_full(s, &h, sizeof(h)) || memcmp(h.magic, MAGIC, 8)) {
		fprintf(stderr, "tcp_pingpong: bad header, closing\n");
		return;
	}
	h.mode = le32toh(h.mode);
	h.msg_bytes = le32toh(h.msg_bytes);
	if (h.mode == MODE_PINGPONG) {
		if (!h.msg_bytes || h.msg_bytes > MAX_MSG) {
			fprintf(stderr, "tcp_pingpong: bad message size %u\n", h.msg_bytes);
			return;
		}
		while (read_full(s, buf, h.msg_bytes))
			write_full(s, buf, h.msg_bytes);
	} else if (h.mode == MODE_BULK) {
		for (;;) {
			n = read(s, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0)
				die("bulk read");
			if (n == 0)
				break;
			total += n;
		}
		le = htole64(total);
		write_full(s, &le, sizeof(le));
	} else {
		fprintf(stderr, "tcp_pingpong: unknown mode %u\n", h.mode);
	}
}

static int server(int port, int conns)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls, s, i;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 4))
		die("bind/listen");
	printf("listening on port %d\n", port);
	fflush(stdout);
	for (i = 0; i < conns; i++) {
		wait_fd(ls, POLLIN);
		s = accept(ls, NULL, NULL);
		if (s < 0)
			die("accept");
		serve_one(s);
		close(s);
	}
	close(ls);
	return 0;
}

static int connect_retry(const char *host, int port, uint32_t mode, uint32_t msg)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct hdr h = { .mode = htole32(mode), .msg_bytes = htole32(msg) };
	struct addrinfo *ai;
	int s, delay_ms = 20;
	char ps[16];

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
		if (now() + delay_ms / 1000.0 >= deadline)
			die("connect");
		usleep(delay_ms * 1000);
		if (delay_ms < 200)
			delay_ms *= 2;
	}
	freeaddrinfo(ai);
	set_timeouts(s);
	memcpy(h.magic, MAGIC, 8);
	write_full(s, &h, sizeof(h));
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct latency {
	double p50, p90, p99, mean, min, max;
};

static void pingpong(int s, int rounds, int warmup, unsigned int msg, struct latency *l)
{
	double *us = calloc(rounds, sizeof(*us));
	char buf[MAX_MSG];
	double t, sum = 0;
	int i;

	if (!us)
		die("calloc");
	memset(buf, 0x5a, msg);
	for (i = 0; i < warmup + rounds; i++) {
		t = now();
		write_full(s, buf, msg);
		if (!read_full(s, buf, msg)) {
			errno = 0;
			die("server closed");
		}
		if (i >= warmup)
			us[i - warmup] = (now() - t) * 1e6;
	}
	qsort(us, rounds, sizeof(*us), cmp_double);
	for (i = 0; i < rounds; i++)
		sum += us[i];
	l->p50 = us[rounds / 2];
	l->p90 = us[(int)(rounds * 0.90)];
	l->p99 = us[(int)(rounds * 0.99)];
	l->mean = sum / rounds;
	l->min = us[0];
	l->max = us[rounds - 1];
	free(us);
}

static double bulk(int s, double seconds, uint64_t *bytes_out)
{
	static char buf[BULK_CHUNK];
	double t0 = now(), elapsed;
	uint64_t sent = 0, acked;

	memset(buf, 0xa5, sizeof(buf));
	while (now() - t0 < seconds) {
		write_full(s, buf, sizeof(buf));
		sent += sizeof(buf);
	}
	shutdown(s, SHUT_WR);
	if (!read_full(s, &acked, sizeof(acked))) {
		errno = 0;
		die("no byte count from the server");
	}
	elapsed = now() - t0;
	acked = le64toh(acked);
	if (acked != sent) {
		fprintf(stderr, "tcp_pingpong: server got %llu bytes, sent %llu\n",
			(unsigned long long)acked, (unsigned long long)sent);
		exit(1);
	}
	*bytes_out = sent;
	return sent / elapsed / 1e6;
}

static int client(const char *host, int port, int rounds, int warmup, unsigned int msg,
		  double bulk_s, const char *label)
{
	struct latency l;
	uint64_t bytes = 0;
	double mbps;
	int s;

	s = connect_retry(host, port, MODE_PINGPONG, msg);
	pingpong(s, rounds, warmup, msg, &l);
	close(s);
	s = connect_retry(host, port, MODE_BULK, 0);
	mbps = bulk(s, bulk_s, &bytes);
	close(s);

	printf("tcp_pingpong %s -> %s (%s)\n", label, host, "raw TCP, TCP_NODELAY");
	printf("  %-28s %10s\n", "metric", "value");
	printf("  %-28s %10u\n", "message bytes", msg);
	printf("  %-28s %10d\n", "round trips (after warm-up)", rounds);
	printf("  %-28s %10.1f\n", "RTT p50 (us)", l.p50);
	printf("  %-28s %10.1f\n", "RTT p90 (us)", l.p90);
	printf("  %-28s %10.1f\n", "RTT p99 (us)", l.p99);
	printf("  %-28s %10.1f\n", "RTT mean (us)", l.mean);
	printf("  %-28s %10.1f\n", "RTT min (us)", l.min);
	printf("  %-28s %10.1f\n", "RTT max (us)", l.max);
	printf("  %-28s %10.1f\n", "bulk bandwidth (MB/s)", mbps);
	printf("  %-28s %10.1f\n", "bulk MiB sent", bytes / 1048576.0);
	printf("JSON {\"bench\":\"tcp_pingpong\",\"label\":\"%s\",\"peer\":\"%s\","
	       "\"msg_bytes\":%u,\"rounds\":%d,\"warmup\":%d,"
	       "\"rtt_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"mean\":%.1f,"
	       "\"min\":%.1f,\"max\":%.1f},"
	       "\"bulk_MBps\":%.1f,\"bulk_bytes\":%llu,\"bulk_seconds\":%.2f}\n",
	       label, host, msg, rounds, warmup, l.p50, l.p90, l.p99, l.mean, l.min, l.max,
	       mbps, (unsigned long long)bytes, bulk_s);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tcp_pingpong server [-p PORT] [-t TIMEOUT_S] [-c CONNECTIONS]\n"
		"       tcp_pingpong client HOST [-p PORT] [-t TIMEOUT_S] [-n ROUNDS] [-w WARMUP]\n"
		"                               [-s MSG_BYTES] [-d BULK_SECONDS] [-l LABEL]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 7302, timeout = 120, rounds = 20000, warmup = 2000, conns = 2;
	unsigned int msg = 16;
	double bulk_s = 2.0;
	const char *label = "";
	const char *host = NULL;
	int is_server, opt;

	if (argc < 2)
		usage();
	is_server = !strcmp(argv[1], "server");
	if (!is_server && strcmp(argv[1], "client"))
		usage();
	optind = 2;
	if (!is_server) {
		if (argc < 3)
			usage();
		host = argv[2];
		optind = 3;
	}
	while ((opt = getopt(argc, argv, "p:t:c:n:w:s:d:l:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'n': rounds = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 's': msg = atoi(optarg); break;
		case 'd': bulk_s = atof(optarg); break;
		case 'l': label = optarg; break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || timeout <= 0 || rounds <= 0 || warmup < 0 ||
	    !msg || msg > MAX_MSG || bulk_s <= 0 || conns <= 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = now() + timeout;
	if (is_server)
		return server(port, conns);
	return client(host, port, rounds, warmup, msg, bulk_s, label);
}
