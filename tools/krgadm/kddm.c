// SPDX-License-Identifier: GPL-2.0
/*
 * krgadm kddm status: the KDDM sets of this node and their statistics, from
 * the "krg_kddm" generic netlink family (SET_GET dump).
 *
 * The text table shows the main counters; -j gives every attribute, with the
 * per-message counters as {"read_req": N, ...} objects and the forwarding
 * chain histogram as an array (requests served after 0, 1, ... hops; the last
 * bucket counts longer chains).  Both go through libsmartcols: a cell of a
 * JSON number column is printed verbatim, which carries these two.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/krg_kddm.h>

#include "krgadm.h"
#include "kddm_names.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define MAX_SETS 4096

struct kddm_set_stat {
	uint64_t has;				/* bit (1 << attr) per attribute */
	uint64_t v[KRG_KDDM_A_MAX + 1];
	char linker[32];
	uint64_t chain[KRG_KDDM_CHAIN_HIST];
	uint64_t tx[KRG_KDDM_MSG_TYPES], rx[KRG_KDDM_MSG_TYPES];
};

struct dump {
	struct kddm_set_stat *sets;
	int n;
	int status;			/* 1 running, 0 done, <0 -errno */
	char msg[256];			/* extack */
};


static void le64s(struct nlattr *a, uint64_t *out, unsigned int n)
{
	unsigned int i, have = (unsigned int)nla_len(a) / 8;
	const uint8_t *p = nla_data(a);
	int b;

	for (i = 0; i < n && i < have; i++)
		for (out[i] = 0, b = 7; b >= 0; b--)
			out[i] = out[i] << 8 | p[8 * i + (unsigned int)b];
}

static int set_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KRG_KDDM_A_MAX + 1];
	struct dump *d = arg;
	struct kddm_set_stat *s;
	int i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KRG_KDDM_A_MAX, NULL) < 0 || d->n == MAX_SETS)
		return NL_OK;
	s = &d->sets[d->n++];
	memset(s, 0, sizeof(*s));
	for (i = 1; i <= KRG_KDDM_A_MAX; i++) {
		struct nlattr *a = tb[i];

		if (!a)
			continue;
		s->has |= 1ULL << i;
		if (i == KRG_KDDM_A_LINKER)
			snprintf(s->linker, sizeof(s->linker), "%.*s",
				 (int)strnlen(nla_data(a), (size_t)nla_len(a)),
				 (char *)nla_data(a));
		else if (i == KRG_KDDM_A_CHAIN_HIST)
			le64s(a, s->chain, KRG_KDDM_CHAIN_HIST);
		else if (i == KRG_KDDM_A_MSGS_TX)
			le64s(a, s->tx, KRG_KDDM_MSG_TYPES);
		else if (i == KRG_KDDM_A_MSGS_RX)
			le64s(a, s->rx, KRG_KDDM_MSG_TYPES);
		else if (nla_len(a) == 8)
			s->v[i] = nla_get_u64(a);
		else if (nla_len(a) == 4)
			s->v[i] = nla_get_u32(a);
	}
	return NL_OK;
}

static void extack(struct dump *d, struct nlattr *attrs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (len > 0 && !nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(d->msg, sizeof(d->msg), "%.*s",
			 (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
				      (size_t)nla_len(tb[NLMSGERR_ATTR_MSG])),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	size_t ack_len = sizeof(*nlh) + sizeof(*e);
	struct dump *d = arg;

	(void)nla;
	d->status = e->error < 0 ? e->error : -EIO;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			ack_len += e->msg.nlmsg_len - sizeof(*nlh);
		if (nlh->nlmsg_len > ack_len)
			extack(d, (struct nlattr *)((char *)nlh + ack_len),
			       (int)(nlh->nlmsg_len - ack_len));
	}
	return NL_STOP;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct dump *d = arg;
	int error = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&error, nlmsg_data(nlh), sizeof(int));
	d->status = error < 0 ? error : 0;
	if (error < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		extack(d, (struct nlattr *)((char *)nlmsg_data(nlh) + sizeof(int)),
		       (int)(nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(int)));
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct dump *)arg)->status = 0;
	return NL_STOP;
}

