#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One process table seen from everywhere.  Processes started on nodes 2-4
# (sleeps with unique arguments, some as krguser, one stopped, one zombie)
# are listed from node 1, inside the environment, by ps -e, pgrep, top -b
# -n1, krg ps (right NODE, USER, STATE, CMD; -n and -u filters) and the PS
# dump, exactly as each owning node lists them itself; ls /proc on node 1
# is in PID order; /proc/<remote pid>/{status,stat,statm,cmdline,comm,
# environ,limits} and the exe/cwd links read on node 1 match the owning
# node's own; krguser reading root's remote environ, exe and fd/ gets what
# it gets for a local root process, and reads its own remote environ.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 4

tap_plan 15
proc_form || die "cluster with krg_proc did not form"
proc_clean

# --- processes: NAME=PID lines in $tmp/started ---------------------------------
# node N: root sleep 90N01, krguser sleep 90N02; node 2 also a stopped one
# (90203), node 3 a zombie (the child of 90303, which never reaps it).
start_on() {
	local n=$1
	on "$n" '
		echo "r'"$n"'=$(pstart sleep 90'"$n"'01)"
		echo "u'"$n"'=$(pstart -u env KRGMARK=environ-'"$n"' sleep 90'"$n"'02)"
		case '"$n"' in
		2) p=$(pstart sleep 90203); $KRG run -- kill -STOP $p; echo "t2=$p" ;;
		3) echo "z3=$(pstart sh -c "sleep 0 & exec sleep 90303")" ;;
		esac'
}
for n in 1 2 3 4; do start_on "$n"; done >"$tmp/started" 2>&1 || die "cannot start processes: $(cat "$tmp/started")"
log "started: $(tr '\n' ' ' <"$tmp/started")"
pid_of() { sed -n "s/^$1=//p" "$tmp/started"; }
remote_pids=$(grep -E '^[rutz][234]=' "$tmp/started" | cut -d= -f2 | tr '\n' ' ')

# Each node's own view of its slice (the reference), once every state is
# settled: the stopped one T, the zombie's child Z.
PSCMD='$KRG run -- ps -e -o pid=,user=,stat=,comm=,args='
own_view() {	# own_view N: node N's processes of its slice, ps itself excluded
	on "$1" "$PSCMD" | awk -v lo=$(($1 << PID_SHIFT)) -v hi=$((($1 + 1) << PID_SHIFT)) \
		'$1 >= lo && $1 < hi && $4 != "ps"' | sed 's/  */ /g; s/^ //'
}
settled() {
	own_view 2 | grep -q "^$(pid_of t2) root T" && own_view 3 | grep -q ' Z .*<defunct>'
}
wait_until 20 "the stopped and the zombie process to settle" settled || log "states did not settle"
for n in 2 3 4; do own_view "$n"; done | sort -n >"$tmp/own"
log "owning nodes list: $(tr '\n' ';' <"$tmp/own")"

# --- node 1's views, in one exec --------------------------------------------------
on 1 '
	echo "== ps"; '"$PSCMD"'
	echo "== pgrep"; $KRG run -- pgrep -f "^sleep 90[234]0"
	echo "== pgrepu"; $KRG run -- pgrep -u '"$KUSER"' -f "^sleep 90"
	echo "== top"; COLUMNS=512 $KRG run -- top -b -n1 -w 512
	echo "== krgps"; $KRG ps
	echo "== krgps3"; $KRG ps -n 3
	echo "== krgpsu"; $KRG ps -u '"$KUSER"'
	echo "== nlps"; $NL ps
	echo "== ls"; $KRG run -- ls -f /proc
	echo "== end"' >"$tmp/n1" 2>&1
section() { awk -v s="== $1" '$0 == s { on = 1; next } /^== / { on = 0 } on' "$tmp/n1"; }

remote_of_n1() {
	section ps | awk -v lo=$((2 << PID_SHIFT)) -v hi=$((5 << PID_SHIFT)) '$1 >= lo && $1 < hi' |
		sed 's/  */ /g; s/^ //' | sort -n
}
exact() {
	remote_of_n1 >"$tmp/n1view"
	diff "$tmp/own" "$tmp/n1view" >"$tmp/diff" && [ -s "$tmp/own" ] && return 0
	sed 's/^/#   /' "$tmp/diff"
	return 1
}
tap_check "ps -e on node 1 lists nodes 2-4's processes exactly as they list themselves" exact

