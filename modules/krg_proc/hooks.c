// SPDX-License-Identifier: GPL-2.0
/*
 * What krg_proc asks of krg_hooks, in one place: the hooks fire only for
 * tasks of the cluster PID namespace, set when krginit registers the
 * environment (env.c), and each one calls the file that owns its concept.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "krg_hooks/krg_hooks.h"
#include "caps.h"
#include "env.h"
#include "hooks.h"
#include "migrate.h"
#include "procfs.h"
#include "remote_sys.h"
#include "signal.h"
#include "task_table.h"

/* exit: every thread, atomic. */
static void krgp_task_exit(struct task_struct *t)
{
	krgp_mig_exit(t);
	krgp_caps_exit(t);
}

static const struct krg_hook_ops krgp_hook_ops = {
	.name = "krg_proc",
	.task_new = krgp_caps_fork,
	.exit = krgp_task_exit,
	.signal_remote = krgp_signal_remote,
	.signal_divert = krgp_signal_divert,
	.sys_nrs = krgp_sys_nrs,
	.sys_nrs_count = KRGP_SYS_NRS,
	.sys_override = krgp_sys_override,
	.sys_deferred = krgp_sys_deferred,
	.pid_range = krgp_pid_range,
	.proc_pids = krgp_remote_pids,
	.proc_lookup = krgp_proc_lookup,
};

int krgp_hooks_init(void)
{
	return krg_hooks_register(&krgp_hook_ops);
}

void krgp_hooks_exit(void)
{
	krg_hooks_unregister(&krgp_hook_ops);
}