/* Every set of this node, into d->sets (d->n of them). */
static int load_sets(struct dump *d)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	struct nl_cb *cb = NULL;
	int fam, one = 1, ret;

	if (!sk)
		return fail("out of memory");
	ret = genl_connect(sk);
	if (ret < 0) {
		ret = fail("cannot open a generic netlink socket: %s", nl_geterror(ret));
		goto out;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	fam = genl_ctrl_resolve(sk, KRG_KDDM_GENL_NAME);
	if (fam < 0) {
		ret = fam == -NLE_OBJ_NOTFOUND ?
			fail("the krg_kddm module is not loaded (try: modprobe krg_kddm)") :
			fail("cannot resolve the krg_kddm family: %s", nl_geterror(fam));
		goto out;
	}
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, NLM_F_DUMP,
					KRG_KDDM_CMD_SET_GET, KRG_KDDM_GENL_VERSION)) {
		ret = fail("out of memory");
		goto out;
	}
	d->status = 1;
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, d);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, d);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, d);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, set_cb, d);
	ret = nl_send_auto(sk, msg);
	if (ret < 0) {
		ret = fail("cannot send to the kernel: %s", nl_geterror(ret));
		goto out;
	}
	while (d->status > 0) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0 && d->status > 0)
			d->status = -EIO;
	}
	ret = EXIT_OK;
	if (d->status < 0)
		ret = d->msg[0] ? fail("%s", d->msg) : fail("%s", strerror(-d->status));
out:
	nlmsg_free(msg);
	nl_cb_put(cb);
	nl_socket_free(sk);
	return ret;
}

static const char *policy_name(uint64_t p)
{
	switch (p) {
	case KRG_KDDM_OWNER_BY_ID: return "id";
	case KRG_KDDM_OWNER_BY_HASH: return "hash";
	case KRG_KDDM_OWNER_CREATOR: return "creator";
	}
	return "?";
}

static const char *failure_name(uint64_t f)
{
	switch (f) {
	case KRG_KDDM_FAIL_RECREATE: return "recreate";
	case KRG_KDDM_FAIL_LOST: return "lost";
	}
	return "?";
}

/* One column: its header, attribute and how it is shown. */
enum kind { K_NUM, K_LINKER, K_POLICY, K_FAILURE, K_CHAIN, K_MSGS_TX, K_MSGS_RX };

struct kcol {
	const char *text;	/* text header, NULL: JSON only */
	const char *json;	/* JSON key */
	int attr;
	enum kind kind;
};

static const struct kcol kcols[] = {
	{ "SET", "set", KRG_KDDM_A_SET_ID, K_NUM },
	{ "LINKER", "linker", KRG_KDDM_A_LINKER, K_LINKER },
	{ "OBJSIZE", "obj_size", KRG_KDDM_A_OBJ_SIZE, K_NUM },
	{ NULL, "policy", KRG_KDDM_A_POLICY, K_POLICY },
	{ NULL, "on_failure", KRG_KDDM_A_ON_FAILURE, K_FAILURE },
	{ NULL, "creator", KRG_KDDM_A_CREATOR, K_NUM },
	{ "OBJECTS", "objects", KRG_KDDM_A_OBJECTS, K_NUM },
	{ "OWNED", "owned", KRG_KDDM_A_OWNED, K_NUM },
	{ "COPIES", "read_copies", KRG_KDDM_A_READ_COPIES, K_NUM },
	{ "INVALID", "invalid", KRG_KDDM_A_INVALID, K_NUM },
	{ "LOST", "lost", KRG_KDDM_A_LOST, K_NUM },
	{ "PINNED", "pinned", KRG_KDDM_A_PINNED, K_NUM },
	{ NULL, "waiting", KRG_KDDM_A_WAITING, K_NUM },
	{ NULL, "gets", KRG_KDDM_A_GETS, K_NUM },
	{ NULL, "grabs", KRG_KDDM_A_GRABS, K_NUM },
	{ "REQS", "remote_reqs", KRG_KDDM_A_REMOTE_REQS, K_NUM },
	{ "FWDS", "forwards", KRG_KDDM_A_FORWARDS, K_NUM },
	{ "CHAINMAX", "chain_max", KRG_KDDM_A_CHAIN_MAX, K_NUM },
	{ NULL, "chain_hist", KRG_KDDM_A_CHAIN_HIST, K_CHAIN },
	{ NULL, "msgs_tx", KRG_KDDM_A_MSGS_TX, K_MSGS_TX },
	{ NULL, "msgs_rx", KRG_KDDM_A_MSGS_RX, K_MSGS_RX },
	{ "UNEXPECTED", "unexpected", KRG_KDDM_A_UNEXPECTED, K_NUM },
	{ "RECOVERIES", "recoveries", KRG_KDDM_A_RECOVERIES, K_NUM },
};

