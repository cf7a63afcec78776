#!/usr/bin/env bash
# bench/agent-stall.sh - how long the agent's in-process coredump socket receiver holds a crashing
# Node.js process, with and without its read-ahead, against a `zstd -3` pipe handler, in one run.
#
# As root, on a kernel with the coredump socket (Linux 6.16+) and a build of the agent
# (./mvnw -q package -DskipTests -pl coroner-agent -am) run by a Java 22+ (--java):
#   1. `zstd -3` pipe handler: --runs crashes (after one warm-up);
#   2. the agent (bin/coroner-agent run, CORONER_CORE_HANDLER=socket, scratch prefix and dump
#      directory, no store reachable: the uploads fail and are retried, which costs a little CPU,
#      the capture is what is measured), CORONER_READ_AHEAD_MIB=0: --runs crashes (one warm-up);
#   3. the same with CORONER_READ_AHEAD_MIB=--read-ahead (48);
#   4. `zstd -3` again, so that a change of load shows.
# The crash: `node --abort-on-uncaught-exception examples/crashing-nodejs-app/index.js` (SIGTRAP,
# a 48 MiB core), timed from launch until the shell's wait returns (the stall: the kernel holds
# the process until its handler has the core). Half a second between the agent's crashes lets a
# dump finish before the next. Medians; the ratio is against the median of all zstd crashes.
#
# kernel.core_pattern is global: while this runs, every crash on the host goes to the handler of
# the moment. On exit (also on error or Ctrl-C) the agent is stopped (SIGTERM: it restores the
# pattern itself), then core_pattern, core_pipe_limit and fs.suid_dumpable are written back as
# found, and the scratch directory is removed.
#
# Usage: bench/agent-stall.sh [--runs N (7)] [--read-ahead MIB (48)] [--java PATH (a JDK 25)]
#                             [--scratch-base DIR (/var/tmp)]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=7
RA=48
JAVA=$(ls -d /usr/lib/jvm/temurin-25-jdk-*/bin/java 2>/dev/null | head -n1 || true)
BASE=/var/tmp
die() { echo "agent-stall.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --read-ahead) RA=$2; shift 2 ;;
    --java) JAVA=$2; shift 2 ;;
    --scratch-base) BASE=$2; shift 2 ;;
    -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
[[ $RA =~ ^[0-9]+$ ]] || die "--read-ahead must be a number of MiB"
[[ $(id -u) == 0 ]] || die "run as root (it sets kernel.core_pattern)"
[[ -x $JAVA ]] || die "no Java 22+ found; pass --java PATH"
grep -qw socket /proc/sys/kernel/core_modes 2>/dev/null || die "this kernel has no coredump socket mode"
[[ -f $REPO/coroner-agent/target/coroner-agent.jar ]] ||
  die "build the agent first: (cd $REPO && ./mvnw -q package -DskipTests -pl coroner-agent -am)"
command -v node >/dev/null && command -v zstd >/dev/null || die "needs node and zstd"

SYS=/proc/sys
S=$(mktemp -d "$BASE/agent-stall.XXXXXX")
read -r P0 <$SYS/kernel/core_pattern
read -r L0 <$SYS/kernel/core_pipe_limit
read -r D0 <$SYS/fs/suid_dumpable
AGENT=
restore() {
  if [[ -n $AGENT ]]; then
    kill -TERM "$AGENT" 2>/dev/null || true
    wait "$AGENT" 2>/dev/null || true
  fi
  printf '%s\n' "$P0" >$SYS/kernel/core_pattern
  printf '%s\n' "$L0" >$SYS/kernel/core_pipe_limit
  printf '%s\n' "$D0" >$SYS/fs/suid_dumpable
  rm -rf "$S"
}
trap restore EXIT
trap 'exit 130' INT TERM

now_us() { echo $(($(date +%s%N) / 1000)); }
mkdir -p "$S/h" "$S/out"
printf '#!/bin/sh\nexec %s -q -3 -o %s/out/core.$1.zst\n' "$(command -v zstd)" "$S" >"$S/h/zstd.sh"
chmod 755 "$S/h/zstd.sh"
APP=$REPO/examples/crashing-nodejs-app/index.js

