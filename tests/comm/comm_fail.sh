#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A node killed hard: every survivor declares it failed after at most the
# failure timeout (default 2 s) + 1 s of silence, calls pending to it end
# with -EHOSTDOWN at once (no call waits for its own timeout) and release
# their zero-copy buffers, the
# survivors keep working, and the node started again rejoins.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
tmp=$(mktemp -d)
victim=$NODES
survivors=$(seq 1 $((NODES - 1)))
trap 'vc start "$victim" >/dev/null 2>&1; comm_reset; rm -rf "$tmp"' EXIT

tap_plan 7
comm_form || die "cluster did not form"
timeout_ms=$(cluster_field 1 timeout_ms)

# Long streams to the victim (16 MiB each, 60 s call timeout), running
# while it dies.
nexec 1 --timeout 300 -- "$KC" test stream "$victim" 16777216 1000 1 60000 >"$tmp/stream" 2>&1 &
spid=$!
# And zero-copy calls from node 2: their buffers must all come back.
nexec 2 --timeout 300 -- "$KC" test bulkzc "$victim" 1048576 1000000 4 60000 >"$tmp/zc" 2>&1 &
zpid=$!
flowing() { [ "$(stat_of 1 "$victim" tx_bytes)" -gt 20000000 ]; }
wait_until 60 "stream traffic flowing" flowing
nexec 2 --timeout 30 -- dmesg -C
nexec 1 --timeout 30 -- dmesg -C
t0=$(now_ms)
vc kill "$victim" >/dev/null
SEERS="$survivors" wait_until 30 "node $victim failed everywhere" all_see failed "$victim"
seen=$(( $(now_ms) - t0 ))
ok=1
for n in $survivors; do
	line=$(nexec "$n" --timeout 30 -- dmesg | grep "node $victim declared failed")
	silent=$(echo "$line" | sed -n 's/.*silent for \([0-9]*\) ms.*/\1/p' | head -n 1)
	if [ -z "$silent" ] || [ "$silent" -gt $((timeout_ms + 1000)) ]; then
		ok=0
		log "node$n: '$line'"
	else
		log "node$n declared node $victim failed after $silent ms of silence"
	fi
done
[ $ok = 1 ] && tap_ok "survivors declared node $victim failed within timeout ($timeout_ms ms) + 1 s (host saw it after $seen ms)" ||
	tap_fail "failure declared in time"

# The stream loop ends quickly: its pending call and all later ones fail.
t1=$(now_ms)
wait "$spid"
out=$(cat "$tmp/stream")
waited=$(( $(now_ms) - t1 ))
if [ "$(field "$out" first_error)" = -112 ] && [ "$waited" -lt 20000 ]; then
	tap_ok "pending stream to the dead node: -EHOSTDOWN (loop ended ${waited} ms after the failure was seen)"
else
	log "$out (waited $waited ms)"
	tap_fail "pending calls end with -EHOSTDOWN"
fi
# -EBUSY there would mean a zero-copy buffer krg_comm never released.
wait "$zpid"
out=$(cat "$tmp/zc")
waited=$(( $(now_ms) - t1 ))
if [ "$(field "$out" first_error)" = -112 ] && [ "$waited" -lt 20000 ]; then
	tap_ok "zero-copy calls to the dead node: -EHOSTDOWN, every buffer released ($(field "$out" ok) calls done before)"
else
	log "$out (waited $waited ms)"
	tap_fail "zero-copy calls end with -EHOSTDOWN and release their buffers"
fi

out=$(kc 1 test echo 2 4096 100 2>&1) && tap_ok "survivors keep working (echo 1 -> 2)" ||
	{ log "$out"; tap_fail "survivors keep working"; }
out=$(kc 1 test echo "$victim" 16 1 1 2>&1)
[ "$(field "$out" first_error)" = -112 ] && tap_ok "new call to the failed node: -EHOSTDOWN" ||
	{ log "$out"; tap_fail "call to failed node"; }

vc start "$victim" >/dev/null || die "cannot restart node $victim"
comm_start "$victim" || die "cannot start krg_comm on node $victim"
if wait_until 30 "node $victim present again" all_see_present && kc 1 add "$victim" &&
	wait_until 20 "all online" all_see online $(all_nodes); then
	tap_ok "node $victim restarted and rejoined"
else
	for n in $(all_nodes); do kc "$n" nodes | sed "s/^/# node$n: /"; done
	tap_fail "node $victim rejoins"
fi
out=$(kc 1 test echo "$victim" 65536 20 2>&1) && tap_ok "calls to the rejoined node work" ||
	{ log "$out"; tap_fail "calls to the rejoined node"; }
tap_exit
