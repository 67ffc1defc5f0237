// SPDX-License-Identifier: GPL-2.0
/*
 * krgcomm: a small raw generic-netlink client of the "krg_comm" family for
 * the tests (no libnl, so it depends on nothing but the uapi header).
 *
 *   krgcomm start [CONF]                 configure from cluster.conf + key file
 *   krgcomm timeout MS                   set the failure timeout
 *   krgcomm add LIST | del LIST          nodes add/del ("1-3,5")
 *   krgcomm nodes                        "ID STATE CONN" per node
 *   krgcomm state ID                     state name of one node
 *   krgcomm cluster                      key=value lines
 *   krgcomm stats [ID]                   key=value lines per peer
 *   krgcomm test OP TARGET SIZE COUNT [CONC [TIMEOUT_MS]]
 *            OP: echo sink stream async mcast nop bulk, or asynczc bulkzc (zero-copy); TARGET: id or list
 *            prints key=value; exit 0 only if every call was verified
 *   krgcomm events COUNT TIMEOUT_S [READY_FILE]
 *            print COUNT events ("ID STATE EVENT"); creates READY_FILE once
 *            subscribed (output of a node command reaches the host at exit)
 *   krgcomm raw CMD [ATTR:TYPE:VALUE...] send anything; prints "errno=N msg=..."
 *            TYPE u32|u16|u8|bin(hex)|str|flag; exit 0 if the kernel answered
 *
 * Errors print "Error: <extack message>." and exit 1.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/krg_comm.h>

#define BUFSZ (1 << 16)
#define NLA_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))

static int fd, family_id, events_grp = -1;
static unsigned int seqno = 1;
static char err_msg[512];

struct msg {
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
};

static void put_attr(struct msg *m, int type, const void *data, int len)
{
	struct nlattr *a = (void *)((char *)m->nlh + NLMSG_ALIGN(m->nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(NLA_DATA(a), data, len);
	m->nlh->nlmsg_len = NLMSG_ALIGN(m->nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void put_u32(struct msg *m, int type, uint32_t v) { put_attr(m, type, &v, 4); }

static void msg_init(struct msg *m, int fam, int cmd, int flags)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh = (void *)m->buf;
	m->nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nlh->nlmsg_type = fam;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->nlh->nlmsg_seq = ++seqno;
	g = NLMSG_DATA(m->nlh);
	g->cmd = cmd;
	g->version = KRG_COMM_GENL_VERSION;
}

/* Attributes of one genl message, indexed by type (last wins). */
static void parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb, int max)
{
	struct nlattr *a = (void *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	int rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) <= max)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
		rem -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

static void parse_nested(struct nlattr *nest, struct nlattr **tb, int max)
{
	struct nlattr *a = NLA_DATA(nest);
	int rem = nest->nla_len - NLA_HDRLEN;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) <= max)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
		rem -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

static uint32_t get_u32(struct nlattr *a) { uint32_t v; memcpy(&v, NLA_DATA(a), 4); return v; }
static uint64_t get_u64(struct nlattr *a) { uint64_t v; memcpy(&v, NLA_DATA(a), 8); return v; }

/* Extack message from an NLMSG_ERROR with NLM_F_ACK_TLVS. */
static void error_msg(struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e);
	struct nlattr *a;
	int rem;

	err_msg[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	a = (void *)((char *)e + off);
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(err_msg, sizeof(err_msg), "%s", (char *)NLA_DATA(a));
		rem -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

typedef void (*reply_cb)(struct nlmsghdr *nlh);

/* Sends m and reads replies until the ack/done; returns 0 or -errno. */
static int transact(struct msg *m, reply_cb cb)
{
	static char rbuf[BUFSZ];
	struct nlmsghdr *nlh;
	ssize_t n;

	if (send(fd, m->buf, m->nlh->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (void *)rbuf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != m->nlh->nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				error_msg(nlh);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb)
				cb(nlh);
		}
	}
}

