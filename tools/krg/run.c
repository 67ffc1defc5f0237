// SPDX-License-Identifier: GPL-2.0
/*
 * krg run, krg shell: a command as a cluster process of this node.
 *
 * krg enters krginit's PID and mount namespaces (the only privileged step),
 * drops root for good, and forks: the child is the first cluster process of
 * the job, in a process group of its own that becomes the terminal's
 * foreground group; it execs the command with the caller's own environment.
 * The parent stays outside the cluster in the caller's session and does a
 * shell's job control for that one job: it stops when the job stops (so the
 * caller's shell sees a stopped job), gives the terminal back and continues
 * the job when it is continued, forwards SIGINT/SIGQUIT/SIGTERM/SIGHUP sent
 * to it to the job, and exits with the job's status (128+N for signal N).
 *
 * With -n NODE the job is moved to NODE before it execs (run_node.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "krg_tool.h"

extern char **environ;

static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define NR_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* where the job must start, if not here */
struct start_node {
	bool move;
	uint32_t node;
};

/* set before the forwarded signals are unblocked */
static pid_t job_pgid;

static void forward(int sig)
{
	if (job_pgid)
		kill(-job_pgid, sig);
}

static char **saved_env;

char **saved_environ(void)
{
	return saved_env;
}

void environ_load(void)
{
	size_t len = 0, cap = 4096, n = 0, i;
	char *buf = malloc(cap), **envp;
	ssize_t r;
	int fd;

	fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		fail("cannot read the environment (/proc/self/environ): %s", strerror(errno));
		exit(EXIT_ERR);
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *bigger = realloc(buf, cap *= 2);

			if (!bigger)
				exit(fail("out of memory"));
			buf = bigger;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			exit(fail("cannot read /proc/self/environ: %s", strerror(errno)));
		if (!r)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		n += !buf[i];
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp)
		exit(fail("out of memory"));
	for (i = 0, n = 0; i < len; i += strlen(buf + i) + 1)
		if (buf[i])
			envp[n++] = buf + i;
	saved_env = envp;
}

