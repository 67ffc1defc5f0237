#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Signals sent while a process moves are delivered exactly once
# (mig_count.c).  Two senders, on nodes 1 and 3, sigqueue() SIGRTMIN+4 to
# the receiver every 4 ms, each with values of its own range (a sequence
# number each), while the receiver moves 1 -> 2 -> 1 -> 2 -> 3 -> 1.  Every
# sigqueue() must succeed (the process exists all along), and the receiver
# must end with exactly the values the senders sent: none lost, none twice.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 4
SIG=38		# SIGRTMIN+4 (glibc's SIGRTMIN is 34)

R=$(start 1 recv "$MD/mig_count" recv "$SIG") || die "the receiver did not start"
wait_until 30 "the receiver" has_out recv '^ready ' || die "receiver: $(out_of recv)"
S1=$(start 1 send1 "$MD/mig_count" send "$R" "$SIG" 1 4) &&
	S3=$(start 3 send3 "$MD/mig_count" send "$R" "$SIG" 500001 4) || die "the senders did not start"
wait_until 30 "both senders" eval 'has_out send1 "^sending " && has_out send3 "^sending "' ||
	die "senders: $(out_of send1) $(out_of send3)"
log "receiver $R, senders $S1 (node 1) and $S3 (node 3)"

moves() {
	local from=1 to rc=0
	for to in 2 1 2 3 1; do
		migrated "$from" "$R" "$to" || rc=1
		from=$to
	done
	runs_on "$R" 1 || rc=1
	return $rc
}
tap_check "moved 1->2->1->2->3->1 while two senders signalled it: every krg migrate exits 0, back on node 1" moves

sig TERM "$S1" "$S3"
wait_until 30 "the senders to stop" eval 'has_out send1 "^ok " && has_out send3 "^ok "' ||
	die "senders did not stop: $(out_of send1 | head -c 300) $(out_of send3 | head -c 300)"
sent=$(out_of send1 | grep '^sent '; out_of send3 | grep '^sent ')
log "senders: $(tr '\n' ';' <<<"$sent")"
senders_ok() {
	local n
	n=$(sed -n 's/^sent n=[0-9]* ok=\([0-9]*\) failed=0 .*/\1/p' <<<"$sent" | awk '$1 >= 20' | wc -l)
	[ "$n" = 2 ]
}
tap_check "every sigqueue() of both senders succeeded during the moves (20 at least each)" senders_ok

# the union of the senders' values, as ranges a-b,c
want=$( (out_of send1; out_of send3) | sed -n 's/^ok //p' | tr ',' '\n' | grep -v '^-$' | sort -n | paste -sd,)
total=$( (out_of send1; out_of send3) | sed -n 's/^sent n=[0-9]* ok=\([0-9]*\) .*/\1/p' | paste -sd+)
total=$((total))
count_line() { out_of recv | grep '^count ' | tail -n 1; }
all_in() {
	sig USR2 "$R" >/dev/null && [ "$(count_line | sed -n 's/^count n=\([0-9]*\) .*/\1/p')" -ge "$total" ]
}
exactly_once() {
	local got c
	wait_until 30 "the receiver to count $total values" all_in
	c=$(count_line)
	got=$(out_of recv | grep '^values ' | tail -n 1 | sed 's/^values //')
	log "receiver: $c; values $(head -c 200 <<<"$got"); sent $(head -c 200 <<<"$want")"
	[[ $c =~ ^count\ n=$total\ dups=0\ bad=0\  ]] && [ "$got" = "$want" ]
}
tap_check "the receiver got each of the $total values exactly once (none lost, none twice)" exactly_once
tap_check "the receiver ran its handler on node 1 at the end" \
	eval 'count_line | grep -q " node=$(nexec 1 -- uname -n)$"'
tap_exit
