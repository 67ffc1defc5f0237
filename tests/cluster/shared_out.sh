#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Commands run by "vcluster exec" get a login's umask (022), not the guest
# agent's 0077: a file and a folder that node 1 makes in the shared /krg-out
# are 0644 and 0755 on the host, and an unprivileged user on another node
# lists the folder and reads the file.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

[ -n "${KRG_OUT:-}" ] && [ -d "$KRG_OUT" ] || die "KRG_OUT (the host side of /krg-out) is not set"
peer=1
[ "$NODES" -ge 2 ] && peer=2
dir=shared_out.$$
trap 'rm -rf "${KRG_OUT:?}/$dir"' EXIT

tap_plan 4
mask=$(nexec 1 -- sh -c umask)
if [ "$mask" = 0022 ]; then tap_ok "umask of an exec'd command is 0022"; else
	tap_fail "umask of an exec'd command is 0022 (got '$mask')"; fi

nexec 1 -- sh -c "mkdir /krg-out/$dir && echo shared >/krg-out/$dir/file" || die "cannot write to /krg-out"
modes=$(stat -c %a "$KRG_OUT/$dir" "$KRG_OUT/$dir/file" | tr '\n' ' ')
if [ "$modes" = "755 644 " ]; then tap_ok "folder 0755 and file 0644 on the host"; else
	tap_fail "folder 0755 and file 0644 on the host (got $modes)"; fi

# nobody (65534) has no other way in than the "other" permission bits.
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
if [ "$(nexec "$peer" -- "${as_nobody[@]}" ls "/krg-out/$dir")" = file ]; then
	tap_ok "nobody on node$peer lists the folder"
else
	tap_fail "nobody on node$peer lists the folder"
fi
if [ "$(nexec "$peer" -- "${as_nobody[@]}" cat "/krg-out/$dir/file")" = shared ]; then
	tap_ok "nobody on node$peer reads the file"
else
	tap_fail "nobody on node$peer reads the file"
fi
tap_exit
