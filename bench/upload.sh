#!/usr/bin/env bash
# bench/upload.sh - what the coroner node agent costs and how fast it gets a dump off the node.
#
# Measures in one run (as root), against s3proxy 2.6.0 (filesystem blob store) on loopback,
# with ONE agent process (dev.coroner.agent.Main run, configured only by environment
# variables, CORONER_INSTALL=true with a scratch CORONER_PREFIX) for all three parts:
#
#  1. UPLOAD of a --size-mib (1024) MiB dump (a zip with one stored entry of random bytes and a
#     dump-info.json written by bench/upload/mkdump.py; page-cached; hard-linked into the dump
#     directory as NAME.zip.partial and renamed to NAME.zip): the agent, timed from the rename
#     until its "uploaded and verified" log line (its own millisecond timestamp), against
#     `aws s3 cp FILE s3://bench/x` (CLI defaults: 8 MiB parts, 10 concurrent requests) timed
#     as a whole command. --runs (3) of each, interleaved (the order alternates per round);
#     every object is deleted and `sync` run before each upload. Medians; MB/s = 10^6 bytes/s.
#  2. CRASH-TO-OBJECT latency: `node --abort-on-uncaught-exception
#     examples/crashing-nodejs-app/index.js` (SIGTRAP) under the composer the agent installed,
#     --crashes (3) times, from just before launching node until the agent's "uploaded and
#     verified" line for that dump (pid in the name); with a breakdown: node reaped, zip
#     renamed by the composer (composer.log), picked up by the agent, object verified.
#  3. IDLE cost: after all uploads, nothing happening (no scrapes either), for --idle-s (60) s:
#     max VmRSS from /proc/PID/status (sampled every second) and the CPU time delta
#     (utime+stime from /proc/PID/stat) of the agent's JVM.
#
# The endpoint is https on loopback by default, as S3 is reached in the field: a throwaway
# certificate for 127.0.0.1 that only this run's agent and CLI trust. Over https both uploaders
# send UNSIGNED-PAYLOAD (the agent still sends each part's MD5, which the server checks). --http
# uses plain http instead; there the AWS SDK for Java signs every part chunk by chunk
# (aws-chunked, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, which cannot be switched off over http)
# where the CLI hashes each part once. Both uploaders share this host's CPUs with s3proxy; the
# table shows each side's CPU time.
#
# Targets: agent upload throughput >= 1.0x `aws s3 cp`; crash-to-object <= 2 s (median);
# idle RSS <= 96 MiB; idle CPU about 0 %. The script reports them; its exit code only says
# whether the measurement itself worked.
#
# The agent runs exactly as `java [--java-opts] -cp "coroner-agent.jar:lib/*"
# dev.coroner.agent.Main run` with the agent's defaults unless overridden here (part size 16M,
# parallelism 4, sweep interval 30s); by default the JVM options are those of bin/coroner-agent
# (@coroner-agent/jvm.options); --java-opts replaces them, e.g. --java-opts
# '@coroner-agent/jvm.options -XX:NativeMemoryTracking=summary' adds the JVM's memory account.
#
# kernel.core_pattern is global: while this runs, crashes anywhere on the host go to the
# scratch composer. On exit (also on error or Ctrl-C) the agent is stopped with SIGTERM (it
# restores the kernel settings itself) and then core_pattern, core_pipe_limit and
# fs.suid_dumpable are written back to the values found at start, every process the script
# started is stopped by PID, and the scratch directory is removed.
#
# KEEP_SCRATCH=1 in the environment keeps the scratch directory (agent, s3proxy and composer
# logs) for a post-mortem; remove it by hand afterwards.
#
# The last line is machine-readable:
#   upload_vs_awscli=X.XX crash_to_object_s=X.XX idle_rss_mib=N idle_cpu_pct=X.X
#
# Usage: bench/upload.sh [--runs N (3)] [--size-mib N (1024)] [--crashes N (3)]
#                        [--idle-s N (60)] [--scratch-base DIR (/var/tmp)]
#                        [--java-opts 'OPTS' (@coroner-agent/jvm.options)] [--part-size SIZE (agent default)]
#                        [--parallelism N (agent default)] [--sweep-interval D (agent default)] [--http]
#                        [--scrub off|default|drop-heap (off)] [--encrypt]
#
# --scrub sets CORONER_SCRUB (off here: the synthetic dump's core is random bytes, which the
# scrubber would read as text; the agent's own default is "default"). --encrypt encrypts every
# dump to a throwaway age recipient (CORONER_ENCRYPT_RECIPIENTS; objects NAME.zip.age).
# bench/scrub.sh runs this twice to compare crash-to-object with and without scrubbing.
set -euo pipefail

