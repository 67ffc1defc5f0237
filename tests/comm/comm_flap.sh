#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exactly-once delivery across broken connections and a bad network, under
# load (every reply is verified in the kernel; a lost message would time a
# call out, a duplicate would be a reply to an unknown call or a seq error):
#   - the TCP session 1<->2 is killed 5 times (ss -K) during 20,000 async
#     calls: all succeed, both sides count the reconnects, nothing dropped;
#   - netem 10% loss + reordering on node 2 during streams and async calls;
#   - eth0 of node 2 down for 0.5 s during async calls (below the failure
#     timeout: no failure declared).
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
tmp=$(mktemp -d)
trap 'nexec 2 --timeout 30 -- tc qdisc del dev eth0 root >/dev/null 2>&1; nexec 2 --timeout 30 -- ip link set eth0 up; comm_reset; rm -rf "$tmp"' EXIT
addr1=$(node_addr 1)

tap_plan 5
comm_form || die "cluster did not form"

r0=$(stat_of 1 2 reconnects)
nexec 1 --timeout 400 -- "$KC" test async 2 4096 20000 64 120000 >"$tmp/async" 2>&1 &
apid=$!
kills=0
for i in 1 2 3 4 5; do
	before=$(stat_of 1 2 reconnects)
	nexec 2 --timeout 30 -- ss -K dst "$addr1" dport = 7227 >/dev/null
	reconnected() { [ "$(stat_of 1 2 reconnects)" -gt "$before" ] && state_is 1 2 online; }
	wait_until 20 "session back ($i)" reconnected && kills=$((kills + 1))
done
wait "$apid"
out=$(cat "$tmp/async")
r1=$(stat_of 1 2 reconnects)
log "async: $out"
log "node 1: reconnects $r0 -> $r1, retrans $(stat_of 1 2 retrans), node 2: retrans $(stat_of 2 1 retrans)"
if [ "$kills" = 5 ] && [ "$(field "$out" ok)" = 20000 ] && [ "$(field "$out" errors)" = 0 ] &&
	[ "$r1" -ge $((r0 + 5)) ]; then
	tap_ok "5 killed sessions during 20,000 async calls: all delivered once"
else
	tap_fail "killed sessions during async calls"
fi
d=$(stat_of 1 2 dropped) d2=$(stat_of 2 1 dropped)
[ "$d" = 0 ] && [ "$d2" = 0 ] && tap_ok "no frame dropped as invalid" || { log "dropped $d / $d2"; tap_fail "no drops"; }

# 10% loss can stall one TCP stream for seconds (RTO backoff on a segment
# lost repeatedly): this case checks delivery, not the failure detector, so
# it runs with a 10 s failure timeout.
kc 1 timeout 10000 && kc 2 timeout 10000 || die "cannot set the failure timeout"
nexec 2 --timeout 30 -- tc qdisc add dev eth0 root netem loss 10% delay 5ms reorder 25% 50% ||
	die "netem not available"
out=$(kc 1 test stream 2 4194304 3 1 120000 2>&1) && out2=$(kc 1 test async 2 1024 2000 32 120000 2>&1) &&
	tap_ok "netem 10% loss + reordering: streams and 2,000 async calls verified" ||
	{ log "$out ${out2:-}"; tap_fail "netem loss + reordering"; }
nexec 2 --timeout 30 -- tc qdisc del dev eth0 root
kc 1 timeout 2000 && kc 2 timeout 2000 || die "cannot set the failure timeout"

nexec 1 --timeout 400 -- "$KC" test async 2 1024 5000 32 120000 >"$tmp/async" 2>&1 &
apid=$!
nexec 2 --timeout 30 -- sh -c 'ip link set eth0 down; sleep 0.5; ip link set eth0 up'
wait "$apid"
out=$(cat "$tmp/async")
if [ "$(field "$out" ok)" = 5000 ] && [ "$(field "$out" errors)" = 0 ]; then
	tap_ok "link flap (0.5 s) during 5,000 async calls: all verified"
else
	log "$out"
	tap_fail "link flap"
fi
state_is 1 2 online && state_is 2 1 online && tap_ok "no failure declared" || tap_fail "no failure declared"
tap_exit
