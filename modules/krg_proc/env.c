// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster environment of this node, and /dev/krg_proc.
 *
 * krginit, PID 1 of a PID namespace that krgd created, opens /dev/krg_proc
 * and calls KRG_PROC_IOC_ENV_INIT: its namespace becomes the cluster
 * namespace (krg_hooks starts firing for it), its /proc the procfs remote
 * requests are served from, and this node's PID slice is fixed.  The
 * environment lasts as long as that file: krginit keeps it open until it
 * exits, so its death -- which also kills every process of the namespace --
 * ends the environment without any other signal.
 *
 * Some work must run inside the namespace (a signal sent from a kernel
 * thread of the initial namespace loses its sender's PID): krginit's threads
 * park in KRG_PROC_IOC_AGENT and run the queued krgp_agent_work items in
 * their own context.
 *
 * Lifetime: the environment is published under RCU and counted; teardown
 * unpublishes it, clears the cluster namespace in krg_hooks, fails queued
 * agent work and sends the agents home, then drops the publication's
 * reference.  The misc device's file holds a module reference, so krg_proc
 * cannot unload while an environment exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "krg_comm/krg_comm.h"
#include "krg_hooks/krg_hooks.h"
#include "caps.h"
#include "env.h"
#include "migrate.h"

int krgp_pid_lo, krgp_pid_hi;

static DEFINE_MUTEX(krgp_env_lock);
static struct krgp_env __rcu *krgp_env;

static void krgp_env_release(struct kref *ref)
{
	struct krgp_env *env = container_of(ref, struct krgp_env, ref);

	path_put(&env->proc_root);
	put_task_struct(env->init);
	put_pid_ns(env->ns);
	kfree(env);
}

struct krgp_env *krgp_env_get(void)
{
	struct krgp_env *env;

	rcu_read_lock();
	env = rcu_dereference(krgp_env);
	if (env && !kref_get_unless_zero(&env->ref))
		env = NULL;
	rcu_read_unlock();
	return env;
}

void krgp_env_put(struct krgp_env *env)
{
	if (env)
		kref_put(&env->ref, krgp_env_release);
}

struct pid_namespace *krgp_env_ns_rcu(void)
{
	struct krgp_env *env = rcu_dereference(krgp_env);

	return env ? env->ns : NULL;
}

bool krgp_env_ready(void)
{
	return rcu_access_pointer(krgp_env) != NULL;
}

unsigned int krgp_env_nr_local(void)
{
	struct task_struct *p;
	struct pid_namespace *ns;
	unsigned int n = 0;

	rcu_read_lock();
	ns = krgp_env_ns_rcu();
	if (ns)
		for_each_process(p)
			if (task_active_pid_ns(p) == ns &&
			    task_tgid_nr_ns(p, ns) != 1 && !krgp_is_stub(p))
				n++;
	rcu_read_unlock();
	return n;
}

pid_t krgp_env_init_pid(struct pid_namespace *ns)
{
	struct krgp_env *env = krgp_env_get();
	pid_t nr = 0;

	if (env) {
		nr = task_tgid_nr_ns(env->init, ns);
		krgp_env_put(env);
	}
	return nr;
}

/* ---- agents ------------------------------------------------------------- */

int krgp_agent_queue(struct krgp_env *env, struct krgp_agent_work *w)
{
	int ret = 0;

	spin_lock(&env->agent_lock);
	if (env->dead)
		ret = -ESRCH;
	else if (!env->nr_agents)
		ret = -EAGAIN;
	else
		list_add_tail(&w->list, &env->agent_queue);
	spin_unlock(&env->agent_lock);
	if (!ret)
		wake_up(&env->agent_wq);
	else if (ret == -EAGAIN)
		pr_warn_ratelimited("no agent thread of krginit is serving\n");
	return ret;
}

static bool krgp_agent_wake(struct krgp_env *env)
{
	bool ret;

	spin_lock(&env->agent_lock);
	ret = env->dead || !list_empty(&env->agent_queue);
	spin_unlock(&env->agent_lock);
	return ret;
}

static long krgp_agent_serve(struct krgp_env *env)
{
	struct krgp_agent_work *w;
	long ret = 0;

	spin_lock(&env->agent_lock);
	env->nr_agents++;
	spin_unlock(&env->agent_lock);
	for (;;) {
		if (wait_event_interruptible(env->agent_wq,
					     krgp_agent_wake(env))) {
			ret = -EINTR;
			break;
		}
		spin_lock(&env->agent_lock);
		if (env->dead) {
			spin_unlock(&env->agent_lock);
			break;
		}
		w = list_first_entry_or_null(&env->agent_queue,
					     struct krgp_agent_work, list);
		if (w)
			list_del_init(&w->list);
		spin_unlock(&env->agent_lock);
		if (w)
			w->done(w, w->fn(w));
	}
	spin_lock(&env->agent_lock);
	env->nr_agents--;
	spin_unlock(&env->agent_lock);
	return ret;
}

/* ---- setting up and ending the environment ------------------------------- */

static int krgp_env_check_proc(struct pid_namespace *ns, struct path *path)
{
	int ret;

	ret = kern_path("/proc", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (ret)
		return ret;
	if (path->dentry != path->mnt->mnt_root ||
	    path->dentry->d_sb->s_magic != PROC_SUPER_MAGIC ||
	    proc_pid_ns(path->dentry->d_sb) != ns) {
		path_put(path);
		return -EINVAL;
	}
	return 0;
}

static long krgp_env_setup(struct file *file, void __user *uarg)
{
	struct krg_proc_env_init arg;
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct krgp_env *env;
	int self = krg_comm_self();
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.version != KRG_PROC_ENV_VERSION || arg.flags)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (ns == &init_pid_ns || task_tgid_nr_ns(current, ns) != 1) {
		pr_warn("ENV_INIT refused: %s[%d] is not PID 1 of its own PID namespace\n",
			current->comm, task_tgid_nr(current));
		return -EINVAL;
	}
	if (self < 0) {
		pr_warn("ENV_INIT refused: krg_comm is not configured (no node id)\n");
		return -ENOTCONN;
	}

	env = kzalloc(sizeof(*env), GFP_KERNEL);
	if (!env)
		return -ENOMEM;
	ret = krgp_env_check_proc(ns, &env->proc_root);
	if (ret) {
		pr_warn("ENV_INIT refused: /proc of the caller is not its namespace's procfs (%d)\n",
			ret);
		kfree(env);
		return ret == -ENOENT ? -EINVAL : ret;
	}
	kref_init(&env->ref);
	env->ns = get_pid_ns(ns);
	env->init = get_task_struct(current->group_leader);
	env->owner = file;
	env->boot_ns = ktime_get_real_ns() - ktime_get_boottime_ns();
	spin_lock_init(&env->agent_lock);
	INIT_LIST_HEAD(&env->agent_queue);
	init_waitqueue_head(&env->agent_wq);

	mutex_lock(&krgp_env_lock);
	if (rcu_access_pointer(krgp_env)) {
		ret = -EBUSY;
		goto err_unlock;
	}
	WRITE_ONCE(krgp_pid_lo, self ? self << KRG_PID_NODE_SHIFT : KRG_PID_MIN_LOCAL);
	WRITE_ONCE(krgp_pid_hi, (self + 1) << KRG_PID_NODE_SHIFT);
	ret = krg_hooks_set_cluster_ns(ns);
	if (ret)
		goto err_unlock;
	rcu_assign_pointer(krgp_env, env);
	krgp_jobs_env_start();
	mutex_unlock(&krgp_env_lock);
	pr_info("cluster environment ready: node %d, PIDs [%d, %d), init %s[%d]\n",
		self, krgp_pid_lo, krgp_pid_hi, current->comm,
		task_tgid_nr(current));
	return 0;

err_unlock:
	mutex_unlock(&krgp_env_lock);
	krgp_env_put(env);
	return ret;
}

static void krgp_env_teardown(struct file *file)
{
	struct krgp_agent_work *w, *tmp;
	struct krgp_env *env;
	LIST_HEAD(queued);

	mutex_lock(&krgp_env_lock);
	env = rcu_dereference_protected(krgp_env,
					lockdep_is_held(&krgp_env_lock));
	if (!env || env->owner != file) {
		mutex_unlock(&krgp_env_lock);
		return;
	}
	RCU_INIT_POINTER(krgp_env, NULL);
	krg_hooks_set_cluster_ns(NULL);
	krgp_caps_clear();
	krgp_jobs_env_end();
	mutex_unlock(&krgp_env_lock);

	spin_lock(&env->agent_lock);
	env->dead = true;
	list_splice_init(&env->agent_queue, &queued);
	spin_unlock(&env->agent_lock);
	wake_up_all(&env->agent_wq);
	list_for_each_entry_safe(w, tmp, &queued, list) {
		list_del_init(&w->list);
		w->done(w, -ESRCH);
	}
	pr_info("cluster environment ended\n");
	synchronize_rcu();
	krgp_env_put(env);
}

/* ---- /dev/krg_proc ------------------------------------------------------ */

static int krgp_dev_open(struct inode *inode, struct file *file)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static int krgp_dev_release(struct inode *inode, struct file *file)
{
	krgp_env_teardown(file);
	return 0;
}

static long krgp_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct krgp_env *env;
	long ret;

	switch (cmd) {
	case KRG_PROC_IOC_ENV_INIT:
		return krgp_env_setup(file, (void __user *)arg);
	case KRG_PROC_IOC_AGENT:
	case KRG_PROC_IOC_RESTORER_WAIT:
		/* Threads of krginit, on the environment's own file. */
		env = krgp_env_get();
		if (!env)
			return -ENOENT;
		if (env->owner != file ||
		    !same_thread_group(current, env->init))
			ret = -EPERM;
		else if (cmd == KRG_PROC_IOC_AGENT)
			ret = krgp_agent_serve(env);
		else
			ret = krgp_restorer_wait((void __user *)arg);
		krgp_env_put(env);
		return ret;
	case KRG_PROC_IOC_RESTORE:
		return krgp_restore_ioctl(file, (void __user *)arg);
	case KRG_PROC_IOC_RESTORE_THREAD:
		return krgp_restore_thread_ioctl((void __user *)arg);
	case KRG_PROC_IOC_RESTORE_CONT:
		return krgp_restore_cont_ioctl(file, (long)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations krgp_dev_fops = {
	.owner = THIS_MODULE,
	.open = krgp_dev_open,
	.release = krgp_dev_release,
	.unlocked_ioctl = krgp_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice krgp_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KRG_PROC_DEV_NAME,
	.fops = &krgp_dev_fops,
	.mode = 0600,
};

int krgp_env_init(void)
{
	return misc_register(&krgp_miscdev);
}

void krgp_env_exit(void)
{
	/* No file is open (each holds a module reference): no environment. */
	misc_deregister(&krgp_miscdev);
}
