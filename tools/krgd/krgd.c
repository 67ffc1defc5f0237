// SPDX-License-Identifier: GPL-2.0
/*
 * krgd: the node daemon of Kerrighed's cluster environment (krgd(8)).
 *
 * Runs in the host's namespaces.  Raises kernel.pid_max to the cluster PID
 * space, starts krginit as PID 1 of a new PID and mount namespace and waits
 * (at most READY_MS) for its report that the kernel took the environment;
 * restarts it if it dies (at most RESTART_BURST times a minute).  Ends the
 * environment on SIGTERM/SIGINT or when this node leaves the cluster
 * (krg_comm event DOWN for itself), then exits.
 *
 * Without -f it daemonizes, and the command returns once the environment is
 * ready (0) or has failed (1, with the reason on stderr), so a launcher
 * (krgadm node start) knows the outcome.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "krg.h"
#include "krgd.h"

#define KRGD_VERSION		"0.1"
#define READY_MS		10000	/* krginit's start-up */
#define STOP_MS			8000	/* krginit gives its processes 5 s */
#define KILL_MS			3000	/* after SIGKILL */
#define ENV_GONE_MS		5000	/* the kernel's teardown of a dead krginit's */
#define RESTART_BURST		5
#define RESTART_WINDOW_MS	60000
#define REPORT_FD		3	/* krginit's report pipe, in krginit */

enum state { ST_STARTING, ST_RUNNING, ST_STOPPING, ST_KILLED };

static struct {
	char krginit[PATH_MAX];
	bool foreground;
	int pid_fd;
	int launcher_fd;		/* daemon's start-up report, -1 once sent */
	struct krg_handle *comm;
	uint32_t node_id;
	int sfd;
	pid_t init;			/* krginit, 0 if none */
	int ready_fd;			/* krginit's report, -1 once read */
	char report[KRGINIT_REPORT_MAX];
	size_t report_len;
	enum state st;
	bool ever_ready;		/* a krginit got ready once */
	bool kill_sent;			/* SIGKILL to a krginit not ready in time */
	long long deadline;		/* of the current state, 0 none */
	long long starts[RESTART_BURST];
	unsigned int nr_starts;
} d = { .pid_fd = -1, .launcher_fd = -1, .sfd = -1, .ready_fd = -1 };

/* The launcher's answer: "ok" or the reason it failed. */
static void tell_launcher(const char *failure)
{
	char line[KRGINIT_REPORT_MAX + 8];
	int n;

	if (d.launcher_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s\n", failure ? failure : "ok");
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(d.launcher_fd, line, (size_t)n) != n)
		logmsg("cannot answer the command that started krgd: %m");
	close(d.launcher_fd);
	d.launcher_fd = -1;
}

static void __attribute__((noreturn)) finish(int code, const char *failure)
{
	/* "ok" was sent when the environment got ready */
	tell_launcher(failure ? failure : "krgd stopped before the environment was ready");
	if (d.pid_fd >= 0)
		unlink(KRGD_PID_FILE);
	logmsg("exiting (%d)", code);
	exit(code);
}

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	char msg[KRGINIT_REPORT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	logmsg("%s", msg);
	finish(1, msg);
}

static void lock_pid_file(void)
{
	int pid;

	if (mkdir(KRG_RUN_DIR, 0755) && errno != EEXIST)
		fail("cannot create %s: %m", KRG_RUN_DIR);
	d.pid_fd = open(KRGD_PID_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d.pid_fd < 0)
		fail("cannot open %s: %m", KRGD_PID_FILE);
	if (flock(d.pid_fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		close(d.pid_fd);
		d.pid_fd = -1;	/* not ours: keep it */
		errno = e;
		if (e != EWOULDBLOCK)
			fail("cannot lock %s: %m", KRGD_PID_FILE);
		pid = krg_krgd_pid();
		if (pid > 0)
			fail("krgd is already running (pid %d)", pid);
		fail("krgd is already running (%s is locked)", KRGD_PID_FILE);
	}
}

static void write_pid_file(void)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(d.pid_fd, 0) || pwrite(d.pid_fd, buf, (size_t)n, 0) != n)
		fail("cannot write %s: %m", KRGD_PID_FILE);
}