static void family_cb(struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *g[CTRL_ATTR_MCAST_GRP_MAX + 1], *a;
	int rem;

	parse_attrs(nlh, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		family_id = *(uint16_t *)NLA_DATA(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	a = NLA_DATA(tb[CTRL_ATTR_MCAST_GROUPS]);
	rem = tb[CTRL_ATTR_MCAST_GROUPS]->nla_len - NLA_HDRLEN;
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		parse_nested(a, g, CTRL_ATTR_MCAST_GRP_MAX);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(NLA_DATA(g[CTRL_ATTR_MCAST_GRP_NAME]), KRG_COMM_MCGRP_EVENTS))
			events_grp = get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
		rem -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

static int open_family(void)
{
	struct msg m;
	int one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(m.nlh))->version = 1;
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, KRG_COMM_GENL_NAME,
		 strlen(KRG_COMM_GENL_NAME) + 1);
	return transact(&m, family_cb);
}

static int fail(int err)
{
	if (err_msg[0])
		fprintf(stderr, "Error: %s.\n", err_msg);
	else
		fprintf(stderr, "Error: %s.\n", strerror(-err));
	return 1;
}

/* ---- node lists ---- */

static int parse_list(const char *s, uint8_t *set)
{
	char *end;
	long a, b;

	memset(set, 0, KRG_COMM_NODE_SET_LEN);
	while (*s) {
		a = strtol(s, &end, 10);
		if (end == s)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s)
				return -1;
		}
		if (a < 0 || b >= KRG_MAX_NODES || a > b)
			return -1;
		for (; a <= b; a++)
			set[a / 8] |= 1 << (a % 8);
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return 0;
}

/* ---- commands ---- */

static const char *state_name(uint32_t s)
{
	static const char *names[] = { "absent", "present", "online", "leaving", "failed" };

	return s < 5 ? names[s] : "?";
}

static const char *conn_name(uint32_t s)
{
	static const char *names[] = { "idle", "backoff", "connecting", "handshake",
				       "established", "waiting" };

	return s < 6 ? names[s] : "?";
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_key(const char *path, uint8_t *key)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int i;

	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	for (i = 0; i < KRG_COMM_KEY_LEN; i++) {
		int h = hexval(line[2 * i]), l = hexval(line[2 * i + 1]);

		if (h < 0 || l < 0)
			return -1;
		key[i] = h << 4 | l;
	}
	return 0;
}

static int cmd_start(const char *conf)
{
	char line[512], key_file[256] = "/etc/kerrighed/cluster.key", addr[64];
	uint32_t cluster = 0, node = ~0U, port = KRG_COMM_DEFAULT_PORT, id;
	struct { uint32_t id; struct in_addr a; } peers[KRG_MAX_NODES];
	int npeers = 0, i, ret;
	struct in_addr self = { 0 };
	uint8_t key[KRG_COMM_KEY_LEN];
	struct msg m;
	FILE *f = fopen(conf, "r");

	if (!f) {
		perror(conf);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cluster_id %u", &cluster) == 1 ||
		    sscanf(line, "node_id %u", &node) == 1 ||
		    sscanf(line, "port %u", &port) == 1 ||
		    sscanf(line, "key_file %255s", key_file) == 1)
			continue;
		if (sscanf(line, "address %63s", addr) == 1) {
			inet_pton(AF_INET, addr, &self);
			continue;
		}
		if (sscanf(line, "node %u %63s", &id, addr) == 2 && npeers < KRG_MAX_NODES) {
			peers[npeers].id = id;
			inet_pton(AF_INET, addr, &peers[npeers++].a);
		}
	}
	fclose(f);
	if (read_key(key_file, key)) {
		fprintf(stderr, "Error: cannot read key from %s.\n", key_file);
		return 1;
	}
	msg_init(&m, family_id, KRG_COMM_CMD_CLUSTER_SET, 0);
	put_u32(&m, KRG_COMM_A_CLUSTER_ID, cluster);
	put_u32(&m, KRG_COMM_A_NODE_ID, node);
	put_attr(&m, KRG_COMM_A_ADDR4, &self.s_addr, 4);
	{
		uint16_t p = port;

		put_attr(&m, KRG_COMM_A_PORT, &p, 2);
	}
	put_attr(&m, KRG_COMM_A_KEY, key, sizeof(key));
	ret = transact(&m, NULL);
	if (ret)
		return fail(ret);
	for (i = 0; i < npeers; i++) {
		uint16_t p = port;

		msg_init(&m, family_id, KRG_COMM_CMD_PEER_SET, 0);
		put_u32(&m, KRG_COMM_A_NODE_ID, peers[i].id);
		put_attr(&m, KRG_COMM_A_ADDR4, &peers[i].a.s_addr, 4);
		put_attr(&m, KRG_COMM_A_PORT, &p, 2);
		ret = transact(&m, NULL);
		if (ret)
			return fail(ret);
	}
	return 0;
}

