#!/bin/bash
# Opens the core at $CORE_LOCATION with the executable at $EXE_LOCATION in gdb (DEBUGGER=lldb for
# lldb). Arguments go to the debugger, e.g. rundebug.sh -batch -ex 'bt'
set -euo pipefail
: "${CORE_LOCATION:?set CORE_LOCATION to the core file}"
: "${EXE_LOCATION:?set EXE_LOCATION to the executable that crashed}"
for f in "$CORE_LOCATION" "$EXE_LOCATION"; do
  [[ -r $f ]] || { echo "rundebug.sh: cannot read $f" >&2; exit 1; }
done
# SYSROOT: the crashed process's own executable and libraries at their paths (kept with the dump),
# read instead of this image's.
gdbpre=()
lldbpre=()
if [[ -n ${SYSROOT:-} ]]; then
  gdbpre=(-iex "set sysroot $SYSROOT")
  lldbpre=(-O "platform select remote-linux --sysroot $SYSROOT")
fi
case "${DEBUGGER:-gdb}" in
  gdb) exec gdb -q "${gdbpre[@]}" "$@" "$EXE_LOCATION" "$CORE_LOCATION" ;;
  lldb) exec lldb "${lldbpre[@]}" "$@" -c "$CORE_LOCATION" "$EXE_LOCATION" ;;
  *) echo "rundebug.sh: DEBUGGER must be gdb or lldb: '$DEBUGGER'" >&2; exit 2 ;;
esac
