/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kerrighed capabilities of cluster processes (rules in
 * include/uapi/linux/krg_proc.h, enum krg_cap).
 */
#ifndef _KRGP_CAPS_H
#define _KRGP_CAPS_H

#include <linux/types.h>
#include <uapi/linux/krg_proc.h>

struct task_struct;
struct krgp_wire_cred;

/* Hooks (atomic): a new process inherits, a dead one is forgotten. */
void krgp_caps_fork(struct task_struct *child, unsigned long clone_flags);
void krgp_caps_exit(struct task_struct *t);

/* The capabilities of a process running here (by cluster PID). */
int krgp_caps_get_local(pid_t pid, struct krg_caps *caps);
/* Does the current task (a cluster process) have cap effective? */
bool krgp_caps_current_has(enum krg_cap cap);
void krgp_caps_set_local(struct task_struct *t, const struct krg_caps *caps);

/*
 * Read or change the capabilities of cluster process pid wherever it runs,
 * on behalf of the credentials who (checked on the process's node).
 */
int krgp_caps_get(pid_t pid, const struct krgp_wire_cred *who,
		  struct krg_caps *caps);
int krgp_caps_set(pid_t pid, const struct krgp_wire_cred *who,
		  const struct krg_caps *caps);

/* Node defaults (the capabilities of every job's first process). */
int krgp_caps_set_default(const struct krg_caps *caps);
void krgp_caps_get_default(struct krg_caps *caps);
/* Validates the subset rules; -EINVAL or -ENOSYS (unknown bits). */
int krgp_caps_check(const struct krg_caps *caps);

/* Processes whose capability record could not be allocated at fork. */
extern atomic_long_t krgp_caps_nomem;

/* Forgets every process (the environment ended). */
void krgp_caps_clear(void);

int krgp_caps_init(void);
void krgp_caps_exit_module(void);

#endif /* _KRGP_CAPS_H */
