/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constants shared by the krg_hooks test consumer (kernel) and the test
 * programs (user space) in tests/hooks/.
 */
#ifndef _KRG_HOOKS_TEST_H
#define _KRG_HOOKS_TEST_H

#define KRG_TEST_DEBUGFS	"/sys/kernel/debug/krg_hooks_test"

/* getsid(KRG_TEST_MAGIC_SKIP) is skipped and returns KRG_TEST_SKIP_RET. */
#define KRG_TEST_MAGIC_SKIP	0x4b5201
#define KRG_TEST_SKIP_RET	4242
/* getpgid(KRG_TEST_MAGIC_DEFER) is deferred to task_work: KRG_TEST_DEFER_RET. */
#define KRG_TEST_MAGIC_DEFER	0x4b5202
#define KRG_TEST_DEFER_RET	4343
/* A remote signal to this pid is answered with -ESRCH by the consumer. */
#define KRG_TEST_SIG_ESRCH_PID	3999999
/* The consumer diverts signals to a local task of this name (signal_divert). */
#define KRG_TEST_DIVERT_COMM	"krg-divert"
/*
 * The /proc entries the consumer adds in the cluster namespace: one below the
 * test's local PIDs (merged in PID order), one after them all.
 */
#define KRG_TEST_PROC_TGID_LOW	2
#define KRG_TEST_PROC_TGID	4000000

#endif
