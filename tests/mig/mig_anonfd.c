// SPDX-License-Identifier: GPL-2.0
/*
 * mig_anonfd: a process with descriptors only a system call creates, for
 * the migration tests (mig_anonfd.sh).
 *
 *   40  eventfd, count 5, O_NONBLOCK
 *   41  eventfd, count 3, EFD_SEMAPHORE, close-on-exec
 *   42  signalfd of SIGUSR2 and SIGRTMIN+2, O_NONBLOCK; one SIGUSR2 pending
 *   43  timerfd, CLOCK_MONOTONIC, every 200 ms
 *   44  timerfd, CLOCK_BOOTTIME, one shot in an hour
 *   45  timerfd, CLOCK_MONOTONIC, expired once and never read (ticks 1)
 *   46  epoll set: 40 (EPOLLIN, 0x1111), 42 (EPOLLIN, 0x2222),
 *       43 (EPOLLIN|EPOLLET, 0x3333), 44 (EPOLLIN|EPOLLONESHOT, 0x4444)
 *
 * The main thread waits in sigwaitinfo():
 *   SIGUSR1  report: "report node=N ok=1 ticks=T" (T: expirations of 43 read
 *            so far), or ok=0 why=...: every fd above is open with its
 *            flags and nothing else is; the counts, the semaphore mode
 *            (a read of 41 gives 1, then 1 is written back), the signalfd's
 *            mask, the timers' settings and time left (44's never grows,
 *            never falls below 50 minutes), 45's one unread expiration, the
 *            epoll set's watches as /proc/self/fdinfo shows them, and what
 *            epoll_wait() reports ready (40 and 42 at least);
 *   SIGHUP   fd 47 becomes a dup of 40 ("dup 47"), or stops being one
 *            ("undup 47"): a file two fds hold, which cannot move;
 *   SIGTERM  the pending SIGUSR2 is read from 42 ("done ok=1"), exit 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "mig_util.h"

enum { FD_EV = 40, FD_SEM, FD_SIG, FD_TICK, FD_HOUR, FD_EXP, FD_EP, FD_DUP };

#define HOUR_NS		(3600LL * 1000000000)
#define TICK_NS		200000000LL

static unsigned long long ticks_read;
static long long hour_left = HOUR_NS;

static void put_at(int fd, int to)
{
	if (fd < 0)
		mig_die("creating fd %d: %s", to, strerror(errno));
	if (fd != to) {
		if (dup3(fd, to, fcntl(fd, F_GETFD) & FD_CLOEXEC ? O_CLOEXEC : 0) != to)
			mig_die("dup3 %d: %s", to, strerror(errno));
		close(fd);
	}
}

static void arm(int fd, long long value_ns, long long interval_ns)
{
	struct itimerspec its = {
		.it_value = { value_ns / 1000000000, value_ns % 1000000000 },
		.it_interval = { interval_ns / 1000000000, interval_ns % 1000000000 },
	};

	if (timerfd_settime(fd, 0, &its, NULL))
		mig_die("timerfd_settime %d: %s", fd, strerror(errno));
}

static void watch(int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(FD_EP, EPOLL_CTL_ADD, fd, &ev))
		mig_die("epoll_ctl %d: %s", fd, strerror(errno));
}

static void setup(void)
{
	sigset_t sfd;
	struct timespec ts = { 0, 5000000 };

	put_at(eventfd(5, EFD_NONBLOCK), FD_EV);
	put_at(eventfd(3, EFD_SEMAPHORE | EFD_CLOEXEC), FD_SEM);
	sigemptyset(&sfd);
	sigaddset(&sfd, SIGUSR2);
	sigaddset(&sfd, SIGRTMIN + 2);
	put_at(signalfd(-1, &sfd, SFD_NONBLOCK), FD_SIG);
	put_at(timerfd_create(CLOCK_MONOTONIC, 0), FD_TICK);
	arm(FD_TICK, TICK_NS, TICK_NS);
	put_at(timerfd_create(CLOCK_BOOTTIME, 0), FD_HOUR);
	arm(FD_HOUR, HOUR_NS, 0);
	put_at(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), FD_EXP);
	arm(FD_EXP, 1000000, 0);
	nanosleep(&ts, NULL);
	put_at(epoll_create1(0), FD_EP);
	watch(FD_EV, EPOLLIN, 0x1111);
	watch(FD_SIG, EPOLLIN, 0x2222);
	watch(FD_TICK, EPOLLIN | EPOLLET, 0x3333);
	watch(FD_HOUR, EPOLLIN | EPOLLONESHOT, 0x4444);
	if (raise(SIGUSR2))
		mig_die("raise: %s", strerror(errno));
}

/* The value after KEY in /proc/self/fdinfo/FD, as text (static buffer). */
static const char *fdinfo(int fd, const char *key)
{
	static char text[8192], val[256];
	char path[64];
	const char *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (!key)
		return text;
	p = strstr(text, key);
	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, "\n");
	if (n >= sizeof(val))
		n = sizeof(val) - 1;
	memcpy(val, p, n);
	val[n] = '\0';
	return val;
}

static long long left_ns(int fd, long long *interval)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its))
		return -1;
	*interval = its.it_interval.tv_sec * 1000000000LL + its.it_interval.tv_nsec;
	return its.it_value.tv_sec * 1000000000LL + its.it_value.tv_nsec;
}

#define check(cond, ...) do { if (!(cond)) { snprintf(why, 256, __VA_ARGS__); return false; } } while (0)

