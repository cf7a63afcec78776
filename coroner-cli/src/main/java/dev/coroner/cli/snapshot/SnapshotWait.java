package dev.coroner.cli.snapshot;

import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Waits for the agent's answer to one CoreDumpSnapshot through an informer on that one object
 * (list, then watch, relisting after a dropped watch): every change arrives as an event, nothing is
 * polled.
 */
final class SnapshotWait {
  /** What the wait is told as it goes. */
  interface Progress {
    /** An agent has taken the request: its first status. */
    void taken(CoreDumpSnapshotStatus status);

    /** No agent has taken the request after the notice's delay. */
    void noAgentYet(Duration waited);
  }

  /** How a wait ends. */
  enum End {
    /** The agent finished: Succeeded or Failed. */
    DONE,
    /** The request was deleted before it finished. */
    DELETED,
    /** The deadline passed. */
    TIMED_OUT
  }

  /**
   * How the wait ended.
   *
   * @param end why it ended
   * @param last the status seen last: the final one when done; null when no agent took it
   */
  record Outcome(End end, @Nullable CoreDumpSnapshotStatus last) {}

  /** An event: the object as it is now (null: deleted), or the informer's failure. */
  private record Event(@Nullable CoreDumpSnapshot snapshot, @Nullable Throwable failure) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  SnapshotWait(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  /**
   * Waits up to {@code timeout}; tells {@code progress} once after {@code notice} when no agent has
   * taken the request by then.
   *
   * @throws KubernetesClientException when the object cannot be listed or watched
   */
  Outcome await(Duration timeout, Duration notice, Progress progress) throws InterruptedException {
    Instant start = Instant.now();
    Instant deadline = start.plus(timeout);
    Instant noticeAt = start.plus(notice);
    BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    try (SharedIndexInformer<CoreDumpSnapshot> informer = inform(events)) {
      informer
          .stopped()
          .whenComplete(
              (v, t) -> {
                if (t != null) {
                  events.add(new Event(null, t));
                }
              });
      CoreDumpSnapshotStatus last = null;
      // inform() returns once the informer has listed: a request gone by then was deleted before
      // it could be watched, and no event will ever say so.
      if (informer.getStore().list().isEmpty()) {
        return new Outcome(End.DELETED, null);
      }
      boolean noticed = false;
      while (true) {
        Instant now = Instant.now();
        if (!now.isBefore(deadline)) {
          return new Outcome(End.TIMED_OUT, last);
        }
        boolean waitingForNotice = last == null && !noticed && noticeAt.isBefore(deadline);
        Instant until = waitingForNotice && noticeAt.isAfter(now) ? noticeAt : deadline;
        Event e = events.poll(Duration.between(now, until).toMillis() + 1, TimeUnit.MILLISECONDS);
        if (e == null) {
          if (waitingForNotice && !Instant.now().isBefore(noticeAt)) {
            noticed = true;
            progress.noAgentYet(notice);
          }
          continue;
        }
        if (e.failure() != null) {
          throw e.failure() instanceof KubernetesClientException k
              ? k
              : new KubernetesClientException(
                  String.valueOf(e.failure().getMessage()), e.failure());
        }
        CoreDumpSnapshot s = e.snapshot();
        if (s == null) {
          return new Outcome(End.DELETED, last);
        }
        CoreDumpSnapshotStatus status = s.getStatus();
        if (status == null || status.phase() == null) {
          continue;
        }
        if (last == null) {
          progress.taken(status);
        }
        last = status;
        if (status.done()) {
          return new Outcome(End.DONE, status);
        }
      }
    }
  }

  private SharedIndexInformer<CoreDumpSnapshot> inform(BlockingQueue<Event> events) {
    return client
        .resources(CoreDumpSnapshot.class)
        .inNamespace(namespace)
        .withName(name)
        .inform(
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(CoreDumpSnapshot s) {
                events.add(new Event(s, null));
              }

              @Override
              public void onUpdate(CoreDumpSnapshot before, CoreDumpSnapshot now) {
                events.add(new Event(now, null));
              }

              @Override
              public void onDelete(CoreDumpSnapshot s, boolean finalStateUnknown) {
                events.add(new Event(null, null));
              }
            },
            0);
  }
}
