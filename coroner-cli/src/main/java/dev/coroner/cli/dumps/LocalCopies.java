package dev.coroner.cli.dumps;

import dev.coroner.dump.name.SafeNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the CLI keeps local copies of a dump: the raw core extracted for a debugger (with its
 * verified sha256 and its process's maps) under a private cache (0700). Removing a dump removes
 * these too, so a core does not outlive {@code coroner rm}. Names come from {@link SafeNames}:
 * nothing read from a dump chooses a path.
 */
public final class LocalCopies {
  /** The option that moves the cache; its default comes from {@code CliConfig}. */
  public static final String OPTION = "--cache-dir";

  private final Path root;

  public LocalCopies(Path root) {
    this.root = root;
  }

  /** The cache's root. */
  public Path root() {
    return root;
  }

  /** The directory of extracted cores. */
  public Path cores() {
    return root.resolve("cores");
  }

  /** The extracted raw core of the dump called {@code key} (a {@link #key}). */
  public Path core(String key) {
    return cores().resolve(key + ".core");
  }

  /** The sha256 the core was verified against. */
  public Path verified(String key) {
    return cores().resolve(key + ".sha256");
  }

  /** The crashed process's maps, for the runtime. */
  public Path maps(String key) {
    return cores().resolve(key + ".maps");
  }

  /**
   * The file-name key of a dump: its name if safe, else its uuid.
   *
   * @throws IllegalArgumentException if neither may be a file name
   */
  public static String key(String name, String uuid) {
    return SafeNames.fileName(name, uuid);
  }

  /** Removes every local copy of the dump; reports how many files went. */
  public int forget(String name, String uuid) throws IOException {
    String key;
    try {
      key = key(name, uuid);
    } catch (IllegalArgumentException e) {
      return 0; // nothing could have been cached under it
    }
    int removed = 0;
    for (Path p :
        List.of(core(key), verified(key), maps(key), root.resolve("zips").resolve(key + ".zip"))) {
      if (Files.deleteIfExists(p)) {
        removed++;
      }
    }
    return removed;
  }
}
