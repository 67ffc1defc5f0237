#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A node fails with 50 cluster processes: node 4 runs 51 (a shell and its
# 50 sleeps), every survivor lists them; "vcluster kill 4"; on every
# survivor a watcher (proc_watch, started at the same instant) polls
# kill(pid, 0), ls /proc and krg ps inside the environment.  Within the
# failure timeout + 1 s of the node's death (SIGKILL to its QEMU, as
# "vcluster kill" does) no view shows a process of node 4 any more (kill gives
# ESRCH), and no single call took longer than that.
# Node 4 is started again and rejoins; its new processes are seen again.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4
victim=4
survivors="1 2 3"
cleanup_more() {
	if [ "$(node_state "$victim" 2>/dev/null)" != running ]; then
		timeout 120 "$VC" start "$victim" >/dev/null 2>&1
	fi
	every_node_sees "$(expected_states online)" 2>/dev/null || rejoin "$victim" >/dev/null 2>&1
}

tap_plan 10
proc_form || die "cluster with krg_proc did not form"
proc_clean
T=$(failure_timeout_ms) || die "no failure timeout"
limit=$((T + 1000))
log "failure timeout $T ms: node$victim's processes must vanish within $limit ms"

on "$victim" 'pstart sh -c "i=0; while [ \$i -lt 50 ]; do sleep 1000 & i=\$((i + 1)); done; exec sleep 1001"' \
	>/dev/null || die "cannot start processes on node$victim"
count_from() { ps_lines "$1" | grep -c "node=$victim "; }
all_listed() { local n; for n in $survivors; do [ "$(count_from "$n")" = 51 ] || return 1; done; }
tap_check "node$victim runs 51 cluster processes, every survivor lists them" \
	wait_until 30 "51 processes of node$victim everywhere" all_listed
pids=$(ps_lines 1 | grep "node=$victim " | sed 's/^pid=\([0-9]*\) .*/\1/' | tr '\n' ' ')
sample=${pids%% *}
[ "$(wc -w <<<"$pids")" = 51 ] || die "node1 lists $(wc -w <<<"$pids") processes of node$victim: $pids"

# On every survivor, proc_watch (inside the environment) polls kill(pid, 0),
# ls /proc and krg ps from the same instant on; the host notes when node
# 4's QEMU gets SIGKILL (the failure instant).
out=${KRG_OUT:-$(vc_info "j['outdir']")}
tag=proc-fail-$$
wpids=()
for n in $survivors; do
	on "$n" --timeout 150 '$KRG run -- $PD/proc_watch "$@"' "$victim" "$sample" 30000 \
		"/krg-out/$tag.ready.$n" "/krg-out/$tag.go" >"$tmp/watch.$n" 2>&1 &
	wpids+=($!)
done
ready() { local n; for n in $survivors; do [ -e "$out/$tag.ready.$n" ] || return 1; done; }
wait_until 60 "the watchers" ready || die "watchers did not start"
# The failure instant is when QEMU gets SIGKILL (what "vcluster kill"
# sends; sent here to know the instant to the millisecond).
qemu=$(node_pid "$victim")
[ -n "$qemu" ] || die "no QEMU pid for node$victim"
: >"$out/$tag.go"
t_go=$(now_ms)
kill -KILL "$qemu"
t_dead=$(($(now_ms) - t_go))
gone_qemu() { [ ! -e "/proc/$qemu" ]; }
tap_check "kill node$victim (SIGKILL to its QEMU, $t_dead ms after the watchers' start)" \
	wait_until 10 "QEMU of node$victim to exit" gone_qemu
for p in "${wpids[@]}"; do wait "$p"; done
rm -f "$out/$tag".*
for n in $survivors; do log "node$n watcher: $(cat "$tmp/watch.$n")"; done

# within KEY: every survivor saw view KEY clean within limit of the death.
within() {
	local n ms
	for n in $survivors; do
		ms=$(sed -n "s/.*$1=\(-*[0-9]*\) .*/\1/p" "$tmp/watch.$n")
		[ -n "$ms" ] && [ "$ms" -ge 0 ] && [ $((ms - t_dead)) -le "$limit" ] ||
			{ log "node$n: $1 clean at ${ms:-?} ms, the node died at $t_dead ms"; return 1; }
	done
}
tap_check "on every survivor kill(pid, 0) gives ESRCH within $limit ms of the failure" within kill_ms
tap_check "on every survivor ls /proc lists none of node$victim's processes within $limit ms" within ls_ms
tap_check "on every survivor krg ps lists none of them within $limit ms" within ps_ms
no_hang() {
	local n ms
	for n in $survivors; do
		ms=$(sed -n 's/.*max_op_ms=\([0-9]*\).*/\1/p' "$tmp/watch.$n")
		[ -n "$ms" ] && [ "$ms" -le "$limit" ] || { log "node$n: a poll took ${ms:-?} ms"; return 1; }
	done
}
tap_check "no call hung on any survivor (each poll of a view returned within $limit ms)" no_hang
esrch_all() {
	local out
	out=$(inenv 2 "$SIG" $(for p in $pids; do echo kill "$p" 0; done) 2>&1)
	[ "$(grep -c 'err=ESRCH$' <<<"$out")" = 51 ] || { log "kill 0 from node2: $(tr '\n' ';' <<<"$out")"; return 1; }
}
tap_check "kill(pid, 0) from node 2 gives ESRCH for all 51" esrch_all
krgps_clean() {
	local n
	for n in $survivors; do
		nexec "$n" --timeout 20 -- krg ps >"$tmp/krgps.$n" || { log "node$n: krg ps failed"; return 1; }
		if awk -v lo=$((victim << PID_SHIFT)) -v hi=$(((victim + 1) << PID_SHIFT)) \
			'$1 >= lo && $1 < hi' "$tmp/krgps.$n" | grep -q .; then
			log "node$n: krg ps lists node$victim's processes"
			return 1
		fi
	done
}
tap_check "krg ps on every survivor answers and lists nothing of node$victim" krgps_clean
start_victim() { timeout 120 "$VC" start "$victim" >/dev/null; }
tap_check "node$victim started again and rejoined" eval 'start_victim && rejoin "$victim"'
tap_check "node$victim's new processes are listed from node 1" \
	eval 'p=$(on $victim "pstart sleep 1000") && ps_lines 1 | grep -q "^pid=$p .*node=$victim "'
tap_exit
