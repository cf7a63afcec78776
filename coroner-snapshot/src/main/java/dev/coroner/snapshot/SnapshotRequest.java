package dev.coroner.snapshot;

import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.DumpInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * One snapshot to take.
 *
 * @param pid the process, on the host (where coroner runs)
 * @param settings the dump directory, name template, compression and limits, as for a crash
 * @param stopTimeout how long to wait for every thread to stop before giving up (a thread in
 *     uninterruptible sleep never stops)
 * @param version coroner's version, for dump-info
 * @param logFile where the dump writer's log goes; null for nowhere
 * @param additions what the caller adds to the dump (the node agent: the pod and its log)
 */
public record SnapshotRequest(
    int pid,
    SnapshotMethod method,
    CaptureSettings settings,
    Duration stopTimeout,
    String version,
    @Nullable Path logFile,
    Additions additions) {
  /** The default wait for threads to stop. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(2);

  /** A request that adds nothing to the dump. */
  public SnapshotRequest(
      int pid,
      SnapshotMethod method,
      CaptureSettings settings,
      Duration stopTimeout,
      String version,
      @Nullable Path logFile) {
    this(pid, method, settings, stopTimeout, version, logFile, Additions.NONE);
  }

  /** The same request with {@code additions}. */
  public SnapshotRequest withAdditions(Additions additions) {
    return new SnapshotRequest(pid, method, settings, stopTimeout, version, logFile, additions);
  }

  /**
   * What a caller adds to a snapshot's dump, as a crash's capture adds what the agent knows:
   * entries beside the /proc files (a container's log), and dump-info's last touches (the pod).
   * Both are applied after the core is read, off the freeze, and before the zip is published, so
   * whoever watches the dump directory sees them with the dump.
   *
   * @param files zip entries by name; a name that the dump already holds (a /proc file, the core,
   *     dump-info) is not replaced
   * @param info dump-info as written, to what the dump should say; it must keep the uuid and the
   *     name. Called on the snapshot's thread, possibly twice (a dump whose core could not be
   *     written is rewritten with its metadata only)
   */
  public record Additions(Map<String, byte[]> files, UnaryOperator<DumpInfo> info) {
    /** Nothing added. */
    public static final Additions NONE = new Additions(Map.of(), UnaryOperator.identity());

    public Additions {
      files = Map.copyOf(files);
    }
  }
}
