// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm large buffers: frames, received payloads and reassembled
 * messages, recycled instead of freed.
 *
 * A 1 MiB kvmalloc is a vmalloc (an order-8 page block is rarely free):
 * allocating, mapping, first touching and freeing it cost 2-3 ms in the
 * emulated test nodes, as much as moving the megabyte over TCP, and a bulk
 * transfer did that three times per megabyte (send queue, receive buffer,
 * reassembly).  Freed buffers of at least KRG_BUF_MIN bytes are kept in a
 * small cache (at most KRG_BUF_CACHE_BYTES, each dropped after
 * KRG_BUF_IDLE_MS unused: krg_buf_trim runs every heartbeat) and handed out
 * again for requests of nearly their size.  Smaller buffers are plain
 * kvmalloc/kvfree.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

#define KRG_BUF_MIN		(64U << 10)
#define KRG_BUF_GRAIN		(64U << 10)	/* capacities are multiples */
#define KRG_BUF_CACHE_BYTES	(32U << 20)
#define KRG_BUF_IDLE_MS		1000

/* Precedes every buffer; the caller sees what follows it. */
struct krg_buf {
	struct list_head list;		/* in the cache, when free */
	size_t cap;			/* bytes after the header */
	unsigned long freed;		/* jiffies */
} ____cacheline_aligned;

static LIST_HEAD(krg_buf_cache);
static DEFINE_SPINLOCK(krg_buf_lock);
static size_t krg_buf_cached;

/*
 * A buffer of at least @size bytes (NULL if out of memory), to free with
 * krg_buf_free() only.  @gfp: GFP_KERNEL or GFP_NOFS.
 */
void *krg_buf_alloc(size_t size, gfp_t gfp)
{
	struct krg_buf *b, *best = NULL;
	size_t cap;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (size >= KRG_BUF_MIN) {
		spin_lock_bh(&krg_buf_lock);
		/* Fits and wastes at most a quarter: the tightest one. */
		list_for_each_entry(b, &krg_buf_cache, list)
			if (b->cap >= size && b->cap - size <= size / 4 +
			    KRG_BUF_GRAIN && (!best || b->cap < best->cap))
				best = b;
		if (best) {
			list_del(&best->list);
			krg_buf_cached -= best->cap;
		}
		spin_unlock_bh(&krg_buf_lock);
		if (best)
			return best + 1;
		cap = round_up(size + sizeof(*b), KRG_BUF_GRAIN) - sizeof(*b);
	} else {
		cap = size;
	}
	b = kvmalloc(sizeof(*b) + cap, gfp);
	if (!b)
		return NULL;
	b->cap = cap;
	return b + 1;
}

void krg_buf_free(void *p)
{
	struct krg_buf *b;

	if (ZERO_OR_NULL_PTR(p))
		return;
	b = (struct krg_buf *)p - 1;
	if (b->cap >= KRG_BUF_MIN) {
		spin_lock_bh(&krg_buf_lock);
		if (krg_buf_cached + b->cap <= KRG_BUF_CACHE_BYTES) {
			b->freed = jiffies;
			list_add(&b->list, &krg_buf_cache);
			krg_buf_cached += b->cap;
			b = NULL;
		}
		spin_unlock_bh(&krg_buf_lock);
	}
	kvfree(b);
}

/* Frees the cached buffers unused for KRG_BUF_IDLE_MS (@all: every one). */
void krg_buf_trim(bool all)
{
	unsigned long old = jiffies - msecs_to_jiffies(KRG_BUF_IDLE_MS);
	struct krg_buf *b, *tmp;
	LIST_HEAD(drop);

	spin_lock_bh(&krg_buf_lock);
	list_for_each_entry_safe(b, tmp, &krg_buf_cache, list) {
		if (!all && time_after(b->freed, old))
			continue;
		list_move(&b->list, &drop);
		krg_buf_cached -= b->cap;
	}
	spin_unlock_bh(&krg_buf_lock);
	list_for_each_entry_safe(b, tmp, &drop, list)
		kvfree(b);
}
