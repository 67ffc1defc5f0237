// SPDX-License-Identifier: GPL-2.0
/*
 * krg_kddm: the Kernel Distributed Data Manager: object sets, coherence
 * protocol, IO linkers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/seq_file.h>
#include <krg/krg_module.h>

#include "internal.h"

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

/* debugfs "objects": every entry of every set, one line each. */
static int objects_show(struct seq_file *m, void *v)
{
	static const char *const states[] = { "invalid", "read", "owner", "lost" };
	struct kddm_set *set;
	struct kddm_entry *e;
	int bkt;

	seq_puts(m, "set object state epoch hint copyset want pins queued\n");
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		hash_for_each(set->objs, bkt, e, node)
			seq_printf(m, "%u %llu %s %llu %d %*pbl %u %d %d\n",
				   set->id, e->objid, states[e->state & 3],
				   e->epoch, e->hint == KDDM_NONE ? -1 : (int)e->hint,
				   KRG_MAX_NODES, e->copyset.bits, e->want,
				   e->writer ? -1 : e->readers,
				   !list_empty(&e->queue));
		mutex_unlock(&set->lock);
	}
	mutex_unlock(&kddm_sets_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

/* debugfs "state_machines": "<machine> illegal <count>". */
static int state_machines_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s illegal %ld\n", kddm_object_sm.name,
		   krg_sm_illegal(&kddm_object_sm));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state_machines);

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

	ret = kddm_recovery_init();
	if (ret)
		return ret;
	ret = krg_comm_register_service(&kddm_service);
	if (ret)
		goto err_recovery;
	ret = krg_comm_register_notifier(&kddm_notifier);
	if (ret)
		goto err_service;
	ret = kddm_nl_init();
	if (ret)
		goto err_notifier;

	/* Optional: never fails the load. */
	krg_debugfs_init(&krg_kddm_debugfs, KBUILD_MODNAME, KRG_KDDM_ABI);
	if (!IS_ERR_OR_NULL(krg_kddm_debugfs.dir)) {
		debugfs_create_file("objects", 0400, krg_kddm_debugfs.dir, NULL,
				    &objects_fops);
		debugfs_create_file("state_machines", 0400,
				    krg_kddm_debugfs.dir, NULL,
				    &state_machines_fops);
	}

	kddm_announce(true);
	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;

err_notifier:
	krg_comm_unregister_notifier(&kddm_notifier);
err_service:
	krg_comm_unregister_service(&kddm_service);
err_recovery:
	kddm_recovery_exit();
	return ret;
}

static void __exit krg_kddm_exit(void)
{
	krg_debugfs_exit(&krg_kddm_debugfs);
	/* Still a member: hand everything off so nothing is lost. */
	kddm_announce(false);
	/* Waiters see their set gone (-ENOENT) before the family goes. */
	kddm_sets_exit();
	kddm_nl_exit();
	krg_comm_unregister_notifier(&kddm_notifier);
	krg_comm_unregister_service(&kddm_service);
	kddm_recovery_exit();
	kddm_sets_exit();	/* sets a message created meanwhile */
}

module_init(krg_kddm_init);
module_exit(krg_kddm_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed Kernel Distributed Data Manager");
MODULE_AUTHOR("The Kerrighed project");
