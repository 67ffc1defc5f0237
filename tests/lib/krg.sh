# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the host-side test scripts (TEST_PROGS) under tests/.
# Source it with:  . "$KRG_TOP/tests/lib/krg.sh"
#
# tests/run gives every script VC, VCLUSTER_NAME, KRG_TOP, NODES and KRG_OUT.
# A script exits 0 on pass, 4 (KSFT_SKIP) on skip, anything else on failure,
# and may print TAP lines ("ok N name", "not ok N name") that tests/run counts
# as separate results.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

: "${KRG_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VC:=$KRG_TOP/tools/vcluster/vcluster}"
: "${NODES:=3}"
export VC KRG_TOP NODES

log() { printf '# %s\n' "$*" >&2; }
die() { printf '# FATAL: %s\n' "$*" >&2; exit "$KSFT_FAIL"; }
skip() { printf '# SKIP: %s\n' "$*" >&2; exit "$KSFT_SKIP"; }

# vc ARGS...: the virtual cluster tool, on the cluster of this run.
vc() { "$VC" "$@"; }

# nexec NODE [--timeout S] -- CMD...: run CMD inside NODE.
nexec() { "$VC" exec "$@"; }

# Monotonic-enough clock in milliseconds.
now_ms() { date +%s%3N; }

# wait_until SECONDS DESCRIPTION CMD...
# Poll CMD (quietly) until it succeeds or SECONDS pass; the poll interval
# grows from 50 ms to 500 ms.  Returns 0 when CMD succeeded, 1 on timeout.
wait_until() {
	local secs=$1 what=$2 deadline delay=0.05
	shift 2
	deadline=$(( $(now_ms) + secs * 1000 ))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			log "timed out after ${secs}s waiting for: $what"
			return 1
		fi
		sleep "$delay"
		case $delay in
		0.05) delay=0.1 ;; 0.1) delay=0.2 ;; *) delay=0.5 ;;
		esac
	done
}

# --- TAP -----------------------------------------------------------------
_tap_n=0
_tap_failed=0
_tap_passed=0
_tap_skipped=0

tap_plan() { echo "TAP version 13"; echo "1..$1"; }
tap_ok() { _tap_n=$((_tap_n + 1)); _tap_passed=$((_tap_passed + 1)); echo "ok $_tap_n $*"; }
tap_fail() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n $*"; }
tap_skip() {
	local name=$1
	shift
	_tap_n=$((_tap_n + 1)); _tap_skipped=$((_tap_skipped + 1))
	echo "ok $_tap_n $name # SKIP $*"
}
# tap_check NAME CMD...: run CMD, report it as one TAP result.
tap_check() {
	local name=$1
	shift
	if "$@"; then tap_ok "$name"; else tap_fail "$name"; fi
}
# tap_exit: exit status summarising the results reported so far.
tap_exit() {
	echo "# totals: pass:$_tap_passed fail:$_tap_failed skip:$_tap_skipped"
	if [ "$_tap_failed" -gt 0 ]; then exit "$KSFT_FAIL"; fi
	if [ "$_tap_passed" -eq 0 ] && [ "$_tap_skipped" -gt 0 ]; then exit "$KSFT_SKIP"; fi
	exit "$KSFT_PASS"
}

# --- netlink requests that must be refused ----------------------------------

# nl_refusals NODE CLIENT MSG_ERRNOS: "WANT REQUEST..." lines on stdin (empty
# lines skipped); each "CLIENT raw REQUEST..." run in NODE (a client that
# prints "error=ENAME errno=N msg=TEXT" on a refusal, as
# tests/proc/proc_nl.py does) must fail with an errno matching WANT (ERE),
# and with a non-empty extack message when that errno matches MSG_ERRNOS
# (ERE).  Logs every request that does not; fails if one did not.
nl_refusals() {
	local node=$1 client=$2 with_msg=$3 bad=0 want req out e
	while read -r want req; do
		[ -n "$want" ] || continue
		out=$(nexec "$node" --timeout 30 -- $client raw $req 2>&1 | tr '\n' ' ')
		e=$(sed -n 's/^error=\([A-Z]*\) .*/\1/p' <<<"$out")
		if ! [[ $e =~ ^($want)$ ]]; then
			log "raw $req: '$out' (want $want)"
			bad=1
		elif [[ $e =~ ^($with_msg)$ ]] && ! grep -q 'msg=.' <<<"$out"; then
			log "raw $req: $out: no extack message"
			bad=1
		fi
	done
	return $bad
}

