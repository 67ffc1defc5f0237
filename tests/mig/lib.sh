# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the migration suite (host side).  Source after tests/lib/krg.sh.
#
# The cluster is tests/proc's (lib.sh: formed with krg_proc, reused when
# whole, the test user krguser); inside the nodes node_lib.sh adds what
# migration needs.  The programs write their output and reports into a
# folder of the shared file system, which the scripts read on node 1 from
# the NFS server's own copy (no client cache in between): a program
# flushes each line it writes (mig_util.h), a report is renamed into place.

. "$KRG_TOP/tests/proc/lib.sh"

MD=/krg/tests/mig			# this folder inside the nodes
NODE_LIB=$MD/node_lib.sh		# "on N SCRIPT" sources it (and tests/proc's)
SFS=/krg/tools/vcluster/shared-fs
SRV=/srv/cluster			# node 1 serves /cluster from there (shared-fs)

# mig_setup MIN_NODES: as proc_setup, then the cluster formed with krg_proc
# and its environment on every node sees the shared file system at
# /cluster; D is a fresh folder there (mode 1777) for this script.  At exit:
# the script's cleanup_more (if any), no cluster process left, D removed.
mig_setup() {
	proc_setup "$1"
	trap mig_exit EXIT
	D=/cluster/mig.$(basename "$0" .sh).$$
	sfs_mounted || { log "no shared file system: vcluster shared-fs"; vc shared-fs >/dev/null && sfs_mounted; } ||
		die "no shared file system at /cluster on every node (settings: shared_fs=1)"
	proc_form || die "cluster with krg_proc did not form"
	if ! env_sees_sfs; then
		# The environment's mount namespace was made before /cluster was mounted.
		log "a cluster environment does not see /cluster: forming the cluster again"
		krgadm_reset
		proc_form && env_sees_sfs || die "the cluster environment does not see /cluster"
	fi
	nexec 1 --timeout 30 -- sh -c "mkdir -p $D && chmod 1777 $D" || die "cannot make $D"
}
mig_exit() {
	if declare -F cleanup_more >/dev/null; then cleanup_more; fi
	# tests/proc's proc_clean, on every node at once
	on_all env_reset
	[ -n "${D:-}" ] && nexec 1 --timeout 30 -- rm -rf "$D" >/dev/null 2>&1
	rm -rf "$tmp"
	return 0
}

# on_all SCRIPT [ARGS...]: "on N SCRIPT ARGS" on every node at once; fails
# if it failed on one.
on_all() {
	local n rc=0 bg=()
	for n in $(all_nodes); do
		on "$n" --timeout 60 "$@" >/dev/null 2>&1 &
		bg+=($!)
	done
	for n in "${bg[@]}"; do wait "$n" || rc=1; done
	return $rc
}
sfs_mounted() { on_all '"$1" check /cluster' "$SFS"; }
env_sees_sfs() { on_all '[ "$("$KRG" run -- findmnt -n -o FSTYPE -T /cluster)" = nfs4 ]'; }

# sfs_read PATH: the file PATH of /cluster as the NFS server has it.
sfs_read() { nexec 1 --timeout 30 -- cat "$SRV/${1#/cluster/}" 2>/dev/null; }

# start N [-u] NAME CMD...: CMD as a cluster process of node N (as krguser
# with -u), stdin /dev/null, stdout and stderr appended to $D/NAME.stdout
# (nothing that could not move), its MIG_LOG (mig_util.h) $D/NAME.out;
# prints its PID.
start() {
	local n=$1 u=
	shift
	[ "$1" = -u ] && { u=-u; shift; }
	local name=$1
	shift
	on "$n" '_o=$1; shift; pstart '"$u"' -o "$_o.stdout" env MIG_LOG="$_o.out" "$@"' "$D/$name" "$@"
}
# start_blocked N NAME ARGS...: start N NAME mig_block ARGS..., and once
# it said it blocked, print its PID.
start_blocked() {
	local n=$1 name=$2 p
	shift 2
	p=$(start "$n" "$name" "$MD/mig_block" "$@") &&
		wait_until 30 "$name to block" has_out "$name" '^blocked ' && echo "$p" && return 0
	log "$name did not block: $(out_of "$name" | tr '\n' ';')"
	return 1
}
# out_of NAME: the lines of $D/NAME.out (what the program said).
out_of() { sfs_read "$D/$1.out"; }
# has_out NAME PATTERN: a line of $D/NAME.out matches PATTERN (ERE).
has_out() { out_of "$1" | grep -Eq "$2"; }

