#!/usr/bin/env bash
# bench/capture.sh - what a crash costs under the coroner composer, against plain handlers.
#
# Measures in one run (as root; kernel.core_pattern is global and is restored on exit):
#
#  1. STALL: wall time of a real Node.js crash
#       node --abort-on-uncaught-exception examples/crashing-nodejs-app/index.js
#     (SIGTRAP; the table shows its raw core size) from just before the launch until the
#     parent's wait returns, with kernel.core_pipe_limit=16, under five core handlers:
#     none (no dump), `cat > file`, `zstd -3` (the CLI default: one thread), `zip -6` and
#     the composer installed by `coroner install`. The dying process is held until its
#     handler closes the pipe, so this is how long a crash keeps e.g. a pod from
#     restarting. Runs are round-robin across handlers (after one warm-up round that is not
#     counted); medians are reported. "done" is when the handler process has exited too.
#  2. THROUGHPUT and peak RSS: a synthetic --size-mib core (8 MiB chunks of zeros, text and
#     random bytes, page-cached first) piped into the composer launcher run by hand,
#     `zstd -3 -T2 -c` and `zip -6 -q out.zip -`; --tput-runs (default 3) interleaved runs
#     each, medians. MB/s = 10^6 bytes per second; peak RSS from /usr/bin/time %M.
#
# Targets: composer stall <= 1.2x zstd -3 and <= 0.6x zip -6; composer throughput
# >= 1.0x zstd -3 -T2; composer peak RSS <= 64 MiB. The script reports them; its exit code
# only says whether the measurement itself worked.
#
# The last line is machine-readable:
#   stall_vs_zstd3=X.XX stall_vs_zip6=X.XX tput_vs_zstd3=X.XX rss_mib=N
#
# Usage: bench/capture.sh [--runs N (5)] [--size-mib N (1024)] [--tput-runs N (3)]
#                         [--scratch-base DIR (/var/tmp)]
set -euo pipefail

