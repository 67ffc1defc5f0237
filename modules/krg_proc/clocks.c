// SPDX-License-Identifier: GPL-2.0
/*
 * A process's time across a move: its clocks and its interval timer.
 *
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME count from each node's boot, so a
 * process moving to a node that booted later would see them jump back.  The
 * source sends the process's own readings (in the first message, and in the
 * stream's TIME record); the target gives a new restorer a time namespace
 * whose offsets make those clocks go on from there.  krginit's restorer
 * writes the offsets and enters the namespace (only setns() can), before it
 * calls RESTORE.  A process coming home is restored into its stub, whose
 * namespace is the one it left with: its clocks simply go on.
 *
 * ITIMER_REAL fires on one node only: the capture stops it (after the
 * pending signals were taken, since taking a SIGALRM re-arms it) and sends
 * the time it had left; the restore arms it again with that time -- and so
 * does a failed move on the source.
 *
 * POSIX timers on the clocks hrtimers serve (CLOCK_REALTIME, MONOTONIC,
 * BOOTTIME, TAI) move the same way: stopped on the source, one PTIMER
 * record each with the time left as timer_gettime() reads it, created again
 * on the target by the process's own timer_create() and timer_settime()
 * with the same id (anonfd.c: the system calls after the stream).  A timer
 * whose signal is still pending is stopped so that taking that signal does
 * not arm it again here (the signal moves, or a stub forwards it); its next
 * expiry is a period on.  CPU-time and alarm timers, and the CPU-time
 * interval timers, are refused: their expiry is not a time left on a clock
 * every node has.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/pid_namespace.h>
#include <linux/posix-timers.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/time_namespace.h>
#include <linux/timekeeping.h>

#include "migrate.h"

#define why(fmt, ...) snprintf(c->why, sizeof(c->why), fmt, ##__VA_ARGS__)

/* Bounds of what a stream may ask for: 2^62 ns is 146 years. */
#define KRGP_TIME_MAX_NS	(1LL << 62)

void krgp_proc_clocks(s64 *monotonic, s64 *boottime)
{
	struct timespec64 ts;

	ktime_get_ts64(&ts);
	timens_add_monotonic(&ts);
	*monotonic = timespec64_to_ns(&ts);
	ts = ktime_to_timespec64(ktime_get_boottime());
	timens_add_boottime(&ts);
	*boottime = timespec64_to_ns(&ts);
}

/* Stops current's ITIMER_REAL; the time it had left, 0 if it was disarmed. */
static u64 krgp_itimer_stop(u64 *interval)
{
	struct sighand_struct *sh = current->sighand;
	struct signal_struct *sig = current->signal;
	ktime_t left;
	int ret;

	for (;;) {
		spin_lock_irq(&sh->siglock);
		left = hrtimer_get_remaining(&sig->real_timer);
		ret = hrtimer_try_to_cancel(&sig->real_timer);
		if (ret >= 0)
			break;
		/* its callback runs: it takes the siglock, so wait outside */
		spin_unlock_irq(&sh->siglock);
		cpu_relax();
	}
	*interval = ktime_to_ns(sig->it_real_incr);
	/* no dequeue of a SIGALRM may re-arm it now (the stub takes its signals) */
	sig->it_real_incr = 0;
	spin_unlock_irq(&sh->siglock);
	if (ret)
		return left > 0 ? (u64)ktime_to_ns(left) : 1;
	/* Fired, its SIGALRM pending (it moves too): the next one is a period on. */
	return *interval;
}

/* Arms current's ITIMER_REAL: value ns from now, then every interval ns. */
static void krgp_itimer_arm(u64 value, u64 interval)
{
	struct sighand_struct *sh = current->sighand;
	struct signal_struct *sig = current->signal;

	if (!value)
		return;
	for (;;) {
		spin_lock_irq(&sh->siglock);
		if (hrtimer_try_to_cancel(&sig->real_timer) >= 0)
			break;
		spin_unlock_irq(&sh->siglock);
		cpu_relax();
	}
	sig->it_real_incr = ns_to_ktime(interval);
	hrtimer_start(&sig->real_timer, ns_to_ktime(value), HRTIMER_MODE_REL);
	spin_unlock_irq(&sh->siglock);
}

/* A POSIX timer the capture stopped, armed again if the move fails. */
struct krgp_ptimer_stop {
	struct k_itimer *timr;
	s64 left_ns;			/* 0: it was not armed */
	struct krg_gh_ptimer rec;
};

static bool krgp_ptimer_clock_ok(clockid_t id)
{
	return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC || id == CLOCK_BOOTTIME ||
	       id == CLOCK_TAI;
}

