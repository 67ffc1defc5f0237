/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm internals shared between its files (not part of the interface).
 *
 * Lock order (outer first):
 *   krg_cfg.lock (mutex) -> peer->conn_mutex -> peer->tx_mutex ->
 *   peer->rx_mutex -> peer->lock (spin) -> krg_memb_lock (spin) ->
 *   krg_calls_lock (spin)
 * The receive path never takes tx_mutex; it asks tx_work to send.
 */
#ifndef _KRG_COMM_INTERNAL_H
#define _KRG_COMM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <crypto/hash.h>
#include <crypto/poly1305.h>
#include <net/netlink.h>

#include "krg_comm.h"

/* Per-peer send queue bound: the streaming window and the back-pressure. */
#define KRG_PEER_QUEUE_BYTES	(16U << 20)
#define KRG_PEER_QUEUE_FRAMES	16384U
#define KRG_HANDSHAKE_TIMEOUT_MS 2000
#define KRG_MAX_HANDSHAKES	32
#define KRG_BACKOFF_MIN_MS	100
#define KRG_BACKOFF_MAX_MS	2000
/* Acks are sent at the latest this long after data arrived... */
#define KRG_ACK_DELAY_MS	5
/* ...or at once when this many frames wait for one. */
#define KRG_ACK_EVERY		64

struct krg_cfg {
	struct mutex lock;		/* serializes configuration changes */
	bool configured;
	bool shutting_down;
	u32 cluster_id;
	u32 self;
	__be32 addr;
	u16 port;
	u32 timeout_ms;
	u64 incarnation;
	u8 key[KRG_COMM_KEY_LEN];
	struct crypto_shash *key_tfm;	/* hmac(sha256) keyed with the cluster key */
	atomic64_t auth_failures;	/* all handshakes/frames that failed auth */
	atomic64_t dropped;		/* connections/frames dropped as invalid */
};
extern struct krg_cfg krg_cfg;

/* One DATA frame payload waiting to be sent or acknowledged. */
/*
 * A DATA frame's payload: @len bytes, of which the first @len - ext_len are
 * in @data and the rest, for a zero-copy call, at @zc->data (released with
 * the message).
 */
struct krg_msg {
	struct list_head list;
	refcount_t ref;
	u64 seq;		/* 0 until first sent */
	u32 len;
	u32 ext_len;
	struct krg_comm_zc *zc;
	u8 data[];
};

struct krg_peer_stats {
	u64 tx_frames, tx_bytes, rx_frames, rx_bytes;
	u64 retrans, reconnects, auth_failures, dropped;
};

/* A frame tag computed piece by piece (auth.c explains the construction). */
struct krg_tag_ctx {
	struct poly1305_desc_ctx pd;
	size_t len;
};

struct krg_peer {
	u32 id;
	struct kref ref;
	struct rcu_head rcu;
	__be32 addr;
	u16 port;
	bool dialer;			/* we connect to it (our id is higher) */
	bool dead;			/* being removed: no new work */
	bool gone;			/* it sent CLOSE (unloading): calls fail until its next session */

	spinlock_t lock;
	/* send side (lock) */
	struct list_head txq;		/* to send, in order (resends first) */
	struct list_head unacked;	/* sent, waiting for the ack, by seq */
	u32 q_frames;
	size_t q_bytes;
	u64 tx_seq;			/* last seq assigned */
	bool need_ack;
	bool need_ping;
	bool need_pong;
	__le64 pong_ts;
	u64 ping_ts;
	wait_queue_head_t space_wq;
	/* receive side (lock) */
	u64 rx_seq;			/* highest DATA seq delivered */
	u64 rx_ack_sent;
	u64 incarnation;		/* peer's, 0 = none known */
	unsigned long last_heard;	/* jiffies of the last valid frame */
	u32 srtt_us;
	struct krg_peer_stats st;

	/* session */
	struct mutex conn_mutex;
	struct mutex tx_mutex;
	struct mutex rx_mutex;
	struct socket *sock;		/* conn_mutex+tx_mutex+rx_mutex to change */
	u8 ks[KRG_COMM_KEY_LEN];	/* session key (tx_mutex+rx_mutex) */
	u64 tx_ctr, rx_ctr;
	u32 gen;			/* session generation */
	u32 close_gen;			/* session to close in close_work */
	int cstate;			/* enum krg_comm_conn_state */
	bool ever_connected;
	unsigned int backoff_ms;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);

	/* frame being received (rx_mutex) */
	u8 rx_hdr[KRG_COMM_FRAME_HDR_LEN];
	u8 rx_tag[KRG_COMM_TAG_LEN];
	u8 *rx_buf;
	u32 rx_len;
	u32 rx_off;			/* bytes of hdr+payload+mac read */
	struct krg_tag_ctx rx_tagctx;	/* over the bytes read so far */

	struct work_struct tx_work;
	struct work_struct rx_work;
	struct work_struct close_work;
	struct delayed_work connect_work;
	struct delayed_work ack_work;

	/* rpc (krg_calls_lock) */
	struct list_head calls;
	struct list_head reasm;		/* rx_mutex */
	u32 reasm_count;
};

