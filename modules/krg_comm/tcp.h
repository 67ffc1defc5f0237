/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm TCP transport internals, shared by tcp.c (connections) and
 * tcp_io.c (frames on the socket).
 *
 * Locks of a peer's connection, outer first: conn_mutex (session install
 * and teardown) -> tx_mutex (the sending side: one sender at a time, the
 * frame being sent) -> rx_mutex (the receiving side).  The socket pointer
 * changes only under all three.  Receiving never waits for tx_mutex: it
 * only tries it, else leaves the sending to tx_work.
 */
#ifndef _KRG_COMM_TCP_H
#define _KRG_COMM_TCP_H

#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/workqueue.h>

#include <krg/krg_statemachine.h>

#include "frame.h"
#include "peer.h"
#include "reliable.h"

/* The frame being sent, possibly in several goes (tx_mutex). */
struct comm_tcp_tx {
	bool busy;			/* a frame is (partly) out */
	bool tag_ready;
	bool more;			/* more frames follow: MSG_MORE */
	struct krg_comm_wire_frame hdr;
	__le64 ts;			/* PING / PONG payload */
	struct comm_msg *msg;		/* DATA: referenced */
	const u8 *part[2];		/* payload: inline, then zero-copy */
	u32 part_len[2];
	u32 total;			/* header + payload + tag */
	u32 sent;			/* bytes of it TCP took */
	u32 hashed;			/* payload bytes in @tc */
	struct comm_tag_ctx tc;
	u8 tag[KRG_COMM_TAG_LEN];
};

struct comm_tcp_peer {
	struct comm_peer *peer;
	struct mutex conn_mutex;	/* session install, teardown, cstate */
	struct mutex tx_mutex;		/* the sender; tx, tx_ctr */
	struct mutex rx_mutex;		/* the receiver; rx */
	struct socket *sock;		/* all three mutexes to change */
	u8 ks[KRG_COMM_KEY_LEN];	/* session key (tx_mutex + rx_mutex) */
	u64 tx_ctr;			/* frames sent this session (tx_mutex) */
	u32 gen;			/* session generation */
	u32 close_gen;			/* session to close in close_work */
	int cstate;			/* enum krg_comm_conn_state (conn_mutex) */
	unsigned int backoff_ms;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);

	struct comm_tcp_tx tx;
	struct comm_frame_rx rx;	/* rx_mutex */

	struct work_struct tx_work;
	struct work_struct rx_work;
	struct work_struct close_work;
	struct delayed_work connect_work;
};

static inline struct comm_tcp_peer *comm_tcp(struct comm_peer *peer)
{
	return peer->xprt;
}

/* tcp.c */
extern struct krg_sm comm_tcp_sm;
void comm_tcp_drop_session(struct comm_tcp_peer *tp, int err);

/* tcp_io.c: frames on the socket */
void comm_tcp_tx_work(struct work_struct *work);
void comm_tcp_rx_work(struct work_struct *work);
void comm_tcp_kick(struct comm_peer *peer);
void comm_tcp_bye(struct comm_peer *peer);
/* Session end (tx_mutex + rx_mutex held): forget the frames in flight. */
void comm_tcp_io_reset(struct comm_tcp_peer *tp);

#endif /* _KRG_COMM_TCP_H */
