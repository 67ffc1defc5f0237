/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * krg_comm: Kerrighed cluster communication layer -- user-space interface.
 *
 * 1. Generic netlink family "krg_comm" (spec: Documentation/netlink/krg_comm.yaml).
 *    All attributes live in one flat attribute space (enum krg_comm_attr); each
 *    command accepts only the attributes listed next to it (strict policies,
 *    anything else is rejected with EINVAL and an extack message).  Every
 *    mutating command needs CAP_SYS_ADMIN (EPERM otherwise).
 *
 * 2. The TCP wire format between nodes (section "wire format" below).  All
 *    multi-byte wire fields are little-endian.
 *
 * Compatibility: this header only grows.  New commands/attributes are appended;
 * existing numbers never change meaning.  The promise does not bind test
 * commands: the test RPC service and its driver live in a test module with
 * a family of its own (tests/include/krg_comm_test.h), and the TEST_RUN
 * command (10) and TEST_* attributes (27 and up) that this header carried
 * before are gone; their numbers are free for what comes next.
 */
#ifndef _UAPI_LINUX_KRG_COMM_H
#define _UAPI_LINUX_KRG_COMM_H

#include <linux/types.h>

#define KRG_COMM_GENL_NAME	"krg_comm"
#define KRG_COMM_GENL_VERSION	1
#define KRG_COMM_MCGRP_EVENTS	"events"

/* Node ids are 0 .. KRG_MAX_NODES - 1. */
#define KRG_MAX_NODES		256
/* Length in bytes of a KRG_COMM_A_NODE_SET bitmap covering every node. */
#define KRG_COMM_NODE_SET_LEN	(KRG_MAX_NODES / 8)

#define KRG_COMM_DEFAULT_PORT	7227
#define KRG_COMM_KEY_LEN	32	/* cluster key: exactly 32 bytes (binary) */

/* Failure detector timeout (milliseconds). */
#define KRG_COMM_FAILURE_TIMEOUT_MIN_MS		100
#define KRG_COMM_FAILURE_TIMEOUT_MAX_MS		30000
#define KRG_COMM_FAILURE_TIMEOUT_DEFAULT_MS	2000

/*
 * Commands.
 *
 *  CLUSTER_GET  do     -> CLUSTER_ID NODE_ID ADDR4 PORT FAILURE_TIMEOUT_MS
 *                         HEARTBEAT_MS KEY_SET CONFIGURED PROTO_VERSION
 *                         MAX_NODES AUTH_FAILURES DROPPED NODE_STATE(of self)
 *  CLUSTER_SET  do*    <- CLUSTER_ID NODE_ID ADDR4 PORT KEY FAILURE_TIMEOUT_MS
 *                         First call must carry CLUSTER_ID, NODE_ID, ADDR4 and
 *                         KEY (PORT defaults to KRG_COMM_DEFAULT_PORT); the node
 *                         then listens and its own state becomes PRESENT.
 *                         Identity (cluster id, node id, address, port, key)
 *                         cannot change while the node is configured (EBUSY);
 *                         FAILURE_TIMEOUT_MS can change at any time.
 *  PEER_SET     do*    <- NODE_ID ADDR4 [PORT]  : where to reach a peer
 *                         (from cluster.conf "node N ADDR" lines; setting
 *                         one's own id is accepted if it matches, ignored).
 *  PEER_DEL     do*    <- NODE_ID               : forget a peer (must not be
 *                         ONLINE: EBUSY).
 *  NODE_ADD     do*    <- NODE_SET or NODE_ID   : bring nodes ONLINE cluster
 *                         wide.  Every listed node must be PRESENT (connected
 *                         and authenticated) or ONLINE; else ENOTCONN with the
 *                         offending node in the extack message.  Then, before
 *                         anything changes, it waits (bounded: twice the
 *                         failure timeout, at least 3 s, at most 30 s) until
 *                         every pair of nodes of the new member set (members,
 *                         listed nodes, this node) has an authenticated
 *                         session and all agree on each node's incarnation;
 *                         on timeout it fails with EHOSTDOWN (a node failed or
 *                         does not answer) or ENOTCONN (a pair has no
 *                         session), named in the extack message, and no
 *                         node's state changed.  On success every member has
 *                         applied the new set.  A node that dies or restarts
 *                         after the check, before every member applied it,
 *                         is declared failed on every member (EHOSTDOWN).
 *  NODE_DEL     do*    <- NODE_SET or NODE_ID   : nodes leave (ONLINE ->
 *                         LEAVING -> PRESENT) cluster wide.  Unloading the
 *                         module on a member does the same for that node,
 *                         then sends CLOSE to every peer.
 *  NODE_GET     do     <- NODE_ID  -> one node (attrs below)
 *               dump               -> every configured node, ascending id:
 *                         NODE_ID NODE_STATE CONN_STATE ADDR4 PORT SELF
 *  STATS_GET    do     <- NODE_ID  -> per-peer statistics (attrs below)
 *               dump               -> one message per configured peer:
 *                         NODE_ID CONN_STATE RTT_US TX_FRAMES TX_BYTES
 *                         RX_FRAMES RX_BYTES RETRANS RECONNECTS
 *                         AUTH_FAILURES DROPPED
 *  NODE_EVENT   (notification only, multicast group "events"):
 *                         NODE_ID NODE_STATE EVENT
 *
 *  (do* = needs CAP_SYS_ADMIN)
 */
