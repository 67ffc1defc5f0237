// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm frames on a byte stream: building and checking headers, and the
 * receive parser.  A frame is a header (struct krg_comm_wire_frame), its
 * payload and a tag (auth.c); the tag is computed over the bytes as they
 * arrive, so only the last piece is left to hash when the frame is whole.
 * Nothing in a frame is used before its header passed the checks and the
 * whole frame its tag; frames of a session must come with counters 1, 2, ...
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>

#include "buf.h"
#include "frame.h"
#include "reliable.h"

int comm_frame_check_header(const struct krg_comm_wire_frame *h)
{
	u32 len = le32_to_cpu(h->len);

	if (h->version != KRG_COMM_WIRE_VERSION || h->flags)
		return -EBADMSG;
	switch (h->type) {
	case KRG_FRAME_DATA:
		return len && len <= KRG_COMM_MAX_PAYLOAD && h->seq ? 0 : -EBADMSG;
	case KRG_FRAME_PING:
	case KRG_FRAME_PONG:
		return len == sizeof(__le64) && !h->seq ? 0 : -EBADMSG;
	case KRG_FRAME_ACK:
	case KRG_FRAME_CLOSE:
		return !len && !h->seq ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

void comm_frame_fill_header(struct krg_comm_wire_frame *h,
			    const struct comm_frame_out *f, u64 ctr)
{
	memset(h, 0, sizeof(*h));
	h->len = cpu_to_le32(f->len);
	h->version = KRG_COMM_WIRE_VERSION;
	h->type = f->type;
	h->ctr = cpu_to_le64(ctr);
	h->seq = cpu_to_le64(f->seq);
	h->ack = cpu_to_le64(f->ack);
}

void comm_frame_rx_init(struct comm_frame_rx *rx)
{
	comm_frame_rx_reset(rx);
	rx->ctr = 0;
}

void comm_frame_rx_reset(struct comm_frame_rx *rx)
{
	comm_buf_free(rx->buf);
	rx->buf = NULL;
	rx->off = 0;
}

/* Reads into @p until @end bytes of the frame are in; 1 once they are. */
static int read_upto(struct comm_frame_rx *rx, u8 *p, u32 start, u32 end,
		     comm_frame_read_t read, void *ctx, bool hash)
{
	int ret;

	if (rx->off >= end)
		return 1;
	p += rx->off - start;
	ret = read(ctx, p, end - rx->off);
	if (ret <= 0)
		return ret;
	if (hash)
		comm_auth_tag_update(&rx->tc, p, ret);
	rx->off += ret;
	return rx->off == end;
}

int comm_frame_rx_step(struct comm_frame_rx *rx, const u8 *ks, u32 sender,
		       comm_frame_read_t read, void *ctx, u8 **payload)
{
	const struct krg_comm_wire_frame *h = (const void *)rx->hdr;
	const u32 hlen = KRG_COMM_FRAME_HDR_LEN;
	u8 tag[KRG_COMM_TAG_LEN];
	int ret;

	if (rx->off < hlen) {
		ret = read_upto(rx, rx->hdr, 0, hlen, read, ctx, false);
		if (ret <= 0)
			return ret;
		ret = comm_frame_check_header(h);
		if (ret)
			return ret;
		rx->len = le32_to_cpu(h->len);
		if (rx->len) {
			rx->buf = comm_buf_alloc(rx->len, GFP_NOFS);
			if (!rx->buf)
				return -ENOMEM;
		}
		comm_auth_tag_init(&rx->tc, ks, sender, le64_to_cpu(h->ctr));
		comm_auth_tag_update(&rx->tc, rx->hdr, hlen);
	}
	ret = read_upto(rx, rx->buf, hlen, hlen + rx->len, read, ctx, true);
	if (ret <= 0)
		return ret;
	ret = read_upto(rx, rx->tag, hlen + rx->len,
			hlen + rx->len + KRG_COMM_TAG_LEN, read, ctx, false);
	if (ret <= 0)
		return ret;
	rx->off = 0;
	comm_auth_tag_final(&rx->tc, tag);
	if (!comm_auth_tag_equal(tag, rx->tag))
		return -EKEYREJECTED;
	if (le64_to_cpu(h->ctr) != rx->ctr + 1)
		return -EBADMSG;	/* replayed or reordered */
	rx->ctr++;
	*payload = rx->buf;
	rx->buf = NULL;
	return 1;
}
