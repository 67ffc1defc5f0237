// SPDX-License-Identifier: GPL-2.0
/*
 * Restore of the memory: the restorer's own mappings dropped (but the
 * vDSO), the process's mappings made again in address order with their
 * madvise() state, their pages written, and the mm's fields at END.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/vdso.h>

#include "restore_state.h"

/* ---- memory ------------------------------------------------------------- */

void krgp_vdso_range(struct mm_struct *mm, unsigned long *lo,
			    unsigned long *hi)
{
	const struct vdso_image *img = mm->context.vdso_image;
	unsigned long text = (unsigned long)mm->context.vdso;

	*lo = *hi = 0;
	if (img && text) {
		*lo = text + img->sym_vvar_start;
		*hi = text + img->size;
	}
}

int krgp_mm_clear(void)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long lo, hi, *r = NULL;
	unsigned int n = 0, max = 0, i;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	krgp_vdso_range(mm, &lo, &hi);
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (vma->vm_start >= lo && vma->vm_end <= hi)
				continue;
			if (n == max) {
				unsigned long *nr;

				max = max ? max * 2 : 64;
				nr = krealloc_array(r, max, 2 * sizeof(*r), GFP_KERNEL);
				if (!nr) {
					ret = -ENOMEM;
					break;
				}
				r = nr;
			}
			r[2 * n] = vma->vm_start;
			r[2 * n + 1] = vma->vm_end;
			n++;
		}
	}
	mmap_read_unlock(mm);
	for (i = 0; !ret && i < n; i++)
		ret = vm_munmap(r[2 * i], r[2 * i + 1] - r[2 * i]);
	kfree(r);
	return ret;
}

/*
 * vm_mmap() of a mapping record, with its madvise() state.  A new mapping
 * merges into the one before it when their flags are equal; one that gets
 * madvise() flags must stay apart, so the mapping before it has its
 * readahead hint flipped for the time of the mmap() (nothing else runs in
 * this mm meanwhile).
 */
static unsigned long krgp_rs_mmap(struct file *f, const struct krg_gh_vma *v,
				  unsigned long flags)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *prev = NULL;
	unsigned long ret, saved = 0;
	u32 madv = v->flags & KRG_GH_VMA_MADVISE;
	int err;

	if (madv) {
		mmap_write_lock(mm);
		prev = v->start ? find_vma(mm, v->start - 1) : NULL;
		if (prev && prev->vm_end == v->start) {
			saved = prev->vm_flags;
			prev->vm_flags ^= VM_RAND_READ;
		} else {
			prev = NULL;
		}
		mmap_write_unlock(mm);
	}
	ret = vm_mmap(f, v->start, v->end - v->start, v->prot, flags,
		      f ? v->pgoff << PAGE_SHIFT : 0);
	if (!madv)
		return ret;
	mmap_write_lock(mm);
	if (prev && find_vma(mm, v->start - 1) == prev)
		prev->vm_flags = saved;
	err = IS_ERR_VALUE(ret) ? 0 : krgp_vma_set_madv(mm, v->start, v->end, madv);
	mmap_write_unlock(mm);
	return err ? err : ret;
}

/*
 * The file of a file mapping: the last one opened again when the next
 * mapping is of the same file the same way (a process may map one file
 * thousands of times) -- unless the mapping follows it at once: mappings
 * of one struct file merge, and the source's were apart.
 */
static struct file *krgp_open_mapped(struct krgp_rs *rs, const struct krg_gh_vma *v,
				     const char *path, int flags, bool same_content)
{
	const struct krg_gh_ident *id = &v->ident;
	struct file *f;

	if (rs->map_file && rs->map_flags == flags && rs->map_same == same_content &&
	    rs->map_end != v->start && !memcmp(&rs->map_ident, id, sizeof(*id)) &&
	    !strcmp(rs->map_path, path)) {
		rs->map_end = v->end;
		return get_file(rs->map_file);
	}
	f = krgp_open_same(rs, path, flags, id, same_content);
	if (IS_ERR(f))
		return f;
	if (rs->map_file)
		fput(rs->map_file);
	kfree(rs->map_path);
	rs->map_path = kstrdup(path, GFP_KERNEL);
	rs->map_file = rs->map_path ? get_file(f) : NULL;
	rs->map_flags = flags;
	rs->map_same = same_content;
	rs->map_ident = *id;
	rs->map_end = v->end;
	return f;
}

