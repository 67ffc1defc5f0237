// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm TCP transport: one authenticated connection per peer pair.
 *
 * Who connects: the node with the higher id dials the lower one (so two
 * nodes never race to connect to each other); the lower one only accepts.
 * A new authenticated connection from a peer replaces the old one (the
 * dialer only dials when it believes the old one dead, e.g. half-open).
 *
 * Connection states (enum krg_comm_conn_state, tp->cstate), changed only
 * through set_cstate(), which accepts the moves drawn here and no other
 * (WARN_ONCE and a counter in debugfs "state_machines" otherwise):
 *
 *   dialer:
 *                  peer set     connect()         handshake ok
 *            IDLE ---------> BACKOFF ------> CONNECTING ------> HANDSHAKE
 *                              ^  ^              | fail             |  |
 *                              |  +--------------+                  |  | ok
 *                              |  +------------- fail --------------+  v
 *                              |               socket error, bad    ESTABLISHED
 *                              +--- frame, heartbeat timeout -------+
 *            (backoff 100 ms, doubling, capped at 2 s, reset when established)
 *
 *   acceptor:
 *            IDLE ---------> WAITING <--- socket error ... ---+
 *                  peer set     |                             |
 *                               +-- hello, handshake ok --> ESTABLISHED
 *
 *   any state --(peer removed)--> IDLE
 *
 * Handshakes of incoming connections run in their own work items (struct
 * tcp_hs) and touch the peer only to install the session; an acceptor's
 * new session replaces the old one (ESTABLISHED -> WAITING -> ESTABLISHED).
 *
 * Socket callbacks only queue work on comm_io_wq (WQ_MEM_RECLAIM):
 *   sk_data_ready   -> rx_work (read, verify, deliver frames: tcp_io.c)
 *   sk_state_change -> close_work (teardown; the dialer then backs off)
 * Sending: tcp_io.c.  What survives a reconnect: reliable.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/in.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <krg/krg_statemachine.h>

#include "config.h"
#include "handshake.h"
#include "peer.h"
#include "tcp.h"
#include "transport.h"

#define HANDSHAKE_TIMEOUT_MS	2000
#define MAX_HANDSHAKES		32
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000

/* An incoming connection in its handshake. */
struct tcp_hs {
	struct list_head list;
	struct socket *sock;
	struct work_struct work;
};

static struct socket *listen_sock;
static void (*listen_saved_data_ready)(struct sock *sk);
static struct work_struct accept_work;
static LIST_HEAD(hs_list);
static DEFINE_SPINLOCK(hs_lock);
static unsigned int hs_count;
static bool listening;

/* ---- the connection state machine -------------------------------------- */

static const char *const cstate_names[] = {
	[KRG_CONN_IDLE] = "IDLE",
	[KRG_CONN_BACKOFF] = "BACKOFF",
	[KRG_CONN_CONNECTING] = "CONNECTING",
	[KRG_CONN_HANDSHAKE] = "HANDSHAKE",
	[KRG_CONN_ESTABLISHED] = "ESTABLISHED",
	[KRG_CONN_WAITING] = "WAITING",
};

#define CS(s)	BIT(KRG_CONN_##s)
/* cstate_moves[from]: the states it may go to (the diagram above). */
static const unsigned long cstate_moves[ARRAY_SIZE(cstate_names)] = {
	[KRG_CONN_IDLE]		= CS(BACKOFF) | CS(WAITING),
	[KRG_CONN_BACKOFF]	= CS(CONNECTING) | CS(IDLE),
	[KRG_CONN_CONNECTING]	= CS(HANDSHAKE) | CS(BACKOFF) | CS(IDLE),
	[KRG_CONN_HANDSHAKE]	= CS(ESTABLISHED) | CS(BACKOFF) | CS(IDLE),
	[KRG_CONN_ESTABLISHED]	= CS(BACKOFF) | CS(WAITING) | CS(IDLE),
	[KRG_CONN_WAITING]	= CS(ESTABLISHED) | CS(IDLE),
};

struct krg_sm comm_tcp_sm = KRG_SM_INIT("krg_comm tcp connection",
					cstate_names, cstate_moves);

