// SPDX-License-Identifier: GPL-2.0
/*
 * Test consumer of krg_hooks: registers every hook the running kernel offers,
 * counts what it sees and acts on magic values (krg_hooks_test.h), so the
 * programs in tests/hooks/ can check exact counts and results.
 *
 * Control, under /sys/kernel/debug/krg_hooks_test/:
 *   ns         write "self" (the writer's PID namespace), a PID (that task's
 *              namespace, as the writer sees it) or "0" (clear) to set the
 *              cluster namespace; read "set" or "unset"
 *   range      write "LO HI" to keep new cluster PIDs in [LO, HI), "0 0" = off
 *   reset      write anything: zero the counters
 *   counts     read: one "name value" line per counter
 *   last_signal  read: "kind tgid pid sig code" of the last remote signal
 *   core_only  read: the result of registering each core-only hook alone
 *              (-EOPNOTSUPP on a stock kernel, 0 with the core patch)
 *   remote_child  write "N": the writer's child N now has its parent "on
 *              another node" (core patch only): notify_parent takes its
 *              exit over (the kernel releases it, no SIGCHLD), a work item
 *              plays the message to the parent's node and wakes the parent's
 *              waiters, and the wait hook reports it to wait4()/waitid();
 *              -ESRCH if N is not the writer's child or has exited,
 *              -EEXIST if it is marked already
 *   pid_reserve  write "N" to reserve PID number N in the writer's PID
 *              namespace, "-N" to give it back (krg_pid_reserve() of the
 *              core patch; -EOPNOTSUPP on a stock kernel)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/unistd.h>

#include <krg_hooks/krg_hooks.h>
#include "krg_hooks_test.h"

enum {
	C_TASK_NEW, C_FORK_POST, C_EXEC_POST, C_EXIT, C_FREE, C_SIGNAL_REMOTE,
	C_SYS_SKIP, C_SYS_DEFER, C_SYS_DEFER_ATOMIC, C_PID_RANGE,
	C_PROC_READDIR, C_PROC_LOOKUP, C_FORK_PRE, C_ANON_FAULT,
	C_NOTIFY_PARENT, C_NOTIFY_REMOTE, C_WAIT_REPORTED, C_NR
};

static const char *const counter_names[C_NR] = {
	"task_new", "fork_post", "exec_post", "exit", "free", "signal_remote",
	"sys_skip", "sys_defer", "sys_defer_atomic", "pid_range",
	"proc_readdir", "proc_lookup", "fork_pre", "anon_fault",
	"notify_parent", "notify_remote", "wait_reported",
};

static atomic_long_t counters[C_NR];
static int range_lo, range_hi;		/* under range_lock */
static DEFINE_SPINLOCK(range_lock);
static DEFINE_MUTEX(ctl_lock);
static bool ns_set;
static struct krg_signal_req last_sig;
static DEFINE_SPINLOCK(sig_lock);
static int core_only_result[4];
/* The core patch's exports, found at load time; NULL on a stock kernel. */
static int (*pid_reserve)(struct pid_namespace *ns, int nr);
static void (*pid_unreserve)(struct pid_namespace *ns, int nr);
static struct dentry *dir;

static void count(int c)
{
	atomic_long_inc(&counters[c]);
}

static void t_task_new(struct task_struct *t, unsigned long clone_flags)
{
	count(C_TASK_NEW);
}

static void t_fork_post(struct task_struct *parent, struct task_struct *child)
{
	count(C_FORK_POST);
}

static void t_exec_post(struct task_struct *t, pid_t old_pid,
			struct linux_binprm *bprm)
{
	count(C_EXEC_POST);
}

static void t_exit(struct task_struct *t)
{
	count(C_EXIT);
}

static void t_free(struct task_struct *t)
{
	count(C_FREE);
}

static int t_signal_remote(const struct krg_signal_req *req)
{
	might_sleep();
	spin_lock(&sig_lock);
	last_sig = *req;
	spin_unlock(&sig_lock);
	count(C_SIGNAL_REMOTE);
	return req->pid == KRG_TEST_SIG_ESRCH_PID ? -ESRCH : 0;
}

