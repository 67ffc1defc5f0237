/* SPDX-License-Identifier: GPL-2.0 */
/* Signals across nodes (signal.c). */
#ifndef _KRGP_SIGNAL_H
#define _KRGP_SIGNAL_H

struct krg_signal_req;

/* krg_hooks signal_remote. */
int krgp_signal_remote(const struct krg_signal_req *req);
bool krgp_signal_divert(struct task_struct *t);

#endif /* _KRGP_SIGNAL_H */
