// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm failure detector.  Every heartbeat (the failure timeout / 5,
 * 20 ms .. 1 s) each connected peer gets a PING (its PONG measures the RTT,
 * reliable.c); a member not heard from for the failure timeout is declared
 * FAILED (membership.c), and a silent session of a non-member is closed.
 * The same tick ends calls whose deadline passed and trims the buffer cache.
 *
 * A node that was itself stalled (its vCPU starved, a long non-preemptible
 * stretch) finds every peer "silent" when it runs again, because the frames
 * they sent meanwhile still wait in its receive queues.  So when the tick
 * runs more than half the failure timeout late, nobody is judged until two
 * heartbeats after the stall: the queued frames and a fresh PONG arrive
 * first.  A peer that really failed is declared so at most that much later.
 * Calls whose deadline passed during the stall wait as long (their replies
 * may be queued too).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>

#include "buf.h"
#include "config.h"
#include "membership.h"
#include "peer.h"
#include "rpc.h"
#include "transport.h"

u32 comm_hb_ms(void)
{
	return clamp_t(u32, READ_ONCE(comm_cfg.timeout_ms) / 5, 20, 1000);
}

static unsigned long hb_last;		/* jiffies of the previous tick */
static unsigned long hb_judge_from;	/* no judgement before (a stall) */

static void hb_one(struct comm_peer *peer, unsigned long timeout, bool judge)
{
	bool silent, up;
	int st;

	spin_lock_bh(&peer->lock);
	silent = judge && time_after(jiffies, peer->rel.last_heard + timeout);
	up = peer->up;
	spin_unlock_bh(&peer->lock);
	st = comm_memb_state(peer->id);
	if (silent && (st == KRG_NODE_ONLINE || st == KRG_NODE_LEAVING))
		comm_memb_declare_failed(peer);
	else if (silent && up)
		comm_transport->peer_close(peer);	/* dead session */
	else if (up)
		comm_rel_ping(peer);
}

static void hb_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(hb_work, hb_work_fn);

static void hb_work_fn(struct work_struct *work)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(comm_cfg.timeout_ms));
	unsigned long now = jiffies, late = now - hb_last;
	struct comm_peer *peer;
	bool judge;
	u32 pos = 0;

	if (!comm_running())
		return;
	if (late > timeout / 2) {
		hb_judge_from = now + 2 * msecs_to_jiffies(comm_hb_ms());
		pr_warn("this node was stalled for %u ms: no peer is judged silent for %u ms\n",
			jiffies_to_msecs(late), 2 * comm_hb_ms());
	}
	hb_last = now;
	judge = !time_before(now, hb_judge_from);
	for (; (peer = comm_peer_next(&pos)); pos++) {
		hb_one(peer, timeout, judge);
		comm_peer_put(peer);
	}
	if (judge)
		comm_rpc_reap();	/* the same holds for replies */
	comm_buf_trim(false);
	queue_delayed_work(comm_io_wq, &hb_work, msecs_to_jiffies(comm_hb_ms()));
}

void comm_hb_start(void)
{
	hb_last = jiffies;
	hb_judge_from = jiffies;
	queue_delayed_work(comm_io_wq, &hb_work, 0);
}

void comm_hb_stop(void)
{
	cancel_delayed_work_sync(&hb_work);
}
