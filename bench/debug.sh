#!/usr/bin/env bash
# bench/debug.sh - how fast `coroner debug` gets a Node.js crash to its JavaScript stack,
# against plain lldb + llnode on the raw core.
#
# Measures in one run (as root; it reads the dump store and clears coroner's debug cache):
#
#  1. COLD: one `coroner debug DUMP --batch -o 'v8 bt'` right after deleting
#     ~/.cache/coroner/cores and ~/.cache/coroner/exe (only those two; $XDG_CACHE_HOME and
#     --cache-dir are honoured like coroner does), so it extracts and verifies the core and
#     makes the debug-stripped copy of node (objcopy --strip-debug) again. The page cache
#     stays warm (nothing is dropped).
#  2. WARM: --runs N (default 5) rounds, interleaved (the order alternates each round), of
#       coroner debug DUMP --batch -o 'v8 bt'
#       lldb --batch -o 'plugin load LLNODE' -o 'v8 bt' -c RAWCORE EXE
#     where RAWCORE comes from `coroner get DUMP --extract` (once, before the timing) and EXE
#     is the unstripped executable recorded in the dump (/usr/bin/node): the baseline.
#
#  For every run: the wall time from the launch until the first line matching 'frame #'
#  arrives on its output (stdout and stderr, read line by line, time from $EPOCHREALTIME),
#  and until the process exits. Every run must exit 0 and print the `bar(` and `foo(` frames
#  of the example app, else the script fails. Medians are reported.
#
# Targets: coroner's warm first frame <= 3 s, and warm first frame / plain lldb first frame
# well below 1 (say <= 0.5). The script reports them; its exit code only says whether the
# measurement itself worked.
#
# The last line is machine-readable:
#   coroner_first_frame_s=X.XX coroner_exit_s=X.XX lldb_first_frame_s=X.XX ratio=X.XX cold_first_frame_s=X.XX
#
# Usage: bench/debug.sh [--runs N (5)] [--dump REF (latest)] [--store URL] [--cache-dir DIR]
#                       [--llnode PATH] [--scratch-base DIR (/var/tmp)]
# (--store and --cache-dir are passed to coroner as they are.)
set -euo pipefail

