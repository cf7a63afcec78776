package dev.coroner.analysis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * A copy of an executable without its DWARF ({@code objcopy --strip-debug}), kept by build-id: it
 * keeps the symbols and the build-id llnode needs, and lldb stops spending 10-20 s indexing node's
 * debug info.
 */
final class StrippedExe {
  private StrippedExe() {}

  /**
   * The cached copy of {@code exe}, made now if missing; {@code exe} itself when there is no cache
   * dir, no objcopy, no build-id or the copy fails (lldb is slower, the result the same).
   */
  static Path of(Path exe, AnalyzerConfig config, CommandRunner runner)
      throws InterruptedException {
    Path objcopy = config.tools().objcopy();
    if (config.cacheDir() == null || objcopy == null) {
      return exe;
    }
    Path tmp = null;
    try {
      String buildId = ElfNotes.buildId(exe);
      if (buildId == null) {
        return exe;
      }
      // The same file name: lldb names native frames by it (node`uv_run).
      Path copy = config.cacheDir().resolve("exe").resolve(buildId).resolve(exe.getFileName());
      if (Files.isRegularFile(copy)) {
        return copy;
      }
      Files.createDirectories(copy.getParent());
      tmp = Files.createTempFile(copy.getParent(), exe.getFileName().toString(), ".partial");
      CommandRunner.Result r =
          runner.run(
              new CommandRunner.Command(
                  List.of(objcopy.toString(), "--strip-debug", exe.toString(), tmp.toString()),
                  Map.of(),
                  config.timeout(),
                  64 << 10));
      if (r.exitCode() != 0) {
        return exe;
      }
      // Two analyses at once make the same copy: the last rename wins, both are whole files.
      Files.move(tmp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      return copy;
    } catch (IOException e) {
      return exe;
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // a stray .partial in the cache dir; the next copy uses another name
        }
      }
    }
  }
}
