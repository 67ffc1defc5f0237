/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm reliability layer (reliable.c), independent of the transport:
 * the per-peer send queue and its bound, DATA sequence numbers, acks,
 * resend after a reconnect, heartbeat timestamps.  A transport (tcp.c; an
 * RDMA one would do the same) moves frames: it asks comm_rel_next() what to
 * send, hands every authenticated frame it receives to comm_rel_rx(), and
 * tells the layer when a session starts and ends.
 */
#ifndef _KRG_COMM_RELIABLE_H
#define _KRG_COMM_RELIABLE_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "krg_comm.h"

struct comm_peer;

/* Per-peer send queue bound: the streaming window and the back-pressure. */
#define COMM_QUEUE_BYTES	(16U << 20)
#define COMM_QUEUE_FRAMES	16384U
/* Acks are sent at the latest this long after data arrived... */
#define COMM_ACK_DELAY_MS	5
/* ...or at once when this many frames wait for one. */
#define COMM_ACK_EVERY		64

/*
 * A DATA frame's payload: @len bytes, of which the first @len - ext_len are
 * in @data and the rest, for a zero-copy call, at @zc->data (released with
 * the message).
 */
struct comm_msg {
	struct list_head list;
	refcount_t ref;
	u64 seq;		/* 0 until first sent */
	u32 len;
	u32 ext_len;
	struct krg_comm_zc *zc;
	u8 data[];
};

/* A peer's reliability state, under peer->lock. */
struct comm_rel {
	struct list_head txq;		/* to send, in order (resends first) */
	struct list_head unacked;	/* sent, waiting for the ack, by seq */
	u32 q_frames;
	size_t q_bytes;
	u64 tx_seq;			/* last seq assigned */
	u64 rx_seq;			/* highest DATA seq delivered */
	u64 rx_ack_sent;
	u64 incarnation;		/* the peer's, 0 = none known */
	bool ever_up;			/* a session was up once */
	bool need_ack;
	bool need_ping;
	bool need_pong;
	__le64 pong_ts;
	u64 ping_ts;
	unsigned long last_heard;	/* jiffies of the last valid frame */
	u32 srtt_us;
	wait_queue_head_t space_wq;
	struct delayed_work ack_work;
};

/* The next frame a transport sends (comm_rel_next()). */
struct comm_frame_out {
	u8 type;			/* enum krg_comm_frame_type */
	u32 len;			/* payload bytes */
	u64 seq, ack;
	struct comm_msg *msg;		/* DATA: a reference (comm_msg_put) */
	__le64 ts;			/* PING / PONG: the payload */
	bool more;			/* more frames wait after this one */
};

/* What a peer said about the relationship in its handshake. */
struct comm_session_info {
	u64 inc;			/* its incarnation */
	u64 peer_inc;			/* ours, as it knows it (0: none) */
	u64 ack;			/* highest of our DATA seqs it delivered */
};

/* comm_rel_session_up() flags */
#define COMM_SESSION_RESUMED	0x1	/* same incarnations: resend what is missing */
#define COMM_SESSION_FIRST	0x2	/* neither side had a session with the other */
#define COMM_SESSION_RESTARTED	0x4	/* the peer restarted since the last one */

void comm_rel_init(struct comm_peer *peer);
void comm_rel_destroy(struct comm_peer *peer);

/*
 * Queues one DATA frame made of @hdr and @data (copied), or, with @zc, of
 * @hdr and @zc's payload (referenced; @zc is released with the frame, or at
 * once if this fails).  If the queue is full, fails with -ENOBUFS when
 * @deadline is 0, else sleeps until there is room or @deadline (jiffies)
 * passes (-ETIMEDOUT).  Never sends in the caller's context in a way a
 * signal could interrupt.
 */
int comm_rel_enqueue(struct comm_peer *peer, const void *hdr, size_t hlen,
		     const void *data, size_t dlen, struct krg_comm_zc *zc,
		     unsigned long deadline);
/* Drops everything queued (the node failed or is being removed). */
void comm_rel_flush(struct comm_peer *peer);
void comm_msg_put(struct comm_msg *msg);
/* The peer's incarnation (0 if none known); *@up: a session is up. */
u64 comm_rel_incarnation(struct comm_peer *peer, bool *up);
/* The shared state with the peer is lost: the next session starts afresh. */
void comm_rel_forget(struct comm_peer *peer);
/* Heartbeat: a PING goes out with the next frames (session up only). */
void comm_rel_ping(struct comm_peer *peer);

/* ---- for transports ---- */

/* Our side of a handshake: the peer's incarnation as we know it, our ack. */
void comm_rel_hello_info(struct comm_peer *peer, u64 *peer_inc, u64 *ack);
/*
 * A session with @peer is authenticated: decides what carries over from the
 * previous one (flags above), puts what can never be acked on @drop.  Under
 * the transport's send and receive exclusion (no frame moves meanwhile).
 */
unsigned int comm_rel_session_up(struct comm_peer *peer,
				 const struct comm_session_info *si,
				 struct list_head *drop);
/* The session is in place: frees @drop, tells membership. */
void comm_rel_session_started(struct comm_peer *peer, unsigned int flags,
			      u64 inc, struct list_head *drop);
/* The session ended (same exclusion): what was sent is sent again. */
void comm_rel_session_down(struct comm_peer *peer);
/* ... and, outside the exclusion, membership is told. */
void comm_rel_session_closed(struct comm_peer *peer);
/* Picks the next frame to send; false if there is none. */
bool comm_rel_next(struct comm_peer *peer, struct comm_frame_out *f);
/* The CLOSE frame of an unload: only its ack. */
void comm_rel_close_frame(struct comm_peer *peer, struct comm_frame_out *f);
/*
 * One authenticated frame, in order (@buf: its payload, owned from now on).
 * Returns 0, or -errno if the session must end (-ECONNRESET: a CLOSE).
 */
int comm_rel_rx(struct comm_peer *peer, const struct krg_comm_wire_frame *h,
		u8 *buf);

#endif /* _KRG_COMM_RELIABLE_H */
