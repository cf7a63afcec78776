#!/usr/bin/env bash
# bench/scrub.sh - how fast coroner-scrub blanks secrets in a core, against grep for the same
# patterns over the same file.
#
# Measures in one run:
#
#  1. CORPUS: bench/scrub-corpus.py writes a --size-mib ELF core (ET_CORE, x86_64; writable
#     PT_LOADs of 16 MiB and a PT_NOTE) from 1 MiB blocks: 40 % zero pages, 15 % sparse (one
#     binary page in four), 15 % binary (pointers, V8 Smis, doubles, random words), 15 % text
#     (JSON logs, HTTP headers, JS source; a third UTF-16LE) with a secret every few KiB, and
#     15 % slices of a gcore of a live node process holding 200k objects. Plus the same patterns
#     as grep EREs (narrow.grep: one-byte forms; all.grep: plus the UTF-16LE forms, NUL bytes in
#     the patterns) and an environ with the three env-secret values. The file is page-cached.
#  2. SCRUB: `java -jar coroner-scrub.jar --threads T --environ environ CORE` on a fresh copy of
#     the corpus each time (cp + sync, not timed), T = 1 and T = 2 (the pool). MiB/s is the
#     scrub's own wall time (the JVM's start is not counted; its JIT is). "warm" runs first
#     scrub a 256 MiB corpus in the same JVM first, as a long-lived agent would have. cpu MiB/s divides
#     by the CPU time of the whole JVM during the scrub (scan threads, JIT, GC): per core.
#  3. GREP: `LC_ALL=C grep -a -c -E -f narrow.grep CORE` and the same with all.grep; MiB/s by
#     wall time, cpu MiB/s by user+sys.
#  Runs are round-robin across the six, --runs rounds after one warm-up round that is not
#  counted; medians are reported. MiB = 2^20 bytes.
#
# Targets: scrub >= 200 MiB/s per core; scrub >= 1.0x grep (narrow patterns; the UTF-16LE forms
# are the fair comparison, since the scrubber looks for both). The machine is shared: compare the
# ratios of one run, not figures across runs. The exit code only says whether the measurement
# itself worked.
#
# The last line is machine-readable:
#   scrub1_mibs=N scrub2_mibs=N scrub1_cpu_mibs=N grep_mibs=N grep16_mibs=N ratio1=X.XX ratio2=X.XX
#
# --pipeline measures instead the time from crash to verified object through the agent's real path
# (the example Node.js app crashing under the composer the agent installed, the agent uploading
# to s3proxy; bench/upload.sh with --runs 1 --size-mib 64 --idle-s 1), --crashes times each with
# CORONER_SCRUB=off, with default, and with default plus age encryption, and prints the medians
# side by side. Root; it sets kernel.core_pattern while it runs, as bench/upload.sh does. Its last
# line: crash_to_object_off_s=X.XX crash_to_object_scrub_s=X.XX crash_to_object_scrub_age_s=X.XX
#
# Usage: bench/scrub.sh [--size-mib N (1024)] [--runs N (3)] [--scratch-base DIR (/var/tmp)]
#        bench/scrub.sh --pipeline [--crashes N (5)]
set -euo pipefail

SIZE_MIB=1024
RUNS=3
SCRATCH_BASE=/var/tmp
PIPELINE=
CRASHES=5

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "scrub.sh: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --size-mib) SIZE_MIB=${2:?--size-mib needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    --pipeline) PIPELINE=1; shift ;;
    --crashes) CRASHES=${2:?--crashes needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for v in SIZE_MIB RUNS CRASHES; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer: '${!v}'"
done

if [[ -n $PIPELINE ]]; then
  # Crash to verified object, the agent's path, without and with scrubbing (and encryption).
  UPLOAD=$(cd "$(dirname "$0")" && pwd)/upload.sh
  declare -A CTO
  for variant in off scrub scrub_age; do
    args=(--runs 1 --size-mib 64 --idle-s 1 --crashes "$CRASHES" --scratch-base "$SCRATCH_BASE")
    case $variant in
      off) args+=(--scrub off) ;;
      scrub) args+=(--scrub default) ;;
      scrub_age) args+=(--scrub default --encrypt) ;;
    esac
    echo "pipeline: $variant (bench/upload.sh ${args[*]}) ..." >&2
    out=$("$UPLOAD" "${args[@]}") || die "bench/upload.sh failed for $variant"
    printf '%s\n' "$out" | sed -n '/^ *crash /,/^$/p' >&2
    CTO[$variant]=$(grep -o 'crash_to_object_s=[0-9.]*' <<<"$out" | tail -n1 | cut -d= -f2)
    [[ -n ${CTO[$variant]} ]] || die "no crash_to_object_s from bench/upload.sh ($variant)"
  done
  echo
  echo "crash to verified object, example app on s3proxy, median of $CRASHES crashes ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-40s %8s %8s\n' "" "seconds" "vs off"
  for variant in off scrub scrub_age; do
    label=$variant
    case $variant in
      off) label="CORONER_SCRUB=off" ;;
      scrub) label="CORONER_SCRUB=default" ;;
      scrub_age) label="CORONER_SCRUB=default + age encryption" ;;
    esac
    printf '%-40s %8s %8s\n' "$label" "${CTO[$variant]}" "$(awk -v a="${CTO[$variant]}" -v b="${CTO[off]}" 'BEGIN { printf "%.2fx", a / b }')"
  done
  echo "crash_to_object_off_s=${CTO[off]} crash_to_object_scrub_s=${CTO[scrub]} crash_to_object_scrub_age_s=${CTO[scrub_age]}"
  exit 0
