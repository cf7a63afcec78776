package dev.coroner.agent.config;

import dev.coroner.agent.identity.CapturePolicy;
import dev.coroner.agent.seal.ScrubPolicy;
import dev.coroner.agent.trigger.TriggerPolicy;
import dev.coroner.capture.settings.CaptureSettings.Defaults;
import dev.coroner.node.InstallOptions;
import dev.coroner.store.s3.S3Options;
import org.jspecify.annotations.Nullable;

/**
 * Every environment variable the agent reads, with its default and what it does: the one table that
 * {@link AgentConfig#from} parses, {@code --help} prints and the chart's tests check. Each constant
 * is named as its variable.
 */
public enum AgentVariable {
  CORONER_STORE(null, "(required to run) where dumps go: s3://bucket/prefix"),
  CORONER_DUMP_DIR(Defaults.DUMP_DIR, "the dump directory the composer writes, the agent empties"),
  CORONER_INSTALL("true", "install the composer on start"),
  CORONER_PREFIX(InstallOptions.DEFAULT_PREFIX.toString(), "where the composer is installed"),
  CORONER_PROC_SYS("/proc/sys", "the host's /proc/sys"),
  CORONER_RESTORE_ON_STOP("true", "restore the kernel settings on SIGTERM"),
  CORONER_CORE_HANDLER(
      "pipe",
      "how crashes reach coroner: pipe (the composer) | socket (the receiver in the agent on the"
          + " coredump socket, the pipe as its fallback; Linux 6.16+, Java 22+) | auto"),
  CORONER_READ_AHEAD_MIB(
      "0",
      "with the socket receiver: MiB of heap kept to read a core before it is hashed and"
          + " compressed, so the process is released sooner (0 to 1024; RSS grows by as much)"),
  CORONER_SWEEP_INTERVAL("30s", "how often the dump directory is scanned besides the watcher"),
  CORONER_RETRY_BASE("1s", "the first upload retry delay; it doubles, with jitter"),
  CORONER_RETRY_MAX("5m", "the longest upload retry delay"),
  CORONER_METRICS_PORT("9464", "port of /metrics, /healthz and /readyz (0: any free port)"),
  CORONER_KEEP_FREE(Defaults.KEEP_FREE, "the composer keeps only metadata below this free space"),
  CORONER_MAX_USE(Defaults.MAX_USE, "nor beyond this much in the dump dir (0: no limit)"),
  CORONER_MAX_CORE_SIZE(Defaults.MAX_CORE_SIZE, "stop storing a core past this size (0: no limit)"),
  CORONER_S3_REGION(
      null, "the bucket's region: AWS_REGION or the profile; us-east-1 with an endpoint"),
  CORONER_S3_PATH_STYLE(null, "path-style addressing: true when AWS_ENDPOINT_URL_S3 is set"),
  CORONER_S3_KEY(S3Options.DEFAULT_KEY, "the object key under the prefix"),
  CORONER_S3_SSE("none", "server-side encryption: none | aes256 | kms"),
  CORONER_S3_KMS_KEY_ID(null, "the KMS key for kms: the bucket's default key when unset"),
  CORONER_S3_PART_SIZE("16M", "multipart part size, 5M to 1G"),
  CORONER_S3_PARALLELISM("4", "parts in flight, 1 to 64"),
  AWS_ENDPOINT_URL_S3(null, "an S3-compatible endpoint (MinIO, s3proxy); else AWS_ENDPOINT_URL"),
  CORONER_CRI_SOCKET(null, "the container runtime's socket: detected (containerd, CRI-O, ...)"),
  CORONER_NODE_NAME(null, "the node name (downward API spec.nodeName)"),
  CORONER_LOG_TAIL_LINES("500", "container log lines kept per dump"),
  CORONER_CAPTURE_MODE("opt-out", "opt-out | opt-in (label " + CapturePolicy.KEY + ")"),
  CORONER_NAMESPACES_INCLUDE("", "comma-separated namespaces to capture (empty: all)"),
  CORONER_NAMESPACES_EXCLUDE("", "comma-separated namespaces never captured"),
  CORONER_FLOOD_MAX_CORES("3", "cores kept per workload per window (0: no limit)"),
  CORONER_FLOOD_WINDOW("1h", "the flood-control window"),
  CORONER_EVENTS("true", "post Kubernetes Events on crashed pods"),
  CORONER_COREDUMPS("true", "create a CoreDump (coroner.dev/v1) after each verified upload"),
  CORONER_POD_NAMESPACE(null, "the agent's own namespace (downward API metadata.namespace)"),
  CORONER_HOST_NAMESPACE(
      null, "the namespace of host processes' CoreDumps (default: CORONER_POD_NAMESPACE)"),
  CORONER_IDENTITY_TIMEOUT(Defaults.AGENT_TIMEOUT, "how long a crash waits for the agent's answer"),
  CORONER_ANALYSIS("true", "name each dump's crashing frames and signature before upload"),
  CORONER_ANALYSIS_TIMEOUT("60s", "the longest one debugger may read one core"),
  CORONER_BINARIES("true", "keep the executable and libraries a crash mapped, by build-id"),
  CORONER_BINARIES_MAX_SIZE("512M", "a file larger than this is not kept"),
  CORONER_BINARIES_SKIP_RUNTIMES(
      "", "comma-separated runtimes whose files are not kept: node, java, native"),
  CORONER_SCRUB("default", "scrub secrets before upload: default | off | drop-heap (native only)"),
  CORONER_SCRUB_NAMESPACES("", "per-namespace scrub modes: ns=mode,... (host, unknown too)"),
  CORONER_SCRUB_POD_OVERRIDE("true", "honour the pod annotation " + ScrubPolicy.ANNOTATION),
  CORONER_ENCRYPT_RECIPIENTS(
      "", "age recipients (age1..., '+' between several) every dump is encrypted to; empty: none"),
  CORONER_ENCRYPT_NAMESPACES(
      "", "per-namespace age recipients: ns=age1...+age1...,ns2=none (overrides the default)"),
  CORONER_SNAPSHOTS(
      "true", "carry out CoreDumpSnapshot requests for this node's pods (needs Java 22+)"),
  CORONER_SNAPSHOT_MAX_IN_FLIGHT(
      "1", "snapshots taken at once on this node, 1 to 16; more wait their turn"),
  // Snapshot triggers (docs/agent.md, "Snapshot triggers").
  CORONER_SNAPSHOT_TRIGGERS_ENABLED(
      "false",
      "watch this node's pods for snapshot triggers; a pod's annotation "
          + TriggerPolicy.ANNOTATION
          + " names its own"),
  CORONER_SNAPSHOT_TRIGGERS(
      "", "triggers for every pod without the annotation: liveness, memory, cpu (comma-separated)"),
  CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES(
      "2", "liveness: this many failed probes in a row fire it, 1 to 100"),
  CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT(
      "90", "memory: the working set at this share of the limit fires it, 1 to 100"),
  CORONER_SNAPSHOT_TRIGGERS_CPU_PERCENT(
      "90", "cpu: this share of the quota (no quota: of the node's CPUs) on average fires it"),
  CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION(
      "60s", "cpu: the average is over this long, from the interval to 1h"),
  CORONER_SNAPSHOT_TRIGGERS_INTERVAL("5s", "how often memory and CPU are read, 1s to 5m"),
  CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW(
      "30m", "at most one triggered snapshot per workload within this window (0s: no limit)"),
  CORONER_SERVICE_ACCOUNT(
      null, "the agent's service account (downward API spec.serviceAccountName), the requester");

  private final @Nullable String defaultValue;
  private final String description;

  AgentVariable(@Nullable String defaultValue, String description) {
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The value when the variable is unset; null when there is none or it is worked out. */
  public @Nullable String defaultValue() {
    return defaultValue;
  }

  /** What it does, for a person. */
  public String description() {
    return description;
  }

  /** One line of {@code --help}: what it does and its default. */
  public String usage() {
    return defaultValue == null || defaultValue.isEmpty()
        ? description
        : description + " (default: " + defaultValue + ")";
  }
}
