/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm frames on a byte stream (frame.c): header, payload, tag, as the
 * wire format of include/uapi/linux/krg_comm.h says.  The receive side is a
 * parser fed by a read function, so it runs the same on a socket (tcp.c)
 * and on a buffer (the self-tests).
 */
#ifndef _KRG_COMM_FRAME_H
#define _KRG_COMM_FRAME_H

#include <linux/types.h>

#include "auth.h"
#include "krg_comm.h"

struct comm_frame_out;

/* The frame being received. */
struct comm_frame_rx {
	u8 hdr[KRG_COMM_FRAME_HDR_LEN];
	u8 tag[KRG_COMM_TAG_LEN];
	u8 *buf;			/* payload (comm_buf_alloc) */
	u32 len;			/* payload bytes */
	u32 off;			/* bytes of hdr+payload+tag read */
	u64 ctr;			/* of the last frame accepted */
	struct comm_tag_ctx tc;		/* over the bytes read so far */
};

/*
 * Reads up to @len bytes into @buf: returns how many (> 0), 0 if none are
 * there now, or -ECONNRESET when the stream ended or failed.
 */
typedef int (*comm_frame_read_t)(void *ctx, void *buf, size_t len);

/* 0, or -EBADMSG for a header no valid frame has. */
int comm_frame_check_header(const struct krg_comm_wire_frame *h);
/* The header of @f, the @ctr-th frame of its session and direction. */
void comm_frame_fill_header(struct krg_comm_wire_frame *h,
			    const struct comm_frame_out *f, u64 ctr);

/* A new session: the counter starts again. */
void comm_frame_rx_init(struct comm_frame_rx *rx);
/* Drops a frame half read (session end). */
void comm_frame_rx_reset(struct comm_frame_rx *rx);
/*
 * Reads on with @read(@ctx) the frame of @sender under session key @ks.
 * Returns 1 with a complete frame (header in rx->hdr, *@payload its payload
 * or NULL if empty: the caller owns it, comm_buf_free), 0 if more bytes are
 * needed, or -errno: -ECONNRESET (stream ended), -EBADMSG (malformed,
 * replayed or reordered), -EKEYREJECTED (the tag does not match), -ENOMEM.
 * After an error the session must end.
 */
int comm_frame_rx_step(struct comm_frame_rx *rx, const u8 *ks, u32 sender,
		       comm_frame_read_t read, void *ctx, u8 **payload);

#endif /* _KRG_COMM_FRAME_H */
