// SPDX-License-Identifier: GPL-2.0
/*
 * krgadm cluster status, nodes status|add|del|stats, monitor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krgadm.h"

/* Every node the kernel knows, indexed by id. */
struct node_table {
	struct krg_nodeset known;
	struct krg_node_info n[KRG_MAX_NODES];
};

static int collect_node(const struct krg_node_info *node, void *arg)
{
	struct node_table *t = arg;

	if (node->id < KRG_MAX_NODES) {
		krg_nodeset_add(&t->known, node->id);
		t->n[node->id] = *node;
	}
	return 0;
}

static int load_nodes(struct krg_handle *h, struct node_table *t)
{
	struct krg_err err = { 0 };

	krg_nodeset_zero(&t->known);
	if (krg_nodes_dump(h, collect_node, t, &err))
		return fail_err(&err);
	return 0;
}

static void nodes_in_state(const struct node_table *t, int state, struct krg_nodeset *out)
{
	unsigned int id;

	krg_nodeset_zero(out);
	krg_nodeset_for_each(id, &t->known)
		if (t->n[id].state == state)
			krg_nodeset_add(out, id);
}

/* -n LIST, or -a: for add every node present or online, for del every
 * node online (as this node sees them).
 */
static int selected_nodes(struct krg_handle *h, struct node_table *t,
			  struct krg_nodeset *sel, bool add)
{
	struct krg_err err = { 0 };
	struct krg_nodeset present;
	unsigned int i;

	if (opt.nodes && opt.all)
		return fail("-n and -a are mutually exclusive");
	if (opt.nodes)
		return krg_nodelist_parse(opt.nodes, sel, &err) ? fail_err(&err) : 0;
	if (!opt.all)
		return fail("a node list is needed: -n LIST or -a");
	if (load_nodes(h, t))
		return EXIT_ERR;
	nodes_in_state(t, KRG_NODE_ONLINE, sel);
	if (add) {
		nodes_in_state(t, KRG_NODE_PRESENT, &present);
		for (i = 0; i < KRG_NODESET_WORDS; i++)
			sel->w[i] |= present.w[i];
	}
	if (!krg_nodeset_count(sel))
		return fail("no node is %s", add ? "present or online" : "online");
	return 0;
}