fi
[[ $SIZE_MIB -ge 64 ]] || die "--size-mib must be at least 64"

REPO=$(cd "$(dirname "$0")/.." && pwd)
JAR=$REPO/coroner-scrub/target/coroner-scrub-0.1.0-SNAPSHOT.jar
command -v java >/dev/null || die "java is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
command -v node >/dev/null || die "node is not installed"
command -v gcore >/dev/null || die "gcore (gdb) is not installed"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is not installed: apt-get install time"
if [[ ! -f $JAR ]]; then
  echo "coroner-scrub is not built; building ..." >&2
  (cd "$REPO" && ./mvnw -q -o -pl coroner-scrub package -DskipTests) ||
    die "build failed; run: (cd $REPO && ./mvnw -q -pl coroner-scrub package -DskipTests)"
fi

mkdir -p "$SCRATCH_BASE"
need=$(((3 * SIZE_MIB + 1200) * 1048576))
avail=$(df -B1 --output=avail "$SCRATCH_BASE" | tail -n1 | tr -d ' ')
[[ $avail -ge $need ]] ||
  die "need $((need >> 20)) MiB free in $SCRATCH_BASE (3x --size-mib and a gcore), only $((avail >> 20)) MiB"

S=$(mktemp -d "$SCRATCH_BASE/coroner-scrub-bench.XXXXXX")
NODE_PID=
cleanup() {
  set +e
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null
  rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ------------------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }

# A fresh, synced copy of the corpus: the scrub works in place.
fresh() {
  cp "$S/corpus/core" "$S/work.core"
  sync -f "$S/work.core"
}

# scrub THREADS WARM -> "MIBS CPU_MIBS" of the big core
scrub() {
  local threads=$1 warm=$2 out line mibs cpu
  fresh
  if [[ $warm == warm ]]; then
    cp "$S/warm/core" "$S/warm.core"
    out=$(java -jar "$JAR" --threads "$threads" --environ "$S/corpus/environ" "$S/warm.core" "$S/work.core")
  else
    out=$(java -jar "$JAR" --threads "$threads" --environ "$S/corpus/environ" "$S/work.core")
  fi
  line=$(grep "^$S/work.core: " <<<"$out") || die "scrub printed no report: $out"
  [[ $line == *": complete:"* ]] || die "scrub failed: $line"
  mibs=$(sed -E 's/.*; ([0-9.]+) MiB\/s;.*/\1/' <<<"$line")
  cpu=$(sed -E 's/.*; cpu ([0-9]+) ms;.*/\1/' <<<"$line")
  echo "$mibs $(calc "$SIZE_MIB / ($cpu / 1000)")"
}

# grep PATTERNS -> "MIBS CPU_MIBS"
grep_run() {
  local t
  # Not to /dev/null: GNU grep then stops at the first match.
  t=$(LC_ALL=C /usr/bin/time -f "%e %U %S" grep -a -c -E -f "$S/corpus/$1" "$S/corpus/core" 2>&1 >"$S/grep.count" | tail -n1)
  read -r wall user sys <<<"$t"
  echo "$(calc "$SIZE_MIB / $wall") $(calc "$SIZE_MIB / ($user + $sys)")"
}

# --- corpus -------------------------------------------------------------------------------

