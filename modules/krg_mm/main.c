// SPDX-License-Identifier: GPL-2.0
/*
 * krg_mm: distributed memory: remote paging for migrated processes, SysV
 * shm DSM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <krg/krg_module.h>

#include "krg_mm.h"
#include "krg_proc/krg_proc.h"
#include "krg_kddm/krg_kddm.h"
#include "krg_comm/krg_comm.h"

static struct krg_debugfs krg_mm_debugfs;

u32 krg_mm_abi(void)
{
	return KRG_MM_ABI;
}
EXPORT_SYMBOL_GPL(krg_mm_abi);

/* Every module below us, checked before anything else is set up. */
static const struct krg_abi_dep krg_mm_deps[] = {
	KRG_ABI_DEP(krg_proc, KRG_PROC),
	KRG_ABI_DEP(krg_kddm, KRG_KDDM),
	KRG_ABI_DEP(krg_comm, KRG_COMM),
};

/*
 * Parts are set up in dependency order and unwound in reverse: each new part
 * adds its _init call here with a goto err_<part> to its predecessor's exit,
 * and its _exit call at the matching place in krg_mm_exit().
 */
static int __init krg_mm_init(void)
{
	int ret;

	ret = krg_abi_check(krg_mm_deps, ARRAY_SIZE(krg_mm_deps));
	if (ret)
		return ret;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_mm_debugfs, KBUILD_MODNAME, KRG_MM_ABI);

	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;
}

static void __exit krg_mm_exit(void)
{
	krg_debugfs_exit(&krg_mm_debugfs);
}

module_init(krg_mm_init);
module_exit(krg_mm_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed remote paging and distributed shared memory");
MODULE_AUTHOR("The Kerrighed project");
