/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_fs: file access forwarding for migrated processes, reopen on shared
 * file systems.
 *
 * This header is the module's whole interface to the modules above it.
 */
#ifndef _KRG_FS_H
#define _KRG_FS_H

#include <linux/types.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_FS_ABI 1

/* Returns KRG_FS_ABI as this module was built. */
u32 krg_fs_abi(void);

#endif /* _KRG_FS_H */
