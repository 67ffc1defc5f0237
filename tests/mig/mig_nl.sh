#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The MIGRATE netlink command with hostile input (tests/proc/proc_nl.py raw,
# a client of its own): PID or NODE missing, wrong types, a misplaced
# attribute, trailing bytes, absurd node numbers, PID 0, PIDs beyond the PID
# space, PID 1 (every node's krginit), a dump instead of a do: each is
# refused with an error and, but for the dump, an extack message; krguser
# gets EPERM for root's process.  A good request answers with PID and the
# node it runs on, and the process runs there; asked again for the same
# node, it answers at once.  150 random MIGRATE requests all get an answer
# and every node's environment is fine afterwards.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 8

T=$(start_blocked 1 target pause) || die "cannot start the target"
log "target: $T"

# raw_cases: "WANT REQUEST..." lines on stdin, each refused with an errno of
# WANT and, unless it is EOPNOTSUPP (a dump of a do), an extack message.
raw_cases() { nl_refusals 1 "$NL" 'EINVAL|ERANGE|ESRCH|EPERM|EBUSY|EHOSTDOWN'; }

tap_check "no PID, no NODE, nothing, wrong types, a misplaced attribute, trailing bytes: EINVAL/ERANGE, a message" \
	raw_cases <<EOF
EINVAL migrate
EINVAL migrate pid:u32:$T
EINVAL migrate node:u32:2
EINVAL|ERANGE migrate pid:u16:$T node:u32:2
EINVAL|ERANGE migrate pid:u32:$T node:u8:2
EINVAL|ERANGE migrate pid:u64:$T node:u32:2
EINVAL|ERANGE migrate pid:u32:$T node:u32:2 comm:str:x
EINVAL|ERANGE migrate pid:u32:$T node:u32:2 kill:flag:
EINVAL|ERANGE migrate pid:len=40:$(printf '%08x' "$T") node:u32:2
EINVAL --tail 010203 migrate pid:u32:$T node:u32:2
EOF
tap_check "NODE 0xffffffff, 256, 65536, 1024: refused with a message" raw_cases <<EOF
EINVAL|ERANGE|EHOSTDOWN migrate pid:u32:$T node:u32:0xffffffff
EINVAL|ERANGE|EHOSTDOWN migrate pid:u32:$T node:u32:256
EINVAL|ERANGE|EHOSTDOWN migrate pid:u32:$T node:u32:65536
EINVAL|ERANGE|EHOSTDOWN migrate pid:u32:$T node:u32:1024
EOF
tap_check "PID 0, the PID space's end, beyond it, 0xffffffff, a PID of node 9: refused with a message" raw_cases <<EOF
EINVAL|ESRCH migrate pid:u32:0 node:u32:2
EINVAL|ESRCH|ERANGE migrate pid:u32:$((PID_SPACE - 1)) node:u32:2
EINVAL|ESRCH|ERANGE migrate pid:u32:$PID_SPACE node:u32:2
EINVAL|ESRCH|ERANGE migrate pid:u32:0xffffffff node:u32:2
EINVAL|ESRCH|ERANGE migrate pid:u32:$(((9 << PID_SHIFT) + 5)) node:u32:2
EOF
env_ok() { nexec "$1" --timeout 20 -- $NL status | grep -q 'env_state=1 '; }
tap_check "PID 1 (krginit) never moves: refused with a message, node 1's environment fine" \
	eval 'raw_cases <<<"ESRCH|EINVAL|EPERM|EBUSY migrate pid:u32:1 node:u32:2" && env_ok 1 && env_ok 2'
tap_check "a dump of MIGRATE: refused" raw_cases <<EOF
EOPNOTSUPP|EINVAL --dump migrate pid:u32:$T node:u32:2
EOF
user_eperm() {
	local out
	out=$(on 1 'as_user $NL raw migrate pid:u32:$1 node:u32:2' "$T" 2>&1)
	log "krguser: $out"
	grep -q '^error=EPERM .*msg=.' <<<"$out"
}
tap_check "krguser: MIGRATE of root's process: EPERM with a message" user_eperm

good() {
	local a b
	a=$(nexec 1 --timeout 60 -- $NL raw migrate pid:u32:"$T" node:u32:2 2>&1)
	log "MIGRATE $T to 2: $(tr '\n' ';' <<<"$a")"
	grep -q "^pid=$T node=2$" <<<"$a" && grep -q '^ok replies=1$' <<<"$a" && runs_on "$T" 2 || return 1
	b=$(nexec 1 --timeout 60 -- $NL raw migrate pid:u32:"$T" node:u32:2 2>&1)
	log "again: $(tr '\n' ';' <<<"$b")"
	grep -q "^pid=$T node=2$" <<<"$b" && runs_on "$T" 2
}
tap_check "MIGRATE $T to node 2: the reply names it and node 2, it runs there; again: node 2 at once" good

fuzzed() {
	local out n
	out=$(nexec 1 --timeout 240 -- $NL fuzz 150 "$RANDOM" migrate 2>&1) || { log "fuzz: $out"; return 1; }
	log "$out"
	for n in $(all_nodes); do env_ok "$n" || { log "node$n: environment not READY"; return 1; }; done
}
tap_check "150 random MIGRATE requests: all answered, every node's environment READY" fuzzed
tap_exit
