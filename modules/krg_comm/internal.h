/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm internals for the files that use most of them (netlink.c,
 * test.c): every internal header, and what those two files define.  The
 * other files include only the headers of the concepts they use.
 */
#ifndef _KRG_COMM_INTERNAL_H
#define _KRG_COMM_INTERNAL_H

#include <net/netlink.h>

#include "auth.h"
#include "buf.h"
#include "config.h"
#include "krg_comm.h"
#include "membership.h"
#include "peer.h"
#include "reliable.h"
#include "rpc.h"
#include "transport.h"

/* netlink.c */
int krg_nl_init(void);
void krg_nl_exit(void);
void krg_nl_event(u32 node, int state, int event);

#endif /* _KRG_COMM_INTERNAL_H */
