package dev.coroner.analysis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The debuggers the analysis runs; any may be null (not installed), and the analysis says what it
 * could not do without it. jhsdb is not here: it must come from the crashed program's own JDK.
 *
 * @param euStack elfutils' eu-stack
 * @param lldb lldb
 * @param llnode llnode's plugin, {@code llnode.so}
 * @param lldbPythonPath the directory of lldb's Python bindings (Debian's lldb needs it in
 *     PYTHONPATH), or null
 * @param objcopy binutils' objcopy, to make the debug-stripped copy of node lldb loads fast
 */
public record ToolPaths(
    @Nullable Path euStack,
    @Nullable Path lldb,
    @Nullable Path llnode,
    @Nullable String lldbPythonPath,
    @Nullable Path objcopy) {
  private static final List<String> NPM_ROOTS =
      List.of("/usr/lib/node_modules", "/usr/local/lib/node_modules");

  /** Looks for the tools on {@code PATH} and llnode in the global npm roots. */
  public static ToolPaths discover(Map<String, String> env) {
    return new ToolPaths(
        onPath(env, "eu-stack"),
        onPath(env, "lldb"),
        findLlnode(),
        findLldbPythonPath().orElse(null),
        onPath(env, "objcopy"));
  }

  private static @Nullable Path onPath(Map<String, String> env, String command) {
    return Stream.of(env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":"))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, command))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }

  private static @Nullable Path findLlnode() {
    return NPM_ROOTS.stream()
        .map(root -> Path.of(root, "llnode", "llnode.so"))
        .filter(Files::isRegularFile)
        .findFirst()
        .orElse(null);
  }

  /**
   * Debian's lldb prints "No module named 'lldb.embedded_interpreter'" unless PYTHONPATH names its
   * bindings, {@code /usr/lib/llvm-N/lib/python3.X/dist-packages}; the newest LLVM wins.
   */
  public static Optional<String> findLldbPythonPath() {
    try (Stream<Path> dirs = Files.list(Path.of("/usr/lib"))) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("llvm-"))
          .sorted(Comparator.reverseOrder())
          .flatMap(ToolPaths::pythonDirs)
          .filter(d -> Files.isDirectory(d.resolve("lldb")))
          .map(Path::toString)
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Stream<Path> pythonDirs(Path llvm) {
    try (Stream<Path> libs = Files.list(llvm.resolve("lib"))) {
      // python3.11 before python3: the versioned directory holds the working bindings.
      return libs
          .filter(d -> d.getFileName().toString().startsWith("python3"))
          .sorted(Comparator.comparing((Path d) -> d.getFileName().toString()).reversed())
          .map(d -> d.resolve("dist-packages"))
          .toList()
          .stream();
    } catch (IOException e) {
      return Stream.empty();
    }
  }
}
