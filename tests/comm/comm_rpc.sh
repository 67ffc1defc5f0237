#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RPC through the test service, every reply verified in the kernel:
# echo of 0 B .. 16 MiB (chunked and flow-controlled above 1 MiB), to a peer
# and to the node itself; sink/stream of 16 MiB checked by crc32; zero-copy
# calls of 0 B .. 1 MiB echoed and checked; 10,000
# async calls from each of 3 nodes at once (256 in flight each), none lost
# or duplicated; multicast to every node, every reply collected.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
tmp=$(mktemp -d)
trap 'comm_reset; rm -rf "$tmp"' EXIT

tap_plan 10
comm_form || die "cluster did not form"

# run_test NAME ARGS...: one verified test run on node 1.
run_test() {
	local name=$1 out
	shift
	if out=$(kc 1 test "$@" 2>&1); then
		tap_ok "$name ($(field "$out" elapsed_ns) ns)"
	else
		log "$out"
		tap_fail "$name"
	fi
}

sizes_ok=1
for size in 0 1 16 4096 65536 1048575 1048576 4194304 16777216; do
	count=20
	[ "$size" -ge 1048576 ] && count=2
	out=$(kc 1 test echo 2 "$size" "$count" 1 60000 2>&1) ||
		{ sizes_ok=0; log "echo $size: $out"; }
done
[ $sizes_ok = 1 ] && tap_ok "echo 0 B .. 16 MiB to node 2, every byte checked" ||
	tap_fail "echo 0 B .. 16 MiB to node 2"
run_test "echo 0 B .. 1 MiB to itself (local path)" echo 1 1048576 3
run_test "sink 16 MiB x2, crc32 checked" sink 2 16777216 2 1 60000

# Zero-copy calls (krg_comm_call_async_zc), echoed and checked byte for
# byte: slab buffers (copied into the socket), page-allocator and vmalloc
# ones (sent from their pages), to a peer and to the node itself; a payload
# over the limit is refused with a message.
zc_ok=1
for size in 0 4096 70000 1048576; do
	out=$(kc 1 test asynczc 2 "$size" 40 4 60000 2>&1) ||
		{ zc_ok=0; log "asynczc $size: $out"; }
done
out=$(kc 1 test asynczc 1 1048576 10 2 2>&1) || { zc_ok=0; log "asynczc to itself: $out"; }
[ $zc_ok = 1 ] && tap_ok "zero-copy echo 0 B .. 1 MiB to node 2 and to itself, every byte checked" ||
	tap_fail "zero-copy echo"
out=$(kc 1 test bulkzc 2 2097152 1 1 2>&1)
if [ $? != 0 ] && echo "$out" | grep -q "at most 1 MiB"; then
	tap_ok "zero-copy call over 1 MiB refused: $out"
else
	log "$out"
	tap_fail "zero-copy call over 1 MiB refused"
fi
run_test "stream 16 MiB x2 to node 3, crc32 checked" stream 3 16777216 2 1 60000

# 10,000 async calls from each node to the next, all at the same time.
pids=()
for n in $(seq 1 3); do
	to=$((n % 3 + 1))
	nexec "$n" --timeout 200 -- "$KC" test async "$to" 64 10000 256 60000 >"$tmp/async$n" 2>&1 &
	pids+=($!)
done
async_ok=1
for n in 1 2 3; do
	wait "${pids[$((n - 1))]}" || async_ok=0
	grep -q "ok=10000 errors=0" "$tmp/async$n" || { async_ok=0; sed "s/^/# node$n: /" "$tmp/async$n"; }
done
[ $async_ok = 1 ] && tap_ok "3 x 10,000 concurrent async calls, all verified" ||
	tap_fail "3 x 10,000 concurrent async calls"

out=$(kc 1 test mcast "1-$NODES" 1000 50 2>&1)
if [ $? = 0 ] && [ "$(field "$out" replies)" = $((50 * NODES)) ]; then
	tap_ok "multicast to $NODES nodes x50: every reply collected"
else
	log "$out"
	tap_fail "multicast"
fi

# Nothing was lost or resent without cause: no drops, no auth failures.
bad=0
for n in $(all_nodes); do
	for p in $(all_nodes); do
		[ "$n" = "$p" ] && continue
		d=$(stat_of "$n" "$p" dropped) a=$(stat_of "$n" "$p" auth_failures)
		[ "$d" = 0 ] && [ "$a" = 0 ] || { bad=1; log "node$n peer $p: dropped=$d auth_failures=$a"; }
	done
done
[ $bad = 0 ] && tap_ok "no dropped frames, no auth failures" || tap_fail "counters"

out=$(kc 1 test nop 2 0 200 2>&1) && tap_ok "200 null calls, mean $(( $(field "$out" elapsed_ns) / 200000 )) us" ||
	{ log "$out"; tap_fail "null calls"; }
tap_exit
