package dev.coroner.agent.kube;

import dev.coroner.base.threads.DaemonThreads;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Posts a Kubernetes Event on a crashed pod ({@code CoreDumped}, {@code CoreDumpSkipped}) from one
 * background thread, so that a capture never waits for or fails because of the API server.
 */
public final class PodEvents implements AutoCloseable {
  public static final String CORE_DUMPED = "CoreDumped";
  public static final String CORE_DUMP_SKIPPED = "CoreDumpSkipped";

  /** The reason of the Event a CoreDumpSnapshot request ends with, taken or failed. */
  public static final String SNAPSHOT = "Snapshot";

  public static final String SNAPSHOT_TRIGGERED = "SnapshotTriggered";
  public static final String COMPONENT = "coroner-agent";
  public static final String REPORTING_COMPONENT = "coroner.dev/agent";

  /** Events waiting beyond the one being posted; more are dropped and counted. */
  public static final int DEFAULT_QUEUE = 64;

  /** The API server's limit on a message (bytes). */
  static final int MESSAGE_LIMIT = 1024;

  // The API server's limits on the reporting instance and on any object name.
  private static final int INSTANCE_LIMIT = 128;
  private static final int NAME_LIMIT = 253;

  // The API server parses eventTime with exactly six fractional digits (RFC3339Micro).
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private static final Logger LOG = LoggerFactory.getLogger(PodEvents.class);
  private static final String WARNING = "Warning";

  /** What became of one event. */
  public enum Result {
    OK,
    FAILED,
    DROPPED;

    /** The metric label: ok, failed, dropped. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Told of every event's result, for metrics; must be quick and must not throw. */
  @FunctionalInterface
  public interface Listener {
    /** One event was posted, or was not. */
    void onResult(Result result);
  }

  private final KubernetesClient client;
  private final String nodeName;
  private final Listener listener;
  private final ThreadPoolExecutor executor;
  private final ApiFailures failures = new ApiFailures();
  private final AtomicLong posted = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong lastNanos = new AtomicLong();

  /** Posts through {@code client} as {@code nodeName}'s agent, with the default queue. */
  public PodEvents(KubernetesClient client, String nodeName) {
    this(client, nodeName, DEFAULT_QUEUE, result -> {});
  }