echo "building a ${SIZE_MIB} MiB corpus in $S ..." >&2
node -e 'const a = []; for (let i = 0; i < 200000; i++) a.push({ id: i, name: "user" + i, email: "u" + i + "@example.com" });
globalThis.keep = a; console.log("ready"); setInterval(() => {}, 1000);' >"$S/node.out" &
NODE_PID=$!
for _ in $(seq 100); do [[ -s $S/node.out ]] && break; sleep 0.1; done
gcore -o "$S/live" "$NODE_PID" >"$S/gcore.log" 2>&1 || die "gcore failed: $(tail -n3 "$S/gcore.log")"
LIVE=$S/live.$NODE_PID
kill "$NODE_PID"
wait "$NODE_PID" 2>/dev/null || true
NODE_PID=
[[ -s $LIVE ]] || die "gcore wrote no $LIVE"
mkdir -p "$S/corpus" "$S/warm"
python3 "$REPO/bench/scrub-corpus.py" "$S/corpus" "$SIZE_MIB" "$LIVE"
python3 "$REPO/bench/scrub-corpus.py" "$S/warm" 256 ""
rm -f "$LIVE"
cat "$S/corpus/core" >/dev/null

# --- runs ---------------------------------------------------------------------------------

declare -a S1 S1C S2 S2C W1 W1C W2 W2C G GC G16 G16C
for round in $(seq 0 "$RUNS"); do
  read -r a b <<<"$(scrub 1 cold)"
  [[ $round -eq 0 ]] || { S1+=("$a"); S1C+=("$b"); }
  read -r a b <<<"$(scrub 2 cold)"
  [[ $round -eq 0 ]] || { S2+=("$a"); S2C+=("$b"); }
  read -r a b <<<"$(scrub 1 warm)"
  [[ $round -eq 0 ]] || { W1+=("$a"); W1C+=("$b"); }
  read -r a b <<<"$(scrub 2 warm)"
  [[ $round -eq 0 ]] || { W2+=("$a"); W2C+=("$b"); }
  read -r a b <<<"$(grep_run narrow.grep)"
  [[ $round -eq 0 ]] || { G+=("$a"); GC+=("$b"); }
  read -r a b <<<"$(grep_run all.grep)"
  [[ $round -eq 0 ]] || { G16+=("$a"); G16C+=("$b"); }
  echo "round $round done" >&2
done

# What the scrub found (last run) and what grep still matches in a scrubbed copy: lookalikes
# (a Luhn-failing number, a URL without a password) and pieces the rules leave alone.
fresh
report=$(java -jar "$JAR" --threads 2 --environ "$S/corpus/environ" "$S/work.core" | sed "s|^$S/work.core: ||")
before=$(LC_ALL=C grep -a -c -E -f "$S/corpus/narrow.grep" "$S/corpus/core" || true)
after=$(LC_ALL=C grep -a -c -E -f "$S/corpus/narrow.grep" "$S/work.core" || true)

m() { median "$@"; }
s1=$(m "${S1[@]}") s1c=$(m "${S1C[@]}") s2=$(m "${S2[@]}") s2c=$(m "${S2C[@]}")
w1=$(m "${W1[@]}") w1c=$(m "${W1C[@]}") w2=$(m "${W2[@]}") w2c=$(m "${W2C[@]}")
g=$(m "${G[@]}") gc=$(m "${GC[@]}") g16=$(m "${G16[@]}") g16c=$(m "${G16C[@]}")

echo
echo "coroner-scrub vs grep, ${SIZE_MIB} MiB core-like file, median of $RUNS rounds ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %10s %10s %12s %12s\n' "" "MiB/s" "cpu MiB/s" "vs grep" "vs grep+16"
row() { printf '%-44s %10s %10s %12s %12s\n' "$1" "$(fmt %.0f "$2")" "$(fmt %.0f "$3")" "$(fmt %.2fx "$(calc "$2 / $g")")" "$(fmt %.2fx "$(calc "$2 / $g16")")"; }
row "scrub, 1 thread, cold JVM" "$s1" "$s1c"
row "scrub, pool of 2, cold JVM" "$s2" "$s2c"
row "scrub, 1 thread, warm JVM" "$w1" "$w1c"
row "scrub, pool of 2, warm JVM" "$w2" "$w2c"
row "grep -a -c -E (one-byte patterns)" "$g" "$gc"
row "grep -a -c -E (one-byte + UTF-16LE)" "$g16" "$g16c"
echo
echo "scrub report: $report"
echo "grep lines matching before / after the scrub: $before / $after"
echo "targets: >= 200 MiB/s per core: $(fmt %.0f "$s1c") (cold, 1 thread); >= 1.0x grep: $(fmt %.2fx "$(calc "$s1 / $g")") (1 thread), $(fmt %.2fx "$(calc "$s2 / $g")") (pool)"
echo "scrub1_mibs=$(fmt %.0f "$s1") scrub2_mibs=$(fmt %.0f "$s2") scrub1_cpu_mibs=$(fmt %.0f "$s1c") grep_mibs=$(fmt %.0f "$g") grep16_mibs=$(fmt %.0f "$g16") ratio1=$(fmt %.2f "$(calc "$s1 / $g")") ratio2=$(fmt %.2f "$(calc "$s2 / $g")")"