RUNS=5
SIZE_MIB=1024
TPUT_RUNS=3
SCRATCH_BASE=/var/tmp

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "capture.sh: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --size-mib) SIZE_MIB=${2:?--size-mib needs a value}; shift 2 ;;
    --tput-runs) TPUT_RUNS=${2:?--tput-runs needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for v in RUNS SIZE_MIB TPUT_RUNS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer: '${!v}'"
done

[[ $EUID -eq 0 ]] || die "must be run as root (it changes kernel.core_pattern)"

REPO=$(cd "$(dirname "$0")/.." && pwd)
APP=$REPO/examples/crashing-nodejs-app/index.js
NODE=$(command -v node) || die "node is not installed"
ZSTD=$(command -v zstd) || die "zstd is not installed"
ZIP=$(command -v zip) || die "zip is not installed"
CAT=$(command -v cat)
command -v perl >/dev/null || die "perl is not installed"
if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (/usr/bin/time) ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null || die "cannot install 'time'"
fi
if [[ ! -f $REPO/coroner-cli/target/coroner-cli.jar ]]; then
  echo "coroner is not built; building ..." >&2
  (cd "$REPO" && ./mvnw -q package -DskipTests -o) || die "build failed; run: (cd $REPO && ./mvnw -q package -DskipTests)"
fi

SYS=/proc/sys
ORIG_PATTERN=$(<$SYS/kernel/core_pattern)
ORIG_PIPE_LIMIT=$(<$SYS/kernel/core_pipe_limit)
ORIG_SUID=$(<$SYS/fs/suid_dumpable)

# Free space: the synthetic core plus one output of up to its size, plus margin.
mkdir -p "$SCRATCH_BASE"
need=$((3 * SIZE_MIB * 1048576))
avail=$(df -B1 --output=avail "$SCRATCH_BASE" | tail -n1 | tr -d ' ')
[[ $avail -ge $need ]] ||
  die "need $((need >> 20)) MiB free in $SCRATCH_BASE (3x --size-mib), only $((avail >> 20)) MiB"

S=$(mktemp -d "$SCRATCH_BASE/coroner-bench.XXXXXX")
INSTALLED=
CLEANED=

# Usermode helpers (core handlers) are children of kthreadd; kernel threads show as [name].
helper_pids() {
  ps --ppid 2 -o pid=,args= | awk '$2 !~ /^\[/ { print $1 }'
}

# Waits up to $1 seconds for every core handler to exit.
wait_helpers() {
  local deadline=$((SECONDS + $1))
  while [[ -n $(helper_pids) ]]; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.01
  done
}

restore_kernel() {
  printf '%s\n' "$ORIG_SUID" >$SYS/fs/suid_dumpable
  printf '%s\n' "$ORIG_PIPE_LIMIT" >$SYS/kernel/core_pipe_limit
  printf '%s\n' "$ORIG_PATTERN" >$SYS/kernel/core_pattern
}

cleanup() {
  [[ -z $CLEANED ]] || return 0
  CLEANED=1
  set +e
  cd /
  restore_kernel # first: no new crash on this host may reach our scratch handlers
  wait_helpers 120 || echo "capture.sh: a core handler is still running: $(helper_pids | tr '\n' ' ')" >&2
  if [[ -n $INSTALLED ]]; then
    "$REPO/bin/coroner" uninstall --prefix "$S/p" >"$S/uninstall.log" 2>&1 ||
      { echo "capture.sh: coroner uninstall failed:" >&2; cat "$S/uninstall.log" >&2; }
  fi
  restore_kernel # uninstall leaves a foreign pattern alone; write the saved values again
  if [[ $(<$SYS/kernel/core_pattern) != "$ORIG_PATTERN" || $(<$SYS/kernel/core_pipe_limit) != "$ORIG_PIPE_LIMIT" ||
    $(<$SYS/fs/suid_dumpable) != "$ORIG_SUID" ]]; then
    echo "capture.sh: WARNING: could not restore the kernel settings; set them by hand:" >&2
    echo "  core_pattern='$ORIG_PATTERN' core_pipe_limit=$ORIG_PIPE_LIMIT suid_dumpable=$ORIG_SUID" >&2
  fi
  rm -rf "$S"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# --- helpers ------------------------------------------------------------------------------

now_us() { local t=${EPOCHREALTIME//[.,]/}; echo $((10#$t)); }

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Floating-point arithmetic: calc 'EXPR'; fmt PRINTF-FORMAT VALUE.
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }

set_pattern() {
  printf '%s\n' "$1" >$SYS/kernel/core_pattern
  [[ $(<$SYS/kernel/core_pattern) == "$1" ]] || die "the kernel did not take core_pattern '$1'"
}

# Time of the first composer log line matching the grep pattern $1, in epoch microseconds.
log_us() {
  local line
  line=$(grep -m1 -- "$1" "$S/p/composer.log") || die "no line matching '$1' in the composer log"
  date -d "${line%% *}" +%s%6N
}

clean_outputs() { find "$S/out" "$S/d" "$S/cwd" -mindepth 1 -delete; }

# --- setup ----------------------------------------------------------------------------------

mkdir -p "$S/h" "$S/out" "$S/cwd" "$S/tput"
cd "$S/cwd" # the "none" handler's pattern is the relative file name 'core'

# Handler scripts: the kernel runs them with no environment, so every path is absolute.
printf '#!/bin/sh\nexec %s > %s/out/core.$1\n' "$CAT" "$S" >"$S/h/cat.sh"
printf '#!/bin/sh\nexec %s -q -3 -o %s/out/core.$1.zst\n' "$ZSTD" "$S" >"$S/h/zstd.sh"
printf '#!/bin/sh\nexec %s -6 -q %s/out/core.$1.zip -\n' "$ZIP" "$S" >"$S/h/zip.sh"
chmod 755 "$S/h/"*.sh

echo "scratch: $S" >&2
echo "installing the composer (coroner install --prefix $S/p --dumps $S/d) ..." >&2
INSTALLED=1
"$REPO/bin/coroner" install --prefix "$S/p" --dumps "$S/d" >"$S/install.log" 2>&1 ||
  { cat "$S/install.log" >&2; die "coroner install failed"; }
COMPOSER_PATTERN=$(<$SYS/kernel/core_pattern)
[[ $COMPOSER_PATTERN == "|$S/p/composer "* ]] || die "unexpected core_pattern after install: $COMPOSER_PATTERN"
printf '16\n' >$SYS/kernel/core_pipe_limit

HANDLERS=(none cat zstd3 zip6 composer)
declare -A LABEL=([none]="none (no dump)" [cat]="cat > file" [zstd3]="zstd -3" [zip6]="zip -6" [composer]="coroner composer")
declare -A PATTERN=([none]="core" [cat]="|$S/h/cat.sh %P" [zstd3]="|$S/h/zstd.sh %P" [zip6]="|$S/h/zip.sh %P"
  [composer]="$COMPOSER_PATTERN")
declare -A STALL DONE OUTSIZE BD_START BD_DRAIN BD_FINISH
STRAYS=0
RAW_CORE=
TRUNCATED=0

# --- 1. stall of a real crash ---------------------------------------------------------------

# One crash of node under handler $1; $2=1 records the figures.
crash_once() {
  local h=$1 record=$2 lim=unlimited rc=0 t0 t1 t2 pid out
  [[ $h == none ]] && lim=0
  set_pattern "${PATTERN[$h]}"
  [[ $h != composer ]] || : >"$S/p/composer.log"
  t0=$(now_us)
  { (
    ulimit -c "$lim"
    echo "$BASHPID" >"$S/node.pid"
    exec "$NODE" --abort-on-uncaught-exception "$APP"
  ) >/dev/null 2>&1 || rc=$?; } 2>/dev/null
  t1=$(now_us)
  wait_helpers 600 || die "the $h handler did not exit within 600 s"
  t2=$(now_us)
  pid=$(<"$S/node.pid")
  [[ $rc -eq 133 ]] || die "node exited with $rc under '$h', expected 133 (SIGTRAP)"

  # Only our node's crash counts: find its output, discard anything else (other crashes).
  case $h in
    none) out= ;;
    cat) out=$S/out/core.$pid ;;
    zstd3) out=$S/out/core.$pid.zst ;;
    zip6) out=$S/out/core.$pid.zip ;;
    composer) out=$(compgen -G "$S/d/*-$pid-*.zip" | head -n1) || true ;;
  esac
  local all
  all=$(find "$S/out" "$S/d" "$S/cwd" -mindepth 1 -type f | wc -l)
  if [[ $h == none ]]; then
    [[ $all -eq 0 ]] || die "a core was written with no handler: $(find "$S/out" "$S/d" "$S/cwd" -type f)"
  else
    [[ -n $out && -s $out ]] || die "no output for node pid $pid under '$h' (files: $(ls "$S/out" "$S/d"))"
    STRAYS=$((STRAYS + all - 1))
  fi
  [[ $h != cat ]] || RAW_CORE=$(stat -c %s "$out")

  if [[ $record == 1 ]]; then
    STALL[$h]+="$((t1 - t0)) "
    DONE[$h]+="$((t2 - t0)) "
    [[ -z $out ]] || OUTSIZE[$h]=$(stat -c %s "$out")
    if [[ $h == composer ]]; then
      local uuid tc tw
      uuid=$(grep -m1 " crash: pid $pid " "$S/p/composer.log" | sed 's/^[^ ]* \[\([^]]*\)\].*/\1/') || true
      [[ -n $uuid ]] || die "no 'crash: pid $pid' line in the composer log"
      tc=$(log_us "\[$uuid\] crash: ")
      tw=$(log_us "\[$uuid\] wrote ")
      grep -q "\[$uuid\] wrote .*, complete" "$S/p/composer.log" || TRUNCATED=$((TRUNCATED + 1))
      BD_START[$h]+="$((tc - t0)) "  # node start + crash + kernel spawn + JVM start to main()
      BD_DRAIN[$h]+="$((t1 - tc)) "  # main() until the pipe is closed and node is reaped
      BD_FINISH[$h]+="$((tw - t1)) " # after the release: zstd end, dump-info, fsync, rename
    fi
  fi
  clean_outputs
}