crash() { # the stall of one crash, in ms
  local t0 t1
  t0=$(now_us)
  (
    ulimit -c unlimited
    exec node --abort-on-uncaught-exception "$APP"
  ) >/dev/null 2>&1 || true
  t1=$(now_us)
  echo $(((t1 - t0) / 1000))
}

zstd_phase() {
  printf '|%s/h/zstd.sh %%P\n' "$S" >$SYS/kernel/core_pattern
  local out=() r ms
  for ((r = 0; r <= RUNS; r++)); do
    ms=$(crash)
    for _ in $(seq 200); do pgrep -f "$S/h/zstd.sh" >/dev/null || break; sleep 0.05; done
    rm -f "$S/out/"*
    [[ $r == 0 ]] || out+=("$ms")
  done
  echo "${out[*]}"
}

agent_phase() { # $1: CORONER_READ_AHEAD_MIB
  local ra=$1 cur out=() r
  rm -rf "$S/p" "$S/d"
  env -i PATH=/usr/bin:/bin HOME=/root JAVA="$JAVA" \
    CORONER_STORE=s3://bench/x AWS_ENDPOINT_URL_S3=http://127.0.0.1:9 AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench CORONER_CORE_HANDLER=socket \
    CORONER_PREFIX="$S/p" CORONER_DUMP_DIR="$S/d" CORONER_ANALYSIS=false CORONER_METRICS_PORT=0 \
    CORONER_SNAPSHOTS=false KUBECONFIG="$S/none" CORONER_READ_AHEAD_MIB="$ra" \
    "$REPO/bin/coroner-agent" run >"$S/agent-$ra.log" 2>&1 &
  AGENT=$!
  for _ in $(seq 600); do
    read -r cur <$SYS/kernel/core_pattern
    [[ $cur == @@* ]] && break
    kill -0 "$AGENT" 2>/dev/null || break
    sleep 0.1
  done
  [[ $cur == @@* ]] || { tail -20 "$S/agent-$ra.log" >&2; die "the agent did not take the socket"; }
  for ((r = 0; r <= RUNS; r++)); do
    ms=$(crash)
    sleep 0.5
    [[ $r == 0 ]] || out+=("$ms")
  done
  grep -h "core read in" "$S/p/receiver.log" | tail -n 2 | sed 's/^[^]]*\] /    receiver.log: /' >&2
  kill -TERM "$AGENT"
  wait "$AGENT" || true
  AGENT=
  echo "${out[*]}"
}

med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "agent-stall: $(uname -r), $(nproc) CPUs, $("$JAVA" -version 2>&1 | head -n1), $RUNS crashes per row, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
z1=$(zstd_phase)
a0=$(agent_phase 0)
aN=$(agent_phase "$RA")
z2=$(zstd_phase)
# shellcheck disable=SC2086
zm=$(med $z1 $z2)
ratio() { awk -v a="$1" -v z="$zm" 'BEGIN {printf "%.2fx", a / z}'; }
# shellcheck disable=SC2086
m0=$(med $a0)
# shellcheck disable=SC2086
mN=$(med $aN)
printf '%-28s %-48s %8s %8s\n' "handler" "stall of each crash, ms" "median" "vs zstd"
printf '%-28s %-48s %8s %8s\n' "zstd -3 pipe (first)" "$z1" "$(med $z1)" ""
printf '%-28s %-48s %8s %8s\n' "agent, read-ahead 0" "$a0" "$m0" "$(ratio "$m0")"
printf '%-28s %-48s %8s %8s\n' "agent, read-ahead $RA MiB" "$aN" "$mN" "$(ratio "$mN")"
printf '%-28s %-48s %8s %8s\n' "zstd -3 pipe (last)" "$z2" "$(med $z2)" ""
echo "(vs zstd: against the median of both zstd rows, $zm ms)"
echo "agent_ra0_ms=$m0 agent_ra${RA}_ms=$mN zstd_ms=$zm"
