// SPDX-License-Identifier: GPL-2.0
/*
 * What krgadm check reads, under the module's own sysfs directory:
 *   /sys/module/krg_hooks/backend          "stock" or "core"
 *   /sys/module/krg_hooks/hooks/<hook>     "<mechanism> <state> <consumer>"
 * <state> is live, ready or unavailable; <consumer> is the name of the ops
 * that registered the hook, or "-".  See krg_hooks.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct module_attribute krgh_hook_attrs[KRG_HOOK_NR];
static struct attribute *krgh_hook_attr_ptrs[KRG_HOOK_NR + 1];
static const struct attribute_group krgh_hooks_group = {
	.name = "hooks",
	.attrs = krgh_hook_attr_ptrs,
};

static ssize_t krgh_hook_show(struct module_attribute *attr,
			      struct module_kobject *mk, char *buf)
{
	return krgh_hook_describe(attr - krgh_hook_attrs, buf);
}

static ssize_t krgh_backend_show(struct module_attribute *attr,
				 struct module_kobject *mk, char *buf)
{
	struct krg_hooks_caps caps;

	krg_hooks_caps(&caps);
	return sysfs_emit(buf, "%s\n",
			  caps.backend == KRG_BACKEND_CORE ? "core" : "stock");
}

static struct module_attribute krgh_backend_attr =
	__ATTR(backend, 0444, krgh_backend_show, NULL);

int krgh_sysfs_init(void)
{
	struct kobject *kobj = &THIS_MODULE->mkobj.kobj;
	int i, err;

	for (i = 0; i < KRG_HOOK_NR; i++) {
		sysfs_attr_init(&krgh_hook_attrs[i].attr);
		krgh_hook_attrs[i].attr.name = krg_hooks_name(i);
		krgh_hook_attrs[i].attr.mode = 0444;
		krgh_hook_attrs[i].show = krgh_hook_show;
		krgh_hook_attr_ptrs[i] = &krgh_hook_attrs[i].attr;
	}
	err = sysfs_create_file(kobj, &krgh_backend_attr.attr);
	if (err)
		return err;
	err = sysfs_create_group(kobj, &krgh_hooks_group);
	if (err)
		sysfs_remove_file(kobj, &krgh_backend_attr.attr);
	return err;
}

void krgh_sysfs_exit(void)
{
	struct kobject *kobj = &THIS_MODULE->mkobj.kobj;

	sysfs_remove_group(kobj, &krgh_hooks_group);
	sysfs_remove_file(kobj, &krgh_backend_attr.attr);
}