static const char *addr_str(struct in_addr a, char *buf, size_t len)
{
	if (!a.s_addr)
		return "-";
	return inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

int cmd_cluster_status(int argc, char **argv)
{
	struct krg_cluster_info ci;
	struct krg_err err = { 0 };
	struct krg_nodeset online, failed, present;
	struct node_table *t;
	struct krg_handle *h;
	struct krg_record *r;
	char buf[1024];
	int ret;

	if (parse_cmd_opts(argc, argv, ""))
		return EXIT_ERR;
	if (open_comm(&h))
		return EXIT_ERR;
	t = calloc(1, sizeof(*t));
	if (!t) {
		krg_close(h);
		return fail("out of memory");
	}
	ret = krg_cluster_get(h, &ci, &err) ? fail_err(&err) : 0;
	if (!ret && ci.configured)
		ret = load_nodes(h, t);
	krg_close(h);
	if (ret) {
		free(t);
		return ret;
	}
	nodes_in_state(t, KRG_NODE_ONLINE, &online);
	nodes_in_state(t, KRG_NODE_FAILED, &failed);
	nodes_in_state(t, KRG_NODE_PRESENT, &present);

	r = krg_record_new("cluster");
	krg_record_fmt(r, "configured", KRG_COL_BOOL, "%s", ci.configured ? "yes" : "no");
	if (ci.configured) {
		krg_record_fmt(r, "cluster_id", KRG_COL_NUM, "%u", ci.cluster_id);
		krg_record_fmt(r, "node_id", KRG_COL_NUM, "%u", ci.node_id);
		krg_record_str(r, "address", addr_str(ci.address, buf, sizeof(buf)));
		krg_record_fmt(r, "port", KRG_COL_NUM, "%u", ci.port);
		krg_record_str(r, "state", krg_node_state_name(ci.self_state));
		krg_nodelist_format(&online, buf, sizeof(buf));
		krg_record_str(r, "online", buf);
		krg_nodelist_format(&present, buf, sizeof(buf));
		krg_record_str(r, "present", buf);
		krg_nodelist_format(&failed, buf, sizeof(buf));
		krg_record_str(r, "failed", buf);
		krg_record_fmt(r, "online_count", KRG_COL_NUM, "%u", krg_nodeset_count(&online));
		krg_record_fmt(r, "failure_timeout_ms", KRG_COL_NUM, "%u", ci.failure_timeout_ms);
		krg_record_fmt(r, "heartbeat_ms", KRG_COL_NUM, "%u", ci.heartbeat_ms);
	}
	krg_record_fmt(r, "key_set", KRG_COL_BOOL, "%s", ci.key_set ? "yes" : "no");
	krg_record_fmt(r, "protocol", KRG_COL_NUM, "%u", ci.proto_version);
	krg_record_fmt(r, "max_nodes", KRG_COL_NUM, "%u", ci.max_nodes);
	krg_record_fmt(r, "auth_failures", KRG_COL_NUM, "%llu",
		       (unsigned long long)ci.auth_failures);
	krg_record_fmt(r, "dropped", KRG_COL_NUM, "%llu", (unsigned long long)ci.dropped);
	krg_record_print(r);

	ret = !ci.configured || krg_nodeset_count(&failed) ? EXIT_DEGRADED : EXIT_OK;
	free(t);
	return ret;
}

int cmd_nodes_status(int argc, char **argv)
{
	static const struct krg_col cols[] = {
		{ "ID", KRG_COL_NUM, 0 }, { "STATE", KRG_COL_STR, 0 },
		{ "CONNECTION", KRG_COL_STR, 0 }, { "ADDRESS", KRG_COL_STR, 0 },
		{ "PORT", KRG_COL_NUM, 0 }, { "SELF", KRG_COL_BOOL, 0 },
	};
	struct krg_err err = { 0 };
	struct libscols_table *tb;
	struct krg_nodeset sel, missing;
	struct node_table *t;
	struct krg_handle *h;
	char buf[1024];
	unsigned int id;
	int ret = EXIT_OK;

	if (parse_cmd_opts(argc, argv, "n"))
		return EXIT_ERR;
	if (opt.nodes && krg_nodelist_parse(opt.nodes, &sel, &err))
		return fail_err(&err);
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail("out of memory");
	if (open_comm(&h)) {
		free(t);
		return EXIT_ERR;
	}
	if (load_nodes(h, t)) {
		krg_close(h);
		free(t);
		return EXIT_ERR;
	}
	krg_close(h);
	if (!opt.nodes)
		sel = t->known;

	krg_nodeset_zero(&missing);
	tb = krg_table_new("nodes", cols, 6);
	krg_nodeset_for_each(id, &sel) {
		struct libscols_line *ln;
		const struct krg_node_info *n = &t->n[id];

		if (!krg_nodeset_has(&t->known, id)) {
			krg_nodeset_add(&missing, id);
			continue;
		}
		ln = krg_table_row(tb);
		krg_cell_fmt(ln, 0, "%u", id);
		krg_cell_str(ln, 1, krg_node_state_name(n->state));
		krg_cell_str(ln, 2, n->self ? "self" : krg_conn_state_name(n->conn_state));
		krg_cell_str(ln, 3, addr_str(n->address, buf, sizeof(buf)));
		krg_cell_fmt(ln, 4, "%u", n->port);
		krg_cell_bool(ln, 5, n->self);
		if (n->state == KRG_NODE_FAILED)
			ret = EXIT_DEGRADED;
	}
	krg_table_print(tb);
	free(t);
	if (krg_nodeset_count(&missing)) {
		krg_nodelist_format(&missing, buf, sizeof(buf));
		return fail("node%s %s %s not configured on this node",
			    krg_nodeset_count(&missing) > 1 ? "s" : "", buf,
			    krg_nodeset_count(&missing) > 1 ? "are" : "is");
	}
	return ret;
}

/* Waits until every node of sel is PRESENT or ONLINE, up to opt.wait_s. */
static int wait_reachable(struct krg_handle *h, const struct krg_nodeset *sel)
{
	double deadline = now_s() + opt.wait_s;
	struct node_table *t = calloc(1, sizeof(*t));
	unsigned int id;
	int ret = 0;

	if (!t)
		return fail("out of memory");
	for (;;) {
		bool all = true;

		if (load_nodes(h, t)) {
			ret = EXIT_ERR;
			break;
		}
		krg_nodeset_for_each(id, sel) {
			int s = t->n[id].state;

			if (!krg_nodeset_has(&t->known, id) ||
			    (s != KRG_NODE_PRESENT && s != KRG_NODE_ONLINE))
				all = false;
		}
		/* the add itself reports which node is not reachable */
		if (all || now_s() >= deadline)
			break;
		sleep_ms(100);
	}
	free(t);
	return ret;
}

static int nodes_change(int argc, char **argv, bool add)
{
	struct krg_err err = { 0 };
	struct krg_nodeset sel;
	struct node_table *t;
	struct krg_handle *h;
	int ret = 0;

	if (parse_cmd_opts(argc, argv, add ? "naw" : "naK"))
		return EXIT_ERR;
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail("out of memory");
	/* check the input before touching the kernel: bad input fails the
	 * same way with or without the module
	 */
	if (!opt.nodes == !opt.all) {
		free(t);
		return fail(opt.all ? "-n and -a are mutually exclusive" :
			    "a node list is needed: -n LIST or -a");
	}
	if (opt.nodes && !opt.all && krg_nodelist_parse(opt.nodes, &sel, &err)) {
		free(t);
		return fail_err(&err);
	}
	if (open_comm(&h)) {
		free(t);
		return EXIT_ERR;
	}
	/* -a -w: first wait for every configured node, then take those that
	 * made it */
	if (add && opt.wait_s > 0) {
		if (opt.all)
			ret = load_nodes(h, t) ? EXIT_ERR : wait_reachable(h, &t->known);
		else
			ret = wait_reachable(h, &sel);
	}
	if (!ret)
		ret = selected_nodes(h, t, &sel, add);
	/* leaving nodes must not run cluster processes (or --kill them) */
	if (!ret && !add)
		ret = env_leave_check(&sel, opt.kill);
	if (!ret) {
		ret = add ? krg_nodes_add(h, &sel, &err) : krg_nodes_del(h, &sel, &err);
		ret = ret ? fail_err(&err) : EXIT_OK;
	}
	krg_close(h);
	free(t);
	return ret;
}

int cmd_nodes_add(int argc, char **argv)
{
	return nodes_change(argc, argv, true);
}

int cmd_nodes_del(int argc, char **argv)
{
	return nodes_change(argc, argv, false);
}

struct stats_ctx {
	struct libscols_table *tb;
	const struct krg_nodeset *sel;
};

static int stats_row(const struct krg_peer_stats *st, void *arg)
{
	struct stats_ctx *c = arg;
	struct libscols_line *ln;

	if (c->sel && !krg_nodeset_has(c->sel, st->id))
		return 0;
	ln = krg_table_row(c->tb);
	krg_cell_fmt(ln, 0, "%u", st->id);
	krg_cell_str(ln, 1, krg_conn_state_name(st->conn_state));
	krg_cell_fmt(ln, 2, "%u", st->rtt_us);
	krg_cell_fmt(ln, 3, "%llu", (unsigned long long)st->tx_frames);
	krg_cell_fmt(ln, 4, "%llu", (unsigned long long)st->tx_bytes);
	krg_cell_fmt(ln, 5, "%llu", (unsigned long long)st->rx_frames);
	krg_cell_fmt(ln, 6, "%llu", (unsigned long long)st->rx_bytes);
	krg_cell_fmt(ln, 7, "%llu", (unsigned long long)st->retrans);
	krg_cell_fmt(ln, 8, "%llu", (unsigned long long)st->reconnects);
	krg_cell_fmt(ln, 9, "%llu", (unsigned long long)st->auth_failures);
	krg_cell_fmt(ln, 10, "%llu", (unsigned long long)st->dropped);
	return 0;
}

int cmd_nodes_stats(int argc, char **argv)
{
	static const struct krg_col cols[] = {
		{ "ID", KRG_COL_NUM, 0 }, { "CONNECTION", KRG_COL_STR, 0 },
		{ "RTT_US", KRG_COL_NUM, 0 }, { "TX_FRAMES", KRG_COL_NUM, 0 },
		{ "TX_BYTES", KRG_COL_NUM, 0 }, { "RX_FRAMES", KRG_COL_NUM, 0 },
		{ "RX_BYTES", KRG_COL_NUM, 0 }, { "RETRANS", KRG_COL_NUM, 0 },
		{ "RECONNECTS", KRG_COL_NUM, 0 }, { "AUTH_FAILURES", KRG_COL_NUM, 0 },
		{ "DROPPED", KRG_COL_NUM, 0 },
	};
	struct krg_err err = { 0 };
	struct krg_nodeset sel;
	struct stats_ctx c = { NULL, NULL };
	struct krg_handle *h;
	int ret;

	if (parse_cmd_opts(argc, argv, "n"))
		return EXIT_ERR;
	if (opt.nodes) {
		if (krg_nodelist_parse(opt.nodes, &sel, &err))
			return fail_err(&err);
		c.sel = &sel;
	}
	if (open_comm(&h))
		return EXIT_ERR;
	c.tb = krg_table_new("peers", cols, 11);
	ret = krg_stats_dump(h, stats_row, &c, &err);
	krg_close(h);
	if (ret) {
		scols_unref_table(c.tb);
		return fail_err(&err);
	}
	krg_table_print(c.tb);
	return EXIT_OK;
}

static int print_event(const struct krg_event *ev, void *arg)
{
	(void)arg;
	if (opt.json)
		printf("{\"node\": %u, \"event\": \"%s\", \"state\": \"%s\"}\n",
		       ev->node_id, krg_event_name(ev->event), krg_node_state_name(ev->state));
	else
		printf("node %u %s (%s)\n", ev->node_id, krg_event_name(ev->event),
		       krg_node_state_name(ev->state));
	fflush(stdout);
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct krg_err err = { 0 };
	struct krg_handle *h;
	double deadline;
	int ret = EXIT_OK;

	if (parse_cmd_opts(argc, argv, "w"))
		return EXIT_ERR;
	if (open_comm(&h))
		return EXIT_ERR;
	if (krg_events_subscribe(h, &err)) {
		krg_close(h);
		return fail_err(&err);
	}
	deadline = opt.wait_s > 0 ? now_s() + opt.wait_s : 0;
	for (;;) {
		struct pollfd p = { .fd = krg_events_fd(h), .events = POLLIN };
		int ms = -1;

		if (deadline) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			ms = (int)(left * 1000) + 1;
		}
		if (poll(&p, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			ret = fail("poll: %s", strerror(errno));
			break;
		}
		if ((p.revents & POLLIN) && krg_events_recv(h, print_event, NULL, &err) < 0) {
			ret = fail_err(&err);
			break;
		}
	}
	krg_close(h);
	return ret;
}
