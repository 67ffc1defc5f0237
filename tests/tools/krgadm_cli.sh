#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-only: krgadm rejects malformed input with "Error: <why>." and exit 1
# before it touches the kernel, and its JSON output parses.
set -u
. "${KRG_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/krg.sh"

KRGADM=
for k in "$KRG_TOP/build/bin/krgadm" "$KRG_TOP/tools/krgadm/krgadm"; do
	if [ -x "$k" ]; then KRGADM=$k; break; fi
done
[ -n "$KRGADM" ] || skip "krgadm not built (make tools)"

tmp=$(mktemp -d /tmp/krgadm-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# expect RC STDERR-SUBSTRING ARGS...: run krgadm, check exit code and message.
expect() {
	local rc=$1 msg=$2 got
	shift 2
	"$KRGADM" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$rc" ]; then
		log "krgadm $*: exit $got, expected $rc; stderr: $(cat "$tmp/err")"
		return 1
	fi
	if ! grep -qF -- "$msg" "$tmp/err"; then
		log "krgadm $*: stderr \"$(cat "$tmp/err")\" lacks \"$msg\""
		return 1
	fi
}

key=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
printf '%s\n' "$key" >"$tmp/good.key"
chmod 600 "$tmp/good.key"
printf '%s\n' "${key:0:63}" >"$tmp/short.key"
chmod 600 "$tmp/short.key"
conf() { # conf NAME KEYFILE EXTRA-LINE
	printf '# test\ncluster_id 1\nnode_id 2\naddress 10.42.0.2\nport 7227\nkey_file %s\nnode 1 10.42.0.1\nnode 2 10.42.0.2\n%s\n' \
		"$2" "$3" >"$tmp/$1.conf"
}
conf dupnode "$tmp/good.key" "node 1 10.42.0.9"
conf unknown "$tmp/good.key" "colour blue"
conf badnum "$tmp/good.key" "failure_timeout_ms 5s"
conf shortkey "$tmp/short.key" ""
conf nokey "$tmp/missing.key" ""

tap_plan 16
tap_check "bad list letter" expect 1 'Error: invalid node list "1-x": node id expected at position 3, found '"'x'"'.' nodes add -n 1-x
tap_check "bad list reversed" expect 1 'range 3-1 at position 1 is reversed.' nodes del -n 3-1
tap_check "bad list range" expect 1 'node id 300 at position 1 is out of range (0-255).' nodes add -n 300
tap_check "bad list duplicate" expect 1 'node 2 is listed more than once.' nodes add -n 1-3,2
tap_check "bad list empty element" expect 1 'invalid node list "1,,2"' nodes status -n 1,,2
tap_check "missing list" expect 1 'Error: a node list is needed: -n LIST or -a.' nodes add
tap_check "unknown object" expect 1 'Error: unknown object "frob"' frob
tap_check "unknown command" expect 1 'Error: unknown command "nodes frob"' nodes frob
tap_check "unknown option" expect 1 'Error: unknown option "-q"' nodes status -q
tap_check "option for another command" expect 1 'Error: option -n does not apply to "status"' cluster status -n 1
tap_check "conf duplicate node" expect 1 "Error: $tmp/dupnode.conf:9: node 1 is already defined on line 7." -c "$tmp/dupnode.conf" node start
tap_check "conf unknown key" expect 1 "Error: $tmp/unknown.conf:9: unknown key \"colour\"." node start -c "$tmp/unknown.conf"
tap_check "conf bad number" expect 1 "$tmp/badnum.conf:9: failure_timeout_ms: \"5s\" is not a decimal number." -c "$tmp/badnum.conf" node start
tap_check "short key" expect 1 "Error: $tmp/short.key: key must be exactly 64 hexadecimal characters" -c "$tmp/shortkey.conf" node start
tap_check "missing key" expect 1 "Error: cannot open key file $tmp/missing.key" -c "$tmp/nokey.conf" node start

check_json() {
	"$KRGADM" -j check >"$tmp/check.json" 2>"$tmp/err"
	case $? in 0|2) ;; *) log "krgadm -j check failed: $(cat "$tmp/err")"; return 1 ;; esac
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["check"]: r for r in d["checks"]}
assert "kernel" in rows and "module krg_comm" in rows and "family krg_comm" in rows, rows
' "$tmp/check.json"
}
tap_check "check -j parses" check_json
tap_exit
