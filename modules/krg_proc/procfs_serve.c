// SPDX-License-Identifier: GPL-2.0
/*
 * The node a process runs on serves its /proc entries to readers on other
 * nodes (procfs.c is the reader's side).  Every request is done through
 * this node's procfs of the cluster environment, under the reader's
 * credentials (override_creds()), so procfs's own permission checks and
 * formats apply: a reader gets exactly what it would get on this node.
 * The only rewrite: stat's start time, counted in clock ticks since this
 * node booted, is moved to the reader's boot time so ps's START and TIME
 * columns agree with the reader's /proc/uptime.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/namei.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "env.h"
#include "rpc.h"
#include "task_table.h"

static const char *const krgp_file_names[__KRGP_PF_MAX] = {
	[KRGP_PF_STAT] = "stat", [KRGP_PF_STATUS] = "status",
	[KRGP_PF_STATM] = "statm", [KRGP_PF_CMDLINE] = "cmdline",
	[KRGP_PF_COMM] = "comm", [KRGP_PF_ENVIRON] = "environ",
	[KRGP_PF_LIMITS] = "limits", [KRGP_PF_CWD] = "cwd",
	[KRGP_PF_EXE] = "exe", [KRGP_PF_FD] = "fd",
};

/* Room left after a read for stat's rewrite (a longer number). */
#define KRGP_REWRITE_ROOM	32

/*
 * cmdline and environ: procfs reads them with copy_to_user(), which a
 * kernel thread cannot hand a buffer to.  Opening the file did procfs's
 * checks (environ: may the reader see the memory); the bytes come from the
 * process's memory here as procfs takes them (for cmdline, a setproctitle()
 * that overflowed argv is followed into the environment area).
 */
static ssize_t krgp_read_mem(pid_t pid, u32 file, char *buf, size_t max)
{
	unsigned long start, end, env_start, env_end;
	struct task_struct *t = krgp_find_task(pid);
	struct mm_struct *mm;
	char last = 0;
	int got;

	if (!t)
		return -ESRCH;
	mm = get_task_mm(t);
	if (!mm) {
		put_task_struct(t);
		return 0;
	}
	spin_lock(&mm->arg_lock);
	start = mm->arg_start;
	end = mm->arg_end;
	env_start = mm->env_start;
	env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	mmput(mm);
	if (file == KRGP_PF_ENVIRON) {
		start = env_start;
		end = env_end;
	} else if (end > start && env_start == end && env_end > env_start &&
		   access_process_vm(t, end - 1, &last, 1, FOLL_ANON) == 1 &&
		   last) {
		end = env_end;	/* setproctitle(): one string */
	}
	got = end > start ? access_process_vm(t, start, buf,
					      min_t(unsigned long, end - start, max),
					      FOLL_ANON) : 0;
	put_task_struct(t);
	if (got > 0 && last)
		got = strnlen(buf, got);
	return max(got, 0);
}

/* Reads all of file (at most max bytes) into a new buffer. */
static ssize_t krgp_read_all(struct file *file, pid_t pid, u32 which,
			     size_t max, char **out)
{
	char *buf = kvmalloc(max + KRGP_REWRITE_ROOM, GFP_KERNEL);
	struct kvec kv;
	struct iov_iter iter;
	struct kiocb kiocb;
	size_t off = 0;
	loff_t pos = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while (off < max) {
		if (file->f_op->read_iter) {
			n = kernel_read(file, buf + off, max - off, &pos);
		} else if (file->f_op->read == seq_read) {
			/* seq_file has an iterator read: give it a kernel one. */
			kv.iov_base = buf + off;
			kv.iov_len = max - off;
			iov_iter_kvec(&iter, ITER_DEST, &kv, 1, kv.iov_len);
			init_sync_kiocb(&kiocb, file);
			kiocb.ki_pos = pos;
			n = seq_read_iter(&kiocb, &iter);
			pos = kiocb.ki_pos;
		} else if (which == KRGP_PF_CMDLINE || which == KRGP_PF_ENVIRON) {
			n = krgp_read_mem(pid, which, buf, max);
			off = n > 0 ? n : 0;
			break;
		} else {
			n = -EINVAL;
		}
		if (n < 0) {
			kvfree(buf);
			return n;
		}
		if (!n)
			break;
		off += n;
	}
	*out = buf;
	return off;
}

