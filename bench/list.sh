#!/usr/bin/env bash
# bench/list.sh - what `coroner list` costs on a big S3 store: time and HTTP requests.
#
# Measures in one run, against s3proxy 2.6.0 (filesystem blob store) on loopback over plain http
# (a listing sends no payload worth protecting here, and both clients pay the same for TLS in
# the field):
#
#  0. FILL: s3://bench/prod/ gets --dumps (2000) small dumps (a zip with dump-info.json and a
#     1 KiB "core"), spread over 4 namespaces, written through coroner's own upload path by
#     bench/list/Populate.java (VerifiedUploads.upload, then flushIndex() once): --nodes (4)
#     writers in parallel, one S3Store each with index id bench-node-K, so the store holds one
#     listing index per node, as a cluster's agents leave it.
#  1. TIME: --runs (5) rounds, interleaved (the order alternates per round), after one warm-up
#     of each, of
#       bin/coroner list --store s3://bench/prod --s3-endpoint URL -o json >/dev/null
#       aws s3api list-objects-v2 --bucket bench --prefix prod/ --encoding-type '' >/dev/null
#     each timed as a whole command (JVM resp. Python start included); the CLI paginates all
#     pages itself, and lists coroner's own objects under prod/~coroner/ too (about one per
#     dump), which coroner's listing stops before. Medians; the ratio is coroner / aws.
#     --encoding-type '' works around an s3proxy quirk: the CLI asks for encoding-type=url by
#     default, s3proxy then URL-encodes NextContinuationToken (AWS never does: tokens are
#     opaque), the CLI sends it back as it came, and a token inside prod/~coroner/ (~ becomes
#     %7E, which sorts before every dump) restarts the listing: it never ends. With an empty
#     encoding type nothing is encoded; the requests are the same. coroner's SDK sends no
#     encoding type.
#  2. COUNT: one more listing of each through bench/list/tap.py, a transparent TCP relay in
#     front of s3proxy that logs every HTTP request line; coroner's requests by kind, and per
#     1,000 dumps.
#  3. WITHOUT THE INDEX (as before): the index objects are deleted
#     (aws s3 rm --recursive s3://bench/prod/~coroner/index/) and coroner lists once timed
#     directly and once counted through the relay: it then sends one HEAD per dump.
#
# On loopback a request pays no round trip, so the HEADs without the index (8 at a time) cost
# little time here; against AWS each one pays the network's round trip, and the request count
# is the figure that carries over. s3proxy's filesystem store answers each LIST by reading its
# directories (hundreds of ms here, even for a prefix with 4 keys), which weighs on both sides.
#
# Every counted listing must return exactly --dumps entries, all readable, with distinct names,
# and the listing without the index must show the same rows as the one with it
# (bench/list/check.py); else the script fails.
#
# Targets: coroner list <= 2x the time of aws s3api list-objects-v2, and <= 2 requests per
# 1,000 dumps. The script reports them; its exit code only says whether the measurement itself
# worked.
#
# Needs java, python3, curl and the AWS CLI (installed with apt-get install awscli if missing,
# which needs root); it changes nothing outside its scratch directory. On exit (also on error
# or Ctrl-C) the relay and s3proxy are stopped by PID and the scratch directory is removed;
# KEEP_SCRATCH=1 in the environment keeps it (s3proxy log, relay log, listings) for a
# post-mortem.
#
# The last line is machine-readable:
#   list_vs_awscli=X.XX requests_per_1000=N.N dumps=N
#
# Usage: bench/list.sh [--dumps N (2000)] [--runs N (5)] [--nodes N (4)]
#                      [--scratch-base DIR (/var/tmp)]
set -euo pipefail

DUMPS=2000
RUNS=5
NODES=4
SCRATCH_BASE=/var/tmp

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "list.sh: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --dumps) DUMPS=${2:?--dumps needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --nodes) NODES=${2:?--nodes needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for v in DUMPS RUNS NODES; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer: '${!v}'"
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE=$REPO/bench/list
CLI=$REPO/coroner-cli/target
JAVA=$(command -v java) || die "java is not installed"
PYTHON=$(command -v python3) || die "python3 is not installed"
command -v curl >/dev/null || die "curl is not installed"

