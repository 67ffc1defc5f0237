/* SPDX-License-Identifier: GPL-2.0 */
/* Membership as krg_proc sees it (leave.c). */
#ifndef _KRGP_LEAVE_H
#define _KRGP_LEAVE_H

#include <linux/types.h>

#include "krg_comm/krg_comm.h"

struct netlink_ext_ack;

/*
 * Before nodes leave: -EBUSY with the processes named
 * in extack if one runs cluster processes; with kill they are killed first
 * (-ETIMEDOUT if some are still there after 10 s).
 */
int krgp_leave_check(const krg_nodemask_t *nodes, bool kill,
		     struct netlink_ext_ack *extack);

int krgp_leave_init(void);
void krgp_leave_exit(void);

#endif /* _KRGP_LEAVE_H */
