#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An owner fails (vcluster kill of the last node), by set policy:
#   RECREATE: an object the dead node owned and others had read copies of
#             survives with its value; one without copies is lost (EIO);
#   LOST:     every object the dead node owned is lost, copies or not;
# An object without copies that the dead node owned is known to the
# survivors only through its default owner (which first-touched it and
# handed it over): for objects whose default owner was the dead node itself
# nobody alive knows they existed, and a later access first-touches them
# again (value 0); the test accepts EIO or 0 for those, never a hang.
# (Policy "id": object o's default owner is home node o mod NODES, homes
# 1..NODES in order.)
# objects owned by survivors (the dead node had a copy) are untouched and
# still writable.  No survivor operation hangs: requests blocked on the dead
# owner, and the first operations after the kill, all return within the
# failure timeout + 5 s (each op runs under timeout(1) in the node).  Lost
# objects answer EIO to reads and writes until removed, then work again.
# The node is started again, rejoins with krgadm, and reads current values.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs at least 3 nodes"
KDDM_SLICE=5
victim=$NODES
survivors=$(seq 1 $((NODES - 1)))
tmp=$(mktemp -d)
cleanup() {
	if [ "$(node_state "$victim" 2>/dev/null)" != running ]; then
		timeout 120 "$VC" start "$victim" >/dev/null 2>&1
	fi
	if ! every_node_sees "$(expected_states online)" 2>/dev/null; then
		rejoin >/dev/null 2>&1 || krgadm_reset
	fi
	destroy_sets
	rm -rf "$tmp"
}
trap cleanup EXIT

rejoin() {
	node_start "$victim" >/dev/null || { log "node start on node$victim failed"; return 1; }
	wait_until 30 "every survivor to have a session with node$victim" \
		sessions_up_with "$victim" || { log_views; return 1; }
	nexec 1 --timeout 60 -- krgadm nodes add -n "$victim" -w 30 ||
		{ log "nodes add -n $victim failed"; return 1; }
	wait_until 30 "every node online" every_node_sees "$(expected_states online)" ||
		{ log_views; return 1; }
}

# on_all_survivors NAME SCRIPT: run sh -c SCRIPT on every survivor at once
# (output in $tmp/NAME.N); SCRIPT prints "OBJ RC OUTPUT" lines via try().
TRY='try() { o=$1; shift; out=$(timeout $T '"$KC"' "$@" 2>&1); echo "$o rc=$? $(echo $out)"; }'
on_all_survivors() {
	local name=$1 script=$2 n pids=()
	for n in $survivors; do
		nexec "$n" --timeout 300 -- sh -c "T=$T; $TRY; $script" >"$tmp/$name.$n" 2>&1 &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n"; done
}

# Objects 8..15 have no copies; split them by where their default owner is.
NC= VH=
for o in 8 9 10 11 12 13 14 15; do
	if [ $((o % NODES)) = $((victim - 1)) ]; then VH="$VH $o"; else NC="$NC $o"; fi
done
nc_count=$(wc -w <<<"$NC")
w=$(set -- $NC; echo "$1")	# a lost object to write to, then remove
log "no copies, default owner alive:$NC; default owner was node$victim:$VH"

tap_plan 15
kddm_form || die "cluster with krg_kddm did not form"
timeout_ms=$(nexec 1 --timeout 20 -- krgadm -j cluster status | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["cluster"][0]["failure_timeout_ms"])') ||
	die "no failure timeout"
T=$((timeout_ms / 1000 + 5))
log "failure timeout ${timeout_ms} ms: every operation must return within ${T} s"
new_set R 64 id recreate || die "cannot create a set"
new_set L 64 id lost || die "cannot create a set"

