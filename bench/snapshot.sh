#!/usr/bin/env bash
# bench/snapshot.sh - how long a snapshot of a live process freezes it, against gdb's gcore.
#
# Two victims, started once each (as root; no core_pattern is touched):
#   - NODE: coroner-snapshot's test app (src/test/resources/.../spinning-app.js) idle, with a heap
#     of --heap-mib MiB of strings (default 1024), beating every 1 ms on its main thread;
#   - NATIVE: coroner-snapshot's threads.c with 4 worker threads (sleeping, spinning, waiting on a
#     condition, napping) and --heap-mib MiB of data, beating every 1 ms on its main thread.
# Both print "pause N ms at T" (T in epoch ms) for every gap of 5 ms or more between beats: the
# freeze as the process itself saw it, which is what a liveness probe sees.
#
# Then --runs N (default 3) rounds of, on each victim, in one run and in this order:
#   coroner snapshot PID                    (fork: the default)
#   coroner snapshot PID --method stop      (memory read while every thread stays stopped)
#   gcore -o FILE PID                       (gdb 13: stops the process for the whole dump)
# Each is timed from launch to exit (wall, "to a complete dump": coroner's includes the JVM's
# start, the zstd-compressed zip, its sha256 and the scrub of --scrub MODE, by default the one a
# snapshot gets on this host (the install's mode, else default); gcore's is an uncompressed core
# file, unscrubbed), and its
# freeze is the longest pause the victim printed between launch and exit. Cores and dumps go to
# --scratch-base (default /var/tmp) and are deleted after each run. Medians (min-max).
#
# Targets (issue 16): freeze <= 0.2x gcore's; time to a complete dump <= 1.5x gcore's.
#
# The last line is machine-readable:
#   node_fork_freeze_ms=X node_stop_freeze_ms=X node_gcore_freeze_ms=X node_fork_s=X
#   node_stop_s=X node_gcore_s=X native_... (the same six) node_core_mib=N native_core_mib=N
#
# Usage: bench/snapshot.sh [--runs N (3)] [--heap-mib N (1024)] [--scratch-base DIR (/var/tmp)]
#                          [--scrub off|default|drop-heap (coroner snapshot's default)]
set -euo pipefail

RUNS=3
HEAP_MIB=1024
SCRATCH_BASE=/var/tmp
SCRUB=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --heap-mib) HEAP_MIB=$2; shift 2 ;;
    --scratch-base) SCRATCH_BASE=$2; shift 2 ;;
    --scrub) SCRUB=(--scrub "$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
res="$here/coroner-snapshot/src/test/resources/dev/coroner/snapshot"
coroner="$here/bin/coroner"
for tool in node gcc gdb gcore; do
  command -v "$tool" >/dev/null || { echo "snapshot.sh: $tool is missing" >&2; exit 1; }
done
[ -f "$here/coroner-cli/target/coroner-cli.jar" ] ||
  { echo "snapshot.sh: build first: ./mvnw -q install -DskipTests (on Java 22+)" >&2; exit 1; }

scratch=$(mktemp -d "$SCRATCH_BASE/coroner-snapshot-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

gcc -O1 -g -pthread -o "$scratch/threads" "$res/threads.c"

# start NAME CMD...: runs CMD detached (setsid: not our child, as a real target), output in
# $scratch/NAME.out; waits for its "ready" line and prints its PID.
start() {
  local name=$1
  shift
  setsid "$@" >"$scratch/$name.out" 2>&1 < /dev/null &
  local i
  for i in $(seq 600); do
    if grep -q '^ready' "$scratch/$name.out" 2>/dev/null; then
      sed -n 's/^ready \([0-9]*\).*/\1/p' "$scratch/$name.out" | head -1
      return
    fi
    sleep 0.1
  done
  echo "snapshot.sh: $name did not start: $(cat "$scratch/$name.out")" >&2
  exit 1
}

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

# worst_pause NAME FROM TO: the longest pause (ms) NAME printed with FROM <= T <= TO + 200.
worst_pause() {
  awk -v from="$2" -v to="$(( $3 + 200 ))" \
    '$1 == "pause" && $5 >= from && $5 <= to && $2 > w { w = $2 } END { print w + 0 }' \
    "$scratch/$1.out"
}

declare -A freeze wall
core_mib() { du -m --apparent-size "$1" | cut -f1; }

# measure VICTIM PID KIND: one run of KIND (fork, stop, gcore) on the victim.
measure() {
  local victim=$1 pid=$2 kind=$3 from to
  sleep 1 # let the victim settle: the pauses of the previous run must not count
  from=$(now_ms)
  case "$kind" in
    fork | stop)
      "$coroner" snapshot "$pid" --method "$kind" "${SCRUB[@]}" --store "$scratch/dumps" \
        >"$scratch/last.out" 2>&1 || { cat "$scratch/last.out" >&2; exit 1; }
      ;;
    gcore)
      gcore -o "$scratch/gcore" "$pid" >"$scratch/last.out" 2>&1 ||
        { cat "$scratch/last.out" >&2; exit 1; }
      core_size[$victim]=$(core_mib "$scratch/gcore.$pid")
      ;;
  esac
  to=$(now_ms)
  wall[$victim.$kind]+="$(awk -v ms=$(( to - from )) 'BEGIN { printf "%.2f", ms / 1000 }') "
  freeze[$victim.$kind]+="$(worst_pause "$victim" "$from" "$to") "
  rm -rf "$scratch/dumps" "$scratch"/gcore.*
  grep -q 'State:.*[RS]' "/proc/$pid/status" ||
    { echo "snapshot.sh: $victim is not running after $kind" >&2; exit 1; }
}

