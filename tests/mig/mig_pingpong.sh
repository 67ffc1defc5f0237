#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Back-to-back moves between two nodes, each started the moment the last
# one returned: the copy a process leaves on a node may still be exiting
# when it comes back there, and its home's stub is still finishing the
# restore of the process when the next request arrives.  Neither may fail
# a move ("PID taken", "lacks CAN_MIGRATE"): 20 moves 1->2->1... of a
# process whose home is node 1 and 20 of one whose home is node 3, issued
# on node 1 in one loop; then each process still runs where it should and
# handles a signal there.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 4
ROUNDS=10

# pingpong PID A B: ROUNDS times "krg migrate PID B; krg migrate PID A" on
# node 1, at once one after the other; prints the failures.
pingpong() {
	on 1 --timeout 300 'p=$1 a=$2 b=$3 n=$4 fail=0
		for i in $(seq "$n"); do
			for to in "$b" "$a"; do
				out=$("$KRG" migrate "$p" "$to" 2>&1) || { fail=$((fail + 1)); echo "move $i to $to: $out"; }
			done
		done
		echo "failed=$fail"' "$1" "$2" "$3" "$ROUNDS"
}

P=$(start_blocked 1 pp1 pause) || die "mig_block did not start on node 1"
Q=$(start_blocked 3 pp3 pause) || die "mig_block did not start on node 3"
out=$(pingpong "$P" 1 2)
log "home node 1: $(tr '\n' ';' <<<"$out")"
tap_check "$((2 * ROUNDS)) back-to-back moves 1<->2 of a process whose home is node 1: none failed" \
	grep -qx 'failed=0' <<<"$out"
out=$(pingpong "$Q" 1 2)
log "home node 3: $(tr '\n' ';' <<<"$out")"
tap_check "$((1 + 2 * ROUNDS)) moves 3->2->1->2->1... of a process whose home is node 3: none failed" \
	eval 'migrated 3 "$Q" 1 && grep -qx "failed=0" <<<"$out"'
tap_check "both run on node 1 afterwards" all_on 1 "$P" "$Q"
handled() { sig USR1 "$P" "$Q" && wait_until 30 "both to handle SIGUSR1" \
	eval 'has_out pp1 "^return 1 .*usr1=1 node=$(nexec 1 -- uname -n) " && has_out pp3 "^return 1 .*usr1=1 "'; }
tap_check "each handled SIGUSR1 once, on node 1" handled
tap_exit
