// SPDX-License-Identifier: GPL-2.0
/*
 * krg_proc: cluster-wide processes: global PIDs, process table, remote
 * signals and wait, migration, distant fork, ghosts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/seq_file.h>
#include <krg/krg_module.h>

#include "krg_proc.h"
#include "krg_kddm/krg_kddm.h"
#include "krg_comm/krg_comm.h"
#include "krg_hooks/krg_hooks.h"
#include "caps.h"
#include "env.h"
#include "hooks.h"
#include "leave.h"
#include "migrate.h"
#include "netlink.h"
#include "procfs.h"
#include "rpc.h"

static struct krg_debugfs krg_proc_debugfs;

/* debugfs kerrighed/krg_proc/stats: counters for tests and debugging. */
static int krgp_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "env %s\nrpc_bad %ld\ncaps_nomem %ld\nproc_inodes %lu\n",
		   krgp_env_ready() ? "ready" : "none",
		   atomic_long_read(&krgp_rpc_bad),
		   atomic_long_read(&krgp_caps_nomem), krgp_procfs_tracked());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(krgp_stats);

u32 krg_proc_abi(void)
{
	return KRG_PROC_ABI;
}
EXPORT_SYMBOL_GPL(krg_proc_abi);

/* Every module below us, checked before anything else is set up. */
static const struct krg_abi_dep krg_proc_deps[] = {
	KRG_ABI_DEP(krg_kddm, KRG_KDDM),
	KRG_ABI_DEP(krg_comm, KRG_COMM),
	KRG_ABI_DEP(krg_hooks, KRG_HOOKS),
};

/*
 * Parts are set up in dependency order and unwound in reverse: each new part
 * adds its _init call here with a goto err_<part> to its predecessor's exit,
 * and its _exit call at the matching place in krg_proc_exit().
 */
static int __init krg_proc_init(void)
{
	int ret;

	ret = krg_abi_check(krg_proc_deps, ARRAY_SIZE(krg_proc_deps));
	if (ret)
		return ret;

	ret = krgp_caps_init();
	if (ret)
		goto err_caps;
	ret = krgp_rpc_init();
	if (ret)
		goto err_rpc;
	ret = krgp_cluster_stat_init();
	if (ret)
		goto err_stat;
	krgp_procfs_init();
	ret = krgp_hooks_init();
	if (ret)
		goto err_hooks;
	ret = krgp_leave_init();
	if (ret)
		goto err_leave;
	ret = krgp_env_init();
	if (ret)
		goto err_env;
	ret = krgp_nl_init();
	if (ret)
		goto err_nl;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_proc_debugfs, KBUILD_MODNAME, KRG_PROC_ABI);
	if (krg_proc_debugfs.dir)
		debugfs_create_file("stats", 0444, krg_proc_debugfs.dir, NULL,
				    &krgp_stats_fops);

	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;

err_nl:
	krgp_env_exit();
err_env:
	krgp_leave_exit();
err_leave:
	krgp_hooks_exit();
err_hooks:
	krgp_procfs_exit();
	krgp_cluster_stat_exit();
err_stat:
	krgp_rpc_exit();
err_rpc:
	krgp_caps_exit_module();
err_caps:
	return ret;
}

static void __exit krg_proc_exit(void)
{
	krg_debugfs_exit(&krg_proc_debugfs);
	krgp_nl_exit();
	/* Every /dev/krg_proc file holds us: there is no environment. */
	krgp_env_exit();
	krgp_leave_exit();
	krgp_hooks_exit();
	krgp_procfs_exit();
	krgp_cluster_stat_exit();
	krgp_rpc_exit();
	krgp_migrate_exit();
	krgp_cred_cache_clear();
	krgp_caps_exit_module();
	rcu_barrier();	/* kfree_rcu of capability and migration entries */
}

module_init(krg_proc_init);
module_exit(krg_proc_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed cluster-wide processes and migration");
MODULE_AUTHOR("The Kerrighed project");
