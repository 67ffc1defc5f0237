/* SPDX-License-Identifier: GPL-2.0 */
/* The "krg_proc" generic netlink family (netlink.c). */
#ifndef _KRGP_NETLINK_H
#define _KRGP_NETLINK_H

int krgp_nl_init(void);
void krgp_nl_exit(void);

#endif /* _KRGP_NETLINK_H */
