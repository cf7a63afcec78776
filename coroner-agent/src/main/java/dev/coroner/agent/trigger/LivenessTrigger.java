package dev.coroner.agent.trigger;

import dev.coroner.base.text.SafeText;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Fires on the Nth consecutive failed liveness probe of a container, before the kubelet restarts it
 * (its default failureThreshold is 3, and N is 2 by default).
 *
 * <p>The kubelet reports each failure as an Event (reason {@code Unhealthy}, message {@code
 * Liveness probe failed: ...} or {@code Liveness probe errored: ...}, the pod as involvedObject
 * with {@code fieldPath spec.containers{NAME}}), and aggregates repeats into one Event whose {@code
 * count} (or {@code series.count}) grows. This watches those Events (field selector {@code
 * involvedObject.kind=Pod,reason=Unhealthy}: the API cannot select by node, so every agent sees
 * every pod's and keeps those of its node's pods), and counts a container's failures from the
 * increments of each Event's count:
 *
 * <ul>
 *   <li>only failures at or after the container's current {@code startedAt}: a restart (new {@code
 *       startedAt}, {@code restartCount}) starts again from 0;
 *   <li>a gap longer than two probe periods plus the timeout between two failures means the kubelet
 *       saw a success in between (no Event says so), and the count starts again;
 *   <li>an Event first seen with failures from before the start counts one.
 * </ul>
 */
final class LivenessTrigger implements AutoCloseable {
  private static final Pattern FIELD_PATH = Pattern.compile("spec\\.containers\\{([^}]{1,253})}");

  /** One run of one container: its failures in a row. */
  private static final class Run {
    final Instant startedAt;
    int failures;
    @Nullable Instant last;
    boolean fired;

    Run(Instant startedAt) {
      this.startedAt = startedAt;
    }
  }

  private final KubernetesClient client;
  private final NodePods pods;
  private final int threshold;
  private final Consumer<Firing> fire;
  private final InformerFailures failures = new InformerFailures("events", "list, watch");

  /** An Event's count when last seen, and the run of the container it is about. */
  private record Seen(int count, String run) {}

  // Guarded by this: the Event informer's thread and close(). Only Events of watched containers.
  private final Map<String, Seen> counts = new HashMap<>();
  private final Map<String, Run> runs = new HashMap<>();
  private @Nullable SharedIndexInformer<Event> informer;

  LivenessTrigger(KubernetesClient client, NodePods pods, int threshold, Consumer<Firing> fire) {
    this.client = client;
    this.pods = pods;
    this.threshold = threshold;
    this.fire = fire;
  }

  /** Watches Unhealthy Events, if it does not already. */
  synchronized void start() {
    if (informer != null) {
      return;
    }
    SharedIndexInformer<Event> i =
        client
            .v1()
            .events()
            .inAnyNamespace()
            .withField("involvedObject.kind", "Pod")
            .withField("reason", "Unhealthy")
            .runnableInformer(0);
    i.exceptionHandler(failures::retry);
    i.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Event e) {
            observe(e);
          }

          @Override
          public void onUpdate(Event old, Event e) {
            observe(e);
          }

          @Override
          public void onDelete(Event e, boolean finalStateUnknown) {
            forget(e);
          }
        });
    informer = i;
    var unused = i.start();
  }

  /** Whether it watches Events now. */
  synchronized boolean started() {
    return informer != null;
  }

  /** Stops watching Events (no pod on the node has the trigger any more). */
  synchronized void stop() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
    counts.clear();
    runs.clear();
  }

  synchronized void observe(Event e) {
    ObjectReference pod = e.getInvolvedObject();
    String message = e.getMessage();
    if (pod == null
        || !"Pod".equals(pod.getKind())
        || !"Unhealthy".equals(e.getReason())
        || message == null
        || !(message.startsWith("Liveness probe failed")
            || message.startsWith("Liveness probe errored"))
        || pod.getUid() == null
        || pod.getFieldPath() == null) {
      return;
    }
    Matcher m = FIELD_PATH.matcher(pod.getFieldPath());
    if (!m.matches()) {
      return;
    }
    WatchedContainer container = pods.container(pod.getUid(), m.group(1));
    if (container == null || !container.triggers().contains(Trigger.LIVENESS)) {
      return; // another node's pod, or one without the trigger
    }
    String runKey = pod.getUid() + "/" + container.name();
    int count = count(e);
    Seen seen = counts.put(key(e), new Seen(count, runKey));
    int added = count - (seen == null ? 0 : seen.count());
    Instant at = time(e);
    if (added <= 0 || at == null || at.isBefore(container.startedAt())) {
      return; // a resync, or failures of an earlier run
    }
    if (seen == null) {
      Instant first = instant(e.getFirstTimestamp());
      if (first == null || first.isBefore(container.startedAt())) {
        added = 1; // some of them were before this run started; the last one was not
      }
    }
    Run run = runs.get(runKey);
    if (run == null || !run.startedAt.equals(container.startedAt())) {
      run = new Run(container.startedAt());
      runs.put(runKey, run);
    }
    Duration gap = container.probe().multipliedBy(2);
    if (run.last != null && Duration.between(run.last, at).compareTo(gap) > 0) {
      run.failures = 0; // a success in between
    }
    run.failures += added;
    run.last = at;
    if (run.failures >= threshold && !run.fired) {
      run.fired = true;
      fire.accept(new Firing(container, Trigger.LIVENESS, reason(run.failures, message)));
    }
  }

  private String reason(int failures, String message) {
    String probe = Objects.requireNonNull(SafeText.line(message));
    if (probe.length() > 200) {
      probe = probe.substring(0, 200) + "...";
    }
    return "liveness probe failed " + failures + " times in a row (" + probe + ")";
  }

  private synchronized void forget(Event e) {
    counts.remove(key(e));
  }

  private static String key(Event e) {
    return e.getMetadata().getNamespace() + "/" + e.getMetadata().getName();
  }

  /** The failures the Event stands for: its count, or its series' (events.k8s.io style). */
  private static int count(Event e) {
    int count = e.getCount() == null ? 1 : e.getCount();
    if (e.getSeries() != null && e.getSeries().getCount() != null) {
      count = Math.max(count, e.getSeries().getCount());
    }
    return Math.max(1, count);
  }

  /** When the latest failure was seen. */
  private static @Nullable Instant time(Event e) {
    Instant last = instant(e.getLastTimestamp());
    if (last == null && e.getSeries() != null && e.getSeries().getLastObservedTime() != null) {
      last = instant(e.getSeries().getLastObservedTime().getTime());
    }
    if (last == null && e.getEventTime() != null) {
      last = instant(e.getEventTime().getTime());
    }
    return last;
  }

  private static @Nullable Instant instant(@Nullable String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Forgets the containers no longer on the node, and their Events. */
  synchronized void retain() {
    runs.keySet().removeIf(this::gone);
    counts.values().removeIf(seen -> gone(seen.run()));
  }

  private boolean gone(String run) {
    int slash = run.indexOf('/');
    return pods.container(run.substring(0, slash), run.substring(slash + 1)) == null;
  }

  @Override
  public void close() {
    stop();
  }
}
