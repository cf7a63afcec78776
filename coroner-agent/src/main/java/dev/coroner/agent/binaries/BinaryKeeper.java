package dev.coroner.agent.binaries;

import dev.coroner.analysis.CoreModules;
import dev.coroner.analysis.Sysroots;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.KeptBinary;
import dev.coroner.dump.elf.ElfBuildId;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds, for one dump, the executable and the libraries its process mapped (the core's NT_FILE
 * note, with the build-id the core records for each), checks that the file at hand is that build,
 * keeps a copy by build-id in the node's {@link BinaryCache}, and uploads each build once.
 *
 * <p>Where a file is read from: a host process's files from the host's root ({@code /proc/1/root},
 * or {@code /proc/2/root} where init refuses a look, for an agent in a container with the host's
 * PID namespace); a container's from the copies {@link BinaryHolds} made while the kernel held the
 * process. A file whose build-id differs (a package upgraded since the crash) is never taken for
 * the one that crashed.
 */
public final class BinaryKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(BinaryKeeper.class);
  private static final Duration HOLD_WAIT = Duration.ofMinutes(2);
  private static final int MAX_DIGESTS = 4096;

  private final BinaryPolicy policy;
  private final BinaryCache cache;
  private final @Nullable BinaryHolds holds;
  private final Path hostRoot;
  private final Set<String> stored = ConcurrentHashMap.newKeySet();
  private final Map<String, String> digests =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > MAX_DIGESTS;
            }
          });

  /**
   * @param holds the files held at containers' crashes; null when none are
   * @param hostRoot where the host's root file system is seen from here
   */
  public BinaryKeeper(
      BinaryPolicy policy, BinaryCache cache, @Nullable BinaryHolds holds, Path hostRoot) {
    this.policy = policy;
    this.cache = cache;
    this.holds = holds;
    this.hostRoot = hostRoot;
  }

  /**
   * One dump's files: what dump-info says of each ({@code binaries}, empty when keeping is off),
   * and where each can be read now, for the analysis.
   */
  public record Collection(List<KeptBinary> binaries, List<Sysroots.Entry> files) {
    public Collection {
      binaries = List.copyOf(binaries);
      files = List.copyOf(files);
    }

    /** The local file for a path the process mapped, or null. */
    public @Nullable Path file(String path) {
      return files.stream()
          .filter(f -> f.path().equals(path))
          .map(Sysroots.Entry::file)
          .findFirst()
          .orElse(null);
    }
  }

  /** Collects the files of {@code info}'s process; {@code runtime} is the analysis's. */
  public Collection collect(DumpInfo info, List<CoreModules.Module> modules, String runtime) {
    boolean container = info.process().containerId() != null;
    Map<String, Path> held =
        container && holds != null ? holds.files(info.uuid(), HOLD_WAIT) : Map.of();
    List<KeptBinary> records = new ArrayList<>();
    List<Sysroots.Entry> files = new ArrayList<>();
    String exe = info.process().exePath();
    for (CoreModules.Module m : modules) {
      String path = m.path();
      String id = m.buildId();
      if (id == null) {
        if (path.equals(exe)) {
          records.add(KeptBinary.notKept(path, null, -1, "the core records no build-id for it"));
        }
        continue; // data files (locale archives, fonts, JIT maps) are no binaries
      }
      Path source = held.get(path);
      if (source == null && !container) {
        Path onHost = Sysroots.place(hostRoot, path);
        source = onHost != null && Files.isRegularFile(onHost) ? onHost : null;
      }
      if (source == null) {
        records.add(
            KeptBinary.notKept(
                path,
                id,
                -1,
                container
                    ? "not copied while the container existed"
                    : "not on this node any more"));
        continue;
      }
      try {
        Optional<String> actual = ElfBuildId.of(source);
        if (!actual.equals(Optional.of(id))) {
          records.add(
              KeptBinary.notKept(
                  path,
                  id,
                  Files.size(source),
                  "the file there now is another build (" + actual.orElse("no build-id") + ")"));
          continue;
        }
        long size = Files.size(source);
        files.add(new Sysroots.Entry(path, id, source));
        if (!policy.enabled()) {
          continue;
        }
        String refusal = policy.refusal(size, runtime);
        if (refusal != null) {
          records.add(KeptBinary.notKept(path, id, size, refusal));
          continue;
        }
        String name = KeptBinary.fileName(path);
        Path cached = cache.get(id, name);
        if (cached == null) {
          cached = cache.put(id, name, source);
        }
        records.add(KeptBinary.kept(path, id, size, digest(id + "/" + name, cached)));
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot keep {} of dump {}: {}", path, info.name(), e.toString());
        records.add(KeptBinary.notKept(path, id, -1, "cannot copy it: " + e.getMessage()));
      }
    }
    if (holds != null) {
      holds.release(info.uuid());
    }
    return new Collection(policy.enabled() ? records : List.of(), files);
  }

  /**
   * Uploads the kept binaries of {@code info} the store does not hold yet (one HEAD each, and none
   * for a build this agent already stored).
   *
   * @return the bytes sent: 0 for a build the store had
   */
  public long upload(DumpInfo info, KeptBinaries store) throws StoreException {
    long sent = 0;
    for (KeptBinary b : info.binaries()) {
      String id = b.buildId();
      if (!b.kept() || id == null) {
        continue;
      }
      String name = b.fileName();
      String key = id + "/" + name;
      if (stored.contains(key)) {
        continue;
      }
      Path file = cache.get(id, name);
      if (file != null) {
        sent += store.store(id, name, file);
      } else if (!store.contains(id, name)) {
        LOG.warn(
            "{} of dump {} left the node's cache before its upload; it is not kept",
            b.path(),
            info.name());
        continue;
      }
      stored.add(key);
    }
    return sent;
  }

  /** Whether this agent stored or found the build in the store already. */
  public boolean stored(String buildId, String fileName) {
    return stored.contains(buildId + "/" + fileName);
  }

  private String digest(String key, Path file) throws IOException {
    String known = digests.get(key);
    if (known == null) {
      known = BinaryCache.sha256(file);
      digests.put(key, known);
    }
    return known;
  }
}
