// SPDX-License-Identifier: GPL-2.0
/*
 * Kerrighed capabilities (include/uapi/linux/krg_proc.h, enum krg_cap):
 * node defaults, inheritance across fork and exec, the set rules and the
 * permission checks, through CAPS_GET / CAPS_SET of the krg_proc family.
 *
 * Runs inside the cluster environment, as root (proc_caps.sh starts it with
 * "krg run"); KRG_TEST_UID is an unprivileged uid the tests switch to in
 * children (default 2001).  Every TEST runs in a child of the harness, a
 * cluster process of its own.
 *
 *   proc_caps [harness options]
 *   proc_caps --print-caps     CAPS_GET of itself, "E P IE IP" in hex
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/krg_proc.h>

#include "kselftest_harness.h"

#define BIT(c)		(1U << KRG_CAP_##c)
#define ALL		KRG_CAP_SUPPORTED

/* ---- a minimal generic netlink client ------------------------------------ */

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[256];
};

static int nl_fd = -1, nl_family;
static char nl_msg[256];	/* extack message of the last error */

static int put_attr(struct nlreq *r, int type, const void *data, int len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return 0;
}

/*
 * Sends r; returns 0 or -errno; copies attribute "want" of the reply (if
 * any, at most len bytes) into out.
 */
static int nl_call(struct nlreq *r, int want, void *out, int len)
{
	static unsigned int seq;
	char buf[8192];
	int ret = 1;

	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = ++seq;
	nl_msg[0] = 0;
	if (send(nl_fd, r, r->n.nlmsg_len, 0) < 0)
		return -errno;
	while (ret > 0) {
		int n = recv(nl_fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				int off = sizeof(*e) - sizeof(e->msg) +
					  ((h->nlmsg_flags & NLM_F_CAPPED) ? sizeof(e->msg) : e->msg.nlmsg_len);
				struct nlattr *a = (void *)((char *)e + NLMSG_ALIGN(off));
				int left = (int)h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off);

				ret = e->error;
				for (; (h->nlmsg_flags & NLM_F_ACK_TLVS) && left >= NLA_HDRLEN &&
				       a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
				     left -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == NLMSGERR_ATTR_MSG)
						snprintf(nl_msg, sizeof(nl_msg), "%.*s",
							 a->nla_len - NLA_HDRLEN, (char *)a + NLA_HDRLEN);
			} else if (h->nlmsg_type == nl_family) {
				struct nlattr *a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
				int left = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

				for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
				     left -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
					if ((a->nla_type & NLA_TYPE_MASK) == want && out)
						memcpy(out, (char *)a + NLA_HDRLEN,
						       a->nla_len - NLA_HDRLEN < len ? a->nla_len - NLA_HDRLEN : len);
			}
		}
	}
	return ret;
}

static void nl_init(struct nlreq *r, int family, int cmd)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = family;
	r->g.cmd = cmd;
	r->g.version = 1;
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;
	struct nlreq r;
	__u16 id = 0;

	nl_fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (nl_fd < 0 || bind(nl_fd, (void *)&sa, sizeof(sa)))
		return -errno;
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_family = GENL_ID_CTRL;
	nl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, KRG_PROC_GENL_NAME, sizeof(KRG_PROC_GENL_NAME));
	if (nl_call(&r, CTRL_ATTR_FAMILY_ID, &id, sizeof(id)) || !id)
		return -ENOENT;
	nl_family = id;
	return 0;
}

/* CAPS_GET of pid (0: the caller); 0 or -errno. */
static int caps_get(pid_t pid, struct krg_caps *c)
{
	struct nlreq r;
	__u32 p = pid;

	memset(c, 0xff, sizeof(*c));
	nl_init(&r, nl_family, KRG_PROC_CMD_CAPS_GET);
	if (pid)
		put_attr(&r, KRG_PROC_A_PID, &p, sizeof(p));
	return nl_call(&r, KRG_PROC_A_CAPS, c, sizeof(*c));
}

static int caps_set(pid_t pid, __u32 e, __u32 p, __u32 ie, __u32 ip)
{
	struct krg_caps c = { .effective = e, .permitted = p,
			      .inheritable_effective = ie, .inheritable_permitted = ip };
	struct nlreq r;
	__u32 id = pid;

	nl_init(&r, nl_family, KRG_PROC_CMD_CAPS_SET);
	if (pid)
		put_attr(&r, KRG_PROC_A_PID, &id, sizeof(id));
	put_attr(&r, KRG_PROC_A_CAPS, &c, sizeof(c));
	return nl_call(&r, 0, NULL, 0);
}

