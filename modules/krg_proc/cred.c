// SPDX-License-Identifier: GPL-2.0
/*
 * Credentials on the wire: a request made on behalf of a task carries its
 * ids and effective capabilities (initial user namespace), and the node that
 * serves it evaluates the kernel's own permission checks (procfs, signals)
 * under a credential rebuilt from them (override_creds()).  Nodes of one
 * cluster share its key and trust each other's word for who asked, as a
 * kernel trusts its own task credentials.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/uidgid.h>

#include "rpc.h"

void krgp_cred_pack(struct krgp_wire_cred *w)
{
	const struct cred *c = current_cred();
	struct group_info *gi = c->group_info;
	unsigned int i, n;

	w->uid = cpu_to_le32(from_kuid_munged(&init_user_ns, c->uid));
	w->euid = cpu_to_le32(from_kuid_munged(&init_user_ns, c->euid));
	w->suid = cpu_to_le32(from_kuid_munged(&init_user_ns, c->suid));
	w->fsuid = cpu_to_le32(from_kuid_munged(&init_user_ns, c->fsuid));
	w->gid = cpu_to_le32(from_kgid_munged(&init_user_ns, c->gid));
	w->egid = cpu_to_le32(from_kgid_munged(&init_user_ns, c->egid));
	w->sgid = cpu_to_le32(from_kgid_munged(&init_user_ns, c->sgid));
	w->fsgid = cpu_to_le32(from_kgid_munged(&init_user_ns, c->fsgid));
	/* Capabilities only count in the initial user namespace. */
	w->cap_effective = c->user_ns == &init_user_ns ?
		cpu_to_le64(((u64)c->cap_effective.cap[1] << 32) |
			    c->cap_effective.cap[0]) : 0;
	n = min_t(unsigned int, gi->ngroups, KRGP_WIRE_GROUPS);
	w->ngroups = cpu_to_le32(n);
	for (i = 0; i < KRGP_WIRE_GROUPS; i++)
		w->groups[i] = cpu_to_le32(i < n ?
			from_kgid_munged(&init_user_ns, gi->gid[i]) : 0);
}

bool krgp_cred_capable(const struct krgp_wire_cred *w, int cap)
{
	return cap >= 0 && cap < 64 &&
	       (le64_to_cpu(w->cap_effective) & BIT_ULL(cap));
}

static bool krgp_kuid(__le32 v, kuid_t *out)
{
	*out = make_kuid(&init_user_ns, le32_to_cpu(v));
	return uid_valid(*out);
}

static bool krgp_kgid(__le32 v, kgid_t *out)
{
	*out = make_kgid(&init_user_ns, le32_to_cpu(v));
	return gid_valid(*out);
}

static const struct cred *krgp_cred_build(const struct krgp_wire_cred *w)
{
	unsigned int i, n = le32_to_cpu(w->ngroups);
	u64 caps = le64_to_cpu(w->cap_effective);
	struct group_info *gi;
	struct cred *c;

	if (n > KRGP_WIRE_GROUPS)
		return ERR_PTR(-EINVAL);
	/* A copy of init's credentials: right user namespace, securebits... */
	c = prepare_kernel_cred(NULL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	if (!krgp_kuid(w->uid, &c->uid) || !krgp_kuid(w->euid, &c->euid) ||
	    !krgp_kuid(w->suid, &c->suid) || !krgp_kuid(w->fsuid, &c->fsuid) ||
	    !krgp_kgid(w->gid, &c->gid) || !krgp_kgid(w->egid, &c->egid) ||
	    !krgp_kgid(w->sgid, &c->sgid) || !krgp_kgid(w->fsgid, &c->fsgid))
		goto err_inval;
	c->cap_effective.cap[0] = (u32)caps;
	c->cap_effective.cap[1] = (u32)(caps >> 32);
	c->cap_effective = cap_intersect(c->cap_effective, CAP_FULL_SET);
	c->cap_permitted = c->cap_effective;
	cap_clear(c->cap_inheritable);
	cap_clear(c->cap_ambient);

	gi = groups_alloc(n);
	if (!gi) {
		put_cred(c);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < n; i++) {
		if (!krgp_kgid(w->groups[i], &gi->gid[i])) {
			put_group_info(gi);
			goto err_inval;
		}
	}
	groups_sort(gi);
	set_groups(c, gi);
	put_group_info(gi);
	return c;

err_inval:
	put_cred(c);
	return ERR_PTR(-EINVAL);
}

/*
 * The last credentials built, by their wire form: a node serves a few
 * users' requests over and over (ps, kill), and a credential is immutable
 * once built, so it is shared.
 */
#define KRGP_CRED_CACHE 8

static struct {
	struct krgp_wire_cred wire;
	const struct cred *cred;
} krgp_cred_cache[KRGP_CRED_CACHE];
static unsigned int krgp_cred_next;
static DEFINE_SPINLOCK(krgp_cred_lock);

const struct cred *krgp_cred_unpack(const struct krgp_wire_cred *w)
{
	const struct cred *c = NULL, *old;
	unsigned int i;

	spin_lock(&krgp_cred_lock);
	for (i = 0; i < KRGP_CRED_CACHE && !c; i++)
		if (krgp_cred_cache[i].cred &&
		    !memcmp(&krgp_cred_cache[i].wire, w, sizeof(*w)))
			c = get_cred(krgp_cred_cache[i].cred);
	spin_unlock(&krgp_cred_lock);
	if (c)
		return c;

	c = krgp_cred_build(w);
	if (IS_ERR(c))
		return c;
	spin_lock(&krgp_cred_lock);
	i = krgp_cred_next++ % KRGP_CRED_CACHE;
	old = krgp_cred_cache[i].cred;
	krgp_cred_cache[i].wire = *w;
	krgp_cred_cache[i].cred = get_cred(c);
	spin_unlock(&krgp_cred_lock);
	if (old)
		put_cred(old);
	return c;
}

void krgp_cred_cache_clear(void)
{
	unsigned int i;

	for (i = 0; i < KRGP_CRED_CACHE; i++) {
		if (krgp_cred_cache[i].cred)
			put_cred(krgp_cred_cache[i].cred);
		krgp_cred_cache[i].cred = NULL;
	}
}