#define NR_KCOLS (sizeof(kcols) / sizeof(kcols[0]))

/* JSON text of a per-message counter array: {"read_req":N,...}. */
static char *msgs_json(const uint64_t *m)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	unsigned int i;

	if (!f)
		return NULL;
	fputc('{', f);
	for (i = 1; i < KRG_KDDM_MSG_TYPES; i++) {
		if (krg_kddm_msg_names[i])
			fprintf(f, "%s\"%s\":%llu", i > 1 ? "," : "", krg_kddm_msg_names[i],
				(unsigned long long)m[i]);
		else	/* a type newer than this table */
			fprintf(f, "%s\"msg%u\":%llu", i > 1 ? "," : "", i,
				(unsigned long long)m[i]);
	}
	fputc('}', f);
	fclose(f);
	return s;
}

/* The histogram: "[N,N,...]" for JSON, "N,N,..." for text. */
static char *chain_json(const uint64_t *h)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	unsigned int i;

	if (!f)
		return NULL;
	fputs(opt.json ? "[" : "", f);
	for (i = 0; i < KRG_KDDM_CHAIN_HIST; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)h[i]);
	fputs(opt.json ? "]" : "", f);
	fclose(f);
	return s;
}

static void cell(struct libscols_line *ln, int col, const struct kcol *c,
		 const struct kddm_set_stat *s)
{
	char *str;

	if (!(s->has & (1ULL << c->attr))) {
		krg_cell_str(ln, col, opt.json ? "" : "-");
		return;
	}
	switch (c->kind) {
	case K_NUM:
		krg_cell_fmt(ln, col, "%llu", (unsigned long long)s->v[c->attr]);
		break;
	case K_LINKER:
		krg_cell_str(ln, col, s->linker);
		break;
	case K_POLICY:
		krg_cell_str(ln, col, policy_name(s->v[c->attr]));
		break;
	case K_FAILURE:
		krg_cell_str(ln, col, failure_name(s->v[c->attr]));
		break;
	case K_CHAIN:
		str = chain_json(s->chain);
		krg_cell_str(ln, col, str ? str : "");
		free(str);
		break;
	case K_MSGS_TX:
	case K_MSGS_RX:
		/* a JSON "number" cell is printed verbatim: objects and arrays go as is */
		str = msgs_json(c->kind == K_MSGS_TX ? s->tx : s->rx);
		krg_cell_str(ln, col, str ? str : "");
		free(str);
		break;
	}
}

int cmd_kddm_status(int argc, char **argv)
{
	struct krg_col cols[NR_KCOLS];
	int map[NR_KCOLS], ncols = 0, i, j, ret;
	struct libscols_table *tb;
	struct dump d = { 0 };

	if (parse_cmd_opts(argc, argv, ""))
		return EXIT_ERR;
	d.sets = calloc(MAX_SETS, sizeof(*d.sets));
	if (!d.sets)
		return fail("out of memory");
	ret = load_sets(&d);
	if (ret) {
		free(d.sets);
		return ret;
	}
	for (i = 0; i < (int)NR_KCOLS; i++) {
		if (!opt.json && !kcols[i].text)
			continue;
		cols[ncols].name = opt.json ? kcols[i].json : kcols[i].text;
		cols[ncols].type = kcols[i].kind == K_NUM || kcols[i].kind == K_CHAIN ||
				   kcols[i].kind == K_MSGS_TX || kcols[i].kind == K_MSGS_RX ?
				   KRG_COL_NUM : KRG_COL_STR;
		cols[ncols].width = 0;
		map[ncols++] = i;
	}
	tb = krg_table_new("kddm", cols, ncols);
	for (i = 0; i < d.n; i++) {
		struct libscols_line *ln = krg_table_row(tb);

		for (j = 0; j < ncols; j++)
			cell(ln, j, &kcols[map[j]], &d.sets[i]);
	}
	krg_table_print(tb);
	free(d.sets);
	return EXIT_OK;
}
