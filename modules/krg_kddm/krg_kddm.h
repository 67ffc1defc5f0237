/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_kddm: the Kernel Distributed Data Manager: object sets, coherence
 * protocol, IO linkers.
 *
 * This header is the module's whole interface to the modules above it.
 */
#ifndef _KRG_KDDM_H
#define _KRG_KDDM_H

#include <linux/types.h>

/*
 * Bump on every incompatible change to this header: a module built against
 * another value refuses to load on top of this one.
 */
#define KRG_KDDM_ABI 1

/* Returns KRG_KDDM_ABI as this module was built. */
u32 krg_kddm_abi(void);

#endif /* _KRG_KDDM_H */
