#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Linearizability of KDDM objects used as registers, across nodes.
#
# Every node records a history of random reads and writes (unique values)
# on a few objects of a fresh set (kddm_client history): first with writers
# on every node at once, then with one writer (node 1) and readers
# everywhere.  The histories are put on node 1's clock and checked with
# linearizability.py (Wing & Gong / Lowe search, per object).
#
# Clocks: the nodes' CLOCK_MONOTONIC_RAW are not synchronized.  Before and
# after each workload, kddm_clock probes node 1 from every other node (50
# UDP exchanges); the exchange with the smallest round trip bounds the
# offset to +- half that round trip.  The checker widens every operation's
# interval by the envelope of the measured intervals, which can only make
# the check more permissive: a reported violation is real (see the top of
# linearizability.py).
#
# Negative control: one read of the real history is changed to a value that
# was definitely overwritten before the read began (on the widened time
# line), and the checker must reject that copy: the check can fail.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
KDDM_SLICE=2
NOBJ=${KDDM_LINEAR_OBJECTS:-4}
NOPS=${KDDM_LINEAR_OPS:-800}	# per node
PORT=7391
OUT=${KRG_OUT:-$(vc_info "j['outdir']")}
[ -d "$OUT" ] || die "no /krg-out folder on the host ($OUT)"
tag=kddm-linear-$$
tmp=$(mktemp -d)
cleanup() {
	destroy_sets
	rm -rf "$tmp" "$OUT/$tag".*
	nexec 2 --timeout 10 -- "$KCLOCK" quit "$addr1" "$PORT" >/dev/null 2>&1
}
trap cleanup EXIT
addr1=$(node_addr 1)

# measure_clocks FILE: append one offset measurement of every node.
measure_clocks() {
	local n out pid ok=0
	nexec 1 --timeout 60 -- "$KCLOCK" serve "$PORT" 50 >"$tmp/clock-server" 2>&1 &
	pid=$!
	echo "1 offset_ns=0 bound_ns=0" >>"$1"
	for n in $(seq 2 "$NODES"); do
		out=$(nexec "$n" --timeout 70 -- "$KCLOCK" probe "$addr1" "$PORT" 50 2>&1) || ok=1
		log "node$n clock: $out"
		echo "$n $out" >>"$1"
	done
	nexec 2 --timeout 10 -- "$KCLOCK" quit "$addr1" "$PORT" >/dev/null 2>&1
	wait "$pid"
	return $ok
}

# workload NAME SET: histories on every node at once; node 1 writes
# WPCT1 %, the others WPCT %.
workload() {
	local name=$1 set=$2 n w pids=() rc=0
	for n in $(all_nodes); do
		w=$WPCT
		[ "$n" = 1 ] && w=$WPCT1
		nexec "$n" --timeout 600 -- "$KC" history "$set" "$NOBJ" "$NOPS" "$w" "$RANDOM" \
			"/krg-out/$tag.$name.$n" >"$tmp/$name.$n.out" 2>&1 &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n" || rc=1; done
	for n in $(all_nodes); do
		log "node$n: $(tr '\n' ' ' <"$tmp/$name.$n.out")"
		# no operation may fail in a healthy cluster, no read may be torn
		grep -q '^ops=[0-9]* errors=0$' "$tmp/$name.$n.out" || rc=1
		grep -q '^# inconsistent' "$OUT/$tag.$name.$n" && { log "node$n: torn read"; rc=1; }
	done
	return $rc
}

# checked NAME: run the checker on NAME's histories.
checked() {
	python3 ./linearizability.py check --clock "$tmp/$1.clock" "$OUT/$tag.$1".[0-9]* >&2
}

tap_plan 9
kddm_form || die "cluster with krg_kddm did not form"

# 1. writers everywhere
new_set A 64 || die "cannot create a set"
WPCT=30 WPCT1=30
tap_check "clocks measured before (all writers)" measure_clocks "$tmp/all.clock"
tap_check "$NODES x $NOPS random reads/writes (30% writes) on $NOBJ objects" workload all "$A"
tap_check "clocks measured after (all writers)" measure_clocks "$tmp/all.clock"
tap_check "history with writers on every node is linearizable" checked all

# 2. one writer (node 1), readers everywhere
new_set B 64 || die "cannot create a set"
WPCT=0 WPCT1=50
measure_clocks "$tmp/one.clock"
tap_check "node 1 writes (50%), every node reads" workload one "$B"
measure_clocks "$tmp/one.clock"
tap_check "history with one writer is linearizable" checked one

# 3. negative control: a stale read must be caught
corrupted() {
	local what
	what=$(python3 ./linearizability.py corrupt --clock "$tmp/all.clock" "$tmp/bad.hist" \
		"$OUT/$tag.all".[0-9]*) || return 1
	log "negative control: $what"
	! python3 ./linearizability.py check --clock "$tmp/all.clock" "$tmp/bad.hist" >&2
}
tap_check "a copy with one read made stale is rejected" corrupted
garbage() {
	# a read of a value nobody wrote
	awk '!done && $4 == "R" && $8 == "ok" { $5 = 999999999; done = 1 } { print }' \
		"$OUT/$tag.one.1" >"$tmp/garbage.1"
	! python3 ./linearizability.py check --clock "$tmp/one.clock" "$tmp/garbage.1" \
		"$OUT/$tag.one".[2-9]* >&2
}
tap_check "a copy with a read of a value never written is rejected" garbage
tap_check "no unexpected messages" test "$(( $(cluster_sum "$A" unexpected) + $(cluster_sum "$B" unexpected) ))" = 0
tap_exit
