#!/usr/bin/env bash
# bench/identity.sh - the stall the pod lookup adds to a crash (issue: pod identity through CRI).
#
# Runs IdentityStallBench (coroner-agent's test tree) on real parts: a real containerd started for
# the run (the test harness plays kubelet), the agent installed into a scratch prefix, and the
# example Node.js app crashing on the real kernel, --crashes (20) times in each of:
#   1. the agent answering the composer, each crash the first of a fresh container (pod and
#      container created for it: the runtime is asked over CRI);
#   2. the agent answering, one container crashing again and again (the agent remembers the
#      container's metadata and re-reads only its log);
#   3. no agent (killed; its socket refuses at once, the composer goes on with "unknown").
# Prints the medians of the composer's time from its start to reading the core (its own log),
# what rows 1 and 2 add over row 3, and the agent's own time per answer. Target: the median
# added stall <= 50 ms. The last line is machine-readable:
#   identity_stall_added_ms=N identity_stall_added_repeated_ms=N
#
# kernel.core_pattern is global: the run holds /tmp/coroner-kernel.lock (the tests take it too)
# and restores the kernel settings it found, also on failure. Needs root and bin/setup.
#
# It also prints the agent's RSS once it has answered and uploaded (with --nmt, the JVM's native
# memory tracking summary too).
#
# Usage: bench/identity.sh [--crashes N] [--nmt]
set -euo pipefail
CRASHES=20
NMT=false
while [[ $# -gt 0 ]]; do
  case $1 in
    --crashes) CRASHES=${2:?--crashes needs a value}; shift 2 ;;
    --nmt) NMT=true; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "identity.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $CRASHES =~ ^[1-9][0-9]*$ ]] || { echo "identity.sh: --crashes must be a positive integer" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "identity.sh: must run as root (it sets kernel.core_pattern)" >&2; exit 1; }
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! flock /tmp/coroner-kernel.lock ./mvnw -B -o -pl coroner-agent -am verify -DskipTests=false \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dit.test=IdentityStallBench -Dcrashes="$CRASHES" -Dnmt="$NMT" >"$out" 2>&1; then
  tail -60 "$out" >&2
  echo "identity.sh: the benchmark failed (full Maven output above)" >&2
  exit 1
fi
grep '^nmt: ' "$out" || true
sed -n '/^stall added by the pod lookup/,/^identity_stall_added_ms=/p' "$out"
