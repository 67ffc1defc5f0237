// SPDX-License-Identifier: GPL-2.0
/*
 * krginit: PID 1 of a node's cluster environment (krgd(8)).
 *
 * krgd starts it in a fresh PID and mount namespace.  It makes / a slave
 * mount, mounts the namespace's own /proc, binds the cluster-wide files of
 * krg_proc over /proc/{meminfo,stat,loadavg,cpuinfo,uptime}, registers the
 * namespace with the kernel (ioctl ENV_INIT on /dev/krg_proc, the file stays
 * open for life), lends two agent threads to the kernel (ioctl AGENT),
 * starts a restorer thread that creates, for each process migrating to this
 * node, the child that becomes it (ioctl RESTORER_WAIT; restorer.c), then
 * reaps orphans forever: those of the environment, the restorers that
 * failed, and the migrated processes that end here.  SIGTERM from outside
 * the environment (krgd) ends it: its processes get SIGTERM, 5 s to go, then
 * krginit exits and the kernel kills what is left.  Nothing inside the
 * environment can stop it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "krg.h"
#include "krgd.h"
#include "restorer.h"

#define NR_AGENTS		2
#define STOP_GRACE_MS		5000
#define STOP_POLL_MS		100
#define AGENT_BACKOFF_MAX_MS	10000

static int report_fd = -1;
static int env_fd = -1;
static int ended_fd = -1;

/* One line to krgd, once. */
static void tell_krgd(const char *fmt, ...)
{
	char line[KRGINIT_REPORT_MAX];
	va_list ap;
	int n;

	if (report_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(report_fd, line, (size_t)n) != n)
		logmsg("cannot report to krgd: %m");
	close(report_fd);
	report_fd = -1;
}

