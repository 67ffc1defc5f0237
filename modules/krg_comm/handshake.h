/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm handshake (handshake.c): the three authenticated hello messages
 * that open every session (include/uapi/linux/krg_comm.h), independent of
 * how the transport moves them.
 */
#ifndef _KRG_COMM_HANDSHAKE_H
#define _KRG_COMM_HANDSHAKE_H

#include <linux/types.h>

#include "krg_comm.h"
#include "reliable.h"

struct comm_peer;

/* How the transport moves the messages of one handshake. */
struct comm_hs_io {
	/* all @len bytes, or -errno */
	int (*send)(void *ctx, const void *buf, size_t len);
	int (*recv)(void *ctx, void *buf, size_t len);
	/* the connection comes from @peer's configured address */
	bool (*from_peer)(void *ctx, const struct comm_peer *peer);
	void *ctx;
};

struct comm_hs_result {
	struct comm_peer *peer;		/* accept: the peer, referenced */
	u8 ks[KRG_COMM_KEY_LEN];	/* the session key */
	struct comm_session_info si;	/* what the peer said */
};

/*
 * Dialer side with @peer; acceptor side with whoever dials.  0 and @res
 * filled (wipe res->ks after use), or -errno: -EACCES (authentication
 * failed, counted), -EPROTO / -ENOENT (not a valid hello from a configured
 * peer at its address, counted as dropped), or the transport's error.
 */
int comm_hs_dial(struct comm_peer *peer, const struct comm_hs_io *io,
		 struct comm_hs_result *res);
int comm_hs_accept(const struct comm_hs_io *io, struct comm_hs_result *res);

#endif /* _KRG_COMM_HANDSHAKE_H */
