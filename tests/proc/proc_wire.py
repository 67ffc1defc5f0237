#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""proc_wire.py - a hostile peer for krg_proc's RPC service, run inside a
node whose own krg_comm is unloaded (its identity is borrowed):

  proc_wire.py HOST SRC_ID PID

authenticates to HOST (node id = last byte of the address) as SRC_ID with
the cluster key (tests/comm/wire.py's handshake), then calls krg_proc's
service with forged messages (modules/krg_proc/wire.h): well-formed
controls first (PID_INFO of PID, a cluster process of HOST; NODE_STAT
meminfo), then bad headers, versions, ops, lengths, short bodies, bad
fields, random bodies, oversized and chunked messages, one-way garbage.
Prints one line per case; exit 0 if every call got the reply it should
(EBADMSG for malformed messages, an error for bad fields, an answer for
random ones) and the controls still work at the end.
"""
import importlib.util
import os
import random
import re
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
WIRE_PY = os.path.join(HERE, "../comm/wire.py")
WIRE_H = os.path.join(HERE, "../../modules/krg_proc/wire.h")


def load_wire_py():
    """tests/comm/wire.py's handshake and frame tags, as a module."""
    spec = importlib.util.spec_from_file_location("wire", WIRE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return vars(mod)


W = load_wire_py()
TEXT = re.sub(r"/\*.*?\*/", "", open(WIRE_H).read(), flags=re.S)
VERSION = int(re.search(r"#define\s+KRGP_WIRE_VERSION\s+(\d+)", TEXT).group(1))
OPS = {}
for i, name in enumerate(re.findall(r"^\s*(KRGP_OP_\w+|__KRGP_OP_MAX)", re.search(
        r"enum krgp_op \{(.*?)\}", TEXT, re.S).group(1), re.M)):
    OPS[name.replace("KRGP_OP_", "").lstrip("_")] = i + 1
OP_MAX = OPS.pop("MAX")          # first invalid op
SVC_PROC = 32                    # KRG_SVC_PROC (modules/krg_comm/krg_comm.h)
CALL, ONEWAY, REPLY = 1, 2, 3
EBADMSG = 74
RPC_HDR = "<IHHQiIII"            # struct krg_rpc_hdr, 32 bytes
CHUNK = (1 << 20) + 4096 - 32    # KRG_COMM_MAX_PAYLOAD - RPC header

# struct krgp_wire_cred: 8 ids, cap_effective, ngroups, 32 groups, padded to 8
CRED = "<8IQI32I4x"


def cred(uid=0, caps=(1 << 41) - 1, ngroups=0):
    return struct.pack(CRED, *([uid] * 8), caps, ngroups, *([0] * 32))


def hdr(op, body, version=None, flags=0, length=None):
    return struct.pack("<BBHI", VERSION if version is None else version, op, flags,
                       len(body) if length is None else length) + body


class Peer:
    def __init__(self, host, src):
        dst = int(host.split(".")[-1])
        self.sess = W["Session"](host, W["conf"]()["port"], src, dst)
        self.s = self.sess.s
        self.seq = 0
        self.ack = 0
        self.call_id = 1000
        self.rx = b""

    def frame(self, typ, payload, seq=0):
        self.sess.ctr += 1
        ctr = self.sess.ctr
        h = struct.pack(W["FRAME_FMT"], len(payload), W["VERSION"], typ, 0, ctr, seq, self.ack)
        return h + payload + W["frame_tag"](self.sess.ks, self.sess.src, ctr, h + payload)

    def send_data(self, payload):
        self.seq += 1
        self.s.sendall(self.frame(W["DATA"], payload, self.seq))

    def ping(self):
        self.s.sendall(self.frame(W["PING"], struct.pack("<Q", int(time.time() * 1e9))))

    def send(self, msg, kind=CALL):
        """Sends one RPC message (chunked when large); returns its call id."""
        self.call_id += 1
        total = len(msg)
        off = 0
        while True:
            chunk = msg[off:off + CHUNK]
            self.send_data(struct.pack(RPC_HDR, SVC_PROC, kind, 0, self.call_id, 0, total, off, 0) + chunk)
            off += len(chunk)
            if off >= total:
                return self.call_id

    def frames(self, secs):
        """Incoming frames for up to secs: (type, payload); answers pings."""
        end = time.monotonic() + secs
        next_ping = 0
        while True:
            now = time.monotonic()
            if now >= next_ping:
                self.ping()
                next_ping = now + 0.3
            while len(self.rx) >= 32:
                ln, _, typ, _, _, seq, _ = struct.unpack(W["FRAME_FMT"], self.rx[:32])
                if len(self.rx) < 32 + ln + 16:
                    break
                payload = self.rx[32:32 + ln]
                self.rx = self.rx[32 + ln + 16:]
                if typ == W["DATA"]:
                    self.ack = max(self.ack, seq)
                if typ == W["PING"]:
                    self.s.sendall(self.frame(4, payload))  # PONG
                yield typ, payload
            if now >= end:
                return
            self.s.settimeout(max(0.01, min(end, next_ping) - now))
            try:
                d = self.s.recv(1 << 20)
            except socket.timeout:
                continue
            if not d:
                raise ConnectionError("the node closed the session")
            self.rx += d

    def call(self, msg, secs=10):
        """(status, reply body) of a call, or (None, b"") without a reply."""
        cid = self.send(msg)
        body, status, got = b"", None, 0
        for typ, payload in self.frames(secs):
            if typ != W["DATA"] or len(payload) < 32:
                continue
            _, kind, _, rid, st, total, off, _ = struct.unpack(RPC_HDR, payload[:32])
            if kind == REPLY and rid == cid:
                status = st
                body += payload[32:]
                got += len(payload) - 32
                if got >= total:
                    return status, body
        return None, b""


results = []


def case(peer, name, msg, want):
    """want: "badmsg" (-EBADMSG), "error" (any -errno), "answer" (any reply),
    "ok" (status >= 0)."""
    try:
        st, body = peer.call(msg)
    except (ConnectionError, OSError) as e:
        st, body = "closed (%s)" % e, b""
    good = {"badmsg": st == -EBADMSG, "error": isinstance(st, int) and st < 0,
            "answer": isinstance(st, int), "ok": isinstance(st, int) and st >= 0}[want]
    print("%s: status %s, %d bytes%s" % (name, st, len(body), "" if good else "  <-- WRONG (want %s)" % want),
          flush=True)
    results.append(good)
    return st, body


def controls(peer, pid, tag):
    st, body = case(peer, "%s: PID_INFO of %d" % (tag, pid), hdr(OPS["PID_INFO"], struct.pack("<I", pid)), "ok")
    if st == 0 and (len(body) < 4 or struct.unpack("<I", body[:4])[0] != pid):
        print("  PID_INFO reply does not name %d: %s" % (pid, body.hex()))
        results.append(False)
    st, body = case(peer, "%s: NODE_STAT meminfo" % tag, hdr(OPS["NODE_STAT"], struct.pack("<I", 0)), "ok")
    if st == 0 and b"MemTotal" not in body:
        print("  NODE_STAT reply has no MemTotal: %r" % body[:80])
        results.append(False)


def hostile(peer, pid):
    op_stat = OPS["NODE_STAT"]
    good = struct.pack("<I", 0)
    case(peer, "empty message", b"", "badmsg")
    case(peer, "3-byte header", hdr(op_stat, good)[:3], "badmsg")
    for v in (0, VERSION + 1, 255):
        case(peer, "version %d" % v, hdr(op_stat, good, version=v), "badmsg")
    for op in (0, OP_MAX, 255):
        case(peer, "op %d" % op, hdr(op, good), "badmsg")
    case(peer, "flags 1", hdr(op_stat, good, flags=1), "badmsg")
    for ln in (0, 3, 5, 100, 0xFFFFFFFF):
        case(peer, "length field %d for 4 bytes" % ln, hdr(op_stat, good, length=ln), "badmsg")
    for name, op in sorted(OPS.items(), key=lambda kv: kv[1]):
        case(peer, "%s with an empty body" % name, hdr(op, b""), "badmsg")
        case(peer, "%s with a 2-byte body" % name, hdr(op, b"\1\2"), "badmsg")
    # Bad fields in bodies of the right size.
    case(peer, "PIDS max 0", hdr(OPS["PIDS"], struct.pack("<II", 0, 0)), "error")
    case(peer, "PIDS max 16385", hdr(OPS["PIDS"], struct.pack("<II", 0, 16385)), "error")
    case(peer, "PS unknown flag", hdr(OPS["PS"], struct.pack("<II", 0x80, 0)), "error")
    case(peer, "NODE_STAT file 99", hdr(op_stat, struct.pack("<I", 99)), "error")
    preq = lambda p, f, c=None: hdr(OPS["PROC_READ"], (c or cred()) + struct.pack("<IIIIQ", p, f, 0, 0, 0))
    case(peer, "PROC_READ file 99", preq(pid, 99), "error")
    case(peer, "PROC_READ pid 0xffffffff", preq(0xFFFFFFFF, 1), "error")
    case(peer, "PROC_READ pid 0", preq(0, 1), "error")
    case(peer, "PROC_READ with ngroups 1000", preq(pid, 1, cred(ngroups=1000)), "error")
    case(peer, "PROC_LINK fd 0xffffffff", hdr(OPS["PROC_LINK"], cred() + struct.pack("<IIIIQ", pid, 9, 0xFFFFFFFF, 0, 0)),
         "error")
    siginfo = lambda signo: struct.pack("<5I4xQ80x", signo, 0, 0, 0, 0, 0)
    sreq = lambda kind, tgid, p, sig: hdr(OPS["SIGNAL"], cred() + struct.pack("<6I", kind, tgid, p, sig, 0, 0) + siginfo(sig))
    case(peer, "SIGNAL sig 999", sreq(0, 0, pid, 999), "error")
    case(peer, "SIGNAL kind 7", sreq(7, 0, pid, 0), "error")
    case(peer, "SIGNAL pid 0xffffffff", sreq(0, 0, 0xFFFFFFFF, 0), "error")
    case(peer, "SIGNAL pid 0", sreq(0, 0, 0, 0), "error")
    case(peer, "SIGNAL thread of another group", sreq(1, pid + 1, pid, 0), "error")
    case(peer, "SIGNAL_GROUP sig 999", hdr(OPS["SIGNAL_GROUP"], cred() + struct.pack("<4I", pid, 999, 0, 0) + siginfo(999)),
         "error")
    sysreq = lambda s, which, who, nice: hdr(OPS["SYSCALL"], cred() + struct.pack("<4I", s, which, who, nice))
    case(peer, "SYSCALL 99", sysreq(99, 0, pid, 0), "error")
    case(peer, "SYSCALL getpriority which 99", sysreq(2, 99, pid, 0), "error")
    case(peer, "SYSCALL setpriority nice 1000", sysreq(3, 0, pid, 1000), "error")
    case(peer, "SYSCALL getpgid pid 0xffffffff", sysreq(0, 0, 0xFFFFFFFF, 0), "error")
    creq = lambda p, caps: hdr(OPS["CAPS_SET"], cred() + struct.pack("<II4I", p, 0, *caps))
    case(peer, "CAPS_SET unknown bits", creq(pid, [0xFFFFFFFF] * 4), "error")
    case(peer, "CAPS_SET pid 0xffffffff", creq(0xFFFFFFFF, [1, 1, 1, 1]), "error")
    # Random bodies (ops that cannot hurt the node's processes), then big ones.
    rnd = random.Random(int(os.environ.get("PROC_WIRE_SEED", "12")))
    safe = [OPS[n] for n in ("PIDS", "PS", "PID_INFO", "PROC_READ", "PROC_LINK", "PROC_FDS", "NODE_STAT",
                             "SYSCALL", "CAPS_GET")]
    answered = missed = 0
    for i in range(150):
        op = rnd.choice(safe)
        body = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([4, 8, 16, 64, 176, 200, 312, 600])))
        st, _ = peer.call(hdr(op, body), secs=5)
        answered += st is not None
        missed = 0 if st is not None else missed + 1
        if missed == 3:
            break
    print("150 random bodies: %d answered" % answered, flush=True)
    results.append(answered == 150)
    case(peer, "NODE_STAT with a 1 MiB tail", hdr(op_stat, good + os.urandom(1 << 20)), "answer")
    case(peer, "2.5 MiB message in 3 chunks", hdr(op_stat, good + os.urandom(5 << 19)), "answer")
    for _ in range(20):
        peer.send(os.urandom(rnd.choice([0, 3, 8, 100])), kind=ONEWAY)
    print("20 one-way garbage messages sent", flush=True)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    host, src, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    peer = Peer(host, src)
    controls(peer, pid, "control")
    if not all(results):
        print("the well-formed controls failed: the forged envelope is wrong, nothing else is meaningful")
        return 1
    hostile(peer, pid)
    controls(peer, pid, "control again")
    print("%d cases, %d wrong" % (len(results), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