static int cmd_simple_u32(int cmd, int attr, uint32_t v)
{
	struct msg m;
	int ret;

	msg_init(&m, family_id, cmd, 0);
	put_u32(&m, attr, v);
	ret = transact(&m, NULL);
	return ret ? fail(ret) : 0;
}

static int cmd_set(int cmd, const char *list)
{
	uint8_t set[KRG_COMM_NODE_SET_LEN];
	struct msg m;
	int ret;

	if (parse_list(list, set)) {
		fprintf(stderr, "Error: bad node list '%s'.\n", list);
		return 2;
	}
	msg_init(&m, family_id, cmd, 0);
	put_attr(&m, KRG_COMM_A_NODE_SET, set, sizeof(set));
	ret = transact(&m, NULL);
	return ret ? fail(ret) : 0;
}

static uint32_t want_node = ~0U;
static int found;

static void nodes_cb(struct nlmsghdr *nlh)
{
	struct nlattr *tb[KRG_COMM_A_MAX + 1];

	parse_attrs(nlh, tb, KRG_COMM_A_MAX);
	if (!tb[KRG_COMM_A_NODE_ID] || !tb[KRG_COMM_A_NODE_STATE])
		return;
	if (want_node != ~0U) {
		if (get_u32(tb[KRG_COMM_A_NODE_ID]) == want_node) {
			printf("%s\n", state_name(get_u32(tb[KRG_COMM_A_NODE_STATE])));
			found = 1;
		}
		return;
	}
	printf("%u %s %s%s\n", get_u32(tb[KRG_COMM_A_NODE_ID]),
	       state_name(get_u32(tb[KRG_COMM_A_NODE_STATE])),
	       tb[KRG_COMM_A_CONN_STATE] ? conn_name(get_u32(tb[KRG_COMM_A_CONN_STATE])) : "-",
	       tb[KRG_COMM_A_SELF] ? " self" : "");
}

static int cmd_nodes(void)
{
	struct msg m;
	int ret;

	msg_init(&m, family_id, KRG_COMM_CMD_NODE_GET, NLM_F_DUMP);
	ret = transact(&m, nodes_cb);
	if (ret)
		return fail(ret);
	if (want_node != ~0U && !found)
		printf("unknown\n");
	return 0;
}

static void kv_cb(struct nlmsghdr *nlh)
{
	static const struct { int type; const char *name; int size; } f[] = {
		{ KRG_COMM_A_NODE_ID, "node", 4 },
		{ KRG_COMM_A_CLUSTER_ID, "cluster_id", 4 },
		{ KRG_COMM_A_NODE_STATE, "state", 4 },
		{ KRG_COMM_A_CONN_STATE, "conn", 4 },
		{ KRG_COMM_A_FAILURE_TIMEOUT_MS, "timeout_ms", 4 },
		{ KRG_COMM_A_HEARTBEAT_MS, "heartbeat_ms", 4 },
		{ KRG_COMM_A_RTT_US, "rtt_us", 4 },
		{ KRG_COMM_A_TX_FRAMES, "tx_frames", 8 },
		{ KRG_COMM_A_TX_BYTES, "tx_bytes", 8 },
		{ KRG_COMM_A_RX_FRAMES, "rx_frames", 8 },
		{ KRG_COMM_A_RX_BYTES, "rx_bytes", 8 },
		{ KRG_COMM_A_RETRANS, "retrans", 8 },
		{ KRG_COMM_A_RECONNECTS, "reconnects", 8 },
		{ KRG_COMM_A_AUTH_FAILURES, "auth_failures", 8 },
		{ KRG_COMM_A_DROPPED, "dropped", 8 },
		{ KRG_COMM_A_TEST_OK, "ok", 4 },
		{ KRG_COMM_A_TEST_ERRORS, "errors", 4 },
		{ KRG_COMM_A_TEST_FIRST_ERROR, "first_error", -4 },
		{ KRG_COMM_A_TEST_REPLIES, "replies", 4 },
		{ KRG_COMM_A_TEST_CHECKSUM, "checksum", 4 },
		{ KRG_COMM_A_TEST_ELAPSED_NS, "elapsed_ns", 8 },
		{ KRG_COMM_A_TEST_BYTES, "bytes", 8 },
		{ KRG_COMM_A_TEST_LAT_MIN_NS, "lat_min_ns", 8 },
		{ KRG_COMM_A_TEST_LAT_MAX_NS, "lat_max_ns", 8 },
	};
	struct nlattr *tb[KRG_COMM_A_MAX + 1];
	unsigned int i;

	parse_attrs(nlh, tb, KRG_COMM_A_MAX);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct nlattr *a = tb[f[i].type];

		if (!a)
			continue;
		if (f[i].size == 8)
			printf("%s=%llu ", f[i].name, (unsigned long long)get_u64(a));
		else if (f[i].size == -4)
			printf("%s=%d ", f[i].name, (int)get_u32(a));
		else
			printf("%s=%u ", f[i].name, get_u32(a));
	}
	if (tb[KRG_COMM_A_CONFIGURED])
		printf("configured=1 ");
	printf("\n");
}