setup() {
	local s o n base
	for s in R L; do
		base=100
		[ $s = L ] && base=300
		for o in $(seq 0 15); do
			kc "$victim" op "${!s}" "$o" write $((base + o)) >/dev/null || return 1
		done
		for o in $(seq 0 7); do		# read copies of 0..7 on the survivors
			for n in $survivors; do
				kc "$n" op "${!s}" "$o" read >/dev/null || return 1
			done
		done
		for o in $(seq 16 23); do	# owned by node 1, copy on the victim
			kc 1 op "${!s}" "$o" write $((500 + o)) >/dev/null &&
				kc "$victim" op "${!s}" "$o" read >/dev/null || return 1
		done
	done
	[ "$(set_field "$victim" "$R" owned)" -ge 16 ] && [ "$(set_field "$victim" "$L" owned)" -ge 16 ] &&
		[ "$(field "$(kc 2 op "$R" 3 find)" value)" = 103 ]
}
tap_check "setup: node$victim owns 16 objects per set, survivors hold copies of 8" setup

# The victim pins object 40 of R exclusively (HOLD, 8 s); survivors then ask
# for it and wait.
nexec "$victim" --timeout 60 -- "$KC" op "$R" 40 hold 8000 >/dev/null 2>&1 &
held() { [ "$(set_field "$victim" "$R" pinned)" -ge 1 ]; }
wait_until 20 "node$victim holds object 40" held || die "the hold did not start"
bpids=()
for n in $survivors; do
	( t=$(now_ms); out=$(nexec "$n" --timeout 120 -- timeout "$T" "$KC" op "$R" 40 read 2>&1)
	  echo "rc=$? done_ms=$(now_ms) start_ms=$t $(echo $out)" ) >"$tmp/blocked.$n" &
	bpids+=($!)
done
waiting_here() { [ "$(set_field 1 "$R" waiting)" -ge 1 ]; }
wait_until 20 "node1 waits for object 40" waiting_here || log "node1 does not report WAITING"

kill_ms=$(now_ms)
tap_check "kill node$victim" timeout 30 "$VC" kill "$victim"
on_all_survivors first "try 0 op $R 0 read; try 8 op $L 8 read"
first_ms=$(now_ms)
for p in "${bpids[@]}"; do wait "$p"; done
for n in $survivors; do
	log "node$n first ops: $(tr '\n' ';' <"$tmp/first.$n")"
	log "node$n blocked read: $(cat "$tmp/blocked.$n")"
done
tap_check "first operations after the kill returned within ${T} s on every survivor" \
	test $((first_ms - kill_ms)) -le $((T * 1000 + 3000)) -a -z "$(grep -l 'rc=124' "$tmp"/first.*)"
blocked_ok() {
	local n line done_ms
	for n in $survivors; do
		line=$(cat "$tmp/blocked.$n")
		done_ms=$(sed -n 's/.*done_ms=\([0-9]*\).*/\1/p' <<<"$line")
		[ -n "$done_ms" ] && [ $((done_ms - kill_ms)) -le $((T * 1000 + 3000)) ] ||
			{ log "node$n: blocked read took too long: $line"; return 1; }
		grep -q '^rc=1 .*error=EIO ' <<<"$line" ||
			{ log "node$n: blocked read of a lost object: $line (want EIO)"; return 1; }
	done
}
tap_check "reads blocked on the dead owner returned EIO within ${T} s" blocked_ok

on_all_survivors all "
	for o in 0 1 2 3 4 5 6 7; do try \$o op $R \$o read; done
	for o in 8 9 10 11 12 13 14 15; do try \$o op $R \$o read; done
	for o in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do try L\$o op $L \$o read; done
	try W$w op $L $w write 1
	for o in 16 17 18 19 20 21 22 23; do try \$o op $L \$o read; done"
