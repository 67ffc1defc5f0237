#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading krg_comm with live sessions and calls in flight: rmmod on the
# called node and on the calling node (while its netlink test is running)
# ends promptly and cleanly, the callers get errors instead of hanging, the
# kernel logs stay clean; then 5 load/configure/form/unload cycles.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
tmp=$(mktemp -d)
trap 'comm_reset; rm -rf "$tmp"' EXIT

tap_plan 5
comm_form || die "cluster did not form"
for n in $(all_nodes); do nexec "$n" --timeout 30 -- dmesg -C; done

# Node 1 calls node 2 (async, 256 in flight) and node 3 (streams).
nexec 1 --timeout 300 -- "$KC" test async 2 4096 1000000 256 60000 >"$tmp/a" 2>&1 &
apid=$!
nexec 1 --timeout 300 -- "$KC" test stream 3 16777216 1000 1 60000 >"$tmp/s" 2>&1 &
spid=$!
busy() { [ "$(stat_of 1 2 rx_frames)" -gt 2000 ] && [ "$(stat_of 1 3 tx_bytes)" -gt 20000000 ]; }
wait_until 60 "traffic to nodes 2 and 3" busy || log "traffic did not start"

t0=$(now_ms)
if nexec 2 --timeout 60 -- rmmod krg_comm; then
	tap_ok "rmmod on the called node with calls in flight ($(( $(now_ms) - t0 )) ms)"
else
	tap_fail "rmmod on the called node"
fi
t0=$(now_ms)
if nexec 1 --timeout 60 -- rmmod krg_comm; then
	tap_ok "rmmod on the calling node while its calls run ($(( $(now_ms) - t0 )) ms)"
else
	tap_fail "rmmod on the calling node"
fi
t0=$(now_ms)
wait "$apid"; wait "$spid"
waited=$(( $(now_ms) - t0 ))
sed 's/^/# async: /' "$tmp/a"; sed 's/^/# stream: /' "$tmp/s"
if [ "$waited" -lt 30000 ] && grep -q "errors=[1-9]\|Error" "$tmp/a" && grep -q "errors=[1-9]\|Error" "$tmp/s"; then
	tap_ok "callers ended with errors ${waited} ms after the unload"
else
	tap_fail "callers ended with errors (waited $waited ms)"
fi

bad=0
for n in $(all_nodes); do
	if nexec "$n" --timeout 30 -- dmesg | grep -E "BUG|WARNING|still waiting|Call Trace|refcount"; then
		bad=1
	fi
done
[ $bad = 0 ] && tap_ok "kernel logs clean" || tap_fail "kernel logs clean"

ok=1
for i in 1 2 3 4 5; do
	comm_form || { ok=0; log "cycle $i: cluster did not form"; break; }
	kc 1 test echo 2 1000 10 >/dev/null || { ok=0; log "cycle $i: echo failed"; }
	for n in $(all_nodes); do
		nexec "$n" --timeout 60 -- rmmod krg_comm || { ok=0; log "cycle $i: node$n rmmod failed"; }
	done
done
[ $ok = 1 ] && tap_ok "5 x load, configure, form, call, unload" || tap_fail "load/unload cycles"
tap_exit
