// SPDX-License-Identifier: GPL-2.0
/*
 * krg_fs: file access forwarding for migrated processes, reopen on shared
 * file systems.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <krg/krg_module.h>

#include "krg_fs.h"
#include "krg_proc/krg_proc.h"
#include "krg_kddm/krg_kddm.h"
#include "krg_comm/krg_comm.h"

static struct krg_debugfs krg_fs_debugfs;

u32 krg_fs_abi(void)
{
	return KRG_FS_ABI;
}
EXPORT_SYMBOL_GPL(krg_fs_abi);

/* Every module below us, checked before anything else is set up. */
static const struct krg_abi_dep krg_fs_deps[] = {
	KRG_ABI_DEP(krg_proc, KRG_PROC),
	KRG_ABI_DEP(krg_kddm, KRG_KDDM),
	KRG_ABI_DEP(krg_comm, KRG_COMM),
};

/*
 * Parts are set up in dependency order and unwound in reverse: each new part
 * adds its _init call here with a goto err_<part> to its predecessor's exit,
 * and its _exit call at the matching place in krg_fs_exit().
 */
static int __init krg_fs_init(void)
{
	int ret;

	ret = krg_abi_check(krg_fs_deps, ARRAY_SIZE(krg_fs_deps));
	if (ret)
		return ret;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_fs_debugfs, KBUILD_MODNAME, KRG_FS_ABI);

	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;
}

static void __exit krg_fs_exit(void)
{
	krg_debugfs_exit(&krg_fs_debugfs);
}

module_init(krg_fs_init);
module_exit(krg_fs_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed file access forwarding");
MODULE_AUTHOR("The Kerrighed project");