/* Cluster PIDs use the whole 22-bit space: only ever raise pid_max. */
static void raise_pid_max(void)
{
	static const char path[] = "/proc/sys/kernel/pid_max";
	char buf[32];
	long cur = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		fail("cannot read %s: %m", path);
	fclose(f);
	cur = strtol(buf, NULL, 10);
	if (cur >= (long)KRG_PID_SPACE)
		return;
	f = fopen(path, "we");
	if (!f)
		fail("cannot open %s: %m", path);
	fprintf(f, "%u\n", KRG_PID_SPACE);
	if (fclose(f))
		fail("cannot set %s to %u: %m", path, KRG_PID_SPACE);
	logmsg("kernel.pid_max raised from %ld to %u", cur, KRG_PID_SPACE);
}

static void open_comm(void)
{
	struct krg_cluster_info ci;
	struct krg_err err;

	if (krg_open(&d.comm, &err) || krg_cluster_get(d.comm, &ci, &err))
		fail("%s", krg_err_str(&err));
	if (!ci.configured)
		fail("this node is not configured (krgadm node start configures it)");
	d.node_id = ci.node_id;
	if (krg_events_subscribe(d.comm, &err))
		fail("%s", krg_err_str(&err));
}

/* The launcher waits on a pipe until the daemon tells it how start-up went. */
static void daemonize(void)
{
	char buf[KRGINIT_REPORT_MAX + 8];
	int p[2], fd, status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		die(1, "pipe: %m");
	pid = fork();
	if (pid < 0)
		die(1, "fork: %m");
	if (pid) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		long long deadline = now_ms() + READY_MS + KILL_MS + 2000;

		close(p[1]);
		while (len < sizeof(buf) - 1) {
			n = poll(&pf, 1, ms_until(deadline));
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0) {
				fprintf(stderr, "krgd: %s after %d s (see %s)\n",
					"no answer from the daemon",
					(READY_MS + KILL_MS + 2000) / 1000, KRGD_LOG_FILE);
				exit(1);
			}
			n = read(p[0], buf + len, sizeof(buf) - 1 - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		buf[len] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, "ok"))
			exit(0);
		if (!len && waitpid(pid, &status, WNOHANG) >= 0)
			snprintf(buf, sizeof(buf), "the daemon died during start-up (see %s)",
				 KRGD_LOG_FILE);
		fprintf(stderr, "krgd: %s\n", buf);
		exit(1);
	}
	close(p[0]);
	d.launcher_fd = p[1];
	if (setsid() < 0)
		die(1, "setsid: %m");
	if (chdir("/"))
		die(1, "chdir /: %m");
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		die(1, "/dev/null: %m");
	close(fd);
	fd = open(KRGD_LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		die(1, "cannot open %s: %m", KRGD_LOG_FILE);
	close(fd);
}

static void setup_signals(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;

	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGHUP, &ign, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		fail("sigprocmask: %m");
	d.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d.sfd < 0)
		fail("signalfd: %m");
}

/* In the clone: default signals, the report pipe on REPORT_FD, exec. */
static void __attribute__((noreturn)) exec_krginit(int report)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	if (report != REPORT_FD && dup2(report, REPORT_FD) < 0)
		_exit(127);
	syscall(SYS_close_range, REPORT_FD + 1, ~0U, 0);
	execl(d.krginit, "krginit", "--ready-fd", "3", (char *)NULL);
	dprintf(REPORT_FD, KRGINIT_FAILED "cannot run %s: %m\n", d.krginit);
	_exit(127);
}

