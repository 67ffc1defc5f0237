#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP between nodes: node i runs the tcp_echo server, node i+1 the client,
# around the ring (1->2, 2->3, ..., N->1); 1 B to 1 MiB messages must come
# back byte for byte.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
PORT=7301
ECHO=/krg/tests/cluster/tcp_echo
tmp=$(mktemp -d)
cleanup() {
	local n
	for ((n = 1; n <= NODES; n++)); do
		nexec "$n" --timeout 10 -- pkill -x tcp_echo >/dev/null 2>&1
	done
	wait
	rm -rf "$tmp"
}
trap cleanup EXIT

tap_plan "$NODES"
for ((s = 1; s <= NODES; s++)); do
	c=$((s % NODES + 1))
	addr=$(node_addr "$s")
	nexec "$s" --timeout 40 -- "$ECHO" server "$PORT" 30 >"$tmp/server" 2>&1 &
	spid=$!
	# The client retries its connect until the server listens (deadline 30 s).
	if nexec "$c" --timeout 40 -- "$ECHO" client "$addr" "$PORT" 30 >"$tmp/client" 2>&1 &&
		wait "$spid"; then
		tap_ok "node$c -> node$s tcp echo 1 B..1 MiB ($(tail -n 1 "$tmp/client"))"
	else
		wait "$spid"
		sed 's/^/# client: /' "$tmp/client"
		sed 's/^/# server: /' "$tmp/server"
		tap_fail "node$c -> node$s tcp echo"
	fi
done
tap_exit
