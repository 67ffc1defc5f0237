// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-wide /proc files of the one machine the cluster is:
 *
 *   /proc/kerrighed/cluster/{meminfo,stat,loadavg,cpuinfo,uptime}
 *   /proc/kerrighed/nodes/<N>/{meminfo,stat,loadavg,cpuinfo,uptime}
 *
 * krginit bind-mounts the cluster ones over /proc/<file> in the cluster
 * environment (as LXCFS does for containers), so free, top, vmstat and
 * cat /proc/cpuinfo describe the cluster; a reader with SEE_LOCAL_PROC_STAT
 * sees its own node's file there instead.  Each open asks every online node
 * for its own file (one round of messages) and combines them:
 *   meminfo  every "Key: N [kB]" summed (Hugepagesize: the largest);
 *   stat     "cpu", intr, ctxt, processes, procs_running, procs_blocked
 *            and softirq summed, the
 *            "cpuN" lines of every node renumbered one after the other
 *            (node order), btime this node's (it goes with its uptime);
 *   loadavg  the three loads and the running/total counts summed;
 *   cpuinfo  every node's processors, renumbered;
 *   uptime   this node's uptime (every local process's times are counted
 *            from this node's boot), the idle time of all CPUs summed.
 * Other nodes' text is input from the network: every line is checked
 * (lengths, digits) and a line that does not parse is left out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "krg_comm/krg_comm.h"
#include "caps.h"
#include "env.h"
#include "procfs.h"
#include "rpc.h"

static const char *const krgp_nf_names[__KRGP_NF_MAX] = {
	[KRGP_NF_MEMINFO] = "meminfo", [KRGP_NF_STAT] = "stat",
	[KRGP_NF_LOADAVG] = "loadavg", [KRGP_NF_CPUINFO] = "cpuinfo",
	[KRGP_NF_UPTIME] = "uptime",
};

/* ---- this node's own files ---------------------------------------------------- */

/*
 * The real procfs file: looked up under the environment's procfs root
 * without crossing mounts (the cluster files are bind-mounted over these
 * names in the environment).
 */
static int krgp_local_text(u32 file, char **out, size_t *len)
{
	struct krgp_env *env = krgp_env_get();
	const char *name = krgp_nf_names[file];
	struct dentry *d;
	struct path path;
	struct file *f;
	char *buf;
	loff_t pos = 0;
	size_t off = 0;
	ssize_t n;
	int ret = 0;

	if (!env)
		return -ESRCH;
	d = lookup_one_len_unlocked(name, env->proc_root.dentry, strlen(name));
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
		goto out;
	}
	if (d_really_is_negative(d)) {
		dput(d);
		ret = -ENOENT;
		goto out;
	}
	path.mnt = env->proc_root.mnt;
	path.dentry = d;
	f = dentry_open(&path, O_RDONLY, current_cred());
	dput(d);
	if (IS_ERR(f)) {
		ret = PTR_ERR(f);
		goto out;
	}
	buf = kvmalloc(KRGP_NODE_STAT_MAX, GFP_KERNEL);
	if (!buf) {
		fput(f);
		ret = -ENOMEM;
		goto out;
	}
	while (off < KRGP_NODE_STAT_MAX) {
		n = kernel_read(f, buf + off, KRGP_NODE_STAT_MAX - off, &pos);
		if (n <= 0) {
			if (n < 0)
				ret = n;
			break;
		}
		off += n;
	}
	fput(f);
	if (ret) {
		kvfree(buf);
		goto out;
	}
	*out = buf;
	*len = off;
out:
	krgp_env_put(env);
	return ret;
}

void krgp_serve_node_stat(struct krgp_req *req)
{
	const struct krgp_node_stat_req *r = req->body;
	u32 file = le32_to_cpu(r->file);
	char *buf = NULL;
	size_t len = 0;
	int ret = file < __KRGP_NF_MAX ? krgp_local_text(file, &buf, &len) :
					 -EINVAL;

	krgp_reply(req, ret, buf, len);
	kvfree(buf);
}

/* ---- text helpers (bounded; input may come from other nodes) --------------------- */

struct krgp_text {
	char *buf;
	size_t len, cap;
};

static __printf(2, 3) void krgp_text_add(struct krgp_text *t, const char *fmt, ...)
{
	va_list args;
	int n;

	if (t->len >= t->cap)
		return;
	va_start(args, fmt);
	n = vscnprintf(t->buf + t->len, t->cap - t->len, fmt, args);
	va_end(args);
	t->len += n;
}

