// SPDX-License-Identifier: GPL-2.0
/*
 * mig_ptimers: a process with POSIX timers (timer_create), for the
 * migration tests (mig_ptimers.sh).
 *
 *   id 0  CLOCK_MONOTONIC, SIGRTMIN value 100, every 100 ms: the main
 *         thread counts its signals
 *   id 1  deleted: a gap in the ids
 *   id 2  CLOCK_REALTIME, SIGRTMIN+1 value 102, once in an hour
 *   id 3  CLOCK_BOOTTIME, SIGEV_NONE, once in an hour
 *   id 4  CLOCK_MONOTONIC, SIGEV_THREAD_ID to the second thread, SIGRTMIN+2
 *         value 104, every 150 ms: that thread counts its signals
 *   id 5  CLOCK_TAI, SIGRTMIN+3, created, never armed
 *   id 6  CLOCK_MONOTONIC, SIGRTMIN+3, armed for an hour, then disarmed
 *
 * The main thread waits in sigwaitinfo():
 *   SIGUSR1  report: "report node=N ok=1 ticks0=A ticks4=B", or ok=0
 *            why=...: /proc/self/timers reads as it did at the start; each
 *            timer's setting and time left (2's and 3's never grow, never
 *            fall below 50 minutes; 5 and 6 disarmed); every timer signal
 *            taken came with SI_TIMER, its timer's id and value; neither
 *            periodic timer fired more often than its period allows (a
 *            copy left on another node would add signals) and both fired
 *            since the last report;
 *   SIGHUP   fd 41 becomes a dup of eventfd 40 ("dup 41"), or stops being
 *            one ("undup 41"): a file two fds hold, which cannot move;
 *   SIGTERM  a new timer gets the next id, 7 ("done ok=1"), exit 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>

#include "mig_util.h"

#define NTIMERS		7
#define HOUR_NS		(3600LL * 1000000000)
#define MS		1000000LL

static timer_t tm[NTIMERS];
static char timers_then[4096];
static long long left2 = HOUR_NS, left3 = HOUR_NS;
static long long start_ns;
static unsigned long ticks0, last0;
static atomic_ulong ticks4;
static unsigned long last4;
static atomic_int bad_signal;		/* a timer signal with the wrong siginfo */
static char bad_why[128];

static int kid(timer_t t)
{
	return (int)(intptr_t)t;
}

static void make(int i, clockid_t clk, int notify, int signo, int tid)
{
	struct sigevent sev = { 0 };

	sev.sigev_notify = notify;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = 100 + i;
	if (notify & SIGEV_THREAD_ID)
		sev._sigev_un._tid = tid;
	if (timer_create(clk, &sev, &tm[i]))
		mig_die("timer_create %d: %s", i, strerror(errno));
	if (kid(tm[i]) != i)
		mig_die("timer %d got id %d", i, kid(tm[i]));
}

static void arm(int i, long long value_ns, long long interval_ns)
{
	struct itimerspec its = {
		.it_value = { value_ns / 1000000000, value_ns % 1000000000 },
		.it_interval = { interval_ns / 1000000000, interval_ns % 1000000000 },
	};

	if (timer_settime(tm[i], 0, &its, NULL))
		mig_die("timer_settime %d: %s", i, strerror(errno));
}

static long long left_ns(int i, long long *interval)
{
	struct itimerspec its;

	if (timer_gettime(tm[i], &its))
		return -1;
	*interval = its.it_interval.tv_sec * 1000000000LL + its.it_interval.tv_nsec;
	return its.it_value.tv_sec * 1000000000LL + its.it_value.tv_nsec;
}

