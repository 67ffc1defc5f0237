/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the restore share (restore_state.c: the records, files,
 * the state applied at END; restore_mm.c: memory).
 */
#ifndef _KRGP_RESTORE_STATE_H
#define _KRGP_RESTORE_STATE_H

#include "migrate.h"

struct krgp_rvma {
	unsigned long start, end;
	bool writable, pages;		/* pages may come for it */
};

struct krgp_rs {
	struct krgp_restore_job *job;
	unsigned int last_rank;		/* krg_ghost_rank of the last record */
	bool hdr_seen, mm_cleared, files_cleared, ended;
	u64 nr_records, nr_pages;
	struct krgp_rvma *vmas;
	unsigned int nr_vmas, max_vmas, cursor;
	unsigned long last_end;
	int next_fd;
	int *holes;			/* placeholder fds to release */
	unsigned int nr_holes, max_holes;
	struct krg_gh_mm mm;
	char *exe, *cwd;
	u32 umask;
	struct krg_gh_creds *creds;	/* + groups */
	struct krg_gh_signals *sig;	/* + queued */
	struct krg_gh_time time;
	bool have_task, have_mm, have_fs, have_time;
	/* the file of the last file mapping (krgp_open_mapped) */
	struct file *map_file;
	char *map_path;
	int map_flags;
	bool map_same;
	struct krg_gh_ident map_ident;
	u64 map_end;			/* where its last mapping ends */
};

#define bad(rs, fmt, ...) ({ snprintf((rs)->job->why, KRGP_WHY_MAX, fmt, ##__VA_ARGS__); -EINVAL; })

struct file *krgp_open_same(struct krgp_rs *rs, const char *path, int flags,
			    const struct krg_gh_ident *id, bool same_content);
int krgp_rs_slot(struct krgp_rs *rs, u32 want, bool cloexec);
int krgp_rs_afd(struct krgp_rs *rs, const struct krg_ghost_item *it);
void krgp_vdso_range(struct mm_struct *mm, unsigned long *lo, unsigned long *hi);
int krgp_rs_vma(struct krgp_rs *rs, const struct krg_ghost_item *it);
int krgp_rs_pages(struct krgp_rs *rs, const struct krg_ghost_item *it);
int krgp_rs_mm_fields(struct krgp_rs *rs);
void krgp_own_task_apply(u64 robust_list, u64 clear_child_tid, u64 rseq, u32 rseq_sig,
			 const char *comm);
void krgp_own_signals_apply(u64 sas_sp, u64 sas_size, u32 sas_flags, u64 mask,
			    const struct krg_gh_sigqueued *q, u32 nr);

#endif /* _KRGP_RESTORE_STATE_H */
