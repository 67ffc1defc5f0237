// SPDX-License-Identifier: GPL-2.0
/*
 * krgcomm: the comm suite's command-line client of krg_comm and of the test
 * module krg_comm_test, a thin shell over libkrg (the families, cluster.conf,
 * key files and node lists are parsed there, as krgadm parses them) so the
 * suite tests the client every tool uses.  Its output is made for scripts.
 *
 *   krgcomm start [CONF]                 configure from cluster.conf + key file
 *   krgcomm timeout MS                   set the failure timeout
 *   krgcomm add LIST | del LIST          nodes add/del ("1-3,5")
 *   krgcomm nodes                        "ID STATE CONN [self]" per node
 *   krgcomm state ID                     state name of one node ("unknown")
 *   krgcomm cluster                      key=value line
 *   krgcomm stats [ID]                   key=value line per peer
 *   krgcomm test OP TARGET SIZE COUNT [CONC [TIMEOUT_MS]]
 *            OP: echo sink stream async mcast nop bulk, or asynczc bulkzc
 *            (zero-copy); TARGET: id, or list for mcast; needs krg_comm_test.
 *            Prints key=value; exit 0 only if every call was verified
 *   krgcomm events COUNT TIMEOUT_S [READY_FILE]
 *            print COUNT events ("ID STATE EVENT"); creates READY_FILE once
 *            subscribed (output of a node command reaches the host at exit)
 *   krgcomm raw [@FAMILY] CMD [ATTR:TYPE:VALUE...]
 *            send anything to krg_comm (or FAMILY); prints "errno=N msg=...";
 *            TYPE u32|u16|u8|u64|bin(hex)|str|flag; exit 0 if the kernel answered
 *
 * Errors print "Error: <extack message>." and exit 1 (2 for bad usage).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "krg_test.h"

#define MAX_RAW_ATTRS 32

static struct krg_handle *h;
static struct krg_err err;

static int fail(void)
{
	const char *m = krg_err_str(&err);
	size_t n = strlen(m);

	fprintf(stderr, "Error: %s%s\n", m, n && m[n - 1] == '.' ? "" : ".");
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of krgcomm.c\n");
	return 2;
}

static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long x;
	char *end;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno || end == s || *end || x > UINT32_MAX) {
		fprintf(stderr, "Error: \"%s\" is not a 32-bit number.\n", s);
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

static int cmd_start(const char *path)
{
	uint8_t key[KRG_COMM_KEY_LEN];
	struct krg_conf *conf = malloc(sizeof(*conf));
	int ret;

	if (!conf)
		return krg_err_set(&err, -ENOMEM, "out of memory"), fail();
	ret = krg_conf_load(path, conf, &err);
	if (!ret)
		ret = krg_key_load(conf->key_file, key, NULL, &err);
	if (!ret)
		ret = krg_cluster_configure(h, conf, key, &err);
	memset(key, 0, sizeof(key));
	free(conf);
	return ret ? fail() : 0;
}

static int cmd_timeout(const char *ms)
{
	struct krg_cluster_cfg cfg = { .fields = KRG_CFG_TIMEOUT };

	if (parse_u32(ms, &cfg.failure_timeout_ms))
		return 2;
	return krg_cluster_set(h, &cfg, &err) ? fail() : 0;
}

static int cmd_nodes_change(const char *list, bool add)
{
	struct krg_nodeset set;
	int ret;

	if (krg_nodelist_parse(list, &set, &err))
		return fail(), 2;
	ret = add ? krg_nodes_add(h, &set, &err) : krg_nodes_del(h, &set, &err);
	return ret ? fail() : 0;
}

static int print_node(const struct krg_node_info *n, void *arg)
{
	const uint32_t *want = arg;

	if (!want) {
		printf("%u %s %s%s\n", n->id, krg_node_state_name(n->state),
		       krg_conn_state_name(n->conn_state), n->self ? " self" : "");
		return 0;
	}
	if (n->id != *want)
		return 0;
	printf("%s\n", krg_node_state_name(n->state));
	return 1;	/* found: stop */
}

static int cmd_nodes(const char *id)
{
	uint32_t want;
	int ret;

	if (id && parse_u32(id, &want))
		return 2;
	ret = krg_nodes_dump(h, print_node, id ? &want : NULL, &err);
	if (ret < 0)
		return fail();
	if (id && !ret)
		printf("unknown\n");
	return 0;
}

static int cmd_cluster(void)
{
	struct krg_cluster_info ci;

	if (krg_cluster_get(h, &ci, &err))
		return fail();
	if (ci.configured)
		printf("node=%u cluster_id=%u state=%d ", ci.node_id, ci.cluster_id, ci.self_state);
	printf("timeout_ms=%u heartbeat_ms=%u auth_failures=%llu dropped=%llu%s\n",
	       ci.failure_timeout_ms, ci.heartbeat_ms, (unsigned long long)ci.auth_failures,
	       (unsigned long long)ci.dropped, ci.configured ? " configured=1" : "");
	return 0;
}

static int print_stats(const struct krg_peer_stats *st, void *arg)
{
	const uint32_t *want = arg;

	if (want && st->id != *want)
		return 0;
	printf("node=%u conn=%d rtt_us=%u tx_frames=%llu tx_bytes=%llu rx_frames=%llu "
	       "rx_bytes=%llu retrans=%llu reconnects=%llu auth_failures=%llu dropped=%llu\n",
	       st->id, st->conn_state, st->rtt_us, (unsigned long long)st->tx_frames,
	       (unsigned long long)st->tx_bytes, (unsigned long long)st->rx_frames,
	       (unsigned long long)st->rx_bytes, (unsigned long long)st->retrans,
	       (unsigned long long)st->reconnects, (unsigned long long)st->auth_failures,
	       (unsigned long long)st->dropped);
	return want ? 1 : 0;
}

