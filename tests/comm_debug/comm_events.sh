#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No membership event is lost when allocations fail (issue #11).  On node 1,
# fail_function makes krg_comm's buffer allocations (comm_buf_alloc: every
# frame and payload) fail.  Each round:
#   A. at 100%, node 2 unloads krg_comm: node 1, which can receive nothing
#      with a payload (no leave message), declares it FAILED;
#   B. at 100%, node 1 removes node 2 (nodes del): its DEL reaches nobody,
#      but node 1 makes node 2 LEAVING, then DOWN;
#   C. at 20%, node 2 is removed and added again while calls and frames
#      fail at random;
# and after each step node 2 is made a member again with no injection.
# Three notifiers of the observer module (krg_comm_nt, priorities 20, 30,
# 10) on node 1 must then have seen, for every node:
#   - the same events, exactly once each: as many UP / LEAVING / DOWN /
#     FAILED as krg_comm recorded state changes, none still waiting;
#   - in an order the membership state machine allows (UP, then LEAVING
#     and DOWN, or FAILED, ...);
#   - ending in the state node 1 reports over netlink (last event UP: the
#     node is online, and so on);
# and no state machine may have refused a move.  Skips without the debug
# kernel's fail_function.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"
. "$KRG_TOP/tests/comm_debug/events_lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
ROUNDS=${KRG_EVENTS_ROUNDS:-3}
for n in $(all_nodes); do
	debugfs_mount "$n" || die "no debugfs on node $n"
done
nexec 1 -- test -w "$FF/inject" ||
	skip "no fail_function on this kernel (the debug kernel has it)"
trap 'fail_allocs 1 0; nexec 1 -- sh -c "rmmod krg_comm_nt 2>/dev/null; true"; comm_reset' EXIT

tap_plan 7
comm_form || die "cluster did not form"
nexec 1 -- grep -q '^comm_buf_alloc.*\[krg_comm\]' /sys/kernel/debug/error_injection/list ||
	die "comm_buf_alloc of krg_comm is not an error-injection point"
nexec 1 -- modprobe krg_comm_nt || die "cannot load the observer module"
wait_until 30 "events delivered on node 1" events_quiet 1 || die "events stay pending"
nexec 1 -- sh -c "echo 1 > $NT/clear"
before=$(counts_snapshot 1)
declare -A start
for n in $(all_nodes); do
	case $(kc 1 state "$n") in online) start[$n]=in ;; *) start[$n]=out ;; esac
done
dropped0=$(cluster_field 1 dropped)

# seen EVENT COUNT: node 1's observer got COUNT EVENTs of node 2 since the clear.
seen() { [ "$(nt_log 1 | awk -v e="$1" '$2 == 10 && $3 == e && $4 == 2' | wc -l)" -ge "$2" ]; }
all_online() { SEERS="$(all_nodes)" all_see online $(all_nodes); }
rejoin() {
	local i
	for i in 1 2 3 4 5; do
		wait_until 30 "every node present again" all_see_present || true
		kc 1 add "1-$NODES" >/dev/null 2>&1 && wait_until 20 "all online" all_online && return 0
	done
	return 1
}

for r in $(seq 1 "$ROUNDS"); do
	log "round $r: node 2 unloads while node 1 cannot allocate"
	fail_allocs 1 100
	comm_stop 2 || log "round $r: rmmod failed"
	wait_until 30 "node 1 declares node 2 failed" seen failed "$r" ||
		log "round $r: no FAILED of node 2 seen"
	fail_allocs 1 0
	comm_start 2 || log "round $r: node 2 did not start again"
	rejoin || log "round $r: the cluster did not form again"

	log "round $r: node 1 removes node 2 while it cannot allocate"
	fail_allocs 1 100
	kc 1 del 2 >/dev/null 2>&1 && log "round $r: del reached every member (unexpected)"
	wait_until 30 "node 1 made node 2 down" seen down "$r" ||
		log "round $r: no DOWN of node 2 seen"
	fail_allocs 1 0
	rejoin || log "round $r: the cluster did not form again"

	log "round $r: nodes del / add while a fifth of the allocations fail"
	fail_allocs 1 20
	kc 1 del 2 >/dev/null 2>&1 || log "round $r: del failed (injected)"
	wait_until 20 "node 2 left" state_is 1 2 present || true
	kc 1 add 2 >/dev/null 2>&1 || log "round $r: add failed (injected)"
	fail_allocs 1 0
	rejoin || log "round $r: the cluster did not form again"