echo "stall: 1 warm-up round + $RUNS rounds x ${#HANDLERS[@]} handlers ..." >&2
for ((r = 0; r <= RUNS; r++)); do
  for ((i = 0; i < ${#HANDLERS[@]}; i++)); do
    h=${HANDLERS[$(((i + r) % ${#HANDLERS[@]}))]} # rotate the order each round
    crash_once "$h" $((r > 0 ? 1 : 0))
  done
done
set_pattern "$COMPOSER_PATTERN"

# --- 2. throughput and peak RSS on a synthetic core -----------------------------------------

CORE=$S/core.bin
SIZE=$((SIZE_MIB * 1048576))
echo "generating a $SIZE_MIB MiB synthetic core ..." >&2
head -c 8388608 /dev/zero >"$S/zeros.chunk"
# Text that is not one repeated line: numbered source-like lines.
seq -f '%09g  at bar (/app/index.js:13:3) console.log("{}", input); throw "Boom!"; // hello world' \
  1 100000 >"$S/text.src"
head -c 8388608 "$S/text.src" >"$S/text.chunk"
rm -f "$S/text.src"
{
  for ((i = 0, left = SIZE; left > 0; i++, left -= 8388608)); do
    n=$((left < 8388608 ? left : 8388608))
    case $((i % 3)) in
      0) head -c "$n" "$S/zeros.chunk" ;;
      1) head -c "$n" "$S/text.chunk" ;;
      2) head -c "$n" /dev/urandom ;;
    esac
  done
} >"$CORE"
# An x86-64 ELF core header whose one PT_NOTE covers the rest, so the composer sees a complete
# core (as in its install-time training) rather than "not-elf".
perl -e 'print pack("a16 v v V Q< Q< Q< V v v v v v v V V Q< Q< Q< Q< Q< Q<",
  "\x7fELF\x02\x01\x01", 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 64, 0, 0,
  4, 0, 120, 0, 0, $ARGV[0] - 120, 0, 0)' "$SIZE" | dd of="$CORE" conv=notrunc status=none
[[ $(stat -c %s "$CORE") -eq $SIZE ]] || die "synthetic core has the wrong size"
rm -f "$S/zeros.chunk" "$S/text.chunk"

TOOLS=(composer zstd3T2 zip6)
declare -A TLABEL=([composer]="coroner composer" [zstd3T2]="zstd -3 -T2" [zip6]="zip -6")
declare -A TWALL TRSS TOUT TBD_START TBD_COPY TBD_EXIT
COMPOSER_CODES=

tput_once() {
  local t=$1 tf=$S/time.out t0 t1 st out
  rm -f "$S/tput/"* && find "$S/d" -mindepth 1 -delete
  [[ $t != composer ]] || : >"$S/p/composer.log"
  set +e
  t0=$(now_us)
  case $t in
    composer)
      "$CAT" "$CORE" | /usr/bin/time -f '%e %M' -o "$tf" "$S/p/composer" $$ $$ $$ $$ 6 0 bench-host bench \
        '!bench!core' 18446744073709551615 0 0 -1
      st=("${PIPESTATUS[@]}")
      ;;
    zstd3T2)
      "$CAT" "$CORE" | /usr/bin/time -f '%e %M' -o "$tf" "$ZSTD" -q -3 -T2 -c >"$S/tput/out.zst"
      st=("${PIPESTATUS[@]}")
      ;;
    zip6)
      "$CAT" "$CORE" | /usr/bin/time -f '%e %M' -o "$tf" "$ZIP" -6 -q "$S/tput/out.zip" -
      st=("${PIPESTATUS[@]}")
      ;;
  esac
  t1=$(now_us)
  set -e
  [[ ${st[0]} -eq 0 ]] || die "cat of the synthetic core failed under '$t'"
  if [[ $t == composer ]]; then
    # 0 = complete dump; 1 = truncated / not an ELF core (fine for this test); others are errors.
    [[ ${st[1]} -le 1 ]] || { tail -n 20 "$S/p/composer.log" >&2; die "composer exited with ${st[1]}"; }
    COMPOSER_CODES+="${st[1]} "
    if [[ ${st[1]} -ne 0 ]]; then
      echo "note: the composer reported a truncated dump: $(grep '\] wrote ' "$S/p/composer.log" | tail -n1)" >&2
    fi
    out=$(compgen -G "$S/d/*.zip" | head -n1) || die "the composer wrote no zip"
    local tc tw
    tc=$(log_us " crash: pid $$ ")
    tw=$(log_us "\] wrote ")
    TBD_START[$t]+="$((tc - t0)) " # exec + JVM start until main() logs
    TBD_COPY[$t]+="$((tw - tc)) "  # read, hash, compress, write, fsync, rename
    TBD_EXIT[$t]+="$((t1 - tw)) "  # JVM shutdown
  else
    [[ ${st[1]} -eq 0 ]] || die "'$t' exited with ${st[1]}"
    out=$(compgen -G "$S/tput/out.*" | head -n1)
  fi
  TWALL[$t]+="$((t1 - t0)) "
  TRSS[$t]+="$(tail -n1 "$tf" | awk '{ print $2 }') "
  TOUT[$t]=$(stat -c %s "$out")
  rm -f "$S/tput/"* && find "$S/d" -mindepth 1 -delete
}

echo "throughput: $TPUT_RUNS rounds x ${#TOOLS[@]} tools on $SIZE_MIB MiB ..." >&2
for ((r = 0; r < TPUT_RUNS; r++)); do
  "$CAT" "$CORE" >/dev/null # keep the input in the page cache
  for ((i = 0; i < ${#TOOLS[@]}; i++)); do
    tput_once "${TOOLS[$(((i + r) % ${#TOOLS[@]}))]}"
  done
done

# --- 3. report ------------------------------------------------------------------------------

ms() { fmt '%.0f' "$(calc "$1 / 1000")"; }
declare -A MED_STALL MED_WALL MED_RSS
for h in "${HANDLERS[@]}"; do
  # shellcheck disable=SC2086 # word splitting of the recorded lists is intended
  MED_STALL[$h]=$(median ${STALL[$h]})
done
for t in "${TOOLS[@]}"; do
  # shellcheck disable=SC2086
  MED_WALL[$t]=$(median ${TWALL[$t]})
  # shellcheck disable=SC2086
  MED_RSS[$t]=$(median ${TRSS[$t]})
done

echo
echo "coroner capture benchmark: $(uname -r), $(nproc) CPUs, node $("$NODE" -v), $("$ZSTD" -V | grep -o 'v[0-9.]*' | head -n1), zip $("$ZIP" -v | sed -n 's/^This is Zip \([0-9.]*\).*/\1/p')"
echo
echo "1. Stall of a real Node.js crash (SIGTRAP, raw core $(fmt '%.0f' "$(calc "${RAW_CORE:-0} / 1048576")") MiB, core_pipe_limit=16), median of $RUNS:"
printf '  %-18s %10s %9s %9s %12s %12s\n' handler "stall ms" "vs none" "vs zstd" "done ms" "output MiB"
for h in "${HANDLERS[@]}"; do
  # shellcheck disable=SC2086
  d=$(median ${DONE[$h]})
  o=-
  [[ -z ${OUTSIZE[$h]:-} ]] || o=$(fmt '%.1f' "$(calc "${OUTSIZE[$h]} / 1048576")")
  printf '  %-18s %10s %9s %9s %12s %12s\n' "${LABEL[$h]}" "$(ms "${MED_STALL[$h]}")" \
    "$(fmt '%.2fx' "$(calc "${MED_STALL[$h]} / ${MED_STALL[none]}")")" \
    "$(fmt '%.2fx' "$(calc "${MED_STALL[$h]} / ${MED_STALL[zstd3]}")")" "$(ms "$d")" "$o"
done
# shellcheck disable=SC2086
printf '  composer stall breakdown (medians): launch->composer main() %s ms (none handler: node alone %s ms),\n' \
  "$(ms "$(median ${BD_START[composer]})")" "$(ms "${MED_STALL[none]}")"
# shellcheck disable=SC2086
printf '    main()->node released %s ms, finishing after the release (zstd end, dump-info, fsync, rename) %s ms\n' \
  "$(ms "$(median ${BD_DRAIN[composer]})")" "$(ms "$(median ${BD_FINISH[composer]})")"
[[ $TRUNCATED -eq 0 ]] || echo "  WARNING: $TRUNCATED composer dump(s) of the node crash were not complete"
[[ $STRAYS -eq 0 ]] || echo "  note: $STRAYS core(s) of other processes reached the handlers and were discarded"

echo
echo "2. Throughput on a synthetic $SIZE_MIB MiB core (zeros/text/random in 8 MiB chunks, piped from the page cache), median of $TPUT_RUNS:"
printf '  %-18s %10s %9s %14s %12s\n' tool "wall s" "MB/s" "peak RSS MiB" "output MiB"
declare -A MBS
for t in "${TOOLS[@]}"; do
  MBS[$t]=$(calc "$SIZE / ${MED_WALL[$t]}") # bytes/us = MB/s
  printf '  %-18s %10s %9s %14s %12s\n' "${TLABEL[$t]}" "$(fmt '%.2f' "$(calc "${MED_WALL[$t]} / 1000000")")" \
    "$(fmt '%.0f' "${MBS[$t]}")" "$(fmt '%.1f' "$(calc "${MED_RSS[$t]} / 1024")")" \
    "$(fmt '%.1f' "$(calc "${TOUT[$t]} / 1048576")")"
done
# shellcheck disable=SC2086
printf '  composer breakdown (medians): exec+JVM start %s ms, read+compress+write+fsync %s ms, JVM exit %s ms; exit codes: %s\n' \
  "$(ms "$(median ${TBD_START[composer]})")" "$(ms "$(median ${TBD_COPY[composer]})")" \
  "$(ms "$(median ${TBD_EXIT[composer]})")" "${COMPOSER_CODES% }"

STALL_VS_ZSTD=$(fmt '%.2f' "$(calc "${MED_STALL[composer]} / ${MED_STALL[zstd3]}")")
STALL_VS_ZIP=$(fmt '%.2f' "$(calc "${MED_STALL[composer]} / ${MED_STALL[zip6]}")")
TPUT_VS_ZSTD=$(fmt '%.2f' "$(calc "${MBS[composer]} / ${MBS[zstd3T2]}")")
RSS_MIB=$(fmt '%.0f' "$(calc "${MED_RSS[composer]} / 1024")")
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<=") ? a <= b : a >= b; print ok ? "ok" : "MISSED" }'; }

echo
echo "3. Targets:"
printf '  composer stall / zstd -3 stall      %6s  (target <= 1.20)  %s\n' "$STALL_VS_ZSTD" "$(verdict "$STALL_VS_ZSTD" '<=' 1.2)"
printf '  composer stall / zip -6 stall       %6s  (target <= 0.60)  %s\n' "$STALL_VS_ZIP" "$(verdict "$STALL_VS_ZIP" '<=' 0.6)"
printf '  composer MB/s / zstd -3 -T2 MB/s    %6s  (target >= 1.00)  %s\n' "$TPUT_VS_ZSTD" "$(verdict "$TPUT_VS_ZSTD" '>=' 1.0)"
printf '  composer peak RSS MiB               %6s  (target <= 64)    %s\n' "$RSS_MIB" "$(verdict "$RSS_MIB" '<=' 64)"
echo "stall_vs_zstd3=$STALL_VS_ZSTD stall_vs_zip6=$STALL_VS_ZIP tput_vs_zstd3=$TPUT_VS_ZSTD rss_mib=$RSS_MIB"