static bool fds_ok(char *why, bool dup)
{
	static const struct { int fd, fl, cloexec; } want[] = {
		{ 0, -1, 0 }, { 1, -1, 0 }, { 2, -1, 0 },
		{ FD_EV, O_NONBLOCK, 0 }, { FD_SEM, 0, 1 }, { FD_SIG, O_NONBLOCK, 0 },
		{ FD_TICK, 0, 0 }, { FD_HOUR, 0, 0 }, { FD_EXP, O_NONBLOCK, 0 }, { FD_EP, 0, 0 },
	};
	unsigned int i = 0;
	int fd;

	for (fd = 0; fd < 128; fd++) {
		bool open = fcntl(fd, F_GETFD) >= 0;
		bool expected = (i < sizeof(want) / sizeof(want[0]) && want[i].fd == fd) ||
				(dup && fd == FD_DUP);

		check(open == expected, "fd %d %s", fd, open ? "open, not expected" : "closed");
		if (!expected || fd == FD_DUP)
			continue;
		check(!!(fcntl(fd, F_GETFD) & FD_CLOEXEC) == want[i].cloexec,
		      "fd %d: close-on-exec %s", fd, want[i].cloexec ? "lost" : "set");
		check(want[i].fl < 0 || (fcntl(fd, F_GETFL) & O_NONBLOCK) == want[i].fl,
		      "fd %d: O_NONBLOCK %s", fd, want[i].fl ? "lost" : "set");
		i++;
	}
	return true;
}

static bool state_ok(char *why)
{
	const char *v;
	uint64_t n = 0;
	long long left, intv = -1;
	struct epoll_event ev[8];
	int i, nr, seen = 0;
	static const char *const watches[] = {
		"tfd:       40 events:       19 data:             1111",
		"tfd:       42 events:       19 data:             2222",
		"tfd:       43 events: 80000019 data:             3333",
		"tfd:       44 events: 40000019 data:             4444",
	};

	v = fdinfo(FD_EV, "eventfd-count:");
	check(v && strtoull(v, NULL, 16) == 5, "eventfd 40: count %s, not 5", v ? v : "?");
	v = fdinfo(FD_SEM, "eventfd-count:");
	check(v && strtoull(v, NULL, 16) == 3, "eventfd 41: count %s, not 3", v ? v : "?");
	check(read(FD_SEM, &n, sizeof(n)) == sizeof(n) && n == 1,
	      "eventfd 41: a read gave %llu, not 1 (semaphore mode lost)", (unsigned long long)n);
	n = 1;
	check(write(FD_SEM, &n, sizeof(n)) == sizeof(n), "eventfd 41: write: %s", strerror(errno));
	v = fdinfo(FD_SIG, "sigmask:");
	check(v && strtoull(v, NULL, 16) == ((1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGRTMIN + 1))),
	      "signalfd 42: mask %s", v ? v : "?");

	left = left_ns(FD_TICK, &intv);
	check(intv == TICK_NS && left > 0 && left <= TICK_NS,
	      "timerfd 43: %lld ns left, interval %lld", left, intv);
	/* blocks until it fired at least once */
	check(read(FD_TICK, &n, sizeof(n)) == sizeof(n) && n > 0, "timerfd 43: read: %s",
	      strerror(errno));
	ticks_read += n;
	left = left_ns(FD_HOUR, &intv);
	check(intv == 0 && left > HOUR_NS - 10 * 60 * 1000000000LL && left <= hour_left,
	      "timerfd 44: %lld ns left (before: %lld), interval %lld", left, hour_left, intv);
	hour_left = left;
	left = left_ns(FD_EXP, &intv);
	v = fdinfo(FD_EXP, "ticks:");
	check(left == 0 && intv == 0 && v && !strcmp(v, "1"),
	      "timerfd 45: %lld ns left, ticks %s (one unread expiration expected)", left, v ? v : "?");

	v = fdinfo(FD_EP, NULL);
	check(v, "fdinfo of 46: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		check(strstr(v, watches[i]), "epoll 46: no watch \"%s\" in: %s", watches[i], v);
	nr = epoll_wait(FD_EP, ev, 8, 0);
	for (i = 0; i < nr; i++)
		seen |= ev[i].data.u64 == 0x1111 ? 1 : ev[i].data.u64 == 0x2222 ? 2 : 0;
	check(seen == 3, "epoll 46: %d ready, not 40 and 42", nr);
	return fds_ok(why, false);
}

int main(void)
{
	sigset_t set;
	bool dup = false;

	mig_name = "mig_anonfd";
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN + 2);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setup();
	mig_say("ready pid=%d node=%s", getpid(), mig_node());
	sigdelset(&set, SIGUSR2);
	sigdelset(&set, SIGRTMIN + 2);
	for (;;) {
		char why[256] = "";
		int sig = sigwaitinfo(&set, NULL);

		if (sig == SIGUSR1) {
			bool ok = !dup && state_ok(why);

			if (dup)
				snprintf(why, sizeof(why), "fd 47 is a dup");
			mig_say("report node=%s ok=%d ticks=%llu%s%s", mig_node(), ok, ticks_read,
				ok ? "" : " why=", why);
		} else if (sig == SIGHUP) {
			if (!dup && dup2(FD_EV, FD_DUP) != FD_DUP)
				mig_die("dup2: %s", strerror(errno));
			if (dup)
				close(FD_DUP);
			dup = !dup;
			mig_say("%s 47", dup ? "dup" : "undup");
		} else if (sig == SIGTERM) {
			struct signalfd_siginfo si;
			ssize_t r = read(FD_SIG, &si, sizeof(si));

			mig_say("done ok=%d signo=%d", r == sizeof(si) && si.ssi_signo == SIGUSR2,
				r == sizeof(si) ? (int)si.ssi_signo : -1);
			return 0;
		}
	}
}
