// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm: node identity, membership, transport, RPC, failure detection
 * and authentication.  This file: module init and exit, in dependency
 * order, and the debugfs directory.
 *
 * Where things are:
 *   config.c        identity, key, CLUSTER_SET
 *   peer.c          the table of peers, PEER_SET / PEER_DEL
 *   auth.c          HMAC-SHA256, ChaCha20-Poly1305 frame tags
 *   handshake.c     the authenticated handshake of every session
 *   frame.c         frames on a byte stream: headers, receive parser
 *   tcp.c, tcp_io.c the TCP transport: connections; frames on the socket
 *   reliable.c      sequence numbers, acks, resend, send queues
 *   service.c       services, handlers, replies
 *   call.c          calls (sync, async, zero-copy), one-way messages
 *   multicall.c     multicast calls
 *   stream.c        messages cut in chunks and reassembled
 *   membership.c    node states; memb_change.c nodes add/del;
 *   notifier.c      events and notifiers; heartbeat.c failure detector
 *   buf.c           recycled large buffers
 *   selftest.c      known-answer self-tests (KRG_SELFTEST builds)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/seq_file.h>
#include <krg/krg_module.h>

#include "buf.h"
#include "config.h"
#include "internal.h"
#include "membership.h"
#include "peer.h"
#include "rpc.h"
#include "selftest.h"
#include "tcp.h"
#include "transport.h"

static struct krg_debugfs dbgfs;

struct workqueue_struct *comm_io_wq;
struct workqueue_struct *comm_handler_wq;
struct workqueue_struct *comm_memb_wq;
const struct comm_transport_ops *comm_transport = &comm_tcp_ops;

u32 krg_comm_abi(void)
{
	return KRG_COMM_ABI;
}
EXPORT_SYMBOL_GPL(krg_comm_abi);

/* debugfs "state_machines": "<machine> illegal <count>" per machine. */
static int state_machines_show(struct seq_file *m, void *v)
{
	static struct krg_sm *const machines[] = { &comm_memb_sm, &comm_tcp_sm };
	int i;

	for (i = 0; i < ARRAY_SIZE(machines); i++)
		seq_printf(m, "%s illegal %ld\n", machines[i]->name,
			   krg_sm_illegal(machines[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state_machines);

static void dbgfs_init(void)
{
	/* Optional: never fails the load. */
	krg_debugfs_init(&dbgfs, KBUILD_MODNAME, KRG_COMM_ABI);
	if (IS_ERR_OR_NULL(dbgfs.dir))
		return;
	debugfs_create_file("state_machines", 0400, dbgfs.dir, NULL,
			    &state_machines_fops);
	comm_events_debugfs(dbgfs.dir);
}

/*
 * Parts are set up in dependency order and unwound in reverse: each new part
 * adds its _init call here with a goto err_<part> to its predecessor's exit,
 * and its _exit call at the matching place in krg_comm_exit().
 */
static int __init krg_comm_init(void)
{
	int ret;

	ret = comm_selftests();
	if (ret)
		return ret;
	ret = -ENOMEM;
	comm_io_wq = alloc_workqueue("krg_io", WQ_MEM_RECLAIM | WQ_UNBOUND |
				     WQ_HIGHPRI, 0);
	if (!comm_io_wq)
		goto err_io;
	comm_handler_wq = alloc_workqueue("krg_handler", WQ_MEM_RECLAIM |
					  WQ_UNBOUND, 0);
	if (!comm_handler_wq)
		goto err_handler;
	comm_memb_wq = alloc_ordered_workqueue("krg_memb", WQ_MEM_RECLAIM);
	if (!comm_memb_wq)
		goto err_memb_wq;
	ret = comm_rpc_init();
	if (ret)
		goto err_rpc;
	ret = comm_memb_init();
	if (ret)
		goto err_memb;
	ret = krg_nl_init();
	if (ret)
		goto err_nl;

	dbgfs_init();
	pr_info("version %s loaded\n", KRG_VERSION);
	return 0;

err_nl:
	comm_memb_exit();
err_memb:
	comm_rpc_exit();
err_rpc:
	destroy_workqueue(comm_memb_wq);
err_memb_wq:
	destroy_workqueue(comm_handler_wq);
err_handler:
	destroy_workqueue(comm_io_wq);
err_io:
	return ret;
}

static void __exit krg_comm_exit(void)
{
	krg_debugfs_exit(&dbgfs);
	/* While everything still runs: tell the others we go. */
	comm_memb_leave();
	mutex_lock(&comm_cfg.lock);
	WRITE_ONCE(comm_cfg.shutting_down, true);
	mutex_unlock(&comm_cfg.lock);
	/* Wake every caller, so netlink ops in progress end quickly. */
	comm_rpc_fail_all(-ESHUTDOWN);
	comm_memb_exit();
	krg_nl_exit();
	if (comm_cfg.configured)
		comm_transport->stop();
	comm_peers_exit();
	flush_workqueue(comm_handler_wq);
	comm_rpc_fail_all(-ESHUTDOWN);
	comm_rpc_exit();
	destroy_workqueue(comm_memb_wq);
	destroy_workqueue(comm_handler_wq);
	destroy_workqueue(comm_io_wq);
	rcu_barrier();
	comm_buf_trim(true);
	comm_cfg_exit();
}

module_init(krg_comm_init);
module_exit(krg_comm_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KRG_VERSION);
MODULE_DESCRIPTION("Kerrighed node membership, transport and RPC");
MODULE_AUTHOR("The Kerrighed project");
