/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krginit's restorer (restorer.c): the child that becomes a process
 * migrating to this node.
 */
#ifndef _KRG_RESTORER_H
#define _KRG_RESTORER_H

#include <linux/krg_proc.h>

/*
 * Creates the restorer of job (from RESTORER_WAIT on env_fd) with the job's
 * PID; the child restores the process through RESTORE on env_fd and never
 * returns here.  A failure is logged: the kernel times the job out.
 */
void restorer_spawn(int env_fd, const struct krg_proc_restore_job *job);

#endif /* _KRG_RESTORER_H */