static int cmd_stats(const char *id)
{
	uint32_t want;
	int ret;

	if (id && parse_u32(id, &want))
		return 2;
	ret = krg_stats_dump(h, print_stats, id ? &want : NULL, &err);
	if (ret < 0)
		return fail();
	if (id && !ret) {
		krg_err_set(&err, -ENOENT, "node %u is not configured on this node", want);
		return fail();
	}
	return 0;
}

static int cmd_test(int argc, char **argv)
{
	struct krg_comm_test_args a = { .seed = (uint32_t)time(NULL) };
	struct krg_comm_test_result r;
	char op[16];
	size_t n;

	if (argc < 4 || strlen(argv[0]) >= sizeof(op))
		return usage();
	snprintf(op, sizeof(op), "%s", argv[0]);
	n = strlen(op);
	if (n > 2 && !strcmp(op + n - 2, "zc")) {	/* asynczc, bulkzc */
		a.zerocopy = true;
		op[n - 2] = '\0';
	}
	a.op = krg_comm_test_op_parse(op);
	if (!a.op)
		return usage();
	if (a.op == KRG_COMM_TEST_MCAST_ECHO) {
		if (krg_nodelist_parse(argv[1], &a.nodes, &err))
			return fail(), 2;
	} else if (parse_u32(argv[1], &a.node)) {
		return 2;
	}
	if (parse_u32(argv[2], &a.size) || parse_u32(argv[3], &a.count) ||
	    (argc > 4 && parse_u32(argv[4], &a.concurrency)) ||
	    (argc > 5 && parse_u32(argv[5], &a.timeout_ms)))
		return 2;
	if (krg_comm_test_run(h, &a, &r, &err))
		return fail();
	printf("ok=%u errors=%u first_error=%d replies=%u checksum=%u elapsed_ns=%llu bytes=%llu "
	       "lat_min_ns=%llu lat_max_ns=%llu\n", r.ok, r.errors, r.first_error, r.replies,
	       r.checksum, (unsigned long long)r.elapsed_ns, (unsigned long long)r.bytes,
	       (unsigned long long)r.lat_min_ns, (unsigned long long)r.lat_max_ns);
	return r.errors || r.ok != a.count ? 1 : 0;
}

static int print_event(const struct krg_event *ev, void *arg)
{
	int *got = arg;

	printf("%u %s %d\n", ev->node_id, krg_node_state_name(ev->state), ev->event);
	fflush(stdout);
	(*got)++;
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int cmd_events(const char *count_s, const char *secs_s, const char *ready)
{
	uint32_t count, secs;
	struct timespec t0;
	int got = 0;

	if (parse_u32(count_s, &count) || parse_u32(secs_s, &secs))
		return 2;
	if (krg_events_subscribe(h, &err))
		return fail();
	printf("listening\n");
	fflush(stdout);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((uint32_t)got < count) {
		struct pollfd p = { .fd = krg_events_fd(h), .events = POLLIN };
		long left = (long)secs * 1000 - ms_since(&t0);

		if (left <= 0)
			return 1;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (krg_events_recv(h, print_event, &got, &err) < 0)
			return fail();
	}
	return 0;
}

static int cmd_raw(int argc, char **argv)
{
	static struct krg_raw_attr attrs[MAX_RAW_ATTRS];
	const char *family = KRG_COMM_GENL_NAME;
	uint32_t cmd;
	int i, ret;

	if (argc > 0 && argv[0][0] == '@') {
		family = argv[0] + 1;
		argc--;
		argv++;
	}
	if (argc < 1 || argc > MAX_RAW_ATTRS + 1 || parse_u32(argv[0], &cmd) || cmd > 255)
		return usage();
	for (i = 1; i < argc; i++)
		if (krg_raw_attr_parse(argv[i], &attrs[i - 1], &err))
			return fail(), 2;
	ret = krg_raw_request(h, family, (uint8_t)cmd, false, attrs, argc - 1, &err);
	printf("errno=%d msg=%s\n", -ret, ret ? err.msg : "");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;

	if (argc < 2)
		return usage();
	if (krg_open(&h, &err))
		return fail();
	if (!strcmp(cmd, "start"))
		return cmd_start(arg ? arg : KRG_CONF_DEFAULT_PATH);
	if (!strcmp(cmd, "timeout") && arg)
		return cmd_timeout(arg);
	if ((!strcmp(cmd, "add") || !strcmp(cmd, "del")) && arg)
		return cmd_nodes_change(arg, !strcmp(cmd, "add"));
	if (!strcmp(cmd, "nodes"))
		return cmd_nodes(NULL);
	if (!strcmp(cmd, "state") && arg)
		return cmd_nodes(arg);
	if (!strcmp(cmd, "cluster"))
		return cmd_cluster();
	if (!strcmp(cmd, "stats"))
		return cmd_stats(arg);
	if (!strcmp(cmd, "test"))
		return cmd_test(argc - 2, argv + 2);
	if (!strcmp(cmd, "events") && argc > 3)
		return cmd_events(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (!strcmp(cmd, "raw") && arg)
		return cmd_raw(argc - 2, argv + 2);
	return usage();
}