done
wait_until 60 "events delivered on node 1" events_quiet 1 || log "events still pending"
after=$(counts_snapshot 1)
log=$(nt_log 1)

# 1. Events were recorded while every allocation failed, frames were lost.
dropped1=$(cluster_field 1 dropped)
nfail=$(awk '$2 == 10 && $3 == "failed" && $4 == 2' <<<"$log" | wc -l)
ndown=$(awk '$2 == 10 && $3 == "down" && $4 == 2' <<<"$log" | wc -l)
if [ "$nfail" -ge "$ROUNDS" ] && [ "$ndown" -ge "$ROUNDS" ] &&
	[ "$dropped1" -gt "$dropped0" ]; then
	tap_ok "under injected allocation failures node 1 saw node 2 fail $nfail times and leave $ndown times ($((dropped1 - dropped0)) frames dropped)"
else
	tap_fail "injection: node 2 failed $nfail, down $ndown times, dropped $dropped0 -> $dropped1"
fi

# 2. Every notifier saw the same events for every node.
same=1
for n in $(all_nodes); do
	ref=$(awk -v n="$n" '$2 == 10 && $4 == n { print $3 }' <<<"$log")
	for p in 20 30; do
		[ "$(awk -v n="$n" -v p="$p" '$2 == p && $4 == n { print $3 }' <<<"$log")" = "$ref" ] ||
			{ same=0; log "node $n: priority $p saw other events than priority 10"; }
	done
done
[ $same = 1 ] && tap_ok "the three notifiers saw the same events" ||
	tap_fail "the three notifiers saw different events"

# 3. As many events as krg_comm recorded state changes, all delivered.
exact=1
while read -r n e rec0 del0; do
	read -r _ _ rec1 del1 < <(awk -v n="$n" -v e="$e" '$1 == n && $2 == e' <<<"$after")
	seen=$(awk -v n="$n" -v e="$e" '$2 == 10 && $3 == e && $4 == n' <<<"$log" | wc -l)
	if [ "$((rec1 - rec0))" != "$seen" ] || [ "$((del1 - del0))" != "$seen" ]; then
		exact=0
		log "node $n $e: recorded $((rec1 - rec0)), delivered $((del1 - del0)), notifier saw $seen"
	fi
done <<<"$before"
[ $exact = 1 ] && tap_ok "every recorded UP/LEAVING/DOWN/FAILED reached the notifiers exactly once" ||
	tap_fail "recorded and notified events differ"

# 4. In an order the state machine allows; 5. ending in the reported state.
order=1
agree=1
for n in $(all_nodes); do
	end=$(awk -v n="$n" '$2 == 10 && $4 == n { print $3 }' <<<"$log" | word_check "${start[$n]}") ||
		{ order=0; log "node $n: $end"; continue; }
	st=$(kc 1 state "$n")
	case "$end:$st" in
	in:online|leaving:leaving|out:present|out:absent|out:failed) ;;
	*) agree=0; log "node $n: the notifiers were last told '$end', node 1 reports '$st'" ;;
	esac
done
[ $order = 1 ] && tap_ok "every node's events follow the membership state machine" ||
	tap_fail "events out of order"
[ $agree = 1 ] && tap_ok "what the notifiers were told last is each node's state" ||
	tap_fail "notifiers and node states disagree"

# 6. Nothing waits, the ring never overflowed; 7. no illegal move anywhere.
ev=$(nexec 1 -- cat "$EV")
if events_quiet 1 && grep -q '^pending_max [0-9]* overflows 0$' <<<"$ev"; then
	tap_ok "no event waiting, no overflow ($(head -n1 <<<"$ev"))"
else
	tap_fail "events waiting or lost: $(head -n1 <<<"$ev")"
fi
illegal=0
for n in $(all_nodes); do
	out=$(nexec "$n" -- cat "$SM")
	grep -qv ' illegal 0$' <<<"$out" && { illegal=1; log "node $n: $out"; }
done
[ $illegal = 0 ] && tap_ok "no illegal membership or connection transition on any node" ||
	tap_fail "illegal transitions"
[ $order = 1 ] || sed 's/^/# /' <<<"$log"
tap_exit