const char *saved_getenv(char **envp, const char *name)
{
	size_t len = strlen(name);

	for (; *envp; envp++)
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/*
 * Joins krginit's PID and mount namespaces.  The pidfd pins the process we
 * checked: STATUS before and after pidfd_open() name the same krginit, so
 * the pidfd is krginit's and not a recycled PID's.
 */
static int enter_environment(uint32_t *node_id)
{
	struct krg_proc_status st, again;
	struct krg_handle *h;
	struct krg_err err;
	int pidfd, ret;

	if (open_proc(&h, &st))
		return EXIT_ERR;
	*node_id = st.node_id;
	if (st.env_state != KRG_PROC_ENV_READY || !st.init_pid) {
		krg_close(h);
		return fail("node %u has no cluster environment (%s)", st.node_id,
			    st.env_state != KRG_PROC_ENV_READY ?
			    "krgd is not running: krgadm node start starts it" :
			    "it is not visible from this PID namespace");
	}
	if (st.init_pid == 1) {		/* already inside */
		krg_close(h);
		return 0;
	}
	pidfd = (int)syscall(SYS_pidfd_open, st.init_pid, 0);
	ret = krg_proc_status(h, &again, &err);
	krg_close(h);
	if (pidfd < 0)
		return fail("cannot reach krginit (pid %u): %s", st.init_pid, strerror(errno));
	if (ret || again.init_pid != st.init_pid) {
		close(pidfd);
		return ret ? fail_err(&err) :
			fail("the cluster environment restarted meanwhile; try again");
	}
	ret = priv_raise();
	if (!ret && setns(pidfd, CLONE_NEWPID | CLONE_NEWNS))
		ret = -errno;
	priv_drop();
	close(pidfd);
	if (ret == -EPERM && priv_real_uid())
		return fail("cannot enter the cluster environment: %s (krg must be installed %s)",
			    strerror(EPERM), "setuid root, mode 4755");
	if (ret)
		return fail("cannot enter the cluster environment: %s", strerror(-ret));
	return 0;
}

/* The controlling terminal if our process group has it, else -1. */
static int job_terminal(void)
{
	int fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (isatty(fd) && tcgetpgrp(fd) == getpgrp())
			return fd;
	return -1;
}

static void __attribute__((noreturn)) exec_job(char **argv, char **envp, int tty,
					       const sigset_t *mask, int pid_fd)
{
	int e;

	if (setpgid(0, 0))
		fprintf(stderr, "krg: setpgid: %s\n", strerror(errno));
	/* SIGTTOU is still blocked: a background group may take the terminal */
	if (tty >= 0 && tcsetpgrp(tty, getpgrp()))
		fprintf(stderr, "krg: tcsetpgrp: %s\n", strerror(errno));
	if (pid_fd >= 0)
		job_await_move(pid_fd);
	sigprocmask(SIG_SETMASK, mask, NULL);
	environ = envp;
	execvp(argv[0], argv);
	e = errno;
	fprintf(stderr, "krg: %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/*
 * The job stopped: take the terminal back, stop like it; once continued,
 * give the terminal to the job if we are in the foreground now (fg after a
 * start in the background, or not after bg), and continue it.  Returns the
 * terminal the job has, or -1.
 */
static int job_stopped(pid_t pgid, int sig, int tty, const struct termios *own)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct termios job_modes;
	bool modes = false;

	if (tty >= 0) {
		modes = !tcgetattr(tty, &job_modes);
		tcsetpgrp(tty, getpgrp());
		if (own)
			tcsetattr(tty, TCSADRAIN, own);
	}
	sigaction(SIGTSTP, &dfl, NULL);
	/* in an orphaned process group SIGTSTP is discarded: the job goes on */
	raise(sig == SIGSTOP ? SIGSTOP : SIGTSTP);
	tty = job_terminal();
	if (tty >= 0) {
		if (modes)
			tcsetattr(tty, TCSADRAIN, &job_modes);
		tcsetpgrp(tty, pgid);
	}
	kill(-pgid, SIGCONT);
	return tty;
}

static int run_job(char **argv, char **envp, const struct start_node *where)
{
	struct sigaction fwd = { .sa_handler = forward, .sa_flags = SA_RESTART };
	int tty, status, pipefd[2] = { -1, -1 };
	struct termios own;
	sigset_t block, old;
	bool own_modes;
	size_t i;
	pid_t pid;

	if (where->move && pipe2(pipefd, O_CLOEXEC))
		return fail("pipe: %s", strerror(errno));
	tty = job_terminal();
	own_modes = tty >= 0 && !tcgetattr(tty, &own);
	sigemptyset(&block);
	for (i = 0; i < NR_FORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	sigaddset(&block, SIGTTOU);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (!pid) {
		if (where->move)
			close(pipefd[0]);
		exec_job(argv, envp, tty, &old, pipefd[1]);
	}
	if (where->move)
		close(pipefd[1]);
	/* both sides set the group, as shells do, so neither can race the other */
	if (setpgid(pid, pid) && errno != EACCES && errno != ESRCH)
		warn("setpgid %d: %s", (int)pid, strerror(errno));
	job_pgid = pid;
	if (tty >= 0 && tcsetpgrp(tty, pid) && errno != EPERM)
		warn("tcsetpgrp: %s", strerror(errno));
	/* a signal ignored on entry (a shell's background job) stays ignored,
	 * as it would for the command run locally
	 */
	for (i = 0; i < NR_FORWARDED; i++) {
		struct sigaction was;

		if (!sigaction(forwarded[i], NULL, &was) && was.sa_handler != SIG_IGN)
			sigaction(forwarded[i], &fwd, NULL);
	}
	sigdelset(&block, SIGTTOU);	/* stays blocked: tcsetpgrp from the background */
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (where->move) {
		status = job_move(pid, pipefd[0], where->node);
		close(pipefd[0]);
		if (status) {
			if (tty >= 0)
				tcsetpgrp(tty, getpgrp());
			return EXIT_ERR;
		}
	}

	for (;;) {
		if (waitpid(pid, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			return fail("waitpid: %s", strerror(errno));
		}
		if (WIFSTOPPED(status)) {
			tty = job_stopped(pid, WSTOPSIG(status), tty, own_modes ? &own : NULL);
			continue;
		}
		if (tty >= 0)
			tcsetpgrp(tty, getpgrp());
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
}

/* Enters the environment, back in the caller's directory, runs argv (on
 * node *node if not NULL).
 */
static int run(char **argv, char **envp, const uint32_t *node)
{
	struct start_node where = { false, 0 };
	char cwd[PATH_MAX];
	bool have_cwd = !!getcwd(cwd, sizeof(cwd));
	uint32_t here;
	int ret;

	ret = enter_environment(&here);
	if (ret)
		return ret;
	if (node && *node != here)
		where = (struct start_node){ true, *node };
	/* setns(CLONE_NEWNS) moved us to the namespace's root */
	if (!have_cwd || chdir(cwd)) {
		warn("cannot return to %s in the cluster environment (%s): running in /",
		     have_cwd ? cwd : "the current directory", strerror(errno));
		if (chdir("/"))
			return fail("chdir /: %s", strerror(errno));
	}
	return run_job(argv, envp, &where);
}

int cmd_run(int argc, char **argv)
{
	bool on_node = false;
	uint32_t node;
	int first = 1;

	while (first < argc && argv[first][0] == '-') {
		const char *arg = argv[first++];

		if (!strcmp(arg, "--"))
			break;
		if (strcmp(arg, "-n") && strcmp(arg, "--node"))
			return fail("unknown option \"%s\" for run (put \"--\" before a command %s)",
				    arg, "that starts with '-'");
		if (first == argc)
			return fail("option \"%s\" needs a node", arg);
		if (parse_node(argv[first++], &node))
			return EXIT_ERR;
		on_node = true;
	}
	if (first >= argc)
		return fail("run needs a command: krg run [-n NODE] [--] CMD [ARGS...]");
	return run(argv + first, saved_environ(), on_node ? &node : NULL);
}

int cmd_shell(int argc, char **argv)
{
	char **envp = saved_environ();
	const char *shell = saved_getenv(envp, "SHELL");
	struct passwd *pw;
	char *args[3];

	if (argc > 1)
		return fail("unexpected argument \"%s\" (krg shell takes none)", argv[1]);
	if (!shell || !*shell) {
		pw = getpwuid(priv_real_uid());
		shell = pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
	}
	args[0] = (char *)shell;
	args[1] = "-l";
	args[2] = NULL;
	return run(args, envp, NULL);
}
