#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "krg run -n NODE CMD" started on node 1 runs CMD on NODE from its start:
# a shell's first command reads NODE's boot id, and its exit status 7 comes
# back to krg run; a program started so prints NODE's name first thing, runs
# there (krg ps, PS dump, NODE's own view) and takes a signal there.  A node
# that is not in the cluster: "Error: ..." and a non-zero exit.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 3

first_instruction() {
	local out want
	on 1 '$KRG run -n 2 -- sh -c "read b </proc/sys/kernel/random/boot_id; echo boot=\$b; exit 7" \
		</dev/null >"$1/run2.out" 2>&1; echo status=$? >"$1/run2.status"' "$D"
	out="$(out_of run2) $(sfs_read "$D/run2.status")"
	want=$(boot_id 2)
	log "krg run -n 2: $out (node 2's boot id $want)"
	[ "$out" = "boot=$want status=7" ]
}
tap_check "krg run -n 2 on node 1: the shell's first command reads node 2's boot id, exit status 7 comes back" \
	first_instruction

runs_there() {
	local p node3
	node3=$(nexec 3 -- uname -n)
	on 1 'MIG_LOG=$2/run3.out setsid $KRG run -n 3 -- "$1" pause </dev/null >>"$2/run3.stdout" 2>&1 &' \
		"$MD/mig_block" "$D" || return 1
	wait_until 30 "the program to start" has_out run3 '^blocked ' || return 1
	p=$(out_of run3 | sed -n 's/^ready pid=\([0-9]*\) .*/\1/p')
	log "krg run -n 3: $(out_of run3 | tr '\n' ';')"
	has_out run3 "^ready pid=$p node=$node3 " && runs_on "$p" 3 && sig USR1 "$p" &&
		wait_until 20 "it to take SIGUSR1" has_out run3 "^return 1 rc=-1 errno=EINTR usr1=1 node=$node3 "
}
tap_check "krg run -n 3 on node 1: the program starts on node 3, runs there, takes a signal there" runs_there

no_node() {
	local out
	out=$(on 1 '$KRG run -n 9 -- true </dev/null; echo status=$?' 2>&1)
	log "krg run -n 9: $(tr '\n' ';' <<<"$out")"
	grep -qE '^Error: .*(node|online).*\.$' <<<"$out" && ! grep -q '^status=0$' <<<"$out"
}
tap_check "krg run -n 9 (not in the cluster): Error naming the node, exit non-zero" no_node
tap_exit
