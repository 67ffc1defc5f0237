#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every node reaches every other node: one ping per ordered pair, each
# retried until it answers or a 20 s deadline passes (peers may still be
# settling right after boot).
set -u
. "$KRG_TOP/tests/lib/krg.sh"

[ "$NODES" -ge 2 ] || skip "needs at least 2 nodes"
addrs=()
for ((n = 1; n <= NODES; n++)); do
	addrs[n]=$(node_addr "$n") || die "no address for node $n"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Inside node i, ping each peer with its own deadline; one line per peer.
probe='for a in "$@"; do
	end=$((SECONDS + 20)); r=fail
	while [ $SECONDS -lt $end ]; do
		if ping -n -q -c 1 -W 1 "$a" >/dev/null 2>&1; then r=ok; break; fi
		sleep 0.2
	done
	echo "$a $r $(ping -n -c 1 -W 1 "$a" 2>/dev/null | sed -n "s/.*time=\([0-9.]*\) ms/\1/p")"
done'
for ((i = 1; i <= NODES; i++)); do
	peers=()
	for ((j = 1; j <= NODES; j++)); do [ "$j" -ne "$i" ] && peers+=("${addrs[j]}"); done
	nexec "$i" --timeout 90 -- bash -c "$probe" ping_all "${peers[@]}" >"$tmp/$i" 2>&1 &
done
wait

tap_plan $((NODES * (NODES - 1)))
for ((i = 1; i <= NODES; i++)); do
	for ((j = 1; j <= NODES; j++)); do
		[ "$j" -ne "$i" ] || continue
		line=$(awk -v a="${addrs[j]}" '$1 == a' "$tmp/$i")
		set -- $line
		if [ "${2:-}" = ok ]; then
			tap_ok "node$i -> node$j (${addrs[j]}) ping ${3:-?} ms"
		else
			sed 's/^/# /' "$tmp/$i"
			tap_fail "node$i -> node$j (${addrs[j]}) ping"
		fi
	done
done
tap_exit