static void __attribute__((format(printf, 1, 2), noreturn)) fail_setup(const char *fmt, ...)
{
	char msg[KRGINIT_REPORT_MAX - 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	logmsg("%s", msg);
	tell_krgd(KRGINIT_FAILED "%s", msg);
	exit(KRGINIT_EXIT_SETUP);
}

/*
 * SIGCHLD and SIGTERM come through a signalfd; every other signal is
 * ignored (a PID 1 ignores signals from its namespace that it does not
 * handle, and from outside only krgd should talk to us).  Faults still kill.
 */
static int setup_signals(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;
	int sig, fd;

	for (sig = 1; sig < NSIG; sig++) {
		switch (sig) {
		case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGTERM:
		case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGABRT:
		case SIGTRAP: case SIGSYS:
			continue;
		}
		sigaction(sig, &ign, NULL);	/* EINVAL for glibc's own RT signals */
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		fail_setup("sigprocmask: %m");
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		fail_setup("signalfd: %m");
	return fd;
}

static void setup_mounts(void)
{
	static const char *const files[] = { "meminfo", "stat", "loadavg", "cpuinfo", "uptime" };
	char src[64], dst[32];
	size_t i;

	/* host mounts still propagate in, ours never leak out */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		fail_setup("cannot make / a slave mount: %m");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		fail_setup("cannot mount the environment's /proc: %m");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(src, sizeof(src), "/proc/kerrighed/cluster/%s", files[i]);
		snprintf(dst, sizeof(dst), "/proc/%s", files[i]);
		if (access(src, F_OK))
			logmsg("%s: %m: /proc/%s keeps this node's view", src, files[i]);
		else if (mount(src, dst, NULL, MS_BIND, NULL))
			logmsg("cannot bind %s over %s: %m", src, dst);
	}
}

static int env_init(void)
{
	struct krg_proc_env_init req = { .version = KRG_PROC_ENV_VERSION, .flags = 0 };
	int fd;

	fd = open("/dev/" KRG_PROC_DEV_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fail_setup("cannot open /dev/%s: %m (krg_proc is not loaded or provides no device)",
			   KRG_PROC_DEV_NAME);
	if (fd < 0)
		fail_setup("cannot open /dev/%s: %m", KRG_PROC_DEV_NAME);
	if (!ioctl(fd, KRG_PROC_IOC_ENV_INIT, &req))
		return fd;
	switch (errno) {
	case ENOTTY:
		fail_setup("ioctl ENV_INIT on /dev/%s: %m (this krg_proc does not know it)",
			   KRG_PROC_DEV_NAME);
	case EBUSY:
		fail_setup("ioctl ENV_INIT: %m: this node has a cluster environment already");
	case EINVAL:
		fail_setup("ioctl ENV_INIT: %m: the kernel does not take this namespace %s",
			   "(not PID 1 of a new PID namespace with its own /proc?)");
	default:
		fail_setup("ioctl ENV_INIT on /dev/%s: %m", KRG_PROC_DEV_NAME);
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * After a failed ioctl (errno) of a thread lent to the kernel: a back-off,
 * not for synchronisation, so that a failing call cannot spin; each new
 * error is logged once.
 */
static void retry_later(const char *who, const char *call, unsigned int *backoff, int *last)
{
	if (errno != *last)
		logmsg("%s: ioctl %s: %m (retrying)", who, call);
	*last = errno;
	*backoff = *backoff ? *backoff * 2 : 100;
	if (*backoff > AGENT_BACKOFF_MAX_MS)
		*backoff = AGENT_BACKOFF_MAX_MS;
	sleep_ms(*backoff);
}

/* Lends this thread to the kernel until the environment ends. */
static void *agent_loop(void *arg)
{
	long id = (long)arg;
	unsigned int backoff = 0;
	int last = 0;
	uint64_t one = 1;
	char who[24];

	snprintf(who, sizeof(who), "agent %ld", id);
	for (;;) {
		if (!ioctl(env_fd, KRG_PROC_IOC_AGENT))
			break;
		if (errno != EINTR)
			retry_later(who, "AGENT", &backoff, &last);
	}
	logmsg("agent %ld: the environment ended", id);
	if (write(ended_fd, &one, sizeof(one)) != sizeof(one))
		logmsg("agent %ld: eventfd: %m", id);
	return NULL;
}

/*
 * Waits for processes migrating here and creates their restorers, until the
 * environment ends.  A kernel without migration (ENOTTY) needs none.
 */
static void *restorer_loop(void *arg)
{
	struct krg_proc_restore_job job;
	unsigned int backoff = 0;
	int last = 0;
	sigset_t all;

	(void)arg;
	/*
	 * Every signal blocked: the restorers inherit the mask, so a signal
	 * sent to the PID before the process is restored is neither dropped
	 * (krginit's SIG_IGN) nor fatal; the kernel restores the process's
	 * own mask and the signal is delivered to it.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		memset(&job, 0, sizeof(job));
		if (ioctl(env_fd, KRG_PROC_IOC_RESTORER_WAIT, &job)) {
			if (errno == ENOTTY) {
				logmsg("restorer: this krg_proc does not migrate processes: %s",
				       "no restorer");
				return NULL;
			}
			if (errno != EINTR)
				retry_later("restorer", "RESTORER_WAIT", &backoff, &last);
			continue;
		}
		backoff = 0;
		last = 0;
		if (!job.id)
			break;
		restorer_spawn(env_fd, &job);
	}
	logmsg("restorer: the environment ended");
	return NULL;
}

static void start_thread(void *(*fn)(void *), void *arg, const char *what)
{
	pthread_t t;
	int ret;

	ret = pthread_create(&t, NULL, fn, arg);
	if (ret) {
		errno = ret;
		fail_setup("cannot start the %s thread: %m", what);
	}
	pthread_detach(t);
}

static void start_threads(void)
{
	long i;

	for (i = 0; i < NR_AGENTS; i++)
		start_thread(agent_loop, (void *)i, "agent");
	start_thread(restorer_loop, NULL, "restorer");
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
}

/* Reaps, and tells whether krgd asked us to stop. */
static bool handle_signals(int sfd)
{
	static long long last_warn;
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGTERM)
			continue;
		/* a sender outside our namespace has no PID here */
		if (!si.ssi_pid) {
			stop = true;
		} else if (now_ms() - last_warn > 10000) {
			last_warn = now_ms();
			logmsg("SIGTERM from pid %u (uid %u) inside the environment ignored",
			       si.ssi_pid, si.ssi_uid);
		}
	}
	reap();
	return stop;
}

struct walk {
	uint32_t node;
	int sig;
	unsigned int count;
};

static int signal_one(const struct krg_proc_info *p, void *arg)
{
	struct walk *w = arg;

	if (p->pid <= 1 || p->node != w->node || p->state == 'Z' || p->state == 'X')
		return 0;
	w->count++;
	if (w->sig && kill((pid_t)p->pid, w->sig) && errno != ESRCH)
		logmsg("kill %u: %m", p->pid);
	return 0;
}

/* Sends sig (0: none) to every live cluster process of this node; -1 if
 * they cannot be listed, else how many there were.
 */
static int signal_local(struct krg_handle *h, uint32_t node, int sig)
{
	struct krg_nodeset self;
	struct krg_ps_filter f = { .nodes = &self };
	struct krg_err err;
	struct walk w = { node, sig, 0 };

	krg_nodeset_zero(&self);
	krg_nodeset_add(&self, node);
	if (krg_proc_ps(h, &f, signal_one, &w, &err)) {
		logmsg("cannot list this node's processes: %s", krg_err_str(&err));
		return -1;
	}
	return (int)w.count;
}

/*
 * Not kill(-1): in the environment that reaches every node.  This node's
 * processes come from a PS dump of this node.
 */
static void stop_env(int sfd)
{
	long long deadline = now_ms() + STOP_GRACE_MS;
	struct krg_proc_status st;
	struct krg_handle *h = NULL;
	struct krg_err err;
	int left;

	if (krg_proc_open(&h, &err) || krg_proc_status(h, &st, &err)) {
		logmsg("cannot list this node's processes (%s): the kernel kills them",
		       krg_err_str(&err));
		krg_close(h);
		return;
	}
	left = signal_local(h, st.node_id, SIGTERM);
	if (left > 0)
		logmsg("SIGTERM sent to %d process%s; waiting up to %d s", left,
		       left == 1 ? "" : "es", STOP_GRACE_MS / 1000);
	while (left > 0 && ms_until(deadline) > 0) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		int ms = ms_until(deadline);

		if (poll(&p, 1, ms < STOP_POLL_MS ? ms : STOP_POLL_MS) < 0 && errno != EINTR)
			break;
		handle_signals(sfd);
		left = signal_local(h, st.node_id, 0);
	}
	if (left > 0)
		logmsg("%d process%s still running: the kernel kills %s", left,
		       left == 1 ? "" : "es", left == 1 ? "it" : "them");
	krg_close(h);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: krginit [--ready-fd FD]\n"
		"PID 1 of this node's Kerrighed cluster environment; krgd starts it.\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 3 || v > 1023 || fcntl((int)v, F_GETFD) < 0)
				die(KRGINIT_EXIT_SETUP, "--ready-fd: \"%s\" is not %s", optarg,
				    "an open file descriptor");
			report_fd = (int)v;
			fcntl(report_fd, F_SETFD, FD_CLOEXEC);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(KRGINIT_EXIT_SETUP);
		}
	}
	if (optind < argc)
		die(KRGINIT_EXIT_SETUP, "unexpected argument \"%s\"", argv[optind]);
}

int main(int argc, char **argv)
{
	int sfd;

	log_init("krginit");
	parse_args(argc, argv);
	if (getpid() != 1)
		fail_setup("must run as PID 1 of a new PID namespace (%s), not as pid %d",
			   "krgd starts it", (int)getpid());
	sfd = setup_signals();
	setup_mounts();
	env_fd = env_init();
	ended_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ended_fd < 0)
		fail_setup("eventfd: %m");
	start_threads();
	logmsg("cluster environment registered, %d agents and a restorer", NR_AGENTS);
	tell_krgd(KRGINIT_READY);

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN }, { .fd = ended_fd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR) {
				logmsg("poll: %m");
				sleep_ms(1000);
			}
			continue;
		}
		if ((p[0].revents & POLLIN) && handle_signals(sfd)) {
			logmsg("stop requested: ending the cluster environment");
			stop_env(sfd);
			return 0;
		}
		if (p[1].revents & POLLIN) {
			logmsg("the kernel ended the cluster environment");
			return KRGINIT_EXIT_ENDED;
		}
	}
}