static bool t_signal_divert(struct task_struct *t)
{
	return !strncmp(t->comm, KRG_TEST_DIVERT_COMM, TASK_COMM_LEN);
}

static const int t_sys_nrs[] = { __NR_getsid, __NR_getpgid };

static enum krg_sys_verdict t_sys_override(struct krg_sys_call *call, long *ret)
{
	if (call->nr == __NR_getsid && call->args[0] == KRG_TEST_MAGIC_SKIP) {
		count(C_SYS_SKIP);
		*ret = KRG_TEST_SKIP_RET;
		return KRG_SYS_SKIP;
	}
	if (call->nr == __NR_getpgid && call->args[0] == KRG_TEST_MAGIC_DEFER) {
		call->cookie = KRG_TEST_DEFER_RET;
		return KRG_SYS_DEFER;
	}
	return KRG_SYS_NATIVE;
}

static long t_sys_deferred(const struct krg_sys_call *call)
{
	count(C_SYS_DEFER);
	if (!preemptible()) {
		count(C_SYS_DEFER_ATOMIC);
		return -EDEADLK;
	}
	usleep_range(2000, 3000);	/* it may sleep: prove it */
	return call->cookie;
}

static bool t_pid_range(struct pid_namespace *ns, int *lo, int *hi)
{
	bool on;

	spin_lock(&range_lock);
	on = range_lo > 0;
	if (on) {
		*lo = range_lo;
		*hi = range_hi;
	}
	spin_unlock(&range_lock);
	if (on)
		count(C_PID_RANGE);
	return on;
}

/* Two "remote" PIDs: one among the local ones, one after them all. */
static int t_proc_pids(struct pid_namespace *ns, pid_t from, pid_t *pids,
		       unsigned int max)
{
	static const pid_t remote[] = { KRG_TEST_PROC_TGID_LOW,
					KRG_TEST_PROC_TGID };
	unsigned int i, n = 0;

	count(C_PROC_READDIR);
	for (i = 0; i < ARRAY_SIZE(remote) && n < max; i++)
		if (remote[i] >= from)
			pids[n++] = remote[i];
	return n;
}

static struct dentry *t_proc_lookup(struct pid_namespace *ns,
				    struct dentry *dentry, pid_t tgid)
{
	struct inode *inode;

