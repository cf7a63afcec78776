#!/usr/bin/env bash
# Makes the core heads CoreNotesTest reads: the ELF header, program headers and first PT_NOTE of
# two real cores of crasher.c's child (SIGSEGV), cut before any memory (so no stack, environment
# or heap is kept). Needs root, gcc and gdb; the kernel core changes core_pattern, so run it as
#   flock /run/coroner-kernel.lock ./make-core-heads.sh
#   kernel-sigsegv.head  the kernel's core (file core_pattern, put back on exit)
#   gcore-live.head      gdb's gcore of the same program, alive (gcore sets no core_pattern)
# Each head's first line in heads.txt gives the full core's size, for announcedSize().
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/coroner-core-heads.XXXXXX)
saved=$(cat /proc/sys/kernel/core_pattern)
restore() { echo "$saved" > /proc/sys/kernel/core_pattern; rm -rf "$work"; }
trap restore EXIT
gcc -O0 -o "$work/crasher" "$here/../crasher.c"

cut_head() { # core -> head up to the end of the first PT_NOTE
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
phoff, = struct.unpack_from('<Q', data, 32)
phnum, = struct.unpack_from('<H', data, 56)
for i in range(phnum):
    p_type, _, off, _, _, filesz = struct.unpack_from('<IIQQQQ', data, phoff + 56 * i)
    if p_type == 4:
        open(sys.argv[2], 'wb').write(data[:off + filesz])
        break
print(len(data))
PY
}

echo "$work/core.%p" > /proc/sys/kernel/core_pattern
out=$("$work/crasher" < /dev/null)
pid=$(echo "$out" | sed -n 's/^child //p')
echo "$out" | grep -q 'core=1'
kernel_size=$(cut_head "$work/core.$pid" "$here/kernel-sigsegv.head")
echo "$saved" > /proc/sys/kernel/core_pattern

coproc CRASHER { "$work/crasher"; }
read -r line <&"${CRASHER[0]}"
live=${line#child }
sleep 0.2
gcore -o "$work/gcore" "$live" >/dev/null 2>&1
gcore_size=$(cut_head "$work/gcore.$live" "$here/gcore-live.head")
kill -9 "$live"
wait "$CRASHER_PID" || true

printf 'kernel-sigsegv.head %s %s\ngcore-live.head %s %s\n' \
  "$kernel_size" "$pid" "$gcore_size" "$live" > "$here/heads.txt"
cat "$here/heads.txt"
