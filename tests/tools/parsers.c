// SPDX-License-Identifier: GPL-2.0
/*
 * Host-only tests of libkrg's parsers: node lists, cluster.conf, key files,
 * Kerrighed capability lists.
 * Built against the library sources (no netlink needed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "krg.h"
#include "kselftest_harness.h"

/* ---- node lists ---- */

static int parse(const char *s, struct krg_nodeset *set, struct krg_err *err)
{
	memset(err, 0, sizeof(*err));
	return krg_nodelist_parse(s, set, err);
}

static const char *roundtrip(const char *s, char *buf, size_t len)
{
	struct krg_nodeset set;
	struct krg_err err;

	if (parse(s, &set, &err))
		return NULL;
	krg_nodelist_format(&set, buf, len);
	return buf;
}

TEST(nodelist_good)
{
	static const struct { const char *in, *canon; unsigned int count; } cases[] = {
		{ "0", "0", 1 },
		{ "1", "1", 1 },
		{ "1-3", "1-3", 3 },
		{ "1-3,5", "1-3,5", 4 },
		{ "5,1-3", "1-3,5", 4 },
		{ "1,2,3,7,10-12", "1-3,7,10-12", 7 },
		{ "4-4", "4", 1 },
		{ "255", "255", 1 },
		{ "0-255", "0-255", KRG_MAX_NODES },
		{ "10,0", "0,10", 2 },
	};
	struct krg_nodeset set;
	struct krg_err err;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, parse(cases[i].in, &set, &err)) TH_LOG("%s: %s", cases[i].in, err.msg);
		EXPECT_EQ(cases[i].count, krg_nodeset_count(&set)) TH_LOG("%s", cases[i].in);
		ASSERT_NE(NULL, roundtrip(cases[i].in, buf, sizeof(buf)));
		EXPECT_STREQ(cases[i].canon, buf);
	}
	ASSERT_EQ(0, parse("1-3,5", &set, &err));
	EXPECT_TRUE(krg_nodeset_has(&set, 1));
	EXPECT_TRUE(krg_nodeset_has(&set, 3));
	EXPECT_FALSE(krg_nodeset_has(&set, 4));
	EXPECT_TRUE(krg_nodeset_has(&set, 5));
	EXPECT_FALSE(krg_nodeset_has(&set, 0));
	EXPECT_FALSE(krg_nodeset_has(&set, KRG_MAX_NODES));
}

TEST(nodelist_bad)
{
	static const struct { const char *in; int code; const char *msg; } cases[] = {
		{ "", -EINVAL, "empty node list" },
		{ ",", -EINVAL, "position 1" },
		{ "1,", -EINVAL, "at end of list" },
		{ ",1", -EINVAL, "position 1" },
		{ "1,,2", -EINVAL, "position 3" },
		{ "1-", -EINVAL, "at end of list" },
		{ "-1", -EINVAL, "position 1" },
		{ "3-1", -EINVAL, "range 3-1 at position 1 is reversed" },
		{ "1-3-5", -EINVAL, "',' or '-' expected at position 4" },
		{ "1 ,2", -EINVAL, "position 2" },
		{ " 1", -EINVAL, "position 1" },
		{ "a", -EINVAL, "found 'a'" },
		{ "1x", -EINVAL, "found 'x'" },
		{ "+1", -EINVAL, "position 1" },
		{ "01", -EINVAL, "leading zero" },
		{ "256", -ERANGE, "node id 256 at position 1 is out of range (0-255)" },
		{ "1,99999999999999999999", -ERANGE, "out of range" },
		{ "1-256", -ERANGE, "out of range" },
		{ "1,2,1", -EINVAL, "node 1 is listed more than once" },
		{ "1-5,3", -EINVAL, "node 3 is listed more than once" },
		{ "0x1", -EINVAL, "found 'x'" },
	};
	struct krg_nodeset set;
	struct krg_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].code, parse(cases[i].in, &set, &err)) TH_LOG("\"%s\"", cases[i].in);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].msg))
			TH_LOG("\"%s\": message \"%s\" lacks \"%s\"", cases[i].in, err.msg, cases[i].msg);
	}
	EXPECT_EQ(-EINVAL, krg_nodelist_parse(NULL, &set, NULL));
}

