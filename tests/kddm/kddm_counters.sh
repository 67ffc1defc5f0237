#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact counters under contention: every node runs INC_LOOP (10,000 grab +
# increment + put) on one shared object, all released at the same instant, and every node
# then reads exactly NODES x 10,000; the same with single INCs spread round
# robin over 8 objects (exact per-object sums).  Every read's byte pattern
# matches its counter (CONSISTENT), and no node counted an unexpected
# message.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
KDDM_SLICE=1
LOOP=${KDDM_INC_LOOP:-10000}
SPREAD_OPS=${KDDM_SPREAD_OPS:-2000}	# per node, round robin over 8 objects (a multiple of 8)
tmp=$(mktemp -d)
trap 'destroy_sets; rm -rf "$tmp"' EXIT

tap_plan 7
kddm_form || die "cluster with krg_kddm did not form"
new_set S 256 || die "cannot create a set"

# every_node_reads SET OBJ WANT: every node reads WANT, consistently.
every_node_reads() {
	local n out bad=0
	for n in $(all_nodes); do
		out=$(kc "$n" op "$1" "$2" read 2>&1)
		if [ "$(field "$out" value)" != "$3" ] || [ "$(field "$out" consistent)" != 1 ]; then
			log "node$n reads object $2 of set $1: $out (want value=$3 consistent=1)"
			bad=1
		fi
	done
	return $bad
}

t0=$(now_ms)
tap_check "INC_LOOP x$LOOP on one object from $NODES nodes at once" together "$tmp" loop op "$S" 0 inc_loop - "$LOOP"
log "$((NODES * LOOP)) contended increments in $(( $(now_ms) - t0 )) ms"
tap_check "every node reads $((NODES * LOOP))" every_node_reads "$S" 0 $((NODES * LOOP))
# The last loop to finish saw the final value.
max=0
for n in $(all_nodes); do
	v=$(field "$(cat "$tmp/loop.$n")" value)
	[ "${v:-0}" -gt "$max" ] && max=$v
done
tap_check "the last INC_LOOP ended at $((NODES * LOOP))" test "$max" = $((NODES * LOOP))

tap_check "$SPREAD_OPS INCs per node round robin over 8 objects" \
	together "$tmp" spread loop "$S" 8 "$SPREAD_OPS" inc 0
spread_ok() {
	local n bad=0
	# object 0 also has the INC_LOOPs
	every_node_reads "$S" 0 $((NODES * (LOOP + SPREAD_OPS / 8))) || bad=1
	for n in $(all_nodes); do
		values_are "$n" "$S" 7 $((NODES * SPREAD_OPS / 8)) 1 || bad=1
	done
	return $bad
}
tap_check "every node reads the exact sum of each of the 8 objects" spread_ok
tap_check "no unexpected messages" test "$(cluster_sum "$S" unexpected)" = 0
destroy_sets
gone() {
	local n
	for n in $(all_nodes); do
		expect_error ENOENT "$(kc "$n" sets "$S" 2>&1)" || return 1
	done
}
tap_check "destroyed set is gone from every node" gone
tap_exit
