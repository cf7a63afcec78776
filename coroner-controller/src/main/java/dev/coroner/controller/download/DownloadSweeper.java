package dev.coroner.controller.download;

import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumpDownloadStatus;
import dev.coroner.kube.api.CoronerApi;
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
    Instant expires = s == null ? null : CoronerApi.instant(s.expiresAt());
    if (expires != null) {
      return !now.isBefore(expires);
    }
    // A malformed expiry counts from the request's creation, as a missing one does.
    Instant since =
        java.util.Objects.requireNonNullElse(
            CoronerApi.instant(d.getMetadata().getCreationTimestamp()), now);
    Duration kept =
        s != null && CoreDumpDownloadStatus.FAILED.equals(s.phase()) ? FAILED_KEPT : STALE;
    return !now.isBefore(since.plus(kept));
  }
}