static int default_caps(struct krg_caps *c)
{
	struct nlreq r;

	memset(c, 0xff, sizeof(*c));
	nl_init(&r, nl_family, KRG_PROC_CMD_STATUS);
	return nl_call(&r, KRG_PROC_A_DEFAULT_CAPS, c, sizeof(*c));
}

/* ---- helpers ---------------------------------------------------------------- */

static uid_t test_uid(void)
{
	const char *s = getenv("KRG_TEST_UID");

	return s ? (uid_t)atoi(s) : 2001;
}

/* Drops root for the test user, and opens the netlink socket again as
 * that user (a socket keeps the credentials of whoever opened it). */
static int become_user(void)
{
	uid_t u = test_uid();

	if (setresgid(u, u, u) || setresuid(u, u, u))
		return -errno;
	close(nl_fd);
	return nl_open();
}

/* Runs fn(arg) in a child (a new socket there); returns its exit status, or -1. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t p = fork();

	if (p == 0) {
		close(nl_fd);
		_exit(nl_open() ? 100 : fn(arg));
	}
	if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define EXPECT_CAPS(c, e, p, ie, ip) do {					\
	EXPECT_EQ((__u32)(e), (c).effective);					\
	EXPECT_EQ((__u32)(p), (c).permitted);					\
	EXPECT_EQ((__u32)(ie), (c).inheritable_effective);			\
	EXPECT_EQ((__u32)(ip), (c).inheritable_permitted);			\
} while (0)

/* ---- tests -------------------------------------------------------------------- */

/* The job's first process (the harness, our parent) has the node defaults:
 * cluster.conf without "capabilities" means opt-out. */
TEST(defaults)
{
	struct krg_caps d, c;

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, default_caps(&d)) TH_LOG("STATUS: %s", nl_msg);
	EXPECT_CAPS(d, KRG_CAPS_DEFAULT_OPT_OUT_EFFECTIVE, ALL, KRG_CAPS_DEFAULT_OPT_OUT_EFFECTIVE, ALL);
	ASSERT_EQ(0, caps_get(getppid(), &c)) TH_LOG("CAPS_GET: %s", nl_msg);
	EXPECT_CAPS(c, d.effective, d.permitted, d.inheritable_effective, d.inheritable_permitted);
	ASSERT_EQ(0, caps_get(0, &c)) TH_LOG("CAPS_GET self: %s", nl_msg);
	EXPECT_EQ(0U, c.effective & BIT(SEE_LOCAL_PROC_STAT));
}

static int report_own(void *fd)
{
	struct krg_caps c;

	if (caps_get(0, &c))
		return 1;
	return write(*(int *)fd, &c, sizeof(c)) == sizeof(c) ? 0 : 1;
}

static int fork_report(void *fd)
{
	/* the grandchild, forked by a child that did not change anything */
	return in_child(report_own, fd);
}

/* fork: child.P = IP, child.E = IE & IP, inheritable sets copied; and the
 * same again one generation further. */
TEST(fork_inheritance)
{
	const __u32 e = BIT(CHANGE_KERRIGHED_CAP) | BIT(CAN_MIGRATE);
	const __u32 ie = BIT(CHANGE_KERRIGHED_CAP) | BIT(CHECKPOINTABLE);
	const __u32 ip = ie | BIT(DISTANT_FORK);
	struct krg_caps c;
	int fd[2];

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, pipe(fd));
	ASSERT_EQ(0, caps_set(0, e, ALL, ie, ip)) TH_LOG("CAPS_SET: %s", nl_msg);
	ASSERT_EQ(0, caps_get(0, &c));
	EXPECT_CAPS(c, e, ALL, ie, ip);
	ASSERT_EQ(0, in_child(report_own, &fd[1]));
	ASSERT_EQ((ssize_t)sizeof(c), read(fd[0], &c, sizeof(c)));
	EXPECT_CAPS(c, ie & ip, ip, ie, ip);
	ASSERT_EQ(0, in_child(fork_report, &fd[1]));
	ASSERT_EQ((ssize_t)sizeof(c), read(fd[0], &c, sizeof(c)));
	EXPECT_CAPS(c, ie & ip, ip, ie, ip);
}

