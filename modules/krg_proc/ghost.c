// SPDX-License-Identifier: GPL-2.0
/*
 * Ghost streams: framing (ghost.h has the format).  Writing appends whole
 * records to a growing buffer; reading walks a buffer record by record and
 * refuses anything that does not frame exactly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ghost.h"

static const size_t krg_ghost_fixed[__KRG_GH_MAX] = {
	[KRG_GH_TASK] = sizeof(struct krg_gh_task),
	[KRG_GH_CREDS] = sizeof(struct krg_gh_creds),
	[KRG_GH_REGS] = 1,
	[KRG_GH_FPU] = 1,
	[KRG_GH_SIGNALS] = sizeof(struct krg_gh_signals),
	[KRG_GH_TIME] = sizeof(struct krg_gh_time),
	[KRG_GH_RLIMITS] = sizeof(struct krg_gh_rlimits),
	[KRG_GH_FS] = sizeof(struct krg_gh_fs) + 2,
	[KRG_GH_MM] = sizeof(struct krg_gh_mm) + 1,
	[KRG_GH_VMA] = sizeof(struct krg_gh_vma),
	[KRG_GH_FILE] = sizeof(struct krg_gh_file) + 2,
	[KRG_GH_PAGES] = sizeof(struct krg_gh_pages) + PAGE_SIZE,
	[KRG_GH_END] = sizeof(struct krg_gh_end),
	[KRG_GH_THREAD] = sizeof(struct krg_gh_thread),
	[KRG_GH_AFD] = sizeof(struct krg_gh_afd),
	[KRG_GH_PTIMER] = sizeof(struct krg_gh_ptimer),
};

unsigned int krg_ghost_rank(u16 type)
{
	/* THREAD records sit between SIGNALS and TIME */
	if (type == KRG_GH_THREAD)
		return 2 * KRG_GH_SIGNALS + 1;
	/* PTIMER records follow TIME */
	if (type == KRG_GH_PTIMER)
		return 2 * KRG_GH_TIME + 1;
	/* AFD records are FILE records of another kind, in one fd order */
	if (type == KRG_GH_AFD)
		return 2 * KRG_GH_FILE;
	return 2 * type;
}

int krg_ghost_check_hdr(const struct krg_ghost_hdr *h, u32 xstate_size)
{
	if (memcmp(h->magic, KRG_GHOST_MAGIC, sizeof(h->magic)))
		return -EINVAL;
	if (h->version != KRG_GHOST_VERSION)
		return -EPROTO;
	if (h->arch != KRG_GHOST_ARCH_X86_64 || !h->nr_threads || h->nr_threads > KRG_GH_THREADS_MAX ||
	    h->xstate_size != xstate_size)
		return -EINVAL;
	return 0;
}

int krg_ghost_next(const void *buf, size_t len, size_t *off,
		   struct krg_ghost_item *it)
{
	const struct krg_ghost_rec *r;
	size_t left, need;

	if (*off == len)
		return 0;
	if (*off > len || len - *off < sizeof(*r) || !IS_ALIGNED(*off, KRG_GHOST_ALIGN))
		return -EINVAL;
	r = buf + *off;
	left = len - *off - sizeof(*r);
	if (!r->type || r->type >= __KRG_GH_MAX || r->flags ||
	    r->len > KRG_GHOST_REC_MAX || r->len < krg_ghost_fixed[r->type])
		return -EINVAL;
	need = ALIGN((size_t)r->len, KRG_GHOST_ALIGN);
	if (need > left)
		return -EINVAL;
	it->type = r->type;
	it->len = r->len;
	it->data = r + 1;
	*off += sizeof(*r) + need;
	return 1;
}

const char *krg_ghost_str(const void *data, u32 len, u32 off)
{
	const char *s = data + off;

	if (off >= len || len - off > KRG_GHOST_PATH_MAX ||
	    !memchr(s, 0, len - off) || s[len - off - 1])
		return NULL;
	return s;
}

int krg_ghost_buf_init(struct krg_ghost_buf *b, size_t head, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = kvzalloc(cap, GFP_KERNEL);
	if (!b->data)
		return -ENOMEM;
	b->cap = cap;
	b->head = b->len = ALIGN(head, KRG_GHOST_ALIGN);
	return 0;
}

void krg_ghost_buf_free(struct krg_ghost_buf *b)
{
	kvfree(b->data);
	b->data = NULL;
}

void krg_ghost_buf_reset(struct krg_ghost_buf *b)
{
	b->len = b->head;
}

void *krg_ghost_put(struct krg_ghost_buf *b, u16 type, u32 len)
{
	size_t need = sizeof(struct krg_ghost_rec) + ALIGN((size_t)len, KRG_GHOST_ALIGN);
	struct krg_ghost_rec *r;

	if (len > KRG_GHOST_REC_MAX)
		return ERR_PTR(-E2BIG);
	if (b->len + need > b->cap) {
		size_t cap = max(b->cap * 2, b->len + need);
		void *n = kvrealloc(b->data, b->cap, cap, GFP_KERNEL | __GFP_ZERO);

		if (!n)
			return ERR_PTR(-ENOMEM);
		b->data = n;
		b->cap = cap;
	}
	r = b->data + b->len;
	r->type = type;
	r->flags = 0;
	r->len = len;
	memset(r + 1, 0, ALIGN((size_t)len, KRG_GHOST_ALIGN));
	b->len += need;
	b->nr_records++;
	return r + 1;
}

void *krg_ghost_put_str(struct krg_ghost_buf *b, u16 type, u32 flen,
			const char *s)
{
	size_t sl = strlen(s) + 1;
	void *p;

	if (sl > KRG_GHOST_PATH_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	p = krg_ghost_put(b, type, flen + sl);
	if (!IS_ERR(p))
		memcpy(p + flen, s, sl);
	return p;
}
