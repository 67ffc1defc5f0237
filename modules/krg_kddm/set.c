// SPDX-License-Identifier: GPL-2.0
/*
 * KDDM sets: creation and destruction cluster-wide, IO linker registry,
 * default owners.
 *
 * A set is created on every ONLINE node by one multicast call; the ONLINE
 * nodes of that moment become its home nodes, the only possible default
 * owners.  The policy picks a home node in that fixed ring; a home node that
 * fails or leaves is taken out for good (even if it comes back) and its
 * objects fall to the next live node of the ring, so only the objects of
 * the departed node change default owner, and the recovery round that
 * follows fixes their hints.  A node that joins later receives every set
 * from the lowest-numbered member.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

LIST_HEAD(kddm_sets);
DEFINE_MUTEX(kddm_sets_mutex);

/* ---- linkers ------------------------------------------------------------- */

#define KDDM_MAX_LINKERS 16
static const struct kddm_io_linker *linkers[KDDM_MAX_LINKERS];
static DEFINE_MUTEX(linkers_mutex);

int kddm_register_linker(const struct kddm_io_linker *linker)
{
	int i, free = -1, ret = 0;

	if (!linker || !linker->name || strlen(linker->name) >= 32)
		return -EINVAL;
	mutex_lock(&linkers_mutex);
	for (i = 0; i < KDDM_MAX_LINKERS; i++) {
		if (linkers[i] && !strcmp(linkers[i]->name, linker->name))
			ret = -EEXIST;
		if (!linkers[i] && free < 0)
			free = i;
	}
	if (!ret && free < 0)
		ret = -ENOSPC;
	if (!ret)
		linkers[free] = linker;
	mutex_unlock(&linkers_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(kddm_register_linker);

void kddm_unregister_linker(const struct kddm_io_linker *linker)
{
	struct kddm_set *set, *tmp;
	int i;

	/* Sets of this linker go first: nothing may call it afterwards. */
	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry_safe(set, tmp, &kddm_sets, list) {
		if (set->linker != linker)
			continue;
		list_del_init(&set->list);
		mutex_lock(&set->lock);
		set->dead = true;
		set->gen++;
		mutex_unlock(&set->lock);
		wake_up_all(&set->wq);
		kddm_set_put(set);
	}
	mutex_unlock(&kddm_sets_mutex);
	mutex_lock(&linkers_mutex);
	for (i = 0; i < KDDM_MAX_LINKERS; i++)
		if (linkers[i] == linker)
			linkers[i] = NULL;
	mutex_unlock(&linkers_mutex);
}
EXPORT_SYMBOL_GPL(kddm_unregister_linker);

const struct kddm_io_linker *kddm_linker_find(const char *name)
{
	const struct kddm_io_linker *l = NULL;
	int i;

	mutex_lock(&linkers_mutex);
	for (i = 0; i < KDDM_MAX_LINKERS; i++)
		if (linkers[i] && !strcmp(linkers[i]->name, name))
			l = linkers[i];
	mutex_unlock(&linkers_mutex);
	return l;
}

/* ---- lookup and lifetime ------------------------------------------------- */

static void set_release(struct kref *ref)
{
	struct kddm_set *set = container_of(ref, struct kddm_set, ref);

	kddm_set_free_entries(set);
	kfree(set);
}

void kddm_set_put(struct kddm_set *set)
{
	if (set)
		kref_put(&set->ref, set_release);
}
EXPORT_SYMBOL_GPL(kddm_set_put);

struct kddm_set *kddm_set_find(u32 id)
{
	struct kddm_set *set, *found = NULL;

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		if (set->id == id) {
			kref_get(&set->ref);
			found = set;
			break;
		}
	}
	mutex_unlock(&kddm_sets_mutex);
	return found;
}

struct kddm_set *kddm_set_get(u32 id)
{
	return kddm_set_find(id);
}
EXPORT_SYMBOL_GPL(kddm_set_get);

u32 kddm_set_id(const struct kddm_set *set)
{
	return set->id;
}
EXPORT_SYMBOL_GPL(kddm_set_id);

u32 kddm_set_obj_size(const struct kddm_set *set)
{
	return set->obj_size;
}
EXPORT_SYMBOL_GPL(kddm_set_obj_size);

void *kddm_set_private(const struct kddm_set *set)
{
	return set->private;
}
EXPORT_SYMBOL_GPL(kddm_set_private);

const struct kddm_io_linker *krg_kddm_set_linker(const struct kddm_set *set)
{
	return set->linker;
}
EXPORT_SYMBOL_GPL(krg_kddm_set_linker);

u64 krg_kddm_set_msgs_sent(struct kddm_set *set)
{
	u64 sum = 0;
	int i;

	mutex_lock(&set->lock);
	for (i = 0; i < KRG_KDDM_MSG_TYPES; i++)
		sum += set->st.tx[i];
	mutex_unlock(&set->lock);
	return sum;
}
EXPORT_SYMBOL_GPL(krg_kddm_set_msgs_sent);

/* ---- default owner ------------------------------------------------------- */

/* The home node an object belongs to by default (call with set->lock). */
u32 kddm_default_owner(struct kddm_set *set, u64 objid)
{
	u32 n, k, count, pick, first = KDDM_NONE;
	bool found = false;
	u64 h;

	if (set->linker->default_owner) {
		n = set->linker->default_owner(set, objid);
		if (krg_nodemask_test(&set->home, n))
			return n;
	}
	if (krg_nodemask_empty(&set->home))
		return krg_comm_self();	/* every home node is gone: we keep it */
	count = krg_nodemask_weight(&set->home_orig);
	switch (set->policy) {
	case KRG_KDDM_OWNER_CREATOR:
		h = 0;
		pick = KDDM_NONE;
		krg_nodemask_for_each(n, &set->home_orig) {
			if (n == set->creator)
				pick = h;
			h++;
		}
		if (pick == KDDM_NONE)
			pick = 0;
		h = pick;
		break;
	case KRG_KDDM_OWNER_BY_HASH:
		h = hash_64(objid, 32);
		break;
	default:
		h = objid;
	}
	pick = do_div(h, count);
	/* The pick-th node of the ring, or the next one still alive. */
	k = 0;
	krg_nodemask_for_each(n, &set->home_orig) {
		if (first == KDDM_NONE && krg_nodemask_test(&set->home, n))
			first = n;
		if (k++ >= pick)
			found = true;
		if (found && krg_nodemask_test(&set->home, n))
			return n;
	}
	return first;	/* wrapped around the ring */
}

void kddm_stat_chain(struct kddm_set *set, u32 hops)
{
	set->st.chain_hist[min_t(u32, hops, KRG_KDDM_CHAIN_HIST - 1)]++;
	if (hops > set->st.chain_max)
		set->st.chain_max = hops;
}

/* ---- creation ------------------------------------------------------------ */

/* Installs a set described by a SET_CREATE message on this node. */
int kddm_set_install(const struct kddm_wire_set *w)
{
	const struct kddm_io_linker *linker;
	struct kddm_set *set, *pos;
	char name[sizeof(w->linker) + 1];

	memcpy(name, w->linker, sizeof(w->linker));
	name[sizeof(w->linker)] = 0;
	linker = kddm_linker_find(name);
	if (!linker)
		return -ENOENT;
	if (!le32_to_cpu(w->obj_size) ||
	    le32_to_cpu(w->obj_size) > KRG_KDDM_OBJ_MAX ||
	    le32_to_cpu(w->policy) > KRG_KDDM_OWNER_CREATOR ||
	    le32_to_cpu(w->on_failure) > KRG_KDDM_FAIL_LOST ||
	    le32_to_cpu(w->creator) >= KRG_MAX_NODES)
		return -EINVAL;
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return -ENOMEM;
	kref_init(&set->ref);
	set->id = le32_to_cpu(w->id);
	set->obj_size = le32_to_cpu(w->obj_size);
	set->policy = le32_to_cpu(w->policy);
	set->on_failure = le32_to_cpu(w->on_failure);
	set->creator = le32_to_cpu(w->creator);
	set->linker = linker;
	krg_nodemask_from_wire(&set->home_orig, &w->home);
	krg_nodemask_from_wire(&set->home, &w->alive);
	krg_nodemask_and(&set->home, &set->home, &set->home_orig);
	/* Nodes already known dead here are no home. */
	spin_lock_bh(&kddm_dead_lock);
	krg_nodemask_andnot(&set->home, &set->home, &kddm_dead);
	spin_unlock_bh(&kddm_dead_lock);
	mutex_init(&set->lock);
	hash_init(set->objs);
	init_waitqueue_head(&set->wq);

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(pos, &kddm_sets, list) {
		if (pos->id != set->id)
			continue;
		if (!pos->left) {
			mutex_unlock(&kddm_sets_mutex);
			kfree(set);
			return -EEXIST;
		}
		/* We left and came back: the old copy of the set is stale. */
		list_del_init(&pos->list);
		mutex_lock(&pos->lock);
		pos->dead = true;
		kddm_changed(pos);
		mutex_unlock(&pos->lock);
		kddm_set_put(pos);
		break;
	}
	list_add_tail(&set->list, &kddm_sets);
	mutex_unlock(&kddm_sets_mutex);
	return 0;
}

static void set_wire(struct kddm_set *set, struct kddm_wire_set *w)
{
	memset(w, 0, sizeof(*w));
	w->id = cpu_to_le32(set->id);
	w->obj_size = cpu_to_le32(set->obj_size);
	w->policy = cpu_to_le32(set->policy);
	w->on_failure = cpu_to_le32(set->on_failure);
	w->creator = cpu_to_le32(set->creator);
	krg_nodemask_to_wire(&set->home_orig, &w->home);
	krg_nodemask_to_wire(&set->home, &w->alive);
	strscpy(w->linker, set->linker->name, sizeof(w->linker));
}

/* Builds "header + payload" for a set-level call. */
static void *set_msg(u16 type, u32 id, const void *p, size_t len,
		     size_t *total)
{
	struct kddm_hdr *h = kzalloc(sizeof(*h) + len, GFP_KERNEL);

	if (!h)
		return NULL;
	h->type = cpu_to_le16(type);
	h->set_id = cpu_to_le32(id);
	h->len = cpu_to_le32(len);
	if (len)
		memcpy(h + 1, p, len);
	*total = sizeof(*h) + len;
	return h;
}

/* Multicast of a set-level message to every ONLINE node; 0 if all agreed. */
static int set_mcast(u16 type, u32 id, const void *p, size_t len,
		     int *first_err)
{
	krg_nodemask_t nodes;
	int *status;
	void *msg;
	size_t total;
	u32 n;
	int ok, want;

	msg = set_msg(type, id, p, len, &total);
	status = kcalloc(KRG_MAX_NODES, sizeof(*status), GFP_KERNEL);
	if (!msg || !status) {
		kfree(msg);
		kfree(status);
		return -ENOMEM;
	}
	krg_comm_online_nodes(&nodes);
	want = krg_nodemask_weight(&nodes);
	ok = krg_comm_call_multi(&nodes, KRG_SVC_KDDM, msg, total,
				 KDDM_SEND_WAIT_MS, status, NULL, NULL);
	*first_err = 0;
	krg_nodemask_for_each(n, &nodes)
		if (status[n] < 0 && !*first_err)
			*first_err = status[n];
	kfree(msg);
	kfree(status);
	return ok == want ? 0 : -EIO;
}

int kddm_set_create(u32 id, const struct kddm_set_params *params)
{
	struct kddm_wire_set w = {};
	struct kddm_set *set;
	int self = krg_comm_self(), ret, err;
	krg_nodemask_t nodes;

	if (!params || !params->linker || !params->obj_size ||
	    params->obj_size > KRG_KDDM_OBJ_MAX ||
	    params->policy > KRG_KDDM_OWNER_CREATOR ||
	    params->on_failure > KRG_KDDM_FAIL_LOST)
		return -EINVAL;
	if (self < 0 || krg_comm_node_state(self) != KRG_NODE_ONLINE)
		return -EHOSTDOWN;
	if (!kddm_linker_find(params->linker))
		return -ENOENT;
	set = kddm_set_find(id);
	if (set) {
		kddm_set_put(set);
		return -EEXIST;
	}
	krg_comm_online_nodes(&nodes);
	w.id = cpu_to_le32(id);
	w.obj_size = cpu_to_le32(params->obj_size);
	w.policy = cpu_to_le32(params->policy);
	w.on_failure = cpu_to_le32(params->on_failure);
	w.creator = cpu_to_le32(self);
	krg_nodemask_to_wire(&nodes, &w.home);
	w.alive = w.home;
	strscpy(w.linker, params->linker, sizeof(w.linker));
	ret = set_mcast(KRG_KDDM_MSG_SET_CREATE, id, &w, sizeof(w), &err);
	if (ret) {
		/* Undo where it was created, then report the first reason. */
		set_mcast(KRG_KDDM_MSG_SET_DESTROY, id, NULL, 0, &ret);
		return err ?: -EHOSTDOWN;
	}
	set = kddm_set_find(id);
	if (set) {
		set->private = params->private;
		kddm_set_put(set);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kddm_set_create);

int kddm_set_destroy(u32 id)
{
	struct kddm_set *set = kddm_set_find(id);
	int err;

	if (!set)
		return -ENOENT;
	kddm_set_put(set);
	set_mcast(KRG_KDDM_MSG_SET_DESTROY, id, NULL, 0, &err);
	return 0;
}
EXPORT_SYMBOL_GPL(kddm_set_destroy);

/* SET_DESTROY received (or module exit): drop the set here. */
void kddm_set_remove_local(u32 id)
{
	struct kddm_set *set, *found = NULL;

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		if (set->id == id) {
			list_del_init(&set->list);
			found = set;
			break;
		}
	}
	mutex_unlock(&kddm_sets_mutex);
	if (!found)
		return;
	mutex_lock(&found->lock);
	found->dead = true;
	found->gen++;
	mutex_unlock(&found->lock);
	wake_up_all(&found->wq);
	kddm_set_put(found);
}

/* A node joined: send it every set (one-way, in order). */
void kddm_sets_send_all(u32 node)
{
	struct kddm_wire_set w;
	struct kddm_set *set;
	size_t total;
	void *msg;

	mutex_lock(&kddm_sets_mutex);
	list_for_each_entry(set, &kddm_sets, list) {
		mutex_lock(&set->lock);
		set_wire(set, &w);
		mutex_unlock(&set->lock);
		msg = set_msg(KRG_KDDM_MSG_SET_CREATE, set->id, &w,
			      sizeof(w), &total);
		if (!msg)
			break;
		if (krg_comm_send_wait(node, KRG_SVC_KDDM, msg, total,
				       KDDM_SEND_WAIT_MS))
			pr_warn("set %u: not sent to joining node %u\n",
				set->id, node);
		kfree(msg);
	}
	mutex_unlock(&kddm_sets_mutex);
}

void kddm_sets_exit(void)
{
	struct kddm_set *set;

	for (;;) {
		mutex_lock(&kddm_sets_mutex);
		set = list_first_entry_or_null(&kddm_sets, struct kddm_set,
					       list);
		mutex_unlock(&kddm_sets_mutex);
		if (!set)
			return;
		kddm_set_remove_local(set->id);
	}
}
