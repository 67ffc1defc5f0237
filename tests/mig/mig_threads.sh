#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multi-threaded processes move whole (mig_threads.c).  Six workers --
# computing, waiting on a condition variable, sleeping -- and a ticker
# thread move 1->2; a seventh worker is created on node 2; the process
# moves 2->3, then home 3->1 (into its stub, which creates the threads
# again, the one born on node 2 included).  After every move each worker
# still has its TID, its TLS value, its name and its signal mask, has made
# progress, and found its own memory intact; pthread_join() of every worker
# works at the end (clear_child_tid and futex wake-ups after the moves).
# mig_threads_many.sh: 42 threads, a refusal, a kill.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 6

P=$(start 1 thr "$MD/mig_threads" 6) && P=$(ready_pid thr) && [ -n "$P" ] ||
	die "mig_threads did not start: $(out_of thr | tr '\n' ';')"
thr_report thr "$P" 1 8 || die "mig_threads is not well on node 1"
tids0=$tids

tap_check "8 threads moved 1->2: every worker well, same TIDs" \
	eval 'migrated 1 "$P" 2 && runs_on "$P" 2 && thr_report thr "$P" 2 8 && [ "$tids" = "$tids0" ]'

# tgkill(P, worker 0, SIGUSR2) from node 3 (routed through the process's
# home, node 1, where its stub is) and from node 1 itself: worker 0 handles
# both on node 2, no other worker any.
thread_signal() {
	local w0=${tids0%%,*} n out
	for n in 3 1; do
		out=$(nexec "$n" --timeout 30 -- krg run -- "$PD/proc_sig" tgkill "$P" "$w0" USR2 2>&1)
		log "node$n: tgkill $P $w0 USR2: $out"
		grep -q ' rc=0$' <<<"$out" || return 1
	done
	thr_report thr "$P" 2 8 && [ "$(kv "$line" usr2)" = 2,0,0,0,0,0 ]
}
tap_check "tgkill to a worker from node 3 and from node 1 (its stub): handled by that thread on node 2" \
	thread_signal

spawned() {
	local before
	before=$(out_of thr | grep -c '^spawned ')
	sig HUP "$P" && wait_until 30 "a worker to start" \
		eval '[ "$(out_of thr | grep -c "^spawned ")" -gt '"$before"' ]' &&
		thr_report thr "$P" 2 9
}
tap_check "a worker created on node 2" spawned
tids1=$tids

tap_check "9 threads moved 2->3: every worker well, same TIDs" \
	eval 'migrated 1 "$P" 3 && runs_on "$P" 3 && thr_report thr "$P" 3 9 && [ "$tids" = "$tids1" ]'
tap_check "9 threads came home 3->1 into the stub: every worker well, same TIDs" \
	eval 'migrated 1 "$P" 1 && runs_on "$P" 1 && thr_report thr "$P" 1 9 && [ "$tids" = "$tids1" ]'

joined() {
	sig TERM "$P" && wait_until 30 "the workers to be joined" has_out thr '^joined ' &&
		has_out thr '^joined 7 failed=0$'
}
tap_check "SIGTERM: all 7 workers joined (pthread_join after the moves), none failed" joined

tap_exit