TEST(nodelist_format_truncates)
{
	struct krg_nodeset set;
	struct krg_err err;
	char buf[4];

	ASSERT_EQ(0, parse("1,3,5,7", &set, &err));
	EXPECT_EQ(7, krg_nodelist_format(&set, buf, sizeof(buf)));
	EXPECT_STREQ("1,3", buf);
	krg_nodeset_zero(&set);
	EXPECT_EQ(0, krg_nodelist_format(&set, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

/* ---- cluster.conf ---- */

#define GOOD_CONF \
	"# Kerrighed cluster configuration\n" \
	"cluster_id 1\n" \
	"node_id 2\n" \
	"address 10.42.0.2\n" \
	"port 7227\n" \
	"key_file /etc/kerrighed/cluster.key\n" \
	"node 1 10.42.0.1\n" \
	"node 2 10.42.0.2\n" \
	"node 3 10.42.0.3\n"

static int conf_str(const char *text, struct krg_conf *conf, struct krg_err *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	memset(err, 0, sizeof(*err));
	ret = krg_conf_parse(f, "cluster.conf", conf, err);
	fclose(f);
	return ret;
}

static struct krg_conf conf;

TEST(conf_good)
{
	struct krg_err err;

	ASSERT_EQ(0, conf_str(GOOD_CONF, &conf, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(1U, conf.cluster_id);
	EXPECT_EQ(2U, conf.node_id);
	EXPECT_EQ(htonl(0x0a2a0002), conf.address.s_addr);
	EXPECT_EQ(7227U, conf.port);
	EXPECT_STREQ("/etc/kerrighed/cluster.key", conf.key_file);
	EXPECT_EQ(0U, conf.failure_timeout_ms);
	EXPECT_EQ(KRG_CONF_CAPS_OPT_OUT, conf.capabilities);
	ASSERT_EQ(3U, conf.nr_nodes);
	EXPECT_EQ(1U, conf.nodes[0].id);
	EXPECT_EQ(htonl(0x0a2a0001), conf.nodes[0].addr.s_addr);
	EXPECT_EQ(7U, conf.nodes[0].line);
	EXPECT_EQ(3U, conf.nodes[2].id);
	EXPECT_EQ(htonl(0x0a2a0003), conf.nodes[2].addr.s_addr);
}

TEST(conf_optional_and_layout)
{
	struct krg_err err;

	/* no port (default), timeout, blanks, tabs, CRLF, comments, no final newline */
	ASSERT_EQ(0, conf_str("\n  # comment\n\tcluster_id\t7\r\nnode_id 0\naddress 192.168.1.10\n"
			      "key_file k\nfailure_timeout_ms 2000\n\n   \nnode 0 192.168.1.10",
			      &conf, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(7U, conf.cluster_id);
	EXPECT_EQ(0U, conf.node_id);
	EXPECT_EQ(KRG_COMM_DEFAULT_PORT, conf.port);
	EXPECT_EQ(2000U, conf.failure_timeout_ms);
	EXPECT_EQ(1U, conf.nr_nodes);
	/* no node lines at all is fine (peers can be added later) */
	ASSERT_EQ(0, conf_str("cluster_id 1\nnode_id 1\naddress 10.0.0.1\nkey_file k\n", &conf, &err));
	EXPECT_EQ(0U, conf.nr_nodes);
	ASSERT_EQ(0, conf_str("cluster_id 4294967295\nnode_id 255\naddress 10.0.0.1\nkey_file k\n"
			      "failure_timeout_ms 100\nport 65535\n", &conf, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(4294967295U, conf.cluster_id);
	EXPECT_EQ(100U, conf.failure_timeout_ms);
}

TEST(conf_bad)
{
	static const struct { const char *text; int code; const char *msg; } cases[] = {
		{ GOOD_CONF "colour blue\n", -EINVAL, "cluster.conf:10: unknown key \"colour\"" },
		{ GOOD_CONF "node 2 10.42.0.9\n", -EEXIST,
		  "cluster.conf:10: node 2 is already defined on line 8" },
		{ GOOD_CONF "node 4 10.42.0.3\n", -EEXIST,
		  "cluster.conf:10: node 4: address 10.42.0.3 is already used by node 3 on line 9" },
		{ GOOD_CONF "cluster_id 2\n", -EEXIST, "cluster.conf:10: cluster_id is already set on line 2" },
		{ "cluster_id x1\n", -EINVAL, "cluster.conf:1: cluster_id: \"x1\" is not a decimal number" },
		{ "cluster_id -1\n", -EINVAL, "is not a decimal number" },
		{ "cluster_id 0\n", -ERANGE, "cluster.conf:1: cluster_id: 0 is out of range (1-4294967295)" },
		{ "cluster_id 4294967296\n", -ERANGE, "out of range" },
		{ "cluster_id 99999999999999999999999\n", -ERANGE, "out of range" },
		{ "cluster_id 01\n", -EINVAL, "leading zero" },
		{ "cluster_id 1 2\n", -EINVAL, "cluster.conf:1: cluster_id: expected \"cluster_id ID\"" },
		{ "cluster_id\n", -EINVAL, "expected \"cluster_id ID\"" },
		{ "node_id 256\n", -ERANGE, "node_id: 256 is out of range (0-255)" },
		{ "port 0\n", -ERANGE, "port: 0 is out of range (1-65535)" },
		{ "port 65536\n", -ERANGE, "out of range" },
		{ "failure_timeout_ms 99\n", -ERANGE, "failure_timeout_ms: 99 is out of range (100-30000)" },
		{ "failure_timeout_ms 30001\n", -ERANGE, "out of range" },
		{ "address 10.42.0\n", -EINVAL, "address: \"10.42.0\" is not an IPv4 address" },
		{ "address 10.42.0.256\n", -EINVAL, "is not an IPv4 address" },
		{ "address fe80::1\n", -EAFNOSUPPORT, "only IPv4 addresses are supported" },
		{ "address node1\n", -EINVAL, "is not an IPv4 address" },
		{ "\n\nnode 1\n", -EINVAL, "cluster.conf:3: node: expected \"node ID IPV4-ADDRESS\"" },
		{ "node 1 10.0.0.1 extra\n", -EINVAL, "expected \"node ID IPV4-ADDRESS\"" },
		{ "node 300 10.0.0.1\n", -ERANGE, "node: 300 is out of range (0-255)" },
		{ "node a 10.0.0.1\n", -EINVAL, "node: \"a\" is not a decimal number" },
		{ "a b c d e f g h i\n", -EINVAL, "too many words" },
		{ "cluster_id 1 # comment\n", -EINVAL, "expected \"cluster_id ID\"" },
		{ "capabilities\n", -EINVAL, "capabilities: expected \"capabilities opt-out|opt-in\"" },
		{ "capabilities opt-in opt-out\n", -EINVAL, "expected \"capabilities opt-out|opt-in\"" },
		{ "capabilities optin\n", -EINVAL,
		  "cluster.conf:1: capabilities: \"optin\" is neither opt-out nor opt-in" },
		{ "capabilities OPT-IN\n", -EINVAL, "is neither opt-out nor opt-in" },
		{ GOOD_CONF "capabilities opt-in\ncapabilities opt-in\n", -EEXIST,
		  "cluster.conf:11: capabilities is already set on line 10" },
		{ "", -EINVAL, "required key \"cluster_id\" is missing" },
		{ "cluster_id 1\nnode_id 1\naddress 10.0.0.1\n", -EINVAL, "required key \"key_file\" is missing" },
		{ "cluster_id 1\nnode_id 1\nkey_file k\n", -EINVAL, "required key \"address\" is missing" },
		{ "cluster_id 1\naddress 10.0.0.1\nkey_file k\n", -EINVAL, "required key \"node_id\" is missing" },
		{ "cluster_id 1\nnode_id 1\naddress 10.0.0.1\nkey_file k\nnode 1 10.0.0.5\n", -EINVAL,
		  "cluster.conf:5: node 1 (this node) has address 10.0.0.5 but \"address\" on line 3 is 10.0.0.1" },
	};
	struct krg_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].code, conf_str(cases[i].text, &conf, &err))
			TH_LOG("case %zu: %s", i, err.msg);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].msg))
			TH_LOG("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
	}
}

TEST(conf_capabilities)
{
	struct krg_caps caps;
	struct krg_err err;

	ASSERT_EQ(0, conf_str(GOOD_CONF "capabilities opt-in\n", &conf, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(KRG_CONF_CAPS_OPT_IN, conf.capabilities);
	ASSERT_EQ(0, conf_str(GOOD_CONF "capabilities opt-out\n", &conf, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(KRG_CONF_CAPS_OPT_OUT, conf.capabilities);

	/* what the two settings hand to the kernel (CONFIG_SET DEFAULT_CAPS) */
	krg_conf_default_caps(KRG_CONF_CAPS_OPT_OUT, &caps);
	EXPECT_EQ((1U << KRG_CAP_CHANGE_KERRIGHED_CAP) | (1U << KRG_CAP_CAN_MIGRATE) |
		  (1U << KRG_CAP_DISTANT_FORK) | (1U << KRG_CAP_CHECKPOINTABLE), caps.effective);
	EXPECT_EQ(caps.effective, caps.inheritable_effective);
	EXPECT_EQ(KRG_CAP_SUPPORTED, caps.permitted);
	EXPECT_EQ(KRG_CAP_SUPPORTED, caps.inheritable_permitted);
	krg_conf_default_caps(KRG_CONF_CAPS_OPT_IN, &caps);
	EXPECT_EQ(1U << KRG_CAP_CHANGE_KERRIGHED_CAP, caps.effective);
	EXPECT_EQ(caps.effective, caps.inheritable_effective);
	EXPECT_EQ(KRG_CAP_SUPPORTED, caps.permitted);
	EXPECT_EQ(KRG_CAP_SUPPORTED, caps.inheritable_permitted);
}

TEST(conf_long_line_and_nul)
{
	static const char nul[] = "cluster_id 1\nnode_id 1\0x\n";
	char text[3000];
	struct krg_err err;
	FILE *f;

	memset(text, 'a', sizeof(text));
	memcpy(text, "key_file ", 9);
	text[sizeof(text) - 1] = '\0';
	EXPECT_EQ(-EINVAL, conf_str(text, &conf, &err));
	EXPECT_NE(NULL, strstr(err.msg, "cluster.conf:1: line longer than"));

	f = fmemopen((void *)nul, sizeof(nul) - 1, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-EINVAL, krg_conf_parse(f, "c", &conf, &err));
	EXPECT_NE(NULL, strstr(err.msg, "c:2: NUL byte"));
	fclose(f);
}

TEST(conf_load_missing_file)
{
	struct krg_err err = { 0 };

	EXPECT_EQ(-ENOENT, krg_conf_load("/nonexistent/cluster.conf", &conf, &err));
	EXPECT_NE(NULL, strstr(err.msg, "cannot open /nonexistent/cluster.conf"));
}

/* ---- key files ---- */

#define KEY_HEX "000102030405060708090a0b0c0d0e0f" "F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"

static void write_key(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) || close(fd)) {
		perror(path);
		exit(KSFT_FAIL);
	}
}

FIXTURE(keyfile) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(keyfile)
{
	strcpy(self->dir, "/tmp/krg-keytest.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/cluster.key", self->dir);
}

FIXTURE_TEARDOWN(keyfile)
{
	unlink(self->path);
	rmdir(self->dir);
}

TEST_F(keyfile, good)
{
	uint8_t key[KRG_COMM_KEY_LEN];
	struct krg_err err = { 0 };
	bool insecure = true;
	int i;

	write_key(self->path, KEY_HEX "\n", 65, 0600);
	ASSERT_EQ(0, krg_key_load(self->path, key, &insecure, &err)) TH_LOG("%s", err.msg);
	EXPECT_FALSE(insecure);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(i, key[i]);
	for (i = 16; i < 32; i++)
		EXPECT_EQ(0xf0 + i - 16, key[i]);
	/* without the final newline */
	write_key(self->path, KEY_HEX, 64, 0400);
	ASSERT_EQ(0, krg_key_load(self->path, key, &insecure, &err));
	EXPECT_FALSE(insecure);
}

TEST_F(keyfile, insecure_mode)
{
	uint8_t key[KRG_COMM_KEY_LEN];
	struct krg_err err = { 0 };
	bool insecure = false;

	write_key(self->path, KEY_HEX "\n", 65, 0644);
	ASSERT_EQ(0, krg_key_load(self->path, key, &insecure, &err));
	EXPECT_TRUE(insecure);
	write_key(self->path, KEY_HEX "\n", 65, 0620);
	ASSERT_EQ(0, krg_key_load(self->path, key, &insecure, &err));
	EXPECT_TRUE(insecure);
}

TEST_F(keyfile, bad)
{
	static const struct { const char *text; const char *msg; } cases[] = {
		{ "", "found 0 characters" },
		{ "\n", "found 0 characters" },
		{ KEY_HEX "00\n", "found 66 characters" },
		{ KEY_HEX "\n\n", "found 65 characters" },
		{ "0" KEY_HEX "\n", "found 65 characters" },
		{ KEY_HEX " \n", "found 65 characters" },
	};
	char text[80];
	uint8_t key[KRG_COMM_KEY_LEN];
	struct krg_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		write_key(self->path, cases[i].text, strlen(cases[i].text), 0600);
		EXPECT_EQ(-EINVAL, krg_key_load(self->path, key, NULL, &err)) TH_LOG("case %zu", i);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].msg)) TH_LOG("\"%s\"", err.msg);
		EXPECT_NE(NULL, strstr(err.msg, self->path)) TH_LOG("\"%s\"", err.msg);
	}
	/* a non-hex character at position 10 */
	strcpy(text, KEY_HEX "\n");
	text[9] = 'g';
	write_key(self->path, text, 65, 0600);
	EXPECT_EQ(-EINVAL, krg_key_load(self->path, key, NULL, &err));
	EXPECT_NE(NULL, strstr(err.msg, "invalid hexadecimal character at position 10"))
		TH_LOG("\"%s\"", err.msg);
	/* 63 characters and a newline */
	strcpy(text, KEY_HEX);
	strcpy(text + 63, "\n");
	write_key(self->path, text, 64, 0600);
	EXPECT_EQ(-EINVAL, krg_key_load(self->path, key, NULL, &err));
	EXPECT_NE(NULL, strstr(err.msg, "found 63 characters")) TH_LOG("\"%s\"", err.msg);
	/* a blank inside */
	strcpy(text, KEY_HEX "\n");
	text[0] = ' ';
	write_key(self->path, text, 65, 0600);
	EXPECT_EQ(-EINVAL, krg_key_load(self->path, key, NULL, &err));
	EXPECT_NE(NULL, strstr(err.msg, "position 1")) TH_LOG("\"%s\"", err.msg);
	/* missing file, directory */
	EXPECT_EQ(-ENOENT, krg_key_load("/nonexistent/key", key, NULL, &err));
	EXPECT_EQ(-EINVAL, krg_key_load(self->dir, key, NULL, &err));
	EXPECT_NE(NULL, strstr(err.msg, "not a regular file"));
}

/* ---- Kerrighed capability lists ---- */

TEST(caps_list_good)
{
	static const struct { const char *in, *canon; uint32_t set; } cases[] = {
		{ "CAN_MIGRATE", "CAN_MIGRATE", 1U << KRG_CAP_CAN_MIGRATE },
		{ "can_migrate", "CAN_MIGRATE", 1U << KRG_CAP_CAN_MIGRATE },
		{ "Distant_Fork,CHECKPOINTABLE", "DISTANT_FORK,CHECKPOINTABLE",
		  (1U << KRG_CAP_DISTANT_FORK) | (1U << KRG_CAP_CHECKPOINTABLE) },
		{ "SEE_LOCAL_PROC_STAT,CHANGE_KERRIGHED_CAP", "CHANGE_KERRIGHED_CAP,SEE_LOCAL_PROC_STAT",
		  (1U << KRG_CAP_SEE_LOCAL_PROC_STAT) | (1U << KRG_CAP_CHANGE_KERRIGHED_CAP) },
		{ "CHANGE_KERRIGHED_CAP,CAN_MIGRATE,DISTANT_FORK,CHECKPOINTABLE,SEE_LOCAL_PROC_STAT",
		  "CHANGE_KERRIGHED_CAP,CAN_MIGRATE,DISTANT_FORK,CHECKPOINTABLE,SEE_LOCAL_PROC_STAT",
		  KRG_CAP_SUPPORTED },
	};
	struct krg_err err;
	uint32_t set;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		ASSERT_EQ(0, krg_cap_list_parse(cases[i].in, &set, &err)) TH_LOG("%s: %s", cases[i].in, err.msg);
		EXPECT_EQ(cases[i].set, set) TH_LOG("%s", cases[i].in);
		EXPECT_EQ((int)strlen(cases[i].canon), krg_cap_list_format(set, buf, sizeof(buf)));
		EXPECT_STREQ(cases[i].canon, buf);
	}
	for (i = 0; i < __KRG_CAP_COUNT; i++)
		EXPECT_NE(NULL, krg_cap_name((unsigned int)i));
	EXPECT_EQ(NULL, krg_cap_name(__KRG_CAP_COUNT));
	/* formatting: nothing, unknown bits ignored, truncation like snprintf */
	EXPECT_EQ(0, krg_cap_list_format(0, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(11, krg_cap_list_format((1U << KRG_CAP_CAN_MIGRATE) | (1U << 31), buf, sizeof(buf)));
	EXPECT_EQ(24, krg_cap_list_format((1U << KRG_CAP_CAN_MIGRATE) | (1U << KRG_CAP_DISTANT_FORK),
					  buf, 8));
	EXPECT_STREQ("CAN_MIG", buf);
}

TEST(caps_list_bad)
{
	static const struct { const char *in; const char *msg; } cases[] = {
		{ "", "empty capability list" },
		{ "MIGRATE", "unknown capability \"MIGRATE\" (known: CHANGE_KERRIGHED_CAP, " },
		{ "CAP_CAN_MIGRATE", "unknown capability \"CAP_CAN_MIGRATE\"" },
		{ "CAN_MIGRATE,", "empty name at position 13" },
		{ ",CAN_MIGRATE", "empty name at position 1" },
		{ "CAN_MIGRATE,,DISTANT_FORK", "empty name at position 13" },
		{ "CAN_MIGRATE, DISTANT_FORK", "unknown capability \" DISTANT_FORK\"" },
		{ "+CAN_MIGRATE", "unknown capability \"+CAN_MIGRATE\"" },
		{ "CAN_MIGRATE,can_migrate", "CAN_MIGRATE is listed more than once" },
	};
	struct krg_err err;
	uint32_t set = 1;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_EQ(-EINVAL, krg_cap_list_parse(cases[i].in, &set, &err)) TH_LOG("\"%s\"", cases[i].in);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].msg))
			TH_LOG("\"%s\": message \"%s\" lacks \"%s\"", cases[i].in, err.msg, cases[i].msg);
	}
	EXPECT_EQ(-EINVAL, krg_cap_list_parse(NULL, &set, NULL));
}

TEST_HARNESS_MAIN