enum krg_comm_cmd {
	KRG_COMM_CMD_UNSPEC,
	KRG_COMM_CMD_CLUSTER_GET,
	KRG_COMM_CMD_CLUSTER_SET,
	KRG_COMM_CMD_PEER_SET,
	KRG_COMM_CMD_PEER_DEL,
	KRG_COMM_CMD_NODE_ADD,
	KRG_COMM_CMD_NODE_DEL,
	KRG_COMM_CMD_NODE_GET,
	KRG_COMM_CMD_STATS_GET,
	KRG_COMM_CMD_NODE_EVENT,

	__KRG_COMM_CMD_MAX,
	KRG_COMM_CMD_MAX = __KRG_COMM_CMD_MAX - 1
};

enum krg_comm_attr {
	KRG_COMM_A_UNSPEC,
	KRG_COMM_A_PAD,			/* pad: for u64 attributes */
	KRG_COMM_A_CLUSTER_ID,		/* u32, >= 1 */
	KRG_COMM_A_NODE_ID,		/* u32, < KRG_MAX_NODES */
	KRG_COMM_A_ADDR4,		/* be32 IPv4 address (network byte order) */
	KRG_COMM_A_PORT,		/* u16, host byte order, 1..65535 */
	KRG_COMM_A_KEY,			/* binary, exactly KRG_COMM_KEY_LEN; never returned */
	KRG_COMM_A_FAILURE_TIMEOUT_MS,	/* u32, MIN_MS .. MAX_MS */
	KRG_COMM_A_HEARTBEAT_MS,	/* u32, read only (derived from the timeout) */
	KRG_COMM_A_KEY_SET,		/* flag, read only */
	KRG_COMM_A_CONFIGURED,		/* flag, read only */
	KRG_COMM_A_PROTO_VERSION,	/* u32, read only: KRG_COMM_WIRE_VERSION */
	KRG_COMM_A_MAX_NODES,		/* u32, read only: KRG_MAX_NODES */
	/* binary bitmap, bit n (byte n/8, 1 << n%8) = node n, 1 .. NODE_SET_LEN bytes */
	KRG_COMM_A_NODE_SET,
	KRG_COMM_A_NODE_STATE,		/* u32, enum krg_comm_node_state */
	KRG_COMM_A_CONN_STATE,		/* u32, enum krg_comm_conn_state */
	KRG_COMM_A_SELF,		/* flag: this entry is the local node */
	KRG_COMM_A_EVENT,		/* u32, enum krg_comm_event */
	KRG_COMM_A_RTT_US,		/* u32, smoothed RTT estimate (heartbeats), 0 = unknown */
	KRG_COMM_A_TX_FRAMES,		/* u64 */
	KRG_COMM_A_TX_BYTES,		/* u64 */
	KRG_COMM_A_RX_FRAMES,		/* u64 */
	KRG_COMM_A_RX_BYTES,		/* u64 */
	KRG_COMM_A_RETRANS,		/* u64: frames sent again after a reconnect */
	KRG_COMM_A_RECONNECTS,		/* u64: sessions established after the first */
	KRG_COMM_A_AUTH_FAILURES,	/* u64: handshakes or frame MACs that failed */
	KRG_COMM_A_DROPPED,		/* u64: frames/connections dropped as invalid */

