#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install puts the node's user-space half where the systemd unit and the
# tools look for it: krgadm, krgd, krginit in sbin, krg setuid root in bin,
# krginit beside krgd (krgd finds it there), the unit naming PREFIX/sbin/krgadm;
# make uninstall removes every file it installed.
set -eu
. "$KRG_TOP/tests/lib/krg.sh"

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
tap_plan 5
make -s -C "$KRG_TOP" install DESTDIR="$dest" PREFIX=/usr >"$dest.log" 2>&1 ||
	{ cat "$dest.log" >&2; rm -f "$dest.log"; die "make install failed"; }
rm -f "$dest.log"

mode() { stat -c '%a %U' "$dest$1" 2>/dev/null; }
tap_check "krg is setuid root" test "$(mode /usr/bin/krg)" = "4755 root"
ok=1
for f in krgadm krgd krginit; do
	[ "$(mode /usr/sbin/$f)" = "755 root" ] || { log "/usr/sbin/$f: $(mode /usr/sbin/$f)"; ok=0; }
done
tap_check "krgadm, krgd and krginit in sbin, mode 755" test $ok = 1
tap_check "the unit runs the installed krgadm" \
	grep -q '^ExecStart=/usr/sbin/krgadm node start' "$dest/lib/systemd/system/kerrighed.service"
n=0
for f in share/man/man1/krg.1 share/man/man8/krgadm.8 share/man/man8/krgd.8 \
	share/man/man5/kerrighed-cluster.conf.5 share/bash-completion/completions/krg \
	share/bash-completion/completions/krgadm; do
	[ -f "$dest/usr/$f" ] && n=$((n + 1))
done
tap_check "man pages and completions installed ($n of 6)" test $n = 6
make -s -C "$KRG_TOP" uninstall DESTDIR="$dest" PREFIX=/usr
left=$(find "$dest" -type f | wc -l)
tap_check "make uninstall leaves no file ($left)" test "$left" = 0
tap_exit
