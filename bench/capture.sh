#!/usr/bin/env bash
# bench/capture.sh - what a crash costs under coroner, through the pipe composer and through
# the kernel's coredump socket (the receiver), against plain handlers, side by side in one run.
#
# Measures in one run (as root; kernel.core_pattern is global and is restored on exit). It
# installs coroner with `coroner install --mode socket` (the receiver in front, the pipe
# composer as its fallback) and switches core_pattern between the handlers:
#
#  1. STALL: wall time of a real Node.js crash
#       node --abort-on-uncaught-exception examples/crashing-nodejs-app/index.js
#     (SIGTRAP; the table shows its raw core size) from just before the launch until the
#     parent's wait returns, with kernel.core_pipe_limit=16, under six core handlers:
#     none (no dump), `cat > file`, `zstd -3` (the CLI default: one thread), `zip -6`, the
#     composer (pipe) and the receiver (socket). The dying process is held until its handler
#     releases it (closes the pipe; the receiver shuts the socket once the core is read), so
#     this is how long a crash keeps e.g. a pod from restarting. Runs are round-robin across
#     handlers (after one warm-up round that is not counted); medians are reported. "done" is
#     when the handler has finished (exited; the receiver's zip is renamed into place).
#  2. THROUGHPUT and peak RSS: a synthetic --size-mib core (8 MiB chunks of zeros, text and
#     random bytes, page-cached first) piped into the composer launcher run by hand,
#     `zstd -3 -T2 -c` and `zip -6 -q out.zip -`; --tput-runs (default 3) interleaved runs
#     each, medians. MB/s = 10^6 bytes per second; peak RSS from /usr/bin/time %M.
#  3. CRASH TO COMPLETE DUMP of a --size-mib process whose memory holds the same bytes as the
#     synthetic core (bench/capture/crasher.c "mix"): the receiver (socket) against a
#     `zstd -3 -T2` pipe handler and the composer (pipe); from the crash to the finished
#     output (the receiver's and the composer's include SHA-256 and fsync; zstd's neither).
#     --tput-runs rounds, medians.
#  4. STORM: 100 processes of 8 MiB each segfault at the same moment (--storm N), once per
#     handler: the receiver (socket), a `zstd -3` pipe handler and the composer, both at
#     kernel.core_pipe_limit=16. Kept = outputs for the storm's pids; truncated = dumps whose
#     dump-info says so; the receiver's peak RSS (VmHWM, reset before the storm).
#  5. KILL -9 GAP: kill -9 of the receiver, then the time until core_pattern is the pipe
#     composer's again (the supervisor's restore), read back in a tight loop; 5 times, after
#     each the receiver is waited for to take over again.
#
# Targets (issue 12): receiver stall <= 1.0x zstd -3; 1 GiB crash-to-complete-dump <= 1.0x
# zstd -3 -T2; storm: the receiver keeps N of N, none truncated (zstd -3 at limit 16 keeps
# 16); receiver peak RSS <= 256 MiB; kill -9 gap <= 100 ms. Also the composer's older ones:
# stall <= 1.2x zstd -3, <= 0.6x zip -6, throughput >= 1.0x zstd -3 -T2, RSS <= 64 MiB. The
# script reports them; its exit code only says whether the measurement itself worked.
#
# The last line is machine-readable:
#   stall_vs_zstd3=X.XX stall_vs_zip6=X.XX tput_vs_zstd3=X.XX rss_mib=N socket_stall_vs_zstd3=X.XX
#   socket_crash_vs_zstd3t2=X.XX storm_kept=N/N storm_truncated=N receiver_rss_mib=N gap_ms=N
#
# Usage: bench/capture.sh [--runs N (5)] [--size-mib N (1024)] [--tput-runs N (3)]
#                         [--storm N (100)] [--scratch-base DIR (/var/tmp)]
set -euo pipefail