/* exec changes nothing. */
TEST(exec_keeps_caps)
{
	const __u32 e = BIT(CHANGE_KERRIGHED_CAP) | BIT(SEE_LOCAL_PROC_STAT);
	const __u32 p = e | BIT(CAN_MIGRATE);
	const __u32 ie = BIT(CHANGE_KERRIGHED_CAP);
	unsigned int ge, gp, gie, gip;
	char out[128] = "";
	int fd[2], status;
	pid_t pid;

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, pipe(fd));
	pid = fork();
	if (pid == 0) {
		if (caps_set(0, e, p, ie, p))
			_exit(3);
		dup2(fd[1], 1);
		execl("/proc/self/exe", "proc_caps", "--print-caps", (char *)NULL);
		_exit(4);
	}
	close(fd[1]);
	ASSERT_LT(0, read(fd[0], out, sizeof(out) - 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(4, sscanf(out, "%x %x %x %x", &ge, &gp, &gie, &gip)) TH_LOG("got %s", out);
	EXPECT_EQ(e, ge);
	EXPECT_EQ(p, gp);
	EXPECT_EQ(ie, gie);
	EXPECT_EQ(p, gip);
}

/* The set rules: subsets (EINVAL), unknown bits (ENOSYS), each with a
 * message; the sets are unchanged after a refusal. */
TEST(set_rules)
{
	const __u32 x = BIT(CHANGE_KERRIGHED_CAP);
	struct krg_caps c;

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, caps_set(0, x, x | BIT(CAN_MIGRATE), x, x | BIT(CAN_MIGRATE)));
	EXPECT_EQ(-EINVAL, caps_set(0, x | BIT(CHECKPOINTABLE), x, x, x)) TH_LOG("E not in P");
	EXPECT_NE(0, nl_msg[0]);
	EXPECT_EQ(-EINVAL, caps_set(0, x, x, x, x | BIT(CAN_MIGRATE))) TH_LOG("IP not in P");
	EXPECT_EQ(-EINVAL, caps_set(0, x, x | BIT(CAN_MIGRATE), x | BIT(CAN_MIGRATE), x))
		TH_LOG("IE not in IP");
	EXPECT_NE(0, nl_msg[0]);
	EXPECT_EQ(-ENOSYS, caps_set(0, ALL | 1U << 31, ALL | 1U << 31, ALL | 1U << 31, ALL | 1U << 31))
		TH_LOG("unknown bit");
	EXPECT_NE(0, nl_msg[0]);
	ASSERT_EQ(0, caps_get(0, &c));
	EXPECT_CAPS(c, x, x | BIT(CAN_MIGRATE), x, x | BIT(CAN_MIGRATE));
}

static int user_on_root(void *root)
{
	struct krg_caps c;

	if (become_user())
		return 10;
	if (caps_get(*(pid_t *)root, &c) != -EPERM)
		return 11;
	if (caps_set(*(pid_t *)root, 0, ALL, 0, ALL) != -EPERM || !nl_msg[0])
		return 12;
	return 0;
}

