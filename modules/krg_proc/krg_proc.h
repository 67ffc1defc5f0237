/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_proc: cluster-wide processes: global PIDs, process table, remote
 * signals and wait, migration, distant fork, ghosts.
 *
 * This header is the module's whole interface to the modules above it.
 */
#ifndef _KRG_PROC_H
#define _KRG_PROC_H

#include <linux/types.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_PROC_ABI 1

/* Returns KRG_PROC_ABI as this module was built. */
u32 krg_proc_abi(void);

#endif /* _KRG_PROC_H */
