// SPDX-License-Identifier: GPL-2.0
/*
 * /proc extension on a stock kernel: ftrace (IPMODIFY, the way livepatch does
 * it) redirects proc_pid_readdir() and proc_pid_lookup() to wrappers here,
 * which call the original and then the consumer.  The original is called
 * through its normal entry, so it passes the ftrace hook again; the handler
 * lets calls coming from this module through (within_module(parent_ip)).
 *
 * Neither function is exported: their addresses come from
 * kallsyms_lookup_name(), itself found with a kprobe (it is unexported since
 * 5.7).  That is safe here because Debian's 6.1 has X86_KERNEL_IBT off; a
 * kernel with IBT would need the core patch for these hooks.
 *
 * Only one IPMODIFY user may own a function: a livepatch of the same function
 * makes registration fail, and the hook then stays unavailable (reported).
 *
 * The layout facts below come from fs/proc/base.c and fs/proc/internal.h of
 * 6.1 (private headers): FIRST_PROCESS_ENTRY is 256, a PID's entry sits at
 * position tgid + TGID_OFFSET and the native listing ends with ctx->pos =
 * PID_MAX_LIMIT + TGID_OFFSET.  Remote PIDs take the positions their numbers
 * give them, so the merged listing is in PID order and a listing resumed at
 * any position (getdents with a small buffer, seekdir) goes on correctly:
 * the native code resumes at the next local PID >= the position, the
 * consumer's list at the next remote one.  The core backend calls the same
 * merge from its proc_readdir entry point.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/threads.h>

#include "internal.h"

#define KRGH_PROC_FIRST_PROCESS_ENTRY	256
#define KRGH_PROC_TGID_OFFSET		(KRGH_PROC_FIRST_PROCESS_ENTRY + 2)
#define KRGH_PROC_END			(PID_MAX_LIMIT + KRGH_PROC_TGID_OFFSET)
/* Remote PIDs asked from the consumer at a time. */
#define KRGH_PROC_BATCH			1024

struct krgh_fhook {
	const char *symbol;
	void *wrapper;
	u32 hook;
	unsigned long addr;
	struct ftrace_ops ops;
	bool registered;
};

static int krgh_proc_readdir(struct file *file, struct dir_context *ctx);
static struct dentry *krgh_proc_lookup(struct dentry *dentry,
				       unsigned int flags);

enum { FH_READDIR, FH_LOOKUP, FH_NR };

static struct krgh_fhook krgh_fhooks[FH_NR] = {
	[FH_READDIR] = { "proc_pid_readdir", krgh_proc_readdir,
			 KRG_HOOK_PROC_READDIR },
	[FH_LOOKUP] = { "proc_pid_lookup", krgh_proc_lookup,
			KRG_HOOK_PROC_LOOKUP },
};

/*
 * One listing: the native code writes into ctx (our actor), which puts the
 * consumer's PIDs that come before each local entry into the caller's
 * context first.
 */
struct krgh_merge {
	struct dir_context ctx;
	struct dir_context *user;
	const struct krg_hook_ops *ops;
	struct pid_namespace *ns;
	pid_t *pids;
	unsigned int n, i;
	bool more;		/* the last batch was full: ask again after it */
	bool full;		/* the caller's buffer is full */
};

static atomic_long_t krgh_proc_errors = ATOMIC_LONG_INIT(0);

static void krgh_merge_fill(struct krgh_merge *m, pid_t from)
{
	int ret = m->ops->proc_pids(m->ns, from, m->pids, KRGH_PROC_BATCH);

	m->i = 0;
	m->n = 0;
	m->more = false;
	if (ret < 0) {
		/* List the local processes anyway. */
		atomic_long_inc(&krgh_proc_errors);
		return;
	}
	m->n = min_t(unsigned int, ret, KRGH_PROC_BATCH);
	m->more = m->n == KRGH_PROC_BATCH;
}

/* The next remote PID of the listing, 0 when there is none. */
static pid_t krgh_merge_peek(struct krgh_merge *m)
{
	if (m->i == m->n && m->more && m->n)
		krgh_merge_fill(m, m->pids[m->n - 1] + 1);
	return m->i < m->n ? m->pids[m->i] : 0;
}

