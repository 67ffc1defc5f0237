// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm TCP transport: one authenticated connection per peer pair.
 *
 * Who connects: the node with the higher id dials the lower one (so two
 * nodes never race to connect to each other); the lower one only accepts.
 * A new authenticated connection from a peer replaces the old one (the
 * dialer only dials when it believes the old one dead, e.g. half-open).
 *
 * Connection states (peer->cstate), dialer side:
 *
 *      peer set          connect ok          handshake ok
 *   IDLE ------> CONNECTING ------> HANDSHAKE ------> ESTABLISHED
 *                   ^    | fail            | fail          | socket error, bad
 *                   |    v                 v               | frame, heartbeat
 *                   +- BACKOFF <-----------+---------------+ timeout
 *                    (100 ms, doubling, capped at 2 s, reset when established)
 *
 * Acceptor side: WAITING --(hello from the peer, handshake ok)--> ESTABLISHED
 * --(error)--> WAITING.  Handshakes of incoming connections run in their own
 * work items (struct krg_hs) and touch the peer only to install the session.
 *
 * Socket callbacks only queue work on krg_io_wq (WQ_MEM_RECLAIM):
 *   sk_data_ready   -> rx_work (read, verify, deliver frames)
 *   sk_state_change -> close_work (teardown; the dialer then backs off)
 * Sending happens in tx_work, or inline in the caller when tx_mutex is free.
 *
 * Reliability (see the wire format in include/uapi/linux/krg_comm.h): DATA
 * frames keep their seq until acked; a teardown puts the unacked frames back
 * at the head of the send queue; the peer's hello says what it has, so only
 * the missing frames are sent again, and the receiver drops any seq it has
 * already delivered.  If either side restarted (incarnation mismatch) both
 * start afresh and the calls pending on the old incarnation fail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/in.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "internal.h"

struct krg_hs {
	struct list_head list;
	struct socket *sock;
	struct work_struct work;
};

static struct socket *krg_listen_sock;
static void (*krg_listen_saved_data_ready)(struct sock *sk);
static struct work_struct krg_accept_work;
static LIST_HEAD(krg_hs_list);
static DEFINE_SPINLOCK(krg_hs_lock);
static unsigned int krg_hs_count;
static bool krg_listening;

static void krg_set_cstate(struct krg_peer *peer, int cstate)
{
	WRITE_ONCE(peer->cstate, cstate);
}

/* ---- blocking helpers for the handshake --------------------------------- */

static void krg_sock_timeouts(struct socket *sock, long timeo)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_rcvtimeo = timeo;
	sk->sk_sndtimeo = timeo;
	release_sock(sk);
}

static int krg_send_all(struct socket *sock, struct kvec *vec, size_t nr,
			size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };
	int ret = kernel_sendmsg(sock, &msg, vec, nr, len);

	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EPIPE;	/* partial: frame boundary lost */
}

static int krg_recv_all(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret = kernel_recvmsg(sock, &msg, &vec, 1, len, MSG_WAITALL);

	if (ret < 0)
		return ret;
	return ret == len ? 0 : -ECONNRESET;
}

static void krg_hello_fill(struct krg_comm_wire_hello *h, int type, u32 dst,
			   struct krg_peer *peer)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(KRG_COMM_WIRE_MAGIC);
	h->version = cpu_to_le16(KRG_COMM_WIRE_VERSION);
	h->type = cpu_to_le16(type);
	h->cluster_id = cpu_to_le32(krg_cfg.cluster_id);
	h->src_node = cpu_to_le32(krg_cfg.self);
	h->dst_node = cpu_to_le32(dst);
	h->incarnation = cpu_to_le64(krg_cfg.incarnation);
	if (peer) {
		spin_lock_bh(&peer->lock);
		h->peer_incarnation = cpu_to_le64(peer->incarnation);
		h->ack = cpu_to_le64(peer->rx_seq);
		spin_unlock_bh(&peer->lock);
	}
	get_random_bytes(h->nonce, sizeof(h->nonce));
}

/* Structure checks only: nothing in it is trusted before the MAC. */
static bool krg_hello_valid(const struct krg_comm_wire_hello *h, int type)
{
	return le32_to_cpu(h->magic) == KRG_COMM_WIRE_MAGIC &&
	       le16_to_cpu(h->version) == KRG_COMM_WIRE_VERSION &&
	       le16_to_cpu(h->type) == type &&
	       le32_to_cpu(h->cluster_id) == krg_cfg.cluster_id &&
	       le32_to_cpu(h->dst_node) == krg_cfg.self &&
	       le32_to_cpu(h->src_node) < KRG_MAX_NODES && !h->flags &&
	       h->incarnation;
}

#define KRG_HELLO_MACED offsetof(struct krg_comm_wire_hello, mac)

static int krg_mac_resp(u8 *out, const char *label,
			const struct krg_comm_wire_hello *m1,
			const struct krg_comm_wire_hello *m2,
			const struct krg_comm_wire_hello *m3)
{
	u8 buf[2 * KRG_COMM_HELLO_LEN];

	memcpy(buf, m1, KRG_COMM_HELLO_LEN);
	if (m3) {
		memcpy(buf + KRG_COMM_HELLO_LEN, m2, KRG_COMM_HELLO_LEN);
		return krg_auth_mac(krg_cfg.key_tfm, out, label, strlen(label),
				    buf, 2 * KRG_COMM_HELLO_LEN, m3,
				    KRG_HELLO_MACED);
	}
	return krg_auth_mac(krg_cfg.key_tfm, out, label, strlen(label), buf,
			    KRG_COMM_HELLO_LEN, m2, KRG_HELLO_MACED);
}

