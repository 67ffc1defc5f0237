// SPDX-License-Identifier: GPL-2.0
/*
 * mig_state_sig.c: mig_state's signal state -- handlers (SIGUSR1 counted,
 * on the alternate stack; SIGUSR2, SIGRTMIN+1..3 set the loop's flags;
 * SIGALRM ignored), the blocked mask {SIGURG, SIGRTMIN+10, SIGRTMIN+11},
 * pending SIGURG and two SIGRTMIN+10 queued with the values 1111 and 2222,
 * the alternate stack -- and its checks; sig_drain takes the pending
 * signals at the end and checks them.
 */
#include <sys/mman.h>

#include "mig_state.h"

#ifndef SA_RESTORER
#define SA_RESTORER	0x04000000	/* glibc sets it on every handler; the kernel's flag */
#endif

volatile sig_atomic_t usr1_count, want_report, want_hold, release, want_finish;
static volatile sig_atomic_t usr1_off_alt;

static uint8_t *alt;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	uintptr_t here = (uintptr_t)&sig;

	(void)si;
	(void)uc;
	usr1_count++;
	if (here < (uintptr_t)alt || here >= (uintptr_t)alt + ALT_SIZE)
		usr1_off_alt++;
}

static void on_flag(int sig)
{
	if (sig == SIGUSR2)
		want_report = 1;
	else if (sig == SIGRTMIN + 1)
		want_hold = 1;
	else if (sig == SIGRTMIN + 2)
		release = 1;
	else if (sig == SIGRTMIN + 3)
		want_finish = 1;
}

struct handler {
	int sig;
	void *fn;		/* sa_sigaction or sa_handler */
	int flags;
	int mask_sig;		/* one signal in sa_mask, 0: none */
};

static struct handler handlers[6];

static int nr_handlers;

static sigset_t blocked, pending_want;

static bool drained;

static void handle(int sig, void *fn, int flags, int mask_sig)
{
	struct sigaction sa = { .sa_flags = flags };

	if (flags & SA_SIGINFO)
		sa.sa_sigaction = fn;
	else
		sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (mask_sig)
		sigaddset(&sa.sa_mask, mask_sig);
	if (sigaction(sig, &sa, NULL))
		mig_die("sigaction %d: %s", sig, strerror(errno));
	handlers[nr_handlers++] = (struct handler){ sig, fn, flags, mask_sig };
}

void sig_setup(void)
{
	stack_t ss;

	alt = map_or_die(ALT_SIZE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ss = (stack_t){ .ss_sp = alt, .ss_size = ALT_SIZE };
	if (sigaltstack(&ss, NULL))
		mig_die("sigaltstack: %s", strerror(errno));
	handle(SIGUSR1, on_usr1, SA_SIGINFO | SA_ONSTACK | SA_RESTART, SIGRTMIN + 12);
	handle(SIGUSR2, on_flag, SA_RESTART, 0);
	handle(SIGRTMIN + 1, on_flag, SA_RESTART, 0);
	handle(SIGRTMIN + 2, on_flag, SA_RESTART, 0);
	handle(SIGRTMIN + 3, on_flag, SA_RESTART, 0);
	handle(SIGALRM, SIG_IGN, 0, 0);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGURG);
	sigaddset(&blocked, SIGRTMIN + 10);
	sigaddset(&blocked, SIGRTMIN + 11);
	if (sigprocmask(SIG_SETMASK, &blocked, NULL))
		mig_die("sigprocmask: %s", strerror(errno));
	sigemptyset(&pending_want);
	sigaddset(&pending_want, SIGURG);
	sigaddset(&pending_want, SIGRTMIN + 10);
	if (kill(getpid(), SIGURG) ||
	    sigqueue(getpid(), SIGRTMIN + 10, (union sigval){ .sival_int = 1111 }) ||
	    sigqueue(getpid(), SIGRTMIN + 10, (union sigval){ .sival_int = 2222 }))
		mig_die("signals to itself: %s", strerror(errno));
}

