// SPDX-License-Identifier: GPL-2.0
/*
 * mig_clock: a process's clocks and its ITIMER_REAL across migrations
 * (mig_time.sh).
 *
 *   mig_clock periodic MS
 *       Arms ITIMER_REAL to fire every MS milliseconds and counts its
 *       SIGALRMs, while it reads CLOCK_MONOTONIC and CLOCK_BOOTTIME in a
 *       loop (a read every millisecond), counting every reading smaller
 *       than the one before and keeping the largest step forward.
 *   mig_clock oneshot SEC
 *       Arms ITIMER_REAL once, SEC seconds from now, and waits.
 *   mig_clock cputimer SEC | virtual SEC
 *       Arms a POSIX timer on the process's CPU-time clock (timer_create
 *       with CLOCK_PROCESS_CPUTIME_ID) or ITIMER_VIRTUAL instead: what
 *       migration refuses (mig_ptimers moves the other POSIX timers).
 * Both say "ready pid=P node=N" first; SIGUSR2 makes them say
 *   clock node=N mono_ms=M boot_ms=B back=K max_step_ms=S alarms=A
 *         armed_mono_ms=T value_ms=V interval_ms=I
 * (back and max_step_ms over both clocks since the start; alarms the
 * SIGALRMs taken; armed_mono_ms CLOCK_MONOTONIC when the timer was armed;
 * value_ms and interval_ms what getitimer() says now).
 */
#include <signal.h>
#include <stdbool.h>
#include <sys/time.h>

#include "mig_util.h"

static volatile sig_atomic_t alarms, want_report;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_usr2(int sig)
{
	(void)sig;
	want_report = 1;
}

struct watch {
	int64_t last, back, max_step;
};

static void watch_clock(struct watch *w, clockid_t clk)
{
	int64_t now = mig_now_ns(clk);

	if (w->last && now < w->last)
		w->back++;
	if (w->last && now - w->last > w->max_step)
		w->max_step = now - w->last;
	w->last = now;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct sigaction su = { .sa_handler = on_usr2, .sa_flags = SA_RESTART };
	struct itimerval it = { 0 };
	struct watch mono = { 0 }, boot = { 0 };
	bool periodic;
	int64_t armed;
	int which = ITIMER_REAL;
	bool arm = true;
	long n;

	mig_name = "mig_clock";
	if (argc != 3)
		mig_die("usage: mig_clock periodic MS | oneshot SEC | posix SEC | virtual SEC");
	periodic = !strcmp(argv[1], "periodic");
	n = strtol(argv[2], NULL, 10);
	if (n <= 0)
		mig_die("bad interval %s", argv[2]);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&su.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || sigaction(SIGUSR2, &su, NULL))
		mig_die("sigaction: %s", strerror(errno));
	if (periodic) {
		it.it_value.tv_sec = n / 1000;
		it.it_value.tv_usec = (n % 1000) * 1000;
		it.it_interval = it.it_value;
	} else {
		it.it_value.tv_sec = n;
	}
	if (!strcmp(argv[1], "cputimer")) {
		struct itimerspec ts = { .it_value = { n, 0 } };
		timer_t id;

		if (timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &id) ||
		    timer_settime(id, 0, &ts, NULL))
			mig_die("timer_create: %s", strerror(errno));
		arm = false;
	} else if (!strcmp(argv[1], "virtual")) {
		which = ITIMER_VIRTUAL;
	} else if (!periodic && strcmp(argv[1], "oneshot")) {
		mig_die("unknown mode %s", argv[1]);
	}
	armed = mig_now_ns(CLOCK_MONOTONIC);
	if (arm && setitimer(which, &it, NULL))
		mig_die("setitimer: %s", strerror(errno));
	mig_say("ready pid=%d node=%s", getpid(), mig_node());
	for (;;) {
		struct timespec ms = { 0, 1000000 };

		watch_clock(&mono, CLOCK_MONOTONIC);
		watch_clock(&boot, CLOCK_BOOTTIME);
		if (want_report) {
			struct itimerval now;

			want_report = 0;
			if (getitimer(ITIMER_REAL, &now))
				mig_die("getitimer: %s", strerror(errno));
			mig_say("clock node=%s mono_ms=%lld boot_ms=%lld back=%lld max_step_ms=%lld "
				"alarms=%d armed_mono_ms=%lld value_ms=%lld interval_ms=%lld",
				mig_node(), (long long)(mono.last / 1000000),
				(long long)(boot.last / 1000000), (long long)(mono.back + boot.back),
				(long long)((mono.max_step > boot.max_step ? mono.max_step :
					     boot.max_step) / 1000000),
				(int)alarms, (long long)(armed / 1000000),
				(long long)now.it_value.tv_sec * 1000 + now.it_value.tv_usec / 1000,
				(long long)now.it_interval.tv_sec * 1000 +
					now.it_interval.tv_usec / 1000);
		}
		nanosleep(&ms, NULL);
	}
}
