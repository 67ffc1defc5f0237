#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile local input.  Malformed krg_proc netlink requests (wrong types,
# oversized and short binaries, unknown and misplaced attributes, truncated
# attributes, PIDs out of range, unknown commands, dump/do mix-ups) are
# refused with an error (EINVAL/ERANGE with an extack message); mutating
# commands from a non-root user get EPERM; 900 random requests (as root
# and as krguser) all get an answer.  /proc read racing with exits: nodes 2
# and 3 churn short-lived cluster processes while nodes 1 and 4 read every
# remote /proc/<pid> file in a loop: only "no such process" errors, no hang.
# The node keeps answering afterwards; tests/run checks the consoles.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4

tap_plan 9
proc_form || die "cluster with krg_proc did not form"

# raw_cases FILE: "WANT CMD ARGS..." lines, each request must fail with an
# errno of WANT (a|b), with an extack message for EINVAL and ERANGE.
raw_cases() {
	local bad=0 want req out e
	while read -r want req; do
		[ -n "$want" ] || continue
		out=$(nexec 1 --timeout 30 -- $NL raw $req 2>&1 | tr '\n' ' ')
		e=$(sed -n 's/^error=\([A-Z]*\) .*/\1/p' <<<"$out")
		if ! [[ $e =~ ^($want)$ ]]; then
			log "raw $req: '$out' (want $want)"
			bad=1
		elif [[ $e =~ ^(EINVAL|ERANGE)$ ]] && ! grep -q 'msg=.' <<<"$out"; then
			log "raw $req: $out: no extack message"
			bad=1
		fi
	done <"$1"
	return $bad
}
big=$(head -c 4000 /dev/zero | od -An -tx1 -v | tr -d ' \n')
cat >"$tmp/types" <<EOF
EINVAL|ERANGE caps_get pid:u16:5
EINVAL|ERANGE caps_get pid:u64:5
EINVAL|ERANGE caps_get pid:u8:5
EINVAL|ERANGE caps_get pid:str:12345
EINVAL|ERANGE --dump ps uid:u8:0
EOF
tap_check "attributes of the wrong type: refused" raw_cases "$tmp/types"

cat >"$tmp/sizes" <<EOF
EINVAL|ERANGE caps_set pid:u32:0 caps:bin:0100000001000000
EINVAL|ERANGE caps_set pid:u32:0 caps:bin:01000000010000000100000001000000ff
EINVAL|ERANGE caps_set pid:u32:0 caps:bin:$big
EINVAL|ERANGE --dump ps node_set:bin:
EINVAL|ERANGE --dump ps node_set:bin:$(printf 'ff%.0s' $(seq 33))
EINVAL|ERANGE --dump ps node_set:bin:$big
EINVAL|ERANGE leave_check node_set:bin:$(printf 'ff%.0s' $(seq 33))
EINVAL|ERANGE config_set default_caps:bin:0f00000000
EOF
tap_check "binaries too short, too long (33 B node set, 4000 B), empty: refused" raw_cases "$tmp/sizes"

cat >"$tmp/attrs" <<EOF
EINVAL status 200:u32:1
EINVAL|ERANGE status pid:u32:5
EINVAL|ERANGE caps_get comm:str:x
EINVAL|ERANGE caps_get kill:flag:
EINVAL|ERANGE leave_check node_set:bin:02 kill:bin:01
EINVAL caps_set pid:u32:0
EINVAL leave_check kill:flag:
EINVAL|ERANGE caps_get pid:len=40:05000000
EINVAL --tail 010203 status
EOF
tap_check "unknown, misplaced, missing, truncated attributes, trailing bytes: refused" raw_cases "$tmp/attrs"

