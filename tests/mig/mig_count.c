// SPDX-License-Identifier: GPL-2.0
/*
 * mig_count: signals sent to a process while it migrates back and forth
 * arrive exactly once (mig_signals.sh).  Queued real-time signals carry a
 * sequence number each, so every loss and every duplicate shows.
 *
 *   mig_count recv SIG
 *       Takes signal SIG (a number) with an SA_SIGINFO handler that marks
 *       its value (1 .. 2^20-1) in a set, counting duplicates and values
 *       out of range.  Waits in sigsuspend().  SIGUSR2 says (mig_say)
 *         count n=N dups=D bad=B node=NODE
 *         values RANGES
 *   mig_count send PID SIG FIRST INTERVAL_MS
 *       sigqueue(PID, SIG, v) for v = FIRST, FIRST + 1, ... one every
 *       INTERVAL_MS until SIGTERM, then says
 *         sent n=N ok=K failed=F errnos=E,...
 *         ok RANGES
 * RANGES: "a-b,c,..." ("-": none).  The test compares the receiver's
 * values with the union of its senders' ok values.
 */
#include <signal.h>
#include <stdbool.h>

#include "mig_util.h"

#define MAX_VALUE	(1 << 20)

static uint8_t values[MAX_VALUE / 8];
static volatile sig_atomic_t n, dups, bad_values, want_report, stop;
static struct mig_buf out;

static void on_value(int sig, siginfo_t *si, void *uc)
{
	int v = si->si_value.sival_int;

	(void)sig;
	(void)uc;
	if (v <= 0 || v >= MAX_VALUE) {
		bad_values++;
	} else if (values[v / 8] & (1u << (v % 8))) {
		dups++;
	} else {
		values[v / 8] |= (uint8_t)(1u << (v % 8));
		n++;
	}
}

static void on_flag(int sig)
{
	if (sig == SIGUSR2)
		want_report = 1;
	else
		stop = 1;
}

static void print_values(const char *what)
{
	out.len = 0;
	mig_buf_add(&out, "%s ", what);
	mig_ranges(values, MAX_VALUE, &out);
	mig_buf_add(&out, "\n");
	mig_out(out.text, out.len);
}

static int recv_main(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_value, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction fl = { .sa_handler = on_flag, .sa_flags = SA_RESTART };
	sigset_t both, old;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&fl.sa_mask);
	if (sigaction(sig, &sa, NULL) || sigaction(SIGUSR2, &fl, NULL))
		mig_die("sigaction: %s", strerror(errno));
	sigemptyset(&both);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, &old);
	mig_say("ready pid=%d node=%s", getpid(), mig_node());
	for (;;) {
		sigsuspend(&old);
		if (!want_report)
			continue;
		want_report = 0;
		mig_say("count n=%d dups=%d bad=%d node=%s", (int)n, (int)dups, (int)bad_values, mig_node());
		print_values("values");
	}
}

static int send_main(pid_t pid, int sig, int first, long interval_ms)
{
	struct timespec gap = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
	struct sigaction fl = { .sa_handler = on_flag };
	unsigned long long errs = 0;	/* bit e: errno e seen (e < 64) */
	int v, sent = 0, ok = 0, e;

	sigemptyset(&fl.sa_mask);
	if (sigaction(SIGTERM, &fl, NULL))
		mig_die("sigaction: %s", strerror(errno));
	mig_say("sending pid=%d sig=%d first=%d", pid, sig, first);
	for (v = first; !stop && v < MAX_VALUE; v++) {
		sent++;
		if (!sigqueue(pid, sig, (union sigval){ .sival_int = v })) {
			values[v / 8] |= (uint8_t)(1u << (v % 8));
			ok++;
		} else {
			e = errno;
			errs |= 1ULL << (e < 64 ? e : 63);
		}
		nanosleep(&gap, NULL);
	}
	out.len = 0;
	mig_buf_add(&out, "sent n=%d ok=%d failed=%d errnos=", sent, ok, sent - ok);
	for (e = 1; e < 64; e++)
		if (errs & (1ULL << e))
			mig_buf_add(&out, "%s,", mig_errname(e));
	mig_buf_add(&out, "\n");
	mig_out(out.text, out.len);
	print_values("ok");
	return 0;
}

int main(int argc, char **argv)
{
	mig_name = "mig_count";
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return recv_main(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send_main(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atol(argv[5]));
	fprintf(stderr, "usage: mig_count recv SIG | send PID SIG FIRST INTERVAL_MS\n");
	return 2;
}
