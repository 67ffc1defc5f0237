#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Signals across nodes.  Receivers (proc_sig recv: sigwaitinfo, one line per
# signal with si_code, si_pid, si_uid, si_value) run on every node as root
# and as krguser.  From node 1: kill, sigqueue (value checked by the
# receiver), tkill, tgkill and rt_tgsigqueueinfo reach nodes 2 and 3 with
# the sender's cluster PID and uid; kill -TERM -PGID ends exactly a group of
# node 3; kill(-1, SIGUSR1) by krguser reaches exactly krguser's cluster
# processes on every node (not root's, not krguser's outside the cluster).
# EPERM, ESRCH, EINVAL, getpgid, getsid, getpriority and setpriority on
# remote PIDs answer exactly as the owning node answers for its own.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4
cleanup_more() { on 2 'kill $(cat /tmp/recv.O2.pid 2>/dev/null) 2>/dev/null'; }

tap_plan 14
proc_form || die "cluster with krg_proc did not form"
proc_clean

# --- receivers and a process group -----------------------------------------------
# NAME=PID lines; receiver NAME logs to /tmp/recv.NAME on its node.
for n in 1 2 3 4; do
	on "$n" '
		echo "R'"$n"'=$(pstart -o /tmp/recv.R'"$n"' $SIG recv)"
		echo "U'"$n"'=$(pstart -u -o /tmp/recv.U'"$n"' $SIG recv)"
		case '"$n"' in
		2)	: >/tmp/recv.O2; chmod 666 /tmp/recv.O2
			setsid sh -c "echo \$\$ >/tmp/recv.O2.pid; exec setpriv --reuid=$KUID --regid=$KUID \
				--clear-groups $SIG recv" </dev/null >/tmp/recv.O2 2>&1 & ;;
		3)	echo "G3=$(pstart sh -c "sleep 1001 & sleep 1002 & exec sleep 1003")"
			echo "B3=$(pstart sleep 1004)" ;;
		esac'
done >"$tmp/started" 2>&1 || die "cannot start processes: $(cat "$tmp/started")"
log "started: $(tr '\n' ' ' <"$tmp/started")"
pid_of() { sed -n "s/^$1=//p" "$tmp/started"; }
R2=$(pid_of R2) R3=$(pid_of R3) U2=$(pid_of U2) U3=$(pid_of U3) G3=$(pid_of G3) B3=$(pid_of B3)

