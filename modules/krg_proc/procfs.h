/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster-wide /proc of the environment: remote /proc/<pid> entries
 * (procfs.c, served by procfs_serve.c) and the machine-wide files
 * (cluster_stat.c).
 */
#ifndef _KRGP_PROCFS_H
#define _KRGP_PROCFS_H

#include <linux/types.h>

struct dentry;
struct pid_namespace;

/* krg_hooks proc_lookup. */
struct dentry *krgp_proc_lookup(struct pid_namespace *ns, struct dentry *dentry,
				pid_t tgid);
void krgp_procfs_init(void);
void krgp_procfs_exit(void);
/* Inodes of remote entries alive now (debugfs). */
unsigned long krgp_procfs_tracked(void);

/* /proc/kerrighed/{cluster,nodes/<N>}/{meminfo,stat,loadavg,cpuinfo,uptime}. */
int krgp_cluster_stat_init(void);
void krgp_cluster_stat_exit(void);
/* Membership: per-node directories come and go. */
void krgp_cluster_stat_node(u32 node, bool online);

#endif /* _KRGP_PROCFS_H */
