package dev.coroner.agent.config;

import static dev.coroner.agent.config.AgentVariable.*;

import dev.coroner.agent.identity.CapturePolicy;
import dev.coroner.agent.seal.EncryptionPolicy;
import dev.coroner.agent.seal.ScrubPolicy;
import dev.coroner.agent.trigger.Trigger;
import dev.coroner.agent.trigger.TriggerPolicy;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.base.units.Durations;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.ScrubMode;
import dev.coroner.node.CaptureMode;
import dev.coroner.store.crypt.AgeRecipients;
import dev.coroner.store.s3.S3Options;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The agent's whole configuration, read once at start from the environment (a DaemonSet sets it) as
 * {@link AgentVariable} lists it. Credentials are not part of it: the AWS SDK's default chain finds
 * them.
 *
 * @param store where dumps go, {@code s3://bucket/prefix}; null if unset (only {@code run} needs
 *     it)
 * @param s3 how to reach S3
 * @param dumpDir the dump directory the composer writes and the agent empties
 * @param install whether to install the composer on start (off when another installer owns it)
 * @param prefix where the composer is installed
 * @param procSys the host's {@code /proc/sys}
 * @param restoreOnStop whether SIGTERM restores the kernel settings (off for rolling upgrades)
 * @param sweepInterval how often the dump directory is scanned besides the file watcher
 * @param retryBase the first retry delay; it doubles up to {@code retryMax}, with jitter
 * @param retryMax the longest retry delay
 * @param metricsPort the port of /metrics, /healthz and /readyz (0 picks a free one)
 * @param capture the composer's settings (dump dir, limits) written at install
 * @param identity how crashed containers are identified and which cores are kept
 * @param scrub how dumps are scrubbed before upload
 * @param encryption which age recipients dumps are encrypted to before upload
 * @param analysis what the agent finds out about each dump before upload
 * @param snapshots how the agent carries out CoreDumpSnapshot requests
 * @param coreHandler the pipe composer alone, or the receiver in the agent in front of it
 *     (docs/receiver.md, "In the agent")
 * @param readAheadMib with the receiver, the MiB of buffers its captures read a core into before it
 *     is hashed and compressed ({@link dev.coroner.capture.write.ReadAhead}); 0 for none
 * @param triggers which containers' snapshot triggers are watched, and what fires them
 */
