#!/usr/bin/env python3
"""Writes a synthetic coroner dump zip for bench/upload.sh.

Usage: mkdump.py TEMPLATE.zip OUT.zip SIZE_BYTES

OUT.zip holds one ZIP_STORED entry NAME.core of SIZE_BYTES random bytes plus a dump-info.json
copied from the real dump TEMPLATE.zip with a fresh "uuid" and "name" (NAME is the OUT file's
base name; the agent's object key is host/NAME.zip) and a "core" section that describes the
synthetic entry. The zip is written as OUT.zip.partial and renamed at the end.
"""
import hashlib
import json
import os
import sys
import uuid
import zipfile

CHUNK = 8 << 20


def main():
    template, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with zipfile.ZipFile(template) as z:
        info = json.loads(z.read("dump-info.json"))
    name = os.path.basename(out)[: -len(".zip")]
    u = str(uuid.uuid4())
    info["uuid"] = u
    info["name"] = name
    entry = name + ".core"
    sha = hashlib.sha256()
    partial = out + ".partial"
    # zip64 because the entry may be larger than 4 GiB - 1; harmless below that.
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        with z.open(zipfile.ZipInfo(entry, date_time=(2026, 1, 1, 0, 0, 0)), "w", force_zip64=True) as f:
            left = size
            while left > 0:
                block = os.urandom(min(CHUNK, left))
                sha.update(block)
                f.write(block)
                left -= len(block)
        core = info.get("core") or {}
        core.update(
            {
                "entry": entry,
                "compression": "none",
                "size": size,
                "stored_size": size,
                "expected_size": size,
                "sha256": sha.hexdigest(),
            }
        )
        info["core"] = core
        info["files"] = [entry]
        z.writestr("dump-info.json", json.dumps(info, indent=2) + "\n")
    os.rename(partial, out)


if __name__ == "__main__":
    main()
