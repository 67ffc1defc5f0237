# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the krgadm suite: form the cluster with krgadm the way an
# operator does, and read what each node reports.  Source after lib/krg.sh.

# all_nodes: 1 .. NODES, one a line.
all_nodes() { seq 1 "$NODES"; }

# Every node back to "nothing of ours loaded" (errors ignored: a node may
# already be clean).  Test modules sit on ours: they go first.
node_reset() {
	krg_unload_test_modules "$1"
	nexec "$1" --timeout 60 -- krgadm node stop >/dev/null 2>&1 ||
		nexec "$1" --timeout 60 -- krgadm node stop >/dev/null 2>&1
	return 0
}
krgadm_reset() { at_each_node node_reset; }

# node_start N: "krgadm node start" on node N, only krg_comm (the other
# modules have suites of their own).
node_start() {
	nexec "$1" --timeout 60 -- krgadm node start -m krg_comm
}

# states_of N: "id:state id:state ..." as node N sees the cluster, from
# "krgadm -j nodes status" parsed by python3 inside the node.
states_of() {
	nexec "$1" --timeout 20 -- sh -c 'krgadm -j nodes status | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(\" \".join(\"%d:%s\" % (r[\"id\"], r[\"state\"]) for r in d[\"nodes\"]))
"'
}

# expected_states STATE: "1:STATE 2:STATE ..." for every node.
expected_states() {
	local n out=
	for n in $(all_nodes); do out="$out${out:+ }$n:$1"; done
	echo "$out"
}

# every_node_sees WANT: true when every node reports exactly WANT.
every_node_sees() {
	local n got
	for n in $(all_nodes); do
		got=$(states_of "$n" 2>/dev/null) || return 1
		[ "$got" = "$1" ] || return 1
	done
	return 0
}

# sessions_up_with N: every other node has an established session with N.
sessions_up_with() {
	local n
	for n in $(all_nodes); do
		[ "$n" = "$1" ] && continue
		nexec "$n" --timeout 20 -- sh -c 'krgadm -j nodes status -n '"$1"' | python3 -c "
import json, sys
assert json.load(sys.stdin)[\"nodes\"][0][\"connection\"] == \"established\"
"' >/dev/null 2>&1 || return 1
	done
}

# form_cluster: node start everywhere, then nodes add -n 1-NODES from node 1.
form_cluster() {
	at_each_node node_start || return 1
	# Every node present first, so that a failed start shows here (the
	# add itself also waits, bounded, for the full mesh: race_add.sh
	# adds at once).
	wait_until 30 "every node to see 1-$NODES present" \
		every_node_sees "$(expected_states present)" || { log_views; return 1; }
	nexec 1 --timeout 60 -- krgadm nodes add -n "1-$NODES" -w 30 ||
		{ log "krgadm nodes add -n 1-$NODES failed"; return 1; }
	wait_until 30 "every node to see 1-$NODES online" \
		every_node_sees "$(expected_states online)" && return 0
	log_views
	return 1
}

# log_views: each node's view of the membership, for a failure report.
log_views() {
	local n
	for n in $(all_nodes); do
		log "node$n sees: $(states_of "$n" 2>&1)"
		nexec "$n" --timeout 20 -- krgadm nodes status 2>&1 | sed "s/^/#   node$n: /" >&2
	done
}
