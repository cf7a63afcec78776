package dev.coroner.agent.snapshot;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.kube.ApiFailures;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.text.SafeText;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.PodInfo;
import dev.coroner.dump.name.SafeNames;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.snapshot.SnapshotResult;
import dev.coroner.snapshot.Snapshotter;
import dev.coroner.store.archive.DumpArchive;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Carries out the CoreDumpSnapshot requests for this node's pods: an informer on the requests in
 * every namespace labelled {@code coroner.dev/node=<this node>}. A request without a phase is taken
 * ({@code Running}), resolved to a process ({@link TargetResolver}), queued ({@link
 * SnapshotQueue}), snapshotted ({@link SnapshotTaker}); it ends {@code Succeeded} once its dump's
 * upload is verified, or {@code Failed} with a reason, an exit code and a message that says what to
 * do. A request that has ended is never taken again; one left {@code Running} by an earlier run of
 * this agent is failed (or, when its dump was written and still waits in the dump directory,
 * followed to its upload). A request this run has taken stays this run's until it ends, however
 * long its upload takes: it is held apart from the bounded memory of requests handled, so that no
 * number of later requests makes it look left behind. A conflict while taking one (someone changed
 * it since the informer saw it) re-reads it and decides again.
 *
 * <p>Decisions and state live on one thread: the informer's events, the snapshots' results and the
 * uploads are all handed to it.
 */
