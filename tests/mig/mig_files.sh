#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a process wrote to a file of the shared file system before it moved
# is still there after: mig_block's stdout is a file of /cluster opened
# O_APPEND by the shell that started krg run on node 1, and krg run keeps
# it open there.  The process writes a line on node 1, then one on each of
# nodes 2 and 3, then one on node 1 again (write(2), no fsync), moving in
# between; once it ended, the file must hold every line it wrote, in order,
# and nothing else (the same lines as its MIG_LOG, written whole each time).
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/mig/lib.sh"

mig_setup 3
tap_plan 2

P=$(start_blocked 1 writer pause) || die "cannot start the writer"
# line K: SIGUSR1 makes pause() return and the program write line K
line() { sig USR1 "$P" && wait_until 20 "line $1" has_out writer "^return $1 "; }
moves() {
	local from=1 to k=2
	line 1 || return 1
	for to in 2 3 1; do
		migrated "$from" "$P" "$to" && runs_on "$P" "$to" && line $k || return 1
		from=$to k=$((k + 1))
	done
}
tap_check "a line written on node 1, moved 1->2->3->1, a line written on each" moves
# Once it ended (SIGTERM) and krg run with it, every copy of the file is
# closed: what node 1 still held is written back.
whole() {
	local a b
	sig TERM "$P" && wait_until 20 "the writer to end" on 1 'gone "$1"' "$P" || return 1
	wait_until 20 "the last line to reach the file" eval 'sfs_read "$D/writer.stdout" | grep -q "^return 4 "'
	a=$(sfs_read "$D/writer.stdout" | tr '\0' '@') b=$(out_of writer)
	log "the file: $(tr '\n' ';' <<<"$a")"
	[ "$a" = "$b" ] && [ "$(grep -c '^return [1-4] ' <<<"$a")" = 4 ] && return 0
	log "it wrote: $(tr '\n' ';' <<<"$b") (NUL bytes shown as @)"
	return 1
}
tap_check "the file (also open in krg run on node 1) holds all it wrote on nodes 1, 2, 3, 1, in order" whole
tap_exit