/* Emits the remote PIDs below limit (all if 0); false once the buffer fills. */
static bool krgh_merge_emit(struct krgh_merge *m, pid_t limit)
{
	char name[12];
	pid_t r;
	int len;

	while ((r = krgh_merge_peek(m)) && (!limit || r < limit)) {
		if (r <= 0 || r >= PID_MAX_LIMIT) {	/* consumer bug: skip */
			m->i++;
			continue;
		}
		len = snprintf(name, sizeof(name), "%d", r);
		m->user->pos = r + KRGH_PROC_TGID_OFFSET;
		if (!dir_emit(m->user, name, len, 1, DT_DIR)) {
			m->full = true;
			return false;
		}
		m->i++;
	}
	if (r && r == limit)	/* also local: listed natively */
		m->i++;
	return true;
}

static bool krgh_merge_actor(struct dir_context *ctx, const char *name,
			     int namelen, loff_t offset, u64 ino,
			     unsigned int d_type)
{
	struct krgh_merge *m = container_of(ctx, struct krgh_merge, ctx);

	if (offset >= KRGH_PROC_TGID_OFFSET && offset < KRGH_PROC_END &&
	    !krgh_merge_emit(m, offset - KRGH_PROC_TGID_OFFSET))
		return false;
	m->user->pos = offset;
	if (!m->user->actor(m->user, name, namelen, offset, ino, d_type)) {
		m->full = true;
		return false;
	}
	return true;
}

int krgh_proc_readdir_merge(struct file *file, struct dir_context *ctx,
			    int (*native)(struct file *, struct dir_context *))
{
	struct pid_namespace *ns = proc_pid_ns(file_inode(file)->i_sb);
	struct krgh_merge m = { .user = ctx, .ns = ns };
	loff_t pos = ctx->pos;
	int ret, idx;

	if (ns != READ_ONCE(krgh_cluster_ns) || pos >= KRGH_PROC_END)
		return native(file, ctx);
	idx = srcu_read_lock(&krgh_srcu);
	m.ops = krgh_ops_srcu(KRG_HOOK_PROC_READDIR);
	if (m.ops)
		m.pids = kvmalloc_array(KRGH_PROC_BATCH, sizeof(pid_t),
					GFP_KERNEL);
	if (!m.pids) {
		srcu_read_unlock(&krgh_srcu, idx);
		return native(file, ctx);
	}
	krgh_merge_fill(&m, pos > KRGH_PROC_TGID_OFFSET ?
			pos - KRGH_PROC_TGID_OFFSET : 0);
	m.ctx.actor = krgh_merge_actor;
	m.ctx.pos = pos;
	ret = native(file, &m.ctx);
	if (!m.full) {
		if (ret)
			ctx->pos = m.ctx.pos;
		else if (krgh_merge_emit(&m, 0))
			ctx->pos = KRGH_PROC_END;
	}
	/* Full: ctx->pos is the entry that did not fit; the next call resumes. */
	srcu_read_unlock(&krgh_srcu, idx);
	kvfree(m.pids);
	return ret;
}

static int krgh_proc_readdir(struct file *file, struct dir_context *ctx)
{
	int (*orig)(struct file *, struct dir_context *) =
		(void *)krgh_fhooks[FH_READDIR].addr;
	int ret;

	krgh_callout_get();
	ret = krgh_proc_readdir_merge(file, ctx, orig);
	krgh_callout_put();
	return ret;
}

void krgh_procfs_stats(struct seq_file *m)
{
	seq_printf(m, "proc_pids_errors %ld\n",
		   atomic_long_read(&krgh_proc_errors));
}

/* The kernel's name_to_int(): digits only, no leading zero, fits a PID. */
static pid_t krgh_proc_tgid(const struct qstr *name)
{
	unsigned long n = 0;
	unsigned int i;

	if (!name->len || name->len > 10 || (name->len > 1 && name->name[0] == '0'))
		return -1;
	for (i = 0; i < name->len; i++) {
		if (name->name[i] < '0' || name->name[i] > '9')
			return -1;
		n = n * 10 + (name->name[i] - '0');
	}
	return n && n < PID_MAX_LIMIT ? (pid_t)n : -1;
}