static int cmd_get(int cmd, int dump, int id)
{
	struct msg m;
	int ret;

	msg_init(&m, family_id, cmd, dump ? NLM_F_DUMP : 0);
	if (id >= 0)
		put_u32(&m, KRG_COMM_A_NODE_ID, id);
	ret = transact(&m, kv_cb);
	return ret ? fail(ret) : 0;
}

static uint32_t t_ok, t_err, t_count;

static void test_cb(struct nlmsghdr *nlh)
{
	struct nlattr *tb[KRG_COMM_A_MAX + 1];

	kv_cb(nlh);
	parse_attrs(nlh, tb, KRG_COMM_A_MAX);
	if (tb[KRG_COMM_A_TEST_OK])
		t_ok = get_u32(tb[KRG_COMM_A_TEST_OK]);
	if (tb[KRG_COMM_A_TEST_ERRORS])
		t_err = get_u32(tb[KRG_COMM_A_TEST_ERRORS]);
}

static int cmd_test(int argc, char **argv)
{
	static const char *ops[] = { "", "echo", "sink", "stream", "async", "mcast", "nop", "bulk" };
	uint8_t set[KRG_COMM_NODE_SET_LEN];
	uint32_t op = 0, i;
	struct msg m;
	int ret, zc = 0;

	if (argc < 4)
		return 2;
	if (!strcmp(argv[0], "asynczc") || !strcmp(argv[0], "bulkzc")) {
		zc = 1;
		argv[0][strlen(argv[0]) - 2] = 0;
	}
	for (i = 1; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(argv[0], ops[i]))
			op = i;
	if (!op)
		return 2;
	msg_init(&m, family_id, KRG_COMM_CMD_TEST_RUN, 0);
	put_u32(&m, KRG_COMM_A_TEST_OP, op);
	if (zc)
		put_attr(&m, KRG_COMM_A_TEST_ZEROCOPY, NULL, 0);
	if (op == KRG_TEST_MCAST_ECHO) {
		if (parse_list(argv[1], set))
			return 2;
		put_attr(&m, KRG_COMM_A_NODE_SET, set, sizeof(set));
	} else {
		put_u32(&m, KRG_COMM_A_NODE_ID, strtoul(argv[1], NULL, 0));
	}
	put_u32(&m, KRG_COMM_A_TEST_SIZE, strtoul(argv[2], NULL, 0));
	t_count = strtoul(argv[3], NULL, 0);
	put_u32(&m, KRG_COMM_A_TEST_COUNT, t_count);
	if (argc > 4)
		put_u32(&m, KRG_COMM_A_TEST_CONCURRENCY, strtoul(argv[4], NULL, 0));
	if (argc > 5)
		put_u32(&m, KRG_COMM_A_TEST_TIMEOUT_MS, strtoul(argv[5], NULL, 0));
	put_u32(&m, KRG_COMM_A_TEST_SEED, (uint32_t)time(NULL));
	ret = transact(&m, test_cb);
	if (ret)
		return fail(ret);
	return t_err || t_ok != t_count ? 1 : 0;
}