	__KRG_COMM_A_MAX,
	KRG_COMM_A_MAX = __KRG_COMM_A_MAX - 1
};

/* Membership state of a node, as seen by the reporting node. */
enum krg_comm_node_state {
	KRG_NODE_ABSENT,	/* configured, no authenticated connection */
	KRG_NODE_PRESENT,	/* connected and authenticated, not a member */
	KRG_NODE_ONLINE,	/* cluster member */
	KRG_NODE_LEAVING,	/* being removed (upper layers draining) */
	KRG_NODE_FAILED,	/* was ONLINE, declared dead by the failure detector */
};

/* Transport connection state towards a peer. */
enum krg_comm_conn_state {
	KRG_CONN_IDLE,		/* no socket, not trying (peer unconfigured/self) */
	KRG_CONN_BACKOFF,	/* waiting before the next connect attempt */
	KRG_CONN_CONNECTING,	/* TCP connect in progress */
	KRG_CONN_HANDSHAKE,	/* TCP up, authenticating */
	KRG_CONN_ESTABLISHED,	/* authenticated session */
	KRG_CONN_WAITING,	/* the peer connects to us; waiting for it */
};

enum krg_comm_event {
	KRG_EVENT_NONE,
	KRG_EVENT_PRESENT,	/* session up: node reachable (ABSENT -> PRESENT) */
	KRG_EVENT_UP,		/* node became ONLINE */
	KRG_EVENT_LEAVING,	/* node started to leave */
	KRG_EVENT_DOWN,		/* node left cleanly (-> PRESENT) */
	KRG_EVENT_FAILED,	/* node declared failed */
	KRG_EVENT_ABSENT,	/* session lost with a node that was not a member */
};

/*
 * Wire format (TCP, port KRG_COMM_DEFAULT_PORT unless configured).
 *
 * Connection rule: between nodes a and b (a < b), node b connects to node a's
 * listening port (the higher id dials).  A connection arriving from a lower id,
 * or a second connection while a session is up, is refused after the hello
 * (replaced only if the old one is dead: see transport.c).
 *
 * Handshake: three fixed-size messages (struct krg_comm_wire_hello,
 * KRG_COMM_HELLO_LEN bytes each), nothing else is parsed before it succeeds.
 *   1. dialer   -> acceptor  HELLO      nonce_d, mac = 0
 *   2. acceptor -> dialer    CHALLENGE  nonce_a, mac = HMAC(K, "krg-resp-a" | msg1 | msg2[0..mac))
 *   3. dialer   -> acceptor  RESPONSE   nonce_d, mac = HMAC(K, "krg-resp-d" | msg1 | msg2 | msg3[0..mac))
 *   K = the cluster key.  Session key:
 *   Ks = HMAC(K, "krg-session" | nonce_d | nonce_a | le32 dialer id | le32 acceptor id)
 *
 * Then frames: struct krg_comm_wire_frame, payload (len bytes), then a tag
 * of KRG_COMM_TAG_LEN bytes: the RFC 7539 AEAD_CHACHA20_POLY1305 tag of an
 * empty plaintext with associated data = header | payload, key = Ks, nonce
 * (12 bytes) = le32 sender's node id | le64 ctr.  That is: the Poly1305 key
 * is the first 32 bytes of ChaCha20 block 0 under (Ks, nonce), and
 *   tag = Poly1305(header | payload | zero pad to 16 | le64 (32 + len) | le64 0).
 * ctr counts every frame of the session per direction from 1 (replays and
 * reordering are rejected); seq numbers DATA frames per peer pair across
 * sessions of the same incarnations (1, 2, ...), ack = highest DATA seq
 * delivered from the other side.  After a reconnect each side resends DATA
 * frames above the ack carried in the peer's hello: exactly-once delivery.
 */
