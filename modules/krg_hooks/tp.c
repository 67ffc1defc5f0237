// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint attachments: the task life cycle (task_newtask,
 * sched_process_fork/exec/exit/free) and sys_enter (whose probe lives in
 * sys.c).  None of these tracepoints is exported in 6.1, so they are found by
 * name with for_each_kernel_tracepoint() at load time; a missing one makes its
 * hooks unavailable.
 *
 * The free hook needs to know which tasks were cluster tasks: by the time
 * sched_process_free fires the task's struct pid is detached.  So while free
 * is live, task_newtask records cluster tasks in a hash table and
 * sched_process_free reports (and forgets) exactly those.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/rhashtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "internal.h"

struct krgh_tracked {
	struct rhash_head node;
	struct task_struct *task;
	struct rcu_head rcu;
};

static const struct rhashtable_params krgh_tracked_params = {
	.key_len = sizeof(struct task_struct *),
	.key_offset = offsetof(struct krgh_tracked, task),
	.head_offset = offsetof(struct krgh_tracked, node),
	.automatic_shrinking = true,
};

static struct rhashtable krgh_tracked;
static atomic_t krgh_tracked_count = ATOMIC_INIT(0);
static atomic_long_t krgh_tracked_lost = ATOMIC_LONG_INIT(0);
/* Track only while the free probe is attached, or a freed task goes unseen. */
static bool krgh_tracking;

void krgh_tp_stats(struct seq_file *m)
{
	seq_printf(m, "tracked %d\ntracked_lost %ld\n",
		   atomic_read(&krgh_tracked_count),
		   atomic_long_read(&krgh_tracked_lost));
}

static void probe_newtask(void *data, struct task_struct *t,
			  unsigned long clone_flags)
{
	const struct krg_hook_ops *ops;
	struct krgh_tracked *tr;

	if (!krgh_task_in_cluster(t))
		return;
	if (READ_ONCE(krgh_tracking) &&
	    rcu_access_pointer(krgh_slots[KRG_HOOK_FREE])) {
		tr = kmalloc(sizeof(*tr), GFP_ATOMIC | __GFP_NOWARN);
		if (tr) {
			tr->task = t;
			if (rhashtable_insert_fast(&krgh_tracked, &tr->node,
						   krgh_tracked_params)) {
				kfree(tr);
				tr = NULL;
			} else {
				atomic_inc(&krgh_tracked_count);
			}
		}
		if (!tr) {
			atomic_long_inc(&krgh_tracked_lost);
			pr_warn_ratelimited("cannot track task %d: its free hook will not fire\n",
					    t->pid);
		}
	}
	ops = krgh_ops_atomic(KRG_HOOK_TASK_NEW);
	if (ops)
		ops->task_new(t, clone_flags);
}

static void probe_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	const struct krg_hook_ops *ops;

	if (!krgh_task_in_cluster(child))
		return;
	ops = krgh_ops_atomic(KRG_HOOK_FORK_POST);
	if (ops)
		ops->fork_post(parent, child);
}

static void probe_exec(void *data, struct task_struct *t, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	const struct krg_hook_ops *ops;

	if (!krgh_task_in_cluster(t))
		return;
	ops = krgh_ops_atomic(KRG_HOOK_EXEC_POST);
	if (ops)
		ops->exec_post(t, old_pid, bprm);
}

static void probe_exit(void *data, struct task_struct *t)
{
	const struct krg_hook_ops *ops;

	if (!krgh_task_in_cluster(t))
		return;
	ops = krgh_ops_atomic(KRG_HOOK_EXIT);
	if (ops)
		ops->exit(t);
}

static void probe_free(void *data, struct task_struct *t)
{
	const struct krg_hook_ops *ops;
	struct krgh_tracked *tr;

	if (!atomic_read(&krgh_tracked_count))
		return;
	tr = rhashtable_lookup_fast(&krgh_tracked, &t, krgh_tracked_params);
	if (!tr || rhashtable_remove_fast(&krgh_tracked, &tr->node,
					  krgh_tracked_params))
		return;
	atomic_dec(&krgh_tracked_count);
	kfree_rcu(tr, rcu);
	ops = krgh_ops_atomic(KRG_HOOK_FREE);
	if (ops)
		ops->free(t);
}

enum { TP_NEWTASK, TP_FORK, TP_EXEC, TP_EXIT, TP_FREE, TP_SYS_ENTER, TP_NR };

struct krgh_tp {
	const char *name;
	void *probe;
	u32 hooks;		/* any of these live => attached */
	struct tracepoint *tp;
	bool attached;
};

/*
 * Attached in this order and detached in reverse: the free probe is attached
 * before task_newtask starts tracking and detached after it stopped, so no
 * tracked task can be freed unseen.
 */