for n in $survivors; do log "node$n: $(tr '\n' ';' <"$tmp/all.$n")"; done
tap_check "no operation hung (timeout ${T} s each)" test -z "$(grep -l 'rc=124' "$tmp"/all.*)"
lines_ok() {	# lines_ok OBJS PATTERN-with-@ (object number) or fixed
	local objs=$1 pat=$2 n o line want bad=0
	for n in $survivors; do
		for o in $objs; do
			line=$(grep "^$o rc=" "$tmp/all.$n")
			want=${pat//@/${o#L}}
			[[ $line =~ ^$o\ $want ]] || { log "node$n '$line' !~ /$o $want/"; bad=1; }
		done
	done
	return $bad
}
rec_ok() {
	local n o bad=0
	for n in $survivors; do
		for o in 0 1 2 3 4 5 6 7; do
			grep -q "^$o rc=0 value=$((100 + o)) " "$tmp/all.$n" ||
				{ log "node$n R $o: $(grep "^$o rc=" "$tmp/all.$n" | head -n 1)"; bad=1; }
		done
	done
	return $bad
}
tap_check "RECREATE: objects with surviving copies keep their values" rec_ok
tap_check "RECREATE: objects without copies are lost (EIO)" lines_ok "$NC" 'rc=1 error=EIO '
tap_check "LOST: every object node$victim owned is lost (EIO), copies or not" \
	lines_ok "L0 L1 L2 L3 L4 L5 L6 L7 $(sed 's/\([0-9][0-9]*\)/L\1/g' <<<"$NC")" 'rc=1 error=EIO '
tap_check "objects only node$victim knew of: EIO or first-touched again (0)" \
	lines_ok "$VH $(sed 's/\([0-9][0-9]*\)/L\1/g' <<<"$VH")" 'rc=(1 error=EIO|0 value=0) '
tap_check "LOST: writes to a lost object fail with EIO" lines_ok "W$w" 'rc=1 error=EIO '
survivor_owned() {
	local n o bad=0
	for n in $survivors; do
		for o in 16 17 18 19 20 21 22 23; do
			grep -q "^$o rc=0 value=$((500 + o)) " "$tmp/all.$n" ||
				{ log "node$n L $o: $(grep "^$o rc=" "$tmp/all.$n" | tail -n 1)"; bad=1; }
		done
	done
	kc 2 op "$L" 16 write 616 >/dev/null && [ "$(read_on 3 "$L" 16)" = 616 ] && return $bad
	return 1
}
tap_check "objects owned by survivors are intact and writable" survivor_owned
counters_ok() {
	local n lr=0 ll=0 rec
	for n in $survivors; do
		lr=$((lr + $(set_field "$n" "$R" lost)))
		ll=$((ll + $(set_field "$n" "$L" lost)))
		rec=$(set_field "$n" "$R" recoveries)
		[ "${rec:-0}" -ge 1 ] || { log "node$n: recoveries=$rec"; return 1; }
	done
	# R: the objects without copies and object 40; L: also the 8 with copies
	log "lost objects counted by the custodians: R $lr (want $((nc_count + 1))), L $ll (want $((nc_count + 8)))"
	[ "$lr" = $((nc_count + 1)) ] && [ "$ll" = $((nc_count + 8)) ]
}
tap_check "LOST and RECOVERIES counters (custodians count each lost object once)" counters_ok
removed() {
	local out
	out=$(kc 1 op "$L" "$w" remove 2>&1) || { log "remove: $out"; return 1; }
	out=$(kc 2 op "$L" "$w" read 2>&1)
	[ "$(field "$out" value)" = 0 ] || { log "read after remove: $out"; return 1; }
	out=$(kc 3 op "$L" "$w" write 42 2>&1) || { log "write after remove: $out"; return 1; }
	[ "$(read_on 1 "$L" "$w")" = 42 ]
}
tap_check "a lost object works again once removed" removed

start_victim() { timeout 120 "$VC" start "$victim" >/dev/null; }
tap_check "node$victim started again and rejoined" eval 'start_victim && rejoin'
tap_check "node$victim reads current values" \
	test "$(read_on "$victim" "$R" 5)/$(read_on "$victim" "$L" 16)/$(read_on "$victim" "$L" "$w")" = 105/616/42
tap_exit
