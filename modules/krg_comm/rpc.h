/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm RPC internals: services and handlers (service.c), pending calls
 * (call.c), multicast calls (multicall.c), messages cut in chunks and
 * reassembled (stream.c).
 *
 * Every DATA frame payload starts with struct comm_rpc_hdr.
 */
#ifndef _KRG_COMM_RPC_H
#define _KRG_COMM_RPC_H

#include <linux/types.h>

#include "krg_comm.h"

struct comm_peer;

enum { COMM_RPC_CALL = 1, COMM_RPC_ONEWAY = 2, COMM_RPC_REPLY = 3 };

struct comm_rpc_hdr {
	__le32 service;
	__le16 kind;
	__le16 flags;
	__le64 call_id;
	__le32 status;		/* REPLY: 0 or -errno of the handler */
	__le32 total;		/* message bytes after this header, all chunks */
	__le32 offset;		/* of this chunk */
	__le32 reserved;
};

#define COMM_RPC_CHUNK	(KRG_COMM_MAX_PAYLOAD - sizeof(struct comm_rpc_hdr))

/* service.c */
/* Hands a complete call to its service; takes ownership of @buf. */
void comm_rpc_dispatch(u32 src, u16 kind, u32 service, u64 id,
		       const void *data, size_t len, void *buf);
void comm_services_exit(void);

/* call.c */
int comm_rpc_init(void);
void comm_rpc_exit(void);
/* A reply to call @id on @node arrived (@reply: kvmalloc'ed, owned). */
void comm_rpc_replied(u64 id, u32 node, int status, void *reply, size_t len);
void comm_rpc_fail_node(u32 node, int err);
void comm_rpc_fail_all(int err);
/* Finishes the calls whose deadline passed (every heartbeat). */
void comm_rpc_reap(void);
/* The peer restarted: what was pending with its old incarnation is lost. */
void comm_rpc_peer_reset(struct comm_peer *peer);
/* 0 if a message can go to @node now, else why not (-EHOSTDOWN ...). */
int comm_rpc_target_ok(u32 node);

/* stream.c */
/*
 * Queues a message of @len bytes at @data, cut in chunks, or with @zc, of
 * @zc's payload (one frame, sent in place; @zc is released in every case).
 * Chunked messages always wait for room until @deadline; a single frame
 * waits only if @block, else fails fast with -ENOBUFS when the queue is full.
 */
int comm_rpc_xmit(u32 node, u16 kind, u32 service, u64 id, int status,
		  const void *data, size_t len, struct krg_comm_zc *zc,
		  unsigned long deadline, bool block);
/* One authenticated DATA payload from @peer (receive path); owns @buf. */
void comm_rpc_rx(struct comm_peer *peer, u8 *buf, u32 len);
/* Forgets the messages being reassembled (receive path excluded). */
void comm_stream_peer_free(struct comm_peer *peer);

#endif /* _KRG_COMM_RPC_H */