static void start_krginit(void)
{
	int p[2];
	long pid;

	if (pipe2(p, O_CLOEXEC))
		fail("pipe: %m");
	/* a fork that is PID 1 of a new PID namespace, in its own mount namespace */
	pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		fail("cannot create the PID and mount namespaces (clone): %m");
	if (!pid)
		exec_krginit(p[1]);
	close(p[1]);
	d.ready_fd = p[0];
	fcntl(d.ready_fd, F_SETFL, O_NONBLOCK);
	d.report_len = 0;
	d.init = (pid_t)pid;
	d.st = ST_STARTING;
	d.kill_sent = false;
	d.deadline = now_ms() + READY_MS;
	d.starts[d.nr_starts++ % RESTART_BURST] = now_ms();
	logmsg("started %s (pid %d)", d.krginit, d.init);
}

static void read_report(void)
{
	ssize_t n;

	n = read(d.ready_fd, d.report + d.report_len, sizeof(d.report) - 1 - d.report_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		d.report_len += (size_t)n;
	d.report[d.report_len] = '\0';
	if (n > 0 && !strchr(d.report, '\n') && d.report_len < sizeof(d.report) - 1)
		return;
	close(d.ready_fd);
	d.ready_fd = -1;
	d.report[strcspn(d.report, "\n")] = '\0';
	if (strcmp(d.report, KRGINIT_READY))
		return;		/* a failure: krginit exits, and logged it */
	d.st = ST_RUNNING;
	d.ever_ready = true;
	d.deadline = 0;
	logmsg("cluster environment of node %u ready (krginit pid %d)", d.node_id, d.init);
	tell_launcher(NULL);
}

static void request_stop(const char *why)
{
	if (d.st == ST_STOPPING || d.st == ST_KILLED)
		return;
	logmsg("%s: ending the cluster environment", why);
	if (!d.init)
		finish(0, NULL);
	if (kill(d.init, SIGTERM))
		logmsg("kill krginit: %m");
	d.st = ST_STOPPING;
	d.deadline = now_ms() + STOP_MS;
}

/* The kernel tears the old environment down after krginit's exit: a new
 * one can register once STATUS says NONE (else ENV_INIT: EBUSY).
 */
static void wait_env_gone(void)
{
	long long deadline = now_ms() + ENV_GONE_MS;
	struct krg_proc_status st;
	struct krg_handle *h;
	struct krg_err err;

	if (krg_proc_open(&h, &err)) {
		logmsg("%s", krg_err_str(&err));
		return;
	}
	while (!krg_proc_status(h, &st, &err) && st.env_state != KRG_PROC_ENV_NONE &&
	       ms_until(deadline) > 0)
		poll(NULL, 0, 50);
	if (st.env_state != KRG_PROC_ENV_NONE)
		logmsg("the old environment is still registered after %d s", ENV_GONE_MS / 1000);
	krg_close(h);
}

static void restart(void)
{
	unsigned int first = d.nr_starts % RESTART_BURST;

	if (d.nr_starts >= RESTART_BURST && now_ms() - d.starts[first] < RESTART_WINDOW_MS)
		fail("krginit failed %d times within %d s: giving up", RESTART_BURST,
		     RESTART_WINDOW_MS / 1000);
	wait_env_gone();
	start_krginit();
}

static void krginit_exited(int status)
{
	char how[64];

	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
	d.init = 0;
	if (d.ready_fd >= 0)
		read_report();
	switch (d.st) {
	case ST_STOPPING:
	case ST_KILLED:
		logmsg("krginit %s: cluster environment ended", how);
		finish(0, NULL);
	case ST_STARTING:
		/* a first start that fails is a setup problem: say why and stop */
		if (!d.ever_ready) {
			if (!strncmp(d.report, KRGINIT_FAILED, strlen(KRGINIT_FAILED)))
				fail("%s", d.report + strlen(KRGINIT_FAILED));
			fail("krginit %s before the environment was ready", how);
		}
		logmsg("krginit %s before the environment was ready", how);
		restart();
		return;
	case ST_RUNNING:
		if (WIFEXITED(status) && WEXITSTATUS(status) == KRGINIT_EXIT_ENDED)
			fail("the kernel ended the cluster environment");
		logmsg("krginit %s unexpectedly (its processes are gone): restarting it", how);
		restart();
		return;
	}
}

static void handle_signals(void)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(d.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			request_stop(si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == d.init)
			krginit_exited(status);
}

static int on_event(const struct krg_event *ev, void *arg)
{
	(void)arg;
	if (ev->node_id == d.node_id && ev->event == KRG_EVENT_DOWN)
		request_stop("this node left the cluster");
	return 0;
}

static void handle_events(void)
{
	struct krg_cluster_info ci;
	struct krg_err err;

	if (krg_events_recv(d.comm, on_event, NULL, &err) >= 0)
		return;
	/* events may be lost (socket overrun): look at our state instead */
	logmsg("membership events: %s", krg_err_str(&err));
	if (krg_cluster_get(d.comm, &ci, &err))
		request_stop("krg_comm does not answer");
	else if (!ci.configured)
		request_stop("this node is no longer configured");
}

static void on_deadline(void)
{
	switch (d.st) {
	case ST_STARTING:
		if (d.kill_sent)
			break;
		logmsg("krginit not ready after %d s: killing it", READY_MS / 1000);
		kill(d.init, SIGKILL);
		d.kill_sent = true;
		d.deadline = now_ms() + KILL_MS;
		return;
	case ST_STOPPING:
		logmsg("krginit still running after %d s: SIGKILL", STOP_MS / 1000);
		kill(d.init, SIGKILL);
		d.st = ST_KILLED;
		d.deadline = now_ms() + KILL_MS;
		return;
	default:
		break;
	}
	fail("krginit (pid %d) does not die", d.init);
}

static void find_krginit(const char *opt_path)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (opt_path) {
		snprintf(d.krginit, sizeof(d.krginit), "%s", opt_path);
	} else {
		/* beside krgd */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			die(1, "readlink /proc/self/exe: %m");
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(d.krginit, sizeof(d.krginit), "%.*s/krginit", PATH_MAX - 16, self);
	}
	if (access(d.krginit, X_OK))
		die(1, "%s: %m (--krginit PATH names it)", d.krginit);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: krgd [-f] [--krginit PATH]\n"
		"Runs this node's Kerrighed cluster environment (krgd(8)).\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"      --krginit PATH  the environment's PID 1 (default: krginit beside krgd)\n"
		"  -h, --help          this help\n"
		"  -V, --version       version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "krginit", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *init_path = NULL;
	int c;

	log_init("krgd");
	while ((c = getopt_long(argc, argv, "fhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 'i':
			init_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("krgd %s\n", KRGD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc)
		die(1, "unexpected argument \"%s\"", argv[optind]);
	if (geteuid())
		die(1, "krgd must run as root");
	find_krginit(init_path);
	umask(022);
	lock_pid_file();
	/* from here on, failures reach the launcher through daemonize()'s pipe */
	if (!d.foreground)
		daemonize();
	write_pid_file();
	open_comm();
	logmsg("krgd %s starting on node %u", KRGD_VERSION, d.node_id);
	raise_pid_max();
	setup_signals();
	start_krginit();

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = d.sfd, .events = POLLIN },
			{ .fd = krg_events_fd(d.comm), .events = POLLIN },
			{ .fd = d.ready_fd, .events = POLLIN },
		};
		int ret = poll(p, d.ready_fd >= 0 ? 3 : 2, ms_until(d.deadline));

		if (ret < 0) {
			if (errno != EINTR)
				fail("poll: %m");
			continue;
		}
		/* the report first: krginit may report and die in one go */
		if (d.ready_fd >= 0 && p[2].revents)
			read_report();
		if (p[0].revents)
			handle_signals();
		if (p[1].revents)
			handle_events();
		if (d.deadline && now_ms() >= d.deadline)
			on_deadline();
	}
}