	count(C_PROC_LOOKUP);
	if (tgid != KRG_TEST_PROC_TGID && tgid != KRG_TEST_PROC_TGID_LOW)
		return ERR_PTR(-ENOENT);
	inode = new_inode(dentry->d_sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	/* Only kernel-owned operations: the inode may outlive this module. */
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFDIR | 0555;
	inode->i_op = &simple_dir_inode_operations;
	inode->i_fop = &simple_dir_operations;
	inode->i_mtime = current_time(inode);
	inode->i_atime = inode->i_mtime;
	inode->i_ctime = inode->i_mtime;
	set_nlink(inode, 2);
	return d_splice_alias(inode, dentry);
}

/* Core-only hooks (refused on a stock kernel): count, then act natively. */
static long t_fork_pre(struct kernel_clone_args *args)
{
	count(C_FORK_PRE);
	return 0;
}

static vm_fault_t t_anon_fault(struct vm_fault *vmf)
{
	count(C_ANON_FAULT);
	return 0;
}

/*
 * Children whose parent is "on another node".  notify_parent (atomic) takes
 * the exit over and marks the entry EXITED; the work item plays the message
 * that would reach the parent's node (entry becomes ZOMBIE, the parent's
 * waiters are woken); the wait hook reports ZOMBIE entries to the parent.
 */
enum { RC_FREE, RC_RUNNING, RC_EXITED, RC_ZOMBIE };

struct remote_child {
	int state;
	pid_t nr;			/* as the parent sees it */
	struct pid *pid;		/* the child's, while it runs here */
	struct pid *parent;		/* the parent's thread group */
	int exit_code;			/* as wait_task_zombie() takes it */
	kuid_t uid;
};

static struct remote_child rchild[8];
static DEFINE_SPINLOCK(rchild_lock);	/* taken with interrupts off */

static void rchild_deliver(struct work_struct *w)
{
	struct task_struct *parents[ARRAY_SIZE(rchild)];
	int i, n = 0;

	spin_lock_irq(&rchild_lock);
	for (i = 0; i < ARRAY_SIZE(rchild); i++) {
		if (rchild[i].state != RC_EXITED)
			continue;
		rchild[i].state = RC_ZOMBIE;
		parents[n] = get_pid_task(rchild[i].parent, PIDTYPE_TGID);
		if (parents[n])
			n++;
	}
	spin_unlock_irq(&rchild_lock);
	while (n--) {
		krg_hooks_wake_waiters(parents[n]);
		put_task_struct(parents[n]);
	}
}
static DECLARE_WORK(rchild_work, rchild_deliver);

/* put_pid() never sleeps: callable under rchild_lock, or set to sleep. */
static void rchild_free(struct remote_child *rc)
{
	put_pid(rc->pid);
	put_pid(rc->parent);
	memset(rc, 0, sizeof(*rc));
}

static int t_notify_parent(struct task_struct *t, int sig)
{
	int i, ret = KRG_NOTIFY_KERNEL;
	unsigned long flags;

	count(C_NOTIFY_PARENT);
	spin_lock_irqsave(&rchild_lock, flags);
	for (i = 0; i < ARRAY_SIZE(rchild); i++) {
		struct remote_child *rc = &rchild[i];

		if (rc->state != RC_RUNNING || rc->pid != task_tgid(t))
			continue;
		rc->state = RC_EXITED;
		rc->exit_code = t->signal->flags & SIGNAL_GROUP_EXIT ?
				t->signal->group_exit_code : t->exit_code;
		rc->uid = task_uid(t);
		ret = KRG_NOTIFY_RELEASE;
		count(C_NOTIFY_REMOTE);
		schedule_work(&rchild_work);
		break;
	}
	spin_unlock_irqrestore(&rchild_lock, flags);
	return ret;
}

static bool rchild_matches(const struct remote_child *rc,
			   const struct krg_wait_req *w)
{
	if (rc->state == RC_FREE || rc->parent != task_tgid(current))
		return false;
	if (w->type == PIDTYPE_MAX)
		return true;
	return w->type == PIDTYPE_PID && rc->nr == w->nr;
}

/*
 * Fills the report as wait_task_zombie() does for a local child.  A test
 * double: process-group waits, __WCLONE and __WNOTHREAD are not played.
 */
static void rchild_report(const struct remote_child *rc,
			  const struct krg_wait_req *w)
{
	int code = rc->exit_code;

	if (w->info) {
		w->info->pid = rc->nr;
		w->info->uid = from_kuid_munged(current_user_ns(), rc->uid);
		if (code & 0x7f) {
			w->info->cause = code & 0x80 ? CLD_DUMPED : CLD_KILLED;
			w->info->status = code & 0x7f;
		} else {
			w->info->cause = CLD_EXITED;
			w->info->status = code >> 8;
		}
	} else {
		*w->stat = code;
	}
	if (w->rusage)
		memset(w->rusage, 0, sizeof(*w->rusage));
}

static int t_wait(const struct krg_wait_req *w, int notask_error)
{
	int i, ret = notask_error;
	unsigned long flags;

	spin_lock_irqsave(&rchild_lock, flags);
	for (i = 0; i < ARRAY_SIZE(rchild); i++) {
		struct remote_child *rc = &rchild[i];

		if (!rchild_matches(rc, w))
			continue;
		if (rc->state != RC_ZOMBIE) {
			ret = 0;	/* it may report later */
			continue;
		}
		if (!(w->flags & WEXITED))
			continue;	/* a zombie has nothing else to report */
		rchild_report(rc, w);
		ret = rc->nr;
		if (!(w->flags & WNOWAIT))
			rchild_free(rc);
		break;
	}
	spin_unlock_irqrestore(&rchild_lock, flags);
	if (ret > 0)
		count(C_WAIT_REPORTED);
	return ret;
}

static struct krg_hook_ops t_ops = {
	.name = "krg_hooks_test",
};

static const struct krg_hook_ops t_fork_pre_ops = {
	.name = "krg_hooks_test_fork_pre",
	.fork_pre = t_fork_pre,
};

static const struct krg_hook_ops t_anon_fault_ops = {
	.name = "krg_hooks_test_anon_fault",
	.anon_fault = t_anon_fault,
};

static const struct krg_hook_ops t_notify_parent_ops = {
	.name = "krg_hooks_test_notify_parent",
	.notify_parent = t_notify_parent,
};

static const struct krg_hook_ops t_wait_ops = {
	.name = "krg_hooks_test_wait",
	.wait = t_wait,
};

/* One snapshot per open (seq_file), so a reader never sees a torn table. */
static int counts_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < C_NR; i++)
		seq_printf(m, "%s %ld\n", counter_names[i],
			   atomic_long_read(&counters[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counts);

static ssize_t reset_write(struct file *f, const char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	int i;

	for (i = 0; i < C_NR; i++)
		atomic_long_set(&counters[i], 0);
	return len;
}

static int read_user_string(const char __user *ubuf, size_t len, char *buf,
			    size_t size)
{
	if (len == 0 || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

static int set_ns_from(const char *arg)
{
	struct task_struct *t;
	struct pid_namespace *ns;
	int pid, err;

	if (sysfs_streq(arg, "self"))
		return krg_hooks_set_cluster_ns(task_active_pid_ns(current));
	err = kstrtoint(arg, 10, &pid);
	if (err)
		return err;
	if (pid == 0)
		return krg_hooks_set_cluster_ns(NULL);
	t = get_pid_task(find_vpid(pid), PIDTYPE_PID);
	if (!t)
		return -ESRCH;
	rcu_read_lock();
	ns = task_active_pid_ns(t);
	if (ns)
		get_pid_ns(ns);
	rcu_read_unlock();
	put_task_struct(t);
	if (!ns)
		return -ESRCH;
	err = krg_hooks_set_cluster_ns(ns);
	put_pid_ns(ns);
	return err;
}

static ssize_t ns_write(struct file *f, const char __user *ubuf, size_t len,
			loff_t *ppos)
{
	char buf[32];
	int err;

	err = read_user_string(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	mutex_lock(&ctl_lock);
	err = set_ns_from(strim(buf));
	if (!err)
		ns_set = strcmp(strim(buf), "0") != 0;
	mutex_unlock(&ctl_lock);
	return err ?: len;
}

static ssize_t ns_read(struct file *f, char __user *ubuf, size_t len,
		       loff_t *ppos)
{
	const char *s = READ_ONCE(ns_set) ? "set\n" : "unset\n";

	return simple_read_from_buffer(ubuf, len, ppos, s, strlen(s));
}

static ssize_t range_write(struct file *f, const char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	char buf[48];
	int lo, hi, err;

	err = read_user_string(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	if (sscanf(buf, "%d %d", &lo, &hi) != 2 || lo < 0 || hi < 0 ||
	    (lo && lo >= hi))
		return -EINVAL;
	spin_lock(&range_lock);
	range_lo = lo;
	range_hi = hi;
	spin_unlock(&range_lock);
	return len;
}

static ssize_t last_signal_read(struct file *f, char __user *ubuf, size_t len,
				loff_t *ppos)
{
	struct krg_signal_req r;
	char buf[96];
	int n;

	spin_lock(&sig_lock);
	r = last_sig;
	spin_unlock(&sig_lock);
	n = scnprintf(buf, sizeof(buf), "%d %d %d %d %d %d\n", r.kind, r.tgid,
		      r.pid, r.sig, r.info.si_code, r.info.si_int);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t core_only_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char buf[96];
	int n;

	n = scnprintf(buf, sizeof(buf),
		      "fork_pre %d\nanon_fault %d\nnotify_parent %d\nwait %d\n",
		      core_only_result[0], core_only_result[1],
		      core_only_result[2], core_only_result[3]);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t pid_reserve_write(struct file *f, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	char buf[32];
	int nr, err;

	err = read_user_string(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	if (kstrtoint(strim(buf), 10, &nr) || nr == 0)
		return -EINVAL;
	if (!pid_reserve || !pid_unreserve)
		return -EOPNOTSUPP;
	if (nr < 0) {
		pid_unreserve(ns, -nr);
		return len;
	}
	err = pid_reserve(ns, nr);
	return err ?: len;
}

static ssize_t remote_child_write(struct file *f, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct remote_child *rc = NULL;
	struct task_struct *t;
	char buf[32];
	int i, nr, err;

	err = read_user_string(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	if (kstrtoint(strim(buf), 10, &nr) || nr <= 0)
		return -EINVAL;
	if (!t_ops.notify_parent || !t_ops.wait)
		return -EOPNOTSUPP;
	rcu_read_lock();
	t = pid_task(find_vpid(nr), PIDTYPE_TGID);
	if (!t || !same_thread_group(rcu_dereference(t->real_parent), current)) {
		rcu_read_unlock();
		return -ESRCH;	/* not a child of the writer */
	}
	spin_lock_irq(&rchild_lock);
	for (i = 0; i < ARRAY_SIZE(rchild); i++) {
		if (rchild[i].state == RC_FREE) {
			if (!rc)
				rc = &rchild[i];
		} else if (rchild[i].pid == task_tgid(t)) {
			err = -EEXIST;		/* marked already */
		}
	}
	if (!err && !rc)
		err = -ENOSPC;
	/*
	 * exit_notify() sets exit_state before it calls notify_parent, which
	 * takes rchild_lock: seen 0 here, the exit will find this entry.
	 */
	if (!err && READ_ONCE(t->exit_state))
		err = -ESRCH;	/* exited already: the kernel reported it */
	if (!err) {
		rc->state = RC_RUNNING;
		rc->nr = nr;
		rc->pid = get_pid(task_tgid(t));
		rc->parent = get_pid(task_tgid(current));
	}
	spin_unlock_irq(&rchild_lock);
	rcu_read_unlock();
	return err ?: len;
}

static const struct file_operations remote_child_fops = {
	.owner = THIS_MODULE, .write = remote_child_write, .llseek = noop_llseek,
};

static const struct file_operations reset_fops = {
	.owner = THIS_MODULE, .write = reset_write, .llseek = noop_llseek,
};

static const struct file_operations ns_fops = {
	.owner = THIS_MODULE, .read = ns_read, .write = ns_write,
	.llseek = default_llseek,
};

static const struct file_operations range_fops = {
	.owner = THIS_MODULE, .write = range_write, .llseek = noop_llseek,
};

static const struct file_operations last_signal_fops = {
	.owner = THIS_MODULE, .read = last_signal_read, .llseek = default_llseek,
};

static const struct file_operations core_only_fops = {
	.owner = THIS_MODULE, .read = core_only_read, .llseek = default_llseek,
};

static const struct file_operations pid_reserve_fops = {
	.owner = THIS_MODULE, .write = pid_reserve_write, .llseek = noop_llseek,
};

/* symbol_get() needs a declaration, which a stock kernel does not have. */
static void get_core_exports(void)
{
	pid_reserve = __symbol_get("krg_pid_reserve");
	pid_unreserve = __symbol_get("krg_pid_unreserve");
}

static void put_core_exports(void)
{
	if (pid_reserve)
		__symbol_put("krg_pid_reserve");
	if (pid_unreserve)
		__symbol_put("krg_pid_unreserve");
}

/* Registers alone an ops whose only hook is core-only; keeps the result. */
static int try_core_only(const struct krg_hook_ops *ops)
{
	int err = krg_hooks_register(ops);

	if (!err)
		krg_hooks_unregister(ops);
	return err;
}

static int __init t_init(void)
{
	struct krg_hooks_caps caps;
	int err;

	krg_hooks_caps(&caps);
	if (caps.available & BIT(KRG_HOOK_TASK_NEW))
		t_ops.task_new = t_task_new;
	if (caps.available & BIT(KRG_HOOK_FORK_POST))
		t_ops.fork_post = t_fork_post;
	if (caps.available & BIT(KRG_HOOK_EXEC_POST))
		t_ops.exec_post = t_exec_post;
	if (caps.available & BIT(KRG_HOOK_EXIT))
		t_ops.exit = t_exit;
	if (caps.available & BIT(KRG_HOOK_FREE))
		t_ops.free = t_free;
	if (caps.available & BIT(KRG_HOOK_SIGNAL_REMOTE)) {
		t_ops.signal_remote = t_signal_remote;
		t_ops.signal_divert = t_signal_divert;
	}
	if (caps.available & BIT(KRG_HOOK_SYSCALL)) {
		t_ops.sys_nrs = t_sys_nrs;
		t_ops.sys_nrs_count = ARRAY_SIZE(t_sys_nrs);
		t_ops.sys_override = t_sys_override;
		t_ops.sys_deferred = t_sys_deferred;
	}
	if (caps.available & BIT(KRG_HOOK_PID_RANGE))
		t_ops.pid_range = t_pid_range;
	if (caps.available & BIT(KRG_HOOK_PROC_READDIR))
		t_ops.proc_pids = t_proc_pids;
	if (caps.available & BIT(KRG_HOOK_PROC_LOOKUP))
		t_ops.proc_lookup = t_proc_lookup;
	if (caps.available & BIT(KRG_HOOK_FORK_PRE))
		t_ops.fork_pre = t_fork_pre;
	if (caps.available & BIT(KRG_HOOK_ANON_FAULT))
		t_ops.anon_fault = t_anon_fault;
	if (caps.available & BIT(KRG_HOOK_NOTIFY_PARENT))
		t_ops.notify_parent = t_notify_parent;
	if (caps.available & BIT(KRG_HOOK_WAIT))
		t_ops.wait = t_wait;

	core_only_result[0] = try_core_only(&t_fork_pre_ops);
	core_only_result[1] = try_core_only(&t_anon_fault_ops);
	core_only_result[2] = try_core_only(&t_notify_parent_ops);
	core_only_result[3] = try_core_only(&t_wait_ops);

	err = krg_hooks_register(&t_ops);
	if (err)
		return err;
	get_core_exports();

	dir = debugfs_create_dir("krg_hooks_test", NULL);
	debugfs_create_file("counts", 0444, dir, NULL, &counts_fops);
	debugfs_create_file("reset", 0200, dir, NULL, &reset_fops);
	debugfs_create_file("ns", 0600, dir, NULL, &ns_fops);
	debugfs_create_file("range", 0200, dir, NULL, &range_fops);
	debugfs_create_file("last_signal", 0444, dir, NULL, &last_signal_fops);
	debugfs_create_file("core_only", 0444, dir, NULL, &core_only_fops);
	debugfs_create_file("pid_reserve", 0200, dir, NULL, &pid_reserve_fops);
	debugfs_create_file("remote_child", 0200, dir, NULL, &remote_child_fops);
	pr_info("registered, hooks available 0x%x\n", caps.available);
	return 0;
}

static void __exit t_exit_module(void)
{
	int i;

	debugfs_remove(dir);
	mutex_lock(&ctl_lock);
	if (ns_set)
		krg_hooks_set_cluster_ns(NULL);
	mutex_unlock(&ctl_lock);
	krg_hooks_unregister(&t_ops);
	flush_work(&rchild_work);
	for (i = 0; i < ARRAY_SIZE(rchild); i++)
		rchild_free(&rchild[i]);
	put_core_exports();
}

module_init(t_init);
module_exit(t_exit_module);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("krg_hooks test consumer");
