#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile input and wrong keys.  A user-space program in node 3 sends node 1
# junk hellos (random, truncated, wrong magic/version/cluster/ids), then
# authenticates with the real key and sends replayed, oversized, badly MACed,
# out-of-sequence and unknown frames: every bad connection is dropped, the
# drop and auth counters rise, node 1 keeps working.  Then node 1 runs with
# a wrong key: the other nodes reject it, count it, and never see it present;
# with the right key again the cluster forms.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
WIRE=/krg/tests/comm/wire.py
trap 'comm_reset' EXIT

tap_plan 7
comm_reset
for n in $(all_nodes); do comm_start "$n" || die "node$n: start failed"; done
wait_until 30 "all present" all_see_present || die "sessions did not come up"

# Node 3's own krg_comm goes, so the impersonated session stays ours.
comm_stop 3
d0=$(cluster_field 1 dropped)
out=$(nexec 3 --timeout 200 -- python3 "$WIRE" garbage "$(node_addr 1)" 7227 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && tap_ok "junk hellos: every connection dropped" || tap_fail "junk hellos"

a0=$(cluster_field 1 auth_failures)
out=$(nexec 3 --timeout 300 -- python3 "$WIRE" frames "$(node_addr 1)" 7227 3 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && tap_ok "authenticated peer sending bad frames: dropped" || tap_fail "bad frames"

d1=$(cluster_field 1 dropped) a1=$(cluster_field 1 auth_failures)
log "node 1 counters: dropped $d0 -> $d1, auth_failures $a0 -> $a1"
[ "$d1" -ge $((d0 + 12)) ] && [ "$a1" -gt "$a0" ] && tap_ok "drop and auth counters rose" ||
	tap_fail "counters rose"
out=$(kc 1 test echo 2 65536 20 2>&1) && tap_ok "node 1 unharmed (echo to node 2)" ||
	{ log "$out"; tap_fail "node 1 unharmed"; }

# Node 1 with a wrong key.
comm_stop 1
nexec 1 --timeout 30 -- sh -c 'umask 077; python3 -c "import os; print(os.urandom(32).hex())" >/tmp/bad.key &&
	sed "s|^key_file .*|key_file /tmp/bad.key|" /etc/kerrighed/cluster.conf >/tmp/bad.conf'
comm_start -c /tmp/bad.conf 1 || die "cannot start node 1"
comm_start 3 || die "cannot restart node 3"
rejected() { [ "$(stat_of 2 1 auth_failures)" -gt 0 ] && [ "$(stat_of 3 1 auth_failures)" -gt 0 ]; }
if wait_until 30 "nodes 2 and 3 reject node 1" rejected &&
	SEERS="2 3" all_see absent 1 && state_is 1 2 absent && state_is 1 3 absent; then
	tap_ok "wrong key: rejected by both peers, counted, never present"
else
	for n in $(all_nodes); do kc "$n" nodes | sed "s/^/# node$n: /"; kc "$n" stats | sed "s/^/# node$n: /"; done
	tap_fail "wrong key rejected"
fi
SEERS="2 3" wait_until 30 "2 and 3 see each other" all_see present 2 3 &&
	tap_ok "nodes with the right key still connect" || tap_fail "right-key nodes connect"

comm_stop 1
comm_start 1 || die "cannot restart node 1"
if wait_until 30 "all present" all_see_present && kc 1 add "1-$NODES" &&
	wait_until 20 "all online" all_see online $(all_nodes); then
	tap_ok "right key again: cluster forms"
else
	tap_fail "cluster forms with the right key"
fi
tap_exit