public final class SnapshotReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReconciler.class);

  /** Snapshots waiting beyond those in flight; more are refused ({@code RateLimited}). */
  static final int MAX_WAITING = 16;

  /** How often the informer hands every request over again (a request it could not take). */
  static final Duration RESYNC = Duration.ofMinutes(1);

  private static final int REMEMBERED = 4096;

  /** Takes of one request tried when each finds it changed (409) yet still free. */
  static final int TAKE_ATTEMPTS = 3;

  /**
   * What the agent gives the reconciler.
   *
   * @param node this agent's node (CORONER_NODE_NAME)
   * @param capture the agent's capture settings: the dump directory it watches, names, limits
   * @param maxInFlight snapshots taken at once
   * @param version the agent's version, for dump-info
   */
  public record Settings(String node, CaptureSettings capture, int maxInFlight, String version) {}

  /** Told of each snapshot's dump and process before its zip is published (kept binaries). */
  @FunctionalInterface
  public interface DumpListener {
    /** Dump {@code uuid} of process {@code hostPid} is about to be published. */
    void dumping(String uuid, long hostPid);
  }

  /**
   * The agent's parts a snapshot uses.
   *
   * @param snapshotter the engine (its ptrace says whether this JVM can trace)
   * @param runtime the container runtime
   * @param identity a container's pod identity, as the crash path writes it into dump-info
   * @param dumping told each dump's uuid and process before the zip is published (kept binaries)
   * @param events the pods' Events; null when off or outside a cluster
   * @param metrics the agent's metrics
   */
  public record Parts(
      Snapshotter snapshotter,
      ContainerRuntime runtime,
      Function<ContainerMetadata, PodInfo> identity,
      DumpListener dumping,
      @Nullable PodEvents events,
      AgentMetrics metrics) {}

  private final KubernetesClient client;
  private final Settings settings;
  private final Parts parts;
  private final Clock clock;
  private final TargetResolver resolver;
  private final SnapshotTaker taker;
  private final StatusWriter statuses;
  private final ExecutorService work =
      Executors.newSingleThreadExecutor(DaemonThreads.named("coroner-snapshots"));
  private final ExecutorService workers =
      Executors.newCachedThreadPool(DaemonThreads.numbered("coroner-snapshot-worker"));
  private final SnapshotQueue queue;
  private final ApiFailures failures = new ApiFailures();
  private final ApiFailures watchFailures = new ApiFailures();
  // On the work thread only: requests this run has taken and not ended (by uid; never evicted:
  // each leaves as it ends), requests it has handled or left to another agent (by uid, the latest
  // few), dumps waiting for their upload (by uuid), and dumps uploaded lately that nobody waited
  // for yet (a restart's race).
  private final Map<String, Request> underWay = new HashMap<>();
  private final Map<String, Boolean> seen;
  private final Map<String, Request> pending = new HashMap<>();
  private final Map<String, DumpInfo> uploadedLately = lru(256);

  /** Dumps the uploader gave up on before a request left by a restart waited for them. */
  private final Map<String, String> abandonedLately = lru(256);

  private @Nullable SharedIndexInformer<CoreDumpSnapshot> informer;

  /** The reconciler for this node; nothing is watched until {@link #start()}. */
  public SnapshotReconciler(KubernetesClient client, Settings settings, Parts parts, Clock clock) {
    this(client, settings, parts, clock, REMEMBERED);
  }

  /** As above, remembering the last {@code remembered} requests handled (tests use few). */
  SnapshotReconciler(
      KubernetesClient client, Settings settings, Parts parts, Clock clock, int remembered) {
    this.seen = lru(remembered);
    this.client = client;
    this.settings = settings;
    this.parts = parts;
    this.clock = clock;
    this.resolver =
        new TargetResolver(
            client, settings.node(), parts.runtime(), parts.snapshotter().unavailableReason());
    this.taker =
        new SnapshotTaker(
            parts.snapshotter(),
            settings.capture(),
            settings.version(),
            parts.identity(),
            parts.dumping());
    this.statuses = new StatusWriter(client);
    this.queue = new SnapshotQueue(settings.maxInFlight(), MAX_WAITING, workers);
  }

  /**
   * Starts watching this node's requests, without waiting: an API server that cannot be reached or
   * refuses (the agent's role lacks the verbs) is logged once per kind and retried with backoff,
   * and the agent runs on.
   */
  public synchronized void start() {
    String label = CoronerApi.labelValue(settings.node());
    SharedIndexInformer<CoreDumpSnapshot> i =
        client
            .resources(CoreDumpSnapshot.class)
            .inAnyNamespace()
            .withLabel(CoronerApi.LABEL_NODE, label)
            .runnableInformer(RESYNC.toMillis());
    i.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(CoreDumpSnapshot s) {
            work.execute(() -> guarded(s));
          }

          @Override
          public void onUpdate(CoreDumpSnapshot old, CoreDumpSnapshot s) {
            work.execute(() -> guarded(s));
          }

          @Override
          public void onDelete(CoreDumpSnapshot s, boolean finalStateUnknown) {}
        });
    i.exceptionHandler(
        (started, thrown) -> {
          // The informer hands over its list's failure wrapped; the API's answer is inside.
          Throwable e = thrown;
          while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
          }
          if (watchFailures.first(e)) {
            LOG.warn(
                "Cannot watch CoreDumpSnapshot requests: {}; retrying. The agent's ClusterRole"
                    + " needs coredumpsnapshots: get, list, watch and coredumpsnapshots/status:"
                    + " update, patch (group coroner.dev); CORONER_SNAPSHOTS=false (chart:"
                    + " snapshots.enabled) turns them off. Later failures of this kind are not"
                    + " logged.",
                ApiFailures.describe(e));
          }
          return true;
        });
    informer = i;
    String unavailable = parts.snapshotter().unavailableReason();
    var unused =
        i.start()
            .whenComplete(
                (done, e) -> {
                  if (e == null) {
                    LOG.info(
                        "carrying out CoreDumpSnapshot requests labelled {}={}, {} at a time{}",
                        CoronerApi.LABEL_NODE,
                        label,
                        settings.maxInFlight(),
                        unavailable.isEmpty() ? "" : "; they fail (Unsupported): " + unavailable);
                  }
                });
  }

  /** The dump {@code info} is uploaded and verified: a request waiting for it has succeeded. */
  public void uploaded(DumpInfo info) {
    work.execute(
        () -> {
          Request r = pending.remove(info.uuid());
          if (r == null) {
            uploadedLately.put(info.uuid(), info);
            return;
          }
          r.upload = info;
          if (r.result != null || r.adopted) {
            later(r, () -> succeed(r));
          }
        });
  }

  /**
   * The uploader gave up on the dump {@code zip} ({@code why}: not a readable dump, or removed
   * before its upload): a request waiting for it fails, instead of waiting forever.
   */
  public void abandoned(Path zip, String why) {
    String file = String.valueOf(zip.getFileName());
    work.execute(
        () -> {
          boolean waited = false;
          for (Request r : List.copyOf(pending.values())) {
            if (file.equals(r.zip)) {
              waited = true;
              SnapshotTarget target = r.target;
              SnapshotFailure f = notUploaded(file, why);
              later(r, () -> fail(r, target == null ? f : f.withPod(target.pod())));
            }
          }
          if (!waited) {
            // Perhaps a request left Running by a restart, not yet taken up again.
            abandonedLately.put(file, why);
          }
        });
  }

  private static SnapshotFailure notUploaded(String file, String why) {
    return new SnapshotFailure(
        SnapshotReason.SNAPSHOT_FAILED,
        "The snapshot's dump "
            + SafeText.line(file)
            + " was written but will not be uploaded: "
            + SafeText.line(why)
            + ". Ask again; the agent's log has the details.");
  }

  private void guarded(CoreDumpSnapshot s) {
    MDC.put("namespace", s.getMetadata().getNamespace());
    try {
      consider(s);
    } catch (RuntimeException e) {
      LOG.error("snapshot request {}: {}", key(s), e.toString(), e);
    } finally {
      MDC.remove("namespace");
    }
  }

  private void consider(CoreDumpSnapshot s) {
    String uid = s.getMetadata().getUid();
    CoreDumpSnapshotStatus status = s.getStatus();
    if (uid == null
        || underWay.containsKey(uid)
        || seen.containsKey(uid)
        || (status != null && status.done())) {
      return;
    }
    if (status == null || status.phase() == null) {
      take(s);
    } else if (CoreDumpSnapshotStatus.RUNNING.equals(status.phase())
        && (status.node() == null || status.node().equals(settings.node()))) {
      orphan(s, status);
    }
  }

  private void take(CoreDumpSnapshot s) {
    String uid = s.getMetadata().getUid();
    Request r = new Request(s, clock.instant().toString());
    underWay.put(uid, r);
    try {
      if (!taken(s, r)) {
        underWay.remove(uid);
        return;
      }
    } catch (KubernetesClientException e) {
      // Not taken: the informer hands it over again at its next resync.
      underWay.remove(uid);
      if (failures.first(e)) {
        LOG.warn(
            "Could not take snapshot request {}: {}; trying again within {} s",
            r.key(),
            ApiFailures.describe(e),
            RESYNC.toSeconds());
      }
      return;
    }
    LOG.info("snapshot request {} taken", r.key());
    try {
      r.target = resolver.resolve(s);
    } catch (SnapshotFailure f) {
      fail(r, f);
      return;
    } catch (RuntimeException e) {
      LOG.error("snapshot request {} could not be resolved", r.key(), e);
      fail(
          r,
          new SnapshotFailure(
              SnapshotReason.SNAPSHOT_FAILED,
              ExitCode.INTERNAL,
              "The agent failed on this request; its log has the details. Ask again."));
      return;
    }
    SnapshotTarget t = Objects.requireNonNull(r.target, "just resolved");
    int ahead = queue.offer(new Job(r, t));
    if (ahead < 0) {
      fail(
          r,
          new SnapshotFailure(
              SnapshotReason.RATE_LIMITED,
              MAX_WAITING
                  + " snapshots already wait on node "
                  + settings.node()
                  + " ("
                  + settings.maxInFlight()
                  + " at a time: CORONER_SNAPSHOT_MAX_IN_FLIGHT, chart snapshots.maxInFlight); ask"
                  + " again once they are done ('kubectl get coredumpsnapshots -A')."));
    } else if (ahead > 0) {
      statuses.merge(
          r.namespace,
          r.name,
          Statuses.message(
              "Waiting for its turn: "
                  + ahead
                  + " snapshot(s) ahead on node "
                  + settings.node()
                  + ", "
                  + settings.maxInFlight()
                  + " at a time."));
    }
  }

  /**
   * Takes {@code s} for {@code r}: true once this agent holds it. A 409 means the request changed
   * since the informer saw it, so it is read again and decided on what is there now: still free, it
   * is taken at its new version; {@code Running} with this very take's start, it is this agent's (a
   * retried update whose first try landed); taken by another agent, or ended, it is left alone and
   * remembered, so that this run neither takes it nor fails it as left behind.
   *
   * @throws KubernetesClientException the API server refused or did not answer
   */
  private boolean taken(CoreDumpSnapshot s, Request r) {
    CoreDumpSnapshotStatus running = Statuses.running(settings.node(), r.startedAt);
    CoreDumpSnapshot current = s;
    for (int attempt = 1; ; attempt++) {
      if (statuses.take(current, running)) {
        return true;
      }
      current =
          client.resources(CoreDumpSnapshot.class).inNamespace(r.namespace).withName(r.name).get();
      if (current == null || !Objects.equals(current.getMetadata().getUid(), r.uid)) {
        LOG.info("snapshot request {} was deleted before it could be taken", r.key());
        return false;
      }
      CoreDumpSnapshotStatus now = current.getStatus();
      if (now == null || now.phase() == null) {
        if (attempt < TAKE_ATTEMPTS) {
          continue;
        }
        // Changing faster than it can be taken: the informer hands it over again.
        LOG.info("snapshot request {} keeps changing; trying again within a minute", r.key());
        return false;
      }
      if (CoreDumpSnapshotStatus.RUNNING.equals(now.phase())
          && settings.node().equals(now.node())
          && Objects.equals(r.startedAt, now.startedAt())) {
        return true;
      }
      seen.put(r.uid, true);
      LOG.info(
          "snapshot request {} was {} meanwhile; leaving it",
          r.key(),
          now.done() ? "ended" : "taken by the agent on node " + now.node());
      return false;
    }
  }

  /** A request an earlier run of this agent took and did not finish. */
  private void orphan(CoreDumpSnapshot s, CoreDumpSnapshotStatus status) {
    Request r = new Request(s, status.startedAt());
    underWay.put(r.uid, r);
    String dump = status.dump();
    if (dump != null && SafeNames.isSafe(dump)) {
      Path zip = settings.capture().dumpDir().resolve(dump + ".zip");
      if (Files.isRegularFile(zip)) {
        try (DumpArchive archive = DumpArchive.open(zip)) {
          String uuid = archive.info().uuid();
          r.adopted = true;
          r.uuid = uuid;
          r.zip = zip.getFileName().toString();
          LOG.info("snapshot request {}: its dump {} waits for its upload", r.key(), dump);
          DumpInfo uploaded = uploadedLately.remove(uuid);
          String abandoned = abandonedLately.remove(r.zip);
          if (abandoned != null) {
            fail(r, notUploaded(r.zip, abandoned));
          } else if (uploaded != null) {
            r.upload = uploaded;
            succeed(r);
          } else {
            pending.put(uuid, r);
          }
          return;
        } catch (IOException | RuntimeException e) {
          LOG.warn(
              "snapshot request {}: its dump {} cannot be read: {}", r.key(), dump, e.toString());
        }
      }
    }
    fail(
        r,
        new SnapshotFailure(
            SnapshotReason.SNAPSHOT_FAILED,
            "The agent on node "
                + settings.node()
                + " restarted during the snapshot, which did not finish"
                + (dump == null
                    ? ""
                    : " (its dump may have been uploaded just before: 'coroner list' shows it)")
                + "; ask again."));
  }

  /** Runs {@code step} for {@code r} on the work thread, with its namespace in the log's MDC. */
  private void later(Request r, Runnable step) {
    work.execute(
        () -> {
          MDC.put("namespace", r.namespace);
          try {
            step.run();
          } catch (RuntimeException e) {
            LOG.error("snapshot request {}: {}", r.key(), e.toString(), e);
          } finally {
            MDC.remove("namespace");
          }
        });
  }

  /** The snapshot is written (on the work thread): its facts now, Succeeded once uploaded. */
  private void written(Request r, SnapshotResult result) {
    if (underWay.get(r.uid) != r) {
      return; // ended meanwhile: the uploader gave up on the dump before this step ran
    }
    r.result = result;
    parts.metrics().snapshotFreezeSeconds.observe(result.freezeMicros() / 1e6);
    LOG.info(
        "snapshot request {}: {} written, process frozen {} us; waiting for its upload",
        r.key(),
        result.info().name(),
        result.freezeMicros());
    statuses.merge(r.namespace, r.name, Statuses.written(result));
    if (r.upload != null) {
      succeed(r);
    }
  }

  private void succeed(Request r) {
    DumpInfo upload = Objects.requireNonNull(r.upload, "succeeds once uploaded");
    CoreDumpSnapshotStatus done = Statuses.succeeded(r, upload, clock.instant().toString());
    statuses.merge(r.namespace, r.name, done);
    ended(r);
    parts.metrics().snapshots.labelValues("succeeded", "none").inc();
    LOG.info("snapshot request {} succeeded: {}", r.key(), done.message());
    if (parts.events() != null && r.target != null) {
      parts.events().snapshot(r.target.pod(), true, String.valueOf(done.message()));
    }
  }

  private void fail(Request r, SnapshotFailure f) {
    if (r.uuid != null) {
      pending.remove(r.uuid);
    }
    statuses.merge(r.namespace, r.name, Statuses.failed(r, f, clock.instant().toString()));
    ended(r);
    parts.metrics().snapshots.labelValues("failed", f.reason().word()).inc();
    LOG.warn("snapshot request {} failed ({}): {}", r.key(), f.reason().word(), f.getMessage());
    if (parts.events() != null && f.pod() != null) {
      parts.events().snapshot(f.pod(), false, f.reason().word() + ": " + f.getMessage());
    }
  }

  /** {@code r} has ended: it is no longer under way, and never taken again by this run. */
  private void ended(Request r) {
    underWay.remove(r.uid);
    seen.put(r.uid, true);
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
    }
    work.shutdownNow();
    // A snapshot under way finishes on its tracer thread; its process is never left stopped.
    workers.shutdownNow();
    statuses.close();
  }

  private static String key(CoreDumpSnapshot s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }

  private static <V> Map<String, V> lru(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  /** One request this run carries out; fields are set and read on the work thread. */
  static final class Request {
    final String uid;
    final String namespace;
    final String name;
    final @Nullable String startedAt;
    @Nullable SnapshotTarget target;
    @Nullable String uuid;

    /** The dump's file name in the dump directory, once known. */
    @Nullable String zip;

    @Nullable SnapshotResult result;
    @Nullable DumpInfo upload;
    boolean adopted;

    Request(CoreDumpSnapshot s, @Nullable String startedAt) {
      this.uid = s.getMetadata().getUid();
      this.namespace = s.getMetadata().getNamespace();
      this.name = s.getMetadata().getName();
      this.startedAt = startedAt;
    }

    String key() {
      return namespace + "/" + name;
    }
  }

  /** A resolved request's snapshot, run by the queue on a worker thread. */
  private final class Job implements SnapshotQueue.Job {
    private final Request request;
    private final SnapshotTarget target;

    Job(Request request, SnapshotTarget target) {
      this.request = request;
      this.target = target;
    }

    @Override
    public int pid() {
      return target.pid();
    }

    @Override
    public void run() {
      try {
        SnapshotResult result =
            taker.take(
                target,
                info ->
                    // Queued on the work thread before the zip is published, so before its upload.
                    work.execute(
                        () -> {
                          request.uuid = info.uuid();
                          request.zip = info.name() + ".zip";
                          pending.put(info.uuid(), request);
                        }));
        later(request, () -> written(request, result));
      } catch (SnapshotFailure f) {
        later(request, () -> fail(request, f.withPod(target.pod())));
      } catch (RuntimeException e) {
        LOG.error("snapshot request {} failed", request.key(), e);
        later(
            request,
            () ->
                fail(
                    request,
                    new SnapshotFailure(
                            SnapshotReason.SNAPSHOT_FAILED,
                            ExitCode.INTERNAL,
                            "The snapshot failed inside the agent; its log has the details. Ask"
                                + " again.")
                        .withPod(target.pod())));
      }
    }
  }
}