  /**
   * Posts through {@code client} (its timeouts bound each post: use {@link KubeClients}) as {@code
   * nodeName}'s agent. The client stays the caller's to close.
   */
  public PodEvents(KubernetesClient client, String nodeName, int queue, Listener listener) {
    this.client = Objects.requireNonNull(client, "client");
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queue),
            DaemonThreads.named("coroner-events"),
            (r, e) -> count(Result.DROPPED));
  }

  /** A dump was captured: {@code signalName} like SIGSEGV, {@code exe} the process's name. */
  public void coreDumped(PodRef pod, String signalName, @Nullable String exe, String dumpName) {
    coreDumped(pod, signalName, exe, null, dumpName);
  }

  /**
   * {@code CoreDumped}, naming where it crashed: {@code topFrame} is the analysis's first in-app
   * frame ({@code bar (index.js:11)}), null when unknown.
   */
  public void coreDumped(
      PodRef pod,
      String signalName,
      @Nullable String exe,
      @Nullable String topFrame,
      String dumpName) {
    String message =
        "Process "
            + exe
            + " dumped core on "
            + signalName
            + (topFrame == null ? "" : " in " + dev.coroner.base.text.SafeText.line(topFrame))
            + ": dump "
            + dumpName;
    submit(new Notice(pod, CORE_DUMPED, "CaptureCore", WARNING, message, Instant.now()));
  }

  /**
   * A crash whose core was not kept; {@code why} starts with the rule, like {@code "policy: exe
   * excluded"} or {@code "flood: 5 cores of ns/Deployment/web in 10m"}.
   */
  public void coreDumpSkipped(PodRef pod, String why, String signalName, @Nullable String exe) {
    String message = "Process " + exe + " crashed on " + signalName + ", core not kept: " + why;
    submit(new Notice(pod, CORE_DUMP_SKIPPED, "SkipCore", WARNING, message, Instant.now()));
  }

  /**
   * {@code Snapshot}: a snapshot of one of the pod's containers was taken (type Normal) or failed
   * (Warning); {@code message} says which, and names the dump or what to do.
   */
  public void snapshot(PodRef pod, boolean taken, String message) {
    submit(
        new Notice(pod, SNAPSHOT, "Snapshot", taken ? "Normal" : WARNING, message, Instant.now()));
  }

  /**
   * A snapshot trigger fired for one of the pod's containers; {@code message} says which, what it
   * saw and what came of it ({@code Snapshot trigger memory: memory 94% of 256 MiB; requested
   * ...}).
   */
  public void snapshotTriggered(PodRef pod, String message) {
    submit(new Notice(pod, SNAPSHOT_TRIGGERED, "RequestSnapshot", WARNING, message, Instant.now()));
  }

  /** Events the API server accepted. */
  public long posted() {
    return posted.get();
  }

  /** Events the API server refused or did not answer for. */
  public long failed() {
    return failed.get();
  }

  /** Events not sent because the queue was full or this was closed. */
  public long dropped() {
    return dropped.get();
  }

  /** Stops taking events and gives those queued up to two seconds to go out. */
  @Override
  public void close() {
    DaemonThreads.shutdown(executor, Duration.ofSeconds(2));
  }

  /** One event to post; its time is the caller's, so that a queued event says when it happened. */
  private record Notice(
      PodRef pod, String reason, String action, String type, String message, Instant at) {
    Notice {
      Objects.requireNonNull(pod, "pod");
    }
  }

  private void submit(Notice notice) {
    // The Event is built on the posting thread, which also loads fabric8's classes the first
    // time: the caller only queues.
    executor.execute(() -> post(notice));
  }

  private Event event(Notice notice) {
    PodRef pod = notice.pod();
    String time = notice.at().truncatedTo(ChronoUnit.SECONDS).toString();
    return new EventBuilder()
        .withNewMetadata()
        .withName(name(pod.name(), notice.at()))
        .withNamespace(pod.namespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withKind("Pod")
        .withApiVersion("v1")
        .withNamespace(pod.namespace())
        .withName(pod.name())
        .withUid(pod.uid())
        .endInvolvedObject()
        .withReason(notice.reason())
        .withType(notice.type())
        .withMessage(truncate(notice.message(), MESSAGE_LIMIT))
        .withNewSource(COMPONENT, nodeName)
        .withReportingComponent(REPORTING_COMPONENT)
        .withReportingInstance(truncate(nodeName, INSTANCE_LIMIT))
        // With eventTime set, the API server also requires an action.
        .withAction(notice.action())
        .withEventTime(new MicroTime(MICRO_TIME.format(notice.at())))
        .withFirstTimestamp(time)
        .withLastTimestamp(time)
        .withCount(1)
        .build();
  }

  /** {@code <pod>.<hex nanoseconds>}, as kubelet names its events; unique within this agent. */
  private String name(String pod, Instant now) {
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    long unique = lastNanos.accumulateAndGet(nanos, (last, t) -> Math.max(last + 1, t));
    String suffix = "." + Long.toHexString(unique);
    if (pod.length() + suffix.length() <= NAME_LIMIT) {
      return pod + suffix;
    }
    // Each dot-separated part of a name must end with a letter or digit.
    String prefix = pod.substring(0, NAME_LIMIT - suffix.length()).replaceAll("[-.]+$", "");
    return prefix + suffix;
  }

  private void post(Notice notice) {
    PodRef pod = notice.pod();
    try {
      client.v1().events().inNamespace(pod.namespace()).resource(event(notice)).create();
      count(Result.OK);
    } catch (RuntimeException e) {
      count(Result.FAILED);
      if (failures.first(e)) {
        MDC.put("namespace", pod.namespace());
        try {
          LOG.warn(
              "Could not post event {} on pod {}: {}; later failures of this kind are only counted"
                  + " (coroner_events_total)",
              notice.reason(),
              pod,
              ApiFailures.describe(e));
        } finally {
          MDC.remove("namespace");
        }
      }
    }
  }

  private void count(Result result) {
    switch (result) {
      case OK -> posted.incrementAndGet();
      case FAILED -> failed.incrementAndGet();
      case DROPPED -> dropped.incrementAndGet();
    }
    try {
      listener.onResult(result);
    } catch (RuntimeException e) {
      LOG.warn("Event listener failed: {}", e.toString());
    }
  }

  /** At most {@code limit} bytes of UTF-8, cut between characters. */
  static String truncate(String text, int limit) {
    if (text.length() * 3 <= limit || text.getBytes(StandardCharsets.UTF_8).length <= limit) {
      return text;
    }
    String ellipsis = "...";
    int budget = limit - ellipsis.length();
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > budget) {
        break;
      }
      bytes += size;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + ellipsis;
  }
}
