#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one machine: inside the environment free -b (and top's header) shows
# the sum of every node's MemTotal, /proc/cpuinfo and /proc/stat list every
# vCPU of the cluster, from node 1 and node 3 alike; /proc/kerrighed/nodes/N/
# holds each node's own meminfo and cpuinfo.  A process with
# SEE_LOCAL_PROC_STAT effective sees its node's values: krg caps -e on a
# shell changes what the shell itself reads, not its children (their
# effective set comes from the inheritable ones); krg caps -d makes its
# children see the node too.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/proc/lib.sh"

proc_setup 3

tap_plan 9
proc_form || die "cluster with krg_proc did not form"

# Each node's own numbers, read in its host namespace.
total_kb=0 total_cpus=0
for n in $(all_nodes); do
	read -r kb cpus < <(on "$n" 'echo $(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo) $(grep -c ^processor /proc/cpuinfo)')
	eval "kb_$n=$kb cpus_$n=$cpus"
	total_kb=$((total_kb + kb)) total_cpus=$((total_cpus + cpus))
done
log "nodes' MemTotal sum ${total_kb} kB, vCPUs $total_cpus"

# free_total N: "free -b" total inside the environment of node N.
free_total() { on "$1" '$KRG run -- free -b' | awk '$1 == "Mem:" { print $2 }'; }
tap_check "free -b on node 1 = the sum of the nodes' MemTotal ($((total_kb * 1024)) bytes)" \
	test "$(free_total 1)" = $((total_kb * 1024))
tap_check "free -b on node 3 = the same sum" test "$(free_total 3)" = $((total_kb * 1024))
top_mem() {	# top's "MiB Mem :  TOTAL total" line, in MiB with one decimal
	local got
	got=$(on 1 '$KRG run -- top -b -n1' | sed -n 's/^MiB Mem : *\([0-9.]*\) total.*/\1/p')
	log "top: $got MiB"
	awk -v g="$got" -v kb="$total_kb" 'BEGIN { exit !(g != "" && (g - kb / 1024) ^ 2 < 0.01) }'
}
tap_check "top -b -n1 on node 1: the same total memory" top_mem

cpus_ok() {	# cpus_ok N: cpuinfo and stat of node N's environment
	local out procs cpulines
	out=$(on "$1" '$KRG run -- sh -c "grep ^processor /proc/cpuinfo; echo ==; grep -c \"^cpu[0-9]\" /proc/stat"')
	procs=$(sed -n 's/^processor[[:space:]]*: *//p' <<<"$out" | sort -n | tr '\n' ' ')
	cpulines=$(sed -n '/^==$/{n;p}' <<<"$out")
	log "node$1: cpuinfo processors: $procs; /proc/stat cpuN lines: $cpulines"
	[ "$procs" = "$(seq 0 $((total_cpus - 1)) | tr '\n' ' ')" ] && [ "$cpulines" = "$total_cpus" ]
}
tap_check "/proc/cpuinfo and /proc/stat on node 1 list every vCPU of the cluster ($total_cpus)" cpus_ok 1
tap_check "... and on node 3" cpus_ok 3

per_node() {
	local n out kb cpus
	for n in $(all_nodes); do
		out=$(on 1 'sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/kerrighed/nodes/$1/meminfo
			grep -c ^processor /proc/kerrighed/nodes/$1/cpuinfo
			for f in stat loadavg uptime; do [ -n "$(head -c 64 /proc/kerrighed/nodes/$1/$f)" ] && echo $f; done' "$n" |
			tr '\n' ' ')
		kb=kb_$n cpus=cpus_$n
		[ "$out" = "${!kb} ${!cpus} stat loadavg uptime " ] ||
			{ log "node1's /proc/kerrighed/nodes/$n: '$out' (want ${!kb} ${!cpus} stat loadavg uptime)"; return 1; }
	done
}
tap_check "/proc/kerrighed/nodes/N/ on node 1: each node's own MemTotal and vCPUs, stat, loadavg, uptime" per_node

# SEE_LOCAL_PROC_STAT.  The shell reads /proc/meminfo with its own builtin
# read (a function with a redirection: no subshell, no child), its children
# with free -b; caps via the netlink client.
LOCAL='
	mem() { while read -r k v u; do [ "$k" = MemTotal: ] && echo $((v * 1024)) && return; done </proc/meminfo; }
	mem >/tmp/mem.$$
	read -r shell </tmp/mem.$$
	echo "caps=$(python3 -S /krg/tests/proc/proc_nl.py caps $$ | tr " " "\n" | grep ^caps=)"
	echo "shell=$shell child=$(free -b | awk "\$1 == \"Mem:\" { print \$2 }") cpus=$(grep -c ^processor /proc/cpuinfo)"'
see_local() {	# see_local FLAGS...: krg caps FLAGS on a shell in node 1, then LOCAL
	on 1 '$KRG run -- sh -c "$1"' "$(printf '%s\n' "$@" | sed 's/^/krg caps /')$LOCAL" 2>&1
}
node1=$((kb_1 * 1024)) cluster=$((total_kb * 1024))
bit=$(printf '0x%x' $((1 << 4)))	# KRG_CAP_SEE_LOCAL_PROC_STAT
out=$(see_local "-e +SEE_LOCAL_PROC_STAT")
log "krg caps -e +SEE_LOCAL_PROC_STAT: $(tr '\n' ' ' <<<"$out")"
tap_check "krg caps -e +SEE_LOCAL_PROC_STAT: the shell reads node 1's memory, its child the cluster's" \
	grep -q "^shell=$node1 child=$cluster cpus=$total_cpus$" <<<"$out"
out=$(see_local "-e +SEE_LOCAL_PROC_STAT" "-d +SEE_LOCAL_PROC_STAT")
log "krg caps -e/-d +SEE_LOCAL_PROC_STAT: $(tr '\n' ' ' <<<"$out")"
tap_check "krg caps -d +SEE_LOCAL_PROC_STAT too: its children see node 1 (memory, $cpus_1 vCPUs)" \
	grep -q "^shell=$node1 child=$node1 cpus=$cpus_1$" <<<"$out"
caps_ok() {	# effective and inheritable-effective have the bit (caps=E,P,IE,IP)
	local c
	c=$(sed -n 's/^caps=caps=//p' <<<"$out")
	IFS=, read -r e p ie ip <<<"$c"
	log "caps of the shell: $c"
	[ $((e & 16)) = 16 ] && [ $((ie & 16)) = 16 ] && [ $((p & 16)) = 16 ] && [ $((ip & 16)) = 16 ]
}
tap_check "CAPS_GET of that shell: SEE_LOCAL_PROC_STAT ($bit) effective and inheritable-effective" caps_ok
tap_exit
