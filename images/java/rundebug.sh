#!/bin/bash
# Opens the core at $CORE_LOCATION of the java executable at $EXE_LOCATION in jhsdb's command-line
# debugger (clhsdb). The JDK that crashed must be the one in this image, or be mounted at the path
# it had in the crashed container (jhsdb reads libjvm.so from the core's paths).
set -euo pipefail
: "${CORE_LOCATION:?set CORE_LOCATION to the core file}"
EXE_LOCATION=${EXE_LOCATION:-$JAVA_HOME/bin/java}
for f in "$CORE_LOCATION" "$EXE_LOCATION"; do
  [[ -r $f ]] || { echo "rundebug.sh: cannot read $f" >&2; exit 1; }
done
# SYSROOT: the crashed process's own libraries at their paths (kept with the dump); the
# serviceability agent reads a core's libraries under SA_ALTROOT.
[[ -n ${SYSROOT:-} ]] && export SA_ALTROOT="$SYSROOT"
exec jhsdb clhsdb --exe "$EXE_LOCATION" --core "$CORE_LOCATION" "$@"
