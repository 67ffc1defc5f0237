// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm reliability layer: exactly-once, in-order delivery of DATA
 * frames between two incarnations of two nodes, across reconnects, over
 * any transport (transport.h).
 *
 * Send side: the RPC layer queues messages (comm_rel_enqueue) in a bounded
 * per-peer queue (COMM_QUEUE_BYTES / COMM_QUEUE_FRAMES: the back-pressure
 * and the streaming window).  A frame gets its sequence number the first
 * time it is sent and moves to the unacked list; the peer's ack (carried by
 * every frame, or an ACK frame within COMM_ACK_DELAY_MS or every
 * COMM_ACK_EVERY frames) frees it.
 *
 * Reconnects: when a session ends, the unacked frames go back to the head
 * of the queue.  The next session's handshake carries each side's
 * incarnation, its idea of the other's, and its ack: if both incarnations
 * are unchanged the relationship resumes (COMM_SESSION_RESUMED) and only
 * the frames above the peer's ack are sent again -- the receiver also drops
 * any seq it already delivered.  Otherwise both start afresh: sequence
 * numbers restart and what was sent before can never be acked (the calls
 * waiting for it fail: a restart is -ECONNRESET here, a failure
 * -EHOSTDOWN in membership).
 *
 * Heartbeats: PING frames (asked by the failure detector, heartbeat.c)
 * carry a timestamp the peer echoes in a PONG: the smoothed RTT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "buf.h"
#include "config.h"
#include "membership.h"
#include "peer.h"
#include "rpc.h"
#include "transport.h"

static void msg_free(struct comm_msg *msg)
{
	struct krg_comm_zc *zc = msg->zc;

	comm_buf_free(msg);
	if (zc)
		zc->release(zc);
}

void comm_msg_put(struct comm_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		msg_free(msg);
}

static void msgs_put(struct list_head *list)
{
	struct comm_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, list, list) {
		list_del(&msg->list);
		comm_msg_put(msg);
	}
}

static void kick(struct comm_peer *peer)
{
	comm_transport->peer_kick(peer);
}

static void ack_work(struct work_struct *work)
{
	struct comm_peer *peer = container_of(to_delayed_work(work),
					      struct comm_peer, rel.ack_work);

	kick(peer);
}

void comm_rel_init(struct comm_peer *peer)
{
	struct comm_rel *rel = &peer->rel;

	INIT_LIST_HEAD(&rel->txq);
	INIT_LIST_HEAD(&rel->unacked);
	init_waitqueue_head(&rel->space_wq);
	INIT_DELAYED_WORK(&rel->ack_work, ack_work);
	rel->last_heard = jiffies;
}

/* The transport is stopped: nothing kicks the ack timer any more. */
void comm_rel_destroy(struct comm_peer *peer)
{
	cancel_delayed_work_sync(&peer->rel.ack_work);
}

/* ---- send queue ----------------------------------------------------------- */

static bool queue_room(struct comm_rel *rel, size_t len)
{
	return rel->q_frames < COMM_QUEUE_FRAMES &&
	       rel->q_bytes + len <= COMM_QUEUE_BYTES;
}

static bool queue_room_locked(struct comm_peer *peer, size_t len)
{
	bool ok;

	spin_lock_bh(&peer->lock);
	ok = queue_room(&peer->rel, len) || READ_ONCE(peer->dead) ||
	     !comm_running();
	spin_unlock_bh(&peer->lock);
	return ok;
}

int comm_rel_enqueue(struct comm_peer *peer, const void *hdr, size_t hlen,
		     const void *data, size_t dlen, struct krg_comm_zc *zc,
		     unsigned long deadline)
{
	struct comm_rel *rel = &peer->rel;
	struct comm_msg *msg;
	size_t len, inl;
	long left;

	if (zc) {
		data = NULL;
		dlen = zc->len;
	}
	len = hlen + dlen;
	inl = zc ? hlen : len;
	msg = len > KRG_COMM_MAX_PAYLOAD ? NULL :
	      comm_buf_alloc(struct_size(msg, data, inl), GFP_KERNEL);
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
		if (READ_ONCE(peer->dead) || !comm_running()) {
			spin_unlock_bh(&peer->lock);
			msg_free(msg);
			return -EHOSTDOWN;
		}
		if (queue_room(rel, len))
			break;
		spin_unlock_bh(&peer->lock);
		if (!deadline) {
			msg_free(msg);
			return -ENOBUFS;
		}
		left = (long)(deadline - jiffies);
		if (left <= 0 ||
		    !wait_event_timeout(rel->space_wq,
					queue_room_locked(peer, len), left)) {
			msg_free(msg);
			return -ETIMEDOUT;
		}
	}
	list_add_tail(&msg->list, &rel->txq);
	rel->q_frames++;
	rel->q_bytes += len;
	spin_unlock_bh(&peer->lock);
	kick(peer);
	return 0;
}