RUNS=5
DUMP=latest
STORE_ARGS=()
CACHE_ARGS=()
LLNODE=/usr/lib/node_modules/llnode/llnode.so
SCRATCH_BASE=/var/tmp

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "debug.sh: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --dump) DUMP=${2:?--dump needs a value}; shift 2 ;;
    --store) STORE_ARGS=(--store "${2:?--store needs a value}"); shift 2 ;;
    --cache-dir) CACHE_ARGS=(--cache-dir "${2:?--cache-dir needs a value}"); shift 2 ;;
    --llnode) LLNODE=${2:?--llnode needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer: '$RUNS'"

REPO=$(cd "$(dirname "$0")/.." && pwd)
CORONER=$REPO/bin/coroner
LLDB=$(command -v lldb) || die "lldb is not installed (apt-get install lldb)"
[[ -f $LLNODE ]] || die "llnode is not at $LLNODE (npm install -g llnode, or pass --llnode PATH)"

# Debian's lldb needs PYTHONPATH to name its Python bindings (`lldb -P` names the wrong dir),
# else it prints "ModuleNotFoundError: No module named 'lldb.embedded_interpreter'".
LLDB_PY=
for d in /usr/lib/llvm-14/lib/python3.11/dist-packages /usr/lib/llvm-*/lib/python3*/dist-packages; do
  if [[ -d $d/lldb ]]; then LLDB_PY=$d; break; fi
done
[[ -n $LLDB_PY ]] || echo "debug.sh: warning: lldb's Python bindings not found; plain lldb may complain" >&2

if [[ ! -f $REPO/coroner-cli/target/coroner-cli.jar ]]; then
  echo "coroner is not built; building ..." >&2
  (cd "$REPO" && ./mvnw -q -o package -DskipTests) ||
    die "build failed; run: (cd $REPO && ./mvnw -q -o package -DskipTests)"
fi

# coroner's debug cache: --cache-dir, else $XDG_CACHE_HOME/coroner, else ~/.cache/coroner.
if [[ ${#CACHE_ARGS[@]} -gt 0 ]]; then
  CACHE=${CACHE_ARGS[1]}
else
  CACHE=${XDG_CACHE_HOME:-}
  [[ -n ${CACHE// /} ]] || CACHE=$HOME/.cache
  CACHE=$CACHE/coroner
fi

mkdir -p "$SCRATCH_BASE"
S=$(mktemp -d "$SCRATCH_BASE/coroner-debug-bench.XXXXXX")
CLEANED=
# Ends process $1 and its descendants (by pid; children first).
kill_tree() {
  local c
  for c in $(pgrep -P "$1"); do kill_tree "$c"; done
  kill -TERM "$1" 2>/dev/null
}
cleanup() {
  [[ -z $CLEANED ]] || return 0
  CLEANED=1
  set +e
  # Interrupted during a run: end the command being timed (lldb, coroner and its lldb).
  [[ ! -s $S/runner.pid ]] || kill_tree "$(<"$S/runner.pid")"
  cd /
  rm -rf "$S"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# --- helpers ------------------------------------------------------------------------------

now_us() { local t=${EPOCHREALTIME//[.,]/}; echo $((10#$t)); }

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo / 1e6, hi / 1e6 }'; }

# Floating-point arithmetic: calc 'EXPR'; fmt PRINTF-FORMAT VALUE.
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }
sec() { fmt '%.2f' "$(calc "$1 / 1000000")"; }

NOTES=()
note() {
  local n
  for n in "${NOTES[@]}"; do [[ $n != "$1" ]] || return 0; done
  NOTES+=("$1")
}

# run_once NAME ARGV...: runs ARGV (stdin /dev/null, stderr into stdout), reading its output
# line by line. Sets FIRST_US (launch -> first 'frame #' line) and EXIT_US (launch -> exit,
# stamped by the subshell right after the wait for the command returns); the output is in
# $S/NAME.log. Fails loudly when the command fails or its stack lacks bar( and foo(.
run_once() {
  local name=$1 log=$S/$1.log t0 first= line rc t_exit t pid
  shift
  rm -f "$S/exit"
  t0=$(now_us)
  while IFS= read -r line; do
    if [[ -z $first && $line == *'frame #'* ]]; then
      t=${EPOCHREALTIME//[.,]/} # no $(now_us): a fork would add to the time
      first=$((10#$t))
    fi
    printf '%s\n' "$line"
  done < <(
    echo "$BASHPID" >"$S/runner.pid"
    rc=0
    "$@" </dev/null 2>&1 || rc=$?
    t=${EPOCHREALTIME//[.,]/}
    echo "$((10#$t)) $rc" >"$S/exit"
  ) >"$log"
  pid=$!
  wait "$pid" || true
  rm -f "$S/runner.pid"
  [[ -s $S/exit ]] || die "$name: no exit record (killed?)"
  read -r t_exit rc <"$S/exit"
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "$log" >&2
    die "$name exited with $rc: $(printf "%q " "$@")"
  fi
  if [[ -z $first ]] || ! grep -q 'bar(' "$log" || ! grep -q 'foo(' "$log"; then
    tail -n 30 "$log" >&2
    die "$name: the output has no 'frame #' line with the bar( and foo( JavaScript frames: $(printf "%q " "$@")"
  fi
  ! grep -q 'ModuleNotFoundError' "$log" || note "$name printed a Python ModuleNotFoundError (PYTHONPATH for lldb)"
  FIRST_US=$((first - t0))
  EXIT_US=$((t_exit - t0))
}

# The executable coroner handed to lldb, from lldb's echo of `target create "EXE" --core ...`.
coroner_exe() { sed -n 's/^(lldb) target create "\([^"]*\)".*/\1/p' "$S/coroner.log" | head -n1; }

# --- setup ----------------------------------------------------------------------------------

info_rc=0
"$CORONER" info "$DUMP" "${STORE_ARGS[@]}" >"$S/info.out" 2>&1 || info_rc=$?
if [[ $info_rc -eq 3 ]]; then
  cat "$S/info.out" >&2
  if [[ $DUMP == latest ]]; then
    echo "debug.sh: there is no dump to debug; make one first with: bin/coroner demo" >&2
  else
    echo "debug.sh: no dump '$DUMP'; 'bin/coroner list' shows the dumps, 'bin/coroner demo' makes one" >&2
  fi
  exit 1
fi
[[ $info_rc -eq 0 ]] || { cat "$S/info.out" >&2; die "coroner info $DUMP failed ($info_rc)"; }

echo "scratch: $S" >&2
echo "extracting the raw core (coroner get $DUMP --extract) ..." >&2
"$CORONER" get "$DUMP" "${STORE_ARGS[@]}" -d "$S/get" --extract >"$S/get.out" 2>&1 ||
  { cat "$S/get.out" >&2; die "coroner get $DUMP --extract failed"; }
rm -f "$S/get/"*.zip # the copy of the dump is not needed, only what was extracted from it
RAWCORE=$(compgen -G "$S/get/*/*.core" | head -n1) || die "no NAME/NAME.core under $S/get"
NAME=$(basename "$RAWCORE" .core)
[[ $RAWCORE == "$S/get/$NAME/$NAME.core" ]] || die "unexpected layout: $RAWCORE"
EXE=
[[ ! -s $S/get/$NAME/proc/exe ]] || EXE=$(tr -d '\n' <"$S/get/$NAME/proc/exe")
if [[ -z $EXE || ! -x $EXE ]]; then
  EXE=$(command -v node) || die "the dump's executable '${EXE:-?}' is not here and node is not installed"
fi
EXE_BUILD_ID=$(readelf -n "$EXE" 2>/dev/null | awk '/Build ID:/ { print $3; exit }') || true

# By name from here on: 'latest' may move to a newer dump while this runs.
CORONER_CMD=("$CORONER" debug "$NAME" "${STORE_ARGS[@]}" "${CACHE_ARGS[@]}" --batch -o 'v8 bt')
LLDB_CMD=(env ${LLDB_PY:+PYTHONPATH="$LLDB_PY"} "$LLDB" --batch -o "plugin load $LLNODE" -o 'v8 bt'
  -c "$RAWCORE" "$EXE")

# Checks that coroner debugged the cached, debug-stripped copy of the right executable.
check_coroner_exe() {
  local used
  used=$(coroner_exe)
  [[ -n $used ]] || { note "could not tell which executable coroner gave lldb"; return 0; }
  case $used in
    "$CACHE/exe/"*) ;;
    *) note "coroner gave lldb $used, not a stripped copy under $CACHE/exe (objcopy missing or failed?)" ;;
  esac
  [[ -z $EXE_BUILD_ID || $used != "$CACHE/exe/"* || $used == "$CACHE/exe/$EXE_BUILD_ID/"* ]] ||
    note "coroner's stripped copy $used is not of build-id $EXE_BUILD_ID ($EXE)"
}

# --- 1. cold --------------------------------------------------------------------------------

echo "cold: clearing $CACHE/cores and $CACHE/exe, one coroner debug ..." >&2
rm -rf "$CACHE/cores" "$CACHE/exe"
run_once coroner "${CORONER_CMD[@]}"
COLD_FIRST=$FIRST_US
COLD_EXIT=$EXIT_US
printf '  cold     coroner  first frame %6s s  exit %6s s\n' "$(sec "$FIRST_US")" "$(sec "$EXIT_US")" >&2
check_coroner_exe
compgen -G "$CACHE/cores/$NAME.core" >/dev/null || note "the cold run left no $CACHE/cores/$NAME.core"
COLD_EXE=$(coroner_exe)

# --- 2. warm, interleaved -------------------------------------------------------------------

C_FIRST=() C_EXIT=() L_FIRST=() L_EXIT=()
echo "warm: $RUNS rounds x (coroner debug, plain lldb), interleaved ..." >&2
for ((r = 0; r < RUNS; r++)); do
  order=(coroner lldb)
  ((r % 2 == 0)) || order=(lldb coroner)
  for k in "${order[@]}"; do
    if [[ $k == coroner ]]; then
      run_once coroner "${CORONER_CMD[@]}"
      check_coroner_exe
      C_FIRST+=("$FIRST_US") C_EXIT+=("$EXIT_US")
    else
      run_once lldb "${LLDB_CMD[@]}"
      L_FIRST+=("$FIRST_US") L_EXIT+=("$EXIT_US")
    fi
    printf '  round %d %-8s first frame %6s s  exit %6s s\n' $((r + 1)) "$k" "$(sec "$FIRST_US")" "$(sec "$EXIT_US")" >&2
  done
done

# --- 3. report ------------------------------------------------------------------------------

MC_FIRST=$(median "${C_FIRST[@]}")
MC_EXIT=$(median "${C_EXIT[@]}")
ML_FIRST=$(median "${L_FIRST[@]}")
ML_EXIT=$(median "${L_EXIT[@]}")
RATIO=$(fmt '%.2f' "$(calc "$MC_FIRST / $ML_FIRST")")

echo
echo "coroner debug benchmark: $(uname -r), $(nproc) CPUs, $("$LLDB" --version 2>/dev/null | head -n1)," \
  "node $("$EXE" -v 2>/dev/null || echo '?'), llnode $LLNODE"
echo "dump $NAME: raw core $(fmt '%.1f' "$(calc "$(stat -c %s "$RAWCORE") / 1048576")") MiB, exe $EXE" \
  "($(fmt '%.0f' "$(calc "$(stat -c %s "$EXE") / 1048576")") MiB, build-id ${EXE_BUILD_ID:-?})"
echo "coroner's lldb loads ${COLD_EXE:-?}"
echo
echo "'v8 bt': wall seconds from launch to the first 'frame #' line and to exit (median of $RUNS, min-max):"
printf '  %-34s %12s %14s %10s\n' run "first frame" "(min-max)" exit
printf '  %-34s %12s %14s %10s\n' "coroner debug, cold cache (1 run)" "$(sec "$COLD_FIRST")" "" "$(sec "$COLD_EXIT")"
printf '  %-34s %12s %14s %10s\n' "coroner debug, warm" "$(sec "$MC_FIRST")" "($(minmax "${C_FIRST[@]}"))" "$(sec "$MC_EXIT")"
printf '  %-34s %12s %14s %10s\n' "plain lldb + llnode, raw core" "$(sec "$ML_FIRST")" "($(minmax "${L_FIRST[@]}"))" "$(sec "$ML_EXIT")"
for n in "${NOTES[@]}"; do echo "  note: $n"; done

verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<=") ? a <= b : a >= b; print ok ? "ok" : "MISSED" }'; }
echo
echo "Targets:"
printf '  coroner warm first frame s             %6s  (target <= 3.00)  %s\n' "$(sec "$MC_FIRST")" "$(verdict "$(calc "$MC_FIRST / 1000000")" '<=' 3)"
printf '  coroner warm / plain lldb first frame  %6s  (target <= 0.50)  %s\n' "$RATIO" "$(verdict "$RATIO" '<=' 0.5)"
echo "coroner_first_frame_s=$(sec "$MC_FIRST") coroner_exit_s=$(sec "$MC_EXIT") lldb_first_frame_s=$(sec "$ML_FIRST") ratio=$RATIO cold_first_frame_s=$(sec "$COLD_FIRST")"