public record AgentConfig(
    @Nullable URI store,
    S3Options s3,
    Path dumpDir,
    boolean install,
    Path prefix,
    Path procSys,
    boolean restoreOnStop,
    Duration sweepInterval,
    Duration retryBase,
    Duration retryMax,
    int metricsPort,
    CaptureSettings capture,
    Identity identity,
    ScrubPolicy scrub,
    EncryptionPolicy encryption,
    Analysis analysis,
    Snapshots snapshots,
    CaptureMode coreHandler,
    int readAheadMib,
    TriggerPolicy triggers) {

  /**
   * How crashed containers are identified (CRI) and which cores are kept.
   *
   * @param criSocket the container runtime's socket; null to detect containerd, CRI-O or
   *     cri-dockerd
   * @param nodeName the Kubernetes node name (downward API); null outside a cluster
   * @param logTailLines lines of the container's log kept with each dump
   * @param policy namespaces and the opt-in/opt-out label
   * @param floodMaxCores cores kept per workload per window; 0 means no limit
   * @param floodWindow the flood-control window
   * @param events whether to post Kubernetes Events on crashed pods
   * @param coreDumps whether to create a CoreDump resource after each verified upload
   * @param hostNamespace the namespace of host processes' CoreDumps
   */
  public record Identity(
      @Nullable Path criSocket,
      @Nullable String nodeName,
      int logTailLines,
      CapturePolicy policy,
      int floodMaxCores,
      Duration floodWindow,
      boolean events,
      boolean coreDumps,
      String hostNamespace) {}

  /**
   * What the agent finds out about each dump before upload (docs/analysis.md).
   *
   * @param enabled whether to analyze dumps (the crashing thread's frames and signature)
   * @param timeout the longest one debugger may run on one core
   * @param binaries whether to keep the executable and libraries by build-id
   * @param maxBinarySize the largest file kept
   * @param skipRuntimes the runtimes ({@code node}, {@code java}, {@code native}) whose files are
   *     not kept
   */
  public record Analysis(
      boolean enabled,
      Duration timeout,
      boolean binaries,
      long maxBinarySize,
      Set<String> skipRuntimes) {
    public Analysis {
      skipRuntimes = Set.copyOf(skipRuntimes);
    }
  }

  /**
   * How the agent carries out CoreDumpSnapshot requests for its node's pods (docs/snapshot.md).
   *
   * @param enabled whether it watches the requests at all
   * @param maxInFlight snapshots taken at once; more wait in a queue
   */
  public record Snapshots(boolean enabled, int maxInFlight) {}

  /** The agent's socket for the composer's questions, relative to the install prefix. */
  public static final String AGENT_SOCKET = "run/agent.sock";

  /** Every variable the agent reads, with its default and what it does; for --help and docs. */
  public static final List<AgentVariable> VARIABLES = List.of(AgentVariable.values());

  /** A bad or missing variable; the message names it and its value. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
      super(message);
    }
  }

  private static String hostname() {
    try {
      return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /** Reads the configuration, reporting every bad variable at once. */
  public static AgentConfig from(Map<String, String> env) throws ConfigException {
    List<String> errors = new ArrayList<>();
    Reader r = new Reader(env, errors);
    URI store = r.get(CORONER_STORE, URI::create);
    if (store != null && !"s3".equals(store.getScheme())) {
      errors.add("CORONER_STORE must be an s3://bucket/prefix URL: '" + store + "'");
    }
    URI endpoint = r.get(AWS_ENDPOINT_URL_S3, env.get("AWS_ENDPOINT_URL"), URI::create);
    boolean pathStyle =
        r.get(CORONER_S3_PATH_STYLE, String.valueOf(endpoint != null), Reader::bool);
    S3Options s3 =
        new S3Options(
            endpoint,
            r.raw(CORONER_S3_REGION),
            pathStyle,
            r.get(CORONER_S3_KEY, Reader::keyTemplate),
            r.get(CORONER_S3_SSE, Reader::sse),
            r.raw(CORONER_S3_KMS_KEY_ID),
            r.get(CORONER_S3_PART_SIZE, Reader::partSize),
            r.get(CORONER_S3_PARALLELISM, v -> Reader.range(v, 1, 64)),
            // One listing index per node: each agent is the only writer of its own.
            Optional.ofNullable(blankToNull(r.raw(CORONER_NODE_NAME)))
                .orElseGet(AgentConfig::hostname),
            S3Options.DEFAULT_CONNECT_TIMEOUT,
            S3Options.DEFAULT_READ_TIMEOUT);
    Path dumpDir = r.get(CORONER_DUMP_DIR, Reader::absolute);
    CaptureSettings defaults = CaptureSettings.defaults();
    Path prefix = r.get(CORONER_PREFIX, Reader::absolute);
    CaptureSettings capture =
        new CaptureSettings(
            dumpDir,
            defaults.nameTemplate(),
            defaults.compression(),
            defaults.level(),
            defaults.workers(),
            r.get(CORONER_MAX_CORE_SIZE, ByteSizes::parse),
            r.get(CORONER_KEEP_FREE, ByteSizes::parse),
            r.get(CORONER_MAX_USE, ByteSizes::parse),
            defaults.timeout(),
            defaults.excludeExe(),
            defaults.environ(),
            // Under the prefix, which the host and the agent's container see at the same path.
            prefix.resolve(AGENT_SOCKET),
            r.get(CORONER_IDENTITY_TIMEOUT, Reader::identityTimeout));
    AgentConfig config =
        new AgentConfig(
            store,
            s3,
            dumpDir,
            r.get(CORONER_INSTALL, Reader::bool),
            prefix,
            r.get(CORONER_PROC_SYS, Reader::absolute),
            r.get(CORONER_RESTORE_ON_STOP, Reader::bool),
            r.get(CORONER_SWEEP_INTERVAL, Durations::parse),
            r.get(CORONER_RETRY_BASE, Durations::parse),
            r.get(CORONER_RETRY_MAX, Durations::parse),
            r.get(CORONER_METRICS_PORT, v -> Reader.range(v, 0, 65535)),
            capture,
            new Identity(
                r.get(CORONER_CRI_SOCKET, Reader::absolute),
                blankToNull(r.raw(CORONER_NODE_NAME)),
                r.get(CORONER_LOG_TAIL_LINES, v -> Reader.range(v, 0, 100_000)),
                new CapturePolicy(
                    r.get(CORONER_CAPTURE_MODE, Reader::optIn),
                    r.get(CORONER_NAMESPACES_INCLUDE, Reader::names),
                    r.get(CORONER_NAMESPACES_EXCLUDE, Reader::names)),
                r.get(CORONER_FLOOD_MAX_CORES, v -> Reader.range(v, 0, 1_000_000)),
                r.get(CORONER_FLOOD_WINDOW, Durations::parse),
                r.get(CORONER_EVENTS, Reader::bool),
                r.get(CORONER_COREDUMPS, Reader::bool),
                r.get(
                    CORONER_HOST_NAMESPACE,
                    Optional.ofNullable(blankToNull(r.raw(CORONER_POD_NAMESPACE)))
                        .orElse("default"),
                    Reader::namespace)),
            new ScrubPolicy(
                r.get(CORONER_SCRUB, ScrubMode::parse),
                r.get(CORONER_SCRUB_NAMESPACES, Reader::scrubModes),
                r.get(CORONER_SCRUB_POD_OVERRIDE, Reader::bool)),
            new EncryptionPolicy(
                r.get(CORONER_ENCRYPT_RECIPIENTS, Reader::recipients),
                r.get(CORONER_ENCRYPT_NAMESPACES, Reader::namespaceRecipients)),
            new Analysis(
                r.get(CORONER_ANALYSIS, Reader::bool),
                r.get(CORONER_ANALYSIS_TIMEOUT, Reader::analysisTimeout),
                r.get(CORONER_BINARIES, Reader::bool),
                r.get(CORONER_BINARIES_MAX_SIZE, ByteSizes::parse),
                r.get(CORONER_BINARIES_SKIP_RUNTIMES, Reader::runtimes)),
            new Snapshots(
                r.get(CORONER_SNAPSHOTS, Reader::bool),
                r.get(CORONER_SNAPSHOT_MAX_IN_FLIGHT, v -> Reader.range(v, 1, 16))),
            r.get(CORONER_CORE_HANDLER, CaptureMode::parse),
            r.get(
                CORONER_READ_AHEAD_MIB,
                v -> Reader.range(v, 0, dev.coroner.capture.write.ReadAhead.MAX_MIB)),
            triggers(r, errors));
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join("\n", errors));
    }
    return config;
  }

  /** The snapshot triggers' variables, checked together. */
  private static TriggerPolicy triggers(Reader r, List<String> errors) {
    boolean enabled = r.get(CORONER_SNAPSHOT_TRIGGERS_ENABLED, Reader::bool);
    Set<Trigger> everyPod = r.get(CORONER_SNAPSHOT_TRIGGERS, Trigger::parseList);
    if (!enabled && !everyPod.isEmpty()) {
      errors.add(
          CORONER_SNAPSHOT_TRIGGERS
              + " names triggers but "
              + CORONER_SNAPSHOT_TRIGGERS_ENABLED
              + " is false: set it to true (chart: snapshotTriggers.enabled) or empty the list");
    }
    Duration interval =
        r.get(CORONER_SNAPSHOT_TRIGGERS_INTERVAL, v -> Reader.between(v, "1s", "5m"));
    Duration cpuDuration =
        r.get(CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION, v -> Reader.between(v, "1s", "1h"));
    if (cpuDuration.compareTo(interval) < 0) {
      errors.add(
          CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION
              + " must be at least "
              + CORONER_SNAPSHOT_TRIGGERS_INTERVAL
              + " ("
              + Durations.format(interval)
              + "): the CPU is measured over that interval (got '"
              + Durations.format(cpuDuration)
              + "')");
    }
    String namespace = blankToNull(r.raw(CORONER_POD_NAMESPACE));
    String account = blankToNull(r.raw(CORONER_SERVICE_ACCOUNT));
    return new TriggerPolicy(
        enabled,
        everyPod,
        r.get(CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES, v -> Reader.range(v, 1, 100)),
        r.get(CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT, v -> Reader.range(v, 1, 100)),
        r.get(CORONER_SNAPSHOT_TRIGGERS_CPU_PERCENT, v -> Reader.range(v, 1, 100)),
        cpuDuration,
        interval,
        r.get(CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW, v -> Reader.between(v, "0s", "7d")),
        namespace == null || account == null
            ? null
            : "system:serviceaccount:" + namespace + ":" + account);
  }

  private static @Nullable String blankToNull(@Nullable String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** Reads one variable; a bad value is recorded with its name and text. */
  private record Reader(Map<String, String> env, List<String> errors) {
    /**
     * The variable, or its default from the table. Null only for a variable without a default (or a
     * fallback that is null), and those are read into {@code @Nullable} settings.
     */
    // T is @Nullable for those variables; NullAway checks that only in its JSpecify mode.
    @SuppressWarnings("NullAway")
    <T> T get(AgentVariable v, Function<String, T> parse) {
      return get(v, v.defaultValue(), parse);
    }

    /** The variable, or {@code fallback}: a default worked out from other variables. */
    // As above: null only when the variable is unset and there is no fallback.
    @SuppressWarnings("NullAway")
    <T> T get(AgentVariable v, @Nullable String fallback, Function<String, T> parse) {
      String name = v.name();
      String value = env.getOrDefault(name, fallback);
      if (value == null) {
        return null;
      }
      try {
        return parse.apply(value.trim());
      } catch (RuntimeException e) {
        errors.add(name + ": " + e.getMessage() + " (got '" + value + "')");
        // Go on with the default so that every bad variable is reported in one go.
        return fallback == null ? null : parse.apply(fallback);
      }
    }

    /** The variable's text as set, or null. */
    @Nullable String raw(AgentVariable v) {
      return env.get(v.name());
    }

    static boolean bool(String v) {
      return switch (v.toLowerCase(java.util.Locale.ROOT)) {
        case "true", "yes", "1" -> true;
        case "false", "no", "0" -> false;
        default -> throw new IllegalArgumentException("must be true or false");
      };
    }

    static int range(String v, int min, int max) {
      int n;
      try {
        n = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("must be a number from " + min + " to " + max, e);
      }
      if (n < min || n > max) {
        throw new IllegalArgumentException("must be a number from " + min + " to " + max);
      }
      return n;
    }

    static int partSize(String v) {
      long size = ByteSizes.parse(v);
      if (size < (5 << 20) || size > (1L << 30)) {
        throw new IllegalArgumentException("must be 5M to 1G (S3's part size limits)");
      }
      return (int) size;
    }

    static Path absolute(String v) {
      Path p = Path.of(v);
      if (!p.isAbsolute()) {
        throw new IllegalArgumentException("must be an absolute path");
      }
      return p;
    }

    static String sse(String v) {
      if (!List.of("none", "aes256", "kms").contains(v.toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException("must be none, aes256 or kms");
      }
      return v.toLowerCase(java.util.Locale.ROOT);
    }

    static Duration identityTimeout(String v) {
      Duration d = Durations.parse(v);
      if (d.toMillis() < 50 || d.toMillis() > 10_000) {
        throw new IllegalArgumentException(
            "must be 50ms to 10s: the dying process waits this long at most");
      }
      return d;
    }

    /** A duration from {@code min} to {@code max}. */
    static Duration between(String v, String min, String max) {
      Duration d = Durations.parse(v);
      if (d.compareTo(Durations.parse(min)) < 0 || d.compareTo(Durations.parse(max)) > 0) {
        throw new IllegalArgumentException("must be " + min + " to " + max);
      }
      return d;
    }

    static Duration analysisTimeout(String v) {
      Duration d = Durations.parse(v);
      if (d.toSeconds() < 1 || d.toMinutes() > 30) {
        throw new IllegalArgumentException("must be 1s to 30m");
      }
      return d;
    }

    static Set<String> runtimes(String v) {
      Set<String> runtimes = new LinkedHashSet<>();
      for (String n : v.split(",")) {
        String name = n.trim().toLowerCase(java.util.Locale.ROOT);
        if (name.isEmpty()) {
          continue;
        }
        if (!List.of("node", "java", "native").contains(name)) {
          throw new IllegalArgumentException(
              "'" + name + "' is not a runtime: node, java or native");
        }
        runtimes.add(name);
      }
      return runtimes;
    }

    static boolean optIn(String v) {
      return switch (v.toLowerCase(java.util.Locale.ROOT)) {
        case "opt-out" -> false;
        case "opt-in" -> true;
        default -> throw new IllegalArgumentException("must be opt-out or opt-in");
      };
    }

    static String namespace(String v) {
      if (!v.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException("'" + v + "' is not a namespace name");
      }
      return v;
    }

    static Set<String> names(String v) {
      Set<String> names = new LinkedHashSet<>();
      for (String n : v.split(",")) {
        String name = n.trim();
        if (name.isEmpty()) {
          continue;
        }
        if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
          throw new IllegalArgumentException("'" + name + "' is not a namespace name");
        }
        names.add(name);
      }
      return names;
    }

    static Map<String, ScrubMode> scrubModes(String v) {
      Map<String, ScrubMode> modes = new java.util.LinkedHashMap<>();
      for (var e : pairs(v).entrySet()) {
        modes.put(e.getKey(), ScrubMode.parse(e.getValue()));
      }
      return modes;
    }

    static Optional<AgeRecipients> recipients(String v) {
      return v.isBlank() || v.equals("none")
          ? Optional.empty()
          : Optional.of(AgeRecipients.parse(v));
    }

    static Map<String, Optional<AgeRecipients>> namespaceRecipients(String v) {
      Map<String, Optional<AgeRecipients>> r = new java.util.LinkedHashMap<>();
      for (var e : pairs(v).entrySet()) {
        r.put(e.getKey(), recipients(e.getValue()));
      }
      return r;
    }

    /** {@code ns=value,ns2=value}: namespaces checked, values as given. */
    static Map<String, String> pairs(String v) {
      Map<String, String> pairs = new java.util.LinkedHashMap<>();
      for (String item : v.split(",")) {
        String t = item.trim();
        if (t.isEmpty()) {
          continue;
        }
        int eq = t.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("'" + t + "' is not namespace=value");
        }
        String ns = t.substring(0, eq).trim();
        names(ns);
        if (pairs.put(ns, t.substring(eq + 1).trim()) != null) {
          throw new IllegalArgumentException("namespace " + ns + " is given twice");
        }
      }
      return pairs;
    }

    static String keyTemplate(String v) {
      if (!v.contains("{name}") && !v.contains("{uuid}")) {
        throw new IllegalArgumentException(
            "must contain {name} or {uuid}, or dumps overwrite each other");
      }
      return v;
    }
  }
}
