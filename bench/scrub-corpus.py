#!/usr/bin/env python3
"""Writes bench/scrub.sh's inputs: a core-like ELF file, grep pattern files and an environ.

Usage: scrub-corpus.py OUT_DIR SIZE_MIB [REAL_CORE]

OUT_DIR/core: an ELF64 x86_64 core (ET_CORE) with one PT_NOTE (an NT_PRSTATUS whose rsp lies in
the first segment, an NT_PRPSINFO) and writable PT_LOADs of 16 MiB, built from 1 MiB blocks:
  40 % zero pages, 15 % sparse (one binary page in four), 15 % binary (pointers, tagged small
  integers, doubles, random bytes), 15 % text (JSON logs, HTTP headers, JS source; a third of it
  UTF-16LE) with secrets every few KiB, 15 % slices of REAL_CORE (a live node's gcore) or binary.
OUT_DIR/narrow.grep, OUT_DIR/all.grep: ERE patterns for `grep -E -f`, the rules' one-byte forms
and those plus their UTF-16LE forms (NUL bytes in the patterns).
OUT_DIR/environ: NAME=VALUE entries whose values are the env secrets of the text.
"""
import os
import random
import struct
import sys

MIB = 1 << 20
PAGE = 4096

out, size_mib = sys.argv[1], int(sys.argv[2])
real = sys.argv[3] if len(sys.argv) > 3 else None
rnd = random.Random(20261201)

ENV = {
    "DB_PASSWORD": "Tr0ub4dor&3-horse",
    "STRIPE_API_KEY": "sk_live_51HxQ2eZvKYlo2C0aZ",
    "SESSION_SECRET": "c8f1d0e2a9b7-session",
}
VISA = "4111111111111111"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
       ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PEM = ("-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAq7BFUpkGp3+LQmlQ\n"
       "Yx2eqzDV+xeG8kx/sQFV18S5JhzGeIJNA72wSeukEPojtqUyX2J0CciPBh7eqclQ\n-----END PRIVATE KEY-----")
SECRETS = [
    "card " + VISA,
    "pay 5555-5555-5555-4444",
    "aws_access_key_id = " + AWS_ID,
    "aws_secret_access_key = " + AWS_SECRET,
    "Authorization: Bearer " + JWT,
    "token=" + JWT,
    PEM,
    "DATABASE_URL=postgres://app:" + ENV["DB_PASSWORD"] + "@db.internal:5432/shop",
    "stripe " + ENV["STRIPE_API_KEY"],
    "cookie sid=" + ENV["SESSION_SECRET"],
]
LINES = [
    '{"ts":"2026-12-01T16:39:12.345Z","level":"info","msg":"GET /api/v1/orders/12345 200",'
    '"latency_ms":42,"user":"alice@example.com","trace":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    "GET /api/v1/users?id=12345&page=2 HTTP/1.1\r\nHost: shop.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\nAccept: */*\r\n",
    "function renderOrder(order) { return `${order.id}: ${order.items.length} items, "
    "total ${order.total.toFixed(2)} EUR`; } // see https://example.com/docs/orders",
    "2026-12-01 16:39:12,345 WARN  [pool-3-thread-7] c.e.shop.Payments - retry 3/5 for order "
    "98765 after 250 ms (timeout)",
    "The quick brown fox jumps over the lazy dog; it seems to be easy, but they say otherwise.",
]


def text_block(utf16):
    parts, n = [], 0
    limit = MIB // 2 if utf16 else MIB
    while n < limit:
        s = rnd.choice(LINES) if rnd.random() < 0.985 else rnd.choice(SECRETS)
        parts.append(s + "\n")
        n += len(s) + 1
    t = "".join(parts)[:limit]
    b = t.encode("utf-16-le") if utf16 else t.encode("latin-1")
    return b[:MIB].ljust(MIB, b"\0")


