#!/usr/bin/env bash
# Makes the core heads CoreNotesTest reads: the ELF header, program headers and first PT_NOTE of
# two real cores of crasher.c's child, cut before any memory (so no stack, environment or heap is
# kept; register dumps are zeroed). Needs root, gcc and gdb; the kernel core changes core_pattern, so run it as
#   flock /run/coroner-kernel.lock ./make-core-heads.sh
#   kernel-sigsegv.head  the kernel's core (file core_pattern, put back on exit)
#   gcore-live.head      gdb's gcore of the same program, alive (gcore sets no core_pattern); gdb
#                        writes the notes after the memory, so they are moved behind the headers
# Each head's first line in heads.txt gives the full core's size, for announcedSize().
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/coroner-core-heads.XXXXXX)
saved=$(cat /proc/sys/kernel/core_pattern)
restore() { echo "$saved" > /proc/sys/kernel/core_pattern; rm -rf "$work"; }
trap restore EXIT
gcc -O0 -o "$work/crasher" "$here/../crasher.c"

cut_head() { # core head -> ELF header, program headers and first PT_NOTE; prints the core's size
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
phoff, = struct.unpack_from('<Q', data, 32)
phnum, = struct.unpack_from('<H', data, 56)
headers_end = phoff + 56 * phnum
for i in range(phnum):
    ph = phoff + 56 * i
    p_type, _, off, _, _, filesz = struct.unpack_from('<IIQQQQ', data, ph)
    if p_type == 4:
        break
notes = bytearray(data[off:off + filesz])
# Keep the notes CoreNotes reads (and AUXV, FILE); zero the register dumps (FPREGSET, XSTATE,
# ...): libc's vector string code leaves fragments of the environment in them.
pos = 0
while pos + 12 <= len(notes):
    namesz, descsz, ntype = struct.unpack_from('<III', notes, pos)
    desc = pos + 12 + ((namesz + 3) & ~3)
    if ntype not in (1, 3, 6, 0x53494749, 0x46494c45):
        notes[desc:desc + descsz] = bytes(descsz)
    pos = desc + ((descsz + 3) & ~3)
head = bytearray(data[:headers_end])
if off != headers_end:
    # gdb writes the notes after the memory: move them next to the headers (the other program
    # headers keep their offsets, so the announced size stays the core's)
    struct.pack_into('<Q', head, ph + 8, headers_end)
else:
    head = bytearray(data[:off])
open(sys.argv[2], 'wb').write(bytes(head) + bytes(notes))
print(len(data))
PY
}

ulimit -c unlimited  # file mode honours RLIMIT_CORE (socket mode does not)
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
