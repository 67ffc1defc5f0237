// SPDX-License-Identifier: GPL-2.0
/*
 * kddm_bench: timed KDDM operations whose placement other nodes prepare
 * in lock step (tests/bench/kddm).
 *
 *   kddm_bench serve PORT SECONDS
 *        run the TEST_OPs peers ask for over UDP (until SECONDS or "quit")
 *   kddm_bench remote-read SET OBJ N PEER PORT
 *        N times: PEER writes the object (it becomes owner, our copy is
 *        invalidated), then we READ it: every timed read fetches a copy
 *        from the owner
 *   kddm_bench inv-write SET OBJ N PORT PEER...
 *        N times: every PEER reads the object (a read copy each), then we
 *        WRITE it: every timed write invalidates len(PEER) copies
 *   kddm_bench quit PEER PORT
 *
 * Prints one JSON line: the kernel's ELAPSED_NS per timed operation (mean,
 * p50, p90, min), the same seen from user space around the netlink call,
 * and the protocol messages this node sent per operation (MSGS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "krg_test.h"

#define MAGIC 0x4b444d42	/* "KDMB" */
#define QUIT 0x51554954

struct req {
	uint32_t magic, seq, set, op;
	uint64_t obj, value;
};

struct rep {
	uint32_t magic, seq;
	int32_t err;
	uint32_t hops;
	uint64_t value, elapsed_ns, msgs;
};

static struct krg_handle *nl;

static uint64_t kddm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int udp(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		perror("socket");
	return fd;
}

static int peer_addr(const char *host, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "Error: bad address %s.\n", host);
		return -1;
	}
	return 0;
}

static int do_op(uint32_t set, uint64_t obj, uint32_t op, bool give, uint64_t value,
		 struct krg_kddm_test_reply *r)
{
	struct krg_kddm_test_args a = { .set = set, .obj = obj, .op = op };
	struct krg_err err;
	int ret;

	if (give) {
		a.give = KRG_KDDM_TEST_GIVE_VALUE;
		a.value = value;
	}
	ret = krg_kddm_test_op(nl, &a, r, &err);
	if (ret)
		fprintf(stderr, "Error: %s (%s).\n", krg_err_str(&err), strerrorname_np(-ret));
	return ret;
}

static int serve(int port, int secs)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint64_t end = kddm_now_ns() + (uint64_t)secs * 1000000000ULL;
	int fd = udp(), one = 1;
	unsigned long n = 0;

	if (fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("bind");
		return 1;
	}
	while (kddm_now_ns() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		struct krg_kddm_test_reply r;
		struct req q;
		struct rep a = { 0 };

		if (poll(&p, 1, 200) <= 0)
			continue;
		if (recvfrom(fd, &q, sizeof(q), 0, (struct sockaddr *)&from, &flen) != sizeof(q))
			continue;
		if (q.magic == QUIT)
			break;
		if (q.magic != MAGIC)
			continue;
		a.magic = MAGIC;
		a.seq = q.seq;
		a.err = do_op(q.set, q.obj, q.op, q.op != KRG_KDDM_TEST_READ, q.value, &r);
		if (!a.err) {
			a.value = r.value;
			a.elapsed_ns = r.elapsed_ns;
			a.msgs = r.msgs;
			a.hops = r.hops;
		}
		sendto(fd, &a, sizeof(a), 0, (struct sockaddr *)&from, flen);
		n++;
	}
	printf("served=%lu\n", n);
	return 0;
}

