#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Hostile peer for the krg_comm tests, run inside a node:
#   wire.py garbage HOST PORT          connections with junk before/inside the hello
#   wire.py frames HOST PORT SRC_ID    authenticates as SRC_ID with the cluster key,
#                                      then sends replayed / oversized / badly
#                                      MACed / out-of-sequence / unknown frames
#                                      (SRC_ID's own krg_comm must be unloaded,
#                                      or its session replaces ours)
# Layouts: include/uapi/linux/krg_comm.h.  Prints one line per case and exits
# 0 if the target dropped every connection it should have dropped.
import hashlib, hmac, os, socket, struct, sys, time

MAGIC, VERSION = 0x4347524B, 2
HELLO, CHALLENGE, RESPONSE = 1, 2, 3
DATA, ACK, PING = 1, 2, 3
HELLO_FMT = "<IHHIIIIQQQ32s32s"   # 112 bytes, mac at offset 80
FRAME_FMT = "<IBBHQQQ"            # 32 bytes


def chacha20_block(key, counter, nonce):
    """RFC 7539 section 2.3: one 64-byte ChaCha20 block."""
    def rotl(v, n):
        return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))

    def qr(x, a, b, c, d):
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[c], 7)
    st = ([0x61707865, 0x3320646E, 0x79622D32, 0x6B206574] +
          list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce)))
    x = st[:]
    for _ in range(10):
        qr(x, 0, 4, 8, 12); qr(x, 1, 5, 9, 13); qr(x, 2, 6, 10, 14); qr(x, 3, 7, 11, 15)
        qr(x, 0, 5, 10, 15); qr(x, 1, 6, 11, 12); qr(x, 2, 7, 8, 13); qr(x, 3, 4, 9, 14)
    return struct.pack("<16I", *[(a + b) & 0xFFFFFFFF for a, b in zip(x, st)])


