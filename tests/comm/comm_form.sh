#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster forms: krg_comm configured on every node from cluster.conf,
# sessions come up by themselves (present), "nodes add" on node 1 brings
# every node online everywhere, with "up" events on the multicast group;
# a node leaves (del) and comes back (add) and every node agrees each time.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
tmp=$(mktemp -d)
trap 'comm_reset; rm -rf "$tmp"' EXIT
last=$NODES

tap_plan 6
comm_reset
ok=1
for n in $(all_nodes); do
	comm_start "$n" || { ok=0; log "node$n: start failed"; }
done
[ $ok = 1 ] && tap_ok "krg_comm configured on $NODES nodes" || tap_fail "configure"

tap_check "every session up (all present) within 30 s" \
	wait_until 30 "all present" all_see_present

# Listen for events on the last node while node 1 adds everybody.
ready=comm-events-ready.$$
rm -f "$KRG_OUT/$ready"
nexec "$last" --timeout 60 -- "$KC" events "$NODES" 50 "/krg-out/$ready" >"$tmp/events" 2>&1 &
evpid=$!
wait_until 20 "event listener ready" test -e "$KRG_OUT/$ready"
rm -f "$KRG_OUT/$ready"
tap_check "nodes add 1-$NODES on node 1" kc 1 add "1-$NODES"
tap_check "every node sees every node online" \
	wait_until 20 "all online" all_see online $(all_nodes)
if wait "$evpid" && [ "$(grep -c ' online 2$' "$tmp/events")" -ge $((NODES - 1)) ]; then
	tap_ok "node$last got the up events"
else
	sed 's/^/# events: /' "$tmp/events"
	tap_fail "node$last got the up events"
fi

# Node 2 leaves, everybody sees it present; it comes back.
if kc 1 del 2 && SEERS="1 $(seq 3 "$NODES")" wait_until 20 "2 present" all_see present 2 &&
	state_is 2 2 present && kc 1 add 2 &&
	wait_until 20 "all online again" all_see online $(all_nodes); then
	tap_ok "node 2 leaves and rejoins"
else
	for n in $(all_nodes); do kc "$n" nodes | sed "s/^/# node$n: /"; done
	tap_fail "node 2 leaves and rejoins"
fi
tap_exit
