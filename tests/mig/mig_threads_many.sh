#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# More multi-threaded moves (mig_threads.c, mig_threads.sh for the basics):
# 40 workers and the ticker move 1->2->1 with their TIDs; a process whose
# thread has a file table of its own is refused, naming the thread, and
# stays well; a moved multi-threaded process killed from node 1 is gone
# from every node.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 3

many() {
	local M
	M=$(start 1 many "$MD/mig_threads" 40) && M=$(ready_pid many) && [ -n "$M" ] || return 1
	thr_report many "$M" 1 42 && local t0=$tids &&
		migrated 1 "$M" 2 && thr_report many "$M" 2 42 && [ "$tids" = "$t0" ] &&
		migrated 2 "$M" 1 && thr_report many "$M" 1 42 && [ "$tids" = "$t0" ] &&
		sig TERM "$M" && wait_until 60 "its 40 workers to be joined" has_out many '^joined 40 failed=0$'
}
tap_check "42 threads moved 1->2->1, then all 40 workers joined" many

unshared() {
	local U
	U=$(start 1 uns "$MD/mig_threads" --unshare-files 2) && U=$(ready_pid uns) && [ -n "$U" ] ||
		return 1
	refused "$U" 2 'thread [0-9]+ has a file table' && runs_on "$U" 1 && thr_report uns "$U" 1 4 &&
		sig KILL "$U"
}
tap_check "a thread with a file table of its own: refused, naming the thread; the process stays well" \
	unshared

kills() {
	local K
	K=$(start 1 kil "$MD/mig_threads" 3) && K=$(ready_pid kil) && [ -n "$K" ] || return 1
	migrated 1 "$K" 2 && sig KILL "$K" &&
		wait_until 20 "the killed process to be gone" nowhere "$K"
}
# nowhere PID: no node has a task of PID, and kill -0 finds none.
nowhere() {
	local n
	for n in $(all_nodes); do
		on "$n" --timeout 30 '! has_pid "$1" >/dev/null' "$1" || return 1
	done
	on 1 --timeout 30 'gone "$1"' "$1"
}
tap_check "a moved multi-threaded process killed from node 1: gone everywhere" kills
tap_exit
