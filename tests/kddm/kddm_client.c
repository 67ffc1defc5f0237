// SPDX-License-Identifier: GPL-2.0
/*
 * kddm_client: the kddm suite's command-line client of the test module's
 * family "krg_kddm_test" (create, destroy, op, history, loop, values, raw)
 * and of krg_kddm's own (sets), a thin shell over libkrg.
 *
 *   kddm_client [-j] create SET OBJSIZE [POLICY] [ON_FAILURE]
 *            POLICY id|hash|creator|N, ON_FAILURE recreate|lost|N
 *   kddm_client destroy SET
 *   kddm_client [-j] op SET OBJ OPNAME [VALUE] [COUNT] [NODE]
 *            OPNAME read write inc inc_loop read_loop hold remove flush find
 *            (or a number); "-" leaves an argument out.  Prints the reply:
 *            value= hops= elapsed_ns= epoch= consistent= msgs=
 *   kddm_client [-j] sets [SET]      SET_GET dump (or one set), one line a set
 *   kddm_client history SET NOBJ NOPS WRITE_PCT SEED OUTFILE [PROC]
 *            NOPS random reads/writes on objects 0..NOBJ-1; writes store
 *            unique values (node << 40 | proc << 32 | counter); one line per
 *            operation in OUTFILE (format below)
 *   kddm_client loop SET NOBJ NOPS OPNAME [SEED] [VALUE]
 *            NOPS operations, on random objects (SEED > 0) or round robin
 *            (SEED 0); prints ops= errors= first_error= elapsed_ns=
 *            max_hops= msgs= hops_hist= (exit 1 if any operation failed)
 *   kddm_client values SET NOBJ [FIRST]
 *            READ objects FIRST..FIRST+NOBJ-1: one line "OBJ VALUE" each
 *            ("OBJ ERRNAME" if the read failed, "OBJ VALUE torn" if the
 *            bytes did not match the counter); exit 1 if any did
 *   kddm_client raw [@FAMILY] CMD [dump] [ATTR:TYPE:VALUE...]
 *            any request to krg_kddm_test (or FAMILY); TYPE u8 u16 u32 u64
 *            str flag bin(hex); prints "errno=N error=NAME msg=..." and
 *            exits 0 if the kernel answered
 *   kddm_client node                 this node's id (krg.node= on the command line)
 *
 * Errors print "Error: <extack message or strerror>." on stderr, and
 * "error=NAME errno=N extack=0|1" on stdout, and exit 1.
 *
 * History lines (after '#' comment lines):
 *   NODE PROC OBJ R|W VALUE INVOKE_NS COMPLETE_NS ok|ERRNAME
 * VALUE is the value written, or read ("-" for a failed read); the times are
 * CLOCK_MONOTONIC_RAW of this node, taken just before the request is sent
 * and just after its reply is received.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "krg_test.h"

#define MAX_RAW_ATTRS 64

static int json;
static struct krg_handle *nl;

/* "EIO" for 5 or -5. */
static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e < 0 ? -e : e);

	return e == 0 ? "0" : name ? name : "E?";
}

