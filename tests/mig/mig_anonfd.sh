#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Descriptors only a system call creates move with their process
# (mig_anonfd.c): two eventfds (one in semaphore mode), a signalfd with a
# signal pending for it, three timerfds (periodic, an hour away, expired
# and unread) and an epoll set watching four of them.  The process moves
# 1->2 (a new restorer creates them again), then home 2->1 (its stub
# does); after each move every fd has its number, flags, count, mask, timer
# and watches, and epoll_wait() sees what is ready.  An eventfd two fds
# hold is refused by name; the pending signal is read from the signalfd at
# the end.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 2
tap_plan 5

P=$(start 1 afd "$MD/mig_anonfd") && P=$(ready_pid afd) && [ -n "$P" ] ||
	die "mig_anonfd did not start: $(out_of afd | tr '\n' ';')"
afd_report() { ok_report afd "$P" "$1"; }
afd_report 1 || die "mig_anonfd is not well on node 1"

tap_check "moved 1->2: eventfd, signalfd, timerfd and epoll fds as they were" \
	eval 'migrated 1 "$P" 2 && runs_on "$P" 2 && afd_report 2'
tap_check "home 2->1 into its stub: the same" \
	eval 'migrated 1 "$P" 1 && runs_on "$P" 1 && afd_report 1'

tap_check "an eventfd two fds hold: refused, naming the fd; it stays on node 1" \
	eval 'hup_said afd "$P" "dup 47" &&
		refused "$P" 2 "fd 40 is an eventfd another fd or process holds too" && runs_on "$P" 1'
tap_check "the dup closed: moved 1->2, well" \
	eval 'hup_said afd "$P" "undup 47" && migrated 1 "$P" 2 && runs_on "$P" 2 && afd_report 2'
done_ok() {
	sig TERM "$P" && wait_until 30 "mig_anonfd to end" has_out afd '^done ' &&
		has_out afd '^done ok=1 signo=12$'
}
tap_check "SIGTERM: the SIGUSR2 pending since node 1 is read from the signalfd on node 2" done_ok
tap_exit