RUNS=3
SIZE_MIB=1024
CRASHES=3
IDLE_S=60
SCRATCH_BASE=/var/tmp
JAVA_OPTS=@coroner-agent/jvm.options
PART_SIZE=
PARALLELISM=
SWEEP=
TLS=1
SCRUB=off
ENCRYPT=

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "upload.sh: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --size-mib) SIZE_MIB=${2:?--size-mib needs a value}; shift 2 ;;
    --crashes) CRASHES=${2:?--crashes needs a value}; shift 2 ;;
    --idle-s) IDLE_S=${2:?--idle-s needs a value}; shift 2 ;;
    --scratch-base) SCRATCH_BASE=${2:?--scratch-base needs a value}; shift 2 ;;
    --java-opts) JAVA_OPTS=${2?--java-opts needs a value}; shift 2 ;;
    --part-size) PART_SIZE=${2:?--part-size needs a value}; shift 2 ;;
    --parallelism) PARALLELISM=${2:?--parallelism needs a value}; shift 2 ;;
    --sweep-interval) SWEEP=${2:?--sweep-interval needs a value}; shift 2 ;;
    --http) TLS=; shift ;;
    --scrub) SCRUB=${2:?--scrub needs a value}; shift 2 ;;
    --encrypt) ENCRYPT=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for v in RUNS SIZE_MIB CRASHES IDLE_S; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer: '${!v}'"
done

[[ $EUID -eq 0 ]] || die "must be run as root (the agent changes kernel.core_pattern)"

REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE=$REPO/bench/upload
APP=$REPO/examples/crashing-nodejs-app/index.js
AGENT_JAR=$REPO/coroner-agent/target/coroner-agent.jar
NODE=$(command -v node) || die "node is not installed"
JAVA=$(command -v java) || die "java is not installed"
PYTHON=$(command -v python3) || die "python3 is not installed"
command -v curl >/dev/null || die "curl is not installed"
[[ -f $APP ]] || die "no example app at $APP"

if ! command -v aws >/dev/null; then
  echo "installing the AWS CLI (apt-get install awscli) ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q awscli >/dev/null || die "cannot install awscli"
fi
AWS=$(command -v aws)
# A pyenv shim re-dispatches through bash on every call; time the CLI itself.
if [[ $AWS == */shims/aws ]] && command -v pyenv >/dev/null; then
  AWS=$(pyenv which aws 2>/dev/null) || AWS=$(command -v aws)
fi

if [[ ! -f $AGENT_JAR || ! -d $REPO/coroner-agent/target/lib ]]; then
  echo "the agent is not built; building ..." >&2
  (cd "$REPO" && ./mvnw -q -o install -DskipTests) || die "build failed; run: (cd $REPO && ./mvnw -q -o install -DskipTests)"
fi

SYS=/proc/sys
ORIG_PATTERN=$(<$SYS/kernel/core_pattern)
ORIG_PIPE_LIMIT=$(<$SYS/kernel/core_pipe_limit)
ORIG_SUID=$(<$SYS/fs/suid_dumpable)

# Free space: the dump, the object and its parts while s3proxy assembles it, plus margin.
mkdir -p "$SCRATCH_BASE"
need=$(((3 * SIZE_MIB + 1024) * 1048576))
avail=$(df -B1 --output=avail "$SCRATCH_BASE" | tail -n1 | tr -d ' ')
[[ $avail -ge $need ]] ||
  die "need $((need >> 20)) MiB free in $SCRATCH_BASE, only $((avail >> 20)) MiB"

S=$(mktemp -d "$SCRATCH_BASE/cu.XXXXXX") # short: the composer's path goes into core_pattern
AGENT_PID=
S3_PID=
CLEANED=
AGENT_RESTORED=unknown

# Usermode helpers (core handlers) are children of kthreadd; kernel threads show as [name].
helper_pids() {
  ps --ppid 2 -o pid=,args= | awk '$2 !~ /^\[/ { print $1 }'
}

wait_helpers() {
  local deadline=$((SECONDS + $1))
  while [[ -n $(helper_pids) ]]; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.05
  done
}

# Stops process $1 (started by this script): SIGTERM, then SIGKILL after $2 seconds.
stop_pid() {
  local pid=$1 deadline=$((SECONDS + $2))
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [[ $SECONDS -ge $deadline ]]; then
      echo "upload.sh: pid $pid did not stop within $2 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
}