/* The next line of [*p, end) (without its newline), or NULL at the end. */
static const char *krgp_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', end - s);
	*len = (nl ? nl : end) - s;
	*p = nl ? nl + 1 : end;
	return s;
}

/* Parses up to max unsigned numbers separated by spaces after skip bytes. */
static int krgp_numbers(const char *s, size_t len, size_t skip, u64 *v, int max)
{
	char tmp[24];
	size_t i = skip, j;
	int n = 0;

	while (i < len && n < max) {
		while (i < len && s[i] == ' ')
			i++;
		for (j = i; j < len && isdigit(s[j]); j++)
			;
		if (j == i || j - i >= sizeof(tmp))
			break;
		memcpy(tmp, s + i, j - i);
		tmp[j - i] = '\0';
		if (kstrtou64(tmp, 10, &v[n]))
			break;
		n++;
		i = j;
	}
	return n;
}

/* ---- meminfo --------------------------------------------------------------------- */

#define KRGP_MEM_KEYS	96
#define KRGP_KEY_LEN	32

struct krgp_meminfo {
	unsigned int n;
	struct {
		char key[KRGP_KEY_LEN];
		u64 value;
		bool kb;
	} k[KRGP_MEM_KEYS];
};

static void krgp_meminfo_add(struct krgp_meminfo *mi, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *s, *colon;
	size_t l, kl;
	unsigned int i;
	u64 v;

	while ((s = krgp_line(&p, end, &l))) {
		colon = memchr(s, ':', l);
		kl = colon ? colon - s : 0;
		if (!kl || kl >= KRGP_KEY_LEN ||
		    krgp_numbers(s, l, kl + 1, &v, 1) != 1)
			continue;
		for (i = 0; i < mi->n; i++)
			if (strlen(mi->k[i].key) == kl &&
			    !memcmp(mi->k[i].key, s, kl))
				break;
		if (i == mi->n) {
			if (mi->n == KRGP_MEM_KEYS)
				continue;
			memcpy(mi->k[i].key, s, kl);
			mi->k[i].key[kl] = '\0';
			mi->k[i].kb = l >= 3 && !memcmp(s + l - 3, " kB", 3);
			mi->n++;
		}
		if (!strcmp(mi->k[i].key, "Hugepagesize"))
			mi->k[i].value = max(mi->k[i].value, v);
		else
			mi->k[i].value += v;
	}
}

static void krgp_meminfo_print(struct krgp_meminfo *mi, struct krgp_text *t)
{
	unsigned int i;

	/* The kernel's layout: "Key:" padded to 16 columns, value width 8. */
	for (i = 0; i < mi->n; i++)
		krgp_text_add(t, "%s:%*s%8llu%s\n", mi->k[i].key,
			      max(0, 15 - (int)strlen(mi->k[i].key)), "",
			      mi->k[i].value, mi->k[i].kb ? " kB" : "");
}

/* ---- stat ------------------------------------------------------------------------- */

#define KRGP_CPU_FIELDS	10
#define KRGP_SOFTIRQS	11

struct krgp_stat {
	u64 cpu[KRGP_CPU_FIELDS];
	u64 intr, ctxt, btime, processes, running, blocked;
	u64 softirq[KRGP_SOFTIRQS];
	unsigned int next_cpu;
};

static bool krgp_prefix(const char *s, size_t l, const char *word)
{
	size_t wl = strlen(word);

	return l > wl && !memcmp(s, word, wl) && s[wl] == ' ';
}

