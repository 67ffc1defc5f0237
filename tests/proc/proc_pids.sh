#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cluster PIDs under a fork storm: every node at the same instant forks
# 2,500 children inside its environment (10,000 in all) and holds them as
# zombies, so all 10,000 PIDs are allocated at once; every PID lies in its
# node's slice [N << 14, (N + 1) << 14) and no number appears twice in the
# cluster.  Afterwards the nodes still start processes in their slice.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4
PER_NODE=${PROC_STORM_PER_NODE:-2500}

tap_plan 5
proc_form || die "cluster with krg_proc did not form"
proc_clean
declare -A base
for n in $(all_nodes); do base[$n]=$(status_field "$n" nr_local); done
log "NR_LOCAL before: ${base[*]}"
t0=$(now_ms)
T_ONCE=300 at_once storm "$(all_nodes)" '$KRG run -- $PD/fork_storm '"$PER_NODE"
rc=$?
log "storm of $((PER_NODE * NODES)) forks on $NODES nodes: $(($(now_ms) - t0)) ms"
for n in $(all_nodes); do log "node$n: $(grep -v '^[0-9]' "$tmp/storm.$n" | tr '\n' ' ')"; done
tap_check "every node forked $PER_NODE children at once" \
	eval '[ $rc = 0 ] && [ "$(cat "$tmp"/storm.* | grep -c "^forked=$PER_NODE$")" = $NODES ]'
in_slices() {
	local n bad
	for n in $(all_nodes); do
		bad=$(grep -E '^[0-9]+$' "$tmp/storm.$n" |
			awk -v lo="$(slice_min "$n")" -v hi=$(((n + 1) << PID_SHIFT)) '$1 < lo || $1 >= hi' | head -n 5)
		[ -z "$bad" ] || { log "node$n: PIDs outside its slice: $bad"; return 1; }
	done
}
tap_check "every PID lies in its node's slice" in_slices
cat "$tmp"/storm.* | grep -E '^[0-9]+$' >"$tmp/all"
tap_check "$((PER_NODE * NODES)) PIDs, all different" \
	eval '[ "$(wc -l <"$tmp/all")" = $((PER_NODE * NODES)) ] && [ "$(sort -u "$tmp/all" | wc -l)" = $((PER_NODE * NODES)) ]'
after() {
	local n p
	for n in $(all_nodes); do
		p=$(inenv "$n" sh -c 'echo $$') && in_slice "$p" "$n" || { log "node$n: '$p'"; return 1; }
	done
}
tap_check "afterwards every node still starts processes in its slice" after
nr_local_back() {
	local n
	for n in $(all_nodes); do
		[ "$(status_field "$n" nr_local)" = "${base[$n]}" ] || return 1
	done
}
tap_check "no zombie of the storm left (NR_LOCAL back to where it was everywhere)" \
	wait_until 20 "NR_LOCAL back" nr_local_back
tap_exit
