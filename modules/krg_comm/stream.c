// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm RPC messages on frames: a message larger than one frame is cut
 * in chunks and reassembled on the receiver before its handler runs.
 *
 * A message of total bytes is cut into chunks of at most COMM_RPC_CHUNK
 * bytes sent in order (offset 0, COMM_RPC_CHUNK, ...); the transport
 * delivers a peer's frames in order and exactly once, so the receiver
 * appends chunks and rejects anything out of sequence.  Chunks of different
 * messages may interleave; they are told apart by (kind, call id).  The
 * sender of a large message is flow-controlled by the per-peer queue bound
 * (reliable.c): it sleeps, bounded by the call's timeout, while the window
 * is full.  Reassembly is bounded per peer (REASM_MAX messages,
 * REASM_BYTES bytes): a message over the limits is read and dropped, and its
 * caller gets -ENOMEM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "buf.h"
#include "config.h"
#include "peer.h"
#include "rpc.h"

#define REASM_MAX	64		/* messages in reassembly per peer */
#define REASM_BYTES	(256U << 20)	/* their bytes per peer */

struct reasm {
	struct list_head list;
	u16 kind;
	u32 service;
	u64 call_id;
	u32 total;
	u32 got;
	u8 *buf;		/* NULL: over the limits, discarded */
};

/* ---- sending ------------------------------------------------------------- */

int comm_rpc_xmit(u32 node, u16 kind, u32 service, u64 id, int status,
		  const void *data, size_t len, struct krg_comm_zc *zc,
		  unsigned long deadline, bool block)
{
	struct comm_rpc_hdr h = {
		.service = cpu_to_le32(service),
		.kind = cpu_to_le16(kind),
		.call_id = cpu_to_le64(id),
		.status = cpu_to_le32(status),
		.total = cpu_to_le32(len),
	};
	struct comm_peer *peer;
	size_t off = 0, chunk;
	int ret;

	if (len > (zc ? KRG_COMM_ZC_MAX : KRG_COMM_MAX_MSG)) {
		ret = -EMSGSIZE;
		goto out_zc;
	}
	peer = comm_peer_get(node);
	if (!peer) {
		ret = -EHOSTDOWN;
		goto out_zc;
	}
	if (zc) {
		ret = comm_rel_enqueue(peer, &h, sizeof(h), NULL, 0, zc,
				       block ? deadline : 0);
		comm_peer_put(peer);
		return ret;
	}
	do {
		chunk = min_t(size_t, len - off, COMM_RPC_CHUNK);
		h.offset = cpu_to_le32(off);
		ret = comm_rel_enqueue(peer, &h, sizeof(h), data + off, chunk,
				       NULL, block || len > COMM_RPC_CHUNK ?
				       deadline : 0);
		off += chunk;
	} while (!ret && off < len);
	comm_peer_put(peer);
	return ret;

out_zc:
	if (zc)
		zc->release(zc);
	return ret;
}

/* ---- receiving ----------------------------------------------------------- */

/*
 * Reassembly buffers of calls become the handler's request buffer (a
 * comm_buf); those of replies are handed to the caller, who kvfrees them.
 */
static void *reasm_buf_alloc(u16 kind, size_t len)
{
	return kind == COMM_RPC_REPLY ? kvmalloc(len, GFP_KERNEL) :
					comm_buf_alloc(len, GFP_KERNEL);
}

static void reasm_buf_free(struct reasm *r)
{
	if (r->kind == COMM_RPC_REPLY)
		kvfree(r->buf);
	else
		comm_buf_free(r->buf);
}

void comm_stream_peer_free(struct comm_peer *peer)
{
	struct reasm *r, *tmp;

	list_for_each_entry_safe(r, tmp, &peer->reasm, list) {
		list_del(&r->list);
		reasm_buf_free(r);
		kfree(r);
	}
	peer->reasm_count = 0;
}

/*
 * A whole message.  @buf: the frame (@whole, @data inside it) or the
 * reassembly buffer (exactly the message); ownership passes on.
 */