static void krgp_stat_add(struct krgp_stat *st, const char *text, size_t len,
			  bool self, struct krgp_text *cpus)
{
	const char *p = text, *end = text + len, *s;
	u64 v[KRGP_SOFTIRQS];
	size_t l, skip;
	int n, i;

	while ((s = krgp_line(&p, end, &l))) {
		if (krgp_prefix(s, l, "cpu")) {
			n = krgp_numbers(s, l, 3, v, KRGP_CPU_FIELDS);
			for (i = 0; i < n; i++)
				st->cpu[i] += v[i];
		} else if (l > 3 && !memcmp(s, "cpu", 3) && isdigit(s[3])) {
			for (skip = 3; skip < l && isdigit(s[skip]); skip++)
				;
			n = krgp_numbers(s, l, skip, v, KRGP_CPU_FIELDS);
			if (n < 4)
				continue;
			krgp_text_add(cpus, "cpu%u", st->next_cpu++);
			for (i = 0; i < n; i++)
				krgp_text_add(cpus, " %llu", v[i]);
			krgp_text_add(cpus, "\n");
		} else if (krgp_prefix(s, l, "intr")) {
			if (krgp_numbers(s, l, 4, v, 1) == 1)
				st->intr += v[0];
		} else if (krgp_prefix(s, l, "ctxt")) {
			if (krgp_numbers(s, l, 4, v, 1) == 1)
				st->ctxt += v[0];
		} else if (krgp_prefix(s, l, "btime")) {
			if (self && krgp_numbers(s, l, 5, v, 1) == 1)
				st->btime = v[0];
		} else if (krgp_prefix(s, l, "processes")) {
			if (krgp_numbers(s, l, 9, v, 1) == 1)
				st->processes += v[0];
		} else if (krgp_prefix(s, l, "procs_running")) {
			if (krgp_numbers(s, l, 13, v, 1) == 1)
				st->running += v[0];
		} else if (krgp_prefix(s, l, "procs_blocked")) {
			if (krgp_numbers(s, l, 13, v, 1) == 1)
				st->blocked += v[0];
		} else if (krgp_prefix(s, l, "softirq")) {
			n = krgp_numbers(s, l, 7, v, KRGP_SOFTIRQS);
			for (i = 0; i < n; i++)
				st->softirq[i] += v[i];
		}
	}
}

static void krgp_stat_print(struct krgp_stat *st, const struct krgp_text *cpus,
			    struct krgp_text *t)
{
	int i;

	krgp_text_add(t, "cpu ");
	for (i = 0; i < KRGP_CPU_FIELDS; i++)
		krgp_text_add(t, " %llu", st->cpu[i]);
	krgp_text_add(t, "\n%.*s", (int)cpus->len, cpus->buf);
	krgp_text_add(t, "intr %llu\nctxt %llu\nbtime %llu\nprocesses %llu\n"
		      "procs_running %llu\nprocs_blocked %llu\nsoftirq",
		      st->intr, st->ctxt, st->btime, st->processes,
		      st->running, st->blocked);
	for (i = 0; i < KRGP_SOFTIRQS; i++)
		krgp_text_add(t, " %llu", st->softirq[i]);
	krgp_text_add(t, "\n");
}

/* ---- loadavg, uptime, cpuinfo ------------------------------------------------------ */

/* "12.34" -> 1234; false if it is not that. */
static bool krgp_centi(const char **s, const char *end, u64 *out)
{
	u64 v[2];
	const char *p = *s;
	size_t l;

	while (p < end && *p == ' ')
		p++;
	l = end - p;
	if (krgp_numbers(p, l, 0, v, 1) != 1)
		return false;
	while (p < end && isdigit(*p))
		p++;
	if (p + 3 > end || p[0] != '.' || !isdigit(p[1]) || !isdigit(p[2]))
		return false;
	*out = v[0] * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	*s = p + 3;
	return true;
}

struct krgp_loadavg {
	u64 load[3], running, total, uptime, idle;
	bool have_uptime;
};

static void krgp_loadavg_add(struct krgp_loadavg *la, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *slash;
	u64 load[3], v[2];
	int i;

	for (i = 0; i < 3; i++)
		if (!krgp_centi(&p, end, &load[i]))
			return;
	slash = memchr(p, '/', end - p);
	if (!slash || krgp_numbers(p, slash - p, 0, &v[0], 1) != 1 ||
	    krgp_numbers(slash + 1, end - slash - 1, 0, &v[1], 1) != 1)
		return;
	for (i = 0; i < 3; i++)
		la->load[i] += load[i];
	la->running += v[0];
	la->total += v[1];
}

static void krgp_uptime_add(struct krgp_loadavg *la, const char *s, size_t len,
			    bool self)
{
	const char *p = s, *end = s + len;
	u64 up, idle;

	if (!krgp_centi(&p, end, &up) || !krgp_centi(&p, end, &idle))
		return;
	if (self) {
		la->uptime = up;
		la->have_uptime = true;
	}
	la->idle += idle;
}