/* CLOCK_MONOTONIC_RAW in nanoseconds. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of kddm_client.c\n");
	return 2;
}

static int failed(const struct krg_err *err)
{
	const char *m = krg_err_str(err);
	size_t n = strlen(m);

	/* stdout first: "error=" leads when both streams go to one place */
	printf("error=%s errno=%d extack=%d\n", errno_name(err->code), -err->code,
	       err->msg[0] ? 1 : 0);
	fflush(stdout);
	fprintf(stderr, "Error: %s%s\n", m, n && m[n - 1] == '.' ? "" : ".");
	return 1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "Error: \"%s\" is not a number.\n", s);
		return -1;
	}
	return 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x))
		return -1;
	if (x > UINT32_MAX) {
		fprintf(stderr, "Error: \"%s\" does not fit in 32 bits.\n", s);
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

static int parse_enum(const char *s, const char *const *names, int n)
{
	uint32_t v;
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return parse_u32(s, &v) ? -2 : (int)v;
}

static int cmd_create(int argc, char **argv)
{
	static const char *const policies[] = { "id", "hash", "creator" };
	static const char *const failures[] = { "recreate", "lost" };
	struct krg_err err;
	uint32_t set, size;
	int policy = -1, onf = -1;

	if (argc < 2 || parse_u32(argv[0], &set) || parse_u32(argv[1], &size))
		return usage();
	if (argc > 2 && (policy = parse_enum(argv[2], policies, 3)) < -1)
		return 2;
	if (argc > 3 && (onf = parse_enum(argv[3], failures, 2)) < -1)
		return 2;
	if (krg_kddm_test_set_create(nl, set, size, policy, onf, &err))
		return failed(&err);
	return 0;
}

static int cmd_destroy(int argc, char **argv)
{
	struct krg_err err;
	uint32_t set;

	if (argc < 1 || parse_u32(argv[0], &set))
		return usage();
	if (krg_kddm_test_set_destroy(nl, set, &err))
		return failed(&err);
	return 0;
}

static void print_reply(const struct krg_kddm_test_reply *r)
{
	static const struct { int attr; const char *name; } f[] = {
		{ KRG_KDDM_TEST_A_VALUE, "value" }, { KRG_KDDM_TEST_A_HOPS, "hops" },
		{ KRG_KDDM_TEST_A_ELAPSED_NS, "elapsed_ns" }, { KRG_KDDM_TEST_A_EPOCH, "epoch" },
		{ KRG_KDDM_TEST_A_CONSISTENT, "consistent" }, { KRG_KDDM_TEST_A_MSGS, "msgs" },
	};
	unsigned int i, n = 0;

	printf(json ? "{" : "");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint64_t v;

		if (!(r->has & (1ULL << f[i].attr)))
			continue;
		switch (f[i].attr) {
		case KRG_KDDM_TEST_A_VALUE: v = r->value; break;
		case KRG_KDDM_TEST_A_HOPS: v = r->hops; break;
		case KRG_KDDM_TEST_A_ELAPSED_NS: v = r->elapsed_ns; break;
		case KRG_KDDM_TEST_A_EPOCH: v = r->epoch; break;
		case KRG_KDDM_TEST_A_CONSISTENT: v = r->consistent; break;
		default: v = r->msgs; break;
		}
		if (json)
			printf("%s\"%s\":%" PRIu64, n++ ? "," : "", f[i].name, v);
		else
			printf("%s%s=%" PRIu64, n++ ? " " : "", f[i].name, v);
	}
	printf(json ? "}\n" : "\n");
}

static int cmd_op(int argc, char **argv)
{
	struct krg_kddm_test_args a = { 0 };
	struct krg_kddm_test_reply r;
	struct krg_err err;
	int op;

	if (argc < 3 || parse_u32(argv[0], &a.set) || parse_u64(argv[1], &a.obj))
		return usage();
	op = krg_kddm_test_op_parse(argv[2]);
	if (op < 0) {
		fprintf(stderr, "Error: unknown operation \"%s\".\n", argv[2]);
		return 2;
	}
	a.op = (uint32_t)op;
	if (argc > 3 && strcmp(argv[3], "-")) {
		if (parse_u64(argv[3], &a.value))
			return 2;
		a.give |= KRG_KDDM_TEST_GIVE_VALUE;
	}
	if (argc > 4 && strcmp(argv[4], "-")) {
		if (parse_u32(argv[4], &a.count))
			return 2;
		a.give |= KRG_KDDM_TEST_GIVE_COUNT;
	}
	if (argc > 5 && strcmp(argv[5], "-")) {
		if (parse_u32(argv[5], &a.node))
			return 2;
		a.give |= KRG_KDDM_TEST_GIVE_NODE;
	}
	if (krg_kddm_test_op(nl, &a, &r, &err))
		return failed(&err);
	print_reply(&r);
	return 0;
}

static int nsets;

static int print_set(const struct krg_kddm_set_info *s, void *arg)
{
	unsigned int i;
	int a, n = 0;

	(void)arg;
	printf(json ? "%s{" : "", nsets++ ? "," : "");
	for (a = 1; a <= KRG_KDDM_A_MAX; a++) {
		const char *name = krg_kddm_attr_name(a);
		const uint64_t *arr = NULL;
		unsigned int len = 0;

		if (!(s->has & (1ULL << a)) || !name)
			continue;
		printf(n++ ? (json ? "," : " ") : "");
		printf(json ? "\"%s\":" : "%s=", name);
		switch (a) {
		case KRG_KDDM_A_LINKER:
			printf(json ? "\"%s\"" : "%s", s->linker);
			continue;
		case KRG_KDDM_A_CHAIN_HIST:
			arr = s->chain_hist;
			len = KRG_KDDM_CHAIN_HIST;
			break;
		case KRG_KDDM_A_MSGS_TX:
		case KRG_KDDM_A_MSGS_RX:
			arr = a == KRG_KDDM_A_MSGS_TX ? s->msgs_tx : s->msgs_rx;
			printf(json ? "{" : "");
			for (i = 1; i < KRG_KDDM_MSG_TYPES; i++)
				printf(json ? "%s\"%s\":%" PRIu64 : "%s%s:%" PRIu64,
				       i > 1 ? "," : "", krg_kddm_msg_name(i), arr[i]);
			printf(json ? "}" : "");
			continue;
		default:
			printf("%" PRIu64, s->v[a]);
			continue;
		}
		printf(json ? "[" : "");
		for (i = 0; i < len; i++)
			printf("%s%" PRIu64, i ? "," : "", arr[i]);
		printf(json ? "]" : "");
	}
	printf(json ? "}" : "\n");
	return 0;
}

