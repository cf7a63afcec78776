package dev.coroner.controller;

import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.controller.audit.AuditLog;
import dev.coroner.controller.config.ControllerConfig;
import dev.coroner.controller.download.DownloadReconciler;
import dev.coroner.controller.download.DownloadSweeper;
import dev.coroner.controller.dumps.BucketResync;
import dev.coroner.controller.dumps.DumpFinalizer;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's work while it leads: informers on CoreDumpDownloads and CoreDumps, whose events
 * are handled one at a time on one thread; requests deleted when their URL expires; the bucket
 * resync and retention on a timer. {@link #lead()} starts it, {@link #close()} stops it.
 */
public final class Controller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  /** How often done requests are swept besides the timer set at each answer. */
  static final Duration SWEEP = Duration.ofSeconds(30);

  /** How soon a failed step is tried again. */
  static final Duration RETRY = Duration.ofSeconds(15);

  private final ControllerConfig config;
  private final KubernetesClient client;
  private final DownloadReconciler downloads;
  private final DownloadSweeper sweeper;
  private final DumpFinalizer finalizer;
  private final BucketResync resync;
  private final ScheduledExecutorService work =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("coroner-controller"));
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  /** The requests' informer, once {@link #lead()} has started it. */
  private @Nullable SharedIndexInformer<CoreDumpDownload> requests;

  /** The controller on {@code client} and {@code store}, which must presign. */
  public Controller(
      ControllerConfig config, KubernetesClient client, Store store, AuditLog audit, Clock clock) {
    this.config = config;
    this.client = client;
    PresignedDownloads signer =
        store
            .presignedDownloads()
            .orElseThrow(() -> new IllegalArgumentException(store.url() + " cannot presign"));
    this.downloads = new DownloadReconciler(client, signer, config.urlTtl(), audit, clock);
    this.sweeper = new DownloadSweeper(client, clock);
    this.finalizer = new DumpFinalizer(client, store, audit);
    this.resync =
        new BucketResync(client, store, audit, clock, config.retention(), config.hostNamespace());
  }

  /** Starts the informers and timers; returns once the caches are filled. */
  public synchronized void lead() {
    SharedIndexInformer<CoreDumpDownload> informer =
        client
            .resources(CoreDumpDownload.class)
            .inAnyNamespace()
            .inform(
                handler(d -> work.execute(guarded("answering", d, this::answer))),
                SWEEP.toMillis());
    requests = informer;
    informers.add(informer);
    informers.add(
        client
            .resources(CoreDump.class)
            .inAnyNamespace()
            .inform(handler(d -> work.execute(guarded("finalizing", d, this::finish))), 0));
    // A periodic task that throws is not run again: sweep() and resync() catch everything.
    var unusedSweeps =
        work.scheduleWithFixedDelay(
            this::sweep, SWEEP.toSeconds(), SWEEP.toSeconds(), TimeUnit.SECONDS);
    var unusedResyncs =
        work.scheduleWithFixedDelay(
            this::resync, 0, config.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
    LOG.info(
        "leading: URLs live {}, resync every {}, retention {}",
        config.urlTtl(),
        config.resyncInterval(),
        config.retention().isZero() ? "off" : config.retention());
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
    };
  }

  /**
   * {@code step} on {@code resource}, with any failure logged: an exception an informer's task
   * throws would otherwise vanish into its future, and the resource would wait for no one.
   */
  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> Runnable guarded(
      String what, T resource, java.util.function.Consumer<T> step) {
    return () -> {
      try {
        step.accept(resource);
      } catch (RuntimeException e) {
        LOG.error(
            "{} {}/{} failed; it is tried again at the next resync or change: {}",
            what,
            resource.getMetadata().getNamespace(),
            resource.getMetadata().getName(),
            e.toString());
      }
    };
  }

  private void answer(CoreDumpDownload d) {
    try {
      downloads
          .reconcile(d)
          .ifPresent(
              expires -> {
                long delay = Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 500;
                var unused = work.schedule(this::sweep, delay, TimeUnit.MILLISECONDS);
              });
    } catch (KubernetesClientException e) {
      // A conflict means a newer version is on its way as an event; anything else, try again.
      if (e.getCode() != 409) {
        LOG.warn(
            "cannot answer coredumpdownload {}/{}: HTTP {}; retrying in {}",
            d.getMetadata().getNamespace(),
            d.getMetadata().getName(),
            e.getCode(),
            RETRY);
        var unused = work.schedule(() -> answer(d), RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void finish(CoreDump d) {
    try {
      finalizer.reconcile(d);
    } catch (StoreException | KubernetesClientException e) {
      LOG.warn(
          "cannot finish deleting coredump {}/{}: {}; retrying in {}",
          d.getMetadata().getNamespace(),
          d.getMetadata().getName(),
          e.getMessage(),
          RETRY);
      var unused = work.schedule(() -> finish(latest(d)), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private CoreDump latest(CoreDump d) {
    CoreDump now =
        client
            .resources(CoreDump.class)
            .inNamespace(d.getMetadata().getNamespace())
            .withName(d.getMetadata().getName())
            .get();
    return now == null ? d : now;
  }

  private void sweep() {
    SharedIndexInformer<CoreDumpDownload> informer = requests;
    try {
      if (informer != null) {
        sweeper.sweep(informer.getStore().list());
      }
    } catch (KubernetesClientException e) {
      LOG.warn("cannot delete expired download requests: HTTP {}", e.getCode());
    } catch (RuntimeException e) {
      LOG.error("cannot delete expired download requests", e);
    }
  }

  private void resync() {
    try {
      resync.run();
    } catch (StoreException | KubernetesClientException e) {
      LOG.warn(
          "resync with the bucket failed: {}; next in {}", e.getMessage(), config.resyncInterval());
    } catch (RuntimeException e) {
      LOG.error("resync with the bucket failed", e);
    }
  }

  /** Runs {@code task} on the controller's thread after everything queued; for tests. */
  void runNow(Runnable task) throws Exception {
    work.submit(task).get(30, TimeUnit.SECONDS);
  }

  @Override
  public synchronized void close() {
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
    work.shutdownNow();
  }
}
