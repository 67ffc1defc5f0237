/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm peers: one struct comm_peer per configured node other than this
 * one, in an RCU table indexed by node id (peer.c).  A peer is made of the
 * parts of the layers that use it, each documented in its own header:
 *
 *   rel     sequence numbers, acks, resend, the send queue (reliable.h)
 *   xprt    the transport's connection state (tcp.h for TCP)
 *   reasm   messages being reassembled from chunks (stream.c)
 *
 * Lock order (outer first):
 *   comm_cfg.lock (mutex) -> transport mutexes (tcp.h) -> peer->lock (spin)
 *   -> comm_memb_lock (spin) -> the RPC calls lock (spin)
 */
#ifndef _KRG_COMM_PEER_H
#define _KRG_COMM_PEER_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/netlink.h>

#include "reliable.h"

struct comm_peer_stats {
	u64 tx_frames, tx_bytes, rx_frames, rx_bytes;
	u64 retrans, reconnects, auth_failures, dropped;
};

struct comm_peer {
	u32 id;
	struct kref ref;
	struct rcu_head rcu;
	__be32 addr;
	u16 port;
	bool dialer;			/* we connect to it (our id is higher) */
	bool dead;			/* being removed: no new work */
	bool gone;			/* it sent CLOSE: calls fail until its next session */
	bool up;			/* a session is established (lock) */

	spinlock_t lock;		/* rel, st, up */
	struct comm_rel rel;
	struct comm_peer_stats st;

	void *xprt;			/* the transport's, from its peer_init */

	/* chunked messages being reassembled (receive path only) */
	struct list_head reasm;
	u32 reasm_count;
};

struct comm_peer *comm_peer_get(u32 id);
void comm_peer_put(struct comm_peer *peer);
/* Iterate configured peers: returns the peer with the smallest id >= *pos. */
struct comm_peer *comm_peer_next(u32 *pos);
/* A session with @node is up (false for this node and unknown ones). */
bool comm_peer_connected(u32 node);
/* Counts a dropped frame or connection of @peer (may be NULL). */
void comm_peer_count_drop(struct comm_peer *peer);
void comm_peer_count_auth_failure(struct comm_peer *peer);

int comm_peer_set(u32 id, __be32 addr, u16 port, struct netlink_ext_ack *extack);
int comm_peer_del(u32 id, struct netlink_ext_ack *extack);
/* Module exit: every peer out of the table, its work stopped. */
void comm_peers_exit(void);

#endif /* _KRG_COMM_PEER_H */
