#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# zdtm_node.sh DIR NAME KIND MODES ARGS...: run CRIU's zdtm static test
# NAME inside node 1 (where zdtm.sh starts it), once per mode of MODES
# (comma-separated: base, 12, 121), each in its own folder DIR/NAME/MODE of
# the shared file system, and print one line per mode:
#   R MODE pass|refused|fail SECONDS DETAIL
# base: started under "krg run" on node 1 and checked there; 12: moved to
# node 2 (krg migrate) before the check; 121: moved to node 2 and back to 1.
# A mode: the test starts (its first process daemonizes and writes the
# daemon's PID, the cluster PID, to NAME.pid, then exits, which ends krg
# run), moves, gets SIGTERM and writes PASS or FAIL as the last line of
# NAME.out ("HH:MM:SS.mmm: PID: PASS").  "refused": krg migrate said
# "Error: <reason>." (DETAIL; not "... failed (-errno)", a migration that
# went wrong) and the test, where it stayed, still passed; "fail": anything
# else (no start, a move that failed otherwise, the process gone after a
# move, no .out within the deadline, or a last line that is not PASS),
# DETAIL the evidence.
# KIND: suid (run as root) or user (ZDTM_UID/GID/GROUPS as zdtm.py sets
# them: the test drops to that user once started).
set -u
. /krg/tests/proc/node_lib.sh		# KRG
BIN=/krg/build/zdtm/src/static
SRV=/srv/cluster			# node 1 serves /cluster from here
T_START=60 T_MOVE=60 T_OUT=60		# deadlines, seconds
ZUID=18943 ZGID=58467 ZGROUPS="27495 48244"

dir=$1 name=$2 kind=$3 modes=$4
shift 4
umask 022

now_ms() { date +%s%3N; }
# one line of evidence from a file: its last N lines joined with " | "
tail_of() { [ -f "$1" ] && tail -n "${2:-3}" "$1" | tr '\n' '|' | sed 's/|$//; s/|/ | /g'; }
# ksig SIG PID: kill(2) from inside the cluster environment
ksig() { timeout 30 "$KRG" run -- kill "-$1" -- "$2" >/dev/null 2>&1; }

run_mode() {
	local m=$1 d=$dir/$name/$1 t0 pid out rc to refused= detail= k
	shift
	t0=$(now_ms)
	result() {	# result pass|refused|fail DETAIL
		printf 'R %s %s %s %s\n' "$m" "$1" "$(( ($(now_ms) - t0) / 1000 ))" "$(tr '\n' ' ' <<<"$2")"
	}
	mkdir -p "$d" || { result fail "cannot make $d"; return; }
	# Writable by the test once it dropped to ZUID (suid tests may too).
	chmod 0777 "$d"
	[ "$kind" = user ] && chown "$ZUID:$ZGID" "$d"
	cd "$d" || { result fail "cannot enter $d"; return; }
	if [ "$kind" = user ]; then
		ZDTM_UID=$ZUID ZDTM_GID=$ZGID ZDTM_GROUPS=$ZGROUPS \
			timeout "$T_START" "$KRG" run -- "$BIN/$name" "$@" </dev/null >start.log 2>&1
	else
		timeout "$T_START" "$KRG" run -- "$BIN/$name" "$@" </dev/null >start.log 2>&1
	fi
	rc=$?
	pid=$(cat "$name.pid" 2>/dev/null)
	if [ -z "$pid" ]; then
		result fail "did not start (krg run exit $rc): $(tail_of start.log) $(tail_of "$name.out.inprogress") $(tail_of "$name.out")"
		return
	fi
	case $m in base) to= ;; 12) to=2 ;; 121) to="2 1" ;; esac
	for k in $to; do
		out=$(timeout "$T_MOVE" "$KRG" migrate "$pid" "$k" 2>&1)
		rc=$?
		# A refusal names what cannot move; "failed (-errno)" is a
		# migration that went wrong, not a refusal.
		if [ "$rc" = 1 ] && grep -q '^Error: ' <<<"$out" && ! grep -qE 'failed \(-[0-9]+\)' <<<"$out"; then
			refused=$(sed -n 's/^Error: \(.*\)\.$/\1/p' <<<"$out" | head -n 1)
			break
		elif [ "$rc" != 0 ]; then
			detail="krg migrate $pid $k: exit $rc: $(tr '\n' ' ' <<<"$out");"
			break
		fi
	done
	# SIGTERM, if it is still there (one krg run for both)
	if ! timeout 30 "$KRG" run -- sh -c 'kill -0 "$1" && kill -TERM "$1"' sh "$pid" >/dev/null 2>&1; then
		detail="$detail PID $pid gone before SIGTERM ${to:+(after the move)};"
	fi
	# The outfile as the NFS server has it (no client cache in between).
	local f=$SRV/${d#/cluster/}/$name.out end=$(( $(now_ms) + T_OUT * 1000 ))
	while [ ! -e "$f" ] && [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.1
	done
	if [ ! -e "$f" ]; then
		ksig KILL "-$pid"
		ksig KILL "$pid"
		result fail "$detail no $name.out ${T_OUT}s after SIGTERM; $name.out.inprogress: $(tail_of "$f.inprogress")"
		return
	fi
	if ! tail -n 1 "$f" | grep -Eq "(^|: )PASS$" || [ -n "$detail" ]; then
		result fail "$detail${refused:+ refused ($refused), then} $name.out: $(tail_of "$f")"
	elif [ -n "$refused" ]; then
		result refused "$refused"
	else
		result pass ""
	fi
}

for m in ${modes//,/ }; do
	(run_mode "$m" "$@")
done
