#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A killed node is gone and comes back: after "vcluster kill" its QEMU exits,
# node 1's pings to it fail within a deadline and exec on it fails quickly;
# after "vcluster start" it answers pings and execs again, as a fresh boot
# (new boot_id) with the same name, address and cluster.conf node_id.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
victim=$NODES
addr=$(node_addr "$victim") || die "no address for node $victim"

# Whatever happens, leave the node running for the tests after us.
cleanup() {
	if [ "$(node_state "$victim" 2>/dev/null)" != running ]; then
		log "restarting node $victim in cleanup"
		timeout 120 "$VC" start "$victim" >/dev/null 2>&1
	fi
}
trap cleanup EXIT

unreachable_from_1() {	# true once one ping from node 1 fails
	! nexec 1 --timeout 5 -- ping -n -q -c 1 -W 1 "$addr"
}
reachable_from_1() {
	nexec 1 --timeout 5 -- ping -n -q -c 1 -W 1 "$addr"
}

tap_plan 9
wait_until 20 "node1 reaches node$victim before the kill" reachable_from_1 ||
	die "node$victim unreachable before the test"
pid=$(node_pid "$victim")
boot_before=$(nexec "$victim" --timeout 10 -- cat /proc/sys/kernel/random/boot_id)
[ -n "$pid" ] && [ -n "$boot_before" ] || die "node$victim not running (pid '$pid')"

t0=$(now_ms)
tap_check "kill node$victim" timeout 30 "$VC" kill "$victim"
if wait_until 10 "QEMU pid $pid of node$victim to exit" bash -c "! kill -0 $pid"; then
	tap_ok "node$victim QEMU (pid $pid) exited after $(($(now_ms) - t0)) ms"
else
	tap_fail "node$victim QEMU (pid $pid) exited"
fi
tap_check "node$victim state is stopped" test "$(node_state "$victim")" = stopped
t0=$(now_ms)
if wait_until 15 "node1's pings to node$victim to fail" unreachable_from_1; then
	tap_ok "node1 cannot reach node$victim (after $(($(now_ms) - t0)) ms)"
else
	tap_fail "node1 cannot reach node$victim"
fi
t0=$(now_ms)
if timeout 20 "$VC" exec "$victim" --timeout 5 -- true >/dev/null 2>&1; then
	tap_fail "exec on the killed node$victim fails"
else
	tap_ok "exec on the killed node$victim fails ($(($(now_ms) - t0)) ms)"
fi

t0=$(now_ms)
if timeout 120 "$VC" start "$victim" >/dev/null; then
	tap_ok "start node$victim ($(($(now_ms) - t0)) ms)"
else
	tap_fail "start node$victim"
fi
t0=$(now_ms)
if wait_until 30 "node1 reaches node$victim again" reachable_from_1; then
	tap_ok "node1 reaches node$victim again (after $(($(now_ms) - t0)) ms)"
else
	tap_fail "node1 reaches node$victim again"
fi
boot_after=$(nexec "$victim" --timeout 10 -- cat /proc/sys/kernel/random/boot_id)
if [ -n "$boot_after" ] && [ "$boot_after" != "$boot_before" ]; then
	tap_ok "node$victim runs a fresh boot"
else
	tap_fail "node$victim runs a fresh boot (boot_id '$boot_before' -> '$boot_after')"
fi
ident=$(nexec "$victim" --timeout 10 -- sh -c 'hostname; sed -n "s/^node_id //p" /etc/kerrighed/cluster.conf; ip -4 -o addr show')
if grep -qx "node$victim" <<<"$ident" && grep -qx "$victim" <<<"$ident" &&
	grep -q "inet $addr/" <<<"$ident"; then
	tap_ok "node$victim keeps its name, node_id and address"
else
	sed 's/^/# /' <<<"$ident"
	tap_fail "node$victim keeps its name, node_id and address"
fi
tap_exit