static void rpc_complete(struct comm_peer *peer, u16 kind, u32 service,
			 u64 id, int status, u8 *buf, const void *data,
			 u32 len, bool whole)
{
	void *reply = NULL;

	if (kind != COMM_RPC_REPLY) {
		if (!len) {	/* empty payload: data pointer is a valid dummy */
			comm_buf_free(buf);
			buf = NULL;
			data = ZERO_SIZE_PTR;
		}
		comm_rpc_dispatch(peer->id, kind, service, id, data, len, buf);
		return;
	}
	if (len && whole) {
		reply = kvmalloc(len, GFP_KERNEL);
		if (reply)
			memcpy(reply, data, len);
		else
			status = -ENOMEM;
		comm_buf_free(buf);
	} else if (len) {
		reply = buf;	/* reassembled: buffer is exactly the payload */
		if (!reply)
			status = -ENOMEM;
	} else {
		comm_buf_free(buf);
	}
	comm_rpc_replied(id, peer->id, status, reply, reply ? len : 0);
}

static struct reasm *reasm_find(struct comm_peer *peer, u16 kind, u64 id)
{
	struct reasm *r;

	list_for_each_entry(r, &peer->reasm, list)
		if (r->kind == kind && r->call_id == id)
			return r;
	return NULL;
}

static size_t reasm_bytes(struct comm_peer *peer)
{
	struct reasm *r;
	size_t sum = 0;

	list_for_each_entry(r, &peer->reasm, list)
		if (r->buf)
			sum += r->total;
	return sum;
}

static void rpc_bad(struct comm_peer *peer, const char *why)
{
	comm_peer_count_drop(peer);
	pr_warn_ratelimited("node %u: bad rpc message dropped: %s\n", peer->id,
			    why);
}

/* The first chunk of a message: a reassembly of its own. */
static struct reasm *reasm_start(struct comm_peer *peer, u16 kind,
				 u32 service, u64 id, u32 total)
{
	struct reasm *r = reasm_find(peer, kind, id);

	if (r || peer->reasm_count >= REASM_MAX) {
		rpc_bad(peer, r ? "duplicate message" :
				  "too many messages in reassembly");
		return NULL;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	r->kind = kind;
	r->service = service;
	r->call_id = id;
	r->total = total;
	if (reasm_bytes(peer) + total <= REASM_BYTES)
		r->buf = reasm_buf_alloc(kind, total);
	list_add_tail(&r->list, &peer->reasm);
	peer->reasm_count++;
	return r;
}

void comm_rpc_rx(struct comm_peer *peer, u8 *buf, u32 len)
{
	const struct comm_rpc_hdr *h = (const void *)buf;
	u32 total, off, chunk, service;
	struct reasm *r;
	int status;
	u16 kind;
	u64 id;

	if (len < sizeof(*h)) {
		rpc_bad(peer, "short header");
		goto out;
	}
	kind = le16_to_cpu(h->kind);
	service = le32_to_cpu(h->service);
	id = le64_to_cpu(h->call_id);
	status = (int)le32_to_cpu(h->status);
	total = le32_to_cpu(h->total);
	off = le32_to_cpu(h->offset);
	chunk = len - sizeof(*h);
	if (kind < COMM_RPC_CALL || kind > COMM_RPC_REPLY ||
	    service >= KRG_COMM_MAX_SERVICES || total > KRG_COMM_MAX_MSG ||
	    off > total || chunk > total - off || h->flags || h->reserved ||
	    (chunk < total && chunk != min_t(u32, COMM_RPC_CHUNK, total - off))) {
		rpc_bad(peer, "invalid header");
		goto out;
	}
	if (!off && chunk == total) {
		rpc_complete(peer, kind, service, id, status, buf,
			     buf + sizeof(*h), total, true);
		return;
	}

	if (!off) {
		r = reasm_start(peer, kind, service, id, total);
		if (!r)
			goto out;
	} else {
		r = reasm_find(peer, kind, id);
		if (!r || r->got != off || r->total != total ||
		    r->service != service) {
			rpc_bad(peer, "chunk out of sequence");
			goto out;
		}
	}
	if (r->buf)
		memcpy(r->buf + off, buf + sizeof(*h), chunk);
	r->got += chunk;
	if (r->got == r->total) {
		list_del(&r->list);
		peer->reasm_count--;
		if (r->buf || kind == COMM_RPC_REPLY)
			rpc_complete(peer, kind, service, id, status, r->buf,
				     r->buf, total, false);
		else	/* too big to keep: tell the caller */
			rpc_complete(peer, kind, service, id, 0, NULL, NULL,
				     total, false);
		kfree(r);
	}
out:
	comm_buf_free(buf);
}