/* stat field 22 (starttime, clock ticks after boot) in the reader's base. */
static size_t krgp_stat_rebase(char *buf, size_t len, size_t cap, s64 delta_ns)
{
	char *p = buf + len, *field, *end, tmp[24];
	unsigned long long start;
	int i, n;
	s64 ticks;

	/* The last ')': a command name may hold parentheses. */
	while (p > buf && *--p != ')')
		;
	if (*p != ')' || !delta_ns)
		return len;
	/* After ") ": state is field 3, starttime field 22. */
	field = p + 1;
	for (i = 3; i < 22 && field < buf + len; i++) {
		field = memchr(field + 1, ' ', buf + len - field - 1);
		if (!field)
			return len;
	}
	field++;
	end = memchr(field, ' ', buf + len - field);
	if (!end || end - field >= sizeof(tmp))
		return len;
	memcpy(tmp, field, end - field);
	tmp[end - field] = '\0';
	if (kstrtoull(tmp, 10, &start))
		return len;
	ticks = (s64)start + div_s64(delta_ns, NSEC_PER_SEC / USER_HZ);
	n = snprintf(tmp, sizeof(tmp), "%llu", ticks > 0 ? (u64)ticks : 0ULL);
	if (len - (end - field) + n > cap)
		return len;
	memmove(field + n, end, buf + len - end);
	memcpy(field, tmp, n);
	return len - (end - field) + n;
}

struct krgp_serve_ctx {
	const struct krgp_proc_req *r;
	struct krgp_env *env;
	const struct cred *cred, *old;
	pid_t pid;
	u32 file;
};

static int krgp_serve_begin(struct krgp_req *req, struct krgp_serve_ctx *c)
{
	c->r = req->body;
	c->pid = le32_to_cpu(c->r->pid);
	c->file = le32_to_cpu(c->r->file);
	if (c->file >= __KRGP_PF_MAX)
		return -EINVAL;
	if (c->pid <= 1 || c->pid >= PID_MAX_LIMIT)
		return -ESRCH;
	c->env = krgp_env_get();
	if (!c->env)
		return -ESRCH;
	c->cred = krgp_cred_unpack(&c->r->cred);
	if (IS_ERR(c->cred)) {
		krgp_env_put(c->env);
		return PTR_ERR(c->cred);
	}
	c->old = override_creds(c->cred);
	return 0;
}

static void krgp_serve_end(struct krgp_serve_ctx *c)
{
	revert_creds(c->old);
	put_cred(c->cred);
	krgp_env_put(c->env);
}

void krgp_serve_proc_read(struct krgp_req *req)
{
	struct krgp_serve_ctx c;
	struct file *f;
	char name[32], *buf = NULL;
	ssize_t len;
	int ret = krgp_serve_begin(req, &c);

	if (ret) {
		krgp_reply(req, ret, NULL, 0);
		return;
	}
	if (c.file >= KRGP_PF_CWD) {
		len = -EINVAL;
		goto out;
	}
	snprintf(name, sizeof(name), "%d/%s", c.pid, krgp_file_names[c.file]);
	f = file_open_root(&c.env->proc_root, name, O_RDONLY, 0);
	if (IS_ERR(f)) {
		len = PTR_ERR(f);
		goto out;
	}
	len = krgp_read_all(f, c.pid, c.file,
			    KRGP_PROC_READ_MAX - KRGP_REWRITE_ROOM, &buf);
	fput(f);
	if (len > 0 && c.file == KRGP_PF_STAT)
		len = krgp_stat_rebase(buf, len, KRGP_PROC_READ_MAX,
				       (s64)c.env->boot_ns -
				       (s64)le64_to_cpu(c.r->start_boot_ns));
out:
	krgp_serve_end(&c);
	/* procfs says ENOENT for a process that ended. */
	if (len == -ENOENT)
		len = -ESRCH;
	krgp_reply(req, len < 0 ? len : 0, buf, len < 0 ? 0 : len);
	kvfree(buf);
}

