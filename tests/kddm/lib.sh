# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the krg_kddm suite.  Source after tests/lib/krg.sh.
#
# The cluster is formed the way an operator does it (krgadm node start +
# krgadm nodes add, from tests/krgadm/lib.sh) with krg_comm and krg_kddm
# loaded, and the test module krg_kddm_test (the test IO linker and the
# commands that drive it) on every node; a script that finds it already
# formed reuses it.  Every script takes its set ids from its own slice of
# the test range [KRG_KDDM_TEST_BASE, + KRG_KDDM_TEST_MAX) and destroys its
# sets on exit.

. "$KRG_TOP/tests/krgadm/lib.sh"

KC=/krg/tests/kddm/kddm_client
KCLOCK=/krg/tests/kddm/kddm_clock
KDDM_TEST_BASE=$((0x8000))	# KRG_KDDM_TEST_BASE
KDDM_TEST_MAX=$((0x1000))	# KRG_KDDM_TEST_MAX
# KRG_KDDM_TEST_OBJ_MIN / _MAX, KRG_KDDM_TEST_MAX_COUNT, _MAX_HOLD_MS
# (tests/include/krg_kddm_test.h)
KDDM_OBJ_MIN=8
KDDM_OBJ_MAX=65536
KDDM_MAX_COUNT=10000000
KDDM_MAX_HOLD_MS=10000

# krgadm/lib.sh's node_start loads krg_comm only: we need krg_kddm and the
# test module too.
node_start() {
	nexec "$1" --timeout 60 -- krgadm node start -m krg_comm,krg_kddm &&
		nexec "$1" --timeout 60 -- modprobe krg_kddm_test
}

# kc N ARGS...: kddm_client ARGS inside node N (bounded).
kc() {
	local n=$1
	shift
	nexec "$n" --timeout "${KC_TIMEOUT:-120}" -- "$KC" "$@"
}

# field LINE KEY: value of KEY=... in a key=value line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

kddm_loaded_everywhere() {
	local n
	for n in $(all_nodes); do
		nexec "$n" --timeout 20 -- sh -c "grep -q '^krg_kddm_test ' /proc/modules &&
			$KC sets >/dev/null" >/dev/null 2>&1 || return 1
	done
}

# kddm_form: every node online with krg_kddm loaded (reused when it is).
kddm_form() {
	if every_node_sees "$(expected_states online)" 2>/dev/null && kddm_loaded_everywhere; then
		return 0
	fi
	krgadm_reset
	form_cluster || return 1
	wait_until 20 "krg_kddm and krg_kddm_test on every node" kddm_loaded_everywhere
}

# --- sets ---------------------------------------------------------------------
# Each script gets 64 ids: KDDM_SLICE (0..63) selects them.
_kddm_sets=()
_kddm_next=0

# new_set VAR OBJSIZE [POLICY] [ON_FAILURE]: create a set from node 1 (or
# $CREATOR), remember it for cleanup, and store its id in VAR.
new_set() {
	local var=$1 id out
	shift
	id=$((KDDM_TEST_BASE + ${KDDM_SLICE:?} * 64 + _kddm_next))
	_kddm_next=$((_kddm_next + 1))
	# a set left over by an interrupted earlier run
	kc "${CREATOR:-1}" destroy "$id" >/dev/null 2>&1
	out=$(kc "${CREATOR:-1}" create "$id" "$@" 2>&1) || {
		log "create $id $*: $out"
		return 1
	}
	_kddm_sets+=("$id")
	printf -v "$var" '%s' "$id"
}

# destroy_sets: destroy every set this script created (from the first node
# that answers).
destroy_sets() {
	local id n
	for id in "${_kddm_sets[@]}"; do
		for n in $(all_nodes); do
			kc "$n" destroy "$id" >/dev/null 2>&1 && break
		done
	done
	_kddm_sets=()
}

# set_field N SET KEY: one attribute of SET_GET SET on node N.
set_field() {
	field "$(kc "$1" sets "$2" 2>/dev/null)" "$3"
}

