// SPDX-License-Identifier: GPL-2.0
/*
 * krgadm kddm status: the KDDM sets of this node and their statistics, from
 * the "krg_kddm" generic netlink family (SET_GET dump, libkrg).
 *
 * The text table shows the main counters; -j gives every attribute, with the
 * per-message counters as {"read_req": N, ...} objects and the forwarding
 * chain histogram as an array (requests served after 0, 1, ... hops; the last
 * bucket counts longer chains).  Both go through libsmartcols: a cell of a
 * JSON number column is printed verbatim, which carries these two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krgadm.h"

#define MAX_SETS 4096

struct sets {
	struct krg_kddm_set_info *s;
	int n;
};

static int collect_set(const struct krg_kddm_set_info *s, void *arg)
{
	struct sets *d = arg;

	if (d->n < MAX_SETS)
		d->s[d->n++] = *s;
	return 0;
}

/* Every set of this node, into d->s (d->n of them). */
static int load_sets(struct sets *d)
{
	struct krg_err err = { 0 };
	struct krg_handle *h;
	int ret;

	if (krg_open(&h, &err))
		return fail_err(&err);
	ret = krg_kddm_sets_dump(h, collect_set, d, &err) ? fail_err(&err) : EXIT_OK;
	krg_close(h);
	return ret;
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
	for (i = 1; i < KRG_KDDM_MSG_TYPES; i++)
		fprintf(f, "%s\"%s\":%llu", i > 1 ? "," : "", krg_kddm_msg_name(i),
			(unsigned long long)m[i]);
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
		 const struct krg_kddm_set_info *s)
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
		krg_cell_str(ln, col, krg_kddm_policy_name(s->v[c->attr]));
		break;
	case K_FAILURE:
		krg_cell_str(ln, col, krg_kddm_on_failure_name(s->v[c->attr]));
		break;
	case K_CHAIN:
		str = chain_json(s->chain_hist);
		krg_cell_str(ln, col, str ? str : "");
		free(str);
		break;
	case K_MSGS_TX:
	case K_MSGS_RX:
		/* a JSON "number" cell is printed verbatim: objects and arrays go as is */
		str = msgs_json(c->kind == K_MSGS_TX ? s->msgs_tx : s->msgs_rx);
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
	struct sets d = { 0 };

	if (parse_cmd_opts(argc, argv, ""))
		return EXIT_ERR;
	d.s = calloc(MAX_SETS, sizeof(*d.s));
	if (!d.s)
		return fail("out of memory");
	ret = load_sets(&d);
	if (ret) {
		free(d.s);
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
			cell(ln, j, &kcols[map[j]], &d.s[i]);
	}
	krg_table_print(tb);
	free(d.s);
	return EXIT_OK;
}
