package dev.coroner.controller.download;

import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumpDownloadStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

/**
 * Deletes download requests that are done: answered ones once their URL has expired, refused ones
 * after {@link #FAILED_KEPT} (long enough for the requester to read why), and unanswered ones after
 * {@link #STALE}.
 */
public final class DownloadSweeper {
  /** How long a refused request stays for its requester to read. */
  public static final Duration FAILED_KEPT = Duration.ofMinutes(10);

  /** How long a request may wait unanswered before it is dropped. */
  public static final Duration STALE = Duration.ofHours(1);

  private final KubernetesClient client;
  private final Clock clock;

  public DownloadSweeper(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Deletes those of {@code requests} that are done; the number deleted. */
  public int sweep(Collection<CoreDumpDownload> requests) {
    int deleted = 0;
    for (CoreDumpDownload d : requests) {
      if (done(d, clock.instant())) {
        client.resource(d).delete();
        deleted++;
      }
    }
    return deleted;
  }

  /** Whether {@code d} is done at {@code now}. */
  static boolean done(CoreDumpDownload d, Instant now) {
    if (d.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    CoreDumpDownloadStatus s = d.getStatus();
    if (s != null && s.expiresAt() != null) {
      return !now.isBefore(Instant.parse(s.expiresAt()));
    }
    String created = d.getMetadata().getCreationTimestamp();
    Instant since = created == null ? now : Instant.parse(created);
    Duration kept =
        s != null && CoreDumpDownloadStatus.FAILED.equals(s.phase()) ? FAILED_KEPT : STALE;
    return !now.isBefore(since.plus(kept));
  }
}
