// SPDX-License-Identifier: GPL-2.0
/*
 * /proc reads racing with exits, for the krg_proc tests (run inside the
 * cluster environment):
 *
 *   proc_race churn SECONDS   keep 8 short-lived children (1-5 ms each) alive
 *                             for SECONDS; prints "churned=N"
 *   proc_race read SECONDS    for SECONDS, list /proc and read the files of
 *                             every process of ANOTHER node (status, stat,
 *                             statm, cmdline, comm, environ, limits, exe,
 *                             cwd, fd/); prints "remote_pids=N reads_ok=N
 *                             vanished=N unexpected=N max_read_ms=N"
 *
 * A file of a process that just exited may fail with ENOENT or ESRCH
 * ("vanished"; reading it empty counts as a read).  Any other error is
 * "unexpected" (printed) and makes the exit status 1, as does reading
 * nothing of another node at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/krg_proc.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int churn(double secs)
{
	double end = now() + secs;
	long n = 0;
	int live = 0;
	pid_t p;

	while (now() < end) {
		while (live < 8) {
			p = fork();
			if (p == 0) {
				usleep(1000 + (unsigned int)(rand() % 4000));
				_exit(0);
			}
			if (p < 0) {
				perror("proc_race: fork");
				return 1;
			}
			live++;
			n++;
		}
		if (wait(NULL) > 0)
			live--;
	}
	while (wait(NULL) > 0)
		;
	printf("churned=%ld\n", n);
	return 0;
}

static long ok, vanished, unexpected;
static double max_ms;

static void tally(int err, const char *what, int pid)
{
	if (!err) {
		ok++;
	} else if (err == ENOENT || err == ESRCH) {
		vanished++;
	} else {
		unexpected++;
		if (unexpected <= 20)
			printf("unexpected %s of /proc/%d: %s\n", what, pid,
			       strerrorname_np(err) ?: "E?");
	}
}

static void read_one(int pid)
{
	static const char *const files[] = {
		"status", "stat", "statm", "cmdline", "comm", "environ", "limits",
	};
	char path[64], buf[8192];
	double t0 = now(), ms;
	struct dirent *de;
	ssize_t r;
	size_t i;
	DIR *d;
	int fd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			tally(errno, files[i], pid);
			continue;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			;
		tally(r < 0 ? errno : 0, files[i], pid);
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	tally(readlink(path, buf, sizeof(buf)) < 0 ? errno : 0, "exe", pid);
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	tally(readlink(path, buf, sizeof(buf)) < 0 ? errno : 0, "cwd", pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		tally(errno, "fd/", pid);
	} else {
		errno = 0;
		while ((de = readdir(d)))
			;
		tally(errno, "fd/", pid);
		closedir(d);
	}
	ms = (now() - t0) * 1000;
	if (ms > max_ms)
		max_ms = ms;
}

static int reader(double secs)
{
	unsigned int self = KRG_PID_NODE(getpid());
	double end = now() + secs;
	long remote = 0;
	struct dirent *de;
	DIR *d;
	int pid;

	while (now() < end) {
		d = opendir("/proc");
		if (!d) {
			perror("proc_race: /proc");
			return 1;
		}
		while ((de = readdir(d))) {
			pid = atoi(de->d_name);
			if (pid <= 1 || KRG_PID_NODE(pid) == self)
				continue;
			remote++;
			read_one(pid);
		}
		closedir(d);
	}
	printf("remote_pids=%ld reads_ok=%ld vanished=%ld unexpected=%ld max_read_ms=%.0f\n",
	       remote, ok, vanished, unexpected, max_ms);
	return unexpected || !ok;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "churn") && secs > 0)
		return churn(secs);
	if (argc == 3 && !strcmp(argv[1], "read") && secs > 0)
		return reader(secs);
	fprintf(stderr, "usage: proc_race churn|read SECONDS\n");
	return 2;
}