#define KRG_COMM_WIRE_MAGIC	0x4347524bU	/* "KRGC" little-endian */
/* 2: frames carry a ChaCha20-Poly1305 tag (1: HMAC-SHA256 of each frame) */
#define KRG_COMM_WIRE_VERSION	2
#define KRG_COMM_NONCE_LEN	32
#define KRG_COMM_MAC_LEN	32		/* handshake: HMAC-SHA256 */
#define KRG_COMM_TAG_LEN	16		/* frames: Poly1305 */
/*
 * Per frame: 1 MiB of data plus room for the headers of the layers above,
 * so that a 1 MiB message travels in one frame (no reassembly copy).  RPC
 * messages larger than a frame are cut in chunks of exactly
 * KRG_COMM_MAX_PAYLOAD less the 32-byte RPC header (the last one shorter).
 */
#define KRG_COMM_MAX_PAYLOAD	((1U << 20) + 4096)

enum krg_comm_hello_type {
	KRG_HELLO_HELLO = 1,
	KRG_HELLO_CHALLENGE = 2,
	KRG_HELLO_RESPONSE = 3,
};

struct krg_comm_wire_hello {
	__le32 magic;		/* KRG_COMM_WIRE_MAGIC */
	__le16 version;		/* KRG_COMM_WIRE_VERSION */
	__le16 type;		/* enum krg_comm_hello_type */
	__le32 cluster_id;
	__le32 src_node;	/* claimed; trusted only once the MAC checks */
	__le32 dst_node;
	__le32 flags;		/* 0 */
	__le64 incarnation;	/* random per module load of the sender */
	__le64 peer_incarnation;/* sender's idea of the receiver's incarnation, 0 if none */
	__le64 ack;		/* highest DATA seq delivered from the receiver */
	__u8 nonce[KRG_COMM_NONCE_LEN];
	__u8 mac[KRG_COMM_MAC_LEN];
};
#define KRG_COMM_HELLO_LEN	112

enum krg_comm_frame_type {
	KRG_FRAME_DATA = 1,	/* payload for the upper layer, carries seq */
	KRG_FRAME_ACK = 2,	/* ack only */
	KRG_FRAME_PING = 3,	/* heartbeat, payload: le64 sender timestamp */
	KRG_FRAME_PONG = 4,	/* heartbeat answer, echoes the ping payload */
	/*
	 * The sender unloads: its incarnation ends, the receiver fails what
	 * is pending with it (-EHOSTDOWN) and forgets its sequence numbers.
	 */
	KRG_FRAME_CLOSE = 5,
};

struct krg_comm_wire_frame {
	__le32 len;		/* payload bytes, <= KRG_COMM_MAX_PAYLOAD */
	__u8 version;		/* KRG_COMM_WIRE_VERSION */
	__u8 type;		/* enum krg_comm_frame_type */
	__le16 flags;		/* 0 */
	__le64 ctr;		/* per session, per direction, from 1 */
	__le64 seq;		/* DATA only, else 0 */
	__le64 ack;
};
#define KRG_COMM_FRAME_HDR_LEN	32

#endif /* _UAPI_LINUX_KRG_COMM_H */