/* An unprivileged user can neither read nor change root's process. */
TEST(user_cannot_touch_root)
{
	struct krg_caps before, after;
	pid_t self = getpid();

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, caps_get(0, &before));
	EXPECT_EQ(0, in_child(user_on_root, &self));
	ASSERT_EQ(0, caps_get(0, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

static int user_on_own(void *unused)
{
	const __u32 all_but_ckpt = ALL & ~BIT(CHECKPOINTABLE);
	struct krg_caps c;
	int fd[2], status;
	pid_t sib;

	if (become_user())
		return 10;
	if (caps_set(0, BIT(CHANGE_KERRIGHED_CAP), all_but_ckpt, 0, all_but_ckpt))
		return 11;	/* shrinking its own permitted set */
	if (caps_set(0, BIT(CHANGE_KERRIGHED_CAP), ALL, 0, all_but_ckpt) != -EPERM)
		return 12;	/* growing it back */
	if (caps_set(0, BIT(CHANGE_KERRIGHED_CAP) | BIT(CAN_MIGRATE), all_but_ckpt, 0, all_but_ckpt))
		return 13;	/* effective, within permitted */
	if (caps_get(0, &c) || c.effective != (BIT(CHANGE_KERRIGHED_CAP) | BIT(CAN_MIGRATE)))
		return 14;
	/* another process of the same user (a child, so CHANGE_KERRIGHED_CAP
	 * is inherited: IE above lacks it, so give it first) */
	if (caps_set(0, BIT(CHANGE_KERRIGHED_CAP), all_but_ckpt, BIT(CHANGE_KERRIGHED_CAP),
		     all_but_ckpt))
		return 15;
	if (pipe(fd))
		return 16;
	sib = fork();
	if (sib == 0) {
		char b;

		close(fd[1]);
		_exit(read(fd[0], &b, 1) == 1 ? 0 : 1);
	}
	close(fd[0]);
	if (caps_set(sib, BIT(CHANGE_KERRIGHED_CAP), BIT(CHANGE_KERRIGHED_CAP), 0, 0) ||
	    caps_get(sib, &c) || c.permitted != BIT(CHANGE_KERRIGHED_CAP))
		return 17;
	if (write(fd[1], "x", 1) != 1 || waitpid(sib, &status, 0) != sib)
		return 18;
	return 0;
}

/* A user changes its own processes within the rules: permitted only shrinks. */
TEST(user_changes_own)
{
	ASSERT_EQ(0, nl_open());
	EXPECT_EQ(0, in_child(user_on_own, NULL));
}

static int user_drops_change(void *fd)
{
	pid_t self = getpid();
	const __u32 p = ALL;

	if (become_user())
		return 10;
	if (caps_set(0, BIT(CAN_MIGRATE), p, BIT(CAN_MIGRATE), p))
		return 11;	/* drops CHANGE_KERRIGHED_CAP from effective */
	if (caps_set(0, BIT(CAN_MIGRATE), p, BIT(CAN_MIGRATE), p) != -EPERM || !nl_msg[0])
		return 12;	/* even a no-op change is refused now */
	if (caps_set(0, 0, 0, 0, 0) != -EPERM)
		return 13;
	/* tell the (root) parent who we are, wait until it changed us */
	if (write(((int *)fd)[1], &self, sizeof(self)) != sizeof(self))
		return 14;
	pause();
	return 15;
}

/* Without CHANGE_KERRIGHED_CAP a process cannot change its capabilities any
 * more; root (CAP_SYS_ADMIN) still can. */
TEST(change_cap_dropped)
{
	struct krg_caps c;
	int fd[2], status;
	pid_t child, pid;

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, pipe(fd));
	child = fork();
	if (child == 0) {
		close(nl_fd);
		_exit(nl_open() ? 100 : user_drops_change(fd));
	}
	ASSERT_EQ((ssize_t)sizeof(pid), read(fd[0], &pid, sizeof(pid)));
	EXPECT_EQ(child, pid);
	EXPECT_EQ(0, caps_set(child, BIT(CHANGE_KERRIGHED_CAP), ALL, 0, ALL)) TH_LOG("root: %s", nl_msg);
	EXPECT_EQ(0, caps_get(child, &c));
	EXPECT_CAPS(c, BIT(CHANGE_KERRIGHED_CAP), ALL, 0, ALL);
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("child exited %d", WEXITSTATUS(status));
}

/* Root may grow a permitted set again. */
TEST(root_grows_permitted)
{
	struct krg_caps c;

	ASSERT_EQ(0, nl_open());
	ASSERT_EQ(0, caps_set(0, 0, BIT(CHANGE_KERRIGHED_CAP), 0, 0));
	ASSERT_EQ(0, caps_set(0, ALL, ALL, ALL, ALL)) TH_LOG("%s", nl_msg);
	ASSERT_EQ(0, caps_get(0, &c));
	EXPECT_CAPS(c, ALL, ALL, ALL, ALL);
}

/* A PID of this node's slice that no process has: ESRCH. */
TEST(no_such_process)
{
	struct krg_caps c;
	pid_t free_pid = (KRG_PID_NODE(getpid()) + 1) * KRG_PID_PER_NODE - 1;

	ASSERT_EQ(0, nl_open());
	ASSERT_NE(0, kill(free_pid, 0)) TH_LOG("PID %d exists", free_pid);
	EXPECT_EQ(-ESRCH, caps_get(free_pid, &c));
	EXPECT_EQ(-ESRCH, caps_set(free_pid, 0, 0, 0, 0));
}

int main(int argc, char **argv)
{
	struct krg_caps c;

	if (argc == 2 && !strcmp(argv[1], "--print-caps")) {
		if (nl_open() || caps_get(0, &c))
			return 1;
		printf("%x %x %x %x\n", c.effective, c.permitted, c.inheritable_effective,
		       c.inheritable_permitted);
		return 0;
	}
	return test_harness_run(argc, argv);
}
