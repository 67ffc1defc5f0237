// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cluster.conf and cluster key file readers.  Strict on purpose: a typo in a
 * cluster configuration must stop the node, with the line that is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "krg.h"

#define MAX_WORDS 8

enum conf_key {
	K_CLUSTER_ID,
	K_NODE_ID,
	K_ADDRESS,
	K_PORT,
	K_KEY_FILE,
	K_FAILURE_TIMEOUT,
	K_CAPABILITIES,
	K_NODE,
	NR_KEYS
};

static const struct {
	const char *name;
	int nargs;
	const char *usage;
} keys[NR_KEYS] = {
	[K_CLUSTER_ID]	    = { "cluster_id", 1, "cluster_id ID" },
	[K_NODE_ID]	    = { "node_id", 1, "node_id ID" },
	[K_ADDRESS]	    = { "address", 1, "address IPV4-ADDRESS" },
	[K_PORT]	    = { "port", 1, "port PORT" },
	[K_KEY_FILE]	    = { "key_file", 1, "key_file PATH" },
	[K_FAILURE_TIMEOUT] = { "failure_timeout_ms", 1, "failure_timeout_ms MS" },
	[K_CAPABILITIES]    = { "capabilities", 1, "capabilities opt-out|opt-in" },
	[K_NODE]	    = { "node", 2, "node ID IPV4-ADDRESS" },
};

struct parser {
	const char *name;
	unsigned int line;
	unsigned int seen[NR_KEYS];	/* line of first occurrence, 0 = none */
	struct krg_err *err;
};

/* Formats "NAME:LINE: message" into the parser's error; returns code. */
static int __attribute__((format(printf, 3, 4)))
perr(struct parser *p, int code, const char *fmt, ...)
{
	char msg[KRG_ERR_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return krg_err_set(p->err, code, "%.200s:%u: %.280s", p->name, p->line, msg);
}

/* Decimal only, no sign, no blanks, within [min, max]. */
static int parse_u32(struct parser *p, const char *what, const char *s,
		     unsigned long min, unsigned long max, uint32_t *out)
{
	unsigned long v = 0;
	const char *c;

	if (!*s)
		return perr(p, -EINVAL, "%s: number expected", what);
	for (c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return perr(p, -EINVAL, "%s: \"%s\" is not a decimal number", what, s);
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > max)
			break;
	}
	if (c - s > 1 && s[0] == '0')
		return perr(p, -EINVAL, "%s: \"%s\" has a leading zero", what, s);
	if (v < min || v > max)
		return perr(p, -ERANGE, "%s: %s is out of range (%lu-%lu)", what, s, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_addr(struct parser *p, const char *what, const char *s,
		      struct in_addr *out)
{
	struct in6_addr a6;

	if (inet_pton(AF_INET, s, out) == 1)
		return 0;
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return perr(p, -EAFNOSUPPORT, "%s: \"%s\": only IPv4 addresses are supported",
			    what, s);
	return perr(p, -EINVAL, "%s: \"%s\" is not an IPv4 address", what, s);
}

static int find_node(const struct krg_conf *conf, unsigned int id)
{
	unsigned int i;

	for (i = 0; i < conf->nr_nodes; i++)
		if (conf->nodes[i].id == id)
			return (int)i;
	return -1;
}

static int parse_node(struct parser *p, struct krg_conf *conf, char **w)
{
	struct krg_conf_node *n;
	uint32_t id;
	unsigned int i;
	int ret;

	ret = parse_u32(p, "node", w[1], 0, KRG_MAX_NODES - 1, &id);
	if (ret)
		return ret;
	ret = find_node(conf, id);
	if (ret >= 0)
		return perr(p, -EEXIST, "node %u is already defined on line %u",
			    id, conf->nodes[ret].line);
	n = &conf->nodes[conf->nr_nodes];
	ret = parse_addr(p, "node", w[2], &n->addr);
	if (ret)
		return ret;
	for (i = 0; i < conf->nr_nodes; i++)
		if (conf->nodes[i].addr.s_addr == n->addr.s_addr)
			return perr(p, -EEXIST,
				    "node %u: address %s is already used by node %u on line %u",
				    id, w[2], conf->nodes[i].id, conf->nodes[i].line);
	n->id = id;
	n->line = p->line;
	conf->nr_nodes++;
	return 0;
}

static int parse_words(struct parser *p, struct krg_conf *conf, char **w, int nw)
{
	uint32_t v;
	int k, ret;

	for (k = 0; k < NR_KEYS; k++)
		if (!strcmp(w[0], keys[k].name))
			break;
	if (k == NR_KEYS)
		return perr(p, -EINVAL, "unknown key \"%s\"", w[0]);
	if (nw - 1 != keys[k].nargs)
		return perr(p, -EINVAL, "%s: expected \"%s\"", w[0], keys[k].usage);
	if (k != K_NODE && p->seen[k])
		return perr(p, -EEXIST, "%s is already set on line %u", w[0], p->seen[k]);
	if (!p->seen[k])
		p->seen[k] = p->line;

	switch (k) {
	case K_CLUSTER_ID:
		return parse_u32(p, w[0], w[1], 1, UINT32_MAX, &conf->cluster_id);
	case K_NODE_ID:
		return parse_u32(p, w[0], w[1], 0, KRG_MAX_NODES - 1, &conf->node_id);
	case K_ADDRESS:
		return parse_addr(p, w[0], w[1], &conf->address);
	case K_PORT:
		ret = parse_u32(p, w[0], w[1], 1, 65535, &v);
		conf->port = (uint16_t)v;
		return ret;
	case K_KEY_FILE:
		if (strlen(w[1]) >= sizeof(conf->key_file))
			return perr(p, -ENAMETOOLONG, "key_file: path too long");
		strcpy(conf->key_file, w[1]);
		return 0;
	case K_FAILURE_TIMEOUT:
		return parse_u32(p, w[0], w[1], KRG_COMM_FAILURE_TIMEOUT_MIN_MS,
				 KRG_COMM_FAILURE_TIMEOUT_MAX_MS, &conf->failure_timeout_ms);
	case K_CAPABILITIES:
		if (!strcmp(w[1], "opt-out"))
			conf->capabilities = KRG_CONF_CAPS_OPT_OUT;
		else if (!strcmp(w[1], "opt-in"))
			conf->capabilities = KRG_CONF_CAPS_OPT_IN;
		else
			return perr(p, -EINVAL, "%s: \"%s\" is neither opt-out nor opt-in",
				    w[0], w[1]);
		return 0;
	default:
		return parse_node(p, conf, w);
	}
}

/* Splits line in place into blank-separated words. */
static int split(struct parser *p, char *line, char **w)
{
	int nw = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			return nw;
		if (nw == MAX_WORDS)
			return perr(p, -EINVAL, "too many words");
		w[nw++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int check_complete(struct parser *p, struct krg_conf *conf)
{
	static const int required[] = { K_CLUSTER_ID, K_NODE_ID, K_ADDRESS, K_KEY_FILE };
	unsigned int i;
	int self;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!p->seen[required[i]])
			return krg_err_set(p->err, -EINVAL, "%s: required key \"%s\" is missing",
					   p->name, keys[required[i]].name);
	self = find_node(conf, conf->node_id);
	if (self >= 0 && conf->nodes[self].addr.s_addr != conf->address.s_addr) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &conf->nodes[self].addr, a, sizeof(a));
		inet_ntop(AF_INET, &conf->address, b, sizeof(b));
		return krg_err_set(p->err, -EINVAL,
			"%s:%u: node %u (this node) has address %s but \"address\" on line %u is %s",
			p->name, conf->nodes[self].line, conf->node_id, a,
			p->seen[K_ADDRESS], b);
	}
	return 0;
}

int krg_conf_parse(FILE *f, const char *name, struct krg_conf *conf,
		   struct krg_err *err)
{
	struct parser p = { .name = name, .err = err };
	char *line = NULL, *w[MAX_WORDS];
	size_t cap = 0;
	ssize_t len;
	int nw, ret = 0;

	memset(conf, 0, sizeof(*conf));
	conf->port = KRG_COMM_DEFAULT_PORT;
	while ((len = getline(&line, &cap, f)) > 0) {
		p.line++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > KRG_CONF_MAX_LINE) {
			ret = perr(&p, -EINVAL, "line longer than %d characters",
				   KRG_CONF_MAX_LINE);
			break;
		}
		if (memchr(line, '\0', (size_t)len)) {
			ret = perr(&p, -EINVAL, "NUL byte in line");
			break;
		}
		nw = split(&p, line, w);
		if (nw < 0) {
			ret = nw;
			break;
		}
		if (!nw || w[0][0] == '#')
			continue;
		ret = parse_words(&p, conf, w, nw);
		if (ret)
			break;
	}
	free(line);
	if (ret)
		return ret;
	if (ferror(f))
		return krg_err_set(err, -EIO, "%s: read error", name);
	return check_complete(&p, conf);
}

