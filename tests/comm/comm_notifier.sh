#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Membership notifier chains, seen by a test module (notifier/krg_comm_nt.c)
# that registers three notifiers (priorities 20, 30, 10, in that order) in
# node 1 and logs every call: registering replays NODE_UP for the nodes
# already online; NODE_UP runs in descending priority, LEAVING / DOWN /
# FAILED in ascending priority; events come for an add, a del and a killed
# node.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/comm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
victim=3
NT=/sys/kernel/debug/krg_comm_nt
nt_unload() { nexec 1 --timeout 30 -- sh -c 'rmmod krg_comm_nt 2>/dev/null; true'; }
trap 'nt_unload; vc start "$victim" >/dev/null 2>&1; comm_reset' EXIT

# nt_log: the log, ordered by call sequence.
nt_log() { nexec 1 -- cat "$NT/log" | sort -n; }
nt_clear() { nexec 1 -- sh -c "echo 1 > $NT/clear"; }
# prios EVENT NODE: the priorities that got EVENT for NODE, in call order.
prios() { nt_log | awk -v e="$1" -v n="$2" '$3 == e && $4 == n { printf "%s ", $2 }'; }
# has_calls EVENT NODE COUNT: COUNT calls of EVENT for NODE logged.
has_calls() { [ "$(nt_log | awk -v e="$1" -v n="$2" '$3 == e && $4 == n' | wc -l)" -ge "$3" ]; }

tap_plan 7
comm_form || die "cluster did not form"
nexec 1 -- sh -c 'mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug' ||
	die "no debugfs"
nexec 1 -- modprobe krg_comm_nt || die "cannot load the test module"

ok=1
for node in $(all_nodes); do
	for p in 10 20 30; do
		c=$(nt_log | awk -v p="$p" -v n="$node" '$2 == p && $3 == "up" && $4 == n' | wc -l)
		[ "$c" = 1 ] || { ok=0; log "priority $p: $c replayed up for node $node"; }
	done
done
[ "$(nt_log | grep -vc ' up ')" = 0 ] || { ok=0; log "events other than up at registration"; }
[ $ok = 1 ] && tap_ok "registering replays NODE_UP of every online node to each notifier" ||
	{ nt_log | sed 's/^/# /'; tap_fail "registration replay"; }

# A clean removal: LEAVING then DOWN, both in ascending priority.
nt_clear
kc 1 del "$victim" || log "del $victim failed"
wait_until 20 "leaving and down logged" has_calls down "$victim" 3 || true
p_leaving=$(prios leaving "$victim")
p_down=$(prios down "$victim")
last_leaving=$(nt_log | awk -v n="$victim" '$3 == "leaving" && $4 == n { s = $1 } END { print s + 0 }')
first_down=$(nt_log | awk -v n="$victim" '$3 == "down" && $4 == n { print $1; exit }')
if [ "$p_leaving" = "10 20 30 " ]; then
	tap_ok "nodes del: NODE_LEAVING in ascending priority"
else
	tap_fail "nodes del: NODE_LEAVING in ascending priority (got '$p_leaving')"
fi
if [ "$p_down" = "10 20 30 " ] && [ -n "$first_down" ] && [ "$first_down" -gt "$last_leaving" ]; then
	tap_ok "nodes del: NODE_DOWN after every LEAVING, in ascending priority"
else
	nt_log | sed 's/^/# /'
	tap_fail "nodes del: NODE_DOWN after LEAVING, ascending (got '$p_down')"
fi

# Back in: NODE_UP in descending priority.
nt_clear
wait_until 20 "node $victim present again" all_see_present || true
kc 1 add "$victim" || log "add $victim failed"
wait_until 20 "up logged" has_calls up "$victim" 3 || true
p_up=$(prios up "$victim")
[ "$p_up" = "30 20 10 " ] && tap_ok "nodes add: NODE_UP in descending priority" ||
	tap_fail "nodes add: NODE_UP in descending priority (got '$p_up')"

# A killed node: NODE_FAILED in ascending priority, after the failure timeout.
wait_until 20 "all online" all_see online $(all_nodes) || true
nt_clear
t0=$(now_ms)
vc kill "$victim" >/dev/null
if wait_until 30 "failed logged" has_calls failed "$victim" 3; then
	tap_ok "killed node: NODE_FAILED delivered ($(( $(now_ms) - t0 )) ms after the kill)"
else
	tap_fail "killed node: NODE_FAILED delivered"
fi
p_failed=$(prios failed "$victim")
[ "$p_failed" = "10 20 30 " ] && tap_ok "killed node: NODE_FAILED in ascending priority" ||
	tap_fail "killed node: NODE_FAILED in ascending priority (got '$p_failed')"
others=$(nt_log | awk -v n="$victim" '$4 != n' | wc -l)
[ "$others" = 0 ] && tap_ok "no event for the other nodes" ||
	{ nt_log | sed 's/^/# /'; tap_fail "no event for the other nodes ($others)"; }

nexec 1 -- rmmod krg_comm_nt || log "rmmod krg_comm_nt failed"
tap_exit
