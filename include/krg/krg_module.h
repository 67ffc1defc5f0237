/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every Kerrighed module does the same way at load time: check that the
 * modules it sits on speak the interface it was built against, and give
 * itself a debugfs directory under the shared "kerrighed" root.
 *
 * Include it after the file's pr_fmt definition: the messages below are
 * printed under the including module's name.
 */
#ifndef _KRG_KRG_MODULE_H
#define _KRG_KRG_MODULE_H

#include <linux/debugfs.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/types.h>

#ifndef KRG_VERSION
#error "KRG_VERSION comes from modules/Kbuild (dkms.conf PACKAGE_VERSION)"
#endif

/*
 * One module below us: its name, its exported krg_<x>_abi() and the
 * KRG_<X>_ABI its header had when we were built.  Taking the address of the
 * exported function is also what makes modpost record the dependency, so
 * modprobe loads the lower module first.
 */
struct krg_abi_dep {
	const char *name;
	u32 (*abi)(void);
	u32 built;
};

#define KRG_ABI_DEP(mod, MOD) { #mod, mod##_abi, MOD##_ABI }

/* Returns 0, or -ENOEXEC after naming every module that does not match. */
static inline int krg_abi_check(const struct krg_abi_dep *deps, size_t n)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		u32 have = deps[i].abi();

		if (have == deps[i].built)
			continue;
		pr_err("%s interface is ABI %u, this module was built against ABI %u: rebuild and reload all kerrighed modules together\n",
		       deps[i].name, have, deps[i].built);
		ret = -ENOEXEC;
	}
	return ret;
}

#define KRG_DEBUGFS_ROOT "kerrighed"

/*
 * The debugfs side of one module: /sys/kernel/debug/kerrighed/<name>/ with a
 * read-only "version" file ("<name> <version> abi <n>").
 */
struct krg_debugfs {
	struct dentry *dir;
	struct debugfs_blob_wrapper version_blob;
	char version[64];
};

/*
 * The root is shared and owned by nobody: krg_hooks and krg_comm are both at
 * the bottom and depend on no module of ours, so no module can own it for
 * the others.  The first module to load creates it, the others find it, and
 * it stays (an empty directory, no module memory behind it) after the last
 * module leaves, so no unload can pull it from under another module's init.
 */
static inline struct dentry *krg_debugfs_lookup_root(void)
{
	struct dentry *root = debugfs_lookup(KRG_DEBUGFS_ROOT, NULL);

	if (IS_ERR_OR_NULL(root))
		return root ?: ERR_PTR(-ENOENT);
	/*
	 * debugfs pins its dentries until debugfs_remove(), which nobody calls
	 * on the root, so the lookup's reference can go at once.
	 */
	dput(root);
	return root;
}

static inline struct dentry *krg_debugfs_root(void)
{
	struct dentry *root = krg_debugfs_lookup_root();

	if (!IS_ERR(root))
		return root;
	root = debugfs_create_dir(KRG_DEBUGFS_ROOT, NULL);
	/* Another module's init created it since our lookup: use that one. */
	if (PTR_ERR_OR_ZERO(root) == -EEXIST)
		root = krg_debugfs_lookup_root();
	return root;
}

/*
 * Never fails the module: without debugfs (not built in, debugfs=off,
 * out of memory) it logs once and the module works without it.
 */
static inline void krg_debugfs_init(struct krg_debugfs *d, const char *name,
				    u32 abi)
{
	struct dentry *root, *dir, *file;

	d->dir = NULL;
	root = krg_debugfs_root();
	if (IS_ERR(root))
		goto err_nodir;
	dir = debugfs_create_dir(name, root);
	if (IS_ERR(dir))
		goto err_nodir;

	d->version_blob.size = scnprintf(d->version, sizeof(d->version),
					 "%s %s abi %u\n", name, KRG_VERSION,
					 abi);
	d->version_blob.data = d->version;
	file = debugfs_create_blob("version", 0444, dir, &d->version_blob);
	if (IS_ERR(file))
		goto err_version;
	d->dir = dir;
	return;

err_version:
	debugfs_remove(dir);
err_nodir:
	pr_info("no debugfs directory (%s/%s): continuing without it\n",
		KRG_DEBUGFS_ROOT, name);
}

static inline void krg_debugfs_exit(struct krg_debugfs *d)
{
	debugfs_remove(d->dir);
	d->dir = NULL;
}

#endif /* _KRG_KRG_MODULE_H */