# marker NAME USER STATE ARGS: node 1's ps line of NAME's PID says so.
marker() {
	local pid line
	pid=$(pid_of "$1")
	line=$(section ps | awk -v p="$pid" '$1 == p' | sed 's/  */ /g; s/^ //')
	[[ $line == "$pid $2 $3"*" sleep $4" ]] || { log "$1 ($pid): '$line' (want $2 $3* sleep $4)"; return 1; }
}
markers_ok() {
	marker r2 root S 90201 && marker u2 "$KUSER" S 90202 && marker t2 root T 90203 &&
		marker r3 root S 90301 && marker u3 "$KUSER" S 90302 && marker z3 root S 90303 &&
		marker r4 root S 90401 && marker u4 "$KUSER" S 90402
}
tap_check "ps -e on node 1: the right user, state and command for every started process" markers_ok
zombie_ok() {
	section ps | awk -v lo=$((3 << PID_SHIFT)) -v hi=$((4 << PID_SHIFT)) \
		'$1 >= lo && $1 < hi && $3 ~ /^Z/ && $4 == "sleep"' | grep -q defunct
}
tap_check "ps -e on node 1: node 3's zombie is listed Z <defunct>" zombie_ok

sorted() { tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' '; }
same_set() {	# same_set NAME GOT WANT
	[ "$(sorted <<<"$2")" = "$(sorted <<<"$3")" ] && return 0
	log "$1: got '$(sorted <<<"$2")', want '$(sorted <<<"$3")'"
	return 1
}
all_sleeps="$(pid_of r2) $(pid_of u2) $(pid_of t2) $(pid_of r3) $(pid_of u3) $(pid_of z3) $(pid_of r4) $(pid_of u4)"
tap_check "pgrep -f on node 1 finds exactly the sleeps of nodes 2-4" \
	same_set pgrep "$(section pgrep | tr '\n' ' ')" "$all_sleeps"
tap_check "pgrep -u $KUSER on node 1 finds exactly $KUSER's sleeps on every node" \
	same_set pgrep-u "$(section pgrepu | tr '\n' ' ')" "$(pid_of u1) $(pid_of u2) $(pid_of u3) $(pid_of u4)"

# top -b: PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+ COMMAND
top_ok() {
	local name want line pid
	for name in r2 u2 t2 r3 u3 r4 u4; do
		pid=$(pid_of "$name")
		case $name in u*) want=$KUSER ;; *) want=root ;; esac
		line=$(section top | awk -v p="$pid" '$1 == p')
		[ "$(awk '{ print $2 }' <<<"$line")" = "$want" ] &&
			[ "$(awk '{ print $8 }' <<<"$line")" = "$([ "$name" = t2 ] && echo T || echo S)" ] &&
			[ "$(awk '{ print $12 }' <<<"$line")" = sleep ] || { log "top $name ($pid): '$line'"; return 1; }
	done
}
tap_check "top -b -n1 on node 1: the remote processes with user, state and command" top_ok

