package dev.coroner.agent.binaries;

import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.dump.KeptBinary;
import dev.coroner.dump.elf.ElfBuildId;
import dev.coroner.dump.name.SafeNames;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container's files, taken while the kernel still holds the crashed process. Once it is reaped
 * the container's root file system may be gone (its task deleted, the overlay unmounted, the image
 * removed), so when the composer asks about a container's crash the agent opens every file the
 * process mapped through {@code /proc/PID/map_files} (the very inode mapped, even if the path was
 * replaced or deleted since): opening takes milliseconds and keeps the inode readable however long
 * the copy into the node's {@link BinaryCache} that follows, on another thread, takes. A build
 * already cached, or a file the policy would not keep anyway, is not copied. Needs CAP_SYS_ADMIN
 * (the privileged agent has it).
 */
public final class BinaryHolds implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BinaryHolds.class);
  private static final int MAX_FILES = 512;
  private static final int MAX_HELD = 32;

  private final Path proc;
  private final BinaryCache cache;
  private final BinaryPolicy policy;
  private final Duration keepFor;
  private final Clock clock;
  private final ExecutorService copier =
      Executors.newSingleThreadExecutor(DaemonThreads.named("coroner-binary-holds"));
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  /** One crash's files: which cached copy each path is, once the copies are done. */
  private record Held(Instant since, CompletableFuture<Map<String, Path>> files) {}

  /**
   * @param proc the host's /proc
   * @param cache where the copies go
   * @param policy what would be kept at all
   * @param keepFor how long a crash's files wait for its dump
   */
  public BinaryHolds(
      Path proc, BinaryCache cache, BinaryPolicy policy, Duration keepFor, Clock clock) {
    this.proc = proc;
    this.cache = cache;
    this.policy = policy;
    this.keepFor = keepFor;
    this.clock = clock;
  }

  /**
   * Opens what process {@code hostPid} mapped, for dump {@code uuid}; the copies follow on another
   * thread. Never throws: a process that is already gone simply leaves nothing held.
   */
  public void hold(String uuid, long hostPid) {
    if (!policy.enabled() || !SafeNames.isUuid(uuid) || held.containsKey(uuid)) {
      return;
    }
    expire();
    if (held.size() >= MAX_HELD) {
      LOG.warn("not holding the files of dump {}: {} crashes wait already", uuid, held.size());
      return;
    }
    Map<String, FileChannel> open = open(hostPid);
    if (open.isEmpty()) {
      return;
    }
    CompletableFuture<Map<String, Path>> copies =
        CompletableFuture.supplyAsync(() -> copy(uuid, open), copier);
    held.put(uuid, new Held(clock.instant(), copies));
  }

  /** The copies made for {@code uuid}, by the path the process mapped; empty when none. */
  public Map<String, Path> files(String uuid, Duration wait) {
    Held h = held.get(uuid);
    if (h == null) {
      return Map.of();
    }
    try {
      return h.files().get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("the files of dump {} are still being copied after {}", uuid, wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.warn("copying the files of dump {} failed: {}", uuid, String.valueOf(e.getCause()));
    }
    return Map.of();
  }

  /** Forgets the files of {@code uuid} (the cached copies stay for later crashes). */
  public void release(String uuid) {
    held.remove(uuid);
  }

  /** Files of a process that /proc/PID/maps lists at offset 0, opened by their mapping. */
  private Map<String, FileChannel> open(long pid) {
    Map<String, FileChannel> open = new LinkedHashMap<>();
    Path base = proc.resolve(Long.toString(pid));
    List<String> lines;
    try {
      lines = Files.readAllLines(base.resolve("maps"));
    } catch (IOException e) {
      LOG.warn("cannot read the maps of crashed pid {}: {}", pid, e.getMessage());
      return open;
    }
    for (String line : lines) {
      // start-end perms offset dev inode path (the path may hold spaces)
      String[] f = line.trim().split("\\s+", 6);
      if (f.length < 6 || !f[5].startsWith("/") || !f[2].matches("0+") || f[4].equals("0")) {
        continue;
      }
      String path = f[5];
      if (open.containsKey(path) || open.size() >= MAX_FILES) {
        continue;
      }
      try {
        open.put(
            path,
            FileChannel.open(base.resolve("map_files").resolve(f[0]), StandardOpenOption.READ));
      } catch (IOException | RuntimeException e) {
        LOG.debug("cannot open {} of pid {}: {}", path, pid, e.toString());
      }
    }
    return open;
  }

  private Map<String, Path> copy(String uuid, Map<String, FileChannel> open) {
    Map<String, Path> copies = new LinkedHashMap<>();
    for (var e : open.entrySet()) {
      try (FileChannel in = e.getValue()) {
        Optional<String> id = ElfBuildId.of(in);
        // The runtime is only known from the dump: the size limit decides here, the rest later.
        if (id.isEmpty() || policy.refusal(in.size(), "") != null) {
          continue;
        }
        String name = KeptBinary.fileName(e.getKey());
        Path cached = cache.get(id.get(), name);
        copies.put(e.getKey(), cached != null ? cached : cache.put(id.get(), name, in));
      } catch (IOException | RuntimeException ex) {
        LOG.warn("cannot copy {} of dump {}: {}", e.getKey(), uuid, ex.toString());
      }
    }
    return copies;
  }

  private void expire() {
    Instant limit = clock.instant().minus(keepFor);
    for (var e : new ArrayList<>(held.entrySet())) {
      if (e.getValue().since().isBefore(limit)) {
        release(e.getKey());
      }
    }
  }

  @Override
  public void close() {
    copier.shutdownNow();
  }
}
