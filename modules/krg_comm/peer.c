// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm per-peer send queue: bounded (KRG_PEER_QUEUE_BYTES/FRAMES),
 * frames keep their sequence number until the peer acknowledges them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "internal.h"

static void krg_msg_free(struct krg_msg *msg)
{
	struct krg_comm_zc *zc = msg->zc;

	krg_buf_free(msg);
	if (zc)
		zc->release(zc);
}

void krg_msg_put(struct krg_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		krg_msg_free(msg);
}

static bool krg_queue_room(struct krg_peer *peer, size_t len)
{
	return peer->q_frames < KRG_PEER_QUEUE_FRAMES &&
	       peer->q_bytes + len <= KRG_PEER_QUEUE_BYTES;
}

static bool krg_queue_room_locked(struct krg_peer *peer, size_t len)
{
	bool ok;

	spin_lock_bh(&peer->lock);
	ok = krg_queue_room(peer, len) || READ_ONCE(peer->dead) ||
	     !krg_comm_running();
	spin_unlock_bh(&peer->lock);
	return ok;
}

/*
 * Queues one DATA frame made of @hdr and @data (copied), or, with @zc, of
 * @hdr and @zc's payload (referenced; @zc is released with the frame, or at
 * once if this fails).  If the queue is full, fails with -ENOBUFS when
 * @deadline is 0, else sleeps until there is room or @deadline (jiffies)
 * passes (-ETIMEDOUT).  May sleep (it sends).
 */
int krg_peer_enqueue(struct krg_peer *peer, const void *hdr, size_t hlen,
		     const void *data, size_t dlen, struct krg_comm_zc *zc,
		     unsigned long deadline)
{
	size_t len, inl;
	struct krg_msg *msg;
	long left;

	if (zc) {
		data = NULL;
		dlen = zc->len;
	}
	len = hlen + dlen;
	inl = zc ? hlen : len;
	msg = len > KRG_COMM_MAX_PAYLOAD ? NULL :
	      krg_buf_alloc(struct_size(msg, data, inl), GFP_KERNEL);
	if (!msg) {
		if (zc)
			zc->release(zc);
		return len > KRG_COMM_MAX_PAYLOAD ? -EMSGSIZE : -ENOMEM;
	}
	refcount_set(&msg->ref, 1);
	msg->seq = 0;
	msg->len = len;
	msg->ext_len = zc ? dlen : 0;
	msg->zc = zc;
	memcpy(msg->data, hdr, hlen);
	if (data && dlen)
		memcpy(msg->data + hlen, data, dlen);

	for (;;) {
		spin_lock_bh(&peer->lock);
		if (READ_ONCE(peer->dead) || !krg_comm_running()) {
			spin_unlock_bh(&peer->lock);
			krg_msg_free(msg);
			return -EHOSTDOWN;
		}
		if (krg_queue_room(peer, len))
			break;
		spin_unlock_bh(&peer->lock);
		if (!deadline) {
			krg_msg_free(msg);
			return -ENOBUFS;
		}
		left = (long)(deadline - jiffies);
		if (left <= 0 ||
		    !wait_event_timeout(peer->space_wq,
					krg_queue_room_locked(peer, len), left)) {
			krg_msg_free(msg);
			return -ETIMEDOUT;
		}
	}
	list_add_tail(&msg->list, &peer->txq);
	peer->q_frames++;
	peer->q_bytes += len;
	spin_unlock_bh(&peer->lock);
	krg_tcp_try_send(peer);
	return 0;
}

/* The peer has everything up to @ack: free those frames. */
void krg_peer_ack(struct krg_peer *peer, u64 ack)
{
	struct krg_msg *msg, *tmp;
	LIST_HEAD(done);

	spin_lock_bh(&peer->lock);
	list_for_each_entry_safe(msg, tmp, &peer->unacked, list) {
		if (msg->seq > ack)
			break;
		list_move_tail(&msg->list, &done);
		peer->q_frames--;
		peer->q_bytes -= msg->len;
	}
	spin_unlock_bh(&peer->lock);
	if (list_empty(&done))
		return;
	wake_up_all(&peer->space_wq);
	list_for_each_entry_safe(msg, tmp, &done, list) {
		list_del(&msg->list);
		krg_msg_put(msg);
	}
}

/* Drops everything queued (the node failed or is being removed). */
void krg_peer_flush_queue(struct krg_peer *peer)
{
	struct krg_msg *msg, *tmp;
	LIST_HEAD(done);

	spin_lock_bh(&peer->lock);
	list_splice_init(&peer->unacked, &done);
	list_splice_tail_init(&peer->txq, &done);
	peer->q_frames = 0;
	peer->q_bytes = 0;
	spin_unlock_bh(&peer->lock);
	wake_up_all(&peer->space_wq);
	list_for_each_entry_safe(msg, tmp, &done, list) {
		list_del(&msg->list);
		krg_msg_put(msg);
	}
}