def binary_page():
    words = []
    for _ in range(PAGE // 8):
        r = rnd.random()
        if r < 0.35:
            words.append(0x00007F0000000000 | rnd.getrandbits(40) & ~7)  # pointer
        elif r < 0.5:
            words.append((rnd.getrandbits(31) << 32) | 0)  # V8 Smi
        elif r < 0.6:
            words.append(0x0000560000000000 | rnd.getrandbits(36) | 1)  # tagged heap pointer
        elif r < 0.75:
            words.append(rnd.getrandbits(10))  # small integer
        elif r < 0.85:
            words.append(struct.unpack("<Q", struct.pack("<d", rnd.uniform(-1e6, 1e6)))[0])
        else:
            words.append(rnd.getrandbits(64))
    return struct.pack("<%dQ" % len(words), *words)


def binary_block():
    return b"".join(binary_page() for _ in range(MIB // PAGE))


def sparse_block():
    return b"".join(binary_page() if i % 4 == 0 else bytes(PAGE) for i in range(MIB // PAGE))


def real_blocks():
    if not real:
        return []
    blocks = []
    with open(real, "rb") as f:
        while len(blocks) < 48:
            b = f.read(MIB)
            if len(b) < MIB:
                break
            if b.count(0) < MIB * 0.9:
                blocks.append(b)
    return blocks


pools = {
    "zero": [bytes(MIB)],
    "sparse": [sparse_block() for _ in range(4)],
    "binary": [binary_block() for _ in range(4)],
    "text": [text_block(False) for _ in range(4)] + [text_block(True) for _ in range(2)],
}
pools["real"] = real_blocks() or pools["binary"]
weights = [("zero", 40), ("sparse", 15), ("binary", 15), ("text", 15), ("real", 15)]
plan = []
for name, w in weights:
    plan += [name] * (size_mib * w // 100)
plan += ["zero"] * (size_mib - len(plan))
rnd.shuffle(plan)

SEG = 16
nseg = (size_mib + SEG - 1) // SEG
stack_vaddr = 0x7FFC00000000


def note(ntype, desc):
    return struct.pack("<III", 5, len(desc), ntype) + b"CORE\0\0\0\0" + desc + b"\0" * (-len(desc) % 4)


prstatus = bytearray(336)
struct.pack_into("<Q", prstatus, 112 + 19 * 8, stack_vaddr + 0x1000)
prpsinfo = bytearray(136)
prpsinfo[40:44] = b"node"
prpsinfo[56:56 + 30] = b"node server.js --port 8080    "
notes = note(1, bytes(prstatus)) + note(3, bytes(prpsinfo))
phnum = 1 + nseg
notes_at = 64 + 56 * phnum
data_at = (notes_at + len(notes) + PAGE - 1) // PAGE * PAGE

with open(os.path.join(out, "core"), "wb") as f:
    eh = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    eh += struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 0, 0, 0)
    f.write(eh)
    f.write(struct.pack("<IIQQQQQQ", 4, 4, notes_at, 0, 0, len(notes), 0, 4))
    for i in range(nseg):
        mib = min(SEG, size_mib - i * SEG)
        vaddr = stack_vaddr if i == 0 else 0x7F0000000000 + i * SEG * MIB
        f.write(struct.pack("<IIQQQQQQ", 1, 6, data_at + i * SEG * MIB, vaddr, 0, mib * MIB, mib * MIB, PAGE))
    f.write(notes)
    f.write(bytes(data_at - f.tell()))
    for k, name in enumerate(plan):
        pool = pools[name]
        f.write(pool[k % len(pool)])

with open(os.path.join(out, "environ"), "wb") as f:
    f.write(b"PATH=/usr/bin\0" + b"".join(("%s=%s\0" % kv).encode() for kv in ENV.items()))

# The rules as EREs. UTF-16LE: each character is followed by a NUL byte.
def rules(w):
    a = lambda s: "".join(w(c) for c in s)  # a literal
    ci = lambda s: "".join(w("[%s%s]" % (c.upper(), c.lower())) for c in s)
    r = lambda cls, q: "(%s)%s" % (w(cls), q)  # a class repeated
    return [
        "(%s)%s" % ("|".join([a("AKIA"), a("ASIA"), a("ABIA"), a("ACCA"), a("A3T") + w("[A-Z0-9]")]),
                    r("[A-Z0-9]", "{16}")),
        ci("secret") + r("[_-]", "?") + ci("access") + r("[_-]", "?") + ci("key")
        + r("[ \t\"'=:>]", "{0,8}") + r("[A-Za-z0-9/+]", "{40}"),
        a("eyJ") + r("[A-Za-z0-9_-]", "{9,}") + w("[.]") + a("ey") + r("[A-Za-z0-9_-]", "{8,}") + w("[.]"),
        a("-----BEGIN ") + r("[A-Z0-9 ]", "*") + a("PRIVATE KEY"),
        ci("bearer") + r("[ \t]", "{1,4}") + r("[A-Za-z0-9._~+/=-]", "{8,}"),
        w("[A-Za-z0-9]") + a("://") + r("[^ /?#@:]", "+") + a(":") + r("[^ /?#@]", "+") + a("@"),
        w("[2-6]") + r("[0-9]", "{12,18}"),
        w("[2-6]") + r("[0-9]", "{3}") + w("[ -]") + r("[0-9]", "{3,6}") + w("[ -]") + r("[0-9]", "{3,6}"),
    ] + [a(v.replace(".", "[.]").replace("+", "[+]").replace("&", "[&]")) for v in ENV.values()]


narrow = rules(lambda c: c)
wide = rules(lambda c: c + "\0")
with open(os.path.join(out, "narrow.grep"), "wb") as f:
    f.write("\n".join(narrow).encode("latin-1") + b"\n")
with open(os.path.join(out, "all.grep"), "wb") as f:
    f.write("\n".join(narrow + wide).encode("latin-1") + b"\n")
