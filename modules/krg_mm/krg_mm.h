/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_mm: distributed memory: remote paging for migrated processes, SysV
 * shm DSM.
 *
 * This header is the module's whole interface to the modules above it.
 */
#ifndef _KRG_MM_H
#define _KRG_MM_H

#include <linux/types.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_MM_ABI 1

/* Returns KRG_MM_ABI as this module was built. */
u32 krg_mm_abi(void);

#endif /* _KRG_MM_H */
