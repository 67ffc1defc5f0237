// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid> of processes that run on other nodes, in the cluster
 * environment's /proc.
 *
 * krg_hooks lists their PIDs among the local ones (proc_pids ->
 * krgp_remote_pids) and calls proc_lookup when /proc/<pid> has no local
 * task; we then make a directory inode on procfs's superblock whose entries
 * are served by the process's node: stat, status, statm, cmdline, comm,
 * environ and limits are read there, with the reader's credentials, when the
 * file is opened (one message; reads serve that snapshot, as seq_file does
 * for local ones); cwd, exe and fd/N are links read there; fd lists the
 * descriptors.  The owner and modes are those procfs gives the real entries,
 * and the serving node applies procfs's own checks, so a reader gets what it
 * would get locally.
 *
 * These dentries are never cached (simple_dentry_operations, kernel-owned):
 * every path walk asks again, so a process that ended is gone at once.
 *
 * Unload: our inodes live on procfs's superblock and can outlive a path walk
 * (a shell whose cwd is /proc/<pid>).  Each inode we make is tracked with a
 * reference; a periodic pass drops those nobody else holds.  At module exit
 * the remaining ones get the kernel's bad-inode operations (every call
 * fails with EIO), calls already inside our code are waited for, and then
 * synchronize_rcu_tasks() lets a task that loaded our pointer before the
 * switch leave our text.  Open files hold a module reference (fops owner).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "krg_comm/krg_comm.h"
#include "env.h"
#include "procfs.h"
#include "rpc.h"
#include "task_table.h"

#define KRGP_PRUNE_MS		5000
#define KRGP_TRACK_MAX		65536	/* inodes tracked before lookups fail */

struct krgp_entry {
	const char *name;
	umode_t mode;
};

static const struct krgp_entry krgp_entries[__KRGP_PF_MAX] = {
	[KRGP_PF_STAT]		= { "stat", S_IFREG | 0444 },
	[KRGP_PF_STATUS]	= { "status", S_IFREG | 0444 },
	[KRGP_PF_STATM]		= { "statm", S_IFREG | 0444 },
	[KRGP_PF_CMDLINE]	= { "cmdline", S_IFREG | 0444 },
	[KRGP_PF_COMM]		= { "comm", S_IFREG | 0444 },
	[KRGP_PF_ENVIRON]	= { "environ", S_IFREG | 0400 },
	[KRGP_PF_LIMITS]	= { "limits", S_IFREG | 0444 },
	[KRGP_PF_CWD]		= { "cwd", S_IFLNK | 0777 },
	[KRGP_PF_EXE]		= { "exe", S_IFLNK | 0777 },
	[KRGP_PF_FD]		= { "fd", S_IFDIR | 0500 },
};

/* Which process and entry an inode is: pid | file << 22 | fd << 32. */
#define KRGP_PF_DIR		0xf	/* the /proc/<pid> directory itself */

static unsigned long krgp_ino_key(pid_t pid, unsigned int file, u32 fd)
{
	return (unsigned long)pid | (unsigned long)file << 22 |
	       (unsigned long)fd << 32;
}

static pid_t krgp_ino_pid(const struct inode *inode)
{
	return (unsigned long)inode->i_private & (PID_MAX_LIMIT - 1);
}

static unsigned int krgp_ino_file(const struct inode *inode)
{
	return ((unsigned long)inode->i_private >> 22) & 0xf;
}

static u32 krgp_ino_fd(const struct inode *inode)
{
	return (unsigned long)inode->i_private >> 32;
}

/* ---- in-flight calls and the inodes we made --------------------------------- */

static atomic_t krgp_procfs_active = ATOMIC_INIT(0);
static bool krgp_procfs_dead;
static DEFINE_XARRAY_ALLOC(krgp_inodes);
static struct delayed_work krgp_prune_work;

static bool krgp_enter(void)
{
	atomic_inc(&krgp_procfs_active);
	/* Pairs with the store in krgp_procfs_exit(). */
	smp_mb__after_atomic();
	if (!READ_ONCE(krgp_procfs_dead))
		return true;
	if (atomic_dec_and_test(&krgp_procfs_active))
		wake_up_var(&krgp_procfs_active);
	return false;
}

static void krgp_leave(void)
{
	if (atomic_dec_and_test(&krgp_procfs_active))
		wake_up_var(&krgp_procfs_active);
}