RUNS=5
SIZE_MIB=1024
TPUT_RUNS=3
STORM=100
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
    --storm) STORM=${2:?--storm needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for v in RUNS SIZE_MIB TPUT_RUNS STORM; do
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
command -v gcc >/dev/null || die "gcc is not installed (for bench/capture/crasher.c)"
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

# Free space: the synthetic core plus one output of up to its size, plus margin, and the storm.
mkdir -p "$SCRATCH_BASE"
need=$((3 * SIZE_MIB * 1048576 + STORM * 12 * 1048576))
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

# Time of the first log line matching the grep pattern $1 (in log $2, the composer's by
# default), in epoch microseconds.
log_us() {
  local line file=${2:-$S/p/composer.log}
  line=$(grep -m1 -- "$1" "$file") || die "no line matching '$1' in $file"
  date -d "${line%% *}" +%s%6N
}

clean_outputs() { find "$S/out" "$S/d" "$S/cwd" -mindepth 1 -delete; }

# The receiver's finished dump of host pid $1, waiting up to $2 seconds for it.
wait_dump() {
  local deadline=$((SECONDS + $2)) f
  while :; do
    f=$(compgen -G "$S/d/*-$1-*.zip" | head -n1) || true
    [[ -z $f ]] || { echo "$f"; return 0; }
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.005
  done
}

receiver_pid() { cat "$S/p/run/receiver.pid" 2>/dev/null || true; }

# Waits up to $1 seconds for the receiver to point core_pattern at its socket.
wait_socket() {
  local deadline=$((SECONDS + $1)) cur
  while :; do
    IFS= read -r cur <$SYS/kernel/core_pattern
    [[ $cur != "$SOCKET_PATTERN" ]] || return 0
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.05
  done
}

# --- setup ----------------------------------------------------------------------------------

mkdir -p "$S/h" "$S/out" "$S/cwd" "$S/tput"
cd "$S/cwd" # the "none" handler's pattern is the relative file name 'core'

# Handler scripts: the kernel runs them with no environment, so every path is absolute.
printf '#!/bin/sh\nexec %s > %s/out/core.$1\n' "$CAT" "$S" >"$S/h/cat.sh"
printf '#!/bin/sh\nexec %s -q -3 -o %s/out/core.$1.zst\n' "$ZSTD" "$S" >"$S/h/zstd.sh"
printf '#!/bin/sh\nexec %s -6 -q %s/out/core.$1.zip -\n' "$ZIP" "$S" >"$S/h/zip.sh"
printf '#!/bin/sh\nexec %s -q -3 -T2 -o %s/out/core.$1.zst\n' "$ZSTD" "$S" >"$S/h/zstdT2.sh"
chmod 755 "$S/h/"*.sh
CRASHER=$S/crasher
gcc -O2 -o "$CRASHER" "$REPO/bench/capture/crasher.c" || die "cannot compile bench/capture/crasher.c"

echo "scratch: $S" >&2
echo "installing coroner (coroner install --mode socket --prefix $S/p --dumps $S/d) ..." >&2
INSTALLED=1
"$REPO/bin/coroner" install --mode socket --prefix "$S/p" --dumps "$S/d" >"$S/install.log" 2>&1 ||
  { cat "$S/install.log" >&2; die "coroner install --mode socket failed (the receiver needs a build and a JDK on Java 22+)"; }
COMPOSER_PATTERN="|$S/p/composer %P %p %I %i %s %t %h %e %E %c %u %g %F"
SOCKET_PATTERN=$(<$SYS/kernel/core_pattern)
[[ $SOCKET_PATTERN == "@@$S/p/run/coredump.sock" || $SOCKET_PATTERN == "@$S/p/run/coredump.sock" ]] ||
  die "unexpected core_pattern after install: $SOCKET_PATTERN"
printf '16\n' >$SYS/kernel/core_pipe_limit

HANDLERS=(none cat zstd3 zip6 composer socket)
declare -A LABEL=([none]="none (no dump)" [cat]="cat > file" [zstd3]="zstd -3" [zip6]="zip -6" [composer]="coroner composer"
  [socket]="coroner receiver" [zstd3T2]="zstd -3 -T2")
declare -A PATTERN=([none]="core" [cat]="|$S/h/cat.sh %P" [zstd3]="|$S/h/zstd.sh %P" [zip6]="|$S/h/zip.sh %P"
  [composer]="$COMPOSER_PATTERN" [socket]="$SOCKET_PATTERN" [zstd3T2]="|$S/h/zstdT2.sh %P")
RLOG=$S/p/receiver.log
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
  [[ $h != socket ]] || : >"$RLOG"
  t0=$(now_us)
  { (
    ulimit -c "$lim"
    echo "$BASHPID" >"$S/node.pid"
    exec "$NODE" --abort-on-uncaught-exception "$APP"
  ) >/dev/null 2>&1 || rc=$?; } 2>/dev/null
  t1=$(now_us)
  pid=$(<"$S/node.pid")
  if [[ $h == socket ]]; then
    wait_dump "$pid" 600 >/dev/null || die "the receiver wrote no dump of node pid $pid within 600 s"
  else
    wait_helpers 600 || die "the $h handler did not exit within 600 s"
  fi
  t2=$(now_us)
  [[ $rc -eq 133 ]] || die "node exited with $rc under '$h', expected 133 (SIGTRAP)"

  # Only our node's crash counts: find its output, discard anything else (other crashes).
  case $h in
    none) out= ;;
    cat) out=$S/out/core.$pid ;;
    zstd3) out=$S/out/core.$pid.zst ;;
    zip6) out=$S/out/core.$pid.zip ;;
    composer | socket) out=$(compgen -G "$S/d/*-$pid-*.zip" | head -n1) || true ;;
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
    if [[ $h == socket ]]; then
      local uuid tc tw
      uuid=$(grep -m1 " crash: pid $pid " "$RLOG" | sed 's/^[^ ]* \[\([^]]*\)\].*/\1/') || true
      [[ -n $uuid ]] || die "no 'crash: pid $pid' line in the receiver log"
      tc=$(log_us "\[$uuid\] crash: " "$RLOG")
      tw=$(log_us "\[$uuid\] wrote " "$RLOG")
      grep -q "\[$uuid\] wrote .*, complete" "$RLOG" || TRUNCATED=$((TRUNCATED + 1))
      BD_START[$h]+="$((tc - t0)) "  # node start + crash + the kernel's connect, until accepted
      BD_DRAIN[$h]+="$((t1 - tc)) "  # /proc, ack, core read and hashed until node is reaped
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
set_pattern "$SOCKET_PATTERN"

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