/* conn_mutex held. */
static void set_cstate(struct comm_tcp_peer *tp, int to)
{
	lockdep_assert_held(&tp->conn_mutex);
	if (krg_sm_allowed(&comm_tcp_sm, tp->cstate, to))
		WRITE_ONCE(tp->cstate, to);
}

static int tcp_peer_conn_state(struct comm_peer *peer)
{
	return READ_ONCE(comm_tcp(peer)->cstate);
}

/* ---- blocking socket I/O for the handshake --------------------------------- */

static void sock_timeouts(struct socket *sock, long timeo)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_rcvtimeo = timeo;
	sk->sk_sndtimeo = timeo;
	release_sock(sk);
}

static int hs_send(void *ctx, const void *buf, size_t len)
{
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret = kernel_sendmsg(ctx, &msg, &vec, 1, len);

	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EPIPE;
}

static int hs_recv(void *ctx, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret = kernel_recvmsg(ctx, &msg, &vec, 1, len, MSG_WAITALL);

	if (ret < 0)
		return ret;
	return ret == len ? 0 : -ECONNRESET;
}

static bool hs_from_peer(void *ctx, const struct comm_peer *peer)
{
	struct sockaddr_in sin;

	return kernel_getpeername(ctx, (struct sockaddr *)&sin) >= 0 &&
	       sin.sin_addr.s_addr == peer->addr;
}

static void hs_io_init(struct comm_hs_io *io, struct socket *sock)
{
	io->send = hs_send;
	io->recv = hs_recv;
	io->from_peer = hs_from_peer;
	io->ctx = sock;
}

/* Options of every connection of ours, before its handshake. */
static void sock_prepare(struct socket *sock)
{
	sock->sk->sk_allocation = GFP_NOFS;
	sock->sk->sk_use_task_frag = false;
	sock_timeouts(sock, msecs_to_jiffies(HANDSHAKE_TIMEOUT_MS));
	tcp_sock_set_nodelay(sock->sk);
}

/* ---- session install / teardown ----------------------------------------- */

