package dev.coroner.dump;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What {@code dump-info.json} says about one dump: who died, how, and whether the core is whole.
 * The schema is documented in {@code docs/dump-info.md}; fields are only ever added within a {@link
 * #SCHEMA_VERSION}.
 *
 * @param analysis where the process died and its signature, added after the capture (the node agent
 *     before upload); null until then
 * @param binaries the executable and libraries the process mapped, and which of them the store
 *     keeps by build-id; empty until the agent looked
 */
public record DumpInfo(
    int schemaVersion,
    String uuid,
    String name,
    long timestamp,
    @Nullable String hostname,
    String nodeHostname,
    ProcessInfo process,
    @Nullable PodInfo pod,
    CoreInfo core,
    Integrity integrity,
    List<String> files,
    ComposerInfo composer,
    @Nullable SnapshotInfo snapshot,
    @Nullable ScrubInfo scrub,
    @Nullable EncryptionInfo encryption,
    @Nullable CrashAnalysis analysis,
    List<KeptBinary> binaries) {

  /** The version of the dump-info schema this code writes. */
  public static final int SCHEMA_VERSION = 1;

  /** The name of the metadata entry inside the zip. */
  public static final String ENTRY = "dump-info.json";

  public DumpInfo {
    files = List.copyOf(files);
    binaries = binaries == null ? List.of() : List.copyOf(binaries);
  }

  /** A dump of a crash: no {@link SnapshotInfo}. */
  public DumpInfo(
      int schemaVersion,
      String uuid,
      String name,
      long timestamp,
      @Nullable String hostname,
      String nodeHostname,
      ProcessInfo process,
      @Nullable PodInfo pod,
      CoreInfo core,
      Integrity integrity,
      List<String> files,
      ComposerInfo composer) {
    this(
        schemaVersion,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        process,
        pod,
        core,
        integrity,
        files,
        composer,
        null);
  }

  /**
   * A dump as a capture handler writes it: not scrubbed yet, not encrypted, no analysis yet, no
   * binaries looked at.
   */
  public DumpInfo(
      int schemaVersion,
      String uuid,
      String name,
      long timestamp,
      @Nullable String hostname,
      String nodeHostname,
      ProcessInfo process,
      @Nullable PodInfo pod,
      CoreInfo core,
      Integrity integrity,
      List<String> files,
      ComposerInfo composer,
      @Nullable SnapshotInfo snapshot) {
    this(
        schemaVersion,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        process,
        pod,
        core,
        integrity,
        files,
        composer,
        snapshot,
        null,
        null,
        null,
        List.of());
  }

  /**
   * The process that died. {@code pid} is in its own PID namespace, {@code hostPid} on the host.
   */
  public record ProcessInfo(
      @Nullable String exe,
      @Nullable String exePath,
      List<String> cmdline,
      long pid,
      long hostPid,
      long tid,
      long hostTid,
      long uid,
      long gid,
      int signal,
      @Nullable String containerId,
      @Nullable String coreLimit,
      boolean pidfdVerified) {
    public ProcessInfo {
      cmdline = List.copyOf(cmdline);
    }

    /** The signal's name, e.g. {@code SIGSEGV}. */
    public String signalName() {
      return Signals.name(signal);
    }
  }

  /**
   * The Kubernetes identity of the crashed container, or null for a process outside Kubernetes (or
   * when the runtime could not be asked in time). Resolved from the container ID through the
   * container runtime, never guessed from the hostname.
   *
   * @param image the image as the pod spec names it
   * @param imageDigest the image the runtime ran ({@code sha256:...} or a repo digest); null when
   *     the runtime did not say
   * @param restartCount the container's restarts before this crash; null when unknown
   * @param node the Kubernetes node name; null outside a cluster
   * @param labels the pod's labels (empty when unknown)
   * @param annotations the pod's annotations (empty when unknown)
   */
  public record PodInfo(
      String namespace,
      String name,
      String uid,
      String container,
      String image,
      @Nullable String imageDigest,
      @Nullable Integer restartCount,
      @Nullable String node,
      Map<String, String> labels,
      Map<String, String> annotations) {
    public PodInfo {
      labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
      annotations =
          annotations == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    /** The identity alone: what object metadata and dump names carry. */
    public PodInfo(String namespace, String name, String uid, String container, String image) {
      this(namespace, name, uid, container, image, null, null, null, Map.of(), Map.of());
    }

    /** {@code namespace/name}. */
    public String qualifiedName() {
      return namespace + "/" + name;
    }
  }

  /**
   * The core as the kernel sent it: {@code size} and {@code sha256} are of the raw bytes received,
   * {@code storedSize} of the zip entry's content, {@code expectedSize} what the ELF headers
   * announce (null when they could not be read).
   */
  public record CoreInfo(
      @Nullable String entry,
      @Nullable Compression compression,
      long size,
      long storedSize,
      @Nullable String sha256,
      @Nullable Long expectedSize) {}

  /**
   * Whether the core is whole; {@code cause} and {@code detail} say why not (both null when it is).
   * dump-info carries the cause's id as {@code integrity.cause} and {@link #reason()} as {@code
   * integrity.reason}, the text that dumps carried before {@code cause} existed.
   *
   * @param cause why the core is not whole; non-null exactly when {@code truncated}
   * @param detail what exactly happened, for a person (null when the cause says it all)
   */
  public record Integrity(
      boolean truncated, @Nullable IntegrityCause cause, @Nullable String detail) {
    public Integrity {
      if (truncated != (cause != null) || (!truncated && detail != null)) {
        throw new IllegalArgumentException(
            "a truncated core has a cause, a whole one none: " + cause + ", " + detail);
      }
    }

    /** The core is whole. */
    public static Integrity complete() {
      return new Integrity(false, null, null);
    }

    /** The core is not whole because of {@code cause}; {@code detail} may be null. */
    public static Integrity truncated(IntegrityCause cause, @Nullable String detail) {
      return new Integrity(true, cause, detail);
    }

    /**
     * Reads what a dump's {@code integrity} (or its object metadata) says: the {@code cause} id
     * when present, else the cause the old {@code reason} text starts with. The only place a cause
     * is derived from text.
     */
    public static Integrity read(
        boolean truncated, @Nullable String causeId, @Nullable String reason) {
      if (!truncated) {
        return complete();
      }
      IntegrityCause cause =
          causeId != null ? IntegrityCause.fromId(causeId) : IntegrityCause.ofReason(reason);
      if (cause == IntegrityCause.UNKNOWN || reason == null || !reason.startsWith(cause.id())) {
        return truncated(cause, reason);
      }
      String rest = reason.substring(cause.id().length());
      if (rest.isEmpty()) {
        return truncated(cause, null);
      }
      return truncated(cause, rest.startsWith(":") ? rest.substring(1).strip() : reason);
    }

    /**
     * The text form, {@code cause-id: detail} ({@code timeout} alone when there is no detail; an
     * unknown cause's own text); null for a whole core.
     */
    public @Nullable String reason() {
      // The constructor holds truncated == (cause != null).
      if (cause == null) {
        return null;
      }
      if (cause == IntegrityCause.UNKNOWN && detail != null) {
        return detail;
      }
      return detail == null ? cause.id() : cause.id() + ": " + detail;
    }
  }

  /** The composer that wrote the dump, how long it took and what it had to do without. */
  public record ComposerInfo(String version, long durationMs, List<String> warnings) {
    public ComposerInfo {
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * A snapshot of a live process ({@code coroner snapshot}): the process was not crashing, its
   * signal is 0, and it kept running. Null for a crash; dump-info then has no {@code snapshot}.
   *
   * @param method how the memory was taken: {@code fork} (a copy-on-write child, dumped after the
   *     threads ran on) or {@code stop} (read while every thread was stopped)
   * @param freezeMicros how long every thread of the process was stopped
   * @param threads how many threads the core carries
   */
  public record SnapshotInfo(String method, long freezeMicros, int threads) {
    /** The freeze in whole milliseconds, rounded up (a freeze is never reported as 0 ms). */
    public long freezeMs() {
      return (freezeMicros + 999) / 1000;
    }
  }

  /**
   * What the scrubber did to this dump before it was listed or uploaded (null: not scrubbed, as
   * every dump before the scrubber and every dump still on its way). Rule ids and counts only,
   * never a value.
   *
   * @param mode the {@link ScrubMode} id that was applied ({@code off}, {@code default}, {@code
   *     drop-heap}); a string, so that a newer writer's mode still reads
   * @param rules rule id to matches, over the core and every text entry (only rules that matched)
   * @param complete whether every byte that had to be scanned was; false for {@code off} and for a
   *     scrub that failed (its core was then dropped: {@code integrity.cause} {@code scrub-failed})
   * @param durationMs how long the scrub took (decompress, scan, recompress)
   */
  public record ScrubInfo(String mode, Map<String, Long> rules, boolean complete, long durationMs) {
    public ScrubInfo {
      rules = rules == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(rules));
    }

    /** All matches, summed over the rules. */
    public long totalMatches() {
      return rules.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * How a stored dump is encrypted at rest (null: it is not). Set on what is stored beside an
   * encrypted object, never inside the zip it encrypts.
   *
   * @param format {@code age} (the age v1 file format, X25519 recipients)
   * @param recipients the public keys ({@code age1...}) whose identities decrypt it
   * @param withheld the dump-info fields left out of the readable copy beside the object (they are
   *     in the encrypted zip): {@code process.cmdline}, {@code pod.labels}, ...
   */
  public record EncryptionInfo(String format, List<String> recipients, List<String> withheld) {
    public EncryptionInfo {
      recipients = recipients == null ? List.of() : List.copyOf(recipients);
      withheld = withheld == null ? List.of() : List.copyOf(withheld);
    }
  }

  /** The same dump with the pod identity {@code p}. */
  public DumpInfo withPod(@Nullable PodInfo p) {
    return new DumpInfo(
        schemaVersion,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        process,
        p,
        core,
        integrity,
        files,
        composer,
        snapshot,
        scrub,
        encryption,
        analysis,
        binaries);
  }

  /**
   * The same dump with its analysis (null: none, as when analysis is off and only binaries were
   * looked at) and the binaries looked at.
   */
  public DumpInfo withAnalysis(@Nullable CrashAnalysis a, List<KeptBinary> b) {
    return new DumpInfo(
        schemaVersion,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        process,
        pod,
        core,
        integrity,
        files,
        composer,
        snapshot,
        scrub,
        encryption,
        a,
        b);
  }

  /** The same dump after a scrub: its process and pod text, core, integrity, files and report. */
  public DumpInfo scrubbed(
      ProcessInfo p,
      @Nullable PodInfo pod,
      CoreInfo c,
      Integrity i,
      List<String> entries,
      ScrubInfo s) {
    return new DumpInfo(
        schemaVersion,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        p,
        pod,
        c,
        i,
        entries,
        composer,
        snapshot,
        s,
        encryption,
        analysis,
        binaries);
  }

  /**
   * The copy of this dump-info that stays readable beside an object encrypted as {@code e}: what a
   * listing and {@code coroner info} need, without the text taken from the process and its pod (the
   * command line, labels, annotations, the composer's warnings) and the frames read from its core
   * (the top frame and the signatures stay, for listing and grouping), which only the encrypted zip
   * holds.
   */
  public DumpInfo readableCopy(EncryptionInfo e) {
    ProcessInfo p =
        new ProcessInfo(
            process.exe(),
            process.exePath(),
            List.of(),
            process.pid(),
            process.hostPid(),
            process.tid(),
            process.hostTid(),
            process.uid(),
            process.gid(),
            process.signal(),
            process.containerId(),
            process.coreLimit(),
            process.pidfdVerified());
    PodInfo q =
        pod == null
            ? null
            : new PodInfo(
                pod.namespace(),
                pod.name(),
                pod.uid(),
                pod.container(),
                pod.image(),
                pod.imageDigest(),
                pod.restartCount(),
                pod.node(),
                Map.of(),
                Map.of());
    return new DumpInfo(
        schemaVersion,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        p,
        q,
        core,
        integrity,
        files,
        new ComposerInfo(composer.version(), composer.durationMs(), List.of()),
        snapshot,
        scrub,
        e,
        analysis == null
            ? null
            : new CrashAnalysis(
                analysis.runtime(),
                analysis.signature(),
                analysis.signature3(),
                analysis.topFrame(),
                analysis.tool(),
                analysis.durationMs(),
                null,
                List.of()),
        binaries);
  }

  /** The dump-info fields {@link #readableCopy} leaves out. */
  public static final List<String> WITHHELD =
      List.of(
          "process.cmdline",
          "pod.labels",
          "pod.annotations",
          "composer.warnings",
          "analysis.frames",
          "analysis.problem");

  /** Serialises to the documented JSON schema. */
  public String toJson() {
    JsonWriter w = new JsonWriter().begin();
    w.field("schema_version", schemaVersion)
        .field("uuid", uuid)
        .field("name", name)
        .field("timestamp", timestamp)
        .field("time", Instant.ofEpochSecond(timestamp).toString())
        .field("hostname", hostname)
        .field("node_hostname", nodeHostname);
    w.object("process")
        .field("exe", process.exe())
        .field("exe_path", process.exePath())
        .field("cmdline", process.cmdline())
        .field("pid", process.pid())
        .field("host_pid", process.hostPid())
        .field("tid", process.tid())
        .field("host_tid", process.hostTid())
        .field("uid", process.uid())
        .field("gid", process.gid())
        .field("signal", process.signal())
        .field("signal_name", process.signalName())
        .field("container_id", process.containerId())
        .field("core_limit", process.coreLimit())
        .field("pidfd_verified", process.pidfdVerified())
        .end();
    if (pod == null) {
      w.nullField("pod");
    } else {
      w.object("pod")
          .field("namespace", pod.namespace())
          .field("name", pod.name())
          .field("uid", pod.uid())
          .field("container", pod.container())
          .field("image", pod.image())
          .field("image_digest", pod.imageDigest())
          .field("restart_count", pod.restartCount() == null ? null : (long) pod.restartCount())
          .field("node", pod.node())
          .field("labels", pod.labels())
          .field("annotations", pod.annotations())
          .end();
    }
    w.object("core")
        .field("entry", core.entry())
        .field("compression", core.compression() == null ? null : core.compression().id())
        .field("size", core.size())
        .field("stored_size", core.storedSize())
        .field("sha256", core.sha256())
        .field("expected_size", core.expectedSize())
        .end();
    w.object("integrity")
        .field("complete", !integrity.truncated())
        .field("truncated", integrity.truncated())
        .field("cause", integrity.cause() == null ? null : integrity.cause().id())
        .field("reason", integrity.reason())
        .end();
    w.field("files", files);
    w.object("composer")
        .field("version", composer.version())
        .field("duration_ms", composer.durationMs())
        .field("warnings", composer.warnings())
        .end();
    if (snapshot != null) {
      w.object("snapshot")
          .field("method", snapshot.method())
          .field("freeze_ms", snapshot.freezeMs())
          .field("freeze_micros", snapshot.freezeMicros())
          .field("threads", snapshot.threads())
          .end();
    }
    if (scrub != null) {
      w.object("scrub")
          .field("mode", scrub.mode())
          .counts("rules", scrub.rules())
          .field("complete", scrub.complete())
          .field("duration_ms", scrub.durationMs())
          .end();
    }
    if (encryption != null) {
      w.object("encryption")
          .field("format", encryption.format())
          .field("recipients", encryption.recipients())
          .field("withheld", encryption.withheld())
          .end();
    }
    // Left out until there is something: the composer's dump-info stays as it was.
    if (analysis != null) {
      analysis.write(w);
    }
    if (!binaries.isEmpty()) {
      w.objects("binaries", binaries.stream().map(KeptBinary::toMap).toList());
    }
    return w.end().toString();
  }
}
