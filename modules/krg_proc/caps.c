// SPDX-License-Identifier: GPL-2.0
/*
 * Kerrighed capabilities: four sets per cluster process, kept in a hash
 * table keyed by the process's cluster PID (stable across exec, unlike the
 * leader's task_struct) from its fork (task_new) to the exit of its last
 * thread.  A process without an entry -- its entry could not be allocated
 * at fork (counted) -- has no capability: a failure never grants more.
 *
 * fork: child.permitted = inheritable_permitted, child.effective =
 * inheritable_effective & inheritable_permitted, inheritable sets copied;
 * exec changes nothing; the first process of a job (its parent is outside
 * the cluster) gets the node defaults.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/rhashtable.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "krg_comm/krg_comm.h"
#include "caps.h"
#include "env.h"
#include "rpc.h"
#include "task_table.h"

struct krgp_caps_entry {
	struct rhash_head node;
	pid_t tgid;
	struct krg_caps caps;
	struct rcu_head rcu;
};

static const struct rhashtable_params krgp_caps_params = {
	.key_len = sizeof(pid_t),
	.key_offset = offsetof(struct krgp_caps_entry, tgid),
	.head_offset = offsetof(struct krgp_caps_entry, node),
	.automatic_shrinking = true,
};

static struct rhashtable krgp_caps_table;
/* Serialises changes of one entry's sets (readers copy under RCU). */
static DEFINE_SPINLOCK(krgp_caps_lock);
static struct krg_caps krgp_caps_default = {
	.effective = KRG_CAPS_DEFAULT_OPT_OUT_EFFECTIVE,
	.permitted = KRG_CAP_SUPPORTED,
	.inheritable_effective = KRG_CAPS_DEFAULT_OPT_OUT_EFFECTIVE,
	.inheritable_permitted = KRG_CAP_SUPPORTED,
};

atomic_long_t krgp_caps_nomem = ATOMIC_LONG_INIT(0);

int krgp_caps_check(const struct krg_caps *c)
{
	if ((c->effective | c->permitted | c->inheritable_effective |
	     c->inheritable_permitted) & ~KRG_CAP_SUPPORTED)
		return -ENOSYS;
	if ((c->effective & ~c->permitted) ||
	    (c->inheritable_permitted & ~c->permitted) ||
	    (c->inheritable_effective & ~c->inheritable_permitted))
		return -EINVAL;
	return 0;
}

int krgp_caps_set_default(const struct krg_caps *caps)
{
	int ret = krgp_caps_check(caps);

	if (ret)
		return ret;
	spin_lock(&krgp_caps_lock);
	krgp_caps_default = *caps;
	spin_unlock(&krgp_caps_lock);
	return 0;
}

void krgp_caps_get_default(struct krg_caps *caps)
{
	spin_lock(&krgp_caps_lock);
	*caps = krgp_caps_default;
	spin_unlock(&krgp_caps_lock);
}

static pid_t krgp_tgid_in_cluster(struct task_struct *t)
{
	struct pid_namespace *ns = krgp_env_ns_rcu();

	return ns ? task_tgid_nr_ns(t, ns) : 0;
}

/* Under RCU. */
static struct krgp_caps_entry *krgp_caps_lookup(pid_t tgid)
{
	return rhashtable_lookup(&krgp_caps_table, &tgid, krgp_caps_params);
}

/* task_new hook: atomic, in the parent (current), child not running yet. */
void krgp_caps_fork(struct task_struct *child, unsigned long clone_flags)
{
	struct krgp_caps_entry *e, *parent, *old;
	pid_t ptgid, tgid;

	if (clone_flags & CLONE_THREAD)
		return;
	rcu_read_lock();
	tgid = krgp_tgid_in_cluster(child);
	ptgid = krgp_tgid_in_cluster(current);
	if (tgid <= 1)
		goto out;
	e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e) {
		atomic_long_inc(&krgp_caps_nomem);
		goto out;
	}
	e->tgid = tgid;
	parent = ptgid > 0 ? krgp_caps_lookup(ptgid) : NULL;
	if (parent) {
		spin_lock(&krgp_caps_lock);
		e->caps.permitted = parent->caps.inheritable_permitted;
		e->caps.effective = parent->caps.inheritable_effective &
				    parent->caps.inheritable_permitted;
		e->caps.inheritable_permitted = parent->caps.inheritable_permitted;
		e->caps.inheritable_effective = parent->caps.inheritable_effective;
		spin_unlock(&krgp_caps_lock);
	} else if (ptgid == 1 || ptgid == 0) {
		/* The first process of a job (or krginit's): node defaults. */
		spin_lock(&krgp_caps_lock);
		e->caps = krgp_caps_default;
		spin_unlock(&krgp_caps_lock);
	} else {
		/* A parent whose entry failed: nothing to inherit. */
		memset(&e->caps, 0, sizeof(e->caps));
	}
	old = rhashtable_lookup_get_insert_fast(&krgp_caps_table, &e->node,
						krgp_caps_params);
	if (IS_ERR(old)) {
		atomic_long_inc(&krgp_caps_nomem);
		kfree(e);
	} else if (old) {
		/* Left by a process whose exit we did not see: replace it. */
		if (rhashtable_replace_fast(&krgp_caps_table, &old->node,
					    &e->node, krgp_caps_params)) {
			atomic_long_inc(&krgp_caps_nomem);
			kfree(e);
		} else {
			kfree_rcu(old, rcu);
		}
	}
