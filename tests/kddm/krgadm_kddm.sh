#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "krgadm kddm status": on every node the table has one row per set, its
# JSON (-j) parses and agrees with kddm_client's own SET_GET dump (every
# attribute, the per-message counters by name and the chain histogram);
# without krg_kddm (the host's kernel) it says so and exits 1.
set -u
. "$KRG_TOP/tests/lib/krg.sh"
. "$KRG_TOP/tests/kddm/lib.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
KDDM_SLICE=7
tmp=$(mktemp -d)
trap 'destroy_sets; rm -rf "$tmp"' EXIT

tap_plan 5
kddm_form || die "cluster with krg_kddm did not form"
new_set A 64 || die "cannot create a set"
new_set B 1024 hash lost || die "cannot create a set"
# some traffic, so that the counters are not all zero
kc 2 loop "$A" 16 64 inc 0 >/dev/null && kc 3 loop "$A" 16 64 read 0 >/dev/null &&
	kc "$NODES" op "$B" 5 write 9 >/dev/null && kc 1 op "$B" 5 read >/dev/null ||
	die "traffic failed"

table_ok() {
	local n out rows sets
	for n in $(all_nodes); do
		out=$(nexec "$n" --timeout 20 -- krgadm kddm status 2>&1) || { log "node$n: $out"; return 1; }
		sets=$(kc "$n" sets | grep -c '^set_id=')
		rows=$(sed 1d <<<"$out" | grep -c .)
		head -n 1 <<<"$out" | grep -qE '^ *SET +LINKER +OBJSIZE +OBJECTS +OWNED +COPIES +INVALID +LOST +PINNED +REQS +FWDS +CHAINMAX +UNEXPECTED +RECOVERIES *$' ||
			{ log "node$n: header: $(head -n 1 <<<"$out")"; return 1; }
		[ "$rows" = "$sets" ] || { log "node$n: $rows rows for $sets sets"; return 1; }
		grep -qE "^ *$A +test +64 " <<<"$out" && grep -qE "^ *$B +test +1024 " <<<"$out" ||
			{ log "node$n: sets $A/$B missing:"; sed 's/^/#   /' <<<"$out" >&2; return 1; }
	done
}
tap_check "table: one row per set on every node" table_ok

# The same node, both tools, no traffic in between: every value agrees.
agree() {
	local n
	for n in $(all_nodes); do
		nexec "$n" --timeout 20 -- krgadm -j kddm status >"$tmp/krgadm.$n" 2>&1 ||
			{ log "node$n: krgadm -j kddm status failed: $(cat "$tmp/krgadm.$n")"; return 1; }
		python3 -m json.tool "$tmp/krgadm.$n" >/dev/null ||
			{ log "node$n: not JSON: $(head -c 300 "$tmp/krgadm.$n")"; return 1; }
		kc "$n" -j sets >"$tmp/client.$n" 2>&1 || return 1
		python3 - "$tmp/krgadm.$n" "$tmp/client.$n" "$A $B" <<'PY' || { log "node$n disagrees"; return 1; }
import json, sys
adm = {r["set"]: r for r in json.load(open(sys.argv[1]))["kddm"]}
cli = {r["set_id"]: r for r in json.load(open(sys.argv[2]))}
want = [int(x) for x in sys.argv[3].split()]
names = {"policy": ["id", "hash", "creator"], "on_failure": ["recreate", "lost"]}
ok = set(adm) == set(cli) and all(w in adm for w in want)
if not ok:
    print("# sets: krgadm %s client %s" % (sorted(adm), sorted(cli)))
for sid, c in cli.items():
    a = adm.get(sid, {})
    for k, v in c.items():
        key = "set" if k == "set_id" else k
        got = a.get(key)
        if k in names:
            v = names[k][v] if v < len(names[k]) else "?"
        if got != v:
            print("# set %d %s: krgadm %r client %r" % (sid, k, got, v))
            ok = False
sys.exit(0 if ok else 1)
PY
	done
}
tap_check "-j parses and agrees with kddm_client sets on every node" agree
json_shape() {
	python3 - "$tmp/krgadm.1" "$A" <<'PY'
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["kddm"] if r["set"] == int(sys.argv[2])][0]
assert len(r["chain_hist"]) == 8, r["chain_hist"]
for d in ("msgs_tx", "msgs_rx"):
    assert set(r[d]) >= {"read_req", "write_req", "read_grant", "write_grant", "inv", "inv_ack"}, r[d]
assert sum(r["msgs_tx"].values()) > 0, r["msgs_tx"]
assert r["linker"] == "test" and r["obj_size"] == 64, r
PY
}
tap_check "-j: chain histogram array, message counters by name" json_shape
KRGADM=
for k in "$KRG_TOP/build/bin/krgadm" "$KRG_TOP/tools/krgadm/krgadm"; do
	[ -x "$k" ] && { KRGADM=$k; break; }
done
no_module() {
	local out rc
	out=$("$KRGADM" kddm status 2>&1)
	rc=$?
	log "host: krgadm kddm status: $out (exit $rc)"
	[ "$rc" = 1 ] && grep -q '^Error: the krg_kddm module is not loaded' <<<"$out"
}
if [ -n "$KRGADM" ] && ! grep -q '^krg_kddm ' /proc/modules 2>/dev/null; then
	tap_check "without krg_kddm (host kernel): clear error, exit 1" no_module
else
	tap_skip "without krg_kddm: clear error" "no host krgadm, or krg_kddm loaded on the host"
fi
tap_check "kddm status rejects an option it does not take" \
	nexec 1 --timeout 20 -- sh -c 'e=$(krgadm kddm status -n 1 2>&1 >/dev/null); rc=$?
		echo "$e" | grep -q "does not apply" && [ $rc = 1 ]'
tap_exit
