/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_sched: load balancing: probes, filters and policies, placement for
 * distant fork.
 *
 * This header is the module's whole interface to the modules above it.
 */
#ifndef _KRG_SCHED_H
#define _KRG_SCHED_H

#include <linux/types.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_SCHED_ABI 1

/* Returns KRG_SCHED_ABI as this module was built. */
u32 krg_sched_abi(void);

#endif /* _KRG_SCHED_H */
