# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the krg_proc suite (host side).  Source after tests/lib/krg.sh.
#
# The cluster is formed the way an operator does it (krgadm node start, which
# loads the modules and starts krgd, then krgadm nodes add) and reused by the
# next script when it is already whole.  Inside the nodes, node_lib.sh has
# the helpers that run there (starting cluster processes, the test user).
# Every script leaves no cluster process behind (proc_clean).

. "$KRG_TOP/tests/krgadm/lib.sh"

PD=/krg/tests/proc			# this folder inside the nodes
NL="python3 -S $PD/proc_nl.py"
SIG=$PD/proc_sig
NODE_LIB=$PD/node_lib.sh
KUSER=krguser				# in the nodes' root (else node_lib.sh adds it)
KUID=1000
PID_SHIFT=14				# KRG_PID_NODE_SHIFT
PID_SPACE=$((1 << 22))			# KRG_PID_SPACE

# proc_setup MIN_NODES: skip without the virtual cluster or with fewer
# nodes; $tmp is a scratch folder.  At exit: the script's cleanup_more (if
# it defines one), then no cluster process is left and $tmp goes.
proc_setup() {
	[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
	[ "$NODES" -ge "$1" ] || skip "needs $1 nodes"
	tmp=$(mktemp -d)
	trap proc_exit EXIT
}
proc_exit() {
	if declare -F cleanup_more >/dev/null; then cleanup_more; fi
	proc_clean
	rm -rf "$tmp"
}

# krgadm/lib.sh's node_start loads krg_comm only: we need krg_proc (and
# with it krgd); modprobe pulls the modules it depends on.
node_start() {
	nexec "$1" --timeout 90 -- krgadm node start -m krg_comm,krg_proc
}

# on N [--timeout S] SCRIPT [ARGS...]: sh -c SCRIPT in node N with
# node_lib.sh sourced (bounded: 120 s unless told).
on() {
	local n=$1 t=120
	shift
	if [ "$1" = --timeout ]; then t=$2; shift 2; fi
	nexec "$n" --timeout "$t" -- sh -c ". $NODE_LIB; $1" sh "${@:2}"
}

# inenv N CMD...: CMD as a cluster process of node N, as root.
inenv() {
	local n=$1
	shift
	nexec "$n" --timeout "${T_CMD:-60}" -- krg run -- "$@"
}

# asuser N CMD...: CMD as a cluster process of node N, as krguser.
asuser() {
	local n=$1
	shift
	on "$n" --timeout "${T_CMD:-60}" 'as_user "$KRG" run -- "$@"' "$@"
}

# slice_of PID: the node whose slice holds PID.
slice_of() { echo $(($1 >> PID_SHIFT)); }
# in_slice PID N: PID (a number) belongs to node N's slice.
in_slice() {
	[[ $1 =~ ^[0-9]+$ ]] && [ "$(slice_of "$1")" = "$2" ] && [ "$1" -ge "$(slice_min "$2")" ]
}
slice_min() { if [ "$1" = 0 ]; then echo 300; else echo $(($1 << PID_SHIFT)); fi; }

# status_field N KEY: KEY of krg_proc STATUS on node N.
status_field() {
	nexec "$1" --timeout 20 -- $NL status 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"
}

env_ready_on() { [ "$(status_field "$1" env_state)" = 1 ]; }

env_ready_everywhere() {
	local n
	for n in $(all_nodes); do env_ready_on "$n" || return 1; done
}

# proc_whole: every node sees NODES nodes online, has its environment READY
# and the test user with uid KUID (one exec per node, all at once).
proc_whole() {
	local n d want r=0 bg=()
	d=$(mktemp -d)
	want="$NODES|1|$KUID"
	for n in $(all_nodes); do
		on "$n" --timeout 30 'add_user
			s=$(krgadm -j nodes status 2>/dev/null | grep -o "\"state\": *\"online\"" | wc -l)
			echo "$s|$(status_field env_state)|$(id -u $KUSER)"' >"$d/$n" 2>/dev/null &
		bg+=($!)
	done
	wait "${bg[@]}"
	for n in $(all_nodes); do
		[ "$(cat "$d/$n")" = "$want" ] || { r=1; [ -n "${PROC_VERBOSE:-}" ] && log "node$n: $(cat "$d/$n")"; }
	done
	rm -rf "$d"
	return $r
}

# proc_form: the cluster whole (proc_whole), formed again if it is not.
proc_form() {
	proc_whole && return 0
	krgadm_reset
	form_cluster || return 1
	wait_until 30 "the cluster environment on every node" env_ready_everywhere || {
		log_env
		return 1
	}
	PROC_VERBOSE=1 proc_whole
}

# both_see_online N: node 1 sees N online, and N sees itself and node 1 so.
both_see_online() {
	states_of 1 | grep -q "\b$1:online" && states_of "$1" | grep -q "\b1:online" &&
		states_of "$1" | grep -q "\b$1:online"
}

# rejoin N: node N (booted, or left with its modules still loaded) starts
# again and is added back; its environment is ready and the test user exists.
rejoin() {
	nexec "$1" --timeout 60 -- krgadm node stop >/dev/null 2>&1
	node_start "$1" >/dev/null || { log "node start on node$1 failed"; return 1; }
	wait_until 30 "every node to have a session with node$1" sessions_up_with "$1" ||
		{ log_views; return 1; }
	nexec 1 --timeout 60 -- krgadm nodes add -n "$1" -w 30 ||
		{ log "nodes add -n $1 failed"; return 1; }
	wait_until 30 "node$1 online for node 1 and itself" both_see_online "$1" || { log_views; return 1; }
	wait_until 20 "node$1's environment" env_ready_on "$1" || { log_env; return 1; }
	on "$1" add_user >/dev/null
}

# log_env: each node's STATUS and krgd's last log lines, for a failure report.
log_env() {
	local n
	for n in $(all_nodes); do
		log "node$n STATUS: $(nexec "$n" --timeout 20 -- $NL status 2>&1 | tr '\n' ' ')"
		nexec "$n" --timeout 20 -- sh -c 'tail -n 5 /run/kerrighed/krgd.log 2>/dev/null;
			dmesg | grep -i krg_proc | tail -n 5' 2>&1 | sed "s/^/#   node$n: /" >&2
	done
}

# proc_clean: no cluster process left on any running node (killed from the
# host side of each node, so this works even when krg_proc does not).
proc_clean() {
	at_each_node proc_clean_node
	return 0
}
proc_clean_node() {
	[ "$(node_state "$1" 2>/dev/null)" = running ] || return 0
	on "$1" --timeout 30 env_reset
}

# ps_lines N [ARGS]: the PS dump from node N (proc_nl.py ps ARGS).
ps_lines() {
	local n=$1
	shift
	nexec "$n" --timeout 30 -- $NL ps "$@"
}

# kv LINE KEY: value of KEY=... in a key=value line (not the last key, cmdline).
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

# at_once NAME NODES SCRIPT: run SCRIPT (node_lib.sh sourced) on every node
# of NODES, released at the same instant (each waits for a "go" file in
# /krg-out once it is ready); node N's output goes to $tmp/NAME.N.  Fails if
# any failed.
at_once() {
	local name=$1 nodes=$2 script=$3 n bg=() rc=0 out tag
	out=${KRG_OUT:-$(vc_info "j['outdir']")}
	tag=proc-barrier-$$-$name
	rm -f "$out/$tag".*
	for n in $nodes; do
		on "$n" --timeout "${T_ONCE:-300}" ': >/krg-out/'"$tag.ready.$n"'
			i=0; while [ ! -e /krg-out/'"$tag"'.go ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done
			'"$script" >"$tmp/$name.$n" 2>&1 &
		bg+=($!)
	done
	all_ready() {
		local m
		for m in $nodes; do [ -e "$out/$tag.ready.$m" ] || return 1; done
	}
	wait_until 60 "every node ready to start $name" all_ready || rc=1
	: >"$out/$tag.go"
	for n in "${bg[@]}"; do
		wait "$n" || rc=1
	done
	rm -f "$out/$tag".*
	return $rc
}

# failure_timeout_ms: the cluster's failure timeout as node 1 reports it.
failure_timeout_ms() {
	nexec 1 --timeout 20 -- krgadm -j cluster status | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["cluster"][0]["failure_timeout_ms"])'
}
