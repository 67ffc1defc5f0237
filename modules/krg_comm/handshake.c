// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm handshake: three fixed-size messages (struct krg_comm_wire_hello)
 * that authenticate both nodes with the cluster key and derive the session
 * key; nothing else is parsed before they succeed.
 *
 *   dialer                                   acceptor
 *     HELLO      nonce_d, incarnations, ack  ->
 *               <-  CHALLENGE  nonce_a, incarnations, ack,
 *                              mac = HMAC(K, "krg-resp-a" | HELLO | CHALLENGE)
 *     RESPONSE   mac = HMAC(K, "krg-resp-d" | HELLO | CHALLENGE | RESPONSE)  ->
 *
 *   session key Ks = HMAC(K, "krg-session" | nonce_d | nonce_a | ids)
 *
 * Each side then knows the other's incarnation, its idea of ours and its
 * ack: the reliability layer decides from them what carries over from the
 * previous session (reliable.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/slab.h>

#include "auth.h"
#include "config.h"
#include "handshake.h"
#include "peer.h"

#define HELLO_MACED offsetof(struct krg_comm_wire_hello, mac)

static void hello_fill(struct krg_comm_wire_hello *h, int type, u32 dst,
		       struct comm_peer *peer)
{
	u64 peer_inc, ack;

	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(KRG_COMM_WIRE_MAGIC);
	h->version = cpu_to_le16(KRG_COMM_WIRE_VERSION);
	h->type = cpu_to_le16(type);
	h->cluster_id = cpu_to_le32(comm_cfg.cluster_id);
	h->src_node = cpu_to_le32(comm_cfg.self);
	h->dst_node = cpu_to_le32(dst);
	h->incarnation = cpu_to_le64(comm_cfg.incarnation);
	comm_rel_hello_info(peer, &peer_inc, &ack);
	h->peer_incarnation = cpu_to_le64(peer_inc);
	h->ack = cpu_to_le64(ack);
	get_random_bytes(h->nonce, sizeof(h->nonce));
}

/* Structure checks only: nothing in it is trusted before the MAC. */
static bool hello_valid(const struct krg_comm_wire_hello *h, int type)
{
	return le32_to_cpu(h->magic) == KRG_COMM_WIRE_MAGIC &&
	       le16_to_cpu(h->version) == KRG_COMM_WIRE_VERSION &&
	       le16_to_cpu(h->type) == type &&
	       le32_to_cpu(h->cluster_id) == comm_cfg.cluster_id &&
	       le32_to_cpu(h->dst_node) == comm_cfg.self &&
	       le32_to_cpu(h->src_node) < KRG_MAX_NODES && !h->flags &&
	       h->incarnation;
}

/* The MAC of @m1 | @m2 (| @m3), each but the last whole. */
static int hello_mac(u8 *out, const char *label,
		     const struct krg_comm_wire_hello *m1,
		     const struct krg_comm_wire_hello *m2,
		     const struct krg_comm_wire_hello *m3)
{
	u8 buf[2 * KRG_COMM_HELLO_LEN];

	memcpy(buf, m1, KRG_COMM_HELLO_LEN);
	if (m3) {
		memcpy(buf + KRG_COMM_HELLO_LEN, m2, KRG_COMM_HELLO_LEN);
		return comm_auth_mac(comm_cfg.key_tfm, out, label, strlen(label),
				     buf, 2 * KRG_COMM_HELLO_LEN, m3,
				     HELLO_MACED);
	}
	return comm_auth_mac(comm_cfg.key_tfm, out, label, strlen(label), buf,
			     KRG_COMM_HELLO_LEN, m2, HELLO_MACED);
}

static void result_fill(struct comm_hs_result *res,
			const struct krg_comm_wire_hello *theirs)
{
	res->si.inc = le64_to_cpu(theirs->incarnation);
	res->si.peer_inc = le64_to_cpu(theirs->peer_incarnation);
	res->si.ack = le64_to_cpu(theirs->ack);
}

int comm_hs_dial(struct comm_peer *peer, const struct comm_hs_io *io,
		 struct comm_hs_result *res)
{
	struct krg_comm_wire_hello *m;	/* m[0..2]: the three messages */
	u8 mac[KRG_COMM_MAC_LEN];
	int ret;

	m = kmalloc_array(3, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	hello_fill(&m[0], KRG_HELLO_HELLO, peer->id, peer);
	ret = io->send(io->ctx, &m[0], sizeof(m[0]));
	if (!ret)
		ret = io->recv(io->ctx, &m[1], sizeof(m[1]));
	if (ret)
		goto out;
	if (!hello_valid(&m[1], KRG_HELLO_CHALLENGE) ||
	    le32_to_cpu(m[1].src_node) != peer->id) {
		comm_peer_count_drop(NULL);
		ret = -EPROTO;
		goto out;
	}
	ret = hello_mac(mac, "krg-resp-a", &m[0], &m[1], NULL);
	if (ret)
		goto out;
	if (!comm_auth_equal(mac, m[1].mac)) {
		comm_peer_count_auth_failure(peer);
		pr_warn_ratelimited("node %u failed authentication (wrong cluster key?)\n",
				    peer->id);
		ret = -EACCES;
		goto out;
	}
	hello_fill(&m[2], KRG_HELLO_RESPONSE, peer->id, peer);
	memcpy(m[2].nonce, m[0].nonce, KRG_COMM_NONCE_LEN);
	ret = hello_mac(m[2].mac, "krg-resp-d", &m[0], &m[1], &m[2]);
	if (!ret)
		ret = io->send(io->ctx, &m[2], sizeof(m[2]));
	if (!ret)
		ret = comm_auth_session_key(res->ks, m[0].nonce, m[1].nonce,
					    comm_cfg.self, peer->id);
	if (!ret) {
		res->peer = NULL;
		result_fill(res, &m[1]);
	}
out:
	kfree(m);
	return ret;
}

int comm_hs_accept(const struct comm_hs_io *io, struct comm_hs_result *res)
{
	struct krg_comm_wire_hello *m;
	struct comm_peer *peer = NULL;
	u8 mac[KRG_COMM_MAC_LEN];
	u32 src;
	int ret;

	m = kmalloc_array(3, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	ret = io->recv(io->ctx, &m[0], sizeof(m[0]));
	if (ret)
		goto out;
	src = le32_to_cpu(m[0].src_node);
	pr_debug("handshake: hello from node %u\n", src);
	/* The higher id dials: a hello from a lower one is not valid. */
	if (!hello_valid(&m[0], KRG_HELLO_HELLO) || src <= comm_cfg.self) {
		ret = -EPROTO;
		goto drop;
	}
	peer = comm_peer_get(src);
	ret = -ENOENT;
	if (!peer || !io->from_peer(io->ctx, peer))
		goto drop;

	hello_fill(&m[1], KRG_HELLO_CHALLENGE, src, peer);
	ret = hello_mac(m[1].mac, "krg-resp-a", &m[0], &m[1], NULL);
	if (!ret)
		ret = io->send(io->ctx, &m[1], sizeof(m[1]));
	if (!ret)
		ret = io->recv(io->ctx, &m[2], sizeof(m[2]));
	if (ret)
		goto out;
	if (!hello_valid(&m[2], KRG_HELLO_RESPONSE) ||
	    le32_to_cpu(m[2].src_node) != src ||
	    m[2].incarnation != m[0].incarnation) {
		ret = -EPROTO;
		goto drop;
	}
	ret = hello_mac(mac, "krg-resp-d", &m[0], &m[1], &m[2]);
	if (ret)
		goto out;
	if (!comm_auth_equal(mac, m[2].mac)) {
		comm_peer_count_auth_failure(peer);
		pr_warn_ratelimited("connection claiming node %u failed authentication (wrong cluster key?)\n",
				    src);
		ret = -EACCES;
		goto out;
	}
	ret = comm_auth_session_key(res->ks, m[0].nonce, m[1].nonce, src,
				    comm_cfg.self);
	if (!ret) {
		res->peer = peer;
		peer = NULL;
		result_fill(res, &m[0]);
	}
	goto out;
drop:
	comm_peer_count_drop(peer);
out:
	comm_peer_put(peer);
	kfree(m);
	return ret;
}
