// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm TCP transport: frames on the socket.
 *
 * Sending.  Frames come from the reliability layer (comm_rel_next) one at
 * a time and go out through a cursor (struct comm_tcp_tx) that remembers
 * how much of the current frame TCP took, so a frame can be finished later
 * and elsewhere.  A caller that queued a message sends right away if nobody
 * else sends (comm_tcp_kick), but only what the socket takes without
 * waiting (MSG_DONTWAIT): it never sleeps in the socket, so a signal cannot
 * cut a frame half-way (which would force a reconnect); tx_work, which no
 * signal reaches, finishes the frame and sends the rest, waiting for room.
 *
 * Small frames go out in one sendmsg with their tag computed beforehand.
 * A large payload is hashed as it goes out: the tag trails the frame, so
 * hashing may lag behind sending and is done while TCP has no room for more
 * (the time a blocking send would sleep), and what is left at the end.
 * Page-backed payloads are sent from their pages.
 *
 * Receiving: rx_work reads whatever the socket has, with the frame parser
 * of frame.c, and hands every authenticated frame to the reliability layer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <net/sock.h>

#include "config.h"
#include "peer.h"
#include "tcp.h"

/* Large payloads are handed to TCP in pieces of at most this size. */
#define TX_PIECE	(64U << 10)
/* Hashed, while TCP has no room, in steps of this size. */
#define HASH_STEP	(16U << 10)
#define HDR_LEN		KRG_COMM_FRAME_HDR_LEN
#define TAG_LEN		KRG_COMM_TAG_LEN

/* ---- sending --------------------------------------------------------------- */

/* @p (a buffer of a page or more) may go to kernel_sendpage. */
static bool pages_ok(const void *p)
{
	if (is_vmalloc_addr(p))
		return true;
	/* kmalloc: only large ones (page allocator), never slab pages. */
	return virt_addr_valid(p) && sendpage_ok(virt_to_page(p));
}

/*
 * Hands TCP up to @len bytes at @p, without waiting for room unless @wait:
 * returns the bytes taken (> 0), -EAGAIN, or another -errno.  With @pages
 * the bytes are not copied: TCP takes references on the pages.  A DATA
 * payload is never written again and its buffer is recycled or released
 * (zero-copy calls) only once the peer acknowledged the frame, i.e.
 * received these bytes, so TCP no longer needs them for a retransmission
 * on this connection; a page still referenced by a dead socket outlives
 * the buffer through its page count.
 */
static int send_some(struct socket *sock, const u8 *p, size_t len, bool pages,
		     bool wait)
{
	int flags = MSG_NOSIGNAL | MSG_MORE | (wait ? 0 : MSG_DONTWAIT);
	struct msghdr msg = { .msg_flags = flags };
	size_t off, chunk, done = 0;
	struct page *page;
	struct kvec vec;
	int ret = 0;

	if (!pages) {
		vec.iov_base = (void *)p;
		vec.iov_len = len;
		return kernel_sendmsg(sock, &msg, &vec, 1, len);
	}
	/* Page by page, under one socket lock (not one per page). */
	lock_sock(sock->sk);
	while (done < len) {
		off = offset_in_page(p + done);
		chunk = min_t(size_t, len - done, PAGE_SIZE - off);
		page = is_vmalloc_addr(p) ? vmalloc_to_page(p + done) :
					    virt_to_page(p + done);
		if (!page || !sendpage_ok(page)) {
			ret = -EFAULT;
			break;
		}
		ret = kernel_sendpage_locked(sock->sk, page, off, chunk,
					     flags | MSG_SENDPAGE_NOTLAST);
		if (ret <= 0)
			break;
		done += ret;
		if (ret < chunk)
			break;
	}
	release_sock(sock->sk);
	return done ? done : ret;
}

/* Takes the next frame from the reliability layer; false if none. */
static bool tx_start(struct comm_tcp_peer *tp)
{
	struct comm_tcp_tx *tx = &tp->tx;
	struct comm_frame_out f;
	struct comm_msg *msg;
	u64 ctr;

	if (!comm_rel_next(tp->peer, &f))
		return false;
	ctr = ++tp->tx_ctr;
	comm_frame_fill_header(&tx->hdr, &f, ctr);
	msg = f.msg;
	tx->msg = msg;
	tx->more = f.more;
	tx->ts = f.ts;
	if (msg) {
		tx->part[0] = msg->data;
		tx->part_len[0] = msg->len - msg->ext_len;
		tx->part[1] = msg->zc ? msg->zc->data : NULL;
		tx->part_len[1] = msg->ext_len;
	} else {
		tx->part[0] = (const u8 *)&tx->ts;
		tx->part_len[0] = f.len;
		tx->part[1] = NULL;
		tx->part_len[1] = 0;
	}
	tx->total = HDR_LEN + f.len + TAG_LEN;
	tx->sent = 0;
	tx->hashed = 0;
	tx->busy = true;
	tx->tag_ready = !tx->part_len[1] && tx->part_len[0] < 2 * TX_PIECE;
	if (tx->tag_ready) {
		comm_auth_frame_tag(tp->ks, comm_cfg.self, ctr, tx->tag,
				    &tx->hdr, HDR_LEN, tx->part[0],
				    tx->part_len[0]);
	} else {
		comm_auth_tag_init(&tx->tc, tp->ks, comm_cfg.self, ctr);
		comm_auth_tag_update(&tx->tc, &tx->hdr, HDR_LEN);
	}
	return true;
}

