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
 * does a failed move on the source.  POSIX timers and the CPU-time interval
 * timers are refused: only their system calls can create or arm them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/posix-timers.h>
#include <linux/sched/signal.h>
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

int krgp_cap_time(struct krgp_capture *c)
{
	struct signal_struct *sig = current->signal;
	struct krg_gh_time *g;

	if (!list_empty(&sig->posix_timers)) {
		why("it has POSIX timers (timer_create)");
		return -EBUSY;
	}
	if (sig->it[CPUCLOCK_PROF].expires || sig->it[CPUCLOCK_VIRT].expires) {
		why("it has a CPU-time interval timer armed (ITIMER_VIRTUAL or ITIMER_PROF)");
		return -EBUSY;
	}
	g = krg_ghost_put(c->b, KRG_GH_TIME, sizeof(*g));
	if (IS_ERR(g))
		return PTR_ERR(g);
	krgp_proc_clocks(&g->monotonic_ns, &g->boottime_ns);
	g->realtime_ns = ktime_get_real_ns();
	g->it_real_value_ns = krgp_itimer_stop(&g->it_real_interval_ns);
	c->it_real_value = g->it_real_value_ns;
	c->it_real_interval = g->it_real_interval_ns;
	return 0;
}

/* The move failed: the timer goes on here with the time it had left. */
void krgp_time_undo(struct krgp_capture *c)
{
	krgp_itimer_arm(c->it_real_value, c->it_real_interval);
	c->it_real_value = 0;
}

int krgp_time_check(const struct krg_gh_time *g)
{
	if (g->monotonic_ns < 0 || g->monotonic_ns >= KRGP_TIME_MAX_NS ||
	    g->boottime_ns < 0 || g->boottime_ns >= KRGP_TIME_MAX_NS ||
	    g->it_real_value_ns >= KRGP_TIME_MAX_NS ||
	    g->it_real_interval_ns >= KRGP_TIME_MAX_NS ||
	    (!g->it_real_value_ns && g->it_real_interval_ns))
		return -EINVAL;
	return 0;
}

void krgp_time_apply(const struct krg_gh_time *g)
{
	krgp_itimer_arm(g->it_real_value_ns, g->it_real_interval_ns);
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
