/* SPDX-License-Identifier: GPL-2.0 */
/* wait() across nodes for a parent that moved away from its children (wait.c). */
#ifndef _KRGP_WAIT_H
#define _KRGP_WAIT_H

#include <linux/signal_types.h>
#include "krg_hooks/krg_hooks.h"

struct krgp_mproc;
struct krgp_req;

/* KRGP_OP_SIGNAL's reply to a forwarded SIGCHLD: the stub reaps the child. */
#define KRGP_SIG_REAP	1

/* At home, in the stub (stub.c): serve the queued waits; reap one child. */
void krgp_stub_serve_waits(struct krgp_mproc *mp);
void krgp_stub_reap(pid_t pid);
/* Under krgp_mproc_lock, as mp leaves the table. */
void krgp_stub_waits_flush(struct krgp_mproc *mp);
void krgp_serve_wait(struct krgp_req *req);

/*
 * Where the process runs, before a SIGCHLD from its stub is sent to t:
 * whether to send it (*send) and KRGP_SIG_REAP or 0; then krgp_wait_wake(t)
 * once it was sent or dropped.
 */
int krgp_wait_sigchld(struct task_struct *t, const kernel_siginfo_t *info, bool *send);
void krgp_wait_wake(struct task_struct *t);

/* wait4()/waitid() of a guest whose stub has children (remote_sys.c). */
bool krgp_wait_override(const struct krg_sys_call *call);
long krgp_wait_deferred(const struct krg_sys_call *call);

#endif /* _KRGP_WAIT_H */
