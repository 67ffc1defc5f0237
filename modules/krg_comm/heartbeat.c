// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm failure detector.  Every heartbeat (the failure timeout / 5,
 * 20 ms .. 1 s) each connected peer gets a PING (its PONG measures the RTT,
 * reliable.c); a member not heard from for the failure timeout is declared
 * FAILED (membership.c), and a silent session of a non-member is closed.
 * The same tick ends calls whose deadline passed and trims the buffer cache.
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

static void hb_one(struct comm_peer *peer, unsigned long timeout)
{
	bool silent, up;
	int st;

	spin_lock_bh(&peer->lock);
	silent = time_after(jiffies, peer->rel.last_heard + timeout);
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
	struct comm_peer *peer;
	u32 pos = 0;

	if (!comm_running())
		return;
	for (; (peer = comm_peer_next(&pos)); pos++) {
		hb_one(peer, timeout);
		comm_peer_put(peer);
	}
	comm_rpc_reap();
	comm_buf_trim(false);
	queue_delayed_work(comm_io_wq, &hb_work, msecs_to_jiffies(comm_hb_ms()));
}

void comm_hb_start(void)
{
	queue_delayed_work(comm_io_wq, &hb_work, 0);
}

void comm_hb_stop(void)
{
	cancel_delayed_work_sync(&hb_work);
}
