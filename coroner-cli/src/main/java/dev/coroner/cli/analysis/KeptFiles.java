package dev.coroner.cli.analysis;

import dev.coroner.analysis.CoreModules;
import dev.coroner.analysis.Sysroots;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.KeptBinary;
import dev.coroner.dump.elf.ElfBuildId;
import dev.coroner.dump.name.SafeNames;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The crashed process's executable and libraries for a debugger or an analysis on this machine,
 * each the very build the core records: the copy kept in the store by build-id first (fetched once
 * into the cache, {@code CACHE/binaries/BUILD_ID/FILE_NAME}, and checked against its sha256), else
 * the file at the same path here if it is the same build. They are laid out as a sysroot ({@link
 * Sysroots}) that lldb, gdb, jhsdb and eu-stack read instead of this machine's files.
 */
public final class KeptFiles {
  private final Path cache;

  /**
   * @param cache the CLI's cache directory (0700)
   */
  public KeptFiles(Path cache) {
    this.cache = cache;
  }

  /**
   * The files found for one core.
   *
   * @param sysroot the directory the debuggers read them from; null when nothing was found
   * @param exe the executable, or null when neither a kept copy nor a matching file is here
   * @param fromStore how many came from the store's kept copies
   * @param missing the mapped binaries found nowhere (the debugger shows their frames without
   *     names)
   */
  public record Found(
      @Nullable Path sysroot, @Nullable Path exe, int fromStore, List<String> missing) {
    public Found {
      missing = List.copyOf(missing);
    }
  }

  /** Nothing found, nothing looked for. */
  public static final Found NONE = new Found(null, null, 0, List.of());

  /**
   * Finds the files {@code core} (of the dump {@code info}) mapped; {@code store} may keep copies.
   */
  public Found find(Store store, DumpInfo info, Path core) throws IOException {
    List<CoreModules.Module> modules;
    try {
      modules = CoreModules.read(core);
    } catch (IOException e) {
      return new Found(null, null, 0, List.of());
    }
    Map<String, KeptBinary> kept =
        info.binaries().stream()
            .filter(b -> b.kept() && b.buildId() != null)
            .collect(Collectors.toMap(KeptBinary::buildId, b -> b, (a, b) -> a));
    Optional<KeptBinaries> remote = store.keptBinaries();
    List<Sysroots.Entry> entries = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    int fromStore = 0;
    Path exe = null;
    for (CoreModules.Module m : modules) {
      String id = m.buildId();
      if (id == null) {
        continue;
      }
      Path file = null;
      KeptBinary k = kept.get(id);
      if (k != null && remote.isPresent()) {
        file = fetch(remote.get(), k);
        if (file != null) {
          fromStore++;
        }
      }
      if (file == null) {
        file = sameBuildHere(m.path(), id);
      }
      if (file == null) {
        missing.add(m.path());
        continue;
      }
      entries.add(new Sysroots.Entry(m.path(), id, file));
      if (m.path().equals(info.process().exePath()) || (exe == null && entries.size() == 1)) {
        exe = file;
      }
    }
    if (entries.isEmpty() || !SafeNames.isUuid(info.uuid())) {
      return new Found(null, exe, fromStore, missing);
    }
    Path sysroots = cache.resolve("sysroots");
    Path dir = sysroots.resolve(info.uuid());
    deleteTree(dir);
    AtomicFiles.ensurePrivateDirectory(sysroots);
    return new Found(Sysroots.create(dir, entries), exe, fromStore, missing);
  }

  /** The file at {@code path} here, if it is the build {@code buildId} the core records. */
  private static @Nullable Path sameBuildHere(String path, String buildId) {
    Path here = Sysroots.place(Path.of("/"), path);
    try {
      if (here != null
          && Files.isRegularFile(here)
          && ElfBuildId.of(here).equals(Optional.of(buildId))) {
        return here;
      }
    } catch (IOException e) {
      // unreadable here: not found
    }
    return null;
  }

  /** The kept copy in the cache, fetched now if missing; null when the store has none. */
  private @Nullable Path fetch(KeptBinaries store, KeptBinary b) throws IOException {
    String id = b.buildId();
    String name = b.fileName();
    if (id == null) {
      return null; // dump-info names no build: no kept copy to fetch
    }
    try {
      KeptBinaries.check(id, name);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Path file = cache.resolve("binaries").resolve(id).resolve(name);
    if (Files.isRegularFile(file) && matches(file, b)) {
      return file;
    }
    AtomicFiles.ensurePrivateDirectory(cache.resolve("binaries"));
    Files.createDirectories(file.getParent());
    try {
      store.fetch(id, name, file);
    } catch (StoreException e) {
      return null; // not there (deleted, another store): the file here, if any, or nothing
    }
    if (!matches(file, b)) {
      Files.deleteIfExists(file);
      throw new IOException(
          store.display(id, name)
              + " is not the build the core records (its build-id or the sha256 dump-info"
              + " records differs); remove it from the store, or debug with the image's files");
    }
    return file;
  }

  // Its own build-id first: a kept copy is the file the core mapped only if it says so itself.
  private static boolean matches(Path file, KeptBinary b) throws IOException {
    return ElfBuildId.of(file).equals(Optional.ofNullable(b.buildId()))
        && (b.sha256() == null || b.sha256().equals(sha256(file)));
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
