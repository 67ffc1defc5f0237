// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster process table (task_table.h has the design): finding a
 * process, listing the PIDs of other nodes for /proc, and the records of
 * krg ps, each answered by the node the processes run on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "krg_comm/krg_comm.h"
#include "env.h"
#include "rpc.h"
#include "migrate.h"
#include "task_table.h"

static struct task_struct *krgp_find(pid_t nr, enum pid_type type)
{
	struct pid_namespace *ns;
	struct task_struct *t = NULL;

	/* PID 1 is each node's own krginit, never a cluster process. */
	if (nr <= 1 || nr >= PID_MAX_LIMIT)
		return NULL;
	rcu_read_lock();
	ns = krgp_env_ns_rcu();
	if (ns)
		t = pid_task(find_pid_ns(nr, ns), type);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	return t;
}

struct task_struct *krgp_find_task(pid_t pid)
{
	return krgp_find(pid, PIDTYPE_TGID);
}

struct task_struct *krgp_find_thread(pid_t tid)
{
	return krgp_find(tid, PIDTYPE_PID);
}

int krgp_locate(pid_t pid)
{
	u32 home;

	if (pid <= 1 || pid >= PID_MAX_LIMIT)
		return -ESRCH;
	home = krgp_pid_home(pid);
	if (home == krg_comm_self())
		return home;
	return krg_comm_node_state(home) == KRG_NODE_ONLINE ? home : -ESRCH;
}

/* ---- who owns /proc/<pid> ---------------------------------------------------- */

static void krgp_pid_owner(struct task_struct *t, struct krgp_pid_info *info)
{
	const struct cred *c;
	struct mm_struct *mm;
	bool dumpable = true;

	rcu_read_lock();
	c = __task_cred(t);
	info->euid = cpu_to_le32(from_kuid_munged(&init_user_ns, c->euid));
	info->egid = cpu_to_le32(from_kgid_munged(&init_user_ns, c->egid));
	rcu_read_unlock();
	/* As procfs: a non-dumpable process's entries belong to root. */
	task_lock(t);
	mm = t->mm;
	if (mm && get_dumpable(mm) != SUID_DUMP_USER)
		dumpable = false;
	task_unlock(t);
	if (!dumpable) {
		info->euid = 0;
		info->egid = 0;
	}
	info->dumpable = cpu_to_le32(dumpable);
}

/* ---- the PIDs of a node, for /proc listings -------------------------------- */

unsigned int krgp_local_pids(struct pid_namespace *ns, pid_t from, pid_t *pids,
			     unsigned int max)
{
	unsigned int n = 0, batch;
	struct task_struct *t;
	struct pid *pid = NULL;
	int nr = max_t(pid_t, from, 2);

	while (n < max) {
		/* Bounded RCU sections: a node may hold thousands of PIDs. */
		rcu_read_lock();
		for (batch = 0, pid = find_ge_pid(nr, ns); pid && n < max && batch < 256;
		     batch++, pid = find_ge_pid(nr, ns)) {
			nr = pid_nr_ns(pid, ns);
			t = nr > 1 ? pid_task(pid, PIDTYPE_TGID) : NULL;
			/* A stub is not the process: it runs elsewhere. */
			if (t && !krgp_is_stub(t))
				pids[n++] = nr;
			nr++;
		}
		rcu_read_unlock();
		if (!pid)
			break;
		cond_resched();
	}
	return n;
}

