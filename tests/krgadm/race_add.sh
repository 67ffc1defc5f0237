#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "krgadm nodes add -n 1-N" right after "krgadm node start" on every node
# (node 1 sees everyone present, but node 2 may not yet have its session with
# node 3) must converge to every node online everywhere.  This used to fail
# ~1 round in 3: node 2 marked node 3 online from the add broadcast, then took
# node 3's first session for a restart ("node 3 came back with a new session:
# declared failed").  krg_comm now checks, bounded, that every pair of nodes
# has a session before an add changes anything, and tells a member's first
# session from a restart by its incarnation (modules/krg_comm/membership.c).
# This is the project demo's flow.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/krgadm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
ROUNDS=${ROUNDS:-6}
trap krgadm_reset EXIT

tap_plan "$ROUNDS"
for r in $(seq 1 "$ROUNDS"); do
	krgadm_reset
	ok=1
	for n in $(all_nodes); do node_start "$n" >/dev/null || ok=0; done
	nexec 1 --timeout 60 -- krgadm nodes add -n "1-$NODES" -w 30 || ok=0
	if [ $ok = 1 ] && wait_until 20 "every node to see 1-$NODES online" \
		every_node_sees "$(expected_states online)"; then
		tap_ok "round $r: immediate add converges"
	else
		log_views
		tap_fail "round $r: immediate add converges"
	fi
done
tap_exit
