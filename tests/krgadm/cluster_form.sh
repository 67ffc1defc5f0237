#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster forms with krgadm exactly as an operator does it:
# "krgadm node start" on every node, "krgadm nodes add -n 1-N" on node 1.
# Then: every node reports the same membership, -j output parses (python3 in
# the node), nodes leave and come back, mutating operations are refused to
# non-root users with EPERM, malformed input gets a clear error.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/krgadm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
last=$NODES

tmp=$(mktemp -d /tmp/krgadm-test.XXXXXX)
trap 'krgadm_reset; rm -rf "$tmp"' EXIT
krgadm_reset

# run_on N EXPECTED-RC STDERR-SUBSTRING CMD...: run CMD in node N, check its
# exit status and that stderr contains the substring.
run_on() {
	local n=$1 rc=$2 msg=$3 got
	shift 3
	nexec "$n" --timeout 30 -- "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$rc" ]; then
		log "node$n: $*: exit $got, expected $rc; stdout: $(cat "$tmp/out"); stderr: $(cat "$tmp/err")"
		return 1
	fi
	if [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/err"; then
		log "node$n: $*: stderr \"$(cat "$tmp/err")\" lacks \"$msg\""
		return 1
	fi
	return 0
}

start_all() {
	local n
	for n in $(all_nodes); do
		run_on "$n" 0 "" krgadm node start -m krg_comm || return 1
		grep -q "^node $n of cluster [0-9]* configured" "$tmp/out" ||
			{ log "node$n: unexpected output: $(cat "$tmp/out")"; return 1; }
	done
}