/* same_set: a and b hold the same signals (1..64); else why names one. */
static bool same_set(const sigset_t *a, const sigset_t *b, const char *what, char *why, size_t len)
{
	int s;

	for (s = 1; s <= 64; s++)
		if (sigismember(a, s) != sigismember(b, s)) {
			snprintf(why, len, "%s: signal %d %s", what, s,
				 sigismember(a, s) ? "there, not expected" : "missing");
			return false;
		}
	return true;
}

bool check_mask(bool full, char *why)
{
	sigset_t now;

	(void)full;
	if (sigprocmask(SIG_BLOCK, NULL, &now))
		return bad(why, "sigprocmask: %s", strerror(errno));
	return same_set(&now, &blocked, "blocked", why, WHY);
}

bool check_pending(bool full, char *why)
{
	sigset_t now, want;

	(void)full;
	if (sigpending(&now))
		return bad(why, "sigpending: %s", strerror(errno));
	sigemptyset(&want);
	return same_set(&now, drained ? &want : &pending_want, "pending", why, WHY);
}

bool check_altstack(bool full, char *why)
{
	stack_t ss;

	(void)full;
	if (sigaltstack(NULL, &ss))
		return bad(why, "sigaltstack: %s", strerror(errno));
	if (ss.ss_sp != alt || ss.ss_size != ALT_SIZE || ss.ss_flags != 0)
		return bad(why, "sp %p size %zu flags %d, want %p %d 0", ss.ss_sp, ss.ss_size,
			   ss.ss_flags, (void *)alt, ALT_SIZE);
	return true;
}

bool check_handlers(bool full, char *why)
{
	struct sigaction sa;
	sigset_t want;
	int i;

	(void)full;
	for (i = 0; i < nr_handlers; i++) {
		const struct handler *h = &handlers[i];
		void *fn;

		if (sigaction(h->sig, NULL, &sa))
			return bad(why, "sigaction %d: %s", h->sig, strerror(errno));
		fn = (h->flags & SA_SIGINFO) ? (void *)sa.sa_sigaction : (void *)sa.sa_handler;
		if (fn != h->fn || (sa.sa_flags & ~SA_RESTORER) != h->flags)
			return bad(why, "signal %d: handler %p flags %#x, want %p %#x", h->sig, fn,
				   sa.sa_flags, h->fn, h->flags);
		sigemptyset(&want);
		if (h->mask_sig)
			sigaddset(&want, h->mask_sig);
		if (!same_set(&sa.sa_mask, &want, "sa_mask", why, WHY))
			return false;
	}
	return true;
}

bool check_usr1(bool full, char *why)
{
	(void)full;
	if (usr1_off_alt)
		return bad(why, "%d of %d SIGUSR1 handler runs off the alternate stack",
			   (int)usr1_off_alt, (int)usr1_count);
	return true;
}

/* sig_drain: takes the pending signals (the mask stays): SIGURG, then
 * SIGRTMIN+10 with 1111, then with 2222, then nothing.  WHY says what
 * came either way.
 */
bool sig_drain(char *why)
{
	static const struct { int sig, value; } want[] = {
		{ SIGURG, 0 }, { 0, 1111 }, { 0, 2222 },
	};
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	int i, s;

	drained = true;
	for (i = 0; i < 3; i++) {
		int sig = want[i].sig ? want[i].sig : SIGRTMIN + 10;

		s = sigtimedwait(&pending_want, &si, &zero);
		if (s != sig || (!want[i].sig && si.si_value.sival_int != want[i].value))
			return bad(why, "take %d: signal %d (%s) value %d, want %d value %d", i, s,
				   mig_errname(s < 0 ? errno : 0), s > 0 ? si.si_value.sival_int : 0, sig,
				   want[i].value);
	}
	s = sigtimedwait(&pending_want, &si, &zero);
	if (s >= 0)
		return bad(why, "one more pending: signal %d", s);
	snprintf(why, WHY, "SIGURG, SIGRTMIN+10 1111 then 2222");
	return true;
}
