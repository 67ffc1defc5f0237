/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_comm known-answer self-tests (selftest.c), compiled in only when the
 * modules are built with KRG_SELFTEST=1 (debug builds, the test bed's debug
 * kernel): they run first at module load and the module refuses to load
 * (-ENOTRECOVERABLE) if one fails.
 */
#ifndef _KRG_COMM_SELFTEST_H
#define _KRG_COMM_SELFTEST_H

#ifdef KRG_SELFTEST
int comm_selftests(void);
#else
static inline int comm_selftests(void)
{
	return 0;
}
#endif

#endif /* _KRG_COMM_SELFTEST_H */