# log_of NAME: receiver NAME's lines.
log_of() {
	local name=$1 n=${1#?}
	on "$n" 'cat /tmp/recv.$1' "$name"
}
ready() { log_of "$1" | grep -q '^ready pid='; }
all_ready() {
	local r
	for r in R1 R2 R3 R4 U1 U2 U3 U4 O2; do ready "$r" || { log "$r not ready"; return 1; }; done
}
wait_until 30 "every receiver ready" all_ready || die "receivers did not start"
# got NAME PATTERN: receiver NAME logged a line matching PATTERN (ERE), soon.
has_line() { log_of "$1" | grep -Eq "$2"; }
got() {
	wait_until 15 "$1 to log /$2/" has_line "$1" "$2" && return 0
	log "$1: $(log_of "$1" | tr '\n' ';')"
	return 1
}

# --- delivery with the sender's identity -------------------------------------
out=$(inenv 1 "$SIG" self kill "$R2" USR1 queue "$R3" RTMIN+1 4242 tkill "$R2" RTMIN+2 \
	tgkill "$R3" "$R3" RTMIN+3 tgqueue "$R2" "$R2" RTMIN+4 99 2>&1)
log "root sender on node 1: $(tr '\n' ';' <<<"$out")"
S=$(sed -n 's/^self pid=\([0-9]*\).*/\1/p' <<<"$out")
tap_check "root on node 1: every send to nodes 2 and 3 returned 0" \
	test "$(grep -c ' rc=0$' <<<"$out")" = 5 -a -n "$S"
RTMIN=34	# glibc's SIGRTMIN on Linux
tap_check "kill: node 2 got SIGUSR1 from node 1's PID $S, uid 0 (SI_USER)" \
	got R2 "^sig=10 code=0 pid=$S uid=0 "
tap_check "sigqueue: node 3 got the value 4242 from PID $S, uid 0 (SI_QUEUE)" \
	got R3 "^sig=$((RTMIN + 1)) code=-1 pid=$S uid=0 value=4242$"
# tkill/tgkill: the si_code a local sender gives (SI_TKILL), as reference.
inenv 2 "$SIG" tkill "$R2" RTMIN+5 >/dev/null
inenv 3 "$SIG" tgkill "$R3" "$R3" RTMIN+5 >/dev/null
code_of() {	# code_of NAME SIG: si_code of the first such signal in NAME's log
	log_of "$1" | sed -n "s/^sig=$2 code=\(-*[0-9]*\) .*/\1/p" | head -n 1
}
thread_sigs() {
	got R2 "^sig=$((RTMIN + 5)) " && got R3 "^sig=$((RTMIN + 5)) " || return 1
	local tk tg
	tk=$(code_of R2 $((RTMIN + 5))) tg=$(code_of R3 $((RTMIN + 5)))
	log "local tkill si_code $tk, local tgkill si_code $tg"
	got R2 "^sig=$((RTMIN + 2)) code=$tk pid=$S uid=0 " &&
		got R3 "^sig=$((RTMIN + 3)) code=$tg pid=$S uid=0 " &&
		got R2 "^sig=$((RTMIN + 4)) code=-1 pid=$S uid=0 value=99$"
}
tap_check "tkill, tgkill (si_code as a local sender's) and rt_tgsigqueueinfo reach nodes 2 and 3" thread_sigs

out=$(asuser 1 "$SIG" self kill "$U2" USR2 queue "$U3" USR1 777 kill "$R2" USR1 queue "$R3" USR2 5 2>&1)
log "krguser sender on node 1: $(tr '\n' ';' <<<"$out")"
SU=$(sed -n 's/^self pid=\([0-9]*\).*/\1/p' <<<"$out")
tap_check "krguser on node 1: kill and sigqueue to its own processes on 2 and 3, with its uid" \
	eval 'got U2 "^sig=12 code=0 pid=$SU uid=$KUID " && got U3 "^sig=10 code=-1 pid=$SU uid=$KUID value=777$"'
tap_check "krguser on node 1: kill and sigqueue to root's processes fail with EPERM" \
	test "$(grep -c 'err=EPERM$' <<<"$out")" = 2

# --- answers as on one machine -----------------------------------------------------
# OPS run on node 1 and on the target's own node, as the same user, must
# print the same lines.  FREE: a PID of the slice that nobody has.
same_answers() {	# same_answers USER NODE OPS...
	local who=$1 n=$2 run a b
	shift 2
	run=inenv
	[ "$who" = "$KUSER" ] && run=asuser
	a=$($run 1 "$SIG" "$@" 2>&1)
	b=$($run "$n" "$SIG" "$@" 2>&1)
	log "$who node1 vs node$n: $(tr '\n' ';' <<<"$a")"
	[ "$a" = "$b" ] && [ -n "$a" ] && return 0
	diff <(echo "$b") <(echo "$a") | sed 's/^/#   /'
	return 1
}
FREE2=$(((3 << PID_SHIFT) - 1)) FREE3=$(((4 << PID_SHIFT) - 1))
done_pid=$(inenv 3 sh -c 'echo $$')	# a process that has exited
ops() {	# ops T FREE: the queries on target T and a free PID
	echo "kill $1 0 kill $2 0 kill $1 65 kill -$1 0 kill -$2 0 pgid $1 sid $1 getprio $1 pgid $2 sid $2 getprio $2 tgkill $1 $2 0 tkill $2 0"
}
tap_check "root: kill 0/65, kill -PGID, getpgid, getsid, getpriority, tkill/tgkill of a free PID: as on node 2" \
	same_answers root 2 $(ops "$R2" "$FREE2") kill "$done_pid" 0
tap_check "root: the same queries on node 3's processes and group: as on node 3" \
	same_answers root 3 $(ops "$G3" "$FREE3") pgid "$B3" kill "$done_pid" 0
tap_check "krguser: kill 0 (EPERM) and queries of root's process, and its own: as on node 2" \
	same_answers "$KUSER" 2 $(ops "$R2" "$FREE2") kill "$U2" 0 pgid "$U2" getprio "$U2"
esrch() {
	local out
	out=$(inenv 1 "$SIG" kill $(((9 << PID_SHIFT) + 5)) 0 kill $((PID_SPACE - 1)) 0 kill "$PID_SPACE" 0 \
		kill 2147483647 0 kill -$(((9 << PID_SHIFT) + 5)) 0 getprio $(((9 << PID_SHIFT) + 5)) 2>&1)
	log "absent nodes, out of range: $(tr '\n' ';' <<<"$out")"
	[ "$(grep -c 'err=ESRCH$' <<<"$out")" = 6 ]
}
tap_check "PIDs of a node not in the cluster, at and beyond the PID space: ESRCH" esrch

# --- setpriority ---------------------------------------------------------------------
nice_of() { on "$1" '$KRG run -- ps -o ni= -p "$1"' "$2" | tr -d ' '; }
prio_ok() {
	local a b
	a=$(inenv 1 "$SIG" setprio "$R2" 7 2>&1)
	b=$(asuser 1 "$SIG" setprio "$R2" 10 setprio "$U2" 5 setprio "$U2" -5 2>&1)
	log "setpriority from node 1: root: $a; krguser: $(tr '\n' ';' <<<"$b")"
	[ "$a" = "setprio $R2 7 rc=0" ] && [ "$(nice_of 2 "$R2")" = 7 ] &&
		[ "$b" = "setprio $R2 10 err=EPERM
setprio $U2 5 rc=0
setprio $U2 -5 err=EACCES" ] && [ "$(nice_of 2 "$U2")" = 5 ] && [ "$(nice_of 2 "$R2")" = 7 ]
}
tap_check "setpriority from node 1: root sets 7 on node 2; krguser EPERM on root's, EACCES below its nice" prio_ok

# --- kill -TERM -PGID ----------------------------------------------------------------
group=$(on 3 '$KRG run -- ps -e -o pid=,pgid=' | awk -v g="$G3" '$2 == g { print $1 }' | tr '\n' ' ')
log "group $G3 on node 3: $group"
group_ok() {
	[ "$(wc -w <<<"$group")" = 3 ] || { log "the group should have 3 members"; return 1; }
	inenv 1 kill -TERM -- "-$G3" || return 1
	wait_until 10 "group $G3 gone" on 3 "gone $group" && on 3 "! gone $B3"
}
tap_check "kill -TERM -$G3 from node 1 ends node 3's group, not its neighbour $B3" group_ok

# --- kill(-1) by an unprivileged user ----------------------------------------------
out=$(asuser 1 "$SIG" self kill -1 USR1 2>&1)
log "krguser kill(-1, SIGUSR1) on node 1: $(tr '\n' ';' <<<"$out")"
SU=$(sed -n 's/^self pid=\([0-9]*\).*/\1/p' <<<"$out")
tap_check "kill(-1, SIGUSR1) by krguser: reaches its processes on nodes 1-4" \
	eval 'grep -q "rc=0$" <<<"$out" && got U1 "^sig=10 code=0 pid=$SU uid=$KUID " &&
		got U2 "^sig=10 code=0 pid=$SU uid=$KUID " && got U3 "^sig=10 code=0 pid=$SU uid=$KUID " &&
		got U4 "^sig=10 code=0 pid=$SU uid=$KUID "'
# Absence: a later signal (SIGUSR2 from root) must arrive first.
untouched() {
	local r
	inenv 1 "$SIG" kill "$(pid_of R1)" USR2 kill "$R2" USR2 kill "$R3" USR2 kill "$(pid_of R4)" USR2 >/dev/null
	on 2 'kill -USR2 $(cat /tmp/recv.O2.pid)'
	for r in R1 R2 R3 R4 O2; do
		got "$r" "^sig=12 " || return 1
		if log_of "$r" | grep -q "pid=$SU uid=$KUID"; then
			log "$r got krguser's kill(-1): $(log_of "$r" | tr '\n' ';')"
			return 1
		fi
	done
}
tap_check "kill(-1) by krguser: root's processes and krguser's outside the cluster untouched" untouched
tap_exit
