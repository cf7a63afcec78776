#!/usr/bin/env python3
"""Writes a synthetic coroner dump zip for bench/upload.sh.

Usage: mkdump.py OUT.zip SIZE_BYTES

OUT.zip holds one ZIP_STORED entry NAME.core of SIZE_BYTES random bytes plus a dump-info.json
(schema 1, docs/dump-info.md) for a host process, with a fresh "uuid"; NAME is the OUT file's
base name, and the agent's object key is host/NAME.zip. The zip is written as OUT.zip.partial
and renamed at the end.
"""
import hashlib
import json
import os
import socket
import sys
import time
import uuid
import zipfile

CHUNK = 8 << 20


def dump_info(name):
    """A dump-info for a process of this host that died of SIGSEGV just now."""
    now = int(time.time())
    host = socket.gethostname()
    pid = os.getpid()
    return {
        "schema_version": 1,
        "uuid": str(uuid.uuid4()),
        "name": name,
        "timestamp": now,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "hostname": host,
        "node_hostname": host,
        "process": {
            "exe": "bench",
            "exe_path": "/usr/local/bin/bench",
            "cmdline": ["/usr/local/bin/bench"],
            "pid": pid,
            "host_pid": pid,
            "tid": pid,
            "host_tid": pid,
            "uid": 0,
            "gid": 0,
            "signal": 11,
            "signal_name": "SIGSEGV",
            "container_id": None,
            "core_limit": "unlimited",
            "pidfd_verified": True,
        },
        "pod": None,
        "integrity": {"complete": True, "truncated": False, "reason": None},
        "composer": {"version": "bench", "duration_ms": 0, "warnings": []},
    }


def main():
    out, size = sys.argv[1], int(sys.argv[2])
    name = os.path.basename(out)[: -len(".zip")]
    info = dump_info(name)
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
        info["core"] = {
                "entry": entry,
                "compression": "none",
                "size": size,
                "stored_size": size,
                "expected_size": size,
                "sha256": sha.hexdigest(),
        }
        info["files"] = [entry]
        z.writestr("dump-info.json", json.dumps(info, indent=2) + "\n")
    os.rename(partial, out)


if __name__ == "__main__":
    main()
