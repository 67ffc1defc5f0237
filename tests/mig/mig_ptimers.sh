#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# POSIX timers move with their process (mig_ptimers.c): periodic ones that
# signal the process or one of its threads (SIGEV_THREAD_ID), one-shot
# ones an hour away on CLOCK_REALTIME and CLOCK_BOOTTIME (SIGEV_NONE), a
# timer never armed and one disarmed, with a gap in the ids.  The process
# moves 1->2 (a new restorer creates them again), then home 2->1 (its
# stub does); after each move /proc/self/timers reads as before, every
# timer has its id, setting and time left, the periodic ones go on firing
# with their siginfo and never more often than their period allows (a
# copy left behind would add signals).  A move refused after the timers
# were stopped (an eventfd two fds hold) leaves them running where they
# were; the next timer_create gives the next id at the end.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 2
tap_plan 5

P=$(start 1 ptm "$MD/mig_ptimers") && P=$(ready_pid ptm) && [ -n "$P" ] ||
	die "mig_ptimers did not start: $(out_of ptm | tr '\n' ';')"
ptm_report() { ok_report ptm "$P" "$1"; }
ptm_report 1 || die "mig_ptimers is not well on node 1"

tap_check "moved 1->2: every timer with its id, setting, time left and signals" \
	eval 'migrated 1 "$P" 2 && runs_on "$P" 2 && ptm_report 2'
tap_check "home 2->1 into its stub: the same, no copy left firing on node 2" \
	eval 'migrated 1 "$P" 1 && runs_on "$P" 1 && ptm_report 1'

tap_check "a move refused after the timers stopped: they run again on node 1" \
	eval 'hup_said ptm "$P" "dup 41" &&
		refused "$P" 2 "fd 40 is an eventfd another fd or process holds too" &&
		runs_on "$P" 1 && hup_said ptm "$P" "undup 41" && ptm_report 1'
tap_check "then moved 1->2, well" \
	eval 'migrated 1 "$P" 2 && runs_on "$P" 2 && ptm_report 2'
done_ok() {
	sig TERM "$P" && wait_until 30 "mig_ptimers to end" has_out ptm '^done ' &&
		has_out ptm '^done ok=1 id=7$'
}
tap_check "SIGTERM: a new timer gets the next id, 7" done_ok
tap_exit