static void krgp_cpuinfo_add(unsigned int *next, const char *text, size_t len,
			     struct krgp_text *t)
{
	const char *p = text, *end = text + len, *s;
	size_t l;

	while ((s = krgp_line(&p, end, &l))) {
		if (l > 9 && !memcmp(s, "processor", 9) && memchr(s, ':', l)) {
			krgp_text_add(t, "processor\t: %u\n", (*next)++);
			continue;
		}
		krgp_text_add(t, "%.*s\n", (int)l, s);
	}
}

/* ---- combining what the nodes said --------------------------------------------------- */

struct krgp_piece {
	u32 node;
	const char *text;
	size_t len;
};

static int krgp_piece_cmp(const void *a, const void *b)
{
	const struct krgp_piece *x = a, *y = b;

	return x->node < y->node ? -1 : x->node > y->node;
}

static int krgp_combine(u32 file, struct krgp_piece *pieces, unsigned int n,
			struct krgp_text *t)
{
	int self = krg_comm_self();
	struct krgp_loadavg la = { };
	struct krgp_text cpus = { };
	struct krgp_meminfo *mi;
	struct krgp_stat st = { };
	unsigned int i, next = 0;
	size_t total = 0;

	for (i = 0; i < n; i++)
		total += pieces[i].len;
	t->cap = 2 * total + 4096;
	t->buf = kvmalloc(t->cap, GFP_KERNEL);
	if (!t->buf)
		return -ENOMEM;
	switch (file) {
	case KRGP_NF_MEMINFO:
		mi = kzalloc(sizeof(*mi), GFP_KERNEL);
		if (!mi)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			krgp_meminfo_add(mi, pieces[i].text, pieces[i].len);
		krgp_meminfo_print(mi, t);
		kfree(mi);
		break;
	case KRGP_NF_STAT:
		cpus.cap = 2 * total + 64;
		cpus.buf = kvmalloc(cpus.cap, GFP_KERNEL);
		if (!cpus.buf)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			krgp_stat_add(&st, pieces[i].text, pieces[i].len,
				      pieces[i].node == self, &cpus);
		krgp_stat_print(&st, &cpus, t);
		kvfree(cpus.buf);
		break;
	case KRGP_NF_LOADAVG:
		for (i = 0; i < n; i++)
			krgp_loadavg_add(&la, pieces[i].text, pieces[i].len);
		krgp_text_add(t, "%llu.%02llu %llu.%02llu %llu.%02llu %llu/%llu 0\n",
			      la.load[0] / 100, la.load[0] % 100,
			      la.load[1] / 100, la.load[1] % 100,
			      la.load[2] / 100, la.load[2] % 100,
			      la.running, la.total);
		break;
	case KRGP_NF_CPUINFO:
		for (i = 0; i < n; i++)
			krgp_cpuinfo_add(&next, pieces[i].text, pieces[i].len, t);
		break;
	case KRGP_NF_UPTIME:
		for (i = 0; i < n; i++)
			krgp_uptime_add(&la, pieces[i].text, pieces[i].len,
					pieces[i].node == self);
		if (!la.have_uptime)
			return -EIO;
		krgp_text_add(t, "%llu.%02llu %llu.%02llu\n", la.uptime / 100,
			      la.uptime % 100, la.idle / 100, la.idle % 100);
		break;
	}
	return 0;
}

/* The text of file: the cluster's (node < 0), or node's own. */
static int krgp_stat_text(u32 file, int node, struct krgp_text *t)
{
	struct krgp_node_stat_req r = { .file = cpu_to_le32(file) };
	struct krgp_piece *pieces;
	struct krgp_multi *m;
	unsigned int i, n = 0;
	unsigned long *only;
	char *buf;
	size_t len;
	int ret;

	if (node == krg_comm_self()) {
		ret = krgp_local_text(file, &buf, &len);
		if (!ret) {
			t->buf = buf;
			t->len = len;
		}
		return ret;
	}
	only = node >= 0 ? bitmap_zalloc(KRG_MAX_NODES, GFP_KERNEL) : NULL;
	if (node >= 0) {
		if (!only)
			return -ENOMEM;
		set_bit(node, only);
	}
	m = krgp_call_online(only, true, KRGP_OP_NODE_STAT, &r, sizeof(r));
	bitmap_free(only);
	if (IS_ERR(m))
		return PTR_ERR(m);
	pieces = kcalloc(max(m->count, 1U), sizeof(*pieces), GFP_KERNEL);
	if (!pieces) {
		krgp_multi_free(m);
		return -ENOMEM;
	}
	for (i = 0; i < m->count; i++) {
		if (m->r[i].status < 0 || m->r[i].len > KRGP_NODE_STAT_MAX)
			continue;
		pieces[n].node = m->r[i].node;
		pieces[n].text = m->r[i].data;
		pieces[n].len = m->r[i].len;
		n++;
	}
	sort(pieces, n, sizeof(*pieces), krgp_piece_cmp, NULL);
	ret = n ? krgp_combine(file, pieces, n, t) : -EHOSTDOWN;
	kfree(pieces);
	krgp_multi_free(m);
	return ret;
}