# read_on N SET OBJ: the object's counter as node N reads it.
read_on() {
	field "$(kc "$1" op "$2" "$3" read 2>/dev/null)" value
}

# expect_error ERRNAME OUTPUT: OUTPUT (kddm_client stdout + stderr) is an
# error ERRNAME with an "Error: ..." line.
expect_error() {
	local want=$1 out=$2
	grep -q "^error=$want " <<<"$out" && grep -q '^Error: .' <<<"$out" && return 0
	log "expected $want, got: $(tr '\n' ' ' <<<"$out")"
	return 1
}

# cluster_sum SET KEY: KEY summed over every node's SET_GET (integers).
cluster_sum() {
	local n s=0 v
	for n in $(all_nodes); do
		v=$(set_field "$n" "$1" "$2")
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# msgs_tx_total SET [NODES]: protocol messages sent for SET, summed over
# every message type and node.
msgs_tx_total() {
	local n s=0 line
	for n in ${2:-$(all_nodes)}; do
		line=$(set_field "$n" "$1" msgs_tx)
		for kv in ${line//,/ }; do
			s=$((s + ${kv#*:}))
		done
	done
	echo "$s"
}

# kddm_dump_state: every node's sets and last kernel lines, for a failure report.
kddm_dump_state() {
	local n
	for n in $(all_nodes); do
		nexec "$n" --timeout 20 -- "$KC" sets 2>&1 | sed "s/^/#   node$n sets: /" >&2
		nexec "$n" --timeout 20 -- sh -c 'dmesg | grep -i kddm | tail -n 15' 2>&1 |
			sed "s/^/#   node$n dmesg: /" >&2
	done
}

# --- starting work on every node at the same instant --------------------------
# The host's /krg-out, shared with every node's /krg-out.
kddm_out() { echo "${KRG_OUT:-$(vc_info "j['outdir']")}"; }

# together DIR NAME ARGS...: kddm_client ARGS on every node, released at
# once (each node waits for a "go" file in /krg-out once it is ready, so the
# exec latencies of the nodes do not serialise the work); each node's output
# goes to DIR/NAME.N.  Fails if any node failed.
together() {
	local dir=$1 name=$2 n pids=() rc=0 out tag
	shift 2
	out=$(kddm_out)
	tag=kddm-barrier-$$-$name
	rm -f "$out/$tag".*
	for n in $(all_nodes); do
		nexec "$n" --timeout "${KC_TIMEOUT:-600}" -- sh -c ': >/krg-out/'"$tag.ready.$n"'
			i=0; while [ ! -e /krg-out/'"$tag"'.go ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i + 1)); done
			exec "$0" "$@"' "$KC" "$@" >"$dir/$name.$n" 2>&1 &
		pids+=($!)
	done
	all_ready() {
		local m
		for m in $(all_nodes); do [ -e "$out/$tag.ready.$m" ] || return 1; done
	}
	wait_until 60 "every node ready to start $name" all_ready || rc=1
	: >"$out/$tag.go"
	for n in "${pids[@]}"; do
		wait "$n" || rc=1
	done
	rm -f "$out/$tag".*
	for n in $(all_nodes); do
		log "node$n: $(tr '\n' ' ' <"$dir/$name.$n")"
	done
	return $rc
}

# values_are N SET NOBJ WANT [FIRST]: node N reads WANT (and consistent
# bytes) on objects FIRST..FIRST+NOBJ-1, in one exec.
values_are() {
	local out bad
	out=$(kc "$1" values "$2" "$3" "${5:-0}" 2>&1)
	bad=$(awk -v w="$4" '$2 != w || NF != 2' <<<"$out")
	[ -z "$bad" ] && [ -n "$out" ] && return 0
	log "node$1 set $2: want $4 on objects ${5:-0}..$((${5:-0} + $3 - 1)); got: $(head -n 5 <<<"${bad:-$out}" | tr '\n' ';')"
	return 1
}