# krg ps: columns by header name.
krgps_col() {	# krgps_col SECTION PID COLUMN
	section "$1" | awk -v p="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		$1 == p { print $k }'
}
krgps_ok() {
	local name n pid
	for name in r2 u2 t2 r3 u3 z3 r4 u4; do
		n=${name#?}
		pid=$(pid_of "$name")
		[ "$(krgps_col krgps "$pid" NODE)" = "$n" ] &&
			[ "$(krgps_col krgps "$pid" USER)" = "$([ "${name%?}" = u ] && echo "$KUSER" || echo root)" ] &&
			[ "$(krgps_col krgps "$pid" STATE)" = "$([ "$name" = t2 ] && echo T || echo S)" ] &&
			[ "$(section krgps | awk -v p="$pid" '$1 == p' | grep -c "sleep 90${n}0")" = 1 ] ||
			{ log "krg ps $name ($pid): $(section krgps | awk -v p="$pid" 'NR == 1 || $1 == p' | tr '\n' ';')"; return 1; }
	done
}
tap_check "krg ps on node 1: NODE, USER, STATE and CMD of every started process" krgps_ok
filters_ok() {
	local pids3 pidsu
	pids3=$(section krgps3 | awk 'NR > 1 { print $1 }' | tr '\n' ' ')
	pidsu=$(section krgpsu | awk 'NR > 1 { print $1 }' | tr '\n' ' ')
	same_set "krg ps -n 3 (sleeps)" "$(for p in $pids3; do [ "$(krgps_col krgps3 "$p" NODE)" = 3 ] && echo "$p"; done | tr '\n' ' ')" "$pids3" &&
		[[ " $pids3 " == *" $(pid_of r3) "* ]] && [[ " $pids3 " == *" $(pid_of z3) "* ]] &&
		same_set "krg ps -u" "$pidsu" "$(pid_of u1) $(pid_of u2) $(pid_of u3) $(pid_of u4)"
}
tap_check "krg ps -n 3 lists node 3's processes only, -u $KUSER exactly $KUSER's" filters_ok

nlps_ok() {
	local name pid line n
	for name in r2 u2 t2 r3 u3 r4 u4; do
		n=${name#?}
		pid=$(pid_of "$name")
		line=$(section nlps | grep "^pid=$pid ")
		[ "$(kv "$line" node)" = "$n" ] && [ "$(kv "$line" comm)" = sleep ] &&
			[ "$(kv "$line" uid)" = "$([ "${name%?}" = u ] && echo "$KUID" || echo 0)" ] &&
			[ "$(kv "$line" state)" = "$([ "$name" = t2 ] && echo T || echo S)" ] &&
			[[ $line == *" cmdline=sleep 90${n}0"* ]] || { log "PS dump $name: '$line'"; return 1; }
	done
}
tap_check "PS dump (netlink) on node 1: node, uid, state, comm, cmdline" nlps_ok

ls_ok() {
	local pids p missing=
	pids=$(section ls | grep -E '^[0-9]+$' | tr '\n' ' ')
	[ "$(tr ' ' '\n' <<<"$pids" | sed '/^$/d' | sort -n -c 2>&1)" = "" ] ||
		{ log "ls -f /proc not in PID order: $pids"; return 1; }
	[ "$(tr ' ' '\n' <<<"$pids" | sed '/^$/d' | sort | uniq -d)" = "" ] || { log "duplicates: $pids"; return 1; }
	for p in $remote_pids; do [[ " $pids " == *" $p "* ]] || missing="$missing $p"; done
	[ -z "$missing" ] || { log "ls /proc misses$missing"; return 1; }
}
tap_check "ls /proc on node 1: every remote process, in PID order, no duplicates" ls_ok

# --- /proc/<pid> files: node 1 vs the owning node -------------------------------
FILES='for p; do for f in status stat statm cmdline comm environ limits; do
		echo "== $p $f"; cat /proc/$p/$f | tr "\0" "\n"; done
	echo "== $p links"; readlink /proc/$p/exe; readlink /proc/$p/cwd; ls /proc/$p/fd | tr "\n" " "; echo; done'
read_files() {	# read_files N PIDS...: node N's copies (inside the environment)
	local n=$1
	shift
	on "$n" 'f=$1; shift; $KRG run -- sh -c "$f" sh "$@"' "$FILES" "$@"
}
# Fields of status that stay put for a sleeping process; stat without its
# times (14-17; 22, the start time, is in the reader's boot time base:
# checked through ps's STARTED below).
STABLE='^(Name|Umask|State|Tgid|Ngid|Pid|PPid|TracerPid|Uid|Gid|FDSize|Groups|NStgid|NSpid|NSpgid|NSsid|VmPeak|VmSize|VmLck|VmPin|VmExe|VmLib|Threads|SigBlk|SigIgn|SigCgt|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Cpus_allowed_list|voluntary_ctxt_switches|nonvoluntary_ctxt_switches):'
stable() {	# stable FILE: the file with volatile lines/fields dropped
	awk -v re="$STABLE" '
		/^== .* status$/ { st = 1; print; next }
		/^== / { st = 0; stat = ($0 ~ / stat$/); print; next }
		st { if ($0 ~ re) print; next }
		stat { n = split($0, f, " "); s = ""; for (i = 1; i <= n; i++) if ((i < 14 || i > 17) && i != 22) s = s " " f[i]; print s; next }
		{ print }' "$1"
}
files_ok() {
	local n pids
	: >"$tmp/files.own"
	: >"$tmp/files.n1"
	for n in 2 3 4; do
		pids=$(grep -E "^[ru]$n=" "$tmp/started" | cut -d= -f2 | tr '\n' ' ')
		read_files "$n" $pids >>"$tmp/files.own" 2>&1
		read_files 1 $pids >>"$tmp/files.n1" 2>&1
	done
	stable "$tmp/files.own" >"$tmp/s.own"
	stable "$tmp/files.n1" >"$tmp/s.n1"
	grep -q '^Name:' "$tmp/s.own" && grep -q KRGMARK "$tmp/s.own" ||
		{ log "the owning nodes' own reads look wrong: $(head -n 20 "$tmp/files.own" | tr '\n' ';')"; return 1; }
	diff "$tmp/s.own" "$tmp/s.n1" >"$tmp/diff" && return 0
	sed 's/^/#   /' "$tmp/diff" | head -n 60
	return 1
}
tap_check "/proc/<pid>/{status,stat,statm,cmdline,comm,environ,limits}, exe, cwd, fd/: node 1 = owner" files_ok

# lstart PIDS: "PID EPOCH" lines of ps -o lstart on node N.
lstart() {
	local n=$1
	shift
	on "$n" '$KRG run -- ps -o pid=,lstart= -p "$(echo "$@" | tr " " ,)"' "$@" |
		while read -r p d; do echo "$p $(date -d "$d" +%s)"; done
}
start_ok() {
	local n pids p t own
	for n in 2 3 4; do
		pids=$(grep -E "^[ru]$n=" "$tmp/started" | cut -d= -f2 | tr '\n' ' ')
		lstart "$n" $pids >"$tmp/lstart.own"
		lstart 1 $pids >"$tmp/lstart.n1"
		for p in $pids; do
			own=$(awk -v p="$p" '$1 == p { print $2 }' "$tmp/lstart.own")
			t=$(awk -v p="$p" '$1 == p { print $2 }' "$tmp/lstart.n1")
			[ -n "$own" ] && [ -n "$t" ] && [ $((t - own)) -le 1 ] && [ $((own - t)) -le 1 ] ||
				{ log "start time of $p: node1 '$t', node$n '$own'"; return 1; }
		done
	done
}
tap_check "ps STARTED of remote processes on node 1 = on their node (+-1 s)" start_ok

# --- a reader without permission: krguser on root's processes --------------------
PERM='for p; do echo "== $p"; cat /proc/$p/environ 2>&1 | tr "\0" "\n"; readlink /proc/$p/exe; echo "rc=$?"
	ls /proc/$p/fd 2>&1 | head -n 3; grep ^Uid /proc/$p/status; done'
perm_read() { on 1 'f=$1; shift; as_user $KRG run -- sh -c "$f" sh "$@"' "$PERM" "$@" 2>&1; }
perm_ok() {
	local local_root remote_root
	local_root=$(perm_read "$(pid_of r1)" | sed "s/$(pid_of r1)/PID/g")
	remote_root=$(perm_read "$(pid_of r3)" | sed "s/$(pid_of r3)/PID/g")
	log "krguser on a local root process: $(tr '\n' ';' <<<"$local_root")"
	log "krguser on a remote root process: $(tr '\n' ';' <<<"$remote_root")"
	grep -qi 'permission denied' <<<"$local_root" && [ "$local_root" = "$remote_root" ]
}
tap_check "krguser reading root's remote environ, exe, fd/: what it gets for a local root process" perm_ok
own_remote_ok() {
	local out
	out=$(perm_read "$(pid_of u4)")
	log "krguser on its own remote process: $(tr '\n' ';' <<<"$out")"
	grep -q '^KRGMARK=environ-4$' <<<"$out" && grep -q '^/usr/bin/sleep$' <<<"$out" &&
		grep -q '^rc=0$' <<<"$out"
}
tap_check "krguser reads its own remote process's environ and exe" own_remote_ok
tap_check "processes started on nodes 2-4 are still where they were (none lost)" \
	eval 'for n in 2 3 4; do own_view $n; done | grep -c " sleep 90[234]0" | grep -qx 8'
tap_exit
