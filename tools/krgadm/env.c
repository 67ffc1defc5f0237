// SPDX-License-Identifier: GPL-2.0
/*
 * The node's cluster environment as krgadm sees it (family krg_proc, krgd):
 * started by "node start" (default capabilities, then krgd, then a bounded
 * wait for ENV_STATE READY), stopped first by "node stop", checked by
 * "nodes del" (LEAVE_CHECK) and shown by "check".
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "krgadm.h"

#define READY_WAIT_S	10
#define STOP_WAIT_MS	15000	/* krgd gives krginit 8 s, krginit its processes 5 */
#define KILL_WAIT_MS	3000

/* krgd beside krgadm (an installed pair, build/bin), else from PATH. */
static void krgd_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	snprintf(buf, len, "krgd");
	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	strcpy(slash + 1, "krgd");
	if (!access(self, X_OK))
		snprintf(buf, len, "%s", self);
}

/* Waits (bounded) until STATUS says READY; 0 or an exit code. */
static int wait_ready(struct krg_handle *h, struct krg_proc_status *st)
{
	double deadline = now_s() + READY_WAIT_S;
	struct krg_err err;

	for (;;) {
		if (krg_proc_status(h, st, &err))
			return fail_err(&err);
		if (st->env_state == KRG_PROC_ENV_READY)
			return 0;
		if (now_s() >= deadline)
			return fail("the cluster environment is not ready after %d s (see %s)",
				    READY_WAIT_S, KRGD_LOG_FILE);
		sleep_ms(50);
	}
}

int env_start(const struct krg_conf *conf)
{
	struct krg_proc_status st;
	struct krg_err err;
	struct krg_caps caps;
	struct krg_handle *h;
	char path[PATH_MAX];
	int pid, ret;

	if (krg_proc_open(&h, &err)) {
		if (err.code != -ENOENT)
			return fail_err(&err);
		warn("krg_proc is loaded but has no netlink family: %s",
		     "this node gets no cluster environment");
		return EXIT_DEGRADED;
	}
	/* before krgd: krginit and every job get these */
	krg_conf_default_caps(conf->capabilities, &caps);
	if (krg_proc_config_set(h, &caps, &err)) {
		krg_close(h);
		return fail("cannot set the default capabilities: %s", krg_err_str(&err));
	}
	pid = krg_krgd_pid();
	if (pid == 0) {
		char *const argv[] = { path, NULL };

		krgd_path(path, sizeof(path));
		/* krgd returns once the environment is ready or says why not */
		ret = run_prog(argv, false);
		if (ret) {
			krg_close(h);
			return ret < 0 ? fail("cannot run %s: %s", path, strerror(errno)) :
				fail("krgd failed (exit %d); its log: %s", ret, KRGD_LOG_FILE);
		}
		pid = krg_krgd_pid();
	}
	ret = wait_ready(h, &st);
	krg_close(h);
	if (!ret && !opt.json)
		printf("cluster environment ready: krgd pid %d, krginit pid %u, PIDs %u-%u\n",
		       pid, st.init_pid, st.pid_min, st.pid_max - 1);
	return ret;
}

/* Waits for a pidfd's process to exit, up to ms; true if it did. */
static bool wait_exit(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	double deadline = now_s() + ms / 1000.0;
	int ret;

	do {
		ret = poll(&p, 1, ms);
		ms = (int)((deadline - now_s()) * 1000);
	} while (ret < 0 && errno == EINTR && ms > 0);
	return ret > 0;
}

/* Kills krginit too: a krgd that does not stop may have left it behind. */
static void kill_environment(int krgd_fd)
{
	struct krg_proc_status st;
	struct krg_handle *h;
	struct krg_err err;

	pidfd_send_signal(krgd_fd, SIGKILL, NULL, 0);
	if (!krg_proc_open(&h, &err)) {
		if (!krg_proc_status(h, &st, &err) && st.init_pid)
			kill((pid_t)st.init_pid, SIGKILL);
		krg_close(h);
	}
}

int env_stop(void)
{
	int pid = krg_krgd_pid(), fd, ret = EXIT_OK;

	if (pid == 0)
		return EXIT_OK;
	if (pid < 0)
		return fail("cannot tell whether krgd runs (%s): %s", KRGD_PID_FILE,
			    strerror(-pid));
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return errno == ESRCH ? EXIT_OK : fail("krgd (pid %d): %s", pid, strerror(errno));
	if (pidfd_send_signal(fd, SIGTERM, NULL, 0) && errno != ESRCH) {
		ret = fail("cannot stop krgd (pid %d): %s", pid, strerror(errno));
	} else if (!wait_exit(fd, STOP_WAIT_MS)) {
		warn("krgd (pid %d) did not stop within %d s: killing it and krginit", pid,
		     STOP_WAIT_MS / 1000);
		kill_environment(fd);
		if (!wait_exit(fd, KILL_WAIT_MS))
			ret = fail("krgd (pid %d) does not die", pid);
	}
	close(fd);
	return ret;
}

int env_leave_check(const struct krg_nodeset *set, bool kill_them)
{
	struct krg_err err;
	struct krg_handle *h;
	int ret;

	if (krg_proc_open(&h, &err))
		/* no krg_proc here: no cluster processes anywhere */
		return err.code == -ENOENT ? 0 : fail_err(&err);
	ret = krg_proc_leave_check(h, set, kill_them, &err);
	krg_close(h);
	return ret ? fail_err(&err) : 0;
}

/* One row: the environment's state; *ret becomes EXIT_DEGRADED if krg_proc
 * is there and the environment is not.
 */
void env_check(struct libscols_table *tb, int *ret)
{
	struct libscols_line *ln;
	struct krg_proc_status st;
	struct krg_err err;
	struct krg_handle *h;
	char caps[160];
	int pid;

	if (krg_proc_open(&h, &err)) {
		if (err.code == -ENOENT)
			return;		/* the family row says absent */
		ln = krg_table_row(tb);
		krg_cell_str(ln, 0, "feature cluster environment");
		krg_cell_str(ln, 1, "unavailable");
		krg_cell_str(ln, 2, krg_err_str(&err));
		*ret = EXIT_DEGRADED;
		return;
	}
	ln = krg_table_row(tb);
	krg_cell_str(ln, 0, "feature cluster environment");
	if (krg_proc_status(h, &st, &err)) {
		krg_cell_str(ln, 1, "unavailable");
		krg_cell_str(ln, 2, krg_err_str(&err));
		*ret = EXIT_DEGRADED;
	} else {
		char krgd[32] = "not running";

		pid = krg_krgd_pid();
		if (pid > 0)
			snprintf(krgd, sizeof(krgd), "pid %d", pid);
		krg_cap_list_format(st.default_caps.effective, caps, sizeof(caps));
		krg_cell_str(ln, 1, krg_env_state_name(st.env_state));
		if (st.env_state == KRG_PROC_ENV_READY)
			krg_cell_fmt(ln, 2,
				     "node %u, PIDs %u-%u, krgd %s, krginit pid %u, %u %s; %s%s",
				     st.node_id, st.pid_min, st.pid_max - 1, krgd, st.init_pid,
				     st.nr_local, st.nr_local == 1 ? "process" : "processes",
				     "new jobs: ", caps[0] ? caps : "-");
		else
			krg_cell_fmt(ln, 2, "node %u, krgd %s; new jobs: %s", st.node_id, krgd,
				     caps[0] ? caps : "-");
		if (st.env_state != KRG_PROC_ENV_READY)
			*ret = EXIT_DEGRADED;
	}
	krg_close(h);
}
