/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm transport interface: what moves authenticated frames between two
 * nodes.  TCP (tcp.c) fills it today; an RDMA transport fills the same table
 * and reuses everything above it (the reliability layer in reliable.h: queues,
 * sequence numbers, acks, resend; RPC; membership) unchanged.
 *
 * A transport owns the connection to each peer (dialing, accepting, the
 * handshake of handshake.h, framing and tags of frame.h) and keeps its
 * per-peer state in peer->xprt.  It pulls the frames to send from
 * comm_rel_next() and gives every authenticated, in-order frame to
 * comm_rel_rx(); it reports sessions with comm_rel_session_up/started/
 * down/closed.
 */
#ifndef _KRG_COMM_TRANSPORT_H
#define _KRG_COMM_TRANSPORT_H

struct comm_peer;

struct comm_transport_ops {
	const char *name;
	int (*start)(void);			/* listen */
	void (*stop)(void);			/* stop listening, end handshakes */
	int (*peer_init)(struct comm_peer *peer);	/* sets peer->xprt */
	/* the peer is removed: end its session, stop connecting */
	void (*peer_destroy)(struct comm_peer *peer);
	/* the last reference went (after peer_destroy): free peer->xprt */
	void (*peer_free)(struct comm_peer *peer);
	/* dial now if we are the dialer and no session is up (ends a backoff) */
	void (*peer_connect)(struct comm_peer *peer);
	/* end the session (reconnect later as usual) */
	void (*peer_close)(struct comm_peer *peer);
	/*
	 * Frames wait in the reliability layer: send them.  Called in any
	 * process context, also a caller's: never sleeps on the network there,
	 * so a signal cannot cut a frame (the rest goes out from a worker).
	 */
	void (*peer_kick)(struct comm_peer *peer);
	/* tell the peer we go away (unload): best effort, does not block */
	void (*peer_bye)(struct comm_peer *peer);
	/* enum krg_comm_conn_state of the connection to @peer */
	int (*peer_conn_state)(struct comm_peer *peer);
};

extern const struct comm_transport_ops comm_tcp_ops;
extern const struct comm_transport_ops *comm_transport;

#endif /* _KRG_COMM_TRANSPORT_H */