# --- the project's modules ----------------------------------------------

# krg_modules: every module of the project, one name a line, discovered from
# modules/krg_*/ (the directory name is the module name).
krg_modules() {
	local d
	for d in "$KRG_TOP"/modules/krg_*/; do
		[ -d "$d" ] || continue
		basename "$d"
	done
}

# krg_module_deps MODULE: the project modules MODULE depends on (from the
# built .ko's modinfo "depends" field), one a line.
krg_module_deps() {
	local ko="$KRG_TOP/modules/$1/$1.ko" deps d
	[ -r "$ko" ] || { log "$ko not built"; return 1; }
	deps=$(modinfo -F depends "$ko") || return 1
	for d in ${deps//,/ }; do
		case $d in krg_*) echo "$d" ;; esac
	done
}

# krg_load_order: the project modules in an order where every module comes
# after the modules it depends on (tsort of the modinfo dependency graph).
krg_load_order() {
	local m d
	{
		for m in $(krg_modules); do
			echo "$m $m"
			for d in $(krg_module_deps "$m"); do
				echo "$d $m"
			done
		done
	} | tsort
}

# krg_test_module_names: the test modules (every .ko built under tests/),
# one name a line.  They sit on the project's modules, so they go first.
krg_test_module_names() {
	local ko
	for ko in "$KRG_TOP"/tests/*/*/*.ko; do
		[ -e "$ko" ] && basename "$ko" .ko
	done
}

# at_each_node FUNC: FUNC N for every node N (1 .. NODES) at once (each
# node is a machine of its own, as when an operator starts or stops them
# all); its output dropped.  Fails, naming the nodes, if FUNC failed on any.
at_each_node() {
	local f=$1 n i rc=0 pids=() nodes=()
	for n in $(seq 1 "$NODES"); do
		"$f" "$n" >/dev/null 2>&1 &
		pids+=("$!") nodes+=("$n")
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { log "$f failed on node${nodes[$i]}"; rc=1; }
	done
	return $rc
}

# krg_unload_test_modules N: every loaded test module out of node N (one exec).
krg_unload_test_modules() {
	nexec "$1" --timeout 60 -- sh -c 'for m; do
		! grep -q "^$m " /proc/modules || rmmod "$m"; done' sh $(krg_test_module_names) \
		>/dev/null 2>&1
	return 0
}

# krg_top_modules: modules no other project module depends on; loading
# them with modprobe pulls in all the others.
krg_top_modules() {
	local m d all needed=" "
	all=$(krg_modules)
	for m in $all; do
		for d in $(krg_module_deps "$m"); do
			needed="$needed$d "
		done
	done
	for m in $all; do
		case $needed in *" $m "*) ;; *) echo "$m" ;; esac
	done
}

# reverse LINES...: print its arguments in reverse order, one a line.
reverse() {
	local i
	for ((i = $#; i > 0; i--)); do
		echo "${!i}"
	done
}

# --- the cluster -------------------------------------------------------------

# vc_info PYTHON_EXPR: print EXPR evaluated on "vcluster info" (variable j).
vc_info() {
	"$VC" info | python3 -c 'import json, sys
j = json.load(sys.stdin)
print('"$1"')'
}
node_addr() { vc_info "j['nodes'][$1 - 1]['addr']"; }
node_pid() { vc_info "j['nodes'][$1 - 1]['pid'] or ''"; }
node_state() { vc_info "j['nodes'][$1 - 1]['state']"; }