int krg_conf_load(const char *path, struct krg_conf *conf, struct krg_err *err)
{
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f)
		return krg_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	ret = krg_conf_parse(f, path, conf, err);
	fclose(f);
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int krg_key_parse(const char *text, size_t len, uint8_t key[KRG_COMM_KEY_LEN],
		  struct krg_err *err)
{
	size_t i, digits = 2 * KRG_COMM_KEY_LEN;
	int hi, lo;

	if (len && text[len - 1] == '\n')
		len--;
	if (len != digits)
		return krg_err_set(err, -EINVAL,
			"key must be exactly %zu hexadecimal characters and a newline (found %zu characters before the newline)",
			digits, len);
	for (i = 0; i < digits; i += 2) {
		hi = hexval(text[i]);
		lo = hexval(text[i + 1]);
		if (hi < 0 || lo < 0)
			return krg_err_set(err, -EINVAL,
				"key: invalid hexadecimal character at position %zu",
				i + 1 + (hi >= 0));
		key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int krg_key_load(const char *path, uint8_t key[KRG_COMM_KEY_LEN],
		 bool *insecure, struct krg_err *err)
{
	char buf[2 * KRG_COMM_KEY_LEN + 8];
	struct krg_err perr;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return krg_err_set(err, -errno, "cannot open key file %s: %s",
				   path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return krg_err_set(err, -EINVAL, "key file %s is not a regular file", path);
	}
	if (insecure)
		*insecure = st.st_mode & 077;
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			close(fd);
			return krg_err_set(err, ret, "cannot read key file %s: %s",
					   path, strerror(-ret));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	ret = krg_key_parse(buf, len, key, &perr);
	memset(buf, 0, sizeof(buf));
	if (ret)
		return krg_err_set(err, ret, "%.200s: %.300s", path, perr.msg);
	return 0;
}
