/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm membership internals: the node state machine (membership.c), its
 * events and the notifiers (notifier.c), nodes add / del (memb_change.c),
 * the failure detector (heartbeat.c).
 */
#ifndef _KRG_COMM_MEMBERSHIP_H
#define _KRG_COMM_MEMBERSHIP_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/netlink.h>
#include <krg/krg_statemachine.h>

#include "krg_comm.h"

struct comm_peer;
struct dentry;

/* membership.c */
extern spinlock_t comm_memb_lock;	/* node states, events */
extern struct krg_sm comm_memb_sm;
int comm_memb_init(void);
void comm_memb_exit(void);
void comm_memb_start(void);		/* after configuration */
int comm_memb_state(u32 node);
/* comm_memb_lock held: moves @node to @to; false if it was not allowed. */
bool comm_memb_move(u32 node, int to);
/*
 * @node joins (nodes add), added under incarnation @inc: 0, -ESTALE (it
 * failed since the add checked it), or -EBUSY
 * (it is still leaving, or the events of its last departure are still
 * being delivered: try again later).
 */
int comm_memb_join(u32 node, u64 inc);
/* @node leaves (nodes del): ONLINE -> LEAVING. */
void comm_memb_part(u32 node);
/* A session with @peer is up (see the top of membership.c). */
void comm_memb_session_up(struct comm_peer *peer, bool fresh, bool first,
			  u64 inc);
void comm_memb_session_down(struct comm_peer *peer);
/* @peer sent CLOSE: it unloads. */
void comm_memb_peer_gone(struct comm_peer *peer);
/* ONLINE or LEAVING @peer is declared FAILED (silence, add rollback). */
void comm_memb_declare_failed(struct comm_peer *peer);

/* notifier.c */
void comm_events_init(void);
void comm_events_exit(void);
/* comm_memb_lock held: @event of @node happened (never fails). */
void comm_events_record(u32 node, int event);
/* comm_memb_lock held: room for the events of one more join of @node. */
bool comm_events_room(u32 node);
void comm_events_debugfs(struct dentry *dir);

/* memb_change.c */
int comm_memb_change_init(void);
void comm_memb_change_exit(void);
int comm_memb_add(const krg_nodemask_t *set, struct netlink_ext_ack *extack);
int comm_memb_del(const krg_nodemask_t *set, struct netlink_ext_ack *extack);
/* Module unload: leave if a member, say CLOSE to every peer. */
void comm_memb_leave(void);

/* heartbeat.c */
u32 comm_hb_ms(void);
void comm_hb_start(void);
void comm_hb_stop(void);

#endif /* _KRG_COMM_MEMBERSHIP_H */