/* main.c */
extern struct workqueue_struct *krg_io_wq;
extern struct workqueue_struct *krg_handler_wq;
extern struct workqueue_struct *krg_memb_wq;
struct krg_peer *krg_peer_get(u32 id);
void krg_peer_put(struct krg_peer *peer);
bool krg_comm_running(void);
int krg_cfg_set(struct nlattr **attrs, struct netlink_ext_ack *extack);
int krg_peer_set(u32 id, __be32 addr, u16 port, struct netlink_ext_ack *extack);
int krg_peer_del(u32 id, struct netlink_ext_ack *extack);
/* Iterate configured peers: returns the peer with the smallest id >= *pos. */
struct krg_peer *krg_peer_next(u32 *pos);

/* auth.c */
int krg_auth_mac(struct crypto_shash *tfm, u8 *out, const void *a, size_t alen,
		 const void *b, size_t blen, const void *c, size_t clen);
struct crypto_shash *krg_auth_tfm(const u8 *key, size_t len);
int krg_auth_session_key(u8 *ks, const u8 *nonce_d, const u8 *nonce_a,
			 u32 dialer, u32 acceptor);
bool krg_auth_equal(const u8 *a, const u8 *b);
bool krg_auth_tag_equal(const u8 *a, const u8 *b);
void krg_auth_tag_init(struct krg_tag_ctx *c, const u8 *ks, u32 sender, u64 ctr);
void krg_auth_tag_update(struct krg_tag_ctx *c, const void *p, size_t len);
void krg_auth_tag_final(struct krg_tag_ctx *c, u8 *tag);
void krg_auth_frame_tag(const u8 *ks, u32 sender, u64 ctr, u8 *tag,
			const void *a, size_t alen, const void *b, size_t blen);

/* transport (tcp.c), behind an ops table so another transport can follow */
struct krg_transport_ops {
	const char *name;
	int (*start)(void);			/* listen */
	void (*stop)(void);			/* stop listening, close all */
	void (*peer_init)(struct krg_peer *peer);
	/* dial now if we are the dialer and no session is up (ends a backoff) */
	void (*peer_connect)(struct krg_peer *peer);
	void (*peer_close)(struct krg_peer *peer);	/* close session, no reconnect */
	void (*peer_kick)(struct krg_peer *peer);	/* send what is queued */
	void (*peer_destroy)(struct krg_peer *peer);	/* cancel all work */
	/* tell the peer we go away (unload): best effort, does not block */
	void (*peer_bye)(struct krg_peer *peer);
};
extern const struct krg_transport_ops krg_tcp_ops;
extern const struct krg_transport_ops *krg_transport;
void krg_tcp_try_send(struct krg_peer *peer);
void krg_tcp_drop_session(struct krg_peer *peer, int err);

/* buf.c */
void *krg_buf_alloc(size_t size, gfp_t gfp);
void krg_buf_free(void *p);
void krg_buf_trim(bool all);

/* queue (peer.c) */
int krg_peer_enqueue(struct krg_peer *peer, const void *hdr, size_t hlen,
		     const void *data, size_t dlen, struct krg_comm_zc *zc,
		     unsigned long deadline);
void krg_peer_ack(struct krg_peer *peer, u64 ack);
void krg_peer_flush_queue(struct krg_peer *peer);
void krg_msg_put(struct krg_msg *msg);

/* rpc.c */
int krg_rpc_init(void);
void krg_rpc_exit(void);
void krg_rpc_rx(struct krg_peer *peer, u8 *buf, u32 len);
void krg_rpc_fail_node(u32 node, int err);
void krg_rpc_fail_all(int err);
void krg_rpc_reap(void);
void krg_rpc_peer_reset(struct krg_peer *peer);
void krg_rpc_reasm_free(struct krg_peer *peer);

/* membership.c */
extern spinlock_t krg_memb_lock;
int krg_memb_init(void);
void krg_memb_exit(void);
void krg_memb_start(void);		/* after configuration */
void krg_memb_session_up(struct krg_peer *peer, bool fresh, bool first, u64 inc);
void krg_memb_session_down(struct krg_peer *peer);
void krg_memb_peer_gone(struct krg_peer *peer);
void krg_memb_leave(void);
int krg_memb_add(const unsigned long *set, struct netlink_ext_ack *extack);
int krg_memb_del(const unsigned long *set, struct netlink_ext_ack *extack);
int krg_memb_state(u32 node);
u32 krg_hb_ms(void);

/* netlink.c */
int krg_nl_init(void);
void krg_nl_exit(void);
void krg_nl_event(u32 node, int state, int event);

#endif /* _KRG_COMM_INTERNAL_H */
