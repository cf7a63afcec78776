package dev.coroner.agent.kube;

import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.VerifiedUploads;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Creates a dump's {@link CoreDump} in the crashed pod's namespace (a host process's: {@code
 * hostNamespace}) once its upload is verified, from one background thread. The dump is safe in the
 * bucket by then: a failure here is logged once per kind and counted, and the controller's resync
 * creates the CoreDump later from the bucket.
 */
public final class CoreDumpPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CoreDumpPublisher.class);

  /** What became of one CoreDump. */
  public enum Result {
    OK,
    EXISTS,
    FAILED,
    DROPPED;

    /** The metric label. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final KubernetesClient client;
  private final String store;
  private final String hostNamespace;
  private final PodOwners owners;
  private final Consumer<Result> listener;
  private final ApiFailures failures = new ApiFailures();
  private final ThreadPoolExecutor executor;

  /**
   * Creates CoreDumps through {@code client} (its timeouts bound each call: use {@link
   * KubeClients}) for dumps of the store at {@code store}; {@code owners} names the pods'
   * workloads. The client stays the caller's to close.
   */
  public CoreDumpPublisher(
      KubernetesClient client,
      String store,
      String hostNamespace,
      PodOwners owners,
      Consumer<Result> listener) {
    this.client = Objects.requireNonNull(client, "client");
    this.store = store;
    this.hostNamespace = hostNamespace;
    this.owners = owners;
    this.listener = listener;
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(PodEvents.DEFAULT_QUEUE),
            DaemonThreads.named("coroner-coredumps"),
            (r, e) -> count(Result.DROPPED));
  }

  /** Queues the CoreDump of a dump whose upload {@code up} was verified. */
  public void uploaded(DumpInfo info, VerifiedUploads.Uploaded up) {
    if (up.location() instanceof DumpLocation.StoredObject object) {
      executor.execute(() -> create(info, object, up.size()));
    }
  }

  private void create(DumpInfo info, DumpLocation.StoredObject object, long size) {
    String ns = CoreDumps.namespace(info, hostNamespace);
    MDC.put("dump", info.uuid());
    MDC.put("namespace", ns);
    try {
      CoreDumps.Workload workload =
          info.pod() == null
              ? null
              : CoreDumps.Workload.ofKey(owners.workloadKey(PodRef.of(info.pod())));
      CoreDump d = CoreDumps.of(info, new CoreDumps.Origin(store, object, size), ns, workload);
      client.resource(d).create();
      count(Result.OK);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        count(Result.EXISTS); // the controller's resync, or an earlier attempt, was first
        return;
      }
      fail(ns, e);
    } catch (RuntimeException e) {
      fail(ns, e);
    } finally {
      MDC.clear();
    }
  }

  private void fail(String ns, RuntimeException e) {
    count(Result.FAILED);
    if (failures.first(e)) {
      LOG.warn(
          "Could not create the CoreDump in namespace {}: {}; the dump is in the bucket and the"
              + " controller's resync creates it later. Later failures of this kind are only"
              + " counted (coroner_coredumps_total)",
          ns,
          ApiFailures.describe(e));
    }
  }

  private void count(Result result) {
    try {
      listener.accept(result);
    } catch (RuntimeException e) {
      LOG.warn("CoreDump listener failed: {}", e.toString());
    }
  }

  /** Stops taking dumps and gives those queued up to two seconds. */
  @Override
  public void close() {
    DaemonThreads.shutdown(executor, Duration.ofSeconds(2));
  }
}
