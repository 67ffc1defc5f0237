// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm large buffers: frames, received payloads and reassembled
 * messages, recycled instead of freed.
 *
 * A 1 MiB kvmalloc is a vmalloc (an order-8 page block is rarely free):
 * allocating, mapping, first touching and freeing it cost 2-3 ms in the
 * emulated test nodes, as much as moving the megabyte over TCP, and a bulk
 * transfer did that three times per megabyte (send queue, receive buffer,
 * reassembly).  Freed buffers of at least BUF_MIN bytes are kept in a
 * small cache (at most BUF_CACHE_BYTES, each dropped after
 * BUF_IDLE_MS unused: comm_buf_trim runs every heartbeat) and handed out
 * again for requests of nearly their size.  Smaller buffers are plain
 * kvmalloc/kvfree.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/error-injection.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "buf.h"

#define BUF_MIN		(64U << 10)
#define BUF_GRAIN		(64U << 10)	/* capacities are multiples */
#define BUF_CACHE_BYTES	(32U << 20)
#define BUF_IDLE_MS		1000

/* Precedes every buffer; the caller sees what follows it. */
struct buf_hdr {
	struct list_head list;		/* in the cache, when free */
	size_t cap;			/* bytes after the header */
	unsigned long freed;		/* jiffies */
} ____cacheline_aligned;

static LIST_HEAD(buf_cache);
static DEFINE_SPINLOCK(buf_lock);
static size_t buf_cached;

void *comm_buf_alloc(size_t size, gfp_t gfp)
{
	struct buf_hdr *b, *best = NULL;
	size_t cap;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (size >= BUF_MIN) {
		spin_lock_bh(&buf_lock);
		/* Fits and wastes at most a quarter: the tightest one. */
		list_for_each_entry(b, &buf_cache, list)
			if (b->cap >= size && b->cap - size <= size / 4 +
			    BUF_GRAIN && (!best || b->cap < best->cap))
				best = b;
		if (best) {
			list_del(&best->list);
			buf_cached -= best->cap;
		}
		spin_unlock_bh(&buf_lock);
		if (best)
			return best + 1;
		cap = round_up(size + sizeof(*b), BUF_GRAIN) - sizeof(*b);
	} else {
		cap = size;
	}
	b = kvmalloc(sizeof(*b) + cap, gfp);
	if (!b)
		return NULL;
	b->cap = cap;
	return b + 1;
}

/*
 * Every frame and payload buffer comes from here: a fault-injection test
 * (fail_function, debug kernels) fails krg_comm's own allocations through it.
 */
ALLOW_ERROR_INJECTION(comm_buf_alloc, NULL);

void comm_buf_free(void *p)
{
	struct buf_hdr *b;

	if (ZERO_OR_NULL_PTR(p))
		return;
	b = (struct buf_hdr *)p - 1;
	if (b->cap >= BUF_MIN) {
		spin_lock_bh(&buf_lock);
		if (buf_cached + b->cap <= BUF_CACHE_BYTES) {
			b->freed = jiffies;
			list_add(&b->list, &buf_cache);
			buf_cached += b->cap;
			b = NULL;
		}
		spin_unlock_bh(&buf_lock);
	}
	kvfree(b);
}

/* Unused for BUF_IDLE_MS: runs every heartbeat. */
void comm_buf_trim(bool all)
{
	unsigned long old = jiffies - msecs_to_jiffies(BUF_IDLE_MS);
	struct buf_hdr *b, *tmp;
	LIST_HEAD(drop);

	spin_lock_bh(&buf_lock);
	list_for_each_entry_safe(b, tmp, &buf_cache, list) {
		if (!all && time_after(b->freed, old))
			continue;
		list_move(&b->list, &drop);
		buf_cached -= b->cap;
	}
	spin_unlock_bh(&buf_lock);
	list_for_each_entry_safe(b, tmp, &drop, list)
		kvfree(b);
}
