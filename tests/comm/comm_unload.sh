#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading krg_comm with live sessions and calls in flight: a member that
# unloads tells the others, which see it leave (not fail) and end the calls
# pending on it at once; rmmod on the called node and on the calling node
# (the test module krg_comm_test first, while its netlink run is in
# progress, then krg_comm) ends promptly and cleanly, the callers get
# errors instead of hanging, the kernel logs stay clean; then 5 (COMM_UNLOAD_CYCLES)
# load/configure/form/unload cycles.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
tmp=$(mktemp -d)
trap 'comm_reset; rm -rf "$tmp"' EXIT

tap_plan 7
comm_form || die "cluster did not form"

# A member unloaded cleanly tells the others: with a failure timeout of
# 30 s, they still see it leave (LEAVING -> DOWN, never FAILED) within
# seconds, and calls pending on it end at once with an error.
for n in $(all_nodes); do kc "$n" timeout 30000 >/dev/null; done
ready=unload-ready.$$
nexec 1 --timeout 120 -- "$KC" events 2 90 "/krg-out/$ready" >"$tmp/ev" 2>&1 &
evpid=$!
wait_until 20 "event listener" nexec 1 -- test -e "/krg-out/$ready" || log "listener not ready"
nexec 1 --timeout 120 -- "$KC" test async 3 4096 1000000 64 60000 >"$tmp/c" 2>&1 &
cpid=$!
calling3() { [ "$(stat_of 1 3 tx_frames)" -gt 500 ]; }
wait_until 30 "calls to node 3" calling3 || log "no traffic to node 3"
t0=$(now_ms)
comm_stop 3 || log "rmmod on node 3 failed"
gone() { local s; for n in 1 2; do s=$(kc "$n" state 3); case $s in present|absent) ;; *) return 1 ;; esac; done; }
if wait_until 10 "node 3 out on nodes 1 and 2" gone; then
	seen=$(( $(now_ms) - t0 ))
	wait "$evpid"
	sed 's/^/# events: /' "$tmp/ev"
	if grep -q '^3 leaving' "$tmp/ev" && ! grep -qw failed "$tmp/ev"; then
		tap_ok "unloaded member left cleanly, seen ${seen} ms after rmmod (failure timeout 30 s)"
	else
		tap_fail "unloaded member left cleanly (events: $(tr '\n' ';' <"$tmp/ev"))"
	fi
else
	wait "$evpid"
	tap_fail "unloaded member seen leaving before the failure timeout"
fi
t1=$(now_ms)
wait "$cpid"
sed 's/^/# calls: /' "$tmp/c"
if [ $(( $(now_ms) - t1 )) -lt 10000 ] && grep -q "errors=[1-9]" "$tmp/c"; then
	tap_ok "calls pending on the unloaded node ended with errors at once"
else
	tap_fail "calls pending on the unloaded node ended at once"
fi
for n in 1 2; do kc "$n" timeout 2000 >/dev/null; done

comm_form || die "cluster did not form again"
for n in $(all_nodes); do nexec "$n" --timeout 30 -- dmesg -C; done

# Node 1 calls node 2 (async, 256 in flight) and node 3 (streams).
nexec 1 --timeout 300 -- "$KC" test async 2 4096 1000000 256 60000 >"$tmp/a" 2>&1 &
apid=$!
nexec 1 --timeout 300 -- "$KC" test stream 3 16777216 1000 1 60000 >"$tmp/s" 2>&1 &
spid=$!
busy() { [ "$(stat_of 1 2 rx_frames)" -gt 2000 ] && [ "$(stat_of 1 3 tx_bytes)" -gt 20000000 ]; }
wait_until 60 "traffic to nodes 2 and 3" busy || log "traffic did not start"

t0=$(now_ms)
if comm_stop 2; then
	tap_ok "rmmod on the called node with calls in flight ($(( $(now_ms) - t0 )) ms)"
else
	tap_fail "rmmod on the called node"
fi
t0=$(now_ms)
if comm_stop 1; then
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

# COMM_UNLOAD_CYCLES: 5 by default, fewer in CI (Makefile CI_LENGTHS)
cycles=${COMM_UNLOAD_CYCLES:-5}
ok=1
for i in $(seq "$cycles"); do
	comm_form || { ok=0; log "cycle $i: cluster did not form"; break; }
	kc 1 test echo 2 1000 10 >/dev/null || { ok=0; log "cycle $i: echo failed"; }
	for n in $(all_nodes); do
		comm_stop "$n" || { ok=0; log "cycle $i: node$n rmmod failed"; }
	done
done
[ $ok = 1 ] && tap_ok "$cycles x load, configure, form, call, unload" || tap_fail "load/unload cycles"
tap_exit
