package dev.coroner.cli.debug;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.cli.dumps.LocalCopies;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.archive.CorruptDumpException;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.archive.DumpStreams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A private cache (0700) of what debugging needs on disk: raw cores extracted from dumps, verified
 * once and reused, and debug-stripped copies of executables. lldb spends 10-25 s indexing node's
 * DWARF; a copy made with {@code objcopy --strip-debug} keeps the symbols and the build-id and
 * loads in 1-2 s.
 */
final class DebugCache {
  private static final int KEEP_CORES = 3;

  private final Path root;
  private final LocalCopies copies;

  DebugCache(Path root) {
    this.root = root;
    this.copies = new LocalCopies(root);
  }

  /** The cache directory. */
  Path root() {
    return root;
  }

  /** A dump's cache key: never a name that could climb out of the cache. */
  private static String key(DumpInfo info) {
    try {
      return LocalCopies.key(info.name(), info.uuid());
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.FAILURE,
          "refusing to cache dump "
              + info.uuid()
              + ": "
              + e.getMessage()
              + "; it is not coroner's");
    }
  }

  /** The raw core of a dump, extracted and verified against dump-info once. */
  Path core(DumpArchive archive) throws IOException {
    return cached(archive.info(), archive::writeCore, null).core();
  }

  /** Opens a dump's zip as a stream (from a remote store). */
  interface ZipSource {
    InputStream open() throws IOException;
  }

  /** A core in the cache and the maps of its process (for the runtime), when the zip had them. */
  record Cached(Path core, String maps) {}

  /**
   * The raw core of a remote dump, streamed out of its zip straight into the cache: the zip itself
   * never touches the disk, so the core is written once.
   */
  Cached core(DumpInfo info, ZipSource source) throws IOException {
    byte[][] procMaps = {new byte[0]};
    return cached(
        info,
        out -> {
          try (InputStream zip = source.open()) {
            byte[] m = DumpStreams.extractCore(zip, info, out).entries().get("proc/maps");
            procMaps[0] = m == null ? new byte[0] : m;
          }
        },
        () -> procMaps[0]);
  }

  /**
   * The cached core of {@code info} if it was verified before, else written by {@code content},
   * then marked verified; {@code maps}, if given, is kept beside it.
   */
  private Cached cached(
      DumpInfo info,
      AtomicFiles.Content content,
      java.util.function.@Nullable Supplier<byte[]> maps)
      throws IOException {
    if (info.core().entry() == null) {
      throw new CliException(
          CliException.FAILURE,
          "dump "
              + info.name()
              + " holds no core, only metadata ("
              + info.integrity().reason()
              + "); 'coroner info' shows what is known");
    }
    Path dir = dir("cores");
    String key = key(info);
    Path core = copies.core(key);
    Path verified = copies.verified(key);
    Path mapsFile = copies.maps(key);
    if (Files.exists(core)
        && Files.exists(verified)
        && Files.readString(verified).trim().equals(info.core().sha256())) {
      core.toFile().setLastModified(System.currentTimeMillis());
      return new Cached(core, Files.exists(mapsFile) ? Files.readString(mapsFile) : "");
    }
    try {
      AtomicFiles.write(core, AtomicFiles.PRIVATE_FILE, content);
    } catch (CorruptDumpException e) {
      throw new CliException(CliException.FAILURE, e.getMessage() + "; the dump is damaged", e);
    }
    byte[] m = maps == null ? new byte[0] : maps.get();
    if (maps != null) {
      AtomicFiles.write(mapsFile, AtomicFiles.PRIVATE_FILE, out -> out.write(m));
    }
    AtomicFiles.writeString(verified, AtomicFiles.PRIVATE_FILE, info.core().sha256() + "\n");
    prune(dir, core, ".core");
    return new Cached(core, new String(m, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * A copy of {@code exe} without DWARF, cached by build-id; the original if objcopy is missing or
   * fails.
   */
  Path stripped(Path exe, @Nullable String buildId, @Nullable Path objcopy) throws IOException {
    if (objcopy == null || buildId == null) {
      return exe;
    }
    Path copy = dir("exe").resolve(buildId).resolve(exe.getFileName());
    if (Files.isRegularFile(copy)) {
      return copy;
    }
    Files.createDirectories(copy.getParent());
    Path tmp = AtomicFiles.partialOf(copy);
    try {
      Process p =
          new ProcessBuilder(objcopy.toString(), "--strip-debug", exe.toString(), tmp.toString())
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
        // objcopy wrote the partial; sync it before it takes the final name.
        try (FileChannel written = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          written.force(true);
        }
        return AtomicFiles.publish(tmp, copy);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(tmp);
    return exe;
  }

  /** Where a downloaded dump zip is kept (0700); the newest few are kept. */
  Path download(String fileName) throws IOException {
    Path zips = dir("zips");
    Path zip = zips.resolve(fileName);
    prune(zips, zip, ".zip");
    return zip;
  }

  private Path dir(String name) throws IOException {
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    return dir;
  }

  /** Keeps the newest few files of a kind: cores and dumps are large. */
  private static void prune(Path dir, Path keep, String suffix) throws IOException {
    List<Path> cores;
    try (var files = Files.list(dir)) {
      cores =
          files
              .filter(p -> p.toString().endsWith(suffix))
              .sorted(Comparator.comparingLong((Path p) -> p.toFile().lastModified()).reversed())
              .toList();
    }
    for (Path old : cores.subList(Math.min(KEEP_CORES, cores.size()), cores.size())) {
      if (!old.equals(keep)) {
        Files.deleteIfExists(old);
        String name = old.getFileName().toString();
        String base = name.substring(0, name.length() - suffix.length());
        Files.deleteIfExists(old.resolveSibling(base + ".sha256"));
        Files.deleteIfExists(old.resolveSibling(base + ".maps"));
      }
    }
  }
}