static int krgp_track(struct inode *inode)
{
	u32 id;
	int ret;

	ihold(inode);
	ret = xa_alloc(&krgp_inodes, &id, inode,
		       XA_LIMIT(0, KRGP_TRACK_MAX - 1), GFP_KERNEL);
	if (ret) {
		iput(inode);
		return ret == -EBUSY ? -ENFILE : ret;
	}
	return 0;
}

static void krgp_prune(struct work_struct *work)
{
	struct inode *inode;
	unsigned long id;

	xa_for_each(&krgp_inodes, id, inode) {
		if (atomic_read(&inode->i_count) > 1)
			continue;
		xa_erase(&krgp_inodes, id);
		iput(inode);
	}
	if (!READ_ONCE(krgp_procfs_dead))
		schedule_delayed_work(&krgp_prune_work,
				      msecs_to_jiffies(KRGP_PRUNE_MS));
}

/* ---- making inodes ---------------------------------------------------------- */

static const struct inode_operations krgp_pid_dir_iops;
static const struct file_operations krgp_pid_dir_fops;
static const struct inode_operations krgp_fd_dir_iops;
static const struct file_operations krgp_fd_dir_fops;
static const struct inode_operations krgp_link_iops;
static const struct file_operations krgp_file_fops;

static struct dentry *krgp_instantiate(struct dentry *dentry, umode_t mode,
				       kuid_t uid, kgid_t gid,
				       unsigned long key)
{
	struct inode *inode = new_inode(dentry->d_sb);
	int ret;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	inode->i_ino = get_next_ino();
	inode->i_mode = mode;
	inode->i_uid = uid;
	inode->i_gid = gid;
	inode->i_mtime = current_time(inode);
	inode->i_atime = inode->i_mtime;
	inode->i_ctime = inode->i_mtime;
	inode->i_private = (void *)key;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		set_nlink(inode, 2);
		if (((key >> 22) & 0xf) == KRGP_PF_DIR) {
			inode->i_op = &krgp_pid_dir_iops;
			inode->i_fop = &krgp_pid_dir_fops;
		} else {
			inode->i_op = &krgp_fd_dir_iops;
			inode->i_fop = &krgp_fd_dir_fops;
		}
		break;
	case S_IFLNK:
		inode->i_op = &krgp_link_iops;
		break;
	default:
		inode->i_fop = &krgp_file_fops;
		break;
	}
	ret = krgp_track(inode);
	if (ret) {
		iput(inode);
		return ERR_PTR(ret);
	}
	/* Never cached: each walk asks again (kernel-owned operations). */
	if (!dentry->d_op)
		d_set_d_op(dentry, &simple_dentry_operations);
	return d_splice_alias(inode, dentry);
}

/* krg_hooks proc_lookup: /proc/<tgid> without a local task. */
struct dentry *krgp_proc_lookup(struct pid_namespace *ns, struct dentry *dentry,
				pid_t tgid)
{
	struct krgp_pid_info info;
	struct dentry *ret;
	int err;

	if (!krgp_enter())
		return ERR_PTR(-ENOENT);
	err = krgp_remote_pid_info(tgid, &info);
	if (err) {
		ret = ERR_PTR(err == -ENOMEM ? err : -ENOENT);
	} else {
		ret = krgp_instantiate(dentry, S_IFDIR | 0555,
			make_kuid(&init_user_ns, le32_to_cpu(info.euid)),
			make_kgid(&init_user_ns, le32_to_cpu(info.egid)),
			krgp_ino_key(tgid, KRGP_PF_DIR, 0));
	}
	krgp_leave();
	return ret;
}

/* ---- asking the process's node --------------------------------------------- */

static int krgp_ask(struct inode *inode, u8 op, u32 file, u32 fd, void **reply,
		    size_t *len)
{
	struct krgp_proc_req r = { };
	pid_t pid = krgp_ino_pid(inode);
	struct krgp_env *env;
	int node = krgp_locate(pid), ret;

	if (node < 0 || node == krg_comm_self())
		return -ESRCH;
	krgp_cred_pack(&r.cred);
	r.pid = cpu_to_le32(pid);
	r.file = cpu_to_le32(file);
	r.fd = cpu_to_le32(fd);
	env = krgp_env_get();
	r.start_boot_ns = cpu_to_le64(env ? env->boot_ns : 0);
	krgp_env_put(env);
	ret = krgp_call(node, op, &r, sizeof(r), reply, len);
	return ret == -EHOSTDOWN ? -ESRCH : min(ret, 0);
}

/* ---- files ----------------------------------------------------------------- */