/* The peer has everything up to @ack: free those frames. */
static void rel_ack(struct comm_peer *peer, u64 ack)
{
	struct comm_rel *rel = &peer->rel;
	struct comm_msg *msg, *tmp;
	LIST_HEAD(done);

	spin_lock_bh(&peer->lock);
	list_for_each_entry_safe(msg, tmp, &rel->unacked, list) {
		if (msg->seq > ack)
			break;
		list_move_tail(&msg->list, &done);
		rel->q_frames--;
		rel->q_bytes -= msg->len;
	}
	spin_unlock_bh(&peer->lock);
	if (list_empty(&done))
		return;
	wake_up_all(&rel->space_wq);
	msgs_put(&done);
}

void comm_rel_flush(struct comm_peer *peer)
{
	struct comm_rel *rel = &peer->rel;
	LIST_HEAD(done);

	spin_lock_bh(&peer->lock);
	list_splice_init(&rel->unacked, &done);
	list_splice_tail_init(&rel->txq, &done);
	rel->q_frames = 0;
	rel->q_bytes = 0;
	spin_unlock_bh(&peer->lock);
	wake_up_all(&rel->space_wq);
	msgs_put(&done);
}

u64 comm_rel_incarnation(struct comm_peer *peer, bool *up)
{
	u64 inc;

	spin_lock_bh(&peer->lock);
	inc = peer->rel.incarnation;
	if (up)
		*up = peer->up;
	spin_unlock_bh(&peer->lock);
	return inc;
}

void comm_rel_forget(struct comm_peer *peer)
{
	spin_lock_bh(&peer->lock);
	peer->rel.incarnation = 0;
	spin_unlock_bh(&peer->lock);
}

void comm_rel_ping(struct comm_peer *peer)
{
	bool up;

	spin_lock_bh(&peer->lock);
	up = peer->up;
	if (up)
		peer->rel.need_ping = true;
	spin_unlock_bh(&peer->lock);
	if (up)
		kick(peer);
}

/* ---- sessions ------------------------------------------------------------- */

void comm_rel_hello_info(struct comm_peer *peer, u64 *peer_inc, u64 *ack)
{
	spin_lock_bh(&peer->lock);
	*peer_inc = peer->rel.incarnation;
	*ack = peer->rel.rx_seq;
	spin_unlock_bh(&peer->lock);
}

/* Moves the queued frames matching (@acked: seq <= @ack, else any seq) to @drop. */
static void queue_drop_sent(struct comm_rel *rel, bool acked, u64 ack,
			    struct list_head *drop)
{
	struct comm_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, &rel->txq, list) {
		if (!msg->seq || (acked && msg->seq > ack))
			continue;
		list_move_tail(&msg->list, drop);
		rel->q_frames--;
		rel->q_bytes -= msg->len;
	}
}

unsigned int comm_rel_session_up(struct comm_peer *peer,
				 const struct comm_session_info *si,
				 struct list_head *drop)
{
	struct comm_rel *rel = &peer->rel;
	unsigned int flags = 0;

	spin_lock_bh(&peer->lock);
	if (rel->incarnation == si->inc &&
	    si->peer_inc == comm_cfg.incarnation)
		flags |= COMM_SESSION_RESUMED;
	if (rel->incarnation && rel->incarnation != si->inc)
		flags |= COMM_SESSION_RESTARTED;
	/*
	 * Neither side ever had a session with the other (since it was last
	 * declared failed): nothing shared can have been lost.  Membership
	 * decides whether that is the first session of a known member.
	 */
	if (!rel->incarnation && !si->peer_inc)
		flags |= COMM_SESSION_FIRST;
	if (flags & COMM_SESSION_RESUMED) {
		queue_drop_sent(rel, true, si->ack, drop);
	} else {
		/* What the other side can never ack: an old relationship. */
		rel->incarnation = si->inc;
		queue_drop_sent(rel, false, 0, drop);
		rel->tx_seq = 0;
		rel->rx_seq = 0;
		rel->rx_ack_sent = 0;
	}
	rel->last_heard = jiffies;
	if (rel->ever_up)
		peer->st.reconnects++;
	rel->ever_up = true;
	peer->up = true;
	spin_unlock_bh(&peer->lock);
	wake_up_all(&rel->space_wq);
	if (flags & COMM_SESSION_RESTARTED)
		comm_rpc_peer_reset(peer);
	return flags;
}

void comm_rel_session_started(struct comm_peer *peer, unsigned int flags,
			      u64 inc, struct list_head *drop)
{
	msgs_put(drop);
	comm_memb_session_up(peer, !(flags & COMM_SESSION_RESUMED),
			     flags & COMM_SESSION_FIRST, inc);
}

void comm_rel_session_down(struct comm_peer *peer)
{
	struct comm_rel *rel = &peer->rel;

	spin_lock_bh(&peer->lock);
	peer->up = false;
	list_splice_init(&rel->unacked, &rel->txq);
	rel->need_ack = false;
	rel->need_ping = false;
	rel->need_pong = false;
	spin_unlock_bh(&peer->lock);
}

void comm_rel_session_closed(struct comm_peer *peer)
{
	comm_memb_session_down(peer);
}

/* ---- frames out ------------------------------------------------------------ */