static struct dentry *krgh_proc_lookup(struct dentry *dentry,
				       unsigned int flags)
{
	struct dentry *(*orig)(struct dentry *, unsigned int) =
		(void *)krgh_fhooks[FH_LOOKUP].addr;
	struct pid_namespace *ns = proc_pid_ns(dentry->d_sb);
	const struct krg_hook_ops *ops;
	struct dentry *ret;
	pid_t tgid;
	int idx;

	krgh_callout_get();
	ret = orig(dentry, flags);
	if (ret != ERR_PTR(-ENOENT) || ns != READ_ONCE(krgh_cluster_ns))
		goto out;
	tgid = krgh_proc_tgid(&dentry->d_name);
	if (tgid < 0)
		goto out;
	idx = srcu_read_lock(&krgh_srcu);
	ops = krgh_ops_srcu(KRG_HOOK_PROC_LOOKUP);
	if (ops)
		ret = ops->proc_lookup(ns, dentry, tgid);
	srcu_read_unlock(&krgh_srcu, idx);
out:
	krgh_callout_put();
	return ret;
}

static void notrace krgh_ftrace_handler(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *op,
					struct ftrace_regs *fregs)
{
	struct krgh_fhook *fh = container_of(op, struct krgh_fhook, ops);

	/* Our wrapper calling the original: let it run. */
	if (within_module(parent_ip, THIS_MODULE))
		return;
	ftrace_instruction_pointer_set(fregs, (unsigned long)fh->wrapper);
}

u32 krgh_procfs_available(void)
{
	u32 m = 0;
	int i;

	for (i = 0; i < FH_NR; i++)
		if (krgh_fhooks[i].addr)
			m |= BIT(krgh_fhooks[i].hook);
	return m;
}

u32 krgh_procfs_live(void)
{
	u32 m = 0;
	int i;

	for (i = 0; i < FH_NR; i++)
		if (krgh_fhooks[i].registered &&
		    rcu_access_pointer(krgh_slots[krgh_fhooks[i].hook]))
			m |= BIT(krgh_fhooks[i].hook);
	return m;
}

static void krgh_fhook_detach(struct krgh_fhook *fh)
{
	int err = unregister_ftrace_function(&fh->ops);

	if (err)
		pr_err("cannot unhook %s: %d\n", fh->symbol, err);
	fh->registered = false;
}

int krgh_procfs_sync(u32 want)
{
	int i, err, ret = 0;

	lockdep_assert_held(&krgh_lock);
	/*
	 * unregister_ftrace_function() waits for the trampolines (and, with
	 * PREEMPTION, for synchronize_rcu_tasks()); tasks already redirected
	 * hold a callout that module exit drains.
	 */
	for (i = 0; i < FH_NR; i++) {
		struct krgh_fhook *fh = &krgh_fhooks[i];
		bool on = want & BIT(fh->hook);

		if (fh->registered && !on) {
			krgh_fhook_detach(fh);
		} else if (!fh->registered && on && fh->addr) {
			err = register_ftrace_function(&fh->ops);
			if (err) {
				pr_err("cannot hook %s (livepatched?): %d\n",
				       fh->symbol, err);
				ret = ret ?: err;
				continue;
			}
			fh->registered = true;
		}
	}
	return ret;
}

int krgh_procfs_init(void)
{
	int i, err;

	for (i = 0; i < FH_NR; i++) {
		struct krgh_fhook *fh = &krgh_fhooks[i];

		fh->addr = krgh_lookup_symbol(fh->symbol);
		if (!fh->addr) {
			pr_warn("%s not found: its hook is unavailable\n",
				fh->symbol);
			continue;
		}
		fh->ops.func = krgh_ftrace_handler;
		fh->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY;
		err = ftrace_set_filter_ip(&fh->ops, fh->addr, 0, 0);
		if (err) {
			pr_warn("%s is not traceable (%d): its hook is unavailable\n",
				fh->symbol, err);
			fh->addr = 0;
		}
	}
	return 0;
}

void krgh_procfs_exit(void)
{
	int i;

	for (i = 0; i < FH_NR; i++) {
		if (krgh_fhooks[i].registered)
			krgh_fhook_detach(&krgh_fhooks[i]);
		if (krgh_fhooks[i].addr)
			ftrace_free_filter(&krgh_fhooks[i].ops);
	}
}