def poly1305(key, msg):
    """RFC 7539 section 2.5."""
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s, acc, p = int.from_bytes(key[16:], "little"), 0, (1 << 130) - 5
    for i in range(0, len(msg), 16):
        acc = (acc + int.from_bytes(msg[i:i + 16] + b"\1", "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def frame_tag(ks, sender, ctr, data):
    """The frame tag (include/uapi/linux/krg_comm.h): AEAD_CHACHA20_POLY1305
    of an empty plaintext with the frame as associated data."""
    otk = chacha20_block(ks, 0, struct.pack("<IQ", sender, ctr))[:32]
    pad = b"\0" * (-len(data) % 16)
    return poly1305(otk, data + pad + struct.pack("<QQ", len(data), 0))


def conf():
    c = {"port": 7227, "key_file": "/etc/kerrighed/cluster.key"}
    for line in open("/etc/kerrighed/cluster.conf"):
        w = line.split()
        if len(w) == 2 and w[0] in ("cluster_id", "node_id", "port"):
            c[w[0]] = int(w[1])
        elif len(w) == 2 and w[0] == "key_file":
            c["key_file"] = w[1]
    c["key"] = bytes.fromhex(open(c["key_file"]).read().strip())
    return c


def connect(host, port):
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_peer(s, secs=10):
    """True if the peer closes the connection within secs (data is skipped)."""
    end = time.time() + secs
    try:
        while time.time() < end:
            s.settimeout(max(0.1, end - time.time()))
            try:
                if not s.recv(65536):
                    return True
            except socket.timeout:
                pass
    except (ConnectionResetError, BrokenPipeError):
        return True
    return False


def hello(c, typ, src, dst, inc, nonce):
    return struct.pack(HELLO_FMT, MAGIC, VERSION, typ, c["cluster_id"], src, dst,
                       0, inc, 0, 0, nonce, b"\0" * 32)


def garbage(host, port):
    c = conf()
    ok = True
    cases = {
        "random bytes": os.urandom(300),
        "truncated hello": hello(c, HELLO, 250, 1, 7, os.urandom(32))[:50],
        "wrong magic": b"XXXX" + hello(c, HELLO, 250, 1, 7, os.urandom(32))[4:],
        "wrong version": hello(c, HELLO, 250, 1, 7, os.urandom(32))[:4] + b"\x09\x00" +
                         hello(c, HELLO, 250, 1, 7, os.urandom(32))[6:],
        "unknown node id": hello(c, HELLO, 250, 1, 7, os.urandom(32)),
        "node id out of range": hello(c, HELLO, 100000, 1, 7, os.urandom(32)),
        "wrong cluster": struct.pack(HELLO_FMT, MAGIC, VERSION, HELLO, c["cluster_id"] + 1,
                                     250, 1, 0, 7, 0, 0, os.urandom(32), b"\0" * 32),
    }
    for name, data in cases.items():
        s = connect(host, port)
        s.sendall(data)
        if name == "truncated hello":
            s.shutdown(socket.SHUT_WR)
        dropped = closed_by_peer(s)
        print("%s: %s" % (name, "dropped" if dropped else "NOT DROPPED"))
        ok &= dropped
        s.close()
    return ok


class Session:
    def __init__(self, host, port, src, dst):
        c = conf()
        self.s = connect(host, port)
        nd = os.urandom(32)
        m1 = hello(c, HELLO, src, dst, int.from_bytes(os.urandom(8), "little") | 1, nd)
        self.s.sendall(m1)
        m2 = b""
        while len(m2) < 112:
            d = self.s.recv(112 - len(m2))
            if not d:
                raise RuntimeError("handshake refused")
            m2 += d
        f = struct.unpack(HELLO_FMT, m2)
        mac = hmac.new(c["key"], b"krg-resp-a" + m1 + m2[:80], hashlib.sha256).digest()
        if mac != f[11]:
            raise RuntimeError("challenge MAC wrong (key?)")
        inc = struct.unpack(HELLO_FMT, m1)[7]
        m3 = struct.pack(HELLO_FMT, MAGIC, VERSION, RESPONSE, c["cluster_id"], src, dst,
                         0, inc, 0, 0, nd, b"\0" * 32)
        m3 = m3[:80] + hmac.new(c["key"], b"krg-resp-d" + m1 + m2 + m3[:80],
                                hashlib.sha256).digest()
        self.s.sendall(m3)
        self.ks = hmac.new(c["key"], b"krg-session" + nd + f[10] + struct.pack("<II", src, dst),
                           hashlib.sha256).digest()
        self.ctr = 0
        self.src = src

    def frame(self, typ, payload=b"", seq=0, ctr=None, length=None, bad_mac=False):
        if ctr is None:
            self.ctr += 1
            ctr = self.ctr
        hdr = struct.pack(FRAME_FMT, len(payload) if length is None else length,
                          VERSION, typ, 0, ctr, seq, 0)
        mac = frame_tag(self.ks, self.src, ctr, hdr + payload)
        if bad_mac:
            mac = bytes([mac[0] ^ 1]) + mac[1:]
        return hdr + payload + mac


def frames(host, port, src):
    ok = True
    dst = conf()["node_id"] if host in ("127.0.0.1", "localhost") else int(host.split(".")[-1])
    ping = struct.pack("<Q", 12345)

    def case(name, build, expect_drop=True):
        """expect_drop None: only counted by the target, not checked here."""
        nonlocal ok
        try:
            sess = Session(host, port, src, dst)
        except Exception as e:
            print("%s: handshake failed: %s" % (name, e))
            ok = False
            return
        for chunk in build(sess):
            sess.s.sendall(chunk)
        # We never answer the target's heartbeats, so it closes a quiet
        # session after its failure timeout (2 s in these tests):
        # a session that must stay is watched for less than that.
        dropped = closed_by_peer(sess.s, 10 if expect_drop else 1.0)
        good = expect_drop is None or dropped == expect_drop
        print("%s: %s%s" % (name, "dropped" if dropped else "kept", "" if good else "  <-- WRONG"))
        ok &= good
        sess.s.close()

    case("valid pings kept", lambda s: [s.frame(PING, ping), s.frame(PING, ping)], False)

    def replay(s):
        f = s.frame(PING, ping)
        return [f, f]
    case("replayed frame", replay)
    case("oversized length", lambda s: [s.frame(PING, ping, length=0x7fffffff)[:32]])
    case("bad MAC", lambda s: [s.frame(PING, ping, bad_mac=True)])
    case("DATA seq gap", lambda s: [s.frame(DATA, b"\0" * 40, seq=5)])
    case("garbage rpc header (counted, connection may stay)",
         lambda s: [s.frame(DATA, os.urandom(40), seq=1)], None)
    case("unknown frame type", lambda s: [s.frame(9, b"")])
    return ok


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "garbage":
        return 0 if garbage(sys.argv[2], int(sys.argv[3])) else 1
    if len(sys.argv) >= 5 and sys.argv[1] == "frames":
        return 0 if frames(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])) else 1
    print(__doc__ or "usage: see the header", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
