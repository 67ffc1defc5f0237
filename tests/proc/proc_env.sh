#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster environment of every node and "krg run": krgadm node start
# brings up krgd and krginit (PID 1 of the environment, STATUS READY, the
# node's PID slice); on each node krg run gives its command a PID of the
# node's slice, the caller's stdin/stdout/stderr, environment and working
# directory, exits with the command's status (128+N for signal N), passes
# SIGTERM/SIGHUP it receives on to the command, and runs an unprivileged
# caller as itself without capabilities while root keeps its own.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4

# Everything one node answers, as key=value lines.
PROBE='
	echo "$($NL status)"
	init=$(status_field init_pid)
	echo "init_comm=$(cat /proc/$init/comm 2>&1)"
	kp=$(cat /run/kerrighed/krgd.pid 2>/dev/null)
	kill -0 "$kp" 2>/dev/null && echo "krgd=$kp"
	echo "pid=$($KRG run -- sh -c "echo \$\$")"
	echo "pid1_comm=$($KRG run -- cat /proc/1/comm)"
	[ "$($KRG run -- readlink /proc/self/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] && echo ns_differs=1
	$KRG run -- sh -c "exit 7"; echo "exit7=$?"
	$KRG run -- sh -c "kill -TERM \$\$"; echo "term=$?"
	$KRG run -- sh -c "kill -KILL \$\$"; echo "kill=$?"
	$KRG run -- sh -c "kill -SEGV \$\$"; echo "segv=$?"
	echo "stdin=$(printf "abc\n" | $KRG run -- tr a-z A-Z)"
	echo "stderr=$($KRG run -- sh -c "echo oops >&2; echo out" 2>&1 >/dev/null)"
	head -c 1000000 /dev/urandom >/tmp/penv.bin
	[ "$($KRG run -- cat </tmp/penv.bin | md5sum)" = "$(md5sum </tmp/penv.bin)" ] && echo bulk=1
	echo "var=$(KRGTEST_VAR=xyz $KRG run -- printenv KRGTEST_VAR)"
	echo "cwd=$(cd /tmp && $KRG run -- pwd)"
	echo "root_capeff=$($KRG run -- grep CapEff /proc/self/status | cut -f2)/$(grep CapEff /proc/self/status | cut -f2)"
	echo "user=$(as_user $KRG run -- sh -c "echo \$\$ \$(id -u) \$(grep CapEff /proc/self/status | cut -f2)")"
	for s in TERM HUP; do
		f=$(mktemp)
		$KRG run -- sh -c "echo \$\$ >$f; exec sleep 1000" </dev/null >/dev/null 2>&1 &
		kp=$!
		i=0; while [ ! -s $f ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
		cp=$(cat $f)
		kill -$s $kp
		wait $kp
		echo "fwd_$s=$? $cp $(gone $cp && echo gone)"
		rm -f $f
	done
'

tap_plan 13
if proc_form; then
	tap_ok "cluster formed, krg_proc environment ready on every node"
else
	tap_fail "cluster formed, krg_proc environment ready on every node"
	log_env
	die "no cluster environment: nothing else can be checked"
fi
pids=()
for n in $(all_nodes); do
	on "$n" "$PROBE" >"$tmp/probe.$n" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for n in $(all_nodes); do sed "s/^/# node$n: /" "$tmp/probe.$n"; done

# each KEY TEST [ARG]: TEST [ARG] VALUE NODE holds for KEY's value on every node.
each() {
	local key=$1 n v
	shift
	for n in $(all_nodes); do
		v=$(sed -n "s/^$key=//p" "$tmp/probe.$n" | head -n 1)
		"$@" "$v" "$n" || { log "node$n: $key='$v'"; return 1; }
	done
}
status_ok() {
	local s n
	for n in $(all_nodes); do
		s=$(head -n 1 "$tmp/probe.$n")
		[ "$(kv "$s" env_state)" = 1 ] && [ "$(kv "$s" node_id)" = "$n" ] &&
			[ "$(kv "$s" pid_min)" = "$(slice_min "$n")" ] &&
			[ "$(kv "$s" pid_max)" = $(((n + 1) << PID_SHIFT)) ] &&
			[ "$(kv "$s" init_pid)" -gt 1 ] || { log "node$n STATUS: $s"; return 1; }
	done
}
eq() { [ "$2" = "$1" ]; }	# eq WANT VALUE NODE
pid_ok() { in_slice "${1%% *}" "$2"; }
tap_check "STATUS on every node: READY, its node id, its PID slice, krginit's PID" status_ok
is_krginit() { [ "$1" = krginit ]; }
nonempty() { [ -n "$1" ]; }
tap_check "krgd runs on every node and krginit is PID 1 of the environment" \
	eval 'each krgd nonempty && each init_comm is_krginit && each pid1_comm is_krginit && each ns_differs eq 1'
tap_check "krg run: the command gets a PID of its node's slice, on every node" each pid pid_ok
tap_check "krg run: exit status passes through (7)" each exit7 eq 7
tap_check "krg run: death by a signal is 128+N (SIGTERM 143, SIGKILL 137, SIGSEGV 139)" \
	eval 'each term eq 143 && each kill eq 137 && each segv eq 139'
tap_check "krg run: stdin and stdout pass through" eval 'each stdin eq ABC && each bulk eq 1'
tap_check "krg run: stderr passes through" each stderr eq oops
tap_check "krg run: the caller's environment and working directory" \
	eval 'each var eq xyz && each cwd eq /tmp'
fwd_ok() {	# fwd_ok STATUS VALUE NODE: "STATUS PID gone"
	local -a w=($2 - - -)
	[ "${w[0]}" = "$1" ] && in_slice "${w[1]}" "$3" && [ "${w[2]}" = gone ]
}
tap_check "krg run: SIGTERM to krg run ends the command (143), which is gone" each fwd_TERM fwd_ok 143
tap_check "krg run: SIGHUP to krg run ends the command (129), which is gone" each fwd_HUP fwd_ok 129
user_ok() {	# "PID UID CAPEFF"
	local -a w=($1 - - -)
	in_slice "${w[0]}" "$2" && [ "${w[1]}" = "$KUID" ] && [ "${w[2]}" = 0000000000000000 ]
}
tap_check "krg run by $KUSER: runs as $KUSER without capabilities, PID in the slice" each user user_ok
same_caps() { [ -n "$1" ] && [ "${1%/*}" = "${1#*/}" ]; }
tap_check "krg run by root: the same capabilities as outside" each root_capeff same_caps
tap_exit