void krgp_serve_pids(struct krgp_req *req)
{
	const struct krgp_pids_req *r = req->body;
	u32 from = le32_to_cpu(r->from), max = le32_to_cpu(r->max);
	struct krgp_pid_info *buf = NULL;
	unsigned int n, i, k = 0;
	struct task_struct *t;
	struct krgp_env *env;
	pid_t *pids;

	if (!max || max > KRGP_PIDS_MAX || from >= PID_MAX_LIMIT) {
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	env = krgp_env_get();
	if (!env) {
		krgp_reply(req, 0, NULL, 0);	/* no environment: no process */
		return;
	}
	pids = kvmalloc_array(max, sizeof(*pids), GFP_KERNEL);
	if (pids)
		buf = kvmalloc_array(max, sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		kvfree(pids);
		krgp_env_put(env);
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	n = krgp_local_pids(env->ns, from, pids, max);
	krgp_env_put(env);
	for (i = 0; i < n; i++) {
		t = krgp_find_task(pids[i]);
		if (!t)
			continue;	/* ended meanwhile */
		buf[k].pid = cpu_to_le32(pids[i]);
		krgp_pid_owner(t, &buf[k++]);
		put_task_struct(t);
	}
	krgp_reply(req, 0, buf, k * sizeof(*buf));
	kvfree(buf);
	kvfree(pids);
}

/*
 * The owners of the PIDs the last listing returned, for one second: ps lists
 * /proc and then opens /proc/<pid>/stat of each, so its lookups need not ask
 * again whose they are.  A process that ended meanwhile fails at open, as it
 * would locally between readdir and open.
 */
#define KRGP_OWNER_CACHE_MS	1000

struct krgp_owner_cache {
	unsigned long stamp;		/* jiffies */
	u64 scan;			/* this listing's number */
	pid_t reader;			/* who listed (initial namespace tgid) */
	unsigned int n;
	struct rcu_head rcu;
	struct krgp_pid_info info[];	/* ascending pid */
};

static struct krgp_owner_cache __rcu *krgp_owners;
static DEFINE_SPINLOCK(krgp_owners_lock);
static atomic64_t krgp_scans = ATOMIC64_INIT(0);

static bool krgp_owners_fresh(const struct krgp_owner_cache *c)
{
	return c && time_before(jiffies, c->stamp +
				msecs_to_jiffies(KRGP_OWNER_CACHE_MS));
}

u64 krgp_scan_id(void)
{
	struct krgp_owner_cache *c;
	u64 scan = 0;

	rcu_read_lock();
	c = rcu_dereference(krgp_owners);
	if (krgp_owners_fresh(c) && c->reader == task_tgid_nr(current))
		scan = c->scan;
	rcu_read_unlock();
	return scan;
}

static void krgp_owners_set(struct krgp_owner_cache *c)
{
	struct krgp_owner_cache *old;

	spin_lock(&krgp_owners_lock);
	old = rcu_replace_pointer(krgp_owners, c,
				  lockdep_is_held(&krgp_owners_lock));
	spin_unlock(&krgp_owners_lock);
	if (old)
		kvfree_rcu(old, rcu);
}

void krgp_owners_forget(void)
{
	krgp_owners_set(NULL);
}

static bool krgp_owners_find(pid_t pid, struct krgp_pid_info *info)
{
	struct krgp_owner_cache *c;
	unsigned int lo, hi, mid;
	bool found = false;

	rcu_read_lock();
	c = rcu_dereference(krgp_owners);
	if (krgp_owners_fresh(c)) {
		for (lo = 0, hi = c->n; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (le32_to_cpu(c->info[mid].pid) < pid) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		if (lo < c->n && le32_to_cpu(c->info[lo].pid) == pid) {
			*info = c->info[lo];
			found = true;
		}
	}
	rcu_read_unlock();
	return found;
}

static int krgp_info_cmp(const void *a, const void *b)
{
	u32 x = le32_to_cpu(((const struct krgp_pid_info *)a)->pid);
	u32 y = le32_to_cpu(((const struct krgp_pid_info *)b)->pid);

	return x < y ? -1 : x > y;
}

int krgp_remote_pids(struct pid_namespace *ns, pid_t from, pid_t *pids,
		     unsigned int max)
{
	struct krgp_pids_req r = {
		.from = cpu_to_le32(from < 0 ? 0 : from),
		.max = cpu_to_le32(min_t(u32, max, KRGP_PIDS_MAX)),
	};
	struct krgp_owner_cache *c;
	struct krgp_multi *m;
	unsigned int i, j, n = 0, total = 0;

	if (!max)
		return 0;
	m = krgp_call_online(NULL, false, KRGP_OP_PIDS, &r, sizeof(r));
	if (IS_ERR(m))
		return PTR_ERR(m);
	for (i = 0; i < m->count; i++)
		if (m->r[i].status >= 0)
			total += m->r[i].len / sizeof(struct krgp_pid_info);
	c = kvmalloc(struct_size(c, info, max_t(unsigned int, total, 1)),
		     GFP_KERNEL);
	if (!c) {
		krgp_multi_free(m);
		return -ENOMEM;
	}
	for (i = 0; i < m->count; i++) {
		const struct krgp_pid_info *p = m->r[i].data;
		unsigned int cnt = m->r[i].len / sizeof(*p);

		if (m->r[i].status < 0 || m->r[i].len % sizeof(*p) ||
		    cnt > KRGP_PIDS_MAX) {
			if (m->r[i].status >= 0)
				atomic_long_inc(&krgp_rpc_bad);
			continue;
		}
		for (j = 0; j < cnt; j++) {
			u32 v = le32_to_cpu(p[j].pid);

			/* Another node's answer: only PIDs it may hold. */
			if (v >= from && v > 1 && v < PID_MAX_LIMIT)
				c->info[n++] = p[j];
		}
	}
	krgp_multi_free(m);
	sort(c->info, n, sizeof(c->info[0]), krgp_info_cmp, NULL);
	for (i = 0, j = 0; i < n && j < max; i++) {
		pid_t v = le32_to_cpu(c->info[i].pid);

		if (j && v == pids[j - 1])
			continue;
		pids[j] = v;
		c->info[j++] = c->info[i];
	}
	c->n = j;
	c->stamp = jiffies;
	c->reader = task_tgid_nr(current);
	c->scan = atomic64_inc_return(&krgp_scans);
	krgp_owners_set(c);
	return j;
}

void krgp_serve_pid_info(struct krgp_req *req)
{
	const struct krgp_pid_req *r = req->body;
	struct krgp_pid_info info = { .pid = r->pid };
	struct task_struct *t = krgp_find_task(le32_to_cpu(r->pid));

	if (!t) {
		krgp_reply(req, -ESRCH, NULL, 0);
		return;
	}
	krgp_pid_owner(t, &info);
	put_task_struct(t);
	krgp_reply(req, 0, &info, sizeof(info));
}

int krgp_remote_pid_info(pid_t pid, struct krgp_pid_info *info)
{
	struct krgp_pid_req r = { .pid = cpu_to_le32(pid) };
	void *reply;
	size_t len;
	int node = krgp_locate(pid), ret;

	if (node < 0 || node == krg_comm_self())
		return -ESRCH;	/* its home is here: not a remote process */
	if (krgp_owners_find(pid, info))
		return 0;
	ret = krgp_call(node, KRGP_OP_PID_INFO, &r, sizeof(r), &reply, &len);
	if (ret < 0)
		return ret == -EHOSTDOWN ? -ESRCH : ret;
	if (len != sizeof(*info) || le32_to_cpu(((struct krgp_pid_info *)reply)->pid) != pid) {
		atomic_long_inc(&krgp_rpc_bad);
		kvfree(reply);
		return -EIO;
	}
	memcpy(info, reply, sizeof(*info));
	kvfree(reply);
	return 0;
}

/* ---- krg ps records ----------------------------------------------------------- */

static u64 krgp_group_runtime(struct task_struct *p)
{
	struct task_struct *t;
	u64 ns;

	rcu_read_lock();
	ns = READ_ONCE(p->signal->sum_sched_runtime);
	for_each_thread(p, t)
		ns += READ_ONCE(t->se.sum_exec_runtime);
	rcu_read_unlock();
	return ns;
}

/* Fills rec and the cmdline after it; returns the record's length. */
static size_t krgp_ps_fill(struct task_struct *p, struct pid_namespace *ns,
			   u64 boot_ns, struct krgp_ps_rec *rec)
{
	char *cmdline = (char *)(rec + 1);
	unsigned long start = 0, end = 0;
	struct mm_struct *mm;
	const struct cred *c;
	int got = 0;
	char comm[TASK_COMM_LEN];
	pid_t ppid;

	memset(rec, 0, sizeof(*rec));
	rcu_read_lock();
	rec->pid = cpu_to_le32(task_tgid_nr_ns(p, ns));
	ppid = krgp_guest_ppid(p);
	rec->ppid = cpu_to_le32(ppid >= 0 ? ppid :
				task_tgid_nr_ns(rcu_dereference(p->real_parent), ns));
	rec->pgid = cpu_to_le32(task_pgrp_nr_ns(p, ns));
	rec->sid = cpu_to_le32(task_session_nr_ns(p, ns));
	c = __task_cred(p);
	rec->uid = cpu_to_le32(from_kuid_munged(&init_user_ns, c->uid));
	rec->gid = cpu_to_le32(from_kgid_munged(&init_user_ns, c->gid));
	rcu_read_unlock();
	rec->state = task_state_to_char(p);
	rec->nr_threads = cpu_to_le32(get_nr_threads(p));
	rec->cpu_time_ns = cpu_to_le64(krgp_group_runtime(p));
	rec->start_time_ns = cpu_to_le64(boot_ns + p->start_boottime);
	__get_task_comm(comm, sizeof(comm), p);
	strscpy(rec->comm, comm, sizeof(rec->comm));

	mm = get_task_mm(p);
	if (mm) {
		spin_lock(&mm->arg_lock);
		start = mm->arg_start;
		end = mm->arg_end;
		spin_unlock(&mm->arg_lock);
		if (end > start)
			got = access_process_vm(p, start, cmdline,
						min_t(unsigned long, end - start,
						      KRG_PROC_CMDLINE_MAX),
						FOLL_FORCE);
		rec->rss_kb = cpu_to_le64(get_mm_rss(mm) << (PAGE_SHIFT - 10));
		mmput(mm);
	}
	got = max(got, 0);
	rec->cmdline_len = cpu_to_le16(got);
	return sizeof(*rec) + got;
}

void krgp_serve_ps(struct krgp_req *req)
{
	const struct krgp_ps_req *r = req->body;
	bool by_uid = le32_to_cpu(r->flags) & KRGP_PS_UID;
	kuid_t uid = make_kuid(&init_user_ns, le32_to_cpu(r->uid));
	struct task_struct **tasks, *p;
	struct pid_namespace *ns;
	struct krgp_env *env;
	unsigned int n = 0, i;
	size_t off = 0;
	char *buf;

	if (le32_to_cpu(r->flags) & ~KRGP_PS_UID) {
		krgp_reply(req, -EINVAL, NULL, 0);
		return;
	}
	env = krgp_env_get();
	if (!env) {
		krgp_reply(req, 0, NULL, 0);	/* no environment: no process */
		return;
	}
	ns = env->ns;
	tasks = kvmalloc_array(KRGP_PS_MAX, sizeof(*tasks), GFP_KERNEL);
	if (!tasks) {
		krgp_env_put(env);
		krgp_reply(req, -ENOMEM, NULL, 0);
		return;
	}
	rcu_read_lock();
	for_each_process(p) {
		if (n == KRGP_PS_MAX)
			break;
		if (task_active_pid_ns(p) != ns || task_tgid_nr_ns(p, ns) <= 1 ||
		    krgp_is_stub(p))
			continue;
		if (by_uid && !uid_eq(task_uid(p), uid))
			continue;
		tasks[n++] = get_task_struct(p);
	}
	rcu_read_unlock();

	buf = kvmalloc(n * (sizeof(struct krgp_ps_rec) + KRG_PROC_CMDLINE_MAX) + 1,
		       GFP_KERNEL);
	for (i = 0; i < n; i++) {
		if (buf)
			off += krgp_ps_fill(tasks[i], ns, env->boot_ns,
					    (struct krgp_ps_rec *)(buf + off));
		put_task_struct(tasks[i]);
	}
	kvfree(tasks);
	krgp_env_put(env);
	if (buf)
		krgp_reply(req, 0, buf, off);
	else
		krgp_reply(req, -ENOMEM, NULL, 0);
	kvfree(buf);
}

const struct krgp_ps_rec *krgp_ps_next(const struct krgp_ps_node *n,
				       size_t *off)
{
	const struct krgp_ps_rec *rec;

	if (*off + sizeof(*rec) > n->len)
		return NULL;
	rec = n->recs + *off;
	*off += sizeof(*rec) + le16_to_cpu(rec->cmdline_len);
	return rec;
}

/* Every record inside the buffer, counts and lengths within their maxima. */
static int krgp_ps_check(struct krgp_ps_node *n)
{
	const struct krgp_ps_rec *rec;
	size_t off = 0;

	n->count = 0;
	while (off < n->len) {
		if (n->len - off < sizeof(*rec))
			return -EBADMSG;
		rec = n->recs + off;
		if (le16_to_cpu(rec->cmdline_len) > KRG_PROC_CMDLINE_MAX ||
		    n->len - off - sizeof(*rec) < le16_to_cpu(rec->cmdline_len) ||
		    ++n->count > KRGP_PS_MAX)
			return -EBADMSG;
		off += sizeof(*rec) + le16_to_cpu(rec->cmdline_len);
	}
	return 0;
}

struct krgp_ps_set *krgp_ps_gather(const krg_nodemask_t *nodes, bool by_uid,
				   u32 uid)
{
	struct krgp_ps_req r = {
		.flags = cpu_to_le32(by_uid ? KRGP_PS_UID : 0),
		.uid = cpu_to_le32(uid),
	};
	struct krgp_ps_set *set;
	struct krgp_multi *m;
	unsigned int i;

	m = krgp_call_online(nodes, true, KRGP_OP_PS, &r, sizeof(r));
	if (IS_ERR(m))
		return ERR_CAST(m);
	set = kzalloc(struct_size(set, nodes, m->count), GFP_KERNEL);
	if (!set) {
		krgp_multi_free(m);
		return ERR_PTR(-ENOMEM);
	}
	set->m = m;
	for (i = 0; i < m->count; i++) {
		struct krgp_ps_node *n = &set->nodes[set->nr_nodes];

		/* A node that failed meanwhile has no process any more. */
		if (m->r[i].status < 0)
			continue;
		n->node = m->r[i].node;
		n->recs = m->r[i].data;
		n->len = m->r[i].len;
		if (krgp_ps_check(n)) {
			atomic_long_inc(&krgp_rpc_bad);
			pr_warn_ratelimited("malformed process list from node %u dropped\n",
					    n->node);
			continue;
		}
		set->nr_nodes++;
	}
	return set;
}

void krgp_ps_free(struct krgp_ps_set *set)
{
	if (IS_ERR_OR_NULL(set))
		return;
	krgp_multi_free(set->m);
	kfree(set);
}
