#!/usr/bin/env python3
"""Checks `coroner list -o json` output for bench/list.sh.

Usage: check.py JSON_FILE EXPECTED_COUNT [REFERENCE_JSON_FILE]

Prints one line: "entries=N readable=N unique=N" and, with a reference, "same_as_reference=yes"
or "same_as_reference=no (FIRST DIFFERENCE)". Exits 1 unless there are exactly EXPECTED_COUNT
entries, all readable, with distinct names (and, with a reference, the same rows in the same order).
"""

import json
import sys


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    rows = json.load(open(sys.argv[1]))
    expected = int(sys.argv[2])
    readable = sum(1 for r in rows if r.get("readable"))
    unique = len({r.get("name") for r in rows})
    out = ["entries=%d" % len(rows), "readable=%d" % readable, "unique=%d" % unique]
    ok = len(rows) == expected and readable == expected and unique == expected
    if len(sys.argv) == 4:
        ref = json.load(open(sys.argv[3]))
        diff = None
        if len(ref) != len(rows):
            diff = "%d rows, reference %d" % (len(rows), len(ref))
        else:
            for i, (a, b) in enumerate(zip(rows, ref)):
                if a != b:
                    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                    k = keys[0]
                    diff = "row %d (%s) %s: %r, reference %r" % (i, a.get("name"), k, a.get(k), b.get(k))
                    break
        out.append("same_as_reference=" + ("yes" if diff is None else "no (%s)" % diff))
        ok = ok and diff is None
    print(" ".join(out))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