static void tx_done(struct comm_tcp_tx *tx)
{
	if (tx->msg)
		comm_msg_put(tx->msg);
	tx->msg = NULL;
	tx->busy = false;
}

/* Payload byte @off of the current frame: its part and how many follow. */
static const u8 *tx_payload(struct comm_tcp_tx *tx, u32 off, u32 *avail)
{
	if (off < tx->part_len[0]) {
		*avail = tx->part_len[0] - off;
		return tx->part[0] + off;
	}
	off -= tx->part_len[0];
	*avail = tx->part_len[1] - off;
	return tx->part[1] + off;
}

/* Hashes up to @max more payload bytes among those sent; false if none. */
static bool tx_hash_some(struct comm_tcp_tx *tx, u32 sent_payload, u32 max)
{
	const u8 *p;
	u32 n;

	if (tx->hashed >= sent_payload)
		return false;
	p = tx_payload(tx, tx->hashed, &n);
	n = min3(n, sent_payload - tx->hashed, max);
	comm_auth_tag_update(&tx->tc, p, n);
	tx->hashed += n;
	return true;
}

/* Everything from @tx->sent to the end, in one sendmsg (tag computed). */
static int tx_send_rest(struct socket *sock, struct comm_tcp_tx *tx, bool block)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	const void *base[4] = { &tx->hdr, tx->part[0], tx->part[1], tx->tag };
	u32 lens[4] = { HDR_LEN, tx->part_len[0], tx->part_len[1], TAG_LEN };
	u32 skip = tx->sent, left = tx->total - tx->sent;
	struct kvec vec[4];
	int i, n = 0;

	for (i = 0; i < 4; i++) {
		if (skip >= lens[i]) {
			skip -= lens[i];
			continue;
		}
		vec[n].iov_base = (void *)base[i] + skip;
		vec[n].iov_len = lens[i] - skip;
		skip = 0;
		n++;
	}
	if (!block)
		msg.msg_flags |= MSG_DONTWAIT;
	if (tx->more)
		msg.msg_flags |= MSG_MORE;
	return kernel_sendmsg(sock, &msg, vec, n, left);
}

/* A piece of the header or payload of a large frame. */
static int tx_send_piece(struct socket *sock, struct comm_tcp_tx *tx,
			 bool block)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_MORE };
	u32 payload = tx->total - HDR_LEN - TAG_LEN, off, n;
	struct kvec vec;
	const u8 *p;
	bool pages;
	int ret;

	if (tx->sent < HDR_LEN) {
		vec.iov_base = (u8 *)&tx->hdr + tx->sent;
		vec.iov_len = HDR_LEN - tx->sent;
		if (!block)
			msg.msg_flags |= MSG_DONTWAIT;
		return kernel_sendmsg(sock, &msg, &vec, 1, vec.iov_len);
	}
	off = tx->sent - HDR_LEN;
	p = tx_payload(tx, off, &n);
	n = min(n, TX_PIECE);
	pages = n >= PAGE_SIZE && pages_ok(p);
	ret = send_some(sock, p, n, pages, false);
	/* No room: hash what went out meanwhile, then wait if allowed. */
	while (ret == -EAGAIN && tx_hash_some(tx, off, HASH_STEP))
		ret = send_some(sock, p, n, pages, false);
	if (ret == -EAGAIN && block)
		ret = send_some(sock, p, n, pages, true);
	if (ret > 0 && tx->sent + ret == HDR_LEN + payload) {
		/* All of the payload is out: the tag can be finished. */
		tx->sent += ret;
		while (tx_hash_some(tx, payload, U32_MAX))
			;
		comm_auth_tag_final(&tx->tc, tx->tag);
		tx->tag_ready = true;
		return 0;
	}
	return ret;
}

/*
 * Sends what the socket takes of the current frame: 0 once it is all out,
 * -EAGAIN if the socket is full and !@block, or another -errno (the
 * session must end).
 */
static int tx_push(struct comm_tcp_peer *tp, bool block)
{
	struct comm_tcp_tx *tx = &tp->tx;
	int ret;

	while (tx->sent < tx->total) {
		if (tx->tag_ready)
			ret = tx_send_rest(tp->sock, tx, block);
		else
			ret = tx_send_piece(tp->sock, tx, block);
		if (ret == -EAGAIN && block)
			ret = -ETIMEDOUT;	/* the socket's send timeout */
		if (ret < 0)
			return ret;
		if (!ret && tx->tag_ready)
			continue;		/* the piece finished the tag */
		if (!ret)
			return -EPIPE;
		tx->sent += ret;
	}
	tx_done(tx);
	return 0;
}