out:
	rcu_read_unlock();
}

/* exit hook: atomic; the entry goes with the process's last thread. */
void krgp_caps_exit(struct task_struct *t)
{
	struct krgp_caps_entry *e;
	pid_t tgid;

	if (atomic_read(&t->signal->live))
		return;
	rcu_read_lock();
	tgid = krgp_tgid_in_cluster(t);
	e = tgid > 1 ? krgp_caps_lookup(tgid) : NULL;
	if (e && !rhashtable_remove_fast(&krgp_caps_table, &e->node,
					 krgp_caps_params))
		kfree_rcu(e, rcu);
	rcu_read_unlock();
}

int krgp_caps_get_local(pid_t pid, struct krg_caps *caps)
{
	struct krgp_caps_entry *e;
	struct task_struct *t = krgp_find_task(pid);

	if (!t)
		return -ESRCH;
	put_task_struct(t);
	rcu_read_lock();
	e = krgp_caps_lookup(pid);
	spin_lock(&krgp_caps_lock);
	if (e)
		*caps = e->caps;
	else
		memset(caps, 0, sizeof(*caps));
	spin_unlock(&krgp_caps_lock);
	rcu_read_unlock();
	return 0;
}

/* Restore: t gets the sets the process had on its previous node. */
void krgp_caps_set_local(struct task_struct *t, const struct krg_caps *caps)
{
	struct krgp_caps_entry *e;
	pid_t tgid;

	rcu_read_lock();
	tgid = krgp_tgid_in_cluster(t);
	e = tgid > 1 ? krgp_caps_lookup(tgid) : NULL;
	spin_lock(&krgp_caps_lock);
	if (e)
		e->caps = *caps;
	spin_unlock(&krgp_caps_lock);
	rcu_read_unlock();
}

bool krgp_caps_current_has(enum krg_cap cap)
{
	struct krgp_caps_entry *e;
	bool ret = false;
	pid_t tgid;

	rcu_read_lock();
	tgid = krgp_tgid_in_cluster(current);
	e = tgid > 1 ? krgp_caps_lookup(tgid) : NULL;
	if (e)
		ret = READ_ONCE(e->caps.effective) & BIT(cap);
	rcu_read_unlock();
	return ret;
}

/* kill()'s ownership rule, with CAP_SYS_ADMIN as the override. */
static bool krgp_caps_may(struct task_struct *t, const struct krgp_wire_cred *who)
{
	const struct cred *tc;
	kuid_t uid = make_kuid(&init_user_ns, le32_to_cpu(who->uid));
	kuid_t euid = make_kuid(&init_user_ns, le32_to_cpu(who->euid));
	bool ok;

	if (krgp_cred_capable(who, CAP_SYS_ADMIN))
		return true;
	rcu_read_lock();
	tc = __task_cred(t);
	ok = uid_eq(euid, tc->suid) || uid_eq(euid, tc->uid) ||
	     uid_eq(uid, tc->suid) || uid_eq(uid, tc->uid);
	rcu_read_unlock();
	return ok;
}

static int krgp_caps_get_here(pid_t pid, const struct krgp_wire_cred *who,
			      struct krg_caps *caps)
{
	struct task_struct *t = krgp_find_task(pid);
	bool ok;

	if (!t)
		return -ESRCH;
	ok = krgp_caps_may(t, who);
	put_task_struct(t);
	return ok ? krgp_caps_get_local(pid, caps) : -EPERM;
}

