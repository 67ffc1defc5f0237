# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the krg_proc suite that run INSIDE a node (sourced by lib.sh's
# "on N SCRIPT"; POSIX sh).

PD=/krg/tests/proc
KUSER=krguser
KUID=1000
NL="python3 -S $PD/proc_nl.py"
SIG=$PD/proc_sig

# KRG: a krg the test user can run: the first setuid-root copy found (the
# tree's build/bin may sit on a file system that ignores setuid).
KRG=
for k in $(which -a krg 2>/dev/null) /usr/local/bin/krg /usr/bin/krg /usr/sbin/krg; do
	if [ -u "$k" ] && [ -x "$k" ]; then
		KRG=$k
		break
	fi
done
[ -n "$KRG" ] || KRG=krg

# add_user: the test user (same uid on every node; the root is a per-node
# overlay, so a rebooted node needs it again).
add_user() {
	grep -q "^$KUSER:" /etc/passwd ||
		echo "$KUSER:x:$KUID:$KUID:krg_proc test user:/tmp:/bin/sh" >>/etc/passwd
	grep -q "^$KUSER:" /etc/group || echo "$KUSER:x:$KUID:" >>/etc/group
}

# as_user CMD...: CMD as the test user, no supplementary groups, no capabilities.
as_user() {
	setpriv --reuid="$KUID" --regid="$KUID" --clear-groups "$@"
}

status_field() {
	$NL status 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# pstart [-u] [-o FILE] CMD...: start CMD as a cluster process of this node
# in the background (as the test user with -u; its output to FILE, else
# nowhere) and print its cluster PID.  Fails if krg run ended first or the
# PID did not come within 20 s.
pstart() {
	_as=
	_out=/dev/null
	while :; do
		case $1 in
		-u) _as="setpriv --reuid=$KUID --regid=$KUID --clear-groups"; shift ;;
		-o) _out=$2; : >"$_out"; chmod 666 "$_out"; shift 2 ;;
		*) break ;;
		esac
	done
	_f=$(mktemp /tmp/pstart.XXXXXX)
	chmod 666 "$_f"
	setsid $_as "$KRG" run -- sh -c 'echo $$ >"$0"; exec "$@"' "$_f" "$@" \
		</dev/null >>"$_out" 2>&1 &
	_job=$!
	_end=$(($(date +%s) + 20))
	while [ ! -s "$_f" ] && kill -0 $_job 2>/dev/null && [ "$(date +%s)" -le $_end ]; do
		sleep 0.02
	done
	_pid=$(cat "$_f")
	rm -f "$_f"
	[ -n "$_pid" ] || { echo "pstart: $* did not start" >&2; return 1; }
	echo "$_pid"
}

# env_procs: host PIDs of every process of this node's cluster environment
# but krginit, read from the host side (independent of krg_proc's /proc).
env_procs() {
	_init=$(pgrep -x krginit | head -n 1)
	[ -n "$_init" ] || return 0
	pgrep --ns "$_init" --nslist pid | grep -vx "$_init"
}

# env_reset: kill every cluster process of this node (krginit stays) and
# every krg process (the "krg run" parents outside the environment: one
# whose job stopped is stopped too and would never reap it), wait until
# they are gone (10 s at most).
env_reset() {
	pkill -KILL -x krg
	_i=0
	while :; do
		_p=$(env_procs)
		[ -z "$_p" ] && return 0
		[ $_i -ge 200 ] && { echo "env_reset: left: $_p" >&2; return 1; }
		# shellcheck disable=SC2086
		kill -KILL $_p 2>/dev/null
		sleep 0.05
		_i=$((_i + 1))
	done
}

# gone PID...: none of the cluster PIDs exists any more (seen from inside).
gone() {
	"$KRG" run -- sh -c 'for p; do kill -0 "$p" 2>/dev/null && exit 1; done; exit 0' sh "$@"
}