int krgp_rs_vma(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	const struct krg_gh_vma *v = it->data;
	unsigned long ret, flags;
	struct krgp_rvma *rv;
	struct file *f = NULL;
	const char *path = NULL;
	int err;

	if (!PAGE_ALIGNED(v->start) || !PAGE_ALIGNED(v->end) || v->start >= v->end ||
	    v->end > TASK_SIZE || v->start < rs->last_end || v->kind > KRG_GH_VMA_VDSO ||
	    v->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    v->flags & ~(KRG_GH_VMA_SHARED | KRG_GH_VMA_GROWSDOWN |
			 KRG_GH_VMA_LOCKED | KRG_GH_VMA_MAYWRITE | KRG_GH_VMA_MADVISE |
			 KRG_GH_VMA_NORESERVE) ||
	    v->pgoff > (ULONG_MAX >> PAGE_SHIFT) - ((v->end - v->start) >> PAGE_SHIFT))
		return bad(rs, "malformed mapping record");
	if (v->kind == KRG_GH_VMA_FILE) {
		path = krg_ghost_str(it->data, it->len, sizeof(*v));
		if (!path)
			return bad(rs, "malformed mapping path");
	} else if (it->len != sizeof(*v)) {
		return bad(rs, "malformed mapping record");
	}
	rs->last_end = v->end;
	if (!rs->mm_cleared) {
		err = krgp_mm_clear();
		if (err)
			return err;
		rs->mm_cleared = true;
	}
	if (v->kind == KRG_GH_VMA_VDSO) {
		unsigned long lo, hi;

		krgp_vdso_range(current->mm, &lo, &hi);
		if (v->start < lo || v->end > hi)
			return bad(rs, "the vDSO is not where the process had it");
		return 0;
	}
	flags = MAP_FIXED;
	if (v->flags & KRG_GH_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (v->flags & KRG_GH_VMA_LOCKED)
		flags |= MAP_LOCKED;
	if (v->flags & KRG_GH_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	switch (v->kind) {
	case KRG_GH_VMA_ANON:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case KRG_GH_VMA_SHANON:
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	default:
		flags |= v->flags & KRG_GH_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
		f = krgp_open_mapped(rs, v, path, (v->flags & KRG_GH_VMA_SHARED) &&
				     (v->flags & KRG_GH_VMA_MAYWRITE) ? O_RDWR : O_RDONLY,
				     !(v->flags & KRG_GH_VMA_SHARED));
		if (IS_ERR(f))
			return PTR_ERR(f);
		break;
	}
	ret = krgp_rs_mmap(f, v, flags);
	if (f)
		fput(f);
	if (IS_ERR_VALUE(ret) || ret != v->start) {
		snprintf(rs->job->why, KRGP_WHY_MAX, "memory at %#llx cannot be mapped (%ld)",
			 v->start, (long)ret);
		return IS_ERR_VALUE(ret) ? (long)ret : -EADDRINUSE;
	}
	if (krgp_grow((void **)&rs->vmas, rs->nr_vmas, &rs->max_vmas, sizeof(*rv)))
		return -ENOMEM;
	rv = &rs->vmas[rs->nr_vmas++];
	rv->start = v->start;
	rv->end = v->end;
	rv->writable = v->prot & PROT_WRITE;
	rv->pages = v->kind != KRG_GH_VMA_FILE || !(v->flags & KRG_GH_VMA_SHARED);
	return 0;
}

int krgp_rs_pages(struct krgp_rs *rs, const struct krg_ghost_item *it)
{
	const struct krg_gh_pages *p = it->data;
	unsigned long len;
	struct krgp_rvma *rv = NULL;

	if (!p->npages || p->npages > KRG_GHOST_REC_MAX / PAGE_SIZE ||
	    it->len != sizeof(*p) + (size_t)p->npages * PAGE_SIZE ||
	    !PAGE_ALIGNED(p->addr) || p->addr >= TASK_SIZE)
		return bad(rs, "malformed memory record");
	len = (unsigned long)p->npages * PAGE_SIZE;
	for (; rs->cursor < rs->nr_vmas; rs->cursor++) {
		rv = &rs->vmas[rs->cursor];
		if (p->addr < rv->end)
			break;
	}
	if (rs->cursor == rs->nr_vmas || p->addr < rv->start ||
	    len > rv->end - p->addr || !rv->pages)
		return bad(rs, "memory record outside the mappings");
	if (rv->writable) {
		if (copy_to_user((void __user *)p->addr, p + 1, len))
			return bad(rs, "memory at %#llx cannot be written", p->addr);
	} else if (access_process_vm(current, p->addr, (void *)(p + 1), len,
				     FOLL_FORCE | FOLL_WRITE) != len) {
		return bad(rs, "memory at %#llx cannot be written", p->addr);
	}
	rs->nr_pages += p->npages;
	return 0;
}

int krgp_rs_mm_fields(struct krgp_rs *rs)
{
	struct mm_struct *mm = current->mm;
	const struct krg_gh_mm *g = &rs->mm;
	struct file *exe = NULL, *old;

	if (rs->exe[0]) {
		exe = krgp_open_same(rs, rs->exe, O_RDONLY, &g->exe, true);
		if (IS_ERR(exe))
			return PTR_ERR(exe);
	}
	if (mmap_write_lock_killable(mm)) {
		if (exe)
			fput(exe);
		return -EINTR;
	}
	spin_lock(&mm->arg_lock);
	mm->start_code = g->start_code;
	mm->end_code = g->end_code;
	mm->start_data = g->start_data;
	mm->end_data = g->end_data;
	mm->start_brk = g->start_brk;
	mm->brk = g->brk;
	mm->start_stack = g->start_stack;
	mm->arg_start = g->arg_start;
	mm->arg_end = g->arg_end;
	mm->env_start = g->env_start;
	mm->env_end = g->env_end;
	spin_unlock(&mm->arg_lock);
	memcpy(mm->saved_auxv, g->auxv, sizeof(mm->saved_auxv));
	krgp_thp_disable_set(g->flags & KRG_GH_MM_THP_DISABLE);
	krgp_membarrier_set(g->membarrier);
	if (exe && !exe_file_deny_write_access(exe)) {
		old = rcu_dereference_protected(mm->exe_file, true);
		rcu_assign_pointer(mm->exe_file, exe);
		exe = NULL;
		if (old) {
			exe_file_allow_write_access(old);
			fput(old);
		}
	}
	mmap_write_unlock(mm);
	if (exe)
		fput(exe);
	return 0;
}