static int read_timers(char *buf, size_t size)
{
	int fd = open("/proc/self/timers", O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while (got < (ssize_t)size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return 0;
}

static void check_info(const siginfo_t *si, int id)
{
	if (si->si_code != SI_TIMER || si->si_timerid != id || si->si_value.sival_int != 100 + id) {
		snprintf(bad_why, sizeof(bad_why), "signal %d: code %d timer %d value %d",
			 si->si_signo, si->si_code, si->si_timerid, si->si_value.sival_int);
		atomic_store(&bad_signal, 1);
	}
}

static void *ticker(void *arg)
{
	sigset_t set;
	siginfo_t si;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	for (;;) {
		if (sigwaitinfo(&set, &si) != SIGRTMIN + 2)
			continue;
		check_info(&si, 4);
		atomic_fetch_add(&ticks4, 1);
	}
	return NULL;
}

#define check(cond, ...) do { if (!(cond)) { snprintf(why, 256, __VA_ARGS__); return false; } } while (0)

static bool state_ok(char *why)
{
	static char now[4096];
	long long left, intv = -1, ms;
	unsigned long t4 = atomic_load(&ticks4);

	check(!atomic_load(&bad_signal), "%s", bad_why);
	check(!read_timers(now, sizeof(now)), "/proc/self/timers: %s", strerror(errno));
	if (strcmp(now, timers_then)) {
		size_t at = 0;

		while (now[at] && now[at] == timers_then[at])
			at++;
		while (at && now[at - 1] != '\n')
			at--;
		check(0, "/proc/self/timers changed from: %.100s", now + at);
	}
	left = left_ns(0, &intv);
	check(intv == 100 * MS && left > 0 && left <= 100 * MS, "timer 0: %lld ns left, interval %lld",
	      left, intv);
	left = left_ns(2, &intv);
	check(intv == 0 && left > HOUR_NS - 10 * 60 * 1000000000LL && left <= left2,
	      "timer 2: %lld ns left (before: %lld), interval %lld", left, left2, intv);
	left2 = left;
	left = left_ns(3, &intv);
	check(intv == 0 && left > HOUR_NS - 10 * 60 * 1000000000LL && left <= left3,
	      "timer 3: %lld ns left (before: %lld), interval %lld", left, left3, intv);
	left3 = left;
	left = left_ns(4, &intv);
	check(intv == 150 * MS && left > 0 && left <= 150 * MS, "timer 4: %lld ns left, interval %lld",
	      left, intv);
	left = left_ns(5, &intv);
	check(left == 0 && intv == 0, "timer 5: %lld ns left, interval %lld (never armed)", left, intv);
	left = left_ns(6, &intv);
	check(left == 0 && intv == 0, "timer 6: %lld ns left, interval %lld (disarmed)", left, intv);
	/* never more often than the period allows */
	ms = (mig_now_ns(CLOCK_MONOTONIC) - start_ns) / MS;
	check(ticks0 <= (unsigned long)(ms / 100 + 1), "timer 0: %lu signals in %lld ms", ticks0, ms);
	check(t4 <= (unsigned long)(ms / 150 + 1), "timer 4: %lu signals in %lld ms", t4, ms);
	check(ticks0 > last0 && t4 > last4, "no signal since the last report (timer 0: %lu, 4: %lu)",
	      ticks0, t4);
	last0 = ticks0;
	last4 = t4;
	return true;
}

int main(void)
{
	sigset_t set;
	siginfo_t si;
	pthread_t th;
	bool dup = false;
	int i;

	mig_name = "mig_ptimers";
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	for (i = 0; i < 4; i++)
		sigaddset(&set, SIGRTMIN + i);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&th, NULL, ticker, NULL))
		mig_die("pthread_create");
	i = eventfd(0, 0);
	if (i < 0 || dup2(i, 40) != 40)
		mig_die("eventfd: %s", strerror(errno));
	close(i);
	start_ns = mig_now_ns(CLOCK_MONOTONIC);
	make(0, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 0);
	make(1, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 3, 0);
	make(2, CLOCK_REALTIME, SIGEV_SIGNAL, SIGRTMIN + 1, 0);
	make(3, CLOCK_BOOTTIME, SIGEV_NONE, 0, 0);
	{
		/* the second thread's TID, from /proc/self/task */
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		int tid = 0;

		while (d && (e = readdir(d)))
			if (atoi(e->d_name) > 0 && atoi(e->d_name) != getpid())
				tid = atoi(e->d_name);
		if (d)
			closedir(d);
		if (!tid)
			mig_die("no second thread");
		make(4, CLOCK_MONOTONIC, SIGEV_THREAD_ID | SIGEV_SIGNAL, SIGRTMIN + 2, tid);
	}
	make(5, CLOCK_TAI, SIGEV_SIGNAL, SIGRTMIN + 3, 0);
	make(6, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 3, 0);
	if (timer_delete(tm[1]))
		mig_die("timer_delete 1: %s", strerror(errno));
	arm(0, 100 * MS, 100 * MS);
	arm(2, HOUR_NS, 0);
	arm(3, HOUR_NS, 0);
	arm(4, 150 * MS, 150 * MS);
	arm(6, HOUR_NS, 0);
	arm(6, 0, 0);
	if (read_timers(timers_then, sizeof(timers_then)))
		mig_die("/proc/self/timers: %s", strerror(errno));
	mig_say("ready pid=%d node=%s", getpid(), mig_node());
	sigdelset(&set, SIGRTMIN + 2);
	for (;;) {
		char why[256] = "";
		int sig = sigwaitinfo(&set, &si);

		if (sig == SIGRTMIN) {
			check_info(&si, 0);
			ticks0++;
		} else if (sig == SIGRTMIN + 1 || sig == SIGRTMIN + 3) {
			snprintf(bad_why, sizeof(bad_why), "signal %d from timer %d", sig, si.si_timerid);
			atomic_store(&bad_signal, 1);
		} else if (sig == SIGUSR1) {
			bool ok = !dup && state_ok(why);

			if (dup)
				snprintf(why, sizeof(why), "fd 41 is a dup");
			mig_say("report node=%s ok=%d ticks0=%lu ticks4=%lu%s%s", mig_node(), ok, ticks0,
				atomic_load(&ticks4), ok ? "" : " why=", why);
		} else if (sig == SIGHUP) {
			if (!dup && dup2(40, 41) != 41)
				mig_die("dup2: %s", strerror(errno));
			if (dup)
				close(41);
			dup = !dup;
			mig_say("%s 41", dup ? "dup" : "undup");
		} else if (sig == SIGTERM) {
			timer_t t;

			if (timer_create(CLOCK_MONOTONIC, NULL, &t))
				mig_die("timer_create: %s", strerror(errno));
			mig_say("done ok=%d id=%d", kid(t) == NTIMERS, kid(t));
			return 0;
		}
	}
}