void krgp_serve_proc_link(struct krgp_req *req)
{
	struct krgp_serve_ctx c;
	struct file *f = NULL;
	char name[40], *buf = NULL, *p = NULL;
	int ret = krgp_serve_begin(req, &c);

	if (ret) {
		krgp_reply(req, ret, NULL, 0);
		return;
	}
	if (c.file == KRGP_PF_FD)
		snprintf(name, sizeof(name), "%d/fd/%u", c.pid,
			 le32_to_cpu(c.r->fd));
	else if (c.file == KRGP_PF_CWD || c.file == KRGP_PF_EXE)
		snprintf(name, sizeof(name), "%d/%s", c.pid,
			 krgp_file_names[c.file]);
	else
		ret = -EINVAL;
	/*
	 * Following the link is what procfs allows only to readers that may
	 * see it (proc_fd_access_allowed()); the path it jumps to is the
	 * link's text.
	 */
	if (!ret) {
		f = file_open_root(&c.env->proc_root, name, O_PATH, 0);
		if (IS_ERR(f))
			ret = PTR_ERR(f);
	}
	if (!ret) {
		buf = kmalloc(PATH_MAX, GFP_KERNEL);
		p = buf ? d_path(&f->f_path, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
		fput(f);
		if (IS_ERR(p))
			ret = PTR_ERR(p);
	}
	krgp_serve_end(&c);
	if (ret == -ENOENT && c.file != KRGP_PF_FD)
		ret = -ESRCH;
	krgp_reply(req, ret, ret ? NULL : p, ret ? 0 : strlen(p));
	kfree(buf);
}

struct krgp_fds_ctx {
	struct dir_context ctx;
	__le32 *fds;
	unsigned int n;
};

static bool krgp_fds_actor(struct dir_context *ctx, const char *name,
			   int namelen, loff_t offset, u64 ino,
			   unsigned int d_type)
{
	struct krgp_fds_ctx *f = container_of(ctx, struct krgp_fds_ctx, ctx);
	char tmp[12];
	u32 fd;

	if (namelen <= 0 || namelen >= sizeof(tmp) || name[0] == '.')
		return true;
	memcpy(tmp, name, namelen);
	tmp[namelen] = '\0';
	if (kstrtou32(tmp, 10, &fd))
		return true;
	if (f->n == KRGP_PROC_FDS_MAX)
		return false;
	f->fds[f->n++] = cpu_to_le32(fd);
	return true;
}

void krgp_serve_proc_fds(struct krgp_req *req)
{
	struct krgp_fds_ctx f = { .ctx.actor = krgp_fds_actor };
	struct krgp_serve_ctx c;
	struct file *dir;
	char name[24];
	int ret = krgp_serve_begin(req, &c);

	if (ret) {
		krgp_reply(req, ret, NULL, 0);
		return;
	}
	f.fds = kvmalloc_array(KRGP_PROC_FDS_MAX, sizeof(*f.fds), GFP_KERNEL);
	if (!f.fds) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(name, sizeof(name), "%d/fd", c.pid);
	dir = file_open_root(&c.env->proc_root, name, O_RDONLY | O_DIRECTORY, 0);
	if (IS_ERR(dir)) {
		ret = PTR_ERR(dir);
		goto out;
	}
	ret = iterate_dir(dir, &f.ctx);
	fput(dir);
out:
	krgp_serve_end(&c);
	if (ret == -ENOENT)
		ret = -ESRCH;
	krgp_reply(req, ret, ret ? NULL : f.fds, ret ? 0 : f.n * sizeof(*f.fds));
	kvfree(f.fds);
}