/*
 * timr's record; the timer is stopped unless it is SIGEV_NONE (never
 * queued).  The time left is what timer_gettime() reads, except that a
 * periodic timer disarmed by timer_settime() stays disarmed.
 * (1: posix-timers.c's REQUEUE_PENDING, its signal queued and not taken.)
 */
static void krgp_ptimer_stop(struct krgp_ptimer_stop *p, struct k_itimer *timr)
{
	struct hrtimer *t = &timr->it.real.timer;
	struct krg_gh_ptimer *g = &p->rec;
	bool none = (timr->it_sigev_notify & ~SIGEV_THREAD_ID) == SIGEV_NONE;
	bool armed;
	ktime_t now, exp, iv;

	p->timr = timr;
	g->id = timr->it_id;
	g->clockid = timr->it_clock;
	g->notify = timr->it_sigev_notify;
	g->signo = none ? 0 : timr->sigq->info.si_signo;
	g->value = (unsigned long)timr->sigq->info.si_value.sival_ptr;
	if (timr->it_sigev_notify & SIGEV_THREAD_ID)
		g->tid = pid_nr_ns(timr->it_pid, task_active_pid_ns(current));
	for (;;) {
		spin_lock_irq(&timr->it_lock);
		if (none || hrtimer_try_to_cancel(t) >= 0)
			break;
		/* its callback runs: it takes it_lock */
		spin_unlock_irq(&timr->it_lock);
		cpu_relax();
	}
	iv = timr->it_interval;
	armed = timr->it_active || none || (iv && timr->it_requeue_pending & 1);
	if (armed) {
		now = hrtimer_cb_get_time(t);
		exp = hrtimer_get_expires(t);
		if (iv && exp <= now)
			exp += iv * (ktime_divns(now - exp, iv) + 1);
		if (exp > now)
			p->left_ns = exp - now;
		else if (!none)
			p->left_ns = 1;
	}
	if (!none) {
		timr->it_active = 0;
		/* a signal of it still queued must not arm it again when taken */
		if (timr->it_requeue_pending & 1)
			timr->it_requeue_pending += 2;
	}
	spin_unlock_irq(&timr->it_lock);
	g->it_value_ns = p->left_ns;
	g->it_interval_ns = p->left_ns ? ktime_to_ns(iv) : 0;
}

static int krgp_ptimer_cmp(const void *x, const void *y)
{
	const struct krgp_ptimer_stop *a = x, *b = y;

	return a->rec.id < b->rec.id ? -1 : a->rec.id > b->rec.id;
}

/* Arms the timers krgp_cap_ptimers() stopped again. */
static void krgp_ptimers_undo(struct krgp_capture *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_ptimers; i++) {
		struct krgp_ptimer_stop *p = &c->ptimers[i];
		struct k_itimer *timr = p->timr;

		if (!p->left_ns || (timr->it_sigev_notify & ~SIGEV_THREAD_ID) == SIGEV_NONE)
			continue;
		spin_lock_irq(&timr->it_lock);
		hrtimer_start(&timr->it.real.timer, ns_to_ktime(p->left_ns), HRTIMER_MODE_REL);
		timr->it_active = 1;
		spin_unlock_irq(&timr->it_lock);
	}
	kfree(c->ptimers);
	c->ptimers = NULL;
	c->nr_ptimers = 0;
}

/*
 * The process's POSIX timers, stopped, as PTIMER records.  Its threads are
 * stopped, so its list of timers does not change (it_lock nests outside
 * the siglock: the list is walked without it).
 */
static int krgp_cap_ptimers(struct krgp_capture *c)
{
	struct signal_struct *sig = current->signal;
	struct k_itimer *timr;
	unsigned int n = 0, i;

	list_for_each_entry(timr, &sig->posix_timers, list) {
		if (!krgp_ptimer_clock_ok(timr->it_clock)) {
			why("its POSIX timer %d runs on %s clock (%d), which does not move", timr->it_id,
			    timr->it_clock < 0 ? "a CPU-time" : "an alarm or another", timr->it_clock);
			return -EBUSY;
		}
		if (timr->it_sigev_notify & SIGEV_THREAD_ID &&
		    !pid_nr_ns(timr->it_pid, task_active_pid_ns(current))) {
			why("its POSIX timer %d signals a thread that has exited", timr->it_id);
			return -EBUSY;
		}
		if (++n > KRG_GH_PTIMERS_MAX) {
			why("it has more than %u POSIX timers", KRG_GH_PTIMERS_MAX);
			return -EBUSY;
		}
	}
	if (!n)
		return 0;
	c->ptimers = kcalloc(n, sizeof(*c->ptimers), GFP_KERNEL);
	if (!c->ptimers)
		return -ENOMEM;
	list_for_each_entry(timr, &sig->posix_timers, list)
		krgp_ptimer_stop(&c->ptimers[c->nr_ptimers++], timr);
	sort(c->ptimers, n, sizeof(*c->ptimers), krgp_ptimer_cmp, NULL);
	for (i = 0; i < n; i++) {
		struct krg_gh_ptimer *g = krg_ghost_put(c->b, KRG_GH_PTIMER, sizeof(*g));

		if (IS_ERR(g))
			return PTR_ERR(g);
		*g = c->ptimers[i].rec;
	}
	return 0;
}

