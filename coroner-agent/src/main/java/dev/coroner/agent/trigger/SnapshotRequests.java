package dev.coroner.agent.trigger;

import dev.coroner.agent.kube.ApiFailures;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.kube.PodOwners;
import dev.coroner.agent.kube.PodRef;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.base.units.Durations;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import dev.coroner.kube.api.CoronerApi;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns firings into {@link CoreDumpSnapshot} requests in the pod's namespace, which the agent's
 * snapshot reconciler carries out like anyone's: one path, an audit trail in the API, and RBAC.
 * From one background thread, so no informer or poll waits for the API. Rate-limited per workload
 * (the pod's owner, one request per {@code window}) and per node (one request in flight: created
 * and not yet {@code Succeeded} or {@code Failed}, for at most {@link #IN_FLIGHT_LIMIT}). Every
 * outcome is counted, logged and told on the pod as a {@code SnapshotTriggered} Event; a failed
 * request is logged with advice and never thrown.
 */
final class SnapshotRequests implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotRequests.class);

  /** A request not done after this long no longer holds the node's next one back. */
  static final Duration IN_FLIGHT_LIMIT = Duration.ofMinutes(10);

  private static final int QUEUE = 16;
  private static final int WORKLOADS = 4096;

  /** What became of one firing. */
  enum Outcome {
    REQUESTED,
    RATE_LIMITED,
    FAILED;

    /** The metric label. */
    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Told of every outcome, for metrics. */
  @FunctionalInterface
  interface Listener {
    /** {@code trigger} fired and this came of it. */
    void outcome(Trigger trigger, Outcome outcome);
  }

  /**
   * Where requests go and who asks.
   *
   * @param client the API
   * @param node this node's name, the request's {@link CoronerApi#LABEL_NODE}
   * @param requester the agent's user, the request's {@code spec.requester}
   * @param window at most one request per workload within it; zero: no limit
   */
  record Target(KubernetesClient client, String node, String requester, Duration window) {}

  private record InFlight(String namespace, String name, Instant created) {}

  private final Target target;
  private final PodOwners owners;
  private final @Nullable PodEvents events;
  private final Listener listener;
  private final Clock clock;
  private final ThreadPoolExecutor executor;
  // Only the executor's thread touches these.
  private final Map<String, Instant> lastByWorkload =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
          return size() > WORKLOADS;
        }
      };
  private @Nullable InFlight inFlight;

  SnapshotRequests(
      Target target, PodOwners owners, @Nullable PodEvents events, Listener listener, Clock clock) {
    this.target = target;
    this.owners = owners;
    this.events = events;
    this.listener = listener;
    this.clock = clock;
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            DaemonThreads.named("coroner-snapshot-triggers"));
  }

  /** Queues a firing; returns at once. */
  void fire(Firing firing) {
    try {
      executor.execute(() -> handle(firing));
    } catch (RejectedExecutionException e) {
      LOG.warn(
          "Snapshot trigger {} for {} dropped: {} firings are waiting already, or the agent stops",
          firing.trigger().id(),
          firing.container(),
          QUEUE);
      count(firing.trigger(), Outcome.FAILED);
    }
  }

  private void handle(Firing f) {
    PodRef pod = f.container().pod();
    MDC.put("namespace", pod.namespace());
    try {
      Instant now = clock.instant();
      String workload = owners.workloadKey(pod);
      Instant last = lastByWorkload.get(workload);
      String why;
      Outcome outcome;
      InFlight busy = null;
      if (!target.window().isZero() && last != null && now.isBefore(last.plus(target.window()))) {
        outcome = Outcome.RATE_LIMITED;
        why =
            "not requested: one of "
                + workload
                + " was requested "
                + ago(last, now)
                + " ago, and the limit is one per "
                + Durations.format(target.window());
      } else if ((busy = busy(now)) != null) {
        outcome = Outcome.RATE_LIMITED;
        why =
            "not requested: CoreDumpSnapshot "
                + busy.namespace()
                + "/"
                + busy.name()
                + " is still in flight on this node, and the limit is one at a time";
      } else {
        String created = create(f);
        if (created != null) {
          outcome = Outcome.REQUESTED;
          why = "requested CoreDumpSnapshot " + pod.namespace() + "/" + created;
          inFlight = new InFlight(pod.namespace(), created, now);
          lastByWorkload.put(workload, now);
        } else {
          outcome = Outcome.FAILED;
          why = "the request could not be created (see the agent's log)";
        }
      }
      String message = "Snapshot trigger " + f.trigger().id() + ": " + f.reason() + "; " + why;
      if (outcome == Outcome.FAILED) {
        LOG.warn("{}: {}", f.container(), message);
      } else {
        LOG.info("{}: {}", f.container(), message);
      }
      count(f.trigger(), outcome);
      if (events != null) {
        events.snapshotTriggered(pod, message);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Snapshot trigger {} for {} failed: {}", f.trigger().id(), f.container(), e.toString());
      count(f.trigger(), Outcome.FAILED);
    } finally {
      MDC.remove("namespace");
    }
  }

  /** The node's request still in flight, if any. */
  private @Nullable InFlight busy(Instant now) {
    InFlight last = inFlight;
    if (last == null || !now.isBefore(last.created().plus(IN_FLIGHT_LIMIT))) {
      return null;
    }
    try {
      CoreDumpSnapshot s =
          target
              .client()
              .resources(CoreDumpSnapshot.class)
              .inNamespace(last.namespace())
              .withName(last.name())
              .get();
      if (s == null || (s.getStatus() != null && s.getStatus().done())) {
        inFlight = null;
        return null;
      }
      return last;
    } catch (KubernetesClientException e) {
      // Without an answer, the request is assumed done rather than holding every trigger back.
      LOG.info(
          "Cannot read CoreDumpSnapshot {}/{} ({}); the agent's ClusterRole needs"
              + " coredumpsnapshots: get",
          last.namespace(),
          last.name(),
          ApiFailures.describe(e));
      inFlight = null;
      return null;
    }
  }

  /** Creates the request; its name, or null when it could not be created (logged). */
  private @Nullable String create(Firing f) {
    PodRef pod = f.container().pod();
    CoreDumpSnapshot s = new CoreDumpSnapshot();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(
        CoronerApi.LABEL_NODE,
        Objects.requireNonNullElse(CoronerApi.labelValue(target.node()), ""));
    labels.put(
        CoronerApi.LABEL_POD, Objects.requireNonNullElse(CoronerApi.labelValue(pod.name()), ""));
    labels.put(CoronerApi.LABEL_MANAGED_BY, CoronerApi.MANAGER);
    s.setMetadata(
        new ObjectMetaBuilder()
            .withGenerateName(pod.name() + "-" + f.trigger().id() + "-")
            .withNamespace(pod.namespace())
            .withLabels(labels)
            .build());
    s.setSpec(
        new CoreDumpSnapshotSpec(
            pod.name(),
            f.container().name(),
            null,
            f.trigger().id(),
            f.reason(),
            target.requester()));
    try {
      CoreDumpSnapshot created = target.client().resource(s).create();
      return created.getMetadata().getName();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "Could not create a CoreDumpSnapshot for {} in namespace {}: {}. {}",
          f.container(),
          pod.namespace(),
          ApiFailures.describe(e),
          advice(e));
      return null;
    }
  }

  private static String advice(KubernetesClientException e) {
    return switch (e.getCode()) {
      case 403 ->
          "The agent's ClusterRole needs coredumpsnapshots: create in group coroner.dev (chart:"
              + " rbac.create with snapshotTriggers.enabled).";
      case 404 ->
          "The CoreDumpSnapshot CRD is not installed: apply charts/coroner/crds (helm installs"
              + " but never upgrades CRDs).";
      case 422 -> "The API server refused the request's fields; this is a bug, please report it.";
      case 0 -> "The API server did not answer; the next firing tries again.";
      default -> "The next firing tries again.";
    };
  }

  private static String ago(Instant then, Instant now) {
    return Durations.format(Duration.ofSeconds(Duration.between(then, now).toSeconds()));
  }

  private void count(Trigger trigger, Outcome outcome) {
    try {
      listener.outcome(trigger, outcome);
    } catch (RuntimeException e) {
      LOG.warn("Snapshot trigger listener failed: {}", e.toString());
    }
  }

  /** Stops taking firings and gives those queued two seconds. */
  @Override
  public void close() {
    DaemonThreads.shutdown(executor, Duration.ofSeconds(2));
  }
}