/*
 * tx_mutex held.  Sends frames until none is left (0), or, unless @block,
 * the socket is full (-EAGAIN).  An error ends the session.
 */
static int tx_flush(struct comm_tcp_peer *tp, bool block)
{
	int ret;

	while (tp->sock) {
		if (!tp->tx.busy && !tx_start(tp))
			return 0;
		ret = tx_push(tp, block);
		if (ret == -EAGAIN)
			return ret;
		if (ret) {
			comm_tcp_drop_session(tp, ret);
			return ret;
		}
	}
	return 0;
}

void comm_tcp_kick(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = comm_tcp(peer);
	int ret;

	if (mutex_trylock(&tp->tx_mutex)) {
		ret = tx_flush(tp, false);
		mutex_unlock(&tp->tx_mutex);
		if (ret != -EAGAIN)
			return;
	}
	queue_work(comm_io_wq, &tp->tx_work);
}

void comm_tcp_tx_work(struct work_struct *work)
{
	struct comm_tcp_peer *tp = container_of(work, struct comm_tcp_peer,
						tx_work);

	mutex_lock(&tp->tx_mutex);
	tx_flush(tp, true);
	mutex_unlock(&tp->tx_mutex);
}

/*
 * Sends a CLOSE frame if the socket takes it at once.  The session is torn
 * down right after by the caller; a peer that misses the frame still sees
 * the connection end and, if we were a member, our leave.
 */
void comm_tcp_bye(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = comm_tcp(peer);
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT };
	struct krg_comm_wire_frame h;
	struct comm_frame_out f;
	u8 tag[TAG_LEN];
	struct kvec vec[2];
	int i;

	/* A sender stuck on a full socket holds tx_mutex: wait a little. */
	for (i = 0; !mutex_trylock(&tp->tx_mutex); i++) {
		if (i >= 5)
			return;
		msleep(20);
	}
	/* A frame cannot be cut: the CLOSE goes only after a whole one. */
	if (tp->sock && (!tp->tx.busy || !tx_push(tp, false))) {
		comm_rel_close_frame(peer, &f);
		comm_frame_fill_header(&h, &f, ++tp->tx_ctr);
		comm_auth_frame_tag(tp->ks, comm_cfg.self, tp->tx_ctr, tag, &h,
				    sizeof(h), NULL, 0);
		vec[0].iov_base = &h;
		vec[0].iov_len = sizeof(h);
		vec[1].iov_base = tag;
		vec[1].iov_len = sizeof(tag);
		kernel_sendmsg(tp->sock, &msg, vec, 2, sizeof(h) + sizeof(tag));
	}
	mutex_unlock(&tp->tx_mutex);
}

void comm_tcp_io_reset(struct comm_tcp_peer *tp)
{
	if (tp->tx.busy)
		tx_done(&tp->tx);
	memzero_explicit(&tp->tx.tc, sizeof(tp->tx.tc));
	comm_frame_rx_reset(&tp->rx);
}

/* ---- receiving ------------------------------------------------------------- */

static int sock_read(void *ctx, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	int ret = kernel_recvmsg(ctx, &msg, &vec, 1, len, MSG_DONTWAIT);

	if (ret == -EAGAIN)
		return 0;
	/*
	 * End of stream or any socket error (reset, abort by ss -K, timeout):
	 * the connection is lost, which is not a bad frame from the peer.
	 */
	return ret > 0 ? ret : -ECONNRESET;
}

void comm_tcp_rx_work(struct work_struct *work)
{
	struct comm_tcp_peer *tp = container_of(work, struct comm_tcp_peer,
						rx_work);
	struct comm_peer *peer = tp->peer;
	int budget = 256, ret = 0;
	u8 *buf;

	mutex_lock(&tp->rx_mutex);
	while (tp->sock && budget--) {
		ret = comm_frame_rx_step(&tp->rx, tp->ks, peer->id, sock_read,
					 tp->sock, &buf);
		if (ret <= 0)
			break;
		ret = comm_rel_rx(peer, (const void *)tp->rx.hdr, buf);
		if (ret)
			break;
		ret = 1;
	}
	if (ret < 0 && tp->sock) {
		if (ret == -EKEYREJECTED)
			comm_peer_count_auth_failure(peer);
		if (ret != -ECONNRESET) {
			comm_peer_count_drop(peer);
			pr_warn_ratelimited("node %u: bad frame (%d), dropping the connection\n",
					    peer->id, ret);
		}
		comm_frame_rx_reset(&tp->rx);
		comm_tcp_drop_session(tp, ret);
	} else if (ret > 0) {
		queue_work(comm_io_wq, &tp->rx_work);	/* budget used up */
	}
	mutex_unlock(&tp->rx_mutex);
}
