#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One process and its whole state, moved 1 -> 2 -> 3 -> 1 (back to the node
# it was born on).  mig_state, a cluster process of node 1 that makes itself
# nobody, sets up memory of every kind, registers, TLS, signal state,
# process attributes and open files on /cluster, and checks them itself
# (mig_state.c lists them).  Each move: krg migrate exits 0 (run on the
# source, on a third node, on the target); the same PID runs on the target
# (krg ps, the PS dump and the node's own view of its processes); the
# program's report was written there (node name, boot id), every check
# passes, its loop went on from where it was (same seed, the counter
# grew); a SIGUSR1 sent afterwards ran its handler once, on the alternate
# stack.  The first and last moves happen while it holds known values in
# its registers in a spin loop (the report says the node changed during
# that spin).  At the end it takes its pending signals (SIGURG, then
# SIGRTMIN+10 with 1111 and 2222) and exits with every check passed.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 11

P=$(start 1 state "$MD/mig_state" "$D" state) || die "mig_state did not start"
log "mig_state: PID $P"
R=$D/state.report
seq_of() { sfs_read "$R" | sed -n 's/^seq //p'; }
val() { sed -n "s/^val $1 //p" <<<"$rep"; }
wait_until 60 "mig_state to set itself up" has_out state '^(ready|FAIL) ' || die "$(out_of state)"
has_out state '^ready ' || die "mig_state failed on node 1: $(out_of state)"
rep=$(sfs_read "$R")

# new_report: a fresh report (SIGUSR2) in $rep.
new_report() {
	local before
	before=$(seq_of)
	sig USR2 "$P" || return 1
	wait_until 30 "report $((before + 1)) of mig_state" eval '[ "$(seq_of)" -gt "$before" ]' || {
		log "mig_state's output: $(out_of state | tr '\n' ';')"
		return 1
	}
	rep=$(sfs_read "$R")
}
# all_checks: every check of the report passed (28 of them at least).
all_checks() {
	local bad
	bad=$(grep '^check .* bad' <<<"$rep")
	[ -z "$bad" ] && [ "$(grep -c '^check .* ok' <<<"$rep")" -ge 28 ] && return 0
	log "failed checks:"
	sed 's/^/#   /' <<<"$bad" >&2
	return 1
}
# written_on N: the report was written on node N.
written_on() {
	local want_id want_name
	want_id=$(boot_id "$1") want_name=$(nexec "$1" -- uname -n)
	[ "$(val boot_id)" = "$want_id" ] && [ "$(val node)" = "$want_name" ] && return 0
	log "report written on $(val node) (boot id $(val boot_id)), not node$1 ($want_name, $want_id)"
	return 1
}

baseline() {
	in_slice "$P" 1 && [ "$(val pid)" = "$P" ] && written_on 1 && all_checks && runs_on "$P" 1
}
tap_check "mig_state on node 1 (PID in node 1's slice): every check passes before any move" baseline
seed=$(val seed)

# hop FROM TO RUN_ON HOLD: move from node FROM to TO with krg migrate run on
# node RUN_ON, holding the registers in the spin loop if HOLD is 1; three
# results.
hop() {
	local from=$1 to=$2 on_node=$3 hold=$4 iter0 usr1_0 moved0 what=""
	iter0=$(val iter) usr1_0=$(val usr1) moved0=$(val holds_moved)
	if [ "$hold" = 1 ]; then
		what=", registers held in a spin loop"
		local want="hold $(($(val holds) + 1))"
		sig RTMIN+1 "$P" && wait_until 20 "mig_state to hold its registers" \
			eval '[ "$(sfs_read "$D/state.hold")" = "$want" ]' || log "mig_state did not hold"
	fi
	migrated "$on_node" "$P" "$to"
	tap_check "$from->$to: krg migrate $P $to on node $on_node exits 0 ($mig_ms ms$what)" test "$mig_rc" = 0
	[ "$hold" = 1 ] && sig RTMIN+2 "$P"
	tap_check "$from->$to: PID $P runs on node $to (krg ps, PS dump, node $to's own view)" runs_on "$P" "$to"
	state_kept() {
		sig USR1 "$P" && new_report || return 1
		log "report: iter $(val iter) (was $iter0), usr1 $(val usr1), holds $(val holds)" \
			"(moved $(val holds_moved)), spins $(val spins) (moved $(val spins_moved)), avx $(val avx)"
		written_on "$to" && all_checks || return 1
		[ "$(val pid)" = "$P" ] && [ "$(val seed)" = "$seed" ] && [ "$(val iter)" -gt "$iter0" ] ||
			{ log "not the same run: pid $(val pid), seed $(val seed) (was $seed)"; return 1; }
		[ "$(val usr1)" = $((usr1_0 + 1)) ] || { log "SIGUSR1 handler ran $(val usr1) times, want $((usr1_0 + 1))"; return 1; }
		[ "$hold" = 0 ] || [ "$(val holds_moved)" = $((moved0 + 1)) ] ||
			{ log "the move did not happen during the register spin"; return 1; }
	}
	tap_check "$from->$to: every check passes on node $to$what, the loop went on, SIGUSR1 handled once" state_kept
}
hop 1 2 1 1	# krg migrate on the source
hop 2 3 3 0	# on the target
hop 3 1 2 1	# on a third node

finish() {
	local before
	before=$(seq_of)
	sig RTMIN+3 "$P" || return 1
	wait_until 30 "mig_state's last report" eval '[ "$(seq_of)" -gt "$before" ]' || return 1
	rep=$(sfs_read "$R")
	log "last report: $(grep '^check drain' <<<"$rep")"
	wait_until 20 "mig_state to exit" on 1 'gone "$1"' "$P" || return 1
	grep -q '^check drain ok' <<<"$rep" && all_checks && ! has_out state '^FAIL'
}
tap_check "back on node 1: pending SIGURG, SIGRTMIN+10 1111 and 2222 taken in order, every check passed, exit" finish
tap_exit
