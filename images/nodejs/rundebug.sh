#!/bin/bash
# Opens the core at $CORE_LOCATION with the executable at $EXE_LOCATION in lldb, with llnode (the
# V8 plugin: v8 bt, v8 source list, v8 findjsobjects) loaded. Arguments go to lldb, e.g.
#   rundebug.sh --batch -o 'v8 bt'
set -euo pipefail
: "${CORE_LOCATION:?set CORE_LOCATION to the core file}"
: "${EXE_LOCATION:?set EXE_LOCATION to the node executable that crashed}"
llnode=${LLNODE:-/usr/lib/node_modules/llnode/llnode.so}
for f in "$CORE_LOCATION" "$EXE_LOCATION" "$llnode"; do
  [[ -r $f ]] || { echo "rundebug.sh: cannot read $f" >&2; exit 1; }
done
# SYSROOT: the crashed process's own executable and libraries at their paths (kept with the dump),
# read instead of this image's.
pre=()
[[ -n ${SYSROOT:-} ]] && pre=(-O "platform select remote-linux --sysroot $SYSROOT")
exec lldb "${pre[@]}" -o "plugin load $llnode" "$@" -c "$CORE_LOCATION" "$EXE_LOCATION"
