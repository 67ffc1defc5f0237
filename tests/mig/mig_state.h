/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mig_state.h: the parts of mig_state (mig_state.c: memory, process
 * attributes, the loop and the report; mig_state_fds.c: file descriptors;
 * mig_state_sig.c: signals).  A check fills WHY (WHY bytes) and returns
 * false on a mismatch; FULL: the report's complete check (with reads and
 * writes), else the loop's cheap one.
 */
#ifndef MIG_STATE_H
#define MIG_STATE_H

#include <signal.h>
#include <stdbool.h>

#include "mig_util.h"

#define WHY		512
#define ALT_SIZE	(64 * 1024)

__attribute__((format(printf, 2, 3)))
bool bad(char *why, const char *fmt, ...);
void *map_or_die(size_t len, int flags, int fd);
extern char state_dir[2048];

/* mig_state_fds.c: 37: DIR/NAME.data O_RDWR at offset 4321; 38: the same
 * file O_WRONLY|O_APPEND, close-on-exec; 39: DIR (O_DIRECTORY); 40:
 * /dev/null (close-on-exec); 41: /dev/zero; 42: /dev/urandom (close-on-exec).
 */
void fds_setup(const char *name);
extern unsigned long long fds_appended;
bool check_fd_set(bool full, char *why);
bool check_fd_data(bool full, char *why);
bool check_fd_append(bool full, char *why);
bool check_fd_dir(bool full, char *why);
bool check_fd_devs(bool full, char *why);

/* mig_state_sig.c */
extern volatile sig_atomic_t usr1_count, want_report, want_hold, release, want_finish;
void sig_setup(void);
bool sig_drain(char *why);
bool check_handlers(bool full, char *why);
bool check_mask(bool full, char *why);
bool check_pending(bool full, char *why);
bool check_altstack(bool full, char *why);
bool check_usr1(bool full, char *why);

#endif /* MIG_STATE_H */