/* Ask the server at sa to run one op; 0 or the remote error (-errno). */
static int remote(int fd, const struct sockaddr_in *sa, uint32_t set, uint64_t obj,
		  uint32_t op, uint64_t value)
{
	static uint32_t seq;
	struct req q = { MAGIC, ++seq, set, op, obj, value };
	int tries;

	for (tries = 0; tries < 50; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct rep a;

		if (sendto(fd, &q, sizeof(q), 0, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
			usleep(100000);
			continue;
		}
		while (poll(&p, 1, 2000) > 0) {
			if (recv(fd, &a, sizeof(a), 0) == sizeof(a) && a.magic == MAGIC &&
			    a.seq == q.seq)
				return a.err;
		}
	}
	fprintf(stderr, "Error: peer %s does not answer.\n", inet_ntoa(sa->sin_addr));
	return -ETIMEDOUT;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats(const char *name, uint64_t *v, unsigned int n)
{
	uint64_t sum = 0;
	unsigned int i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("\"%s\":{\"mean\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"min\":%.1f}", name,
	       (double)sum / n / 1000.0, v[n / 2] / 1000.0, v[n * 9 / 10] / 1000.0, v[0] / 1000.0);
}

/* Runs N timed local ops, each prepared by prepare(i). */
static int timed(const char *what, uint32_t set, uint64_t obj, unsigned int n, uint32_t op,
		 int (*prepare)(unsigned int i, void *arg), void *arg, unsigned int peers)
{
	uint64_t *kern = calloc(n, sizeof(*kern)), *user = calloc(n, sizeof(*user));
	uint64_t msgs = 0, hops = 0, t0;
	unsigned int i, remote_ops = 0;
	struct krg_kddm_test_reply r;

	if (!kern || !user)
		return 1;
	for (i = 0; i < n; i++) {
		if (prepare(i, arg))
			return 1;
		t0 = kddm_now_ns();
		if (do_op(set, obj, op, op == KRG_KDDM_TEST_WRITE, 1000000 + i, &r))
			return 1;
		user[i] = kddm_now_ns() - t0;
		kern[i] = r.elapsed_ns;
		msgs += r.msgs;
		hops += r.hops;
		remote_ops += r.msgs > 0;
		if (op == KRG_KDDM_TEST_READ && r.value != 2000000 + i) {
			fprintf(stderr, "Error: read %" PRIu64 ", the peer wrote %u.\n", r.value,
				2000000 + i);
			return 1;
		}
	}
	printf("{\"bench\":\"kddm-%s\",\"n\":%u,\"peers\":%u,", what, n, peers);
	stats("kernel_us", kern, n);
	printf(",");
	stats("user_us", user, n);
	printf(",\"msgs_per_op\":%.2f,\"hops_per_op\":%.2f,\"ops_with_messages\":%u}\n",
	       (double)msgs / n, (double)hops / n, remote_ops);
	free(kern);
	free(user);
	return 0;
}

struct prep {
	int fd;
	struct sockaddr_in peers[16];
	int npeers;
	uint32_t set;
	uint64_t obj;
};

static int prep_write(unsigned int i, void *arg)
{
	struct prep *p = arg;

	return remote(p->fd, &p->peers[0], p->set, p->obj, KRG_KDDM_TEST_WRITE, 2000000 + i);
}

static int prep_reads(unsigned int i, void *arg)
{
	struct prep *p = arg;
	int k;

	(void)i;
	for (k = 0; k < p->npeers; k++)
		if (remote(p->fd, &p->peers[k], p->set, p->obj, KRG_KDDM_TEST_READ, 0))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct prep p = { 0 };
	struct krg_err err;
	int i, port;

	if (argc == 4 && !strcmp(argv[1], "quit")) {
		struct req q = { .magic = QUIT };

		if ((p.fd = udp()) < 0 || peer_addr(argv[2], atoi(argv[3]), &p.peers[0]))
			return 1;
		sendto(p.fd, &q, sizeof(q), 0, (struct sockaddr *)&p.peers[0], sizeof(p.peers[0]));
		return 0;
	}
	if (krg_open(&nl, &err)) {
		fprintf(stderr, "Error: %s.\n", krg_err_str(&err));
		return 1;
	}
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]));
	if (argc < 7)
		goto usage;
	p.set = (uint32_t)strtoul(argv[2], NULL, 0);
	p.obj = strtoull(argv[3], NULL, 0);
	if ((p.fd = udp()) < 0)
		return 1;
	if (!strcmp(argv[1], "remote-read")) {
		if (peer_addr(argv[5], atoi(argv[6]), &p.peers[0]))
			return 1;
		p.npeers = 1;
		return timed("remote-read", p.set, p.obj, (unsigned int)atoi(argv[4]),
			     KRG_KDDM_TEST_READ, prep_write, &p, 1);
	}
	if (!strcmp(argv[1], "inv-write")) {
		port = atoi(argv[5]);
		for (i = 6; i < argc && p.npeers < 16; i++)
			if (peer_addr(argv[i], port, &p.peers[p.npeers++]))
				return 1;
		return timed("inv-write", p.set, p.obj, (unsigned int)atoi(argv[4]),
			     KRG_KDDM_TEST_WRITE, prep_reads, &p, (unsigned int)p.npeers);
	}
usage:
	fprintf(stderr, "usage: see the comment at the top of kddm_bench.c\n");
	return 2;
}
