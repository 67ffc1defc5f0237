// SPDX-License-Identifier: GPL-2.0
/*
 * krg_kddm: the Kernel Distributed Data Manager: object sets, coherence
 * protocol, IO linkers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <krg/krg_module.h>

#include "krg_kddm.h"
#include "krg_comm/krg_comm.h"

static struct krg_debugfs krg_kddm_debugfs;

u32 krg_kddm_abi(void)
{
	return KRG_KDDM_ABI;
}
EXPORT_SYMBOL_GPL(krg_kddm_abi);

/* Every module below us, checked before anything else is set up. */
static const struct krg_abi_dep krg_kddm_deps[] = {
	KRG_ABI_DEP(krg_comm, KRG_COMM),
};

/*
 * Parts are set up in dependency order and unwound in reverse: each new part
 * adds its _init call here with a goto err_<part> to its predecessor's exit,
 * and its _exit call at the matching place in krg_kddm_exit().
 */
static int __init krg_kddm_init(void)
{
	int ret;

	ret = krg_abi_check(krg_kddm_deps, ARRAY_SIZE(krg_kddm_deps));
	if (ret)
		return ret;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_kddm_debugfs, KBUILD_MODNAME, KRG_KDDM_ABI);

	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;
}

static void __exit krg_kddm_exit(void)
{
	krg_debugfs_exit(&krg_kddm_debugfs);
}

module_init(krg_kddm_init);
module_exit(krg_kddm_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed Kernel Distributed Data Manager");
MODULE_AUTHOR("The Kerrighed project");