static int krgp_caps_set_here(pid_t pid, const struct krgp_wire_cred *who,
			      const struct krg_caps *req)
{
	bool admin = krgp_cred_capable(who, CAP_SYS_ADMIN);
	struct task_struct *t = krgp_find_task(pid);
	struct krgp_caps_entry *e;
	int ret;

	if (!t)
		return -ESRCH;
	ret = krgp_caps_check(req);
	if (!ret && !krgp_caps_may(t, who))
		ret = -EPERM;
	put_task_struct(t);
	if (ret)
		return ret;

	rcu_read_lock();
	e = krgp_caps_lookup(pid);
	spin_lock(&krgp_caps_lock);
	if (!e) {
		ret = -ENOMEM;	/* its entry was never allocated */
	} else if (admin) {
		e->caps = *req;
	} else if (!(e->caps.effective & BIT(KRG_CAP_CHANGE_KERRIGHED_CAP)) ||
		   (req->permitted & ~e->caps.permitted)) {
		/* Without CAP_SYS_ADMIN: only with the right, only downwards. */
		ret = -EPERM;
	} else {
		/* Every set is within permitted (checked), permitted within the old. */
		e->caps = *req;
	}
	spin_unlock(&krgp_caps_lock);
	rcu_read_unlock();
	return ret;
}

static void krgp_caps_to_wire(const struct krg_caps *c, __le32 *w)
{
	w[0] = cpu_to_le32(c->effective);
	w[1] = cpu_to_le32(c->permitted);
	w[2] = cpu_to_le32(c->inheritable_effective);
	w[3] = cpu_to_le32(c->inheritable_permitted);
}

static void krgp_caps_from_wire(const __le32 *w, struct krg_caps *c)
{
	c->effective = le32_to_cpu(w[0]);
	c->permitted = le32_to_cpu(w[1]);
	c->inheritable_effective = le32_to_cpu(w[2]);
	c->inheritable_permitted = le32_to_cpu(w[3]);
}

void krgp_serve_caps_get(struct krgp_req *req)
{
	const struct krgp_caps_req *r = req->body;
	struct krg_caps caps;
	__le32 w[4];
	int ret = krgp_caps_get_here(le32_to_cpu(r->pid), &r->cred, &caps);

	if (ret) {
		krgp_reply(req, ret, NULL, 0);
		return;
	}
	krgp_caps_to_wire(&caps, w);
	krgp_reply(req, 0, w, sizeof(w));
}

void krgp_serve_caps_set(struct krgp_req *req)
{
	const struct krgp_caps_req *r = req->body;
	struct krg_caps caps;

	krgp_caps_from_wire(r->caps, &caps);
	krgp_reply(req, krgp_caps_set_here(le32_to_cpu(r->pid), &r->cred,
					   &caps), NULL, 0);
}

int krgp_caps_get(pid_t pid, const struct krgp_wire_cred *who,
		  struct krg_caps *caps)
{
	struct krgp_caps_req r = { .cred = *who, .pid = cpu_to_le32(pid) };
	int node = krgp_locate(pid), ret;
	void *reply;
	size_t len;

	if (node < 0)
		return node;
	if (node == krg_comm_self())
		return krgp_caps_get_here(pid, who, caps);
	ret = krgp_call(node, KRGP_OP_CAPS_GET, &r, sizeof(r), &reply, &len);
	if (ret < 0)
		return ret == -EHOSTDOWN ? -ESRCH : ret;
	if (len != 4 * sizeof(__le32)) {
		atomic_long_inc(&krgp_rpc_bad);
		kvfree(reply);
		return -EIO;
	}
	krgp_caps_from_wire(reply, caps);
	kvfree(reply);
	return 0;
}

int krgp_caps_set(pid_t pid, const struct krgp_wire_cred *who,
		  const struct krg_caps *caps)
{
	struct krgp_caps_req r = { .cred = *who, .pid = cpu_to_le32(pid) };
	int node = krgp_locate(pid), ret;

	if (node < 0)
		return node;
	if (node == krg_comm_self())
		return krgp_caps_set_here(pid, who, caps);
	krgp_caps_to_wire(caps, r.caps);
	ret = krgp_call(node, KRGP_OP_CAPS_SET, &r, sizeof(r), NULL, NULL);
	return ret == -EHOSTDOWN ? -ESRCH : ret;
}

static void krgp_caps_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* The environment ended: its processes' exits are not seen any more. */
void krgp_caps_clear(void)
{
	struct rhashtable_iter iter;
	struct krgp_caps_entry *e;

	rhashtable_walk_enter(&krgp_caps_table, &iter);
	rhashtable_walk_start(&iter);
	while ((e = rhashtable_walk_next(&iter))) {
		if (IS_ERR(e))
			continue;	/* -EAGAIN: resized, go on */
		if (!rhashtable_remove_fast(&krgp_caps_table, &e->node,
					    krgp_caps_params))
			kfree_rcu(e, rcu);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

int krgp_caps_init(void)
{
	return rhashtable_init(&krgp_caps_table, &krgp_caps_params);
}

void krgp_caps_exit_module(void)
{
	/* Hooks are unregistered: nothing inserts or removes any more. */
	rhashtable_free_and_destroy(&krgp_caps_table, krgp_caps_free, NULL);
}
