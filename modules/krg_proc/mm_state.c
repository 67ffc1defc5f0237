// SPDX-License-Identifier: GPL-2.0
/*
 * The small state of an address space the kernel keeps in flags, in both
 * directions (capture.c sends it, restore_state.c applies it): the
 * madvise() state of each mapping, prctl(PR_SET_THP_DISABLE), and the
 * membarrier() registrations.  The stream has flags of its own (ghost.h),
 * not the kernel's bits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>

#include "migrate.h"

/* madvise() state: the VMA flags and their ghost flags. */
static const struct {
	unsigned long vm;
	u32 gh;
} krgp_madv_flags[] = {
	{ VM_DONTCOPY, KRG_GH_VMA_DONTFORK },
	{ VM_DONTDUMP, KRG_GH_VMA_DONTDUMP },
	{ VM_WIPEONFORK, KRG_GH_VMA_WIPEONFORK },
	{ VM_SEQ_READ, KRG_GH_VMA_SEQUENTIAL },
	{ VM_RAND_READ, KRG_GH_VMA_RANDOM },
	{ VM_HUGEPAGE, KRG_GH_VMA_HUGEPAGE },
	{ VM_NOHUGEPAGE, KRG_GH_VMA_NOHUGEPAGE },
	{ VM_MERGEABLE, KRG_GH_VMA_MERGEABLE },
};

u32 krgp_madv_of_vm(unsigned long vm_flags)
{
	u32 gh = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(krgp_madv_flags); i++)
		if (vm_flags & krgp_madv_flags[i].vm)
			gh |= krgp_madv_flags[i].gh;
	return gh;
}

unsigned long krgp_vm_of_madv(u32 gh)
{
	unsigned long vm = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(krgp_madv_flags); i++)
		if (gh & krgp_madv_flags[i].gh)
			vm |= krgp_madv_flags[i].vm;
	return vm;
}

/* membarrier(): a registration is its READY state and its command's own. */
static const struct {
	u32 state;
	u32 gh;
} krgp_membarrier_flags[] = {
	{ MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY | MEMBARRIER_STATE_PRIVATE_EXPEDITED,
	  KRG_GH_MEMBARRIER_PRIVATE },
	{ MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY | MEMBARRIER_STATE_GLOBAL_EXPEDITED,
	  KRG_GH_MEMBARRIER_GLOBAL },
	{ MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY |
	  MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE, KRG_GH_MEMBARRIER_SYNC_CORE },
	{ MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY |
	  MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ, KRG_GH_MEMBARRIER_RSEQ },
};

u32 krgp_membarrier_of_mm(struct mm_struct *mm)
{
	u32 state = atomic_read(&mm->membarrier_state), gh = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(krgp_membarrier_flags); i++)
		if ((state & krgp_membarrier_flags[i].state) == krgp_membarrier_flags[i].state)
			gh |= krgp_membarrier_flags[i].gh;
	return gh;
}

/*
 * The registrations of current's mm.  The run queues learn them when it
 * next switches in: the restored task parks before it runs.
 */
void krgp_membarrier_set(u32 gh)
{
	u32 state = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(krgp_membarrier_flags); i++)
		if (gh & krgp_membarrier_flags[i].gh)
			state |= krgp_membarrier_flags[i].state;
	atomic_or(state, &current->mm->membarrier_state);
}

void krgp_thp_disable_set(bool disable)
{
	if (disable)
		set_bit(MMF_DISABLE_THP, &current->mm->flags);
	else
		clear_bit(MMF_DISABLE_THP, &current->mm->flags);
}

/*
 * Gives the mapping that starts at start its madvise() state; 0 or an
 * error.  Called with the mmap lock held for writing, right after the
 * mapping was made: it must be exactly [start, end).
 */
int krgp_vma_set_madv(struct mm_struct *mm, unsigned long start, unsigned long end, u32 gh)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	unsigned long flags;

	if (!vma || vma->vm_start != start || vma->vm_end != end)
		return -EINVAL;
	flags = vma->vm_flags | krgp_vm_of_madv(gh & ~KRG_GH_VMA_MERGEABLE);
	if (gh & KRG_GH_VMA_MERGEABLE) {
		int ret = ksm_madvise(vma, start, end, MADV_MERGEABLE, &flags);

		if (ret)
			return ret;
	}
	vma->vm_flags = flags;
	return 0;
}