/* ---- the proc entries ---------------------------------------------------------------- */

/* pde data: file | (node + 1) << 8; node 0 in that field = the cluster. */
static int krgp_cs_open(struct inode *inode, struct file *file)
{
	unsigned long key = (unsigned long)pde_data(inode);
	int node = (int)(key >> 8) - 1;
	u32 which = key & 0xff;
	struct krgp_text *t;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	/* SEE_LOCAL_PROC_STAT: this node's own file in place of the cluster's. */
	if (node < 0 && krgp_caps_current_has(KRG_CAP_SEE_LOCAL_PROC_STAT))
		node = krg_comm_self();
	ret = krgp_stat_text(which, node, t);
	if (ret) {
		kvfree(t->buf);
		kfree(t);
		return ret;
	}
	file->private_data = t;
	return 0;
}

static ssize_t krgp_cs_read(struct file *file, char __user *buf, size_t len,
			    loff_t *pos)
{
	struct krgp_text *t = file->private_data;

	return simple_read_from_buffer(buf, len, pos, t->buf, t->len);
}

static int krgp_cs_release(struct inode *inode, struct file *file)
{
	struct krgp_text *t = file->private_data;

	kvfree(t->buf);
	kfree(t);
	return 0;
}

static const struct proc_ops krgp_cs_ops = {
	.proc_open = krgp_cs_open,
	.proc_read = krgp_cs_read,
	.proc_lseek = default_llseek,
	.proc_release = krgp_cs_release,
};

static struct proc_dir_entry *krgp_proc_dir, *krgp_nodes_dir;
static DEFINE_MUTEX(krgp_nodes_lock);

static int krgp_cs_files(struct proc_dir_entry *dir, int node)
{
	unsigned int i;

	for (i = 0; i < __KRGP_NF_MAX; i++)
		if (!proc_create_data(krgp_nf_names[i], 0444, dir, &krgp_cs_ops,
				      (void *)(unsigned long)(i | (node + 1) << 8)))
			return -ENOMEM;
	return 0;
}

void krgp_cluster_stat_node(u32 node, bool online)
{
	struct proc_dir_entry *dir;
	char name[12];

	snprintf(name, sizeof(name), "%u", node);
	mutex_lock(&krgp_nodes_lock);
	if (krgp_nodes_dir) {
		remove_proc_subtree(name, krgp_nodes_dir);
		if (online) {
			dir = proc_mkdir(name, krgp_nodes_dir);
			if (!dir || krgp_cs_files(dir, node))
				pr_warn("no /proc/kerrighed/nodes/%u\n", node);
		}
	}
	mutex_unlock(&krgp_nodes_lock);
}

int krgp_cluster_stat_init(void)
{
	struct proc_dir_entry *cluster;

	krgp_proc_dir = proc_mkdir("kerrighed", NULL);
	if (!krgp_proc_dir)
		return -ENOMEM;
	cluster = proc_mkdir("cluster", krgp_proc_dir);
	krgp_nodes_dir = proc_mkdir("nodes", krgp_proc_dir);
	if (!cluster || !krgp_nodes_dir || krgp_cs_files(cluster, -1)) {
		proc_remove(krgp_proc_dir);
		krgp_proc_dir = NULL;
		krgp_nodes_dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

void krgp_cluster_stat_exit(void)
{
	mutex_lock(&krgp_nodes_lock);
	proc_remove(krgp_proc_dir);	/* waits for open files' calls */
	krgp_proc_dir = NULL;
	krgp_nodes_dir = NULL;
	mutex_unlock(&krgp_nodes_lock);
}