if ! command -v aws >/dev/null; then
  [[ $EUID -eq 0 ]] || die "the AWS CLI is not installed (apt-get install awscli, as root)"
  echo "installing the AWS CLI (apt-get install awscli) ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q awscli >/dev/null || die "cannot install awscli"
fi
AWS=$(command -v aws)
# A pyenv shim re-dispatches through bash on every call; time the CLI itself.
if [[ $AWS == */shims/aws ]] && command -v pyenv >/dev/null; then
  AWS=$(pyenv which aws 2>/dev/null) || AWS=$(command -v aws)
fi

if [[ ! -f $CLI/coroner-cli.jar || ! -d $CLI/lib ]]; then
  echo "the CLI is not built; building ..." >&2
  (cd "$REPO" && ./mvnw -q -o install -DskipTests) || die "build failed; run: (cd $REPO && ./mvnw -q -o install -DskipTests)"
fi

mkdir -p "$SCRATCH_BASE"
S=$(mktemp -d "$SCRATCH_BASE/coroner-list-bench.XXXXXX")
S3_PID=
TAP_PID=
CLEANED=

# Stops process $1 (started by this script): SIGTERM, then SIGKILL after $2 seconds.
stop_pid() {
  local pid=$1 deadline=$((SECONDS + $2))
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [[ $SECONDS -ge $deadline ]]; then
      echo "list.sh: pid $pid did not stop within $2 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  [[ -z $CLEANED ]] || return 0
  CLEANED=1
  set +e
  cd /
  stop_pid "$TAP_PID" 10
  TAP_PID=
  stop_pid "$S3_PID" 20
  S3_PID=
  if [[ -n ${KEEP_SCRATCH:-} ]]; then
    echo "list.sh: kept the scratch directory $S" >&2
  else
    rm -rf "$S"
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# --- helpers ------------------------------------------------------------------------------

now_us() { local t=${EPOCHREALTIME//[.,]/}; echo $((10#$t)); }

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }
secs() { fmt '%.2f' "$(calc "$1 / 1000000")"; } # microseconds -> "s.ss"

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # wait_port PORT PID WHAT LOG: until something answers http on PORT
  local deadline=$((SECONDS + 60))
  until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; do
    kill -0 "$2" 2>/dev/null || { cat "$4" >&2; die "$3 exited"; }
    [[ $SECONDS -lt $deadline ]] || die "$3 did not answer within 60 s"
    sleep 0.2
  done
}

s3() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }

# Runs one timed command (stdout to $1, stderr to $S/err): sets T_START (epoch us, just before
# the launch), T_US (wall, until it exited) and T_CPU (its user+system CPU s); a failure, or
# 300 s without an end, ends the run.
timed() {
  local out=$1 t0 t1 rc=0 TIMEFORMAT='%3U %3S'
  shift
  t0=$(now_us)
  { time timeout --foreground 300 "$@" >"$out" 2>"$S/err"; } 2>"$S/time" || rc=$?
  t1=$(now_us)
  [[ $rc -ne 124 ]] || die "no end within 300 s: $*"
  [[ $rc -eq 0 ]] || { cat "$S/err" >&2; die "failed ($rc): $*"; }
  T_START=$t0
  T_US=$((t1 - t0))
  T_CPU=$(awk '{ printf "%.2f", $1 + $2 }' "$S/time")
}

coroner_list() { # coroner_list ENDPOINT OUT
  timed "$2" "$REPO/bin/coroner" list --store s3://bench/prod --s3-endpoint "$1" -o json
}

aws_list() { # aws_list ENDPOINT OUT
  timed "$2" "$AWS" --endpoint-url "$1" s3api list-objects-v2 --bucket bench --prefix prod/ --encoding-type ''
}