/* peer->lock held. */
static void next_common(struct comm_peer *peer, struct comm_frame_out *f)
{
	struct comm_rel *rel = &peer->rel;

	rel->need_ack = false;
	rel->rx_ack_sent = rel->rx_seq;
	f->ack = rel->rx_seq;
	peer->st.tx_frames++;
	peer->st.tx_bytes += KRG_COMM_FRAME_HDR_LEN + f->len + KRG_COMM_TAG_LEN;
	f->more = !list_empty(&rel->txq) || rel->need_pong || rel->need_ping;
}

bool comm_rel_next(struct comm_peer *peer, struct comm_frame_out *f)
{
	struct comm_rel *rel = &peer->rel;
	struct comm_msg *msg;

	memset(f, 0, sizeof(*f));
	spin_lock_bh(&peer->lock);
	if (rel->need_pong) {
		rel->need_pong = false;
		f->ts = rel->pong_ts;
		f->type = KRG_FRAME_PONG;
		f->len = sizeof(f->ts);
	} else if (rel->need_ping) {
		rel->need_ping = false;
		rel->ping_ts = ktime_get_ns();
		f->ts = cpu_to_le64(rel->ping_ts);
		f->type = KRG_FRAME_PING;
		f->len = sizeof(f->ts);
	} else if (!list_empty(&rel->txq)) {
		msg = list_first_entry(&rel->txq, struct comm_msg, list);
		list_move_tail(&msg->list, &rel->unacked);
		if (msg->seq)
			peer->st.retrans++;
		else
			msg->seq = ++rel->tx_seq;
		refcount_inc(&msg->ref);
		f->msg = msg;
		f->seq = msg->seq;
		f->len = msg->len;
		f->type = KRG_FRAME_DATA;
	} else if (rel->need_ack || rel->rx_seq > rel->rx_ack_sent) {
		f->type = KRG_FRAME_ACK;
	}
	if (f->type)
		next_common(peer, f);
	spin_unlock_bh(&peer->lock);
	return f->type;
}

void comm_rel_close_frame(struct comm_peer *peer, struct comm_frame_out *f)
{
	memset(f, 0, sizeof(*f));
	f->type = KRG_FRAME_CLOSE;
	spin_lock_bh(&peer->lock);
	next_common(peer, f);
	spin_unlock_bh(&peer->lock);
}

/* ---- frames in ------------------------------------------------------------- */

/* A DATA frame; called with peer->lock held, releases it. */
static int rx_data(struct comm_peer *peer, u64 seq, u8 *buf, u32 len)
	__releases(&peer->lock)
{
	struct comm_rel *rel = &peer->rel;
	bool now;

	if (seq != rel->rx_seq + 1) {
		/* A resent one, already delivered, or a gap. */
		int ret = seq <= rel->rx_seq ? 0 : -EPROTO;

		spin_unlock_bh(&peer->lock);
		comm_buf_free(buf);
		return ret;
	}
	rel->rx_seq = seq;
	now = rel->rx_seq - rel->rx_ack_sent >= COMM_ACK_EVERY;
	spin_unlock_bh(&peer->lock);
	comm_rpc_rx(peer, buf, len);
	if (now)
		kick(peer);
	else
		queue_delayed_work(comm_io_wq, &rel->ack_work,
				   msecs_to_jiffies(COMM_ACK_DELAY_MS));
	return 0;
}

static void rx_pong(struct comm_rel *rel, const u8 *buf)
{
	__le64 ts;
	u64 rtt;

	memcpy(&ts, buf, sizeof(ts));
	if (le64_to_cpu(ts) != rel->ping_ts)
		return;
	rtt = div_u64(ktime_get_ns() - rel->ping_ts, 1000);
	rtt = min_t(u64, rtt, U32_MAX);
	rel->srtt_us = rel->srtt_us ? (7 * (u64)rel->srtt_us + rtt) / 8 : rtt;
}

int comm_rel_rx(struct comm_peer *peer, const struct krg_comm_wire_frame *h,
		u8 *buf)
{
	struct comm_rel *rel = &peer->rel;
	u32 len = le32_to_cpu(h->len);
	bool pong = false;
	int ret = 0;

	rel_ack(peer, le64_to_cpu(h->ack));

	spin_lock_bh(&peer->lock);
	peer->st.rx_frames++;
	peer->st.rx_bytes += KRG_COMM_FRAME_HDR_LEN + len + KRG_COMM_TAG_LEN;
	rel->last_heard = jiffies;
	switch (h->type) {
	case KRG_FRAME_DATA:
		return rx_data(peer, le64_to_cpu(h->seq), buf, len);
	case KRG_FRAME_PING:
		memcpy(&rel->pong_ts, buf, sizeof(rel->pong_ts));
		rel->need_pong = true;
		pong = true;
		break;
	case KRG_FRAME_PONG:
		rx_pong(rel, buf);
		break;
	case KRG_FRAME_CLOSE:
		ret = -ECONNRESET;
		break;
	}
	spin_unlock_bh(&peer->lock);
	comm_buf_free(buf);
	if (h->type == KRG_FRAME_CLOSE)
		comm_memb_peer_gone(peer);
	if (pong)
		kick(peer);
	return ret;
}