# --- 3. crash of a --size-mib process to its complete dump -------------------------------------

# Starts crasher.c with stdin from FIFO $1 (MiB $2, mode $3), output to $4; its pid is
# $LAST_PID (a child of this shell, so that wait works: no command substitution).
start_crasher() {
  "$CRASHER" "$2" "$3" <"$1" >"$4" 2>&1 &
  LAST_PID=$!
}

# Waits up to $2 seconds until the *.out files in $1 hold $3 lines starting with "$4".
wait_lines() {
  local deadline=$((SECONDS + $2))
  while [[ $(cat "$1"/*.out 2>/dev/null | grep -c "^$4 ") -lt $3 ]]; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.05
  done
}

BIG=(socket zstd3T2 composer)
declare -A BWALL BSTALL BOUT
big_once() {
  local h=$1 fifo=$S/big/fifo t0 t1 t2 cpid pid out
  rm -rf "$S/big" && mkdir -p "$S/big" && mkfifo "$fifo"
  clean_outputs
  set_pattern "${PATTERN[$h]}"
  start_crasher "$fifo" "$SIZE_MIB" mix "$S/big/c.out"
  cpid=$LAST_PID
  exec 7>"$fifo"
  wait_lines "$S/big" 300 1 ready || die "the $SIZE_MIB MiB crasher did not get ready"
  pid=$(awk '/^ready/ { print $2 }' "$S/big/c.out")
  t0=$(now_us)
  exec 7>&-
  wait "$cpid" || true
  t1=$(now_us)
  if [[ $h == socket ]]; then
    out=$(wait_dump "$pid" 900) || die "the receiver wrote no dump of pid $pid"
  else
    wait_helpers 900 || die "the $h handler did not exit within 900 s"
    out=$({ compgen -G "$S/out/core.$pid.zst" || compgen -G "$S/d/*-$pid-*.zip"; } | head -n1) ||
      die "no output under '$h'"
  fi
  t2=$(now_us)
  BSTALL[$h]+="$((t1 - t0)) "
  BWALL[$h]+="$((t2 - t0)) "
  BOUT[$h]=$(stat -c %s "$out")
  clean_outputs
}

echo "crash to complete dump: $TPUT_RUNS rounds x ${#BIG[@]} handlers on a $SIZE_MIB MiB process ..." >&2
for ((r = 0; r < TPUT_RUNS; r++)); do
  for ((i = 0; i < ${#BIG[@]}; i++)); do
    big_once "${BIG[$(((i + r) % ${#BIG[@]}))]}"
  done
done

# --- 4. storm: N processes of 8 MiB crash at once ---------------------------------------------

STORMERS=(socket zstd3 composer)
declare -A SKEPT SCORE STRUNC SWALL
RECEIVER_RSS=0
storm_once() {
  local h=$1 fifo=$S/storm/fifo t0 t1 i rpid kept=0 trunc=0 last=-1 stable=0 pids f
  declare -a bg=()
  rm -rf "$S/storm" && mkdir -p "$S/storm" && mkfifo "$fifo"
  clean_outputs
  set_pattern "${PATTERN[$h]}"
  for ((i = 0; i < STORM; i++)); do
    start_crasher "$fifo" 8 varied "$S/storm/$i.out"
    bg+=("$LAST_PID")
  done
  exec 7>"$fifo"
  wait_lines "$S/storm" 300 "$STORM" ready || die "the storm's processes did not get ready"
  pids=" $(cat "$S/storm"/*.out | awk '/^ready/ { printf "%s ", $2 }')"
  if [[ $h == socket ]]; then
    rpid=$(receiver_pid)
    echo 5 >"/proc/$rpid/clear_refs" # resets VmHWM: the peak of this storm only
  fi
  t0=$(now_us)
  exec 7>&-
  for i in "${bg[@]}"; do wait "$i" || true; done
  t1=$(now_us)
  # Outputs for the storm's pids, until all are there or none came for 30 s.
  while :; do
    kept=0
    if [[ $h == socket || $h == composer ]]; then
      [[ $h != composer ]] || { wait_helpers 600 || true; }
      for f in "$S"/d/*.zip; do
        [[ -e $f ]] || continue
        f=${f##*/}
        f=${f%-*} # ...-PID-11.zip
        [[ $pids == *" ${f##*-} "* ]] && kept=$((kept + 1))
      done
    else
      wait_helpers 600 || true
      for f in "$S"/out/core.*.zst; do
        [[ -e $f ]] || continue
        f=${f##*/core.}
        [[ $pids == *" ${f%.zst} "* ]] && kept=$((kept + 1))
      done
    fi
    [[ $kept -lt $STORM && $h == socket ]] || break
    if [[ $kept -eq $last ]]; then
      stable=$((stable + 1))
      [[ $stable -lt 600 ]] || break
    else
      stable=0
      last=$kept
    fi
    sleep 0.05
  done
  SWALL[$h]="$(($(now_us) - t0))"
  if [[ $h == socket || $h == composer ]]; then
    for f in "$S"/d/*.zip; do
      [[ -e $f ]] || continue
      unzip -p "$f" dump-info.json 2>/dev/null | grep -q '"truncated" *: *true' && trunc=$((trunc + 1))
    done
  fi
  SKEPT[$h]=$kept
  STRUNC[$h]=$trunc
  SCORE[$h]=$(cat "$S/storm"/*.out | grep -c ' core=1$' || true)
  if [[ $h == socket ]]; then
    RECEIVER_RSS=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$rpid/status")
  fi
  clean_outputs
  rm -rf "$S/storm"
}

echo "storm: $STORM processes of 8 MiB at once, under ${#STORMERS[@]} handlers ..." >&2
for h in "${STORMERS[@]}"; do
  storm_once "$h"
done

# --- 5. kill -9 gap ---------------------------------------------------------------------------

set_pattern "$SOCKET_PATTERN"
GAPS=
echo "kill -9 gap: 5 kills of the receiver ..." >&2
for ((i = 0; i < 5; i++)); do
  wait_socket 120 || die "the receiver did not take core_pattern over"
  rpid=$(receiver_pid)
  [[ -n $rpid ]] || die "no receiver pid in $S/p/run/receiver.pid"
  t0=$(now_us)
  kill -9 "$rpid"
  while :; do
    IFS= read -r cur <$SYS/kernel/core_pattern
    [[ $cur != "$COMPOSER_PATTERN" ]] || break
    [[ $(($(now_us) - t0)) -lt 10000000 ]] || die "the pipe pattern did not come back within 10 s"
  done
  t1=$(now_us)
  GAPS+="$((t1 - t0)) "
  # The supervisor restarts it after its backoff; the next round waits for the takeover.
  while [[ $(receiver_pid) == "$rpid" ]]; do sleep 0.05; done
done
wait_socket 120 || die "the receiver did not take core_pattern over after the last kill"

# --- 6. report ------------------------------------------------------------------------------

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
for b in composer socket; do
  # shellcheck disable=SC2086
  printf '  %s stall breakdown (medians): launch->%s %s ms (none handler: node alone %s ms),\n' "$b" \
    "$([[ $b == composer ]] && echo 'composer main()' || echo 'connection accepted')" \
    "$(ms "$(median ${BD_START[$b]})")" "$(ms "${MED_STALL[none]}")"
  # shellcheck disable=SC2086
  printf '    ->node released %s ms, finishing after the release (zstd end, dump-info, fsync, rename) %s ms\n' \
    "$(ms "$(median ${BD_DRAIN[$b]})")" "$(ms "$(median ${BD_FINISH[$b]})")"
done
[[ $TRUNCATED -eq 0 ]] || echo "  WARNING: $TRUNCATED composer or receiver dump(s) of the node crash were not complete"
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

echo
echo "3. Crash of a $SIZE_MIB MiB process (the same bytes as 2.) to its complete output, median of $TPUT_RUNS:"
printf '  %-18s %14s %12s %12s %12s\n' handler "to output s" "vs zstd" "stall s" "output MiB"
declare -A MED_BWALL
for h in "${BIG[@]}"; do
  # shellcheck disable=SC2086
  MED_BWALL[$h]=$(median ${BWALL[$h]})
done
for h in "${BIG[@]}"; do
  # shellcheck disable=SC2086
  printf '  %-18s %14s %12s %12s %12s\n' "${LABEL[$h]}" "$(fmt '%.2f' "$(calc "${MED_BWALL[$h]} / 1000000")")" \
    "$(fmt '%.2fx' "$(calc "${MED_BWALL[$h]} / ${MED_BWALL[zstd3T2]}")")" \
    "$(fmt '%.2f' "$(calc "$(median ${BSTALL[$h]}) / 1000000")")" "$(fmt '%.1f' "$(calc "${BOUT[$h]} / 1048576")")"
done

echo
echo "4. Storm: $STORM processes of 8 MiB segfault at once (core_pipe_limit=16 for the pipe handlers):"
printf '  %-18s %8s %11s %10s %14s\n' handler kept truncated WCOREDUMP "all outputs s"
for h in "${STORMERS[@]}"; do
  printf '  %-18s %8s %11s %10s %14s\n' "${LABEL[$h]}" "${SKEPT[$h]}/$STORM" \
    "$([[ $h == zstd3 ]] && echo - || echo "${STRUNC[$h]}")" "${SCORE[$h]}" "$(fmt '%.1f' "$(calc "${SWALL[$h]} / 1000000")")"
done
echo "  receiver peak RSS during the storm (VmHWM): $RECEIVER_RSS MiB"

echo
# shellcheck disable=SC2086
GAP_MS=$(ms "$(median $GAPS)")
# shellcheck disable=SC2086
GAP_MAX=$(ms "$(printf '%s\n' $GAPS | sort -n | tail -n1)")
echo "5. kill -9 of the receiver until core_pattern is the pipe composer's again: median $GAP_MS ms, max $GAP_MAX ms (5 kills: $(for g in $GAPS; do printf '%s ' "$(ms "$g")"; done)ms)"

STALL_VS_ZSTD=$(fmt '%.2f' "$(calc "${MED_STALL[composer]} / ${MED_STALL[zstd3]}")")
STALL_VS_ZIP=$(fmt '%.2f' "$(calc "${MED_STALL[composer]} / ${MED_STALL[zip6]}")")
TPUT_VS_ZSTD=$(fmt '%.2f' "$(calc "${MBS[composer]} / ${MBS[zstd3T2]}")")
RSS_MIB=$(fmt '%.0f' "$(calc "${MED_RSS[composer]} / 1024")")
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<=") ? a <= b : a >= b; print ok ? "ok" : "MISSED" }'; }

SOCKET_STALL=$(fmt '%.2f' "$(calc "${MED_STALL[socket]} / ${MED_STALL[zstd3]}")")
SOCKET_CRASH=$(fmt '%.2f' "$(calc "${MED_BWALL[socket]} / ${MED_BWALL[zstd3T2]}")")

echo
echo "6. Targets:"
printf '  receiver stall / zstd -3 stall      %6s  (target <= 1.00)  %s\n' "$SOCKET_STALL" "$(verdict "$SOCKET_STALL" '<=' 1.0)"
printf '  receiver crash-to-dump / zstd -T2   %6s  (target <= 1.00)  %s\n' "$SOCKET_CRASH" "$(verdict "$SOCKET_CRASH" '<=' 1.0)"
printf '  receiver storm kept                 %6s  (target %s, none truncated: %s)  %s\n' "${SKEPT[socket]}" "$STORM" \
  "${STRUNC[socket]}" "$([[ ${SKEPT[socket]} -eq $STORM && ${STRUNC[socket]} -eq 0 ]] && echo ok || echo MISSED)"
printf '  receiver peak RSS MiB               %6s  (target <= 256)   %s\n' "$RECEIVER_RSS" "$(verdict "$RECEIVER_RSS" '<=' 256)"
printf '  kill -9 gap ms (max of 5)           %6s  (target <= 100)   %s\n' "$GAP_MAX" "$(verdict "$GAP_MAX" '<=' 100)"
printf '  composer stall / zstd -3 stall      %6s  (target <= 1.20)  %s\n' "$STALL_VS_ZSTD" "$(verdict "$STALL_VS_ZSTD" '<=' 1.2)"
printf '  composer stall / zip -6 stall       %6s  (target <= 0.60)  %s\n' "$STALL_VS_ZIP" "$(verdict "$STALL_VS_ZIP" '<=' 0.6)"
printf '  composer MB/s / zstd -3 -T2 MB/s    %6s  (target >= 1.00)  %s\n' "$TPUT_VS_ZSTD" "$(verdict "$TPUT_VS_ZSTD" '>=' 1.0)"
printf '  composer peak RSS MiB               %6s  (target <= 64)    %s\n' "$RSS_MIB" "$(verdict "$RSS_MIB" '<=' 64)"
echo "stall_vs_zstd3=$STALL_VS_ZSTD stall_vs_zip6=$STALL_VS_ZIP tput_vs_zstd3=$TPUT_VS_ZSTD rss_mib=$RSS_MIB" \
  "socket_stall_vs_zstd3=$SOCKET_STALL socket_crash_vs_zstd3t2=$SOCKET_CRASH storm_kept=${SKEPT[socket]}/$STORM" \
  "storm_truncated=${STRUNC[socket]} receiver_rss_mib=$RECEIVER_RSS gap_ms=$GAP_MAX"