# The requests the relay logged after its line $1, by kind: sets REQS, REQ_KINDS, and REQ_FIRST
# and REQ_LAST (epoch microseconds of the first and the last request line).
requests_since() {
  local kinds
  REQS=$(($(wc -l <"$TAP_LOG") - $1))
  kinds=$(tail -n "+$(($1 + 1))" "$TAP_LOG" | awk '
    NR == 1 { first = $1 }
    { last = $1; c[$2] = 1 }
    $3 == "GET" && $4 ~ /list-type=2/ { if ($4 ~ /index/) li++; else l++; next }
    $3 == "GET" { g++; next }
    $3 == "HEAD" { h++; next }
    { o++ }
    END {
      n = 0; for (k in c) n++
      printf "%.0f %.0f ", first, last
      printf "%d LIST of prefix/, %d LIST of the indexes, %d GET, %d HEAD", l, li, g, h
      if (o) printf ", %d other", o
      printf "; %d connection(s)", n
    }')
  read -r REQ_FIRST REQ_LAST REQ_KINDS <<<"$kinds"
}

# "A ms to the first request, B ms from the first to the last, C ms after it" for a counted run.
phases() {
  echo "$(((REQ_FIRST - T_START) / 1000)) ms start-up to the first request, $(((REQ_LAST - REQ_FIRST) / 1000)) ms first to last request, $(((T_START + T_US - REQ_LAST) / 1000)) ms after the last"
}

# --- setup ----------------------------------------------------------------------------------

echo "scratch: $S" >&2
mkdir -p "$S/blobs" "$S/aws" "$S/zips"
S3_PORT=$(free_port)
TAP_PORT=$(free_port)
[[ $TAP_PORT != "$S3_PORT" ]] || TAP_PORT=$(free_port)
ENDPOINT=http://127.0.0.1:$S3_PORT
TAPPED=http://127.0.0.1:$TAP_PORT
TAP_LOG=$S/tap.log
ACCESS=coroner-bench
SECRET=coroner-bench-secret-key

# The AWS CLI and coroner: the scratch server and credentials only, nothing from ~/.aws.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE
export AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$S/aws/config AWS_SHARED_CREDENTIALS_FILE=$S/aws/credentials
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_S3=$ENDPOINT
# Newer CLIs send CRC trailers by default, which s3proxy rejects.
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

echo "resolving s3proxy's class path (bench/upload/pom.xml) ..." >&2
if ! (cd "$REPO" && ./mvnw -q -o -f bench/upload/pom.xml dependency:build-classpath -DincludeScope=runtime \
  -Dmdep.outputFile="$S/s3proxy.cp" >"$S/mvn.log" 2>&1); then
  echo "  not all of it is in the local repository; resolving online ..." >&2
  (cd "$REPO" && ./mvnw -q -f bench/upload/pom.xml dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile="$S/s3proxy.cp" >"$S/mvn.log" 2>&1) || { cat "$S/mvn.log" >&2; die "cannot resolve s3proxy"; }
fi
cat >"$S/s3proxy.conf" <<EOF
s3proxy.endpoint=$ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS
s3proxy.credential=$SECRET
s3proxy.ignore-unknown-headers=true
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S/blobs
jclouds.identity=$ACCESS
jclouds.credential=$SECRET
EOF
echo "starting s3proxy on $ENDPOINT ..." >&2
(cd "$S" && exec "$JAVA" -Dlogback.configurationFile="$REPO/bench/upload/logback.xml" -cp "$(<"$S/s3proxy.cp")" \
  org.gaul.s3proxy.Main --properties "$S/s3proxy.conf" >"$S/s3proxy.log" 2>&1) &
S3_PID=$!
wait_port "$S3_PORT" "$S3_PID" s3proxy "$S/s3proxy.log"
s3 s3 mb s3://bench >/dev/null || die "cannot create the bucket"

echo "starting the request-counting relay on $TAPPED ..." >&2
: >"$TAP_LOG"
"$PYTHON" "$HERE/tap.py" "$TAP_PORT" 127.0.0.1 "$S3_PORT" "$TAP_LOG" 2>"$S/tap.err" &
TAP_PID=$!
wait_port "$TAP_PORT" "$TAP_PID" "the relay" "$S/tap.err"

# --- 0. fill the store through coroner's upload path -------------------------------------------

echo "uploading $DUMPS dumps from $NODES nodes (bench/list/Populate.java) ..." >&2
t0=$(now_us)
(cd "$REPO" && exec timeout --foreground 1800 "$JAVA" -cp "$CLI/coroner-cli.jar:$CLI/lib/*" "$HERE/Populate.java" \
  "$ENDPOINT" s3://bench/prod "$DUMPS" "$NODES" "$S/zips" >"$S/populate.out" 2>"$S/populate.log") ||
  { tail -n 30 "$S/populate.log" >&2; die "Populate.java failed"; }
FILL_US=$(($(now_us) - t0))
aws_list "$ENDPOINT" "$S/objects.json"
read -r OBJECTS ZIPS INDEXES INDEX_BYTES < <("$PYTHON" -c '
import json, sys
keys = {o["Key"]: o["Size"] for o in json.load(open(sys.argv[1])).get("Contents", [])}
index = [k for k in keys if k.startswith("prod/~coroner/index/") and k.endswith(".json")]
print(len(keys), sum(1 for k in keys if k.endswith(".zip")), len(index), sum(keys[k] for k in index))
' "$S/objects.json") || die "cannot read the bucket listing"
[[ $ZIPS -eq $DUMPS ]] || die "expected $DUMPS zips in s3://bench/prod/, found $ZIPS"
[[ $INDEXES -eq $NODES ]] || die "expected $NODES listing indexes, found $INDEXES"

# --- 1. time: coroner list against aws s3api list-objects-v2 -----------------------------------

declare -a C_US C_CPU A_US A_CPU
echo "warm-up: one listing of each ..." >&2
coroner_list "$ENDPOINT" /dev/null
aws_list "$ENDPOINT" /dev/null
echo "timing: $RUNS rounds x (coroner list, aws s3api list-objects-v2) ..." >&2
for ((r = 0; r < RUNS; r++)); do
  if ((r % 2 == 0)); then order=(coroner aws); else order=(aws coroner); fi
  for who in "${order[@]}"; do
    if [[ $who == coroner ]]; then
      coroner_list "$ENDPOINT" /dev/null
      C_US+=("$T_US") C_CPU+=("$T_CPU")
    else
      aws_list "$ENDPOINT" /dev/null
      A_US+=("$T_US") A_CPU+=("$T_CPU")
    fi
  done
  echo "  round $((r + 1)): coroner $(secs "${C_US[r]}") s, aws $(secs "${A_US[r]}") s" >&2
done

# --- 2. count requests through the relay ---------------------------------------------------------

echo "counting requests through the relay ..." >&2
n0=$(wc -l <"$TAP_LOG")
coroner_list "$TAPPED" "$S/with-index.json"
TAP_US=$T_US
requests_since "$n0"
REQS_INDEX=$REQS KINDS_INDEX=$REQ_KINDS PHASES_INDEX=$(phases)
CHECK_INDEX=$("$PYTHON" "$HERE/check.py" "$S/with-index.json" "$DUMPS") ||
  die "coroner list (with the index) is wrong: $CHECK_INDEX"
n0=$(wc -l <"$TAP_LOG")
aws_list "$TAPPED" "$S/aws.json"
AWS_TAP_US=$T_US
requests_since "$n0"
REQS_AWS=$REQS PHASES_AWS=$(phases)
AWS_KEYS=$("$PYTHON" -c 'import json, sys; print(len(json.load(open(sys.argv[1])).get("Contents", [])))' "$S/aws.json")

# --- 3. without the index (as before) ------------------------------------------------------------

echo "deleting the listing indexes; listing without them ..." >&2
s3 s3 rm --quiet --recursive s3://bench/prod/~coroner/index/ >/dev/null || die "cannot delete the indexes"
coroner_list "$ENDPOINT" /dev/null
NOIDX_US=$T_US NOIDX_CPU=$T_CPU
n0=$(wc -l <"$TAP_LOG")
coroner_list "$TAPPED" "$S/without-index.json"
NOIDX_TAP_US=$T_US
requests_since "$n0"
REQS_NOIDX=$REQS KINDS_NOIDX=$REQ_KINDS PHASES_NOIDX=$(phases)
CHECK_NOIDX=$("$PYTHON" "$HERE/check.py" "$S/without-index.json" "$DUMPS" "$S/with-index.json") ||
  die "coroner list (without the index) is wrong: $CHECK_NOIDX"

cleanup
set -e # cleanup turned it off

# --- report ------------------------------------------------------------------------------------

list_s() { local o='' v; for v in "$@"; do o+="$(secs "$v") "; done; echo "${o% }"; }
per1000() { fmt '%.1f' "$(calc "$1 * 1000 / $DUMPS")"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
C_MED=$(median "${C_US[@]}")
A_MED=$(median "${A_US[@]}")
RATIO=$(fmt '%.2f' "$(calc "$C_MED / $A_MED")")
PER1000=$(per1000 "$REQS_INDEX")
jver=$("$JAVA" -version 2>&1 | head -n1 | sed 's/.*version "\([^"]*\)".*/\1/')

echo
echo "coroner list benchmark: $(uname -r), $(nproc) CPUs, java $jver, $("$AWS" --version 2>&1 | cut -d' ' -f1), s3proxy 2.6.0 (filesystem) on loopback, plain http"
echo "store: s3://bench/prod/ with $DUMPS dumps from $NODES nodes, uploaded by Populate.java in $(secs "$FILL_US") s;"
echo "  $OBJECTS keys under prod/: the zips, their dump-info under ~coroner/info/, $NODES listing indexes of"
echo "  $(fmt '%.0f' "$(calc "$INDEX_BYTES / 1024")") KiB together ($(fmt '%.0f' "$(calc "$INDEX_BYTES / $DUMPS")") bytes per dump), and s3proxy's directory placeholders"
echo
echo "1. Listing, $RUNS interleaved runs each (after one warm-up), whole command:"
printf '  %-44s %-30s %9s %7s %7s\n' lister "runs s" "median s" "vs aws" "CPU s"
printf '  %-44s %-30s %9s %7s %7s\n' "coroner list -o json" "$(list_s "${C_US[@]}")" "$(secs "$C_MED")" \
  "${RATIO}x" "$(median "${C_CPU[@]}")"
printf '  %-44s %-30s %9s %7s %7s\n' "aws s3api list-objects-v2 --prefix prod/" "$(list_s "${A_US[@]}")" \
  "$(secs "$A_MED")" "1.00x" "$(median "${A_CPU[@]}")"
echo "  (CPU s = user+system CPU time of the lister, median; aws lists all $AWS_KEYS objects under prod/,"
echo "   coroner stops before prod/~coroner/ and reads the indexes)"
echo
echo "2. HTTP requests per listing (counted by bench/list/tap.py in front of s3proxy):"
printf '  %-36s %8s %10s   %s\n' listing requests "per 1,000" "by kind"
printf '  %-36s %8s %10s   %s\n' "coroner list, with the index" "$REQS_INDEX" "$PER1000" "$KINDS_INDEX"
printf '  %-36s %8s %10s   %s\n' "aws s3api list-objects-v2" "$REQS_AWS" "$(per1000 "$REQS_AWS")" "one LIST per page of 1,000 keys"
printf '  %-36s %8s %10s   %s\n' "coroner list, without the index" "$REQS_NOIDX" "$(per1000 "$REQS_NOIDX")" "$KINDS_NOIDX"
echo
echo "3. Without the index (as before): coroner list $(secs "$NOIDX_US") s (CPU $NOIDX_CPU s); with the index: $(secs "$C_MED") s (median above)"
echo
echo "   Where a counted listing's time goes (through the relay, from the relay's request times):"
echo "     with the index    $(secs "$TAP_US") s: $PHASES_INDEX"
echo "     without the index $(secs "$NOIDX_TAP_US") s: $PHASES_NOIDX"
echo "     aws s3api         $(secs "$AWS_TAP_US") s: $PHASES_AWS"
echo "   (requests go one after another except the HEADs, 8 at a time; s3proxy's filesystem store"
echo "   answers a LIST by reading its directories, so on this server a LIST page costs most)"
echo
echo "Correctness (bench/list/check.py):"
echo "  with the index:    $CHECK_INDEX"
echo "  without the index: $CHECK_NOIDX"
echo
echo "Targets:"
echo "  coroner list <= 2x aws s3api list-objects-v2:  ${RATIO}x  $(verdict "$RATIO <= 2.0")"
echo "  <= 2 requests per 1,000 dumps (with the index): $PER1000  $(verdict "$PER1000 <= 2.0")"
echo "list_vs_awscli=$RATIO requests_per_1000=$PER1000 dumps=$DUMPS"