# cluster status -j on every node: same cluster id, its own node id, the
# same online list.
cluster_status_agrees() {
	local n
	for n in $(all_nodes); do
		nexec "$n" --timeout 20 -- sh -c 'krgadm -j cluster status | python3 -c "
import json, sys
c = json.load(sys.stdin)[\"cluster\"][0]
assert c[\"configured\"] is True, c
assert c[\"node_id\"] == int(sys.argv[1]), c
assert c[\"online\"] == sys.argv[2], c
assert c[\"failed\"] in (None, \"\"), c
print(c[\"cluster_id\"])
" '"$n 1-$NODES" >>"$tmp/ids" || return 1
	done
	[ "$(sort -u "$tmp/ids" | wc -l)" = 1 ]
}

stats_parse() {
	nexec 1 --timeout 20 -- sh -c 'krgadm -j nodes stats | python3 -c "
import json, sys
peers = json.load(sys.stdin)[\"peers\"]
ids = sorted(p[\"id\"] for p in peers)
assert ids == list(range(2, int(sys.argv[1]) + 1)), ids
for p in peers:
    assert p[\"connection\"] == \"established\", p
    assert p[\"tx_frames\"] > 0 and p[\"rx_frames\"] > 0, p
" '"$NODES"
}

human_table() {
	run_on 1 0 "" krgadm nodes status || return 1
	head -n 1 "$tmp/out" | grep -q '^ *ID *STATE *CONNECTION *ADDRESS *PORT *SELF' &&
		[ "$(grep -c ' online ' "$tmp/out")" = "$NODES" ]
}

as_nobody() {	# as_nobody N CMD...
	local n=$1
	shift
	nexec "$n" --timeout 30 -- setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

nobody_eperm() {
	as_nobody 1 krgadm nodes "$1" -n "$2" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" = 1 ] && grep -q '^Error: .*ermission\|^Error: Operation not permitted' "$tmp/err" ||
		{ log "nobody: nodes $1 -n $2: exit $rc, stderr: $(cat "$tmp/err")"; return 1; }
}

tap_plan 22
tap_check "krgadm node start on every node" start_all
# see lib.sh form_cluster (race_add.sh adds without waiting)
tap_check "every node sees every node present" \
	wait_until 30 "every node to see 1-$NODES present" every_node_sees "$(expected_states present)"
tap_check "krgadm nodes add -n 1-$NODES" run_on 1 0 "" krgadm nodes add -n "1-$NODES" -w 30
if wait_until 30 "every node to see 1-$NODES online" every_node_sees "$(expected_states online)"; then
	tap_ok "every node reports the same membership: $(expected_states online)"
else
	for n in $(all_nodes); do log "node$n sees: $(states_of "$n" 2>&1)"; done
	tap_fail "every node reports the same membership"
fi
tap_check "cluster status -j agrees on every node" cluster_status_agrees
tap_check "nodes stats -j parses, every peer established" stats_parse
tap_check "human nodes status table" human_table
tap_check "nodes status exits 0 on a healthy cluster" run_on "$last" 0 "" krgadm nodes status -n 1-"$NODES"
tap_check "cluster status exits 0 on a healthy cluster" run_on "$last" 0 "" krgadm cluster status

tap_check "nobody: nodes add is EPERM" nobody_eperm add "1-$NODES"
tap_check "nobody: nodes del is EPERM" nobody_eperm del "$last"
nobody_status() { as_nobody "$last" krgadm -j nodes status >/dev/null; }
tap_check "nobody: nodes status works" nobody_status

tap_check "malformed list is rejected" run_on 1 1 'Error: invalid node list "2-x": node id expected at position 3' \
	krgadm nodes add -n 2-x
tap_check "unconfigured node: kernel error with its message" run_on 1 1 'Error: ' krgadm nodes add -n 200
grep -q '200' "$tmp/err" || log "the kernel's message does not name node 200: $(cat "$tmp/err")"

tap_check "nodes del -n $last" run_on 1 0 "" krgadm nodes del -n "$last"
# the members agree that node N is present again; node N, out of the
# cluster, sees itself present
members_see_leave() {
	local n want
	want="$(expected_states online | sed "s/ $last:online/ $last:present/")"
	for n in $(seq 1 $((NODES - 1))); do
		[ "$(states_of "$n" 2>/dev/null)" = "$want" ] || return 1
	done
	states_of "$last" 2>/dev/null | grep -qw "$last:present"
}
tap_check "the members see node$last present, themselves online" \
	wait_until 30 "the members to see node$last present" members_see_leave
tap_check "nodes add -n $last again (from node 2)" run_on 2 0 "" krgadm nodes add -n "$last" -w 30
tap_check "every node sees 1-$NODES online again" \
	wait_until 30 "every node to see 1-$NODES online" every_node_sees "$(expected_states online)"

# krgadm monitor -j (events multicast group) on node 1 reports node N
# leaving, down and up, in that order.  The monitor runs detached in the
# node, writing to a file there (vcluster exec returns output only when the
# command ends); it may subscribe after the first del/add: then try again
# (at most 3 times).
events_seen() {
	nexec 1 --timeout 10 -- cat /tmp/krgadm-events | python3 -c '
import json, sys
evs = [json.loads(l) for l in sys.stdin if l.startswith("{")]
seq = [e["event"] for e in evs if e["node"] == int(sys.argv[1])]
it = iter(seq)
assert all(w in it for w in ("leaving", "down", "up")), seq
' "$last"
}
stop_monitor() {
	nexec 1 --timeout 10 -- pkill -f "krgadm -j monitor" >/dev/null 2>&1
	return 0
}
monitor_events() {
	local try
	for try in 1 2 3; do
		stop_monitor
		nexec 1 --timeout 10 -- sh -c 'setsid krgadm -j monitor -w 60 >/tmp/krgadm-events 2>&1 </dev/null &' ||
			return 1
		if ! wait_until 10 "krgadm monitor to run on node1" \
			nexec 1 --timeout 5 -- pgrep -f "krgadm -j monitor"; then
			stop_monitor
			return 1
		fi
		if ! nexec 1 --timeout 30 -- krgadm nodes del -n "$last" ||
		   ! nexec 1 --timeout 60 -- krgadm nodes add -n "$last" -w 30; then
			stop_monitor
			return 1
		fi
		if wait_until 10 "leaving, down, up events for node$last" events_seen; then
			stop_monitor
			return 0
		fi
		log "try $try: events: $(nexec 1 -- cat /tmp/krgadm-events | tr '\n' ' ')"
	done
	stop_monitor
	return 1
}
tap_check "monitor -j reports node$last leaving, down, up" monitor_events
tap_check "every node sees 1-$NODES online after the monitor test" \
	wait_until 30 "every node to see 1-$NODES online" every_node_sees "$(expected_states online)"

tap_check "node start again with the same identity is accepted" run_on 1 0 "" krgadm node start -m krg_comm
other_identity() {
	nexec 1 --timeout 30 -- sh -c 'sed "s/^cluster_id .*/cluster_id 999/" /etc/kerrighed/cluster.conf >/tmp/other.conf &&
		krgadm -c /tmp/other.conf node start -m krg_comm' >"$tmp/out" 2>"$tmp/err"
	[ $? = 1 ] && grep -q '^Error: this node is already configured as node 1 of cluster' "$tmp/err" ||
		{ log "other identity: $(cat "$tmp/err")"; return 1; }
}
tap_check "node start with another identity is refused" other_identity
tap_exit