# migrate FROM PID NODE [user]: "krg migrate PID NODE" run on node FROM
# (as root, or as krguser); sets mig_rc, mig_out (what it printed),
# mig_ms (how long the exec took).
migrate() {
	local from=$1 pid=$2 to=$3 t0
	t0=$(now_ms)
	if [ "${4:-}" = user ]; then
		mig_out=$(on "$from" --timeout 60 'as_user "$KRG" migrate "$1" "$2"' "$pid" "$to" 2>&1)
	else
		mig_out=$(on "$from" --timeout 60 '"$KRG" migrate "$1" "$2"' "$pid" "$to" 2>&1)
	fi
	mig_rc=$?
	mig_ms=$(($(now_ms) - t0))
	log "node$from: krg migrate $pid $to: exit $mig_rc in $mig_ms ms: $(tr '\n' ';' <<<"$mig_out")"
}
# migrated FROM PID NODE: migrate, which must succeed quietly.
migrated() {
	migrate "$@"
	[ "$mig_rc" = 0 ] && ! grep -q '^Error' <<<"$mig_out"
}
# refused PID NODE REGEX [FROM [user]]: krg migrate (from node FROM, default
# 1) exits 1 with one line "Error: <reason>." whose reason matches REGEX
# (ERE, any case).
refused() {
	migrate "${4:-1}" "$1" "$2" "${5:-}"
	[ "$mig_rc" = 1 ] && grep -qE '^Error: .+\.$' <<<"$mig_out" &&
		grep -iqE "^Error: .*($3)" <<<"$mig_out" && return 0
	log "wanted exit 1 and 'Error: ...' naming /$3/"
	return 1
}

# shows_on PID N: on node N, its PS dump and krg ps say PID runs on N and
# the node's own view of its processes has it (node_lib.sh where_is);
# sets where (what node N said).
shows_on() {
	where=$(on "$2" --timeout 30 'where_is "$1"' "$1")
	[[ $where =~ ^dump=$2\ ps=$2\ here=[0-9]+$ ]]
}
# all_on N PID...: runs_on for each PID, in one exec.
all_on() {
	local n=$1 p rc=0
	shift
	where=$(on "$n" --timeout 60 'for p; do echo "$p $(where_is "$p")"; done' "$@")
	for p; do
		grep -Eq "^$p dump=$n ps=$n here=[0-9]+$" <<<"$where" && continue
		log "PID $p as node$n sees it: $(grep "^$p " <<<"$where")"
		rc=1
	done
	return $rc
}
# runs_on PID N: shows_on, now.  If not, whether it does within 10 s is
# logged, for the diagnosis.
runs_on() {
	local t0
	shows_on "$1" "$2" && return 0
	log "PID $1 as node$2 sees it: $where"
	t0=$(now_ms)
	wait_until 10 "PID $1 to show on node$2" shows_on "$1" "$2" &&
		log "... and $(($(now_ms) - t0)) ms later it does"
	return 1
}

# sig SIG PID...: SIG (a name: USR1, RTMIN+1, ...) to every PID, from
# inside node 1's environment (tests/proc's proc_sig); fails unless every
# kill() returned 0.
sig() {
	local s=$1 p ops=() out
	shift
	for p; do ops+=(kill "$p" "$s"); done
	out=$(nexec 1 --timeout 30 -- krg run -- "$PD/proc_sig" "${ops[@]}" 2>&1)
	[ "$(grep -c ' rc=0$' <<<"$out")" = $# ] && return 0
	log "kill -$s $*: $(tr '\n' ';' <<<"$out")"
	return 1
}
# ready_pid NAME: the PID NAME said it has ("ready pid=P ..."), once it did.
ready_pid() {
	wait_until 30 "$1 to start" has_out "$1" '^ready pid=' || return 1
	out_of "$1" | sed -n 's/^ready pid=\([0-9]*\) .*/\1/p' | head -n 1
}
# reports_past NAME N: NAME said more than N "report" lines.
reports_past() { [ "$(out_of "$1" | grep -c '^report ')" -gt "$2" ]; }
# ok_report NAME PID NODE: PID's next report (SIGUSR1) says it runs on NODE
# and ok=1; sets line.
ok_report() {
	local before node
	node=$(nexec "$3" -- uname -n)
	before=$(out_of "$1" | grep -c '^report ')
	sig USR1 "$2" && wait_until 30 "$1 to report" reports_past "$1" "$before" || return 1
	line=$(out_of "$1" | grep '^report ' | tail -n 1)
	log "$1: $line"
	[ "$(kv "$line" node)" = "$node" ] && [ "$(kv "$line" ok)" = 1 ]
}
# said_more NAME LINE N: NAME said LINE more than N times.
said_more() { [ "$(out_of "$1" | grep -cx "$2")" -gt "$3" ]; }
# hup_said NAME PID LINE: after a SIGHUP to PID, NAME says LINE once more.
hup_said() {
	local n
	n=$(out_of "$1" | grep -cx "$3")
	sig HUP "$2" && wait_until 20 "$1 to say $3" said_more "$1" "$3" "$n"
}
# thr_report NAME PID NODE THREADS: mig_threads PID's next report (SIGUSR1)
# says it runs on NODE with THREADS tasks and ok=1; sets tids and line.
thr_report() {
	local r
	ok_report "$1" "$2" "$3"
	r=$?
	tids=$(kv "$line" tids)
	[ "$r" = 0 ] && [ "$(kv "$line" threads)" = "$4" ]
}

# boot_id N: node N's boot id (what a program that runs there reads).
boot_id() { nexec "$1" --timeout 20 -- cat /proc/sys/kernel/random/boot_id; }
