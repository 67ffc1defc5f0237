#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A caller with a signal pending does not break its session: a task that
# makes 1 MiB calls, 8 in flight (they fill the socket), is sent SIGSTOP
# while it is in the kernel, so the signal stays pending for the rest of its
# calls, then SIGCONT.  krg_comm never waits in the socket from a caller's context (the
# rest of a frame goes out from a worker), so no frame is cut and the
# session is never rebuilt: every call succeeds, no reconnect, no drop.
# (Before issue #11 a signal cut the frame being sent and forced a
# reconnect.)
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
tmp=$(mktemp -d)
trap 'nexec 1 --timeout 30 -- sh -c "pkill -CONT -x krgcomm; true"; comm_reset; rm -rf "$tmp"' EXIT

calls=300
tap_plan 3
comm_form || die "cluster did not form"
r0=$(stat_of 1 2 reconnects)
rt0=$(stat_of 1 2 retrans)
nexec 1 --timeout 600 -- "$KC" test bulk 2 1048576 "$calls" 8 120000 >"$tmp/bulk" 2>&1 &
bpid=$!
# tx_past BYTES: node 1 sent more than BYTES to node 2.
tx_past() { [ "$(stat_of 1 2 tx_bytes)" -gt "$1" ]; }
wait_until 60 "calls under way" tx_past $(($(stat_of 1 2 tx_bytes) + 4 * 1048576)) ||
	die "the calls did not start"
pid=$(nexec 1 -- pidof krgcomm) || die "no krgcomm in node 1"
nexec 1 -- kill -STOP "$pid"
wait_until 60 "calls go on with the signal pending" \
	tx_past $(($(stat_of 1 2 tx_bytes) + 8 * 1048576)) ||
	log "calls did not go on while the signal was pending"
nexec 1 -- kill -CONT "$pid"
wait "$bpid"
out=$(cat "$tmp/bulk")
log "bulk: $out"
r1=$(stat_of 1 2 reconnects)
log "node 1: reconnects $r0 -> $r1, retrans $rt0 -> $(stat_of 1 2 retrans)"
if [ "$(field "$out" ok)" = "$calls" ] && [ "$(field "$out" errors)" = 0 ]; then
	tap_ok "$calls calls of 1 MiB with SIGSTOP pending: all verified"
else
	tap_fail "calls with a signal pending"
fi
[ "$r1" = "$r0" ] && tap_ok "no reconnect: no frame was cut" ||
	tap_fail "the session was rebuilt $((r1 - r0)) times"
d=$(stat_of 1 2 dropped) d2=$(stat_of 2 1 dropped)
[ "$d" = 0 ] && [ "$d2" = 0 ] && tap_ok "no frame dropped as invalid" ||
	{ log "dropped $d / $d2"; tap_fail "no drops"; }
tap_exit