static void sk_data_ready(struct sock *sk)
{
	struct comm_tcp_peer *tp;

	read_lock_bh(&sk->sk_callback_lock);
	tp = sk->sk_user_data;
	if (tp)
		queue_work(comm_io_wq, &tp->rx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void sk_state_change(struct sock *sk)
{
	struct comm_tcp_peer *tp;

	read_lock_bh(&sk->sk_callback_lock);
	tp = sk->sk_user_data;
	if (tp) {
		switch (sk->sk_state) {
		case TCP_CLOSE:
		case TCP_CLOSE_WAIT:
		case TCP_FIN_WAIT1:
		case TCP_LAST_ACK:
			comm_tcp_drop_session(tp, -ECONNRESET);
			break;
		}
		tp->saved_state_change(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Ends the session, if any (conn_mutex held). */
static void teardown(struct comm_tcp_peer *tp)
{
	struct comm_peer *peer = tp->peer;
	struct socket *sock = tp->sock;
	struct sock *sk;

	if (!sock)
		return;
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = tp->saved_data_ready;
	sk->sk_state_change = tp->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	/* Wakes a sender blocked in this socket so tx_mutex comes free. */
	kernel_sock_shutdown(sock, SHUT_RDWR);

	mutex_lock(&tp->tx_mutex);
	mutex_lock(&tp->rx_mutex);
	tp->sock = NULL;
	tp->gen++;
	comm_tcp_io_reset(tp);
	comm_rel_session_down(peer);
	memzero_explicit(tp->ks, sizeof(tp->ks));
	mutex_unlock(&tp->rx_mutex);
	mutex_unlock(&tp->tx_mutex);
	sock_release(sock);

	set_cstate(tp, peer->dialer ? KRG_CONN_BACKOFF : KRG_CONN_WAITING);
	comm_rel_session_closed(peer);
}

/* Dialer, conn_mutex held, in BACKOFF: the next attempt after a while. */
static void schedule_connect(struct comm_tcp_peer *tp)
{
	struct comm_peer *peer = tp->peer;
	unsigned int ms;

	if (!peer->dialer || READ_ONCE(peer->dead) || !comm_running())
		return;
	ms = clamp(tp->backoff_ms * 2, (unsigned int)BACKOFF_MIN_MS,
		   (unsigned int)BACKOFF_MAX_MS);
	tp->backoff_ms = ms;
	ms += get_random_u32_below(ms / 4 + 1);
	queue_delayed_work(comm_io_wq, &tp->connect_work, msecs_to_jiffies(ms));
}

static void close_work(struct work_struct *work)
{
	struct comm_tcp_peer *tp = container_of(work, struct comm_tcp_peer,
						close_work);

	mutex_lock(&tp->conn_mutex);
	if (tp->sock && READ_ONCE(tp->close_gen) == tp->gen) {
		teardown(tp);
		schedule_connect(tp);
	}
	mutex_unlock(&tp->conn_mutex);
}

/* Any context: the current session is broken, tear it down soon. */
void comm_tcp_drop_session(struct comm_tcp_peer *tp, int err)
{
	WRITE_ONCE(tp->close_gen, READ_ONCE(tp->gen));
	pr_debug("node %u: session dropped (%d)\n", tp->peer->id, err);
	queue_work(comm_io_wq, &tp->close_work);
}

/* Owns @sock from now on (released here on failure). */
static int session_install(struct comm_tcp_peer *tp, struct socket *sock,
			   const struct comm_hs_result *res)
{
	struct comm_peer *peer = tp->peer;
	unsigned int flags;
	LIST_HEAD(drop);
	struct sock *sk;

	mutex_lock(&tp->conn_mutex);
	if (READ_ONCE(peer->dead) || !comm_running()) {
		mutex_unlock(&tp->conn_mutex);
		sock_release(sock);
		return -ESHUTDOWN;
	}
	teardown(tp);

	mutex_lock(&tp->tx_mutex);
	mutex_lock(&tp->rx_mutex);
	tp->sock = sock;
	memcpy(tp->ks, res->ks, sizeof(tp->ks));
	tp->tx_ctr = 0;
	comm_frame_rx_init(&tp->rx);
	tp->gen++;
	tp->backoff_ms = 0;
	flags = comm_rel_session_up(peer, &res->si, &drop);

	sk = sock->sk;
	lock_sock(sk);
	sk->sk_rcvtimeo = 0;
	sk->sk_sndtimeo = 10 * HZ;
	release_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	tp->saved_data_ready = sk->sk_data_ready;
	tp->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = tp;
	sk->sk_data_ready = sk_data_ready;
	sk->sk_state_change = sk_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	mutex_unlock(&tp->rx_mutex);
	mutex_unlock(&tp->tx_mutex);
	set_cstate(tp, KRG_CONN_ESTABLISHED);
	comm_rel_session_started(peer, flags, res->si.inc, &drop);
	mutex_unlock(&tp->conn_mutex);

	pr_debug("node %u: session up (%s)\n", peer->id,
		 flags & COMM_SESSION_RESUMED ? "resumed" : "new");
	queue_work(comm_io_wq, &tp->rx_work);
	queue_work(comm_io_wq, &tp->tx_work);
	/* The socket may have died before the callbacks were in place. */
	if (sk->sk_state != TCP_ESTABLISHED)
		comm_tcp_drop_session(tp, -ECONNRESET);
	return 0;
}

/* ---- dialer --------------------------------------------------------------- */

/* The attempt failed: back off (unless a session came meanwhile). */
static void connect_failed(struct comm_tcp_peer *tp, int ret)
{
	pr_debug("node %u: connect failed (%d)\n", tp->peer->id, ret);
	mutex_lock(&tp->conn_mutex);
	if (!tp->sock && tp->cstate != KRG_CONN_IDLE) {
		set_cstate(tp, KRG_CONN_BACKOFF);
		schedule_connect(tp);
	}
	mutex_unlock(&tp->conn_mutex);
}

/* Moves a dial attempt on from @from to @to; false if it must stop. */
static bool connect_step(struct comm_tcp_peer *tp, int from, int to)
{
	bool go;

	mutex_lock(&tp->conn_mutex);
	go = !READ_ONCE(tp->peer->dead) && comm_running() && !tp->sock &&
	     tp->cstate == from;
	if (go)
		set_cstate(tp, to);
	mutex_unlock(&tp->conn_mutex);
	return go;
}

static void connect_work(struct work_struct *work)
{
	struct comm_tcp_peer *tp = container_of(to_delayed_work(work),
						struct comm_tcp_peer,
						connect_work);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct comm_peer *peer = tp->peer;
	struct comm_hs_result res;
	struct comm_hs_io io;
	struct socket *sock;
	int ret;

	if (!connect_step(tp, KRG_CONN_BACKOFF, KRG_CONN_CONNECTING))
		return;
	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		goto fail;
	sock_prepare(sock);
	sin.sin_addr.s_addr = peer->addr;
	sin.sin_port = htons(peer->port);
	ret = kernel_connect(sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret)
		goto release;
	ret = -ESHUTDOWN;
	if (!connect_step(tp, KRG_CONN_CONNECTING, KRG_CONN_HANDSHAKE))
		goto release;
	hs_io_init(&io, sock);
	ret = comm_hs_dial(peer, &io, &res);
	if (!ret) {
		ret = session_install(tp, sock, &res);
		memzero_explicit(res.ks, sizeof(res.ks));
		if (!ret)
			return;
		goto fail;
	}
release:
	sock_release(sock);
fail:
	connect_failed(tp, ret);
}

/* ---- acceptor ------------------------------------------------------------- */

static void hs_work(struct work_struct *work)
{
	struct tcp_hs *hs = container_of(work, struct tcp_hs, work);
	struct comm_hs_result res = {};
	struct comm_hs_io io;
	int ret;

	hs_io_init(&io, hs->sock);
	ret = comm_hs_accept(&io, &res);
	spin_lock_bh(&hs_lock);
	list_del(&hs->list);
	hs_count--;
	spin_unlock_bh(&hs_lock);
	if (!ret) {
		ret = session_install(comm_tcp(res.peer), hs->sock, &res);
		memzero_explicit(res.ks, sizeof(res.ks));
		comm_peer_put(res.peer);
	} else {
		sock_release(hs->sock);
	}
	if (ret)
		pr_debug("incoming connection rejected (%d)\n", ret);
	kfree(hs);
}

static void accept_work_fn(struct work_struct *work)
{
	struct socket *sock;
	struct tcp_hs *hs;

	while (READ_ONCE(listening) &&
	       !kernel_accept(listen_sock, &sock, O_NONBLOCK)) {
		hs = kzalloc(sizeof(*hs), GFP_KERNEL);
		spin_lock_bh(&hs_lock);
		if (!hs || hs_count >= MAX_HANDSHAKES ||
		    !READ_ONCE(listening)) {
			spin_unlock_bh(&hs_lock);
			comm_peer_count_drop(NULL);
			kfree(hs);
			sock_release(sock);
			continue;
		}
		hs_count++;
		hs->sock = sock;
		/*
		 * The child inherited the listener's callbacks and user data:
		 * give it the plain ones back, or data arriving on it would
		 * only poke the accept work and never wake our recv.
		 */
		write_lock_bh(&sock->sk->sk_callback_lock);
		sock->sk->sk_user_data = NULL;
		sock->sk->sk_data_ready = listen_saved_data_ready;
		write_unlock_bh(&sock->sk->sk_callback_lock);
		list_add(&hs->list, &hs_list);
		spin_unlock_bh(&hs_lock);
		sock_prepare(sock);
		INIT_WORK(&hs->work, hs_work);
		queue_work(comm_io_wq, &hs->work);
	}
}

static void listen_data_ready(struct sock *sk)
{
	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data)
		queue_work(comm_io_wq, &accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static int tcp_start(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = comm_cfg.addr,
		.sin_port = htons(comm_cfg.port),
	};
	struct socket *sock;
	struct sock *sk;
	int ret;

	INIT_WORK(&accept_work, accept_work_fn);
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
	listen_sock = sock;
	WRITE_ONCE(listening, true);
	write_lock_bh(&sk->sk_callback_lock);
	listen_saved_data_ready = sk->sk_data_ready;
	sk->sk_user_data = sock;
	sk->sk_data_ready = listen_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	queue_work(comm_io_wq, &accept_work);
	return 0;
}

static void tcp_stop(void)
{
	struct tcp_hs *hs;
	struct sock *sk;

	if (!listen_sock)
		return;
	WRITE_ONCE(listening, false);
	sk = listen_sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = listen_saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_work_sync(&accept_work);
	/* Wake the handshakes blocked in recv; they then end on their own. */
	spin_lock_bh(&hs_lock);
	list_for_each_entry(hs, &hs_list, list)
		kernel_sock_shutdown(hs->sock, SHUT_RDWR);
	spin_unlock_bh(&hs_lock);
	flush_workqueue(comm_io_wq);
	sock_release(listen_sock);
	listen_sock = NULL;
}

/* ---- ops ------------------------------------------------------------------ */

static int tcp_peer_init(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = kzalloc(sizeof(*tp), GFP_KERNEL);

	if (!tp)
		return -ENOMEM;
	tp->peer = peer;
	mutex_init(&tp->conn_mutex);
	mutex_init(&tp->tx_mutex);
	mutex_init(&tp->rx_mutex);
	INIT_WORK(&tp->tx_work, comm_tcp_tx_work);
	INIT_WORK(&tp->rx_work, comm_tcp_rx_work);
	INIT_WORK(&tp->close_work, close_work);
	INIT_DELAYED_WORK(&tp->connect_work, connect_work);
	tp->cstate = KRG_CONN_IDLE;
	peer->xprt = tp;
	mutex_lock(&tp->conn_mutex);
	set_cstate(tp, peer->dialer ? KRG_CONN_BACKOFF : KRG_CONN_WAITING);
	mutex_unlock(&tp->conn_mutex);
	return 0;
}

/*
 * Dials now (cutting a backoff short) unless a session is up.  Under
 * conn_mutex so that peer_destroy's last cancel sees the work queued.
 */
static void tcp_peer_connect(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = comm_tcp(peer);

	if (!peer->dialer)
		return;
	mutex_lock(&tp->conn_mutex);
	if (!READ_ONCE(peer->dead) && !tp->sock && comm_running() &&
	    tp->cstate == KRG_CONN_BACKOFF)
		mod_delayed_work(comm_io_wq, &tp->connect_work, 0);
	mutex_unlock(&tp->conn_mutex);
}

/*
 * Ends the session if one is up; a dial in progress goes on (its session
 * starts afresh if the reliability layer forgot the peer meanwhile).
 */
static void tcp_peer_close(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = comm_tcp(peer);

	mutex_lock(&tp->conn_mutex);
	if (tp->sock) {
		teardown(tp);
		schedule_connect(tp);
	}
	mutex_unlock(&tp->conn_mutex);
}

static void tcp_peer_destroy(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = comm_tcp(peer);

	/* peer->dead is set: nothing requeues connect_work or installs. */
	cancel_delayed_work_sync(&tp->connect_work);
	mutex_lock(&tp->conn_mutex);
	teardown(tp);
	mutex_unlock(&tp->conn_mutex);
	/* Queued by whoever saw peer->dead false before we took conn_mutex. */
	cancel_delayed_work_sync(&tp->connect_work);
	cancel_work_sync(&tp->close_work);
	cancel_work_sync(&tp->tx_work);
	cancel_work_sync(&tp->rx_work);
	mutex_lock(&tp->conn_mutex);
	set_cstate(tp, KRG_CONN_IDLE);
	mutex_unlock(&tp->conn_mutex);
}

/* The last reference to @peer is gone: the work items are idle. */
static void tcp_peer_free(struct comm_peer *peer)
{
	struct comm_tcp_peer *tp = comm_tcp(peer);

	if (!tp)
		return;
	/* A kick after peer_destroy may have queued tx_work once more. */
	cancel_work_sync(&tp->tx_work);
	cancel_work_sync(&tp->rx_work);
	cancel_work_sync(&tp->close_work);
	peer->xprt = NULL;
	kfree(tp);
}

const struct comm_transport_ops comm_tcp_ops = {
	.name = "tcp",
	.start = tcp_start,
	.stop = tcp_stop,
	.peer_init = tcp_peer_init,
	.peer_destroy = tcp_peer_destroy,
	.peer_free = tcp_peer_free,
	.peer_connect = tcp_peer_connect,
	.peer_close = tcp_peer_close,
	.peer_kick = comm_tcp_kick,
	.peer_bye = comm_tcp_bye,
	.peer_conn_state = tcp_peer_conn_state,
};