static int cmd_sets(int argc, char **argv)
{
	struct krg_err err;
	uint32_t set = 0;
	int ret;

	if (argc > 0 && parse_u32(argv[0], &set))
		return 2;
	printf(json ? "[" : "");
	if (argc == 0) {
		ret = krg_kddm_sets_dump(nl, print_set, NULL, &err);
	} else {
		struct krg_kddm_set_info s;

		ret = krg_kddm_set_get(nl, set, &s, &err);
		if (!ret)
			print_set(&s, NULL);
	}
	printf(json ? "]\n" : "");
	fflush(stdout);
	if (ret)
		return failed(&err);
	return 0;
}

static uint64_t rng;

static uint64_t next_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t node_id(void)
{
	const char *env = getenv("KDDM_NODE");
	char line[4096], *p;
	FILE *f;

	if (env)
		return (uint32_t)strtoul(env, NULL, 0);
	f = fopen("/proc/cmdline", "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (!p)
		return 0;
	p = strstr(line, "krg.node=");
	return p ? (uint32_t)strtoul(p + 9, NULL, 10) : 0;
}

static int cmd_node(void)
{
	printf("%u\n", node_id());
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	uint32_t set, nobj, nops, wpct, seed, proc = 0, node = node_id(), i;
	struct krg_kddm_test_args a = { 0 };
	uint64_t counter = 0, t0, t1;
	struct krg_kddm_test_reply r;
	struct krg_err err;
	unsigned int errors = 0;
	FILE *f;

	if (argc < 6 || parse_u32(argv[0], &set) || parse_u32(argv[1], &nobj) ||
	    parse_u32(argv[2], &nops) || parse_u32(argv[3], &wpct) || parse_u32(argv[4], &seed) ||
	    (argc > 6 && parse_u32(argv[6], &proc)) || !nobj || wpct > 100 || proc > 255)
		return usage();
	f = fopen(argv[5], "w");
	if (!f) {
		perror(argv[5]);
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + node * 7919ULL + proc + 1;
	fprintf(f, "# kddm history node=%u proc=%u set=%u nobj=%u nops=%u write_pct=%u seed=%u\n",
		node, proc, set, nobj, nops, wpct, seed);
	fprintf(f, "# node proc obj op value invoke_ns complete_ns result\n");
	a.set = set;
	for (i = 0; i < nops; i++) {
		bool write = next_rand() % 100 < wpct;
		int ret;

		a.obj = next_rand() % nobj;
		a.op = write ? KRG_KDDM_TEST_WRITE : KRG_KDDM_TEST_READ;
		a.give = write ? KRG_KDDM_TEST_GIVE_VALUE : 0;
		if (write)
			a.value = (uint64_t)node << 40 | (uint64_t)proc << 32 | ++counter;
		t0 = now_ns();
		ret = krg_kddm_test_op(nl, &a, &r, &err);
		t1 = now_ns();
		if (ret) {
			errors++;
			if (write)
				fprintf(f, "%u %u %" PRIu64 " W %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
					node, proc, a.obj, a.value, t0, t1, errno_name(ret));
			else
				fprintf(f, "%u %u %" PRIu64 " R - %" PRIu64 " %" PRIu64 " %s\n",
					node, proc, a.obj, t0, t1, errno_name(ret));
			continue;
		}
		fprintf(f, "%u %u %" PRIu64 " %c %" PRIu64 " %" PRIu64 " %" PRIu64 " ok\n",
			node, proc, a.obj, write ? 'W' : 'R', write ? a.value : r.value, t0, t1);
		if (!write && (r.has & (1ULL << KRG_KDDM_TEST_A_CONSISTENT)) && !r.consistent)
			fprintf(f, "# inconsistent object: obj %" PRIu64 " value %" PRIu64 "\n",
				a.obj, r.value);
	}
	if (fclose(f)) {
		perror(argv[5]);
		return 1;
	}
	printf("ops=%u errors=%u\n", nops, errors);
	return 0;
}

static int cmd_loop(int argc, char **argv)
{
	uint32_t set, nobj, nops, seed = 0, i, max_hops = 0;
	uint64_t hist[KRG_KDDM_CHAIN_HIST] = { 0 }, msgs = 0, t0, inconsistent = 0;
	struct krg_kddm_test_args a = { 0 };
	struct krg_kddm_test_reply r;
	struct krg_err err, first = { 0 };
	unsigned int errors = 0;
	int op;

	if (argc < 4 || parse_u32(argv[0], &set) || parse_u32(argv[1], &nobj) ||
	    parse_u32(argv[2], &nops) || !nobj || (argc > 4 && parse_u32(argv[4], &seed)))
		return usage();
	op = krg_kddm_test_op_parse(argv[3]);
	if (op < 0)
		return usage();
	if (argc > 5) {
		if (parse_u64(argv[5], &a.value))
			return 2;
		a.give |= KRG_KDDM_TEST_GIVE_VALUE;
	}
	rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + node_id() * 7919ULL + 1;
	a.set = set;
	a.op = (uint32_t)op;
	t0 = now_ns();
	for (i = 0; i < nops; i++) {
		a.obj = seed ? next_rand() % nobj : i % nobj;
		if (krg_kddm_test_op(nl, &a, &r, &err)) {
			if (!errors++)
				first = err;
			continue;
		}
		msgs += r.msgs;
		if (r.hops > max_hops)
			max_hops = r.hops;
		hist[r.hops < KRG_KDDM_CHAIN_HIST ? r.hops : KRG_KDDM_CHAIN_HIST - 1]++;
		if ((r.has & (1ULL << KRG_KDDM_TEST_A_CONSISTENT)) && !r.consistent)
			inconsistent++;
	}
	printf("ops=%u errors=%u first_error=%s elapsed_ns=%" PRIu64 " max_hops=%u msgs=%" PRIu64
	       " inconsistent=%" PRIu64 " hops_hist=",
	       nops, errors, errors ? errno_name(first.code) : "0", now_ns() - t0,
	       max_hops, msgs, inconsistent);
	for (i = 0; i < KRG_KDDM_CHAIN_HIST; i++)
		printf("%s%" PRIu64, i ? "," : "", hist[i]);
	printf("\n");
	if (errors)
		fprintf(stderr, "Error: %s (first of %u errors).\n", krg_err_str(&first), errors);
	return errors || inconsistent ? 1 : 0;
}

static int cmd_values(int argc, char **argv)
{
	struct krg_kddm_test_args a = { .op = KRG_KDDM_TEST_READ };
	uint64_t first = 0, i, n;
	struct krg_kddm_test_reply r;
	struct krg_err err;
	int bad = 0;

	if (argc < 2 || parse_u32(argv[0], &a.set) || parse_u64(argv[1], &n) ||
	    (argc > 2 && parse_u64(argv[2], &first)))
		return usage();
	for (i = first; i < first + n; i++) {
		a.obj = i;
		if (krg_kddm_test_op(nl, &a, &r, &err)) {
			printf("%" PRIu64 " %s\n", i, errno_name(err.code));
			bad = 1;
		} else if ((r.has & (1ULL << KRG_KDDM_TEST_A_CONSISTENT)) && !r.consistent) {
			printf("%" PRIu64 " %" PRIu64 " torn\n", i, r.value);
			bad = 1;
		} else {
			printf("%" PRIu64 " %" PRIu64 "\n", i, r.value);
		}
	}
	return bad;
}

static int cmd_raw(int argc, char **argv)
{
	static struct krg_raw_attr attrs[MAX_RAW_ATTRS];
	const char *family = KRG_KDDM_TEST_GENL_NAME;
	struct krg_err err;
	uint32_t cmd;
	bool dump = false;
	int i, n = 0, ret;

	if (argc > 0 && argv[0][0] == '@') {
		family = argv[0] + 1;
		argc--;
		argv++;
	}
	if (argc < 1 || parse_u32(argv[0], &cmd) || cmd > 255)
		return usage();
	for (i = 1; i < argc && n < MAX_RAW_ATTRS; i++) {
		if (!strcmp(argv[i], "dump")) {
			dump = true;
			continue;
		}
		if (krg_raw_attr_parse(argv[i], &attrs[n++], &err)) {
			fprintf(stderr, "Error: %s.\n", krg_err_str(&err));
			return usage();
		}
	}
	ret = krg_raw_request(nl, family, (uint8_t)cmd, dump, attrs, n, &err);
	printf("errno=%d error=%s msg=%s\n", -ret, errno_name(ret), ret ? err.msg : "");
	return 0;
}

int main(int argc, char **argv)
{
	struct krg_err err;
	const char *cmd;

	if (argc > 1 && !strcmp(argv[1], "-j")) {
		json = 1;
		argc--;
		argv++;
	}
	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "node"))
		return cmd_node();
	if (krg_open(&nl, &err)) {
		failed(&err);
		return 1;
	}
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "destroy"))
		return cmd_destroy(argc, argv);
	if (!strcmp(cmd, "op"))
		return cmd_op(argc, argv);
	if (!strcmp(cmd, "sets"))
		return cmd_sets(argc, argv);
	if (!strcmp(cmd, "history"))
		return cmd_history(argc, argv);
	if (!strcmp(cmd, "loop"))
		return cmd_loop(argc, argv);
	if (!strcmp(cmd, "values"))
		return cmd_values(argc, argv);
	if (!strcmp(cmd, "raw"))
		return cmd_raw(argc, argv);
	return usage();
}