int krgp_cap_time(struct krgp_capture *c)
{
	struct signal_struct *sig = current->signal;
	struct krg_gh_time *g;

	if (sig->it[CPUCLOCK_PROF].expires || sig->it[CPUCLOCK_VIRT].expires) {
		why("it has a CPU-time interval timer armed (ITIMER_VIRTUAL or ITIMER_PROF)");
		return -EBUSY;
	}
	g = krg_ghost_put(c->b, KRG_GH_TIME, sizeof(*g));
	if (IS_ERR(g))
		return PTR_ERR(g);
	krgp_proc_clocks(&g->monotonic_ns, &g->boottime_ns);
	g->realtime_ns = ktime_get_real_ns();
	g->next_timer_id = sig->next_posix_timer_id;
	g->it_real_value_ns = krgp_itimer_stop(&g->it_real_interval_ns);
	c->it_real_value = g->it_real_value_ns;
	c->it_real_interval = g->it_real_interval_ns;
	return krgp_cap_ptimers(c);
}

/* The move failed: the timer goes on here with the time it had left. */
void krgp_time_undo(struct krgp_capture *c)
{
	krgp_itimer_arm(c->it_real_value, c->it_real_interval);
	c->it_real_value = 0;
	krgp_ptimers_undo(c);
}

int krgp_time_check(const struct krg_gh_time *g)
{
	if (g->monotonic_ns < 0 || g->monotonic_ns >= KRGP_TIME_MAX_NS ||
	    g->boottime_ns < 0 || g->boottime_ns >= KRGP_TIME_MAX_NS ||
	    g->it_real_value_ns >= KRGP_TIME_MAX_NS ||
	    g->it_real_interval_ns >= KRGP_TIME_MAX_NS ||
	    (!g->it_real_value_ns && g->it_real_interval_ns) || g->next_timer_id > INT_MAX ||
	    g->pad)
		return -EINVAL;
	return 0;
}

int krgp_ptimer_check(const struct krg_gh_ptimer *g)
{
	bool none = g->notify == SIGEV_NONE;

	if (g->id < 0 || !krgp_ptimer_clock_ok(g->clockid) ||
	    (g->notify != SIGEV_SIGNAL && !none && g->notify != (SIGEV_THREAD_ID | SIGEV_SIGNAL)) ||
	    (none ? g->signo != 0 : g->signo < 1 || g->signo > KRG_GH_NSIG) ||
	    (g->notify & SIGEV_THREAD_ID ? !g->tid || g->tid > PID_MAX_LIMIT : g->tid) ||
	    g->pad || g->it_value_ns < 0 || g->it_value_ns >= KRGP_TIME_MAX_NS ||
	    g->it_interval_ns < 0 || g->it_interval_ns >= KRGP_TIME_MAX_NS ||
	    (!g->it_value_ns && g->it_interval_ns))
		return -EINVAL;
	return 0;
}

void krgp_time_apply(const struct krg_gh_time *g)
{
	krgp_itimer_arm(g->it_real_value_ns, g->it_real_interval_ns);
	/* (its timers, created after the stream, set it again when they are) */
	current->signal->next_posix_timer_id = g->next_timer_id;
}

/*
 * The offsets of the restorer's time namespace: the process's clocks, read
 * on the source when it sent the stream, minus this node's now.  The
 * process was frozen meanwhile, so it never sees them go back.
 */
int krgp_time_offsets(s64 monotonic, s64 boottime, s64 *mono_off, s64 *boot_off)
{
	/* (not boottime >= monotonic: each offset was read on its own) */
	if (monotonic < 0 || monotonic >= KRGP_TIME_MAX_NS ||
	    boottime < 0 || boottime >= KRGP_TIME_MAX_NS)
		return -EINVAL;
	*mono_off = monotonic - ktime_get_ns();
	*boot_off = boottime - ktime_get_boottime_ns();
	return 0;
}
