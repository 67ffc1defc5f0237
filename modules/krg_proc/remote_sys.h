/* SPDX-License-Identifier: GPL-2.0 */
/* getpgid/getsid/getpriority/setpriority on remote processes (remote_sys.c). */
#ifndef _KRGP_REMOTE_SYS_H
#define _KRGP_REMOTE_SYS_H

#include "krg_hooks/krg_hooks.h"

#define KRGP_SYS_NRS 7
extern const int krgp_sys_nrs[KRGP_SYS_NRS];

enum krg_sys_verdict krgp_sys_override(struct krg_sys_call *call, long *ret);
long krgp_sys_deferred(const struct krg_sys_call *call);

#endif /* _KRGP_REMOTE_SYS_H */