# stats VALUES...: "median (min-max)"
stats() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s (%s-%s)", m, v[1], v[NR] }'
}
median() { stats "$@" | cut -d' ' -f1; }

declare -A core_size
node_pid=$(start node env HEAP_MIB="$HEAP_MIB" SPIN_MS=0 HEARTBEAT=1 BEAT_EVERY=100000000 \
  node --max-old-space-size=$(( HEAP_MIB * 3 )) "$res/spinning-app.js")
pids+=("$node_pid")
native_pid=$(start native "$scratch/threads" 4 "$HEAP_MIB")
pids+=("$native_pid")
echo "victims: node pid $node_pid, native pid $native_pid, heap $HEAP_MIB MiB; $RUNS runs;" \
  "scrub: ${SCRUB[1]:-the CLI default}" >&2

for run in $(seq "$RUNS"); do
  for victim in node native; do
    pid=${victim}_pid
    for kind in fork stop gcore; do
      measure "$victim" "${!pid}" "$kind"
    done
  done
  echo "run $run done" >&2
done

printf '\n%-8s %-22s %-22s %-22s %s\n' victim "fork freeze ms" "stop freeze ms" "gcore freeze ms" \
  "fork/gcore"
line=""
for victim in node native; do
  # shellcheck disable=SC2086
  printf '%-8s %-22s %-22s %-22s %s\n' "$victim" "$(stats ${freeze[$victim.fork]})" \
    "$(stats ${freeze[$victim.stop]})" "$(stats ${freeze[$victim.gcore]})" \
    "$(awk -v a="$(median ${freeze[$victim.fork]})" -v b="$(median ${freeze[$victim.gcore]})" \
      'BEGIN { printf("%.3fx", (b > 0 ? a / b : 0)) }')"
done
printf '\n%-8s %-22s %-22s %-22s %s\n' victim "fork dump s" "stop dump s" "gcore dump s" "fork/gcore"
for victim in node native; do
  # shellcheck disable=SC2086
  printf '%-8s %-22s %-22s %-22s %s\n' "$victim" "$(stats ${wall[$victim.fork]})" \
    "$(stats ${wall[$victim.stop]})" "$(stats ${wall[$victim.gcore]})" \
    "$(awk -v a="$(median ${wall[$victim.fork]})" -v b="$(median ${wall[$victim.gcore]})" \
      'BEGIN { printf("%.2fx", (b > 0 ? a / b : 0)) }')"
  for kind in fork stop gcore; do
    # shellcheck disable=SC2086
    line+="${victim}_${kind}_freeze_ms=$(median ${freeze[$victim.$kind]}) "
  done
  for kind in fork stop gcore; do
    # shellcheck disable=SC2086
    line+="${victim}_${kind}_s=$(median ${wall[$victim.$kind]}) "
  done
done
echo
echo "gcore core sizes: node ${core_size[node]} MiB, native ${core_size[native]} MiB"
echo "${line}node_core_mib=${core_size[node]} native_core_mib=${core_size[native]}"
