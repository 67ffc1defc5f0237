#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The CRIU reference of tests/bench/mig, inside the nodes (POSIX sh).  The
# process is a plain process of the node, outside the cluster environment
# (CRIU restores a process with its PID, which the cluster PID namespace
# allocates itself); the images go through node-local tmpfs (/tmp) on both
# sides and over the network as one tar stream on a TCP connection (socat
# with 1 MiB buffers, tar with 256 KiB records; no encryption, no
# authentication).  With a page server, "criu dump" sends the pages itself
# to "criu page-server" on the target (CRIU's own transport, its fastest
# migration without lazy pages) and the tar stream holds the other images.
#
#   mig_criu.sh start PID MIB REPORT SEED
#       start "mig_mem MIB REPORT SEED" with PID PID (ns_last_pid), in its
#       own session, descriptors 0-2 on /dev/null; prints its PID.
#   mig_criu.sh listen PORT [PS_PORT]
#       on the target: with PS_PORT, start "criu page-server" there; wait
#       for one connection on PORT, in the background (returns once
#       listening, at most 20 s); on it, untar the images
#       into /tmp/krgbench-criu, "criu restore -d" them, answer
#       "restored rc=N untar_ns=T restore_ns=T" and close.
#   mig_criu.sh move PID ADDR PORT [PS_PORT]
#       on the source: "criu dump" PID into /tmp/krgbench-criu (its pages
#       to the page server at ADDR:PS_PORT if given), send the images to
#       ADDR:PORT, wait for the target's answer; prints
#       "dump_rc=N dump_ns=T image_kb=K total_ns=T" and that answer.
#   mig_criu.sh clean [PID...]
#       kill the listener and the PIDs, remove the images.
# CRIU's logs: /tmp/krgbench-criu.{dump,restore}.log on each node.
IMG=/tmp/krgbench-criu
LOG=/tmp/krgbench-criu
MEM=/krg/tests/bench/mig_mem

now() { date +%s%N; }

case $1 in
start)
	cd / || exit 1
	# The next PID is $2, unless another process forks in between.
	echo $(($2 - 1)) >/proc/sys/kernel/ns_last_pid || exit 1
	setsid "$MEM" "$3" "$4" "$5" </dev/null >/dev/null 2>&1 &
	echo $!
	;;
listen)
	rm -rf "$IMG" && mkdir -p "$IMG" || exit 1
	if [ -n "${3:-}" ]; then
		criu page-server -D "$IMG" --port "$3" -d -o "$LOG.pageserver.log" || exit 1
	fi
	# shellcheck disable=SC2016
	setsid socat -b 1048576 -t 300 "TCP-LISTEN:$2,reuseaddr" SYSTEM:'t0=$(date +%s%N); tar -xBf - -C '"$IMG"';
		t1=$(date +%s%N); cd /; criu restore -D '"$IMG"' -d -o '"$LOG"'.restore.log </dev/null >/dev/null 2>&1;
		rc=$?; t2=$(date +%s%N); echo "restored rc=$rc untar_ns=$((t1 - t0)) restore_ns=$((t2 - t1))"' \
		</dev/null >"$LOG.listen.out" 2>&1 &
	echo $! >"$LOG.listen.pid"
	i=0
	while ! ss -ltnH "sport = :$2" | grep -q .; do
		[ $i -ge 1000 ] && { echo "mig_criu: socat did not listen on $2" >&2; exit 1; }
		sleep 0.02
		i=$((i + 1))
	done
	;;
move)
	rm -rf "$IMG" && mkdir -p "$IMG" || exit 1
	t0=$(now)
	criu dump -t "$2" -D "$IMG" -o "$LOG.dump.log" ${5:+--page-server --address "$3" --port "$5"}
	rc=$?
	t1=$(now)
	[ "$rc" = 0 ] || { echo "dump_rc=$rc dump_ns=$((t1 - t0))"; tail -n 5 "$LOG.dump.log" >&2; exit 1; }
	answer=$(tar -b 512 -cf - -C "$IMG" . | socat -b 1048576 -t 300 - "TCP:$3:$4")
	t2=$(now)
	kb=$(du -sk "$IMG" | cut -f1)
	rm -rf "$IMG"
	echo "dump_rc=$rc dump_ns=$((t1 - t0)) image_kb=$kb total_ns=$((t2 - t0)) $answer"
	case $answer in "restored rc=0 "*) ;; *) exit 1 ;; esac
	;;
clean)
	shift
	[ -s "$LOG.listen.pid" ] && kill "$(cat "$LOG.listen.pid")" 2>/dev/null
	[ $# -gt 0 ] && kill -KILL "$@" 2>/dev/null
	rm -rf "$IMG" "$LOG.listen.pid"
	;;
*)
	echo "usage: see the comment at the top of mig_criu.sh" >&2
	exit 2
	;;
esac
