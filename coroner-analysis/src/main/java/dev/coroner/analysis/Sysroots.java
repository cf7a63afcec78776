package dev.coroner.analysis;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A directory that stands in for a crashed process's root file system: its executable and
 * libraries, as symbolic links to local copies, at the paths the process mapped them from (what
 * lldb's {@code platform select --sysroot}, gdb's {@code set sysroot} and jhsdb's {@code
 * SA_ALTROOT} read) and under {@code .build-id/xx/rest} (what elfutils' {@code --debuginfo-path}
 * reads). The paths come from a dump, so from the crashed process: a path that is not absolute or
 * climbs with {@code ..} is left out, and nothing is ever written outside the directory.
 */
public final class Sysroots {
  /**
   * One file of the process.
   *
   * @param path where the process mapped it
   * @param buildId its build-id in hex, or null
   * @param file the local copy
   */
  public record Entry(String path, @Nullable String buildId, Path file) {}

  private Sysroots() {}

  /**
   * Lays {@code entries} out in {@code dir} (created if missing); an entry whose place is taken or
   * whose path is unsafe is skipped.
   *
   * @return {@code dir}
   */
  public static Path create(Path dir, List<Entry> entries) throws IOException {
    Files.createDirectories(dir);
    Path root = dir.toAbsolutePath().normalize();
    for (Entry e : entries) {
      Path target = e.file().toAbsolutePath();
      Path at = place(root, e.path());
      if (at != null) {
        link(at, target);
      }
      if (e.buildId() != null && e.buildId().matches("[0-9a-f]{8,128}")) {
        String id = e.buildId();
        link(
            root.resolve(".build-id").resolve(id.substring(0, 2)).resolve(id.substring(2)), target);
      }
    }
    // A merged-/usr system (Debian 12, most images) maps /usr/lib/x86_64-linux-gnu/libc.so.6, as
    // the core's NT_FILE says, while the dynamic linker's list, which gdb reads, says /lib/...: the
    // file is at both paths, as on the system itself, unless the core mapped a file of its own
    // there (placed above, first).
    for (Entry e : entries) {
      for (String top : MERGED) {
        if (e.path() != null && e.path().startsWith("/usr/" + top + "/")) {
          Path alias = place(root, e.path().substring(4));
          if (alias != null && !Files.exists(alias, LinkOption.NOFOLLOW_LINKS)) {
            link(alias, e.file().toAbsolutePath());
          }
        }
      }
    }
    return dir;
  }

  private static final List<String> MERGED = List.of("lib", "lib64", "lib32", "bin", "sbin");

  /**
   * Where {@code path} goes under {@code root} (without a {@code " (deleted)"} suffix); null when
   * it is not a safe absolute path.
   */
  public static @Nullable Path place(Path root, @Nullable String path) {
    if (path == null || !path.startsWith("/") || path.contains("\0")) {
      return null;
    }
    String clean = path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path;
    for (String part : clean.split("/")) {
      if (part.equals("..") || part.equals(".")) {
        return null;
      }
    }
    Path at = root.resolve(clean.substring(1)).normalize();
    return at.startsWith(root) && !at.equals(root) ? at : null;
  }

  private static void link(Path at, Path target) {
    try {
      Files.createDirectories(at.getParent());
      Files.createSymbolicLink(at, target);
    } catch (FileAlreadyExistsException e) {
      // two mappings of one path, or two paths of one build: the first stays
    } catch (IOException e) {
      // a path that runs through another file's place (/a, then /a/b): left out
    }
  }
}
