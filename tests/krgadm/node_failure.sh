#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# krgadm reports a failed node: after "vcluster kill" of the last node, the
# survivors' "krgadm nodes status" and "krgadm cluster status" show it
# failed and exit 2 (degraded); once the node is started again, "krgadm node
# start" on it and "krgadm nodes add" on a survivor bring it back, and the
# exit status is 0 again.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/krgadm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
victim=$NODES

cleanup() {
	if [ "$(node_state "$victim" 2>/dev/null)" != running ]; then
		timeout 120 "$VC" start "$victim" >/dev/null 2>&1
	fi
	krgadm_reset
}
trap cleanup EXIT
krgadm_reset

# status_rc N CMD...: exit status of krgadm CMD in node N
status_rc() {
	local n=$1
	shift
	nexec "$n" --timeout 20 -- krgadm "$@" >/dev/null 2>&1
	echo $?
}

survivors_see_failed() {
	local n want
	want="$(expected_states online | sed "s/ $victim:online/ $victim:failed/")"
	for n in $(seq 1 $((NODES - 1))); do
		[ "$(states_of "$n" 2>/dev/null)" = "$want" ] || return 1
	done
}

cluster_status_failed() {
	nexec 1 --timeout 20 -- sh -c 'krgadm -j cluster status; echo rc=$?' >/tmp/krgadm-fail.$$ 2>&1
	grep -q '^rc=2$' /tmp/krgadm-fail.$$ &&
		sed '$d' /tmp/krgadm-fail.$$ | python3 -c '
import json, sys
c = json.load(sys.stdin)["cluster"][0]
assert c["failed"] == sys.argv[1], c
' "$victim"
	local rc=$?
	rm -f /tmp/krgadm-fail.$$
	return $rc
}

tap_plan 9
tap_check "cluster formed with krgadm" form_cluster
tap_check "nodes status exits 0 before the failure" test "$(status_rc 1 nodes status)" = 0
tap_check "kill node$victim" timeout 30 "$VC" kill "$victim"
tap_check "the survivors see node$victim failed" \
	wait_until 20 "the survivors to see node$victim failed" survivors_see_failed
tap_check "nodes status exits 2 (degraded)" test "$(status_rc 1 nodes status)" = 2
tap_check "cluster status -j lists node$victim failed and exits 2" cluster_status_failed
start_victim() { timeout 120 "$VC" start "$victim" >/dev/null; }
tap_check "start node$victim again" start_victim
rejoin() {
	node_start "$victim" >/dev/null || { log "node start on node$victim failed"; return 1; }
	wait_until 30 "every survivor to have a session with node$victim" \
		sessions_up_with "$victim" || { log_views; return 1; }
	nexec 1 --timeout 60 -- krgadm nodes add -n "$victim" -w 30 ||
		{ log "nodes add -n $victim failed"; return 1; }
	wait_until 30 "every node to see 1-$NODES online" every_node_sees "$(expected_states online)" &&
		return 0
	log_views
	return 1
}
tap_check "node$victim rejoins with krgadm node start + nodes add" rejoin
tap_check "nodes status exits 0 again" test "$(status_rc 1 nodes status)" = 0
tap_exit