struct krgp_snapshot {
	size_t len;
	void *data;
};

static int krgp_file_open(struct inode *inode, struct file *file)
{
	struct krgp_snapshot *s;
	int ret;

	if (!krgp_enter())
		return -EIO;
	ret = -EACCES;
	if (file->f_mode & FMODE_WRITE)
		goto out;	/* comm is writable locally; not across nodes */
	ret = -ENOMEM;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto out;
	ret = krgp_ask(inode, KRGP_OP_PROC_READ, krgp_ino_file(inode), 0,
		       &s->data, &s->len);
	if (!ret && s->len > KRGP_PROC_READ_MAX) {
		atomic_long_inc(&krgp_rpc_bad);
		kvfree(s->data);
		ret = -EIO;
	}
	if (ret) {
		kfree(s);
		goto out;
	}
	file->private_data = s;
out:
	krgp_leave();
	return ret;
}

static ssize_t krgp_file_read(struct file *file, char __user *buf, size_t len,
			      loff_t *pos)
{
	struct krgp_snapshot *s = file->private_data;

	return simple_read_from_buffer(buf, len, pos, s->data, s->len);
}

static int krgp_file_release(struct inode *inode, struct file *file)
{
	struct krgp_snapshot *s = file->private_data;

	kvfree(s->data);
	kfree(s);
	return 0;
}

static const struct file_operations krgp_file_fops = {
	.owner = THIS_MODULE,
	.open = krgp_file_open,
	.read = krgp_file_read,
	.release = krgp_file_release,
	.llseek = default_llseek,
};

/* ---- links: cwd, exe, fd/N ------------------------------------------------- */

static const char *krgp_get_link(struct dentry *dentry, struct inode *inode,
				 struct delayed_call *done)
{
	void *reply;
	size_t len;
	char *link;
	int ret;

	if (!dentry)
		return ERR_PTR(-ECHILD);	/* no RPC in an RCU walk */
	if (!krgp_enter())
		return ERR_PTR(-EIO);
	ret = krgp_ask(inode, KRGP_OP_PROC_LINK, krgp_ino_file(inode),
		       krgp_ino_fd(inode), &reply, &len);
	link = ERR_PTR(ret);
	if (!ret) {
		link = len && len < PATH_MAX ? kmemdup_nul(reply, len, GFP_KERNEL) :
					       ERR_PTR(-EIO);
		if (!link)
			link = ERR_PTR(-ENOMEM);
		kvfree(reply);
	}
	krgp_leave();
	if (!IS_ERR(link))
		set_delayed_call(done, kfree_link, link);
	return link;
}

static const struct inode_operations krgp_link_iops = {
	.get_link = krgp_get_link,
};

/* ---- /proc/<pid> ------------------------------------------------------------ */

static struct dentry *krgp_pid_dir_lookup(struct inode *dir,
					  struct dentry *dentry,
					  unsigned int flags)
{
	struct dentry *ret = ERR_PTR(-ENOENT);
	unsigned int i;

	if (!krgp_enter())
		return ERR_PTR(-EIO);
	for (i = 0; i < __KRGP_PF_MAX; i++) {
		if (strcmp(dentry->d_name.name, krgp_entries[i].name))
			continue;
		ret = krgp_instantiate(dentry, krgp_entries[i].mode, dir->i_uid,
				       dir->i_gid,
				       krgp_ino_key(krgp_ino_pid(dir), i, 0));
		break;
	}
	krgp_leave();
	return ret;
}

static int krgp_pid_dir_readdir(struct file *file, struct dir_context *ctx)
{
	unsigned int i;

	if (!krgp_enter())
		return -EIO;
	if (dir_emit_dots(file, ctx)) {
		for (i = ctx->pos - 2; i < __KRGP_PF_MAX; i++) {
			const struct krgp_entry *e = &krgp_entries[i];

			if (!dir_emit(ctx, e->name, strlen(e->name), 1,
				      S_DT(e->mode)))
				break;
			ctx->pos++;
		}
	}
	krgp_leave();
	return 0;
}

static const struct inode_operations krgp_pid_dir_iops = {
	.lookup = krgp_pid_dir_lookup,
};

static const struct file_operations krgp_pid_dir_fops = {
	.owner = THIS_MODULE,
	.read = generic_read_dir,
	.iterate_shared = krgp_pid_dir_readdir,
	.llseek = generic_file_llseek,
};

/* ---- /proc/<pid>/fd --------------------------------------------------------- */

