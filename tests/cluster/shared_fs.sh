#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shared file system of the test bed (vcluster shared-fs: NFSv4.2 served
# by node 1, at /cluster on every node) does what the 9p share cannot and
# what migration's tests need: the same file under the same path on every
# node, FIFOs and UNIX socket files, flock between nodes, shared file
# mappings written back, an unlinked open file still changeable; and a
# restarted node has it again.
set -u
. "$KRG_TOP/tests/lib/krg.sh"

[ -n "${VCLUSTER_NAME:-}" ] || skip "needs the virtual cluster"
[ "$NODES" -ge 3 ] || skip "needs 3 nodes"
all_nodes() { seq 1 "$NODES"; }
SFS=/krg/tools/vcluster/shared-fs
D=/cluster/shared_fs.$$
trap 'nexec 1 --timeout 30 -- rm -rf "$D" >/dev/null 2>&1' EXIT

tap_plan 7
vc shared-fs >/dev/null || die "vcluster shared-fs failed"
mounted() { local n; for n in $(all_nodes); do nexec "$n" -- "$SFS" check /cluster || return 1; done; }
tap_check "vcluster shared-fs: an NFS mount that answers at /cluster on every node" mounted
nexec 2 -- mkdir "$D" || die "cannot make $D on node 2"

# 1. The same bytes everywhere.
nexec 2 -- sh -c "head -c 1048576 /dev/urandom >$D/data"
sums() { local n; for n in $(all_nodes); do nexec "$n" -- sha256sum "$D/data" | cut -d' ' -f1; done | sort -u | wc -l; }
tap_check "1 MiB written on node 2 reads the same on every node" test "$(sums)" = 1

# 2. Special files: a FIFO and a UNIX socket file made on node 3, seen on node 1.
nexec 3 -- sh -c "mkfifo $D/fifo && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\"$D/sock\")'"
tap_check "a FIFO and a UNIX socket file made on node 3 are a FIFO and a socket on node 1" \
	nexec 1 -- sh -c "test -p $D/fifo && test -S $D/sock"

# 3. flock between nodes: held on node 2, refused on node 3, free once released.
# The holder blocks reading a FIFO of node 2 (60 s at most) until released.
rel=/tmp/shared_fs.release.$$
nexec 2 -- sh -c "mkfifo $rel && setsid -f flock -x $D/lock sh -c 'touch $D/held
	timeout 60 sh -c \"read x <$rel\"' </dev/null >/dev/null 2>&1"
wait_until 30 "node 2 holds the lock" nexec 3 -- test -e "$D/held" || die "node 2 never took the lock"
refused=0
nexec 3 -- flock -n -x "$D/lock" true || refused=1
nexec 2 --timeout 20 -- sh -c "echo >$rel; rm -f $rel"
takes() { nexec 3 -- flock -n -x "$D/lock" true; }
if [ $refused = 1 ] && wait_until 30 "node 3 takes the lock" takes; then
	tap_ok "flock held on node 2 is refused on node 3, then taken once released"
else
	tap_fail "flock between nodes (refused while held: $refused)"
fi

# 4. A shared file mapping written on node 2 reaches the file node 3 reads.
nexec 2 -- python3 -c "
import mmap, os
fd = os.open('$D/map', os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
m[0:14] = b'krg-shared-map'
m.flush(); m.close(); os.close(fd)"
tap_check "MAP_SHARED write on node 2 read by node 3" \
	test "$(nexec 3 -- head -c 14 "$D/map")" = krg-shared-map

# 5. An unlinked open file can still be changed (9p refuses: ENOENT).
tap_check "fchmod, ftruncate and write on an unlinked open file" nexec 2 -- python3 -c "
import os
fd = os.open('$D/gone', os.O_RDWR | os.O_CREAT, 0o600)
os.unlink('$D/gone')
os.fchmod(fd, 0o640); os.ftruncate(fd, 0); os.write(fd, b'still here')
os.lseek(fd, 0, 0)
assert os.read(fd, 64) == b'still here' and os.fstat(fd).st_mode & 0o777 == 0o640"

# 6. A node that crashes and boots again has the shared file system back.
vc kill 3 >/dev/null && vc start 3 >/dev/null || die "node 3 did not restart"
tap_check "node 3 restarted: /cluster mounted again, same data" \
	test "$(nexec 3 -- sha256sum "$D/data" | cut -d' ' -f1)" = "$(nexec 1 -- sha256sum "$D/data" | cut -d' ' -f1)"
tap_exit
