#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A node leaves while the others increment: "krgadm nodes del -n LAST" runs
# while every other node does INCs round robin on 16 objects the leaving node
# owned at the start; the leaving node's objects (including 32 only it ever
# wrote) are handed off, so nothing is lost: every survivor reads the exact
# sums, no survivor operation failed, the survivors keep working, and the
# node, added back, reads the handed-off values.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
KDDM_SLICE=4
leaver=$NODES
survivors=$(seq 1 $((NODES - 1)))
# Per survivor, round robin over 16 objects (a multiple of 16): enough that
# the loops overlap and still run when "nodes del" returns.  1600 took
# 0.1-0.3 s on 1-vCPU nodes of a quiet host, one loop after the other, less
# than the leave itself; contended, an increment takes ~1.6 ms.
PER_NODE=${KDDM_LEAVE_OPS:-4800}
tmp=$(mktemp -d)
cleanup() {
	# back to a full cluster for the next tests (or a clean slate)
	if ! every_node_sees "$(expected_states online)" 2>/dev/null; then
		rejoin >/dev/null 2>&1 || krgadm_reset
	fi
	destroy_sets
	rm -rf "$tmp"
}
trap cleanup EXIT

rejoin() {
	nexec 1 --timeout 60 -- krgadm nodes add -n "$leaver" -w 30 ||
		{ log "nodes add -n $leaver failed"; return 1; }
	wait_until 30 "every node online again" every_node_sees "$(expected_states online)" ||
		{ log_views; return 1; }
}

# survivors_read SET NOBJ WANT: every survivor reads WANT on objects 0..NOBJ-1.
survivors_read() {
	local n bad=0
	for n in $survivors; do
		values_are "$n" "$1" "$2" "$3" || bad=1
	done
	return $bad
}

tap_plan 11
kddm_form || die "cluster with krg_kddm did not form"
new_set S 64 || die "cannot create a set"
new_set P 64 || die "cannot create a set"
# the leaver owns S 0..15 (value 1) and P 0..31 (value 7, written only by it)
kc "$leaver" loop "$S" 16 16 inc 0 >/dev/null && kc "$leaver" loop "$P" 32 224 inc 0 >/dev/null ||
	die "node$leaver could not write"
tap_check "node$leaver owns what it wrote" test "$(set_field "$leaver" "$P" owned)" -ge 32

pids=()
for n in $survivors; do
	KC_TIMEOUT=600 kc "$n" loop "$S" 16 "$PER_NODE" inc 0 >"$tmp/inc.$n" 2>&1 &
	pids+=($!)
done
started() { [ "$(read_on 1 "$S" 0)" -ge 10 ]; }
wait_until 120 "increments under way" started
t0=$(now_ms)
out=$(nexec 1 --timeout 120 -- krgadm nodes del -n "$leaver" 2>&1)
rc=$?
log "nodes del -n $leaver: exit $rc after $(( $(now_ms) - t0 )) ms: $out"
tap_check "krgadm nodes del -n $leaver while the increments run" test "$rc" = 0
still_running=0
for n in $survivors; do
	[ -s "$tmp/inc.$n" ] || still_running=$((still_running + 1))
done
tap_check "increments still ran when node$leaver had left ($still_running of $((NODES - 1)) loops)" \
	test "$still_running" -gt 0
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
for n in $survivors; do log "node$n: $(tr '\n' ' ' <"$tmp/inc.$n")"; done
tap_check "no survivor operation failed" test "$rc" = 0

gone_for_survivors() {
	local n
	for n in $survivors; do
		case " $(states_of "$n") " in *" $leaver:online "*) return 1 ;; esac
	done
}
tap_check "the survivors no longer count node$leaver online" \
	wait_until 30 "node$leaver out of the survivors' membership" gone_for_survivors
tap_check "exact sums on the 16 contended objects" \
	survivors_read "$S" 16 $((1 + (NODES - 1) * PER_NODE / 16))
tap_check "the 32 objects only node$leaver wrote were handed off (7 each)" survivors_read "$P" 32 7
more() {
	kc 1 loop "$S" 16 160 inc 0 >/dev/null && kc 2 loop "$P" 32 32 inc 0 >/dev/null &&
		survivors_read "$S" 16 $((11 + (NODES - 1) * PER_NODE / 16)) && survivors_read "$P" 32 8
}
tap_check "the survivors keep working" more
tap_check "no unexpected messages on the survivors" \
	test "$(( $(cluster_sum "$S" unexpected) + $(cluster_sum "$P" unexpected) ))" = 0
tap_check "node$leaver added back" rejoin
tap_check "node$leaver reads the current values" \
	test "$(read_on "$leaver" "$S" 3)/$(read_on "$leaver" "$P" 31)" = \
	"$((11 + (NODES - 1) * PER_NODE / 16))/8"
tap_exit