static int cmd_events(int count, int secs, const char *ready)
{
	struct nlattr *tb[KRG_COMM_A_MAX + 1];
	static char rbuf[BUFSZ];
	struct timespec t0, t;
	struct nlmsghdr *nlh;
	struct pollfd p;
	int got = 0, left;
	ssize_t n;

	if (events_grp < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &events_grp,
		       sizeof(events_grp)) < 0)
		return fail(-ENOENT);
	printf("listening\n");
	fflush(stdout);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < count) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = secs * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
				      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 1;
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return 1;
		for (nlh = (void *)rbuf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type != family_id)
				continue;
			parse_attrs(nlh, tb, KRG_COMM_A_MAX);
			if (!tb[KRG_COMM_A_NODE_ID] || !tb[KRG_COMM_A_EVENT])
				continue;
			printf("%u %s %u\n", get_u32(tb[KRG_COMM_A_NODE_ID]),
			       tb[KRG_COMM_A_NODE_STATE] ?
			       state_name(get_u32(tb[KRG_COMM_A_NODE_STATE])) : "?",
			       get_u32(tb[KRG_COMM_A_EVENT]));
			fflush(stdout);
			got++;
		}
	}
	return 0;
}

static int cmd_raw(int argc, char **argv)
{
	struct msg m;
	int i, ret;

	msg_init(&m, family_id, atoi(argv[0]), 0);
	for (i = 1; i < argc; i++) {
		char type[16], val[512];
		int attr;

		if (sscanf(argv[i], "%d:%15[^:]:%511s", &attr, type, val) < 2)
			return 2;
		if (!strcmp(type, "u32")) {
			put_u32(&m, attr, strtoul(val, NULL, 0));
		} else if (!strcmp(type, "u16")) {
			uint16_t v = strtoul(val, NULL, 0);

			put_attr(&m, attr, &v, 2);
		} else if (!strcmp(type, "u8")) {
			uint8_t v = strtoul(val, NULL, 0);

			put_attr(&m, attr, &v, 1);
		} else if (!strcmp(type, "flag")) {
			put_attr(&m, attr, NULL, 0);
		} else if (!strcmp(type, "str")) {
			put_attr(&m, attr, val, strlen(val) + 1);
		} else if (!strcmp(type, "bin")) {
			uint8_t b[256];
			size_t n = strlen(val) / 2, k;

			for (k = 0; k < n && k < sizeof(b); k++)
				b[k] = hexval(val[2 * k]) << 4 | hexval(val[2 * k + 1]);
			put_attr(&m, attr, b, k);
		} else {
			return 2;
		}
	}
	ret = transact(&m, NULL);
	printf("errno=%d msg=%s\n", -ret, err_msg);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of krgcomm.c\n");
		return 2;
	}
	ret = open_family();
	if (ret) {
		fprintf(stderr, "Error: krg_comm family not available (%s).\n", strerror(-ret));
		return 1;
	}
	if (!strcmp(argv[1], "start"))
		return cmd_start(argc > 2 ? argv[2] : "/etc/kerrighed/cluster.conf");
	if (!strcmp(argv[1], "timeout") && argc > 2)
		return cmd_simple_u32(KRG_COMM_CMD_CLUSTER_SET,
				      KRG_COMM_A_FAILURE_TIMEOUT_MS, atoi(argv[2]));
	if (!strcmp(argv[1], "add") && argc > 2)
		return cmd_set(KRG_COMM_CMD_NODE_ADD, argv[2]);
	if (!strcmp(argv[1], "del") && argc > 2)
		return cmd_set(KRG_COMM_CMD_NODE_DEL, argv[2]);
	if (!strcmp(argv[1], "nodes"))
		return cmd_nodes();
	if (!strcmp(argv[1], "state") && argc > 2) {
		want_node = atoi(argv[2]);
		return cmd_nodes();
	}
	if (!strcmp(argv[1], "cluster"))
		return cmd_get(KRG_COMM_CMD_CLUSTER_GET, 0, -1);
	if (!strcmp(argv[1], "stats"))
		return argc > 2 ? cmd_get(KRG_COMM_CMD_STATS_GET, 0, atoi(argv[2])) :
				  cmd_get(KRG_COMM_CMD_STATS_GET, 1, -1);
	if (!strcmp(argv[1], "test"))
		return cmd_test(argc - 2, argv + 2);
	if (!strcmp(argv[1], "events") && argc > 3)
		return cmd_events(atoi(argv[2]), atoi(argv[3]),
				  argc > 4 ? argv[4] : NULL);
	if (!strcmp(argv[1], "raw") && argc > 2)
		return cmd_raw(argc - 2, argv + 2);
	fprintf(stderr, "unknown command\n");
	return 2;
}
