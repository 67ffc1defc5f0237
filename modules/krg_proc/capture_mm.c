// SPDX-License-Identifier: GPL-2.0
/*
 * Capture of the memory (capture.c has the rest): the MM record, one VMA
 * record per mapping, refusing what cannot move, then the pages as PAGES
 * records, chunk after chunk, and END.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/vdso.h>

#include "migrate.h"

#define why(fmt, ...) snprintf(c->why, sizeof(c->why), fmt, ##__VA_ARGS__)

/* ---- memory --------------------------------------------------------------- */

static bool krgp_is_vdso(struct mm_struct *mm, struct vm_area_struct *vma,
			 unsigned long *lo, unsigned long *hi)
{
	const struct vdso_image *img = mm->context.vdso_image;
	unsigned long text = (unsigned long)mm->context.vdso;

	if (!img || !text)
		return false;
	*lo = text + img->sym_vvar_start;
	*hi = text + img->size;
	return vma->vm_start >= *lo && vma->vm_end <= *hi;
}

int krgp_cap_mm(struct krgp_capture *c)
{
	struct mm_struct *mm = current->mm;
	struct krg_gh_mm *g;
	struct file *exe;
	unsigned long lo = 0, hi = 0;
	char *p = "";
	int ret = 0;

	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
	rcu_read_unlock();
	if (exe) {
		p = d_path(&exe->f_path, c->path, PATH_MAX);
		if (IS_ERR(p))
			p = "";
	}
	g = krg_ghost_put_str(c->b, KRG_GH_MM, sizeof(*g), p);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		goto out;
	}
	if (exe)
		krgp_ident(file_inode(exe), &g->exe);
	spin_lock(&mm->arg_lock);
	g->start_code = mm->start_code;
	g->end_code = mm->end_code;
	g->start_data = mm->start_data;
	g->end_data = mm->end_data;
	g->start_brk = mm->start_brk;
	g->brk = mm->brk;
	g->start_stack = mm->start_stack;
	g->arg_start = mm->arg_start;
	g->arg_end = mm->arg_end;
	g->env_start = mm->env_start;
	g->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	BUILD_BUG_ON(sizeof(mm->saved_auxv) != sizeof(g->auxv));
	memcpy(g->auxv, mm->saved_auxv, sizeof(g->auxv));
	if (mm->context.vdso && mm->context.vdso_image) {
		lo = (unsigned long)mm->context.vdso +
		     mm->context.vdso_image->sym_vvar_start;
		hi = (unsigned long)mm->context.vdso + mm->context.vdso_image->size;
	}
	g->vdso_base = lo;
	g->vdso_end = hi;
	c->vdso_base = lo;
	if (test_bit(MMF_DISABLE_THP, &mm->flags))
		g->flags |= KRG_GH_MM_THP_DISABLE;
	g->membarrier = krgp_membarrier_of_mm(mm);
out:
	if (exe)
		fput(exe);
	return ret;
}

/* Is the shared anonymous mapping of f used by this mm alone? */
static bool krgp_shanon_private(struct mm_struct *mm, struct file *f)
{
	struct vm_area_struct *vma;
	long n = 0;
	VMA_ITERATOR(vmi, mm, 0);

	for_each_vma(vmi, vma)
		if (vma->vm_file == f)
			n++;
	return file_count(f) == n;
}

static int krgp_cap_vma(struct krgp_capture *c, struct mm_struct *mm,
			struct vm_area_struct *vma)
{
	struct krgp_vma_copy *vc;
	struct krg_gh_vma *g;
	struct file *f = vma->vm_file;
	unsigned long lo, hi;
	char *p = NULL;
	u32 kind;

