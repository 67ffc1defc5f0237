#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kerrighed capabilities.  proc_caps (kselftest harness, through the netlink
# family) runs inside node 1's environment: defaults, fork and exec
# inheritance, the set rules, permission checks.  Then the krg caps tool:
# without -k it changes its parent (the shell), -k names a process, +/-
# add and remove, a bare list sets exactly, -s shows; krguser changing
# root's process fails with "Error: ..." and exit 1, and changes nothing.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 1

NTESTS=9	# TEST()s in proc_caps.c
tap_plan $((NTESTS + 5))
proc_form || die "cluster with krg_proc did not form"

out=$(T_CMD=120 inenv 1 env KRG_TEST_UID="$KUID" "$PD/proc_caps" 2>&1)
sed 's/^/# /' <<<"$out"
while IFS= read -r line; do
	case $line in
	"ok "[0-9]*) tap_ok "proc_caps: $(sed -E 's/^ok [0-9]+ //' <<<"$line")" ;;
	"not ok "[0-9]*) tap_fail "proc_caps: $(sed -E 's/^not ok [0-9]+ //' <<<"$line")" ;;
	esac
done <<<"$out"

# caps_of N PID: "E,P,IE,IP" of PID on node N (as root).
caps_of() { nexec "$1" --timeout 20 -- $NL caps "$2" | tr ' ' '\n' | sed -n 's/^caps=//p'; }

out=$(on 1 '$KRG run -- sh -c "krg caps -s; echo rc=\$?"' 2>&1)
log "krg caps -s: $(tr '\n' ';' <<<"$out")"
tap_check "krg caps -s shows the shell's capabilities by name" \
	eval 'grep -q "^rc=0$" <<<"$out" && grep -qi can_migrate <<<"$out" && grep -qi change_kerrighed_cap <<<"$out"'

# krg caps without -k changes its parent; -k PID another process.
tool() {
	local pid c
	pid=$(on 1 'pstart sh -c "krg caps -e -CAN_MIGRATE && krg caps -k \$\$ -d -CHECKPOINTABLE &&
		exec sleep 1000"')
	wait_until 10 "the shell to exec sleep" eval 'on 1 "\$KRG run -- cat /proc/$pid/comm" | grep -qx sleep' ||
		return 1
	c=$(caps_of 1 "$pid")
	log "after krg caps -e -CAN_MIGRATE, -k \$\$ -d -CHECKPOINTABLE: $pid: $c"
	IFS=, read -r e p ie ip <<<"$c"
	[ -n "$pid" ] && [ $((e & 2)) = 0 ] && [ $((e & 9)) = 9 ] && [ $((ie & 8)) = 0 ] && [ $((ie & 2)) = 2 ] &&
		[ $((p & 10)) = 10 ]
}
tap_check "krg caps -e -CAN_MIGRATE (its parent), -k PID -d -CHECKPOINTABLE: done exactly" tool

exact() {
	local pid c
	pid=$(on 1 'pstart sh -c "krg caps -e change_kerrighed_cap,can_migrate && exec sleep 1000"')
	wait_until 10 "the shell's caps to change" eval '[ "$(caps_of 1 "$pid" | cut -d, -f1)" = 0x3 ]' ||
		{ log "caps of $pid: $(caps_of 1 "$pid")"; return 1; }
}
tap_check "krg caps -e with a bare list (any case) sets exactly those" exact

user_refused() {
	local root before out after
	root=$(on 1 'pstart sleep 1000')
	before=$(caps_of 1 "$root")
	out=$(on 1 'as_user $KRG caps -k "$1" -e -CAN_MIGRATE; echo rc=$?' "$root" 2>&1)
	after=$(caps_of 1 "$root")
	log "krguser: krg caps -k $root (root's): $(tr '\n' ';' <<<"$out") caps $before -> $after"
	grep -q '^Error: .*\.$' <<<"$out" && grep -q '^rc=1$' <<<"$out" && [ -n "$before" ] && [ "$before" = "$after" ]
}
tap_check "krguser: krg caps -k <root's process>: Error: ..., exit 1, nothing changed" user_refused
user_own() {
	local pid c
	pid=$(on 1 'pstart -u sleep 1000')
	on 1 'as_user $KRG caps -k "$1" -e -CAN_MIGRATE' "$pid" || return 1
	c=$(caps_of 1 "$pid")
	log "krguser's own $pid after -e -CAN_MIGRATE: $c"
	[ $((${c%%,*} & 2)) = 0 ]
}
tap_check "krguser: krg caps -k <its own process> -e -CAN_MIGRATE works" user_own
tap_exit
