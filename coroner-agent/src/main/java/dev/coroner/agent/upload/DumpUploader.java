package dev.coroner.agent.upload;

import dev.coroner.agent.advice.OperatorAdvice;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.base.retry.RetryPolicy;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Uploads finished dumps one at a time, verifies each object and only then deletes the local file.
 * A failure keeps the file and retries later with backoff, forever: the backlog lives on disk, so
 * nothing is lost across restarts either. A zip that cannot be read is moved to {@code corrupt/}
 * beside the dumps, kept for a human, and not retried.
 */
public final class DumpUploader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DumpUploader.class);

  private final VerifiedUploads store;
  private final AgentMetrics metrics;
  private final RetryPolicy backoff;
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("coroner-uploader"));
  private final Set<Path> known = ConcurrentHashMap.newKeySet();
  private final Map<Path, Integer> failures = new ConcurrentHashMap<>();
  private final Set<Path> announced = ConcurrentHashMap.newKeySet();

  private UnaryOperator<DumpInfo> enricher = UnaryOperator.identity();
  private Examination examination = new Examination() {};
  private Preparation preparation = (zip, info) -> new Prepared(zip, info, null);
  private Consumer<DumpInfo> onNewDump = info -> {};
  private BiConsumer<DumpInfo, VerifiedUploads.Uploaded> onUploaded = (info, up) -> {};
  private BiConsumer<Path, String> onAbandoned = (zip, why) -> {};

  public DumpUploader(VerifiedUploads store, AgentMetrics metrics, RetryPolicy backoff) {
    this.store = store;
    this.metrics = metrics;
    this.backoff = backoff;
  }

  /**
   * Completes a dump's info before upload (the pod, when the composer had no answer in time). The
   * zip keeps what the composer wrote; the object's key, metadata and sidecar get the result.
   */
  public DumpUploader enrichWith(UnaryOperator<DumpInfo> enricher) {
    this.enricher = enricher;
    return this;
  }

  /** Steps before each upload attempt that add to the dump (its analysis) and to the store. */
  public interface Examination {
    /**
     * The dump-info to upload {@code zip} with, before the dump is announced; may rewrite the zip
     * (atomically, the core intact). Never fails the attempt.
     */
    default DumpInfo examine(Path zip, DumpInfo info) throws InterruptedException {
      return info;
    }

    /**
     * What must be in the store before the dump (the binaries it says are kept).
     *
     * @throws StoreException to fail this attempt (it is retried with backoff)
     */
    default void beforeUpload(DumpInfo info) throws StoreException {}
  }

  /** Runs {@code step} before every upload attempt, after {@link #enrichWith}. */
  public DumpUploader examineWith(Examination step) {
    this.examination = step;
    return this;
  }

  /**
   * Makes a dump ready to leave the node before each upload attempt, after its examination
   * (scrubbing and encryption): it may rewrite the zip in place and name another file to send.
   */
  @FunctionalInterface
  public interface Preparation {
    /**
     * Prepares one dump.
     *
     * @throws IOException a local failure: the attempt is retried; a {@link
     *     java.util.zip.ZipException} or a damaged dump moves the zip to {@code corrupt/}
     */
    Prepared prepare(Path zip, DumpInfo info) throws IOException;
  }

  /** What to send: {@code file} described by {@code info}; {@code temporary} goes afterwards. */
  public record Prepared(Path file, DumpInfo info, @Nullable Path temporary) {}

  /** Sets the step run before each upload (the default sends the zip as it is). */
  public DumpUploader prepareWith(Preparation preparation) {
    this.preparation = preparation;
    return this;
  }

  /** Told once per dump, at its first upload attempt (for the {@code CoreDumped} Event). */
  public DumpUploader onNewDump(Consumer<DumpInfo> listener) {
    this.onNewDump = listener;
    return this;
  }

  /**
   * Told once per dump after its upload was verified and the local copy deleted (for the CoreDump
   * resource); must not block.
   */
  public DumpUploader onUploaded(BiConsumer<DumpInfo, VerifiedUploads.Uploaded> listener) {
    this.onUploaded = listener;
    return this;
  }

  /**
   * Told when a dump will never be uploaded: its zip is not a readable dump (moved to {@code
   * corrupt/}), or it was removed before its upload; with the zip's path as queued and why. Must
   * not block.
   */
  public DumpUploader onAbandoned(BiConsumer<Path, String> listener) {
    this.onAbandoned = listener;
    return this;
  }

  /** Queues a finished dump ({@code NAME.zip}); a dump already queued is ignored. */
  public void offer(Path zip) {
    if (!zip.getFileName().toString().endsWith(".zip") || !known.add(zip)) {
      return;
    }
    metrics.captured.inc();
    worker.execute(() -> attempt(zip));
  }

  /** Dumps queued, uploading or waiting for a retry. */
  public Set<Path> backlog() {
    return Set.copyOf(known);
  }

  private void attempt(Path zip) {
    if (!Files.exists(zip)) {
      vanished(zip);
      return;
    }
    long started = System.nanoTime();
    DumpInfo info;
    try (DumpArchive archive = DumpArchive.open(zip)) {
      info = enricher.apply(archive.info());
    } catch (NoSuchFileException e) {
      vanished(zip);
      return;
    } catch (IOException e) {
      quarantine(zip, e);
      return;
    }
    MDC.put("dump", info.uuid());
    MDC.put("namespace", info.pod() == null ? "" : info.pod().namespace());
    try {
      try {
        info = examination.examine(zip, info);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // closing
      }
      Prepared ready;
      try {
        ready = preparation.prepare(zip, info);
      } catch (java.util.zip.ZipException | Damaged e) {
        quarantine(zip, e);
        return;
      }
      // Once per dump, and only scrubbed: the Event and the log carry the analysis's top frame,
      // which is read from the core.
      if (announced.add(zip)) {
        DumpInfo told = ready.info();
        if (told.integrity().truncated()) {
          metrics
              .truncated
              .labelValues(
                  Objects.requireNonNull(told.integrity().cause(), "a truncated core has a cause")
                      .id())
              .inc();
          LOG.warn("dump {} is truncated: {}", told.name(), told.integrity().reason());
        }
        try {
          onNewDump.accept(told);
        } catch (RuntimeException e) {
          LOG.warn("announcing dump {} failed: {}", told.name(), e.toString());
        }
      }
      try {
        examination.beforeUpload(info);
        LOG.info("uploading {} ({} bytes)", ready.file().getFileName(), Files.size(ready.file()));
        VerifiedUploads.Uploaded up = store.upload(ready.file(), ready.info());
        // Verified (size and ETag): only now may the local copy go.
        Files.delete(zip);
        uploaded(up, started);
        try {
          onUploaded.accept(ready.info(), up);
        } catch (RuntimeException e) {
          LOG.warn("after the upload of {}: {}", info.name(), e.toString());
        }
      } finally {
        if (ready.temporary() != null) {
          Files.deleteIfExists(ready.temporary());
        }
      }
      forget(zip);
      whenIdle();
    } catch (StoreException e) {
      retry(zip, e.failure().label(), OperatorAdvice.explain(e));
    } catch (IOException e) {
      retry(
          zip,
          StoreFailure.LOCAL_IO.label(),
          "cannot prepare or delete " + zip + " around its upload: " + e.getMessage());
    } catch (RuntimeException e) {
      retry(zip, "other", String.valueOf(e));
    } catch (OutOfMemoryError e) {
      // Parts stream from disk, so this means the heap is far too small; keep the dump and
      // keep trying rather than let the task die and the dump sit unnoticed.
      retry(zip, "memory", "out of memory; give the agent more heap (-Xmx): " + e.getMessage());
    } finally {
      MDC.clear();
    }
  }

  /** A dump whose zip does not hold what its dump-info says, as the preparation found. */
  public static final class Damaged extends IOException {
    private static final long serialVersionUID = 1L;

    public Damaged(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  private void uploaded(VerifiedUploads.Uploaded up, long started) {
    metrics.uploads.labelValues("ok").inc();
    metrics.bytes.inc(up.size());
    metrics.duration.observe((System.nanoTime() - started) / 1e9);
    LOG.info(
        "uploaded and verified {} ({} bytes, ETag {}); local copy deleted",
        up.location().display(),
        up.size(),
        up.checksum());
  }

  private void retry(Path zip, String kind, String message) {
    int n = failures.merge(zip, 1, Integer::sum);
    metrics.uploads.labelValues(kind).inc();
    var delay = backoff.delay(n - 1);
    LOG.error(
        "upload of {} failed ({}), attempt {}; the file is kept, retrying in {} s: {}",
        zip.getFileName(),
        kind,
        n,
        delay.toSeconds(),
        message);
    var unused = worker.schedule(() -> attempt(zip), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void quarantine(Path zip, IOException e) {
    metrics.uploads.labelValues("corrupt").inc();
    String why = "it is not a readable dump (" + e.getMessage() + ")";
    try {
      Path dir = Files.createDirectories(zip.resolveSibling("corrupt"));
      Files.move(zip, dir.resolve(zip.getFileName()), StandardCopyOption.ATOMIC_MOVE);
      LOG.error(
          "{} is not a readable dump ({}); moved to {} and not uploaded",
          zip.getFileName(),
          e.getMessage(),
          dir);
      why += "; it was moved to " + dir;
    } catch (IOException move) {
      LOG.error(
          "{} is not a readable dump ({}) and cannot be moved aside: {}",
          zip,
          e.getMessage(),
          move.getMessage());
    }
    forget(zip);
    abandoned(zip, why);
  }

  /** Gone before its upload (removed by hand, or by coroner rm): nothing to upload any more. */
  private void vanished(Path zip) {
    forget(zip);
    abandoned(zip, "its file was removed from the dump directory before its upload");
  }

  private void abandoned(Path zip, String why) {
    try {
      onAbandoned.accept(zip, why);
    } catch (RuntimeException e) {
      LOG.warn("after giving up on {}: {}", zip.getFileName(), e.toString());
    }
  }

  private void forget(Path zip) {
    known.remove(zip);
    failures.remove(zip);
    announced.remove(zip);
  }

  /**
   * Once nothing is left to do: makes the listing index current, and hands the heap a burst of
   * uploads touched back to the OS. The agent idles for days between crashes; without a full
   * collection the pages the last upload's garbage touched stay resident (jvm.options sets the free
   * ratios that let Serial GC shrink).
   */
  private void whenIdle() {
    if (!known.isEmpty()) {
      return;
    }
    try {
      store.flushIndex();
    } catch (StoreException e) {
      // Listings still find these dumps, with a HEAD each; the next drain tries again.
      LOG.warn("cannot update the listing index: {}", OperatorAdvice.explain(e));
    }
    System.gc();
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
