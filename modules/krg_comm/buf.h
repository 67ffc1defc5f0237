/* SPDX-License-Identifier: GPL-2.0 */
/* krg_comm large buffers, recycled instead of freed (buf.c). */
#ifndef _KRG_COMM_BUF_H
#define _KRG_COMM_BUF_H

#include <linux/gfp.h>
#include <linux/types.h>

/*
 * A buffer of at least @size bytes (NULL if out of memory), to free with
 * comm_buf_free() only.  @gfp: GFP_KERNEL or GFP_NOFS.
 */
void *comm_buf_alloc(size_t size, gfp_t gfp);
void comm_buf_free(void *p);
/* Frees the cached buffers unused for a while (@all: every one). */
void comm_buf_trim(bool all);

#endif /* _KRG_COMM_BUF_H */