static struct krgh_tp krgh_tps[TP_NR] = {
	[TP_FREE] = { "sched_process_free", probe_free, BIT(KRG_HOOK_FREE) },
	[TP_NEWTASK] = { "task_newtask", probe_newtask,
			 BIT(KRG_HOOK_TASK_NEW) | BIT(KRG_HOOK_FREE) },
	[TP_FORK] = { "sched_process_fork", probe_fork, BIT(KRG_HOOK_FORK_POST) },
	[TP_EXEC] = { "sched_process_exec", probe_exec, BIT(KRG_HOOK_EXEC_POST) },
	[TP_EXIT] = { "sched_process_exit", probe_exit, BIT(KRG_HOOK_EXIT) },
	[TP_SYS_ENTER] = { "sys_enter", krgh_sys_enter_probe,
			   BIT(KRG_HOOK_SYSCALL) | BIT(KRG_HOOK_SIGNAL_REMOTE) },
};

static const int krgh_tp_order[TP_NR] = {
	TP_FREE, TP_NEWTASK, TP_FORK, TP_EXEC, TP_EXIT, TP_SYS_ENTER
};

static void krgh_tp_find(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < TP_NR; i++)
		if (!krgh_tps[i].tp && !strcmp(tp->name, krgh_tps[i].name))
			krgh_tps[i].tp = tp;
}

u32 krgh_tp_available(void)
{
	u32 m = 0;
	int i;

	for (i = 0; i < TP_NR; i++)
		if (krgh_tps[i].tp)
			m |= krgh_tps[i].hooks;
	/* free needs both its tracepoint and task_newtask. */
	if (!krgh_tps[TP_FREE].tp || !krgh_tps[TP_NEWTASK].tp)
		m &= ~BIT(KRG_HOOK_FREE);
	if (!krgh_tps[TP_NEWTASK].tp)
		m &= ~BIT(KRG_HOOK_TASK_NEW);
	return m;
}

u32 krgh_tp_live(void)
{
	u32 m = 0;
	int i;

	for (i = 0; i < TP_NR; i++)
		if (krgh_tps[i].attached)
			m |= krgh_tps[i].hooks;
	/* An attached tracepoint serves only the hooks that are registered. */
	for (i = 0; i < KRG_HOOK_NR; i++)
		if (!rcu_access_pointer(krgh_slots[i]))
			m &= ~BIT(i);
	return m;
}

/* Forget every tracked task; only once the free probe is detached. */
static void krgh_tracked_flush(void)
{
	struct rhashtable_iter iter;
	struct krgh_tracked *tr;

	rhashtable_walk_enter(&krgh_tracked, &iter);
	rhashtable_walk_start(&iter);
	while ((tr = rhashtable_walk_next(&iter))) {
		if (IS_ERR(tr))
			continue;	/* -EAGAIN: resize, keep walking */
		if (!rhashtable_remove_fast(&krgh_tracked, &tr->node,
					    krgh_tracked_params)) {
			atomic_dec(&krgh_tracked_count);
			kfree_rcu(tr, rcu);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

int krgh_tp_sync(u32 want)
{
	bool detached = false;
	int i, err, ret = 0;

	lockdep_assert_held(&krgh_lock);
	for (i = TP_NR - 1; i >= 0; i--) {
		struct krgh_tp *t = &krgh_tps[krgh_tp_order[i]];

		if (!t->attached || (want & t->hooks))
			continue;
		if (t == &krgh_tps[TP_FREE])
			WRITE_ONCE(krgh_tracking, false);
		tracepoint_probe_unregister(t->tp, t->probe, NULL);
		t->attached = false;
		detached = true;
	}
	if (detached)
		tracepoint_synchronize_unregister();
	if (!krgh_tps[TP_FREE].attached && atomic_read(&krgh_tracked_count))
		krgh_tracked_flush();

	for (i = 0; i < TP_NR; i++) {
		struct krgh_tp *t = &krgh_tps[krgh_tp_order[i]];

		if (t->attached || !(want & t->hooks) || !t->tp)
			continue;
		err = tracepoint_probe_register(t->tp, t->probe, NULL);
		if (err) {
			pr_err("cannot attach to tracepoint %s: %d\n", t->name, err);
			ret = ret ?: err;
			continue;
		}
		t->attached = true;
		if (t == &krgh_tps[TP_FREE])
			WRITE_ONCE(krgh_tracking, true);
	}
	return ret;
}

int krgh_tp_init(void)
{
	int err, i;

	err = rhashtable_init(&krgh_tracked, &krgh_tracked_params);
	if (err)
		return err;
	for_each_kernel_tracepoint(krgh_tp_find, NULL);
	for (i = 0; i < TP_NR; i++)
		if (!krgh_tps[i].tp)
			pr_warn("tracepoint %s not found: its hooks are unavailable\n",
				krgh_tps[i].name);
	return 0;
}

static void krgh_tracked_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void krgh_tp_exit(void)
{
	/* Every probe is detached (no consumer left); RCU frees first. */
	rcu_barrier();
	rhashtable_free_and_destroy(&krgh_tracked, krgh_tracked_free, NULL);
}
