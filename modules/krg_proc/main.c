// SPDX-License-Identifier: GPL-2.0
/*
 * krg_proc: cluster-wide processes: global PIDs, process table, remote
 * signals and wait, migration, distant fork, ghosts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <krg/krg_module.h>

#include "krg_proc.h"
#include "krg_kddm/krg_kddm.h"
#include "krg_comm/krg_comm.h"
#include "krg_hooks/krg_hooks.h"

static struct krg_debugfs krg_proc_debugfs;

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

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_proc_debugfs, KBUILD_MODNAME, KRG_PROC_ABI);

	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;
}

static void __exit krg_proc_exit(void)
{
	krg_debugfs_exit(&krg_proc_debugfs);
}

module_init(krg_proc_init);
module_exit(krg_proc_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed cluster-wide processes and migration");
MODULE_AUTHOR("The Kerrighed project");
