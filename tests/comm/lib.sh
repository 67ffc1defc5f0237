# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the krg_comm suite.  Source after tests/lib/krg.sh.
# The suite drives krg_comm, and the test RPC service of the test module
# krg_comm_test (tests/comm/rpc_test), with krgcomm, a thin command-line
# shell over libkrg (krgcomm.c).

KC=/krg/tests/comm/krgcomm

all_nodes() { seq 1 "$NODES"; }

# kc N ARGS...: krgcomm ARGS inside node N.
kc() {
	local n=$1
	shift
	nexec "$n" --timeout 120 -- "$KC" "$@"
}

# Every project module out of every node (test modules, then upper modules
# first), in one exec a node: every test starts with it.
comm_reset() {
	local mods
	mods=$(krg_test_module_names; reverse $(krg_load_order 2>/dev/null))
	at_each_node comm_unload
	return 0
}
# comm_unload N: comm_reset's module list ($mods) out of node N.
comm_unload() {
	nexec "$1" --timeout 60 -- sh -c 'for m; do
		! grep -q "^$m " /proc/modules || rmmod "$m"; done' sh $mods
}

# comm_start [-c CONF] N: load krg_comm with the test RPC service
# (krg_comm_test pulls krg_comm in) in node N and configure it from
# cluster.conf (or CONF).
comm_start() {
	local conf=
	[ "$1" = -c ] && { conf=$2; shift 2; }
	nexec "$1" --timeout 60 -- modprobe krg_comm_test && kc "$1" start $conf
}

# comm_stop N: unload krg_comm in node N (the test service first): it
# leaves the cluster cleanly.  Fails if a module stays.
comm_stop() {
	nexec "$1" --timeout 60 -- sh -c 'rmmod krg_comm_test && rmmod krg_comm'
}

# state_is N ID STATE: node N sees node ID in STATE.
state_is() {
	[ "$(kc "$1" state "$2" 2>/dev/null)" = "$3" ]
}

# comm_states N ID...: node N's state of each ID, one a line (one exec).
comm_states() {
	local n=$1
	shift
	nexec "$n" --timeout 120 -- sh -c 'for id; do "$0" state "$id" || echo error; done' "$KC" "$@" \
		2>/dev/null
}

# all_see STATE ID...: every node in $SEERS (default all) sees every ID in STATE.
all_see() {
	local state=$1 n s states
	shift
	for n in ${SEERS:-$(all_nodes)}; do
		states=$(comm_states "$n" "$@")
		[ "$(wc -l <<<"$states")" = $# ] || return 1
		for s in $states; do
			[ "$s" = "$state" ] || return 1
		done
	done
}

# comm_form: fresh krg_comm on every node, all nodes online.
comm_form() {
	comm_reset
	at_each_node comm_start || return 1
	# Sessions come up on their own; then node 1 adds everybody.
	wait_until 30 "all nodes present everywhere" all_see_present || return 1
	kc 1 add "1-$NODES" || return 1
	wait_until 20 "all nodes online everywhere" all_see online $(all_nodes)
}

all_see_present() {
	local n s states
	for n in $(all_nodes); do
		states=$(comm_states "$n" $(all_nodes))
		[ "$(wc -l <<<"$states")" = "$NODES" ] || return 1
		for s in $states; do
			case $s in present|online) ;; *) return 1 ;; esac
		done
	done
}

# stat_of N PEER FIELD: a per-peer counter on node N.
stat_of() {
	kc "$1" stats "$2" | tr ' ' '\n' | sed -n "s/^$3=//p"
}

# cluster_field N FIELD: from "krgcomm cluster" on node N.
cluster_field() {
	kc "$1" cluster | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# field LINE NAME: value of NAME=... in a key=value line.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