static void krg_count_auth_failure(struct krg_peer *peer)
{
	atomic64_inc(&krg_cfg.auth_failures);
	if (peer) {
		spin_lock_bh(&peer->lock);
		peer->st.auth_failures++;
		spin_unlock_bh(&peer->lock);
	}
}

/* ---- session install / teardown ----------------------------------------- */

static void krg_sk_data_ready(struct sock *sk)
{
	struct krg_peer *peer;

	read_lock_bh(&sk->sk_callback_lock);
	peer = sk->sk_user_data;
	if (peer)
		queue_work(krg_io_wq, &peer->rx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void krg_sk_state_change(struct sock *sk)
{
	struct krg_peer *peer;

	read_lock_bh(&sk->sk_callback_lock);
	peer = sk->sk_user_data;
	if (peer) {
		switch (sk->sk_state) {
		case TCP_CLOSE:
		case TCP_CLOSE_WAIT:
		case TCP_FIN_WAIT1:
		case TCP_LAST_ACK:
			krg_tcp_drop_session(peer, -ECONNRESET);
			break;
		}
		peer->saved_state_change(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Called with conn_mutex held. */
static void krg_teardown(struct krg_peer *peer)
{
	struct socket *sock = peer->sock;
	struct sock *sk;

	if (!sock)
		return;
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = peer->saved_data_ready;
	sk->sk_state_change = peer->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	/* Wakes a sender blocked in this socket so tx_mutex comes free. */
	kernel_sock_shutdown(sock, SHUT_RDWR);

	mutex_lock(&peer->tx_mutex);
	mutex_lock(&peer->rx_mutex);
	spin_lock_bh(&peer->lock);
	peer->sock = NULL;
	peer->gen++;
	list_splice_init(&peer->unacked, &peer->txq);
	peer->need_ack = peer->need_ping = peer->need_pong = false;
	spin_unlock_bh(&peer->lock);
	memzero_explicit(peer->ks, sizeof(peer->ks));
	krg_buf_free(peer->rx_buf);
	peer->rx_buf = NULL;
	peer->rx_off = 0;
	mutex_unlock(&peer->rx_mutex);
	mutex_unlock(&peer->tx_mutex);
	sock_release(sock);

	krg_set_cstate(peer, peer->dialer ? KRG_CONN_BACKOFF : KRG_CONN_WAITING);
	krg_memb_session_down(peer);
}

static void krg_schedule_connect(struct krg_peer *peer)
{
	unsigned int ms;

	if (!peer->dialer || READ_ONCE(peer->dead) || !krg_comm_running())
		return;
	ms = clamp(peer->backoff_ms * 2, (unsigned int)KRG_BACKOFF_MIN_MS,
		   (unsigned int)KRG_BACKOFF_MAX_MS);
	peer->backoff_ms = ms;
	ms += get_random_u32_below(ms / 4 + 1);
	krg_set_cstate(peer, KRG_CONN_BACKOFF);
	queue_delayed_work(krg_io_wq, &peer->connect_work, msecs_to_jiffies(ms));
}

static void krg_close_work(struct work_struct *work)
{
	struct krg_peer *peer = container_of(work, struct krg_peer, close_work);

	mutex_lock(&peer->conn_mutex);
	if (peer->sock && READ_ONCE(peer->close_gen) == peer->gen) {
		krg_teardown(peer);
		krg_schedule_connect(peer);
	}
	mutex_unlock(&peer->conn_mutex);
}

/* Any context: the current session is broken, tear it down soon. */
void krg_tcp_drop_session(struct krg_peer *peer, int err)
{
	WRITE_ONCE(peer->close_gen, READ_ONCE(peer->gen));
	pr_debug("node %u: session dropped (%d)\n", peer->id, err);
	queue_work(krg_io_wq, &peer->close_work);
}

/* Frees what the other side can never ack: messages of an old relationship. */
static void krg_reset_seq(struct krg_peer *peer, struct list_head *drop)
{
	struct krg_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, &peer->txq, list) {
		if (!msg->seq)
			continue;
		list_move_tail(&msg->list, drop);
		peer->q_frames--;
		peer->q_bytes -= msg->len;
	}
	peer->tx_seq = 0;
	peer->rx_seq = 0;
	peer->rx_ack_sent = 0;
}

static void krg_trim_acked(struct krg_peer *peer, u64 ack, struct list_head *drop)
{
	struct krg_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, &peer->txq, list) {
		if (!msg->seq || msg->seq > ack)
			continue;
		list_move_tail(&msg->list, drop);
		peer->q_frames--;
		peer->q_bytes -= msg->len;
	}
}

static int krg_session_install(struct krg_peer *peer, struct socket *sock,
			       const u8 *ks, const struct krg_comm_wire_hello *h)
{
	u64 inc = le64_to_cpu(h->incarnation);
	struct krg_msg *msg, *tmp;
	bool cont, restarted, first;
	LIST_HEAD(drop);
	struct sock *sk;

	mutex_lock(&peer->conn_mutex);
	if (READ_ONCE(peer->dead) || !krg_comm_running()) {
		mutex_unlock(&peer->conn_mutex);
		return -ESHUTDOWN;
	}
	krg_teardown(peer);

	mutex_lock(&peer->tx_mutex);
	mutex_lock(&peer->rx_mutex);
	spin_lock_bh(&peer->lock);
	cont = peer->incarnation == inc &&
	       le64_to_cpu(h->peer_incarnation) == krg_cfg.incarnation;
	restarted = peer->incarnation && peer->incarnation != inc;
	/*
	 * Neither side ever had a session with the other (since it was last
	 * declared failed): nothing shared can have been lost.  Membership
	 * decides whether that is the first session of a known member.
	 */
	first = !peer->incarnation && !h->peer_incarnation;
	if (cont) {
		krg_trim_acked(peer, le64_to_cpu(h->ack), &drop);
	} else {
		peer->incarnation = inc;
		krg_reset_seq(peer, &drop);
	}
	peer->sock = sock;
	memcpy(peer->ks, ks, sizeof(peer->ks));
	peer->tx_ctr = 0;
	peer->rx_ctr = 0;
	peer->rx_off = 0;
	peer->gen++;
	peer->backoff_ms = 0;
	peer->last_heard = jiffies;
	if (peer->ever_connected)
		peer->st.reconnects++;
	peer->ever_connected = true;
	spin_unlock_bh(&peer->lock);
	wake_up_all(&peer->space_wq);

	sk = sock->sk;
	lock_sock(sk);
	sk->sk_rcvtimeo = 0;
	sk->sk_sndtimeo = 10 * HZ;
	sk->sk_allocation = GFP_NOFS;
	sk->sk_use_task_frag = false;
	release_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	peer->saved_data_ready = sk->sk_data_ready;
	peer->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = peer;
	sk->sk_data_ready = krg_sk_data_ready;
	sk->sk_state_change = krg_sk_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	if (restarted)
		krg_rpc_peer_reset(peer);
	mutex_unlock(&peer->rx_mutex);
	mutex_unlock(&peer->tx_mutex);
	krg_set_cstate(peer, KRG_CONN_ESTABLISHED);

	list_for_each_entry_safe(msg, tmp, &drop, list) {
		list_del(&msg->list);
		krg_msg_put(msg);
	}
	krg_memb_session_up(peer, !cont, first, inc);
	mutex_unlock(&peer->conn_mutex);

	pr_debug("node %u: session up (%s)\n", peer->id,
		 cont ? "resumed" : "new");
	queue_work(krg_io_wq, &peer->rx_work);
	queue_work(krg_io_wq, &peer->tx_work);
	/* The socket may have died before the callbacks were in place. */
	if (sk->sk_state != TCP_ESTABLISHED)
		krg_tcp_drop_session(peer, -ECONNRESET);
	return 0;
}

/* ---- dialer --------------------------------------------------------------- */

static int krg_dial_handshake(struct krg_peer *peer, struct socket *sock)
{
	struct krg_comm_wire_hello *m;	/* m[0..2]: the three messages */
	u8 mac[KRG_COMM_MAC_LEN], ks[KRG_COMM_MAC_LEN];
	struct kvec vec;
	int ret;

	m = kmalloc_array(3, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	krg_hello_fill(&m[0], KRG_HELLO_HELLO, peer->id, peer);
	vec.iov_base = &m[0];
	vec.iov_len = sizeof(m[0]);
	ret = krg_send_all(sock, &vec, 1, sizeof(m[0]), 0);
	if (ret)
		goto out;
	ret = krg_recv_all(sock, &m[1], sizeof(m[1]));
	if (ret)
		goto out;
	if (!krg_hello_valid(&m[1], KRG_HELLO_CHALLENGE) ||
	    le32_to_cpu(m[1].src_node) != peer->id) {
		atomic64_inc(&krg_cfg.dropped);
		ret = -EPROTO;
		goto out;
	}
	ret = krg_mac_resp(mac, "krg-resp-a", &m[0], &m[1], NULL);
	if (ret)
		goto out;
	if (!krg_auth_equal(mac, m[1].mac)) {
		krg_count_auth_failure(peer);
		pr_warn_ratelimited("node %u failed authentication (wrong cluster key?)\n",
				    peer->id);
		ret = -EACCES;
		goto out;
	}
	krg_hello_fill(&m[2], KRG_HELLO_RESPONSE, peer->id, peer);
	memcpy(m[2].nonce, m[0].nonce, KRG_COMM_NONCE_LEN);
	ret = krg_mac_resp(m[2].mac, "krg-resp-d", &m[0], &m[1], &m[2]);
	if (ret)
		goto out;
	vec.iov_base = &m[2];
	ret = krg_send_all(sock, &vec, 1, sizeof(m[2]), 0);
	if (ret)
		goto out;
	ret = krg_auth_session_key(ks, m[0].nonce, m[1].nonce, krg_cfg.self,
				   peer->id);
	if (!ret)
		ret = krg_session_install(peer, sock, ks, &m[1]);
	memzero_explicit(ks, sizeof(ks));
out:
	kfree(m);
	return ret;
}

static void krg_connect_work(struct work_struct *work)
{
	struct krg_peer *peer = container_of(to_delayed_work(work),
					     struct krg_peer, connect_work);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct socket *sock;
	int ret;

	if (READ_ONCE(peer->dead) || !krg_comm_running() ||
	    READ_ONCE(peer->sock))
		return;
	krg_set_cstate(peer, KRG_CONN_CONNECTING);
	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		goto retry;
	sock->sk->sk_allocation = GFP_NOFS;
	sock->sk->sk_use_task_frag = false;
	krg_sock_timeouts(sock, msecs_to_jiffies(KRG_HANDSHAKE_TIMEOUT_MS));
	tcp_sock_set_nodelay(sock->sk);
	sin.sin_addr.s_addr = peer->addr;
	sin.sin_port = htons(peer->port);
	ret = kernel_connect(sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret)
		goto release;
	krg_set_cstate(peer, KRG_CONN_HANDSHAKE);
	ret = krg_dial_handshake(peer, sock);
	if (!ret)
		return;
release:
	sock_release(sock);
retry:
	pr_debug("node %u: connect failed (%d)\n", peer->id, ret);
	mutex_lock(&peer->conn_mutex);
	if (!peer->sock)
		krg_schedule_connect(peer);
	mutex_unlock(&peer->conn_mutex);
}

/* ---- acceptor ------------------------------------------------------------- */

static int krg_accept_handshake(struct socket *sock)
{
	struct krg_comm_wire_hello *m;
	u8 mac[KRG_COMM_MAC_LEN], ks[KRG_COMM_MAC_LEN];
	struct krg_peer *peer = NULL;
	struct sockaddr_in sin;
	struct kvec vec;
	u32 src;
	int ret;

	m = kmalloc_array(3, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	pr_debug("handshake: waiting for hello\n");
	ret = krg_recv_all(sock, &m[0], sizeof(m[0]));
	if (ret)
		goto drop;
	src = le32_to_cpu(m[0].src_node);
	pr_debug("handshake: hello from node %u\n", src);
	if (!krg_hello_valid(&m[0], KRG_HELLO_HELLO) || src <= krg_cfg.self) {
		ret = -EPROTO;
		goto drop;
	}
	peer = krg_peer_get(src);
	ret = -ENOENT;
	if (!peer || kernel_getpeername(sock, (struct sockaddr *)&sin) < 0 ||
	    sin.sin_addr.s_addr != peer->addr)
		goto drop;

	krg_hello_fill(&m[1], KRG_HELLO_CHALLENGE, src, peer);
	ret = krg_mac_resp(m[1].mac, "krg-resp-a", &m[0], &m[1], NULL);
	if (ret)
		goto out;
	vec.iov_base = &m[1];
	vec.iov_len = sizeof(m[1]);
	ret = krg_send_all(sock, &vec, 1, sizeof(m[1]), 0);
	if (ret)
		goto out;
	ret = krg_recv_all(sock, &m[2], sizeof(m[2]));
	pr_debug("handshake: response from node %u (%d)\n", src, ret);
	if (ret)
		goto out;
	if (!krg_hello_valid(&m[2], KRG_HELLO_RESPONSE) ||
	    le32_to_cpu(m[2].src_node) != src ||
	    m[2].incarnation != m[0].incarnation) {
		ret = -EPROTO;
		goto drop;
	}
	ret = krg_mac_resp(mac, "krg-resp-d", &m[0], &m[1], &m[2]);
	if (ret)
		goto out;
	if (!krg_auth_equal(mac, m[2].mac)) {
		krg_count_auth_failure(peer);
		pr_warn_ratelimited("connection claiming node %u failed authentication (wrong cluster key?)\n",
				    src);
		ret = -EACCES;
		goto out;
	}
	ret = krg_auth_session_key(ks, m[0].nonce, m[1].nonce, src,
				   krg_cfg.self);
	if (!ret)
		ret = krg_session_install(peer, sock, ks, &m[0]);
	memzero_explicit(ks, sizeof(ks));
	goto out;
drop:
	atomic64_inc(&krg_cfg.dropped);
	if (peer) {
		spin_lock_bh(&peer->lock);
		peer->st.dropped++;
		spin_unlock_bh(&peer->lock);
	}
out:
	krg_peer_put(peer);
	kfree(m);
	return ret;
}

static void krg_hs_work(struct work_struct *work)
{
	struct krg_hs *hs = container_of(work, struct krg_hs, work);
	int ret = krg_accept_handshake(hs->sock);

	spin_lock_bh(&krg_hs_lock);
	list_del(&hs->list);
	krg_hs_count--;
	spin_unlock_bh(&krg_hs_lock);
	if (ret) {
		pr_debug("incoming connection rejected (%d)\n", ret);
		sock_release(hs->sock);
	}
	kfree(hs);
}

static void krg_accept_work_fn(struct work_struct *work)
{
	struct socket *sock;
	struct krg_hs *hs;

	while (READ_ONCE(krg_listening) &&
	       !kernel_accept(krg_listen_sock, &sock, O_NONBLOCK)) {
		hs = kzalloc(sizeof(*hs), GFP_KERNEL);
		spin_lock_bh(&krg_hs_lock);
		if (!hs || krg_hs_count >= KRG_MAX_HANDSHAKES ||
		    !READ_ONCE(krg_listening)) {
			spin_unlock_bh(&krg_hs_lock);
			atomic64_inc(&krg_cfg.dropped);
			kfree(hs);
			sock_release(sock);
			continue;
		}
		krg_hs_count++;
		hs->sock = sock;
		/*
		 * The child inherited the listener's callbacks and user data:
		 * give it the plain ones back, or data arriving on it would
		 * only poke the accept work and never wake our recv.
		 */
		write_lock_bh(&sock->sk->sk_callback_lock);
		sock->sk->sk_user_data = NULL;
		sock->sk->sk_data_ready = krg_listen_saved_data_ready;
		write_unlock_bh(&sock->sk->sk_callback_lock);
		list_add(&hs->list, &krg_hs_list);
		spin_unlock_bh(&krg_hs_lock);
		sock->sk->sk_allocation = GFP_NOFS;
		sock->sk->sk_use_task_frag = false;
		krg_sock_timeouts(sock, msecs_to_jiffies(KRG_HANDSHAKE_TIMEOUT_MS));
		tcp_sock_set_nodelay(sock->sk);
		INIT_WORK(&hs->work, krg_hs_work);
		queue_work(krg_io_wq, &hs->work);
	}
}

static void krg_listen_data_ready(struct sock *sk)
{
	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data)
		queue_work(krg_io_wq, &krg_accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static int krg_tcp_start(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = krg_cfg.addr,
		.sin_port = htons(krg_cfg.port),
	};
	struct socket *sock;
	struct sock *sk;
	int ret;

	INIT_WORK(&krg_accept_work, krg_accept_work_fn);
	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		return ret;
	sk = sock->sk;
	sock_set_reuseaddr(sk);
	ret = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (!ret)
		ret = kernel_listen(sock, 64);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	krg_listen_sock = sock;
	WRITE_ONCE(krg_listening, true);
	write_lock_bh(&sk->sk_callback_lock);
	krg_listen_saved_data_ready = sk->sk_data_ready;
	sk->sk_user_data = sock;
	sk->sk_data_ready = krg_listen_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	queue_work(krg_io_wq, &krg_accept_work);
	return 0;
}

static void krg_tcp_stop(void)
{
	struct sock *sk;
	struct krg_hs *hs;

	if (!krg_listen_sock)
		return;
	WRITE_ONCE(krg_listening, false);
	sk = krg_listen_sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = krg_listen_saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_work_sync(&krg_accept_work);
	/* Wake the handshakes blocked in recv; they then end on their own. */
	spin_lock_bh(&krg_hs_lock);
	list_for_each_entry(hs, &krg_hs_list, list)
		kernel_sock_shutdown(hs->sock, SHUT_RDWR);
	spin_unlock_bh(&krg_hs_lock);
	flush_workqueue(krg_io_wq);
	sock_release(krg_listen_sock);
	krg_listen_sock = NULL;
}

/* ---- frames: send --------------------------------------------------------- */

/* Large payloads are handed to TCP in pieces of at most this size. */
#define KRG_TX_PIECE	(64U << 10)
/* Hashed, while TCP has no room, in steps of this size. */
#define KRG_HASH_STEP	(16U << 10)

/* @p (a krg_buf of a page or more) may go to kernel_sendpage. */
static bool krg_pages_ok(const void *p)
{
	if (is_vmalloc_addr(p))
		return true;
	/* kmalloc: only large ones (page allocator), never slab pages. */
	return virt_addr_valid(p) && sendpage_ok(virt_to_page(p));
}

/*
 * Hands TCP up to @len bytes at @p, without waiting for room unless @wait:
 * returns the bytes taken (> 0), -EAGAIN, or another -errno.  With @pages
 * (vmalloc or page-allocator memory, see krg_pages_ok) the bytes are not
 * copied: TCP takes references on the pages.  A DATA payload is never
 * written again and its buffer is recycled (krg_buf_free) or released
 * (zero-copy calls) only once the peer acknowledged the frame, i.e. received
 * these bytes, so TCP no longer needs them for a retransmission on this
 * connection; a page still referenced by a dead socket outlives the buffer
 * through its page count.
 */
static int krg_send_some(struct socket *sock, const u8 *p, size_t len,
			 bool pages, bool wait)
{
	int flags = MSG_NOSIGNAL | MSG_MORE | (wait ? 0 : MSG_DONTWAIT);
	struct msghdr msg = { .msg_flags = flags };
	size_t off, chunk, done = 0;
	struct kvec vec;
	struct page *page;
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

/*
 * Sends @len bytes at @p and hashes them into @tc.  The tag trails the
 * frame, so hashing may lag behind sending: it is done while TCP has no room
 * for more (the time a blocking send would sleep), and what is left at the
 * end.  The hash then costs the sender (mostly) time it would have waited.
 */
static int krg_send_hashed(struct socket *sock, struct krg_tag_ctx *tc,
			   const u8 *p, size_t len)
{
	bool pages = len >= PAGE_SIZE && krg_pages_ok(p);
	size_t sent = 0, hashed = 0, n;
	int ret;

	while (sent < len) {
		n = min_t(size_t, len - sent, KRG_TX_PIECE);
		ret = krg_send_some(sock, p + sent, n, pages, false);
		if (ret == -EAGAIN) {
			if (hashed < sent) {
				n = min_t(size_t, sent - hashed, KRG_HASH_STEP);
				krg_auth_tag_update(tc, p + hashed, n);
				hashed += n;
				continue;
			}
			ret = krg_send_some(sock, p + sent, n, pages, true);
		}
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		sent += ret;
	}
	krg_auth_tag_update(tc, p + hashed, len - hashed);
	return 0;
}

/*
 * A frame is header, payload, tag; the payload is @len bytes at @payload
 * followed by @ext_len bytes at @ext (a zero-copy call's data).  Small frames
 * go out in one sendmsg.  A large payload is hashed as it goes out
 * (krg_send_hashed), so that hashing overlaps the transmission instead of
 * delaying its start; page-backed buffers are sent from their pages.
 */
static int krg_send_frame(struct krg_peer *peer, struct krg_comm_wire_frame *hdr,
			  const void *payload, u32 len, const void *ext,
			  u32 ext_len, bool more)
{
	u8 tag[KRG_COMM_TAG_LEN];
	struct krg_tag_ctx tc;
	struct kvec vec[3];
	int ret;

	if (!ext_len && len < 2 * KRG_TX_PIECE) {
		krg_auth_frame_tag(peer->ks, krg_cfg.self, le64_to_cpu(hdr->ctr),
				   tag, hdr, sizeof(*hdr), payload, len);
		vec[0].iov_base = hdr;
		vec[0].iov_len = sizeof(*hdr);
		vec[1].iov_base = (void *)payload;
		vec[1].iov_len = len;
		vec[2].iov_base = tag;
		vec[2].iov_len = sizeof(tag);
		return krg_send_all(peer->sock, vec, 3,
				    sizeof(*hdr) + len + sizeof(tag),
				    more ? MSG_MORE : 0);
	}

	krg_auth_tag_init(&tc, peer->ks, krg_cfg.self, le64_to_cpu(hdr->ctr));
	krg_auth_tag_update(&tc, hdr, sizeof(*hdr));
	vec[0].iov_base = hdr;
	vec[0].iov_len = sizeof(*hdr);
	ret = krg_send_all(peer->sock, vec, 1, sizeof(*hdr), MSG_MORE);
	if (!ret)
		ret = krg_send_hashed(peer->sock, &tc, payload, len);
	if (!ret)
		ret = krg_send_hashed(peer->sock, &tc, ext, ext_len);
	krg_auth_tag_final(&tc, tag);
	if (ret)
		return ret;
	vec[0].iov_base = tag;
	vec[0].iov_len = sizeof(tag);
	return krg_send_all(peer->sock, vec, 1, sizeof(tag), more ? MSG_MORE : 0);
}

/*
 * Picks the next frame to send under peer->lock.  Returns the frame type or
 * 0 if nothing is to be sent; *msgp holds a reference for DATA.
 */
static int krg_next_frame(struct krg_peer *peer, struct krg_comm_wire_frame *h,
			  __le64 *ts, struct krg_msg **msgp, bool *more)
{
	struct krg_msg *msg;
	int type = 0;

	*msgp = NULL;
	memset(h, 0, sizeof(*h));
	if (peer->need_pong) {
		peer->need_pong = false;
		*ts = peer->pong_ts;
		type = KRG_FRAME_PONG;
	} else if (peer->need_ping) {
		peer->need_ping = false;
		peer->ping_ts = ktime_get_ns();
		*ts = cpu_to_le64(peer->ping_ts);
		type = KRG_FRAME_PING;
	} else if (!list_empty(&peer->txq)) {
		msg = list_first_entry(&peer->txq, struct krg_msg, list);
		list_move_tail(&msg->list, &peer->unacked);
		if (msg->seq)
			peer->st.retrans++;
		else
			msg->seq = ++peer->tx_seq;
		refcount_inc(&msg->ref);
		*msgp = msg;
		h->seq = cpu_to_le64(msg->seq);
		h->len = cpu_to_le32(msg->len);
		type = KRG_FRAME_DATA;
	} else if (peer->need_ack || peer->rx_seq > peer->rx_ack_sent) {
		type = KRG_FRAME_ACK;
	}
	if (!type)
		return 0;
	if (type == KRG_FRAME_PING || type == KRG_FRAME_PONG)
		h->len = cpu_to_le32(sizeof(*ts));
	peer->need_ack = false;
	peer->rx_ack_sent = peer->rx_seq;
	h->version = KRG_COMM_WIRE_VERSION;
	h->type = type;
	h->ctr = cpu_to_le64(++peer->tx_ctr);
	h->ack = cpu_to_le64(peer->rx_seq);
	peer->st.tx_frames++;
	peer->st.tx_bytes += KRG_COMM_FRAME_HDR_LEN + le32_to_cpu(h->len) +
			     KRG_COMM_TAG_LEN;
	*more = !list_empty(&peer->txq) || peer->need_pong || peer->need_ping;
	return type;
}

/* tx_mutex held. */
static void krg_tx_flush(struct krg_peer *peer)
{
	struct krg_comm_wire_frame h;
	struct krg_msg *msg;
	__le64 ts;
	bool more;
	int type, ret;

	while (peer->sock) {
		spin_lock_bh(&peer->lock);
		type = krg_next_frame(peer, &h, &ts, &msg, &more);
		spin_unlock_bh(&peer->lock);
		if (!type)
			return;
		if (msg) {
			ret = krg_send_frame(peer, &h, msg->data,
					     msg->len - msg->ext_len,
					     msg->zc ? msg->zc->data : NULL,
					     msg->ext_len, more);
			krg_msg_put(msg);
		} else {
			ret = krg_send_frame(peer, &h, &ts,
					     le32_to_cpu(h.len), NULL, 0, more);
		}
		if (ret) {
			krg_tcp_drop_session(peer, ret);
			return;
		}
	}
}

/* Sends now if nobody else is sending, else lets tx_work do it. */
void krg_tcp_try_send(struct krg_peer *peer)
{
	if (mutex_trylock(&peer->tx_mutex)) {
		krg_tx_flush(peer);
		mutex_unlock(&peer->tx_mutex);
	} else {
		queue_work(krg_io_wq, &peer->tx_work);
	}
}

static void krg_tx_work(struct work_struct *work)
{
	struct krg_peer *peer = container_of(work, struct krg_peer, tx_work);

	mutex_lock(&peer->tx_mutex);
	krg_tx_flush(peer);
	mutex_unlock(&peer->tx_mutex);
}

static void krg_ack_work(struct work_struct *work)
{
	struct krg_peer *peer = container_of(to_delayed_work(work),
					     struct krg_peer, ack_work);

	krg_tcp_try_send(peer);
}

/* ---- frames: receive ------------------------------------------------------ */

/* Reads up to @len more bytes into @buf; returns bytes read, 0 or -errno. */
static int krg_rx_some(struct krg_peer *peer, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	int ret = kernel_recvmsg(peer->sock, &msg, &vec, 1, len, MSG_DONTWAIT);

	if (ret == -EAGAIN)
		return 0;
	/*
	 * End of stream or any socket error (reset, abort by ss -K, timeout):
	 * the connection is lost, which is not a bad frame from the peer.
	 */
	if (ret <= 0) {
		pr_debug("node %u: connection lost (%d)\n", peer->id, ret);
		return -ECONNRESET;
	}
	return ret;
}

static int krg_rx_check_header(const struct krg_comm_wire_frame *h)
{
	u32 len = le32_to_cpu(h->len);

	if (h->version != KRG_COMM_WIRE_VERSION || h->flags)
		return -EBADMSG;
	switch (h->type) {
	case KRG_FRAME_DATA:
		return len && len <= KRG_COMM_MAX_PAYLOAD && h->seq ? 0 : -EBADMSG;
	case KRG_FRAME_PING:
	case KRG_FRAME_PONG:
		return len == sizeof(__le64) && !h->seq ? 0 : -EBADMSG;
	case KRG_FRAME_ACK:
	case KRG_FRAME_CLOSE:
		return !len && !h->seq ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

/* A complete, authenticated frame.  Consumes peer->rx_buf. */
static int krg_rx_frame(struct krg_peer *peer, const struct krg_comm_wire_frame *h)
{
	u32 len = le32_to_cpu(h->len);
	u64 seq = le64_to_cpu(h->seq);
	u8 *buf = peer->rx_buf;
	bool kick = false;
	int ret = 0;

	peer->rx_buf = NULL;
	if (le64_to_cpu(h->ctr) != peer->rx_ctr + 1) {
		krg_buf_free(buf);
		return -EBADMSG;	/* replayed or reordered frame */
	}
	peer->rx_ctr++;
	krg_peer_ack(peer, le64_to_cpu(h->ack));

	spin_lock_bh(&peer->lock);
	peer->st.rx_frames++;
	peer->st.rx_bytes += KRG_COMM_FRAME_HDR_LEN + len + KRG_COMM_TAG_LEN;
	peer->last_heard = jiffies;
	switch (h->type) {
	case KRG_FRAME_DATA:
		if (seq <= peer->rx_seq) {	/* resent, already delivered */
			spin_unlock_bh(&peer->lock);
			krg_buf_free(buf);
			return 0;
		}
		if (seq != peer->rx_seq + 1) {
			spin_unlock_bh(&peer->lock);
			krg_buf_free(buf);
			return -EPROTO;
		}
		peer->rx_seq = seq;
		kick = peer->rx_seq - peer->rx_ack_sent >= KRG_ACK_EVERY;
		spin_unlock_bh(&peer->lock);
		krg_rpc_rx(peer, buf, len);
		if (kick)
			queue_work(krg_io_wq, &peer->tx_work);
		else
			queue_delayed_work(krg_io_wq, &peer->ack_work,
					   msecs_to_jiffies(KRG_ACK_DELAY_MS));
		return 0;
	case KRG_FRAME_PING:
		memcpy(&peer->pong_ts, buf, sizeof(peer->pong_ts));
		peer->need_pong = true;
		kick = true;
		break;
	case KRG_FRAME_PONG: {
		__le64 ts;
		u64 rtt;

		memcpy(&ts, buf, sizeof(ts));
		if (le64_to_cpu(ts) == peer->ping_ts) {
			rtt = div_u64(ktime_get_ns() - peer->ping_ts, 1000);
			rtt = min_t(u64, rtt, U32_MAX);
			peer->srtt_us = peer->srtt_us ?
				(7 * (u64)peer->srtt_us + rtt) / 8 : rtt;
		}
		break;
	}
	case KRG_FRAME_CLOSE:
		ret = -ECONNRESET;
		break;
	}
	spin_unlock_bh(&peer->lock);
	krg_buf_free(buf);
	if (h->type == KRG_FRAME_CLOSE)
		krg_memb_peer_gone(peer);
	if (kick)
		queue_work(krg_io_wq, &peer->tx_work);
	return ret;
}

/* Returns 1 if a frame was handled, 0 if more bytes are needed, or -errno. */
static int krg_rx_step(struct krg_peer *peer)
{
	struct krg_comm_wire_frame *h = (void *)peer->rx_hdr;
	u32 hlen = KRG_COMM_FRAME_HDR_LEN, len;
	u8 tag[KRG_COMM_TAG_LEN];
	int ret;

	if (peer->rx_off < hlen) {
		ret = krg_rx_some(peer, peer->rx_hdr + peer->rx_off,
				  hlen - peer->rx_off);
		if (ret <= 0)
			return ret;
		peer->rx_off += ret;
		if (peer->rx_off < hlen)
			return 0;
		ret = krg_rx_check_header(h);
		if (ret)
			return ret;
		len = le32_to_cpu(h->len);
		peer->rx_len = len;
		if (len) {
			peer->rx_buf = krg_buf_alloc(len, GFP_NOFS);
			if (!peer->rx_buf)
				return -ENOMEM;
		}
		/* Hashed as it arrives (see krg_auth_tag_init). */
		krg_auth_tag_init(&peer->rx_tagctx, peer->ks, peer->id,
				  le64_to_cpu(h->ctr));
		krg_auth_tag_update(&peer->rx_tagctx, h, hlen);
	}
	len = peer->rx_len;
	if (peer->rx_off < hlen + len) {
		u8 *p = peer->rx_buf + peer->rx_off - hlen;

		ret = krg_rx_some(peer, p, hlen + len - peer->rx_off);
		if (ret <= 0)
			return ret;
		krg_auth_tag_update(&peer->rx_tagctx, p, ret);
		peer->rx_off += ret;
		if (peer->rx_off < hlen + len)
			return 0;
	}
	ret = krg_rx_some(peer, peer->rx_tag + peer->rx_off - hlen - len,
			  hlen + len + KRG_COMM_TAG_LEN - peer->rx_off);
	if (ret <= 0)
		return ret;
	peer->rx_off += ret;
	if (peer->rx_off < hlen + len + KRG_COMM_TAG_LEN)
		return 0;
	peer->rx_off = 0;
	krg_auth_tag_final(&peer->rx_tagctx, tag);
	if (!krg_auth_tag_equal(tag, peer->rx_tag)) {
		krg_count_auth_failure(peer);
		return -EBADMSG;
	}
	ret = krg_rx_frame(peer, h);
	return ret ? ret : 1;
}

static void krg_rx_work(struct work_struct *work)
{
	struct krg_peer *peer = container_of(work, struct krg_peer, rx_work);
	int budget = 256, ret = 0;

	mutex_lock(&peer->rx_mutex);
	while (peer->sock && budget--) {
		ret = krg_rx_step(peer);
		if (ret <= 0)
			break;
	}
	if (ret < 0 && peer->sock) {
		if (ret != -ECONNRESET) {
			atomic64_inc(&krg_cfg.dropped);
			spin_lock_bh(&peer->lock);
			peer->st.dropped++;
			spin_unlock_bh(&peer->lock);
			pr_warn_ratelimited("node %u: bad frame (%d), dropping the connection\n",
					    peer->id, ret);
		}
		krg_buf_free(peer->rx_buf);
		peer->rx_buf = NULL;
		peer->rx_off = 0;
		krg_tcp_drop_session(peer, ret);
	} else if (ret > 0) {
		queue_work(krg_io_wq, &peer->rx_work);	/* budget used up */
	}
	mutex_unlock(&peer->rx_mutex);
}

/* ---- ops ------------------------------------------------------------------ */

static void krg_tcp_peer_init(struct krg_peer *peer)
{
	INIT_WORK(&peer->tx_work, krg_tx_work);
	INIT_WORK(&peer->rx_work, krg_rx_work);
	INIT_WORK(&peer->close_work, krg_close_work);
	INIT_DELAYED_WORK(&peer->connect_work, krg_connect_work);
	INIT_DELAYED_WORK(&peer->ack_work, krg_ack_work);
	peer->cstate = peer->dialer ? KRG_CONN_BACKOFF : KRG_CONN_WAITING;
}

/*
 * Dials now (cutting a backoff short) unless a session is up.  Under
 * conn_mutex so that peer_destroy's last cancel sees the work queued.
 */
static void krg_tcp_peer_connect(struct krg_peer *peer)
{
	if (!peer->dialer)
		return;
	mutex_lock(&peer->conn_mutex);
	if (!READ_ONCE(peer->dead) && !peer->sock && krg_comm_running() &&
	    READ_ONCE(peer->cstate) == KRG_CONN_BACKOFF)
		mod_delayed_work(krg_io_wq, &peer->connect_work, 0);
	mutex_unlock(&peer->conn_mutex);
}

static void krg_tcp_peer_close(struct krg_peer *peer)
{
	mutex_lock(&peer->conn_mutex);
	krg_teardown(peer);
	krg_schedule_connect(peer);
	mutex_unlock(&peer->conn_mutex);
}

/*
 * Sends a CLOSE frame if the socket takes it at once.  The session is torn
 * down right after by the caller; a peer that misses the frame still sees
 * the connection end and, if we were a member, our leave.
 */
static void krg_tcp_peer_bye(struct krg_peer *peer)
{
	struct krg_comm_wire_frame h = {
		.version = KRG_COMM_WIRE_VERSION,
		.type = KRG_FRAME_CLOSE,
	};
	u8 tag[KRG_COMM_TAG_LEN];
	struct kvec vec[2];
	int i;

	/* A sender stuck on a full socket holds tx_mutex: wait a little. */
	for (i = 0; !mutex_trylock(&peer->tx_mutex); i++) {
		if (i >= 5)
			return;
		msleep(20);
	}
	if (peer->sock) {
		spin_lock_bh(&peer->lock);
		h.ctr = cpu_to_le64(++peer->tx_ctr);
		h.ack = cpu_to_le64(peer->rx_seq);
		spin_unlock_bh(&peer->lock);
		krg_auth_frame_tag(peer->ks, krg_cfg.self, le64_to_cpu(h.ctr),
				   tag, &h, sizeof(h), NULL, 0);
		vec[0].iov_base = &h;
		vec[0].iov_len = sizeof(h);
		vec[1].iov_base = tag;
		vec[1].iov_len = sizeof(tag);
		krg_send_all(peer->sock, vec, 2, sizeof(h) + sizeof(tag),
			     MSG_DONTWAIT);
	}
	mutex_unlock(&peer->tx_mutex);
}

static void krg_tcp_peer_kick(struct krg_peer *peer)
{
	queue_work(krg_io_wq, &peer->tx_work);
}

static void krg_tcp_peer_destroy(struct krg_peer *peer)
{
	/* peer->dead is set: nothing requeues connect_work or installs. */
	cancel_delayed_work_sync(&peer->connect_work);
	mutex_lock(&peer->conn_mutex);
	krg_teardown(peer);
	mutex_unlock(&peer->conn_mutex);
	/* Queued by whoever saw peer->dead false before we took conn_mutex. */
	cancel_delayed_work_sync(&peer->connect_work);
	cancel_work_sync(&peer->close_work);
	cancel_delayed_work_sync(&peer->ack_work);
	cancel_work_sync(&peer->tx_work);
	cancel_work_sync(&peer->rx_work);
	krg_set_cstate(peer, KRG_CONN_IDLE);
}

const struct krg_transport_ops krg_tcp_ops = {
	.name = "tcp",
	.start = krg_tcp_start,
	.stop = krg_tcp_stop,
	.peer_init = krg_tcp_peer_init,
	.peer_connect = krg_tcp_peer_connect,
	.peer_close = krg_tcp_peer_close,
	.peer_kick = krg_tcp_peer_kick,
	.peer_destroy = krg_tcp_peer_destroy,
	.peer_bye = krg_tcp_peer_bye,
};