restore_kernel() {
  printf '%s\n' "$ORIG_SUID" >$SYS/fs/suid_dumpable
  printf '%s\n' "$ORIG_PIPE_LIMIT" >$SYS/kernel/core_pipe_limit
  printf '%s\n' "$ORIG_PATTERN" >$SYS/kernel/core_pattern
}

kernel_restored() {
  [[ $(<$SYS/kernel/core_pattern) == "$ORIG_PATTERN" && $(<$SYS/kernel/core_pipe_limit) == "$ORIG_PIPE_LIMIT" &&
    $(<$SYS/fs/suid_dumpable) == "$ORIG_SUID" ]]
}

cleanup() {
  [[ -z $CLEANED ]] || return 0
  CLEANED=1
  set +e
  cd /
  if [[ -n $AGENT_PID ]]; then
    stop_pid "$AGENT_PID" 60 # SIGTERM: the agent restores the kernel settings itself
    if kernel_restored; then AGENT_RESTORED=yes; else AGENT_RESTORED=no; fi
    AGENT_PID=
  fi
  restore_kernel # in any case: write the values found at start
  wait_helpers 60 || echo "upload.sh: a core handler is still running: $(helper_pids | tr '\n' ' ')" >&2
  restore_kernel
  kernel_restored || {
    echo "upload.sh: WARNING: could not restore the kernel settings; set them by hand:" >&2
    echo "  core_pattern='$ORIG_PATTERN' core_pipe_limit=$ORIG_PIPE_LIMIT suid_dumpable=$ORIG_SUID" >&2
  }
  stop_pid "$S3_PID" 20
  S3_PID=
  [[ -n ${KEEP_SCRATCH:-} ]] || rm -rf "$S"
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
ms() { fmt '%.0f' "$(calc "$1 / 1000")"; }      # microseconds -> "ms"

HZ=$(getconf CLK_TCK)
cpu_ticks() { # utime + stime of process $1 (all its threads), in clock ticks
  local stat rest f
  stat=$(<"/proc/$1/stat")
  rest=${stat##*) }
  read -ra f <<<"$rest"
  echo $((f[11] + f[12]))
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

agent_alive() {
  kill -0 "$AGENT_PID" 2>/dev/null || { tail -n 30 "$S/agent.log" >&2; die "the agent exited"; }
}

# Number of agent log lines containing the fixed string $1.
log_count() { grep -cF -- "$1" "$S/agent.log" || true; }

# The agent's JSON log timestamp (epoch ms) of line $1, in epoch microseconds.
line_us() {
  local ts
  ts=$(grep -o '"timestamp":[0-9]*' <<<"$1" | head -n1 | cut -d: -f2)
  [[ -n $ts ]] || die "no timestamp in agent log line: $1"
  echo $((ts * 1000))
}

error_count() { grep -c '"level":"ERROR"' "$S/agent.log" || true; }
ERR_BASE=0

# Waits (up to $2 s) until the agent has logged more than $3 lines matching the extended
# regexp $1, then prints the (n+1)-th. An agent error logged since ERR_BASE was set (a failed
# attempt, to be retried later) ends the run: the figure would measure the retry backoff.
wait_line() {
  local re=$1 timeout=$2 n0=$3 deadline line
  deadline=$((SECONDS + timeout))
  while :; do
    line=$(grep -E -- "$re" "$S/agent.log" | sed -n "$((n0 + 1))p") || true
    [[ -z $line ]] || break
    agent_alive
    if (($(error_count) > ERR_BASE)); then
      grep '"level":"ERROR"' "$S/agent.log" | sed -n "$((ERR_BASE + 1)),\$p" | grep -o '"formattedMessage":"[^"]*' |
        cut -c21- | sed 's/^/  agent: /' >&2
      die "the agent logged an error (above) instead of '$re'"
    fi
    [[ $SECONDS -lt $deadline ]] || { tail -n 20 "$S/agent.log" >&2; die "no agent log line matching '$re' within $timeout s"; }
    sleep 0.01
  done
  printf '%s\n' "$line"
}

# The composer log's first line matching the grep pattern $1, in epoch microseconds; empty if
# there is none.
composer_us() {
  local line
  line=$(grep -m1 -- "$1" "$S/p/composer.log" 2>/dev/null) || return 0
  date -d "${line%% *}" +%s%6N
}

metric() { # metric NAME-WITH-LABELS: its value from /metrics, or "-"
  local text
  text=$(curl -s --max-time 5 "http://127.0.0.1:$AGENT_PORT/metrics") || text=
  awk -v m="$1 " 'index($0, m) == 1 && !found { print $2; found = 1 } END { if (!found) print "-" }' <<<"$text"
}

s3() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }

# --- setup ----------------------------------------------------------------------------------

echo "scratch: $S" >&2
mkdir -p "$S/blobs" "$S/d" "$S/aws"
S3_PORT=$(free_port)
AGENT_PORT=$(free_port)
[[ $AGENT_PORT != "$S3_PORT" ]] || AGENT_PORT=$(free_port)
if [[ -n $TLS ]]; then
  ENDPOINT=https://127.0.0.1:$S3_PORT
else
  ENDPOINT=http://127.0.0.1:$S3_PORT
fi
ACCESS=coroner-bench
SECRET=coroner-bench-secret-key

# The AWS CLI and the agent: the scratch server and credentials only, nothing from ~/.aws.
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
if [[ -n $TLS ]]; then
  # A throwaway certificate for 127.0.0.1, trusted only by this run's agent and CLI.
  mkdir -p "$S/tls"
  keytool -genkeypair -alias s3proxy -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 \
    -ext SAN=ip:127.0.0.1 -validity 2 -keystore "$S/tls/server.p12" -storetype PKCS12 \
    -storepass bench-only -keypass bench-only >/dev/null 2>&1 || die "keytool cannot create a certificate"
  keytool -exportcert -rfc -alias s3proxy -keystore "$S/tls/server.p12" -storepass bench-only \
    >"$S/tls/ca.pem" 2>/dev/null || die "keytool cannot export the certificate"
  keytool -importcert -noprompt -alias s3proxy -file "$S/tls/ca.pem" -keystore "$S/tls/trust.p12" \
    -storetype PKCS12 -storepass bench-only >/dev/null 2>&1 || die "keytool cannot write the trust store"
  export AWS_CA_BUNDLE=$S/tls/ca.pem
  JAVA_OPTS+=" -Djavax.net.ssl.trustStore=$S/tls/trust.p12 -Djavax.net.ssl.trustStorePassword=bench-only"
  ENDPOINT_CONF="s3proxy.secure-endpoint=$ENDPOINT
s3proxy.keystore-path=$S/tls/server.p12
s3proxy.keystore-password=bench-only"
else
  ENDPOINT_CONF="s3proxy.endpoint=$ENDPOINT"
fi
cat >"$S/s3proxy.conf" <<EOF
$ENDPOINT_CONF
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
(cd "$S" && exec "$JAVA" -Dlogback.configurationFile="$HERE/logback.xml" -cp "$(<"$S/s3proxy.cp")" \
  org.gaul.s3proxy.Main --properties "$S/s3proxy.conf" >"$S/s3proxy.log" 2>&1) &
S3_PID=$!
deadline=$((SECONDS + 60))
until curl -s -o /dev/null --max-time 2 ${TLS:+--cacert "$S/tls/ca.pem"} "$ENDPOINT/"; do
  kill -0 "$S3_PID" 2>/dev/null || { cat "$S/s3proxy.log" >&2; die "s3proxy exited"; }
  [[ $SECONDS -lt $deadline ]] || die "s3proxy did not answer within 60 s"
  sleep 0.2
done
s3 s3 mb s3://bench >/dev/null || die "cannot create the bucket"

SIZE=$((SIZE_MIB * 1048576))
DUMP=$S/bench-upload.zip # its dump-info name is "bench-upload": object host/bench-upload.zip
echo "writing a $SIZE_MIB MiB synthetic dump ..." >&2
"$PYTHON" "$HERE/mkdump.py" "$DUMP" "$SIZE" || die "cannot write the synthetic dump"
DUMP_SIZE=$(stat -c %s "$DUMP")

echo "starting the agent (CORONER_INSTALL=true, prefix $S/p) ..." >&2
read -ra JOPTS <<<"$JAVA_OPTS"
# MALLOC_ARENA_MAX as bin/coroner-agent sets it.
AGENT_ENV=(MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" CORONER_STORE=s3://bench CORONER_DUMP_DIR="$S/d" CORONER_INSTALL=true CORONER_PREFIX="$S/p"
  CORONER_METRICS_PORT="$AGENT_PORT")
[[ -z $PART_SIZE ]] || AGENT_ENV+=(CORONER_S3_PART_SIZE="$PART_SIZE")
[[ -z $PARALLELISM ]] || AGENT_ENV+=(CORONER_S3_PARALLELISM="$PARALLELISM")
[[ -z $SWEEP ]] || AGENT_ENV+=(CORONER_SWEEP_INTERVAL="$SWEEP")
AGENT_ENV+=(CORONER_SCRUB="$SCRUB")
if [[ -n $ENCRYPT ]]; then
  command -v age-keygen >/dev/null || die "--encrypt needs age-keygen (apt-get install age)"
  RECIPIENT=$(age-keygen -o "$S/bench.key" 2>&1 | grep -o 'age1[0-9a-z]*') || die "age-keygen failed"
  AGENT_ENV+=(CORONER_ENCRYPT_RECIPIENTS="$RECIPIENT")
  OBJ_SUFFIX='\.age'
else
  OBJ_SUFFIX=
fi
(cd "$REPO" && exec env "${AGENT_ENV[@]}" "$JAVA" "${JOPTS[@]}" \
  -cp "coroner-agent/target/coroner-agent.jar:coroner-agent/target/lib/*" dev.coroner.agent.Main run \
  >"$S/agent.log" 2>&1) &
AGENT_PID=$!
deadline=$((SECONDS + 120))
until [[ $(curl -s --max-time 2 "http://127.0.0.1:$AGENT_PORT/readyz" || true) == ready* ]]; do
  agent_alive
  [[ $SECONDS -lt $deadline ]] || die "the agent was not ready within 120 s"
  sleep 0.1
done
PATTERN=$(<$SYS/kernel/core_pattern)
[[ $PATTERN == "|$S/p/"* ]] || die "unexpected core_pattern after the agent's install: $PATTERN"

# --- 1. upload of a large dump ---------------------------------------------------------------

declare -a AGENT_US AWS_US AGENT_PICK_US AGENT_CPU AGENT_S3CPU AWS_CPU AWS_S3CPU
OK_LINE_1='uploaded and verified s3:\/\/bench\/host\/bench-upload.zip '

prepare_upload() {
  s3 s3 rm --quiet --recursive s3://bench/ >/dev/null
  sync
  cat "$DUMP" >/dev/null # from the page cache
}

agent_upload() {
  local n0 t0 line c0 s0
  prepare_upload
  n0=$(log_count "$OK_LINE_1")
  ERR_BASE=$(error_count)
  c0=$(cpu_ticks "$AGENT_PID") s0=$(cpu_ticks "$S3_PID")
  ln "$DUMP" "$S/d/bench-upload.zip.partial"
  t0=$(now_us)
  mv "$S/d/bench-upload.zip.partial" "$S/d/bench-upload.zip"
  line=$(wait_line "uploaded and verified s3:\\\\/\\\\/bench\\\\/host\\\\/bench-upload\\.zip$OBJ_SUFFIX " 600 "$n0")
  [[ ! -e $S/d/bench-upload.zip ]] || die "the agent logged the upload but did not delete the dump"
  AGENT_US+=($(($(line_us "$line") - t0)))
  AGENT_CPU+=("$(calc "($(cpu_ticks "$AGENT_PID") - $c0) / $HZ")")
  AGENT_S3CPU+=("$(calc "($(cpu_ticks "$S3_PID") - $s0) / $HZ")")
  # Its 'uploading' line: the dump was noticed and its dump-info read.
  line=$(grep -F "\"uploading bench-upload.zip${ENCRYPT:+.age} (" "$S/agent.log" | sed -n "$((n0 + 1))p")
  AGENT_PICK_US+=($(($(line_us "$line") - t0)))
}

aws_upload() {
  local t0 t1 s0 TIMEFORMAT='%3U %3S'
  prepare_upload
  s0=$(cpu_ticks "$S3_PID")
  t0=$(now_us)
  { time s3 s3 cp --only-show-errors "$DUMP" s3://bench/x 2>&3; } 3>&2 2>"$S/aws.time" || die "aws s3 cp failed"
  t1=$(now_us)
  AWS_US+=($((t1 - t0)))
  AWS_CPU+=("$(awk '{ printf "%.6f", $1 + $2 }' "$S/aws.time")")
  AWS_S3CPU+=("$(calc "($(cpu_ticks "$S3_PID") - $s0) / $HZ")")
}

echo "upload: $RUNS rounds x (agent, aws s3 cp) of $SIZE_MIB MiB ..." >&2
for ((r = 0; r < RUNS; r++)); do
  if ((r % 2 == 0)); then agent_upload; aws_upload; else aws_upload; agent_upload; fi
  echo "  round $((r + 1)): agent $(secs "${AGENT_US[r]}") s, aws $(secs "${AWS_US[r]}") s" >&2
done
s3 s3 rm --quiet --recursive s3://bench/ >/dev/null
RSS_AFTER_UPLOAD=$(awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT_PID/status")

# --- 2. crash-to-object latency ----------------------------------------------------------------

declare -a C_TOTAL C_EXIT C_WROTE C_PICK C_SIZE C_CORE
crash_once() {
  local rc=0 t0 t1 pid re line name uuid tw tp pick
  ERR_BASE=$(error_count)
  t0=$(now_us)
  { (
    ulimit -c unlimited
    echo "$BASHPID" >"$S/node.pid"
    exec "$NODE" --abort-on-uncaught-exception "$APP"
  ) >/dev/null 2>&1 || rc=$?; } 2>/dev/null
  t1=$(now_us)
  pid=$(<"$S/node.pid")
  [[ $rc -eq 133 ]] || die "node exited with $rc, expected 133 (SIGTRAP)"
  re="uploaded and verified s3:\\\\/\\\\/bench\\\\/host\\\\/[^ ]*-node-$pid-[0-9]+\\.zip$OBJ_SUFFIX "
  line=$(wait_line "$re" 120 0)
  C_TOTAL+=($(($(line_us "$line") - t0)))
  C_EXIT+=($((t1 - t0)))
  name=$(grep -o 'host\\/[^ ]*-node-'"$pid"'-[0-9]*\.zip' <<<"$line" | head -n1)
  name=${name#host\\/}
  pick=$(grep -m1 -F "\"uploading $name (" "$S/agent.log") || true
  if [[ -n $pick ]]; then
    tp=$(line_us "$pick")
    C_PICK+=($((tp - t0)))
    C_SIZE+=("$(grep -o '"uploading [^ ]* ([0-9]*' <<<"$pick" | grep -o '[0-9]*$')")
  else
    C_PICK+=(-)
    C_SIZE+=(-)
  fi
  uuid=$(grep -m1 " crash: pid $pid " "$S/p/composer.log" 2>/dev/null | sed 's/^[^ ]* \[\([^]]*\)\].*/\1/') || true
  tw=
  [[ -z $uuid ]] || tw=$(composer_us "\[$uuid\] wrote ")
  if [[ -n $tw ]]; then C_WROTE+=($((tw - t0))); else C_WROTE+=(-); fi
  # "wrote FILE: core N bytes, stored M, complete" -> "N complete"
  line=
  [[ -z $uuid ]] || line=$(grep -m1 "\[$uuid\] wrote " "$S/p/composer.log" | sed -n 's/.*: core \([0-9]*\) bytes, stored [0-9]*, \([A-Za-z]*\).*/\1 \2/p') || true
  C_CORE+=("${line:-- -}")
}

echo "crash-to-object: $CRASHES crashes of the example app ..." >&2
for ((c = 0; c < CRASHES; c++)); do
  crash_once
  echo "  crash $((c + 1)): object verified after $(secs "${C_TOTAL[c]}") s" >&2
done

# --- 3. idle cost ------------------------------------------------------------------------------

# Nothing queued and nothing more to come: no dump left, then a short settle.
deadline=$((SECONDS + 60))
while compgen -G "$S/d/*.zip" >/dev/null; do
  [[ $SECONDS -lt $deadline ]] || die "dumps are still waiting in $S/d"
  sleep 0.1
done
sleep 2
UPLOADS_OK=$(metric 'coroner_uploads_total{result="ok"}')
UPLOAD_BYTES=$(metric coroner_upload_bytes_total)
echo "idle: sampling the agent (pid $AGENT_PID) for $IDLE_S s ..." >&2
RSS_START=$(awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT_PID/status")
RSS_MAX=0
ticks0=$(cpu_ticks "$AGENT_PID")
i0=$(now_us)
for ((i = 0; i < IDLE_S; i++)); do
  sleep 1
  agent_alive
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT_PID/status")
  ((rss <= RSS_MAX)) || RSS_MAX=$rss
done
ticks1=$(cpu_ticks "$AGENT_PID")
i1=$(now_us)
THREADS=$(awk '/^Threads:/ { print $2 }' "/proc/$AGENT_PID/status")
RSS_SPLIT=$(awk '/^Rss(Anon|File):/ { printf "%s%s %.1f MiB", sep, $1, $2 / 1024; sep = ", " }' "/proc/$AGENT_PID/status")
# With --java-opts '-XX:NativeMemoryTracking=summary' the JVM's own account of its memory.
NMT=
if [[ $JAVA_OPTS == *NativeMemoryTracking* ]] && command -v jcmd >/dev/null; then
  NMT=$(jcmd "$AGENT_PID" VM.native_memory summary 2>/dev/null | grep -E '^(Total|-)' | sed 's/^/    /') || true
fi
IDLE_CPU_S=$(calc "($ticks1 - $ticks0) / $HZ")
IDLE_CPU_PCT=$(calc "100 * $IDLE_CPU_S / (($i1 - $i0) / 1000000)")
HEAP_USED=$(metric 'jvm_memory_used_bytes{area="heap"}')
HEAP_COMMITTED=$(metric 'jvm_memory_committed_bytes{area="heap"}')
HEAP_MAX=$(metric 'jvm_memory_max_bytes{area="heap"}')
NONHEAP_USED=$(metric 'jvm_memory_used_bytes{area="nonheap"}')
ERRORS=$(grep -c '"level":"ERROR"' "$S/agent.log" || true)
WARNS=$(grep -c '"level":"WARN"' "$S/agent.log" || true)
ERROR_SAMPLE=$(grep -m3 -E '"level":"(ERROR|WARN)"' "$S/agent.log" | grep -o '"formattedMessage":"[^"]*' | cut -c21- | cut -c1-160) || true

# --- stop everything, restore the kernel ---------------------------------------------------------

echo "stopping the agent and s3proxy, restoring the kernel settings ..." >&2
cleanup
set -e # cleanup turned it off
FINAL_PATTERN=$(<$SYS/kernel/core_pattern)
if [[ $FINAL_PATTERN == "$ORIG_PATTERN" && $(<$SYS/kernel/core_pipe_limit) == "$ORIG_PIPE_LIMIT" &&
  $(<$SYS/fs/suid_dumpable) == "$ORIG_SUID" ]]; then
  RESTORED=OK
else
  RESTORED=FAILED
fi

# --- report ------------------------------------------------------------------------------------

mib() { fmt '%.1f' "$(calc "$1 / 1048576")"; }
AGENT_MED=$(median "${AGENT_US[@]}")
AWS_MED=$(median "${AWS_US[@]}")
AGENT_MBS=$(calc "$DUMP_SIZE / $AGENT_MED") # bytes/us = MB/s
AWS_MBS=$(calc "$DUMP_SIZE / $AWS_MED")
RATIO=$(fmt '%.2f' "$(calc "$AGENT_MBS / $AWS_MBS")")
CRASH_MED=$(median "${C_TOTAL[@]}")
CRASH_S=$(fmt '%.2f' "$(calc "$CRASH_MED / 1000000")")
IDLE_RSS_MIB=$(fmt '%.0f' "$(calc "$RSS_MAX / 1024")")
IDLE_CPU=$(fmt '%.1f' "$IDLE_CPU_PCT")
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }

list_s() { local o='' v; for v in "$@"; do o+="$(secs "$v") "; done; echo "${o% }"; }
jver=$("$JAVA" -version 2>&1 | head -n1 | sed 's/.*version "\([^"]*\)".*/\1/')
echo
echo "coroner upload benchmark: $(uname -r), $(nproc) CPUs, java $jver, $("$AWS" --version 2>&1 | cut -d' ' -f1), s3proxy 2.6.0 (filesystem) on loopback"
echo "agent: part size ${PART_SIZE:-16M (default)}, parallelism ${PARALLELISM:-4 (default)}, sweep ${SWEEP:-30s (default)}, JVM options '${JAVA_OPTS}'"
echo
echo "1. Upload of a $(mib "$DUMP_SIZE") MiB dump from the page cache, $RUNS interleaved runs each:"
printf '  %-34s %-20s %9s %8s %8s %11s %13s\n' uploader "runs s" "median s" "MB/s" "vs aws" "CPU s" "s3proxy CPU s"
printf '  %-34s %-20s %9s %8s %8s %11s %13s\n' "coroner agent (rename -> verified)" "$(list_s "${AGENT_US[@]}")" \
  "$(secs "$AGENT_MED")" "$(fmt '%.0f' "$AGENT_MBS")" "${RATIO}x" "$(fmt '%.2f' "$(median "${AGENT_CPU[@]}")")" \
  "$(fmt '%.2f' "$(median "${AGENT_S3CPU[@]}")")"
printf '  %-34s %-20s %9s %8s %8s %11s %13s\n' "aws s3 cp (whole command)" "$(list_s "${AWS_US[@]}")" \
  "$(secs "$AWS_MED")" "$(fmt '%.0f' "$AWS_MBS")" "1.00x" "$(fmt '%.2f' "$(median "${AWS_CPU[@]}")")" \
  "$(fmt '%.2f' "$(median "${AWS_S3CPU[@]}")")"
echo "  (CPU s = user+system CPU time of the uploader, resp. of the s3proxy JVM, during one upload; medians;"
echo "   this host has $(nproc) CPUs for uploader and server together)"
PICK_MED=$(median "${AGENT_PICK_US[@]}")
echo "  agent breakdown (medians): rename -> 'uploading' line (noticed, dump-info read) $(ms "$PICK_MED") ms,"
echo "    'uploading' -> 'uploaded and verified' (parts, complete, sidecar, HEAD) $(secs "$(calc "$AGENT_MED - $PICK_MED")") s"
echo
echo "2. Crash-to-object of the example Node.js app (SIGTRAP), from launch; ms:"
printf '  %-8s %11s %12s %10s %16s %9s %9s\n' crash "node reaped" "zip written" "picked up" "object verified" "core MiB" "zip MiB"
for ((c = 0; c < CRASHES; c++)); do
  w=${C_WROTE[c]} p=${C_PICK[c]} z=${C_SIZE[c]}
  read -r core state <<<"${C_CORE[c]}"
  [[ $w == - ]] || w=$(ms "$w")
  [[ $p == - ]] || p=$(ms "$p")
  [[ $z == - ]] || z=$(mib "$z")
  [[ $core == - ]] || core=$(mib "$core")
  [[ $state == complete || $state == - ]] || core+=" ($state)"
  printf '  %-8s %11s %12s %10s %16s %9s %9s\n' "$((c + 1))" "$(ms "${C_EXIT[c]}")" "$w" "$p" "$(ms "${C_TOTAL[c]}")" "$core" "$z"
done
printf '  %-8s %11s %12s %10s %16s\n' median "$(ms "$(median "${C_EXIT[@]}")")" "" "" "$(ms "$CRASH_MED")"
echo "  (node reaped = the composer has read the whole core; zip written = composer.log 'wrote';"
echo "   picked up = the agent's 'uploading' line; object verified = its 'uploaded and verified' line)"
echo
echo "3. Agent idle for $IDLE_S s after all uploads (pid sampled every 1 s, no scrapes):"
echo "  VmRSS max $(fmt '%.1f' "$(calc "$RSS_MAX / 1024")") MiB (at start of the window $(fmt '%.1f' "$(calc "$RSS_START / 1024")") MiB; right after the $SIZE_MIB MiB uploads $(fmt '%.1f' "$(calc "$RSS_AFTER_UPLOAD / 1024")") MiB)"
echo "  at the end: $RSS_SPLIT (RssFile: the JVM's own code and class archive, shared)"
[[ -z $NMT ]] || printf '  native memory tracking (committed):\n%s\n' "$NMT"
echo "  CPU $(fmt '%.2f' "$IDLE_CPU_S") s in $(fmt '%.1f' "$(calc "($i1 - $i0) / 1000000")") s = $(fmt '%.2f' "$IDLE_CPU_PCT") % of one CPU; $THREADS threads"
hm() { if [[ $1 == - ]]; then echo -; else mib "$(fmt '%.0f' "$1")"; fi; }
echo "  JVM heap used $(hm "$HEAP_USED") MiB, committed $(hm "$HEAP_COMMITTED") MiB, max $(hm "$HEAP_MAX") MiB; non-heap used $(hm "$NONHEAP_USED") MiB"
echo
echo "Agent: coroner_uploads_total{result=\"ok\"} $UPLOADS_OK (expected $((RUNS + CRASHES))), coroner_upload_bytes_total $UPLOAD_BYTES; log: $ERRORS error(s), $WARNS warning(s)"
[[ -z $ERROR_SAMPLE ]] || printf '  %s\n' "$ERROR_SAMPLE"
echo "Kernel: agent restored it on SIGTERM: $AGENT_RESTORED; now core_pattern='$FINAL_PATTERN' core_pipe_limit=$(<$SYS/kernel/core_pipe_limit) suid_dumpable=$(<$SYS/fs/suid_dumpable): $RESTORED"
echo
echo "Targets:"
echo "  upload throughput >= 1.0x aws s3 cp: ${RATIO}x  $(verdict "$RATIO >= 1.0")"
echo "  crash-to-object <= 2 s (median):      ${CRASH_S} s  $(verdict "$CRASH_S <= 2.0")"
echo "  idle RSS <= 96 MiB:                   ${IDLE_RSS_MIB} MiB  $(verdict "$IDLE_RSS_MIB <= 96")"
echo "  idle CPU about 0 % (< 0.5 %):         ${IDLE_CPU} %  $(verdict "$IDLE_CPU < 0.5")"
echo "upload_vs_awscli=$RATIO crash_to_object_s=$CRASH_S idle_rss_mib=$IDLE_RSS_MIB idle_cpu_pct=$IDLE_CPU"
[[ $RESTORED == OK ]] || exit 1
