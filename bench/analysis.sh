#!/usr/bin/env bash
# bench/analysis.sh - how long coroner's automatic analysis takes on a core, against the plain
# debugger on the same core.
#
# Makes two real kernel cores first (as root; core_pattern is set to a file in the scratch dir
# under `flock /run/coroner-kernel.lock`, for the moment of the crash only, and put back):
#   - NODE: the example app (examples/crashing-nodejs-app), about 50 MB;
#   - NATIVE: a C program that fills --native-mib MiB (default 1024) and then writes through NULL.
#
# Then --runs N (default 3) rounds, interleaved (the order alternates each round), of:
#   node   coroner-analysis  java -jar coroner-analysis.jar CORE /usr/bin/node --cache-dir C
#                            (lldb + llnode on a debug-stripped copy of node, made once before
#                            the timing, then parsing and signing)
#   node   plain lldb        lldb --batch -o 'plugin load LLNODE' -o 'v8 bt' -c CORE /usr/bin/node
#   node   lldb, stripped    the same on the stripped copy coroner uses (the debugger's own share)
#   native coroner-analysis  java -jar coroner-analysis.jar CORE EXE
#   native plain eu-stack    eu-stack -b -m -i -s --core=CORE -e EXE
#   node   agent, before upload  coroner-agent analyze ZIP: the agent's whole step on a dump the
#   native                       real composer wrote from the same core (zstd): the core out of the
#                                zip (sparse), the files found and kept, the debuggers, the zip's
#                                dump-info rewritten; "in JVM" is its own total, and the parts
# Each is timed from launch to exit (wall, $EPOCHREALTIME). For coroner-analysis the JSON's
# duration_ms is reported too ("in JVM": the analyzer's own time, without the JVM's start), and
# "warm": duration_ms of the 5th analysis in one JVM (--repeat 5), what a long-running agent that
# embeds the analyzer pays. Every run must name the crash (bar / crash_write), else the script
# fails. Medians (min-max) are reported.
#
# The last line is machine-readable:
#   node_analysis_s=X node_analysis_injvm_s=X node_analysis_warm_s=X node_lldb_s=X
#   node_lldb_stripped_s=X native_analysis_s=X native_analysis_injvm_s=X native_analysis_warm_s=X
#   native_eustack_s=X node_core_mib=N native_core_mib=N node_agent_s=X node_agent_injvm_s=X
#   native_agent_s=X native_agent_injvm_s=X
#
# Usage: bench/analysis.sh [--runs N (3)] [--native-mib N (1024)] [--llnode PATH]
#                          [--scratch-base DIR (/var/tmp)]
set -euo pipefail