static int krgp_fd_parse(const struct qstr *name, u32 *fd)
{
	unsigned int i;
	u64 n = 0;

	if (!name->len || name->len > 10 || (name->len > 1 && name->name[0] == '0'))
		return -ENOENT;
	for (i = 0; i < name->len; i++) {
		if (name->name[i] < '0' || name->name[i] > '9')
			return -ENOENT;
		n = n * 10 + (name->name[i] - '0');
	}
	if (n > INT_MAX)
		return -ENOENT;
	*fd = n;
	return 0;
}

static struct dentry *krgp_fd_dir_lookup(struct inode *dir,
					 struct dentry *dentry,
					 unsigned int flags)
{
	struct dentry *ret;
	void *reply;
	size_t len;
	u32 fd;
	int err;

	if (!krgp_enter())
		return ERR_PTR(-EIO);
	err = krgp_fd_parse(&dentry->d_name, &fd);
	/* Does it exist (and may we see it)?  The link names the same file. */
	if (!err)
		err = krgp_ask(dir, KRGP_OP_PROC_LINK, KRGP_PF_FD, fd, &reply,
			       &len);
	if (err) {
		ret = ERR_PTR(err == -ENOMEM ? err : -ENOENT);
	} else {
		kvfree(reply);
		ret = krgp_instantiate(dentry, S_IFLNK | 0700, dir->i_uid,
				       dir->i_gid,
				       krgp_ino_key(krgp_ino_pid(dir),
						    KRGP_PF_FD, fd));
	}
	krgp_leave();
	return ret;
}

static int krgp_fd_dir_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	const __le32 *fds;
	void *reply = NULL;
	size_t len = 0, i;
	char name[12];
	int ret = 0;

	if (!krgp_enter())
		return -EIO;
	if (!dir_emit_dots(file, ctx))
		goto out;
	ret = krgp_ask(dir, KRGP_OP_PROC_FDS, KRGP_PF_FD, 0, &reply, &len);
	if (ret)
		goto out;
	if (len % sizeof(__le32) || len / sizeof(__le32) > KRGP_PROC_FDS_MAX) {
		atomic_long_inc(&krgp_rpc_bad);
		ret = -EIO;
		goto out;
	}
	fds = reply;
	/* Position 2 + i is the i-th descriptor of the list. */
	for (i = ctx->pos - 2; i < len / sizeof(__le32); i++) {
		int n = snprintf(name, sizeof(name), "%u", le32_to_cpu(fds[i]));

		if (!dir_emit(ctx, name, n, 1, DT_LNK))
			break;
		ctx->pos++;
	}
out:
	kvfree(reply);
	krgp_leave();
	return ret;
}

static const struct inode_operations krgp_fd_dir_iops = {
	.lookup = krgp_fd_dir_lookup,
};

static const struct file_operations krgp_fd_dir_fops = {
	.owner = THIS_MODULE,
	.read = generic_read_dir,
	.iterate_shared = krgp_fd_dir_readdir,
	.llseek = generic_file_llseek,
};

/* ---- life cycle -------------------------------------------------------------- */

void krgp_procfs_init(void)
{
	INIT_DELAYED_WORK(&krgp_prune_work, krgp_prune);
	schedule_delayed_work(&krgp_prune_work, msecs_to_jiffies(KRGP_PRUNE_MS));
}

unsigned long krgp_procfs_tracked(void)
{
	struct inode *inode;
	unsigned long id, n = 0;

	xa_for_each(&krgp_inodes, id, inode)
		n++;
	return n;
}

/* After the hooks are gone: no new /proc/<pid> of ours can appear. */
void krgp_procfs_exit(void)
{
	struct inode *inode;
	unsigned long id;

	WRITE_ONCE(krgp_procfs_dead, true);
	/* Pairs with krgp_enter(): a caller sees dead or we see its count. */
	smp_mb();
	cancel_delayed_work_sync(&krgp_prune_work);
	xa_for_each(&krgp_inodes, id, inode) {
		xa_erase(&krgp_inodes, id);
		/* Still held (a cwd, an O_PATH fd): kernel-owned operations. */
		if (atomic_read(&inode->i_count) > 1) {
			inode_lock(inode);
			make_bad_inode(inode);
			inode_unlock(inode);
		}
		iput(inode);
	}
	wait_var_event(&krgp_procfs_active, !atomic_read(&krgp_procfs_active));
	synchronize_rcu_tasks();
	xa_destroy(&krgp_inodes);
}