	if (krgp_is_vdso(mm, vma, &lo, &hi)) {
		kind = KRG_GH_VMA_VDSO;
	} else if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) {
		why("it maps a device at %#lx", vma->vm_start);
		return -EBUSY;
	} else if (!f) {
		kind = KRG_GH_VMA_ANON;
	} else {
		p = d_path(&f->f_path, c->path, PATH_MAX);
		if (IS_ERR(p)) {
			why("the path of a mapped file is too long");
			return -EBUSY;
		}
		if (shmem_file(f) && (f->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT)) {
			/* The kernel's own tmpfs: shared anonymous memory,
			 * System V segments, memfds. */
			const char *name = f->f_path.dentry->d_name.name;

			if (strcmp(name, "dev/zero")) {
				why(!strncmp(name, "SYSV", 4) ?
				    "it attached System V shared memory" :
				    "it maps a memfd (%s)", name);
				return -EBUSY;
			}
			if (!krgp_shanon_private(mm, f)) {
				why("it shares anonymous memory at %#lx with another process",
				    vma->vm_start);
				return -EBUSY;
			}
			kind = KRG_GH_VMA_SHANON;
			p = NULL;
		} else if (d_unlinked(f->f_path.dentry)) {
			if (!strncmp(p, "/SYSV", 5))
				why("it attached System V shared memory");
			else
				why("it maps a deleted file (%s)", p);
			return -EBUSY;
		} else if (!S_ISREG(file_inode(f)->i_mode)) {
			why("it maps %s, which is not a regular file", p);
			return -EBUSY;
		} else {
			kind = KRG_GH_VMA_FILE;
			if (vma->vm_flags & VM_SHARED)
				vfs_fsync(f, 1);	/* the target reads the file */
		}
	}
	if (kind == KRG_GH_VMA_FILE)
		g = krg_ghost_put_str(c->b, KRG_GH_VMA, sizeof(*g), p);
	else
		g = krg_ghost_put(c->b, KRG_GH_VMA, sizeof(*g));
	if (IS_ERR(g))
		return PTR_ERR(g);
	g->start = vma->vm_start;
	g->end = vma->vm_end;
	g->kind = kind;
	g->prot = (vma->vm_flags & VM_READ ? PROT_READ : 0) |
		  (vma->vm_flags & VM_WRITE ? PROT_WRITE : 0) |
		  (vma->vm_flags & VM_EXEC ? PROT_EXEC : 0);
	if (vma->vm_flags & VM_SHARED)
		g->flags |= KRG_GH_VMA_SHARED;
	if (vma->vm_flags & VM_GROWSDOWN)
		g->flags |= KRG_GH_VMA_GROWSDOWN;
	if (vma->vm_flags & VM_LOCKED)
		g->flags |= KRG_GH_VMA_LOCKED;
	if (vma->vm_flags & VM_NORESERVE)
		g->flags |= KRG_GH_VMA_NORESERVE;
	if (kind != KRG_GH_VMA_VDSO)
		g->flags |= krgp_madv_of_vm(vma->vm_flags);
	if (kind == KRG_GH_VMA_FILE) {
		g->pgoff = vma->vm_pgoff;
		krgp_ident(file_inode(f), &g->ident);
		if (f->f_mode & FMODE_WRITE)
			g->flags |= KRG_GH_VMA_MAYWRITE;
	}

	/* Which pages travel: what the target cannot get from the file. */
	if (kind == KRG_GH_VMA_VDSO ||
	    (kind == KRG_GH_VMA_FILE && (vma->vm_flags & VM_SHARED)) ||
	    (kind != KRG_GH_VMA_SHANON && !vma->anon_vma))
		return 0;
	if (krgp_grow((void **)&c->copy, c->nr_copy, &c->max_copy, sizeof(*c->copy)))
		return -ENOMEM;
	vc = &c->copy[c->nr_copy++];
	vc->start = vma->vm_start;
	vc->end = vma->vm_end;
	vc->readable = !!(vma->vm_flags & VM_READ);
	vc->skip_zero = kind != KRG_GH_VMA_FILE;
	return 0;
}

int krgp_cap_vmas(struct krgp_capture *c)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int ret = 0;
	VMA_ITERATOR(vmi, mm, 0);

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		ret = krgp_cap_vma(c, mm, vma);
		if (ret)
			break;
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * The memory: PAGES records of every page the target cannot get from a
 * file (zero pages of anonymous memory are left out: the target's are
 * zero), flushed chunk by chunk; END closes the stream.
 */
int krgp_capture_pages(struct krgp_capture *c,
		       int (*flush)(struct krgp_capture *c))
{
	struct krg_ghost_buf *b = c->b;
	struct krg_gh_pages *run = NULL;
	struct krg_gh_end *end;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr_copy; i++) {
		struct krgp_vma_copy *vc = &c->copy[i];
		unsigned long a;

		run = NULL;		/* a record stays inside its mapping */
		for (a = vc->start; a < vc->end; a += PAGE_SIZE) {
			size_t need = sizeof(struct krg_ghost_rec) + sizeof(*run) + PAGE_SIZE;
			void *dst;
			bool ok;

			if (fatal_signal_pending(current))
				return -EINTR;
			if (b->len + need > c->chunk) {
				ret = flush(c);
				if (ret)
					return ret;
				run = NULL;
			}
			dst = b->data + b->len;
			if (vc->readable)
				ok = !copy_from_user(dst, (void __user *)a, PAGE_SIZE);
			else
				ok = access_process_vm(current, a, dst, PAGE_SIZE,
						       FOLL_FORCE) == PAGE_SIZE;
			if (!ok) {
				why("its memory at %#lx cannot be read", a);
				return -EBUSY;
			}
			if (vc->skip_zero && !memchr_inv(dst, 0, PAGE_SIZE)) {
				run = NULL;
				continue;
			}
			if (run && run->addr + (u64)run->npages * PAGE_SIZE == a) {
				/* Extend the last record: it ends at b->len. */
				run->npages++;
				((struct krg_ghost_rec *)run - 1)->len += PAGE_SIZE;
				b->len += PAGE_SIZE;
			} else {
				/* Move the page behind a new record header. */
				struct krg_ghost_rec *r = dst;

				memmove(dst + sizeof(*r) + sizeof(*run), dst, PAGE_SIZE);
				r->type = KRG_GH_PAGES;
				r->flags = 0;
				r->len = sizeof(*run) + PAGE_SIZE;
				run = (void *)(r + 1);
				run->addr = a;
				run->npages = 1;
				run->pad = 0;
				b->len += sizeof(*r) + sizeof(*run) + PAGE_SIZE;
				b->nr_records++;
			}
			b->nr_pages++;
			c->nr_pages++;
		}
		cond_resched();
	}
	end = krg_ghost_put(b, KRG_GH_END, sizeof(*end));
	if (IS_ERR(end))
		return PTR_ERR(end);
	end->nr_records = b->nr_records - 1;
	end->nr_pages = c->nr_pages;
	c->last = true;
	return flush(c);
}