RUNS=3
NATIVE_MIB=1024
LLNODE=/usr/lib/node_modules/llnode/llnode.so
SCRATCH_BASE=/var/tmp
LOCK=/run/coroner-kernel.lock

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "analysis.sh: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --native-mib) NATIVE_MIB=${2:?--native-mib needs a value}; shift 2 ;;
    --llnode) LLNODE=${2:?--llnode needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer: '$RUNS'"
[[ $NATIVE_MIB =~ ^[1-9][0-9]*$ ]] || die "--native-mib must be a positive integer: '$NATIVE_MIB'"
[[ $(id -u) -eq 0 ]] || die "run as root: it sets /proc/sys/kernel/core_pattern for the crashes"

REPO=$(cd "$(dirname "$0")/.." && pwd)
JAR=$REPO/coroner-analysis/target/coroner-analysis-0.1.0-SNAPSHOT.jar
AGENT_CP=$REPO/coroner-agent/target/coroner-agent.jar:$REPO/coroner-agent/target/lib/*
NODE=$(command -v node) || die "node is not installed"
NODE=$(readlink -f "$NODE")
LLDB=$(command -v lldb) || die "lldb is not installed (apt-get install lldb)"
EUSTACK=$(command -v eu-stack) || die "eu-stack is not installed (apt-get install elfutils)"
command -v gcc >/dev/null || die "gcc is not installed"
[[ -f $LLNODE ]] || die "llnode is not at $LLNODE (npm install -g llnode, or pass --llnode PATH)"
LLDB_PY=
for d in /usr/lib/llvm-14/lib/python3.11/dist-packages /usr/lib/llvm-*/lib/python3*/dist-packages; do
  if [[ -d $d/lldb ]]; then LLDB_PY=$d; break; fi
done

if [[ ! -f $JAR ]]; then
  echo "coroner-analysis is not built; building ..." >&2
  (cd "$REPO" && ./mvnw -q -o -pl coroner-analysis package -DskipTests) ||
    die "build failed; run: (cd $REPO && ./mvnw -q -pl coroner-analysis package -DskipTests)"
fi

if [[ ! -f $REPO/coroner-agent/target/coroner-agent.jar ]]; then
  echo "coroner-agent is not packaged; building ..." >&2
  (cd "$REPO" && ./mvnw -q -o -pl coroner-agent -am package -DskipTests -DskipImages) ||
    die "build failed; run: (cd $REPO && ./mvnw -q -pl coroner-agent -am package -DskipTests -DskipImages)"
fi

mkdir -p "$SCRATCH_BASE"
S=$(mktemp -d "$SCRATCH_BASE/coroner-analysis-bench.XXXXXX")
RUNNING=
cleanup() {
  set +e
  # Interrupted while timing: end the command being timed (by its pid).
  [[ -z $RUNNING ]] || kill -TERM "$RUNNING" 2>/dev/null
  cd /
  rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the cores ----------------------------------------------------------------------------

cat >"$S/fill.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
/* volatile and the asm barrier: the optimizer must keep the fill and the store through NULL. */
__attribute__((noinline)) void crash_write(int *volatile *slot) { **slot = 1; }
__attribute__((noinline)) void after_fill(size_t mib) {
  char *heap = malloc(mib << 20);
  memset(heap, 0x5a, mib << 20); /* touched, not zero: every page is in the core */
  __asm__ volatile("" : : "r"(heap) : "memory");
  int *volatile nowhere = NULL;
  crash_write(&nowhere);
  free(heap);
}
int main(int argc, char **argv) { after_fill(strtoul(argv[1], NULL, 10)); return 0; }
EOF
gcc -O1 -g -fno-omit-frame-pointer -o "$S/fill" "$S/fill.c" || die "gcc failed"

# crash DIR CMD...: runs CMD under the kernel lock with core_pattern = DIR/core.%p and prints
# the core's path. timeout(1) ends a program that does not crash (and forks it: the core is
# found by name in its own directory, not by pid).
crash() {
  local dir=$1 core
  shift
  mkdir -p "$dir"
  # shellcheck disable=SC2016
  flock -w 900 "$LOCK" sh -c '
    dir=$1; shift
    prev=$(cat /proc/sys/kernel/core_pattern)
    trap '\''printf "%s\n" "$prev" > /proc/sys/kernel/core_pattern'\'' EXIT
    trap "exit 130" INT TERM HUP
    printf "%s\n" "$dir/core.%p" > /proc/sys/kernel/core_pattern
    (ulimit -c unlimited; exec timeout -s KILL 300 "$@") >"$dir/crash.log" 2>&1 </dev/null
    true
  ' sh "$dir" "$@" || die "could not take $LOCK"
  core=$(find "$dir" -maxdepth 1 -name 'core.*' | head -1)
  [[ -n $core ]] || die "no core from $1: $(cat "$dir/crash.log")"
  echo "$core"
}

echo "making the cores (waits for $LOCK) ..." >&2
NODE_CORE=$(crash "$S/node" "$NODE" --abort-on-uncaught-exception "$REPO/examples/crashing-nodejs-app/index.js")
NATIVE_CORE=$(crash "$S/native" "$S/fill" "$NATIVE_MIB")
NODE_MIB=$(( $(stat -c %s "$NODE_CORE") >> 20 ))
NATIVE_CORE_MIB=$(( $(stat -c %s "$NATIVE_CORE") >> 20 ))
echo "node core: $NODE_MIB MiB; native core: $NATIVE_CORE_MIB MiB" >&2

# The debug-stripped copy of node, made once (coroner keeps it by build-id), outside the timing.
java -jar "$JAR" "$NODE_CORE" "$NODE" --cache-dir "$S/cache" >/dev/null ||
  die "coroner-analysis failed on the node core"
STRIPPED=$(find "$S/cache/exe" -type f -name "$(basename "$NODE")" | head -1)
[[ -n $STRIPPED ]] || die "no stripped copy of node in $S/cache"

# The dumps the agent would find: the real composer, fed each core on stdin as the kernel does
# (a pid that does not exist, so that the executable comes from %E, as for a reaped process).
compose() {
  local core=$1 exe=$2 signal=$3 dir=$4
  mkdir -p "$dir"
  printf 'dump.dir=%s\n' "$dir" >"$dir.properties"
  java -Xmx64m -cp "$AGENT_CP" -Dcoroner.config="$dir.properties" -Dcoroner.log="$dir.log" \
    dev.coroner.composer.Main 999999999 999999999 999999999 999999999 "$signal" \
    "$(date +%s)" bench "$(basename "$exe")" "${exe//\//!}" 18446744073709551615 0 0 -1 \
    <"$core" >/dev/null 2>&1 || true
  find "$dir" -maxdepth 1 -name '*.zip' | head -1
}
NODE_ZIP=$(compose "$NODE_CORE" "$NODE" 5 "$S/dumps-node")
NATIVE_ZIP=$(compose "$NATIVE_CORE" "$S/fill" 11 "$S/dumps-native")
[[ -n $NODE_ZIP && -n $NATIVE_ZIP ]] || die "the composer wrote no dump: $(cat "$S"/dumps-*.log)"
echo "dumps: node $(( $(stat -c %s "$NODE_ZIP") >> 20 )) MiB, native $(( $(stat -c %s "$NATIVE_ZIP") >> 20 )) MiB zipped" >&2

# --- timing -------------------------------------------------------------------------------

now_us() { local t=${EPOCHREALTIME//[.,]/}; echo $((10#$t)); }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo / 1e6, hi / 1e6 }'; }
secs() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1e6 }'; }

declare -A T IN
# timed NAME EXPECT CMD...: wall time of CMD into T[NAME]; its output must contain EXPECT.
timed() {
  local name=$1 expect=$2 start end
  shift 2
  start=$(now_us)
  "$@" >"$S/out" 2>&1 &
  RUNNING=$!
  wait "$RUNNING" || true
  RUNNING=
  end=$(now_us)
  grep -q -- "$expect" "$S/out" || die "$name printed no '$expect': $(head -c 2000 "$S/out")"
  T[$name]="${T[$name]:-} $((end - start))"
  if [[ $1 == java ]]; then
    local ms
    ms=$(grep -o '"\(duration\|total\)_ms":[0-9]*' "$S/out" | cut -d: -f2)
    IN[$name]="${IN[$name]:-} $((ms * 1000))"
    if [[ $name == *_agent ]]; then
      PARTS[$name]="${PARTS[$name]:-}$(grep -o '"extract_ms":[0-9]*,"collect_ms":[0-9]*,"analyze_ms":[0-9]*,"rewrite_ms":[0-9]*' "$S/out" | tr -d '"'); "
    fi
  fi
}
declare -A PARTS
# agent ZIP NAME EXPECT: the agent's step on a fresh copy of ZIP (it analyzes a dump once).
agent() {
  cp "$1" "$S/agent.zip"
  timed "$2" "$3" java -cp "$AGENT_CP" dev.coroner.agent.Main analyze --cache-dir "$S/agent-cache" "$S/agent.zip"
}

node_analysis() { timed node_analysis '"top_frame":"bar (' java -jar "$JAR" "$NODE_CORE" "$NODE" --cache-dir "$S/cache"; }
node_lldb() { timed node_lldb 'bar(' env PYTHONPATH="$LLDB_PY" "$LLDB" --batch -o "plugin load $LLNODE" -o 'v8 bt' -c "$NODE_CORE" "$NODE"; }
node_lldb_stripped() { timed node_lldb_stripped 'bar(' env PYTHONPATH="$LLDB_PY" "$LLDB" --batch -o "plugin load $LLNODE" -o 'v8 bt' -c "$NODE_CORE" "$STRIPPED"; }
native_analysis() { timed native_analysis '"top_frame":"crash_write (' java -jar "$JAR" "$NATIVE_CORE" "$S/fill"; }
native_eustack() { timed native_eustack 'crash_write' "$EUSTACK" -b -m -i -s --core="$NATIVE_CORE" -e "$S/fill"; }
node_warm() { timed node_warm '"top_frame":"bar (' java -jar "$JAR" "$NODE_CORE" "$NODE" --cache-dir "$S/cache" --repeat 5; }
native_warm() { timed native_warm '"top_frame":"crash_write (' java -jar "$JAR" "$NATIVE_CORE" "$S/fill" --repeat 5; }
node_agent() { agent "$NODE_ZIP" node_agent '"top_frame":"bar ('; }
native_agent() { agent "$NATIVE_ZIP" native_agent '"top_frame":"crash_write ('; }

ALL=(node_analysis node_lldb node_lldb_stripped native_analysis native_eustack node_warm native_warm node_agent native_agent)
for ((r = 1; r <= RUNS; r++)); do
  echo "round $r/$RUNS ..." >&2
  if ((r % 2)); then order=("${ALL[@]}"); else order=(); for ((i = ${#ALL[@]} - 1; i >= 0; i--)); do order+=("${ALL[i]}"); done; fi
  for b in "${order[@]}"; do "$b"; done
done

# shellcheck disable=SC2086
row() {
  local name=$1 label=$2 extra=
  if [[ -n ${IN[$name]:-} ]]; then
    extra="   in JVM $(secs "$(median ${IN[$name]})") s, warm $(secs "$(median ${IN[${name%_analysis}_warm]})") s"
  fi
  printf '%-34s %6s s  (%s)%s\n' "$label" "$(secs "$(median ${T[$name]})")" "$(minmax ${T[$name]})" "$extra"
}
last_part() {
  local p=${1%; }
  echo "${p##*; }"
}
# shellcheck disable=SC2086
agent_row() {
  local name=$1 label=$2
  printf '%-34s %6s s  (%s)   in JVM %s s; last run: %s\n' "$label" "$(secs "$(median ${T[$name]})")" \
    "$(minmax ${T[$name]})" "$(secs "$(median ${IN[$name]})")" "$(last_part "${PARTS[$name]}")"
}
echo
echo "node core ($NODE_MIB MiB), $RUNS runs, median (min-max), wall time to exit:"
row node_analysis "  coroner-analysis (lldb+llnode)"
row node_lldb "  plain lldb + llnode, v8 bt"
row node_lldb_stripped "  lldb + llnode, stripped node"
agent_row node_agent "  agent, before upload (whole step)"
echo "native core ($NATIVE_CORE_MIB MiB):"
row native_analysis "  coroner-analysis (eu-stack)"
row native_eustack "  plain eu-stack"
agent_row native_agent "  agent, before upload (whole step)"
m() { secs "$(median $1)"; }
# shellcheck disable=SC2086
echo "node_analysis_s=$(m "${T[node_analysis]}") node_analysis_injvm_s=$(m "${IN[node_analysis]}")" \
  "node_analysis_warm_s=$(m "${IN[node_warm]}") node_lldb_s=$(m "${T[node_lldb]}")" \
  "node_lldb_stripped_s=$(m "${T[node_lldb_stripped]}") native_analysis_s=$(m "${T[native_analysis]}")" \
  "native_analysis_injvm_s=$(m "${IN[native_analysis]}") native_analysis_warm_s=$(m "${IN[native_warm]}")" \
  "native_eustack_s=$(m "${T[native_eustack]}") node_core_mib=$NODE_MIB native_core_mib=$NATIVE_CORE_MIB" \
  "node_agent_s=$(m "${T[node_agent]}") node_agent_injvm_s=$(m "${IN[node_agent]}")" \
  "native_agent_s=$(m "${T[native_agent]}") native_agent_injvm_s=$(m "${IN[native_agent]}")"
