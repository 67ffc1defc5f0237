/* SPDX-License-Identifier: GPL-2.0 */
/* krg_proc's consumer of krg_hooks (hooks.c). */
#ifndef _KRGP_HOOKS_H
#define _KRGP_HOOKS_H

int krgp_hooks_init(void);
void krgp_hooks_exit(void);

#endif /* _KRGP_HOOKS_H */
