package dev.coroner.snapshot;

import dev.coroner.capture.settings.CaptureSettings;
import java.nio.file.Path;
import java.time.Duration;
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
 */
public record SnapshotRequest(
    int pid,
    SnapshotMethod method,
    CaptureSettings settings,
    Duration stopTimeout,
    String version,
    @Nullable Path logFile) {
  /** The default wait for threads to stop. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(2);
}