cat >"$tmp/pids" <<EOF
ESRCH|EINVAL|ERANGE caps_get pid:u32:$PID_SPACE
ESRCH|EINVAL|ERANGE caps_get pid:u32:0xffffffff
ESRCH|EINVAL|ERANGE caps_get pid:u32:0x7fffffff
ESRCH|EINVAL|ERANGE caps_set pid:u32:$PID_SPACE caps:bin:01000000010000000100000001000000
ESRCH|EINVAL|ERANGE caps_set pid:u32:$(((9 << PID_SHIFT) + 1)) caps:bin:01000000010000000100000001000000
ESRCH|EINVAL|ERANGE caps_get pid:u32:$(((200 << PID_SHIFT) + 1))
EOF
tap_check "PIDs out of range or of absent nodes: refused" raw_cases "$tmp/pids"

cat >"$tmp/cmds" <<EOF
EOPNOTSUPP 0
EOPNOTSUPP 99
EOPNOTSUPP 255
EOPNOTSUPP|EINVAL ps
EOPNOTSUPP|EINVAL --dump status
EOPNOTSUPP|EINVAL --dump caps_set caps:bin:01000000010000000100000001000000
EINVAL|ENOSYS config_set default_caps:bin:ffffffffffffffffffffffffffffffff
EINVAL config_set default_caps:bin:03000000010000000100000001000000
EOF
tap_check "unknown commands, dump of a do and do of a dump, bad defaults: refused" raw_cases "$tmp/cmds"

nonroot() {
	local bad=0 req out
	while read -r req; do
		out=$(on 1 'as_user $NL raw "$@"' $req 2>&1)
		grep -q '^error=EPERM ' <<<"$out" || { log "as $KUSER: raw $req: $out"; bad=1; }
	done <<-EOF
	config_set default_caps:bin:0f0000001f0000000f0000001f000000
	leave_check node_set:bin:10
	leave_check node_set:bin:10 kill:flag:
	EOF
	return $bad
}
tap_check "non-root CONFIG_SET and LEAVE_CHECK: EPERM" nonroot

fuzz_ok() {
	local a b
	a=$(nexec 1 --timeout 200 -- $NL fuzz 600 $RANDOM 2>&1) || { log "fuzz as root: $a"; return 1; }
	b=$(on 1 --timeout 200 'as_user $NL fuzz 300 $1 "$2"' "$RANDOM" \
		"$(seq -s, 0 12)" 2>&1) || { log "fuzz as $KUSER: $b"; return 1; }
	log "root: $a; $KUSER: $b"
	nexec 1 --timeout 20 -- $NL status | grep -q 'env_state=1 '
}
tap_check "900 random requests (root, and krguser with every command): all answered, node fine" fuzz_ok

# --- /proc reads racing with exits --------------------------------------------------
race() {
	local n rc=0
	T_ONCE=120 at_once race "1 2 3 4" '
		case $(status_field node_id) in
		2|3) $KRG run -- $PD/proc_race churn 8 ;;
		*) $KRG run -- $PD/proc_race read 10 ;;
		esac' || rc=1
	for n in 1 2 3 4; do log "node$n: $(tr '\n' ';' <"$tmp/race.$n")"; done
	for n in 1 4; do
		grep -Eq '^remote_pids=[1-9][0-9]* reads_ok=[1-9][0-9]* vanished=[0-9]+ unexpected=0 ' \
			"$tmp/race.$n" || rc=1
	done
	for n in 2 3; do grep -Eq '^churned=[1-9]' "$tmp/race.$n" || rc=1; done
	return $rc
}
tap_check "/proc of remote short-lived processes read while they exit: only ENOENT/ESRCH, no hang" race
after() {
	local n p
	for n in $(all_nodes); do
		p=$(on "$n" 'pstart sleep 1000') && ps_lines $((n % NODES + 1)) | grep -q "^pid=$p .*node=$n " ||
			{ log "node$n: '$p' not listed from node$((n % NODES + 1))"; return 1; }
	done
	nexec 1 --timeout 20 -- $NL status | grep -q 'env_state=1 '
}
tap_check "every node still answers (krg run, PS dump from its neighbour, STATUS)" after
tap_exit
