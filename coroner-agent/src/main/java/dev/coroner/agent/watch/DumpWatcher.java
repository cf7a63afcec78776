package dev.coroner.agent.watch;

import dev.coroner.base.threads.DaemonThreads;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds finished dumps: a file watcher for prompt uploads, plus a full sweep at start and every
 * interval so that nothing is missed (watch events can overflow or be lost across restarts). Only
 * {@code *.zip} counts; the composer's {@code .zip.partial} files are never touched.
 */
public final class DumpWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DumpWatcher.class);

  private final Path dir;
  private final Consumer<Path> sink;
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("coroner-sweep"));
  private @Nullable WatchService watch;
  private @Nullable Thread watcher;

  public DumpWatcher(Path dir, Consumer<Path> sink) {
    this.dir = dir;
    this.sink = sink;
  }

  /** Sweeps once now, then watches and sweeps every {@code interval}. */
  public void start(Duration interval) throws IOException {
    Files.createDirectories(dir);
    WatchService events = FileSystems.getDefault().newWatchService();
    watch = events;
    // The composer renames NAME.zip.partial to NAME.zip: that arrives as a create event.
    dir.register(events, StandardWatchEventKinds.ENTRY_CREATE);
    watcher = DaemonThreads.create("coroner-watch", () -> watchLoop(events));
    watcher.start();
    sweep();
    var unused =
        sweeper.scheduleWithFixedDelay(
            this::sweep, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Offers every finished dump in the directory. */
  public void sweep() {
    try (var files = Files.list(dir)) {
      List<Path> zips = files.filter(DumpWatcher::finished).sorted().toList();
      zips.forEach(sink);
    } catch (IOException e) {
      LOG.error("cannot list the dump directory {}: {}", dir, e.getMessage());
    }
  }

  private void watchLoop(WatchService watch) {
    try {
      while (true) {
        WatchKey key = watch.take();
        for (var event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            sweep();
          } else if (event.context() instanceof Path name && finished(dir.resolve(name))) {
            sink.accept(dir.resolve(name));
          }
        }
        if (!key.reset()) {
          LOG.error("the dump directory {} went away; relying on sweeps", dir);
          return;
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // stopping
    }
  }

  static boolean finished(Path p) {
    return p.getFileName().toString().endsWith(".zip") && Files.isRegularFile(p);
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
