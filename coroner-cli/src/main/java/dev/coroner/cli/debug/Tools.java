package dev.coroner.cli.debug;

import dev.coroner.analysis.ToolPaths;
import dev.coroner.cli.errors.CliException;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Finds the external tools {@code coroner debug} runs, with an install hint when one is missing.
 */
final class Tools {
  static final String LLNODE_HINT = "npm install -g --allow-scripts=llnode llnode";

  private final Map<String, String> env;

  Tools(Map<String, String> env) {
    this.env = env;
  }

  /** An executable on PATH, or exit 1 saying how to install it. */
  Path require(String command, String installHint) {
    return find(command)
        .orElseThrow(
            () ->
                new CliException(
                    CliException.FAILURE, command + " is not installed; run: " + installHint));
  }

  Optional<Path> find(String command) {
    return Stream.of(env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":"))
        .map(dir -> Path.of(dir, command))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** The llnode plugin: --llnode, else the global npm modules, asking npm as a last resort. */
  Path llnode(@Nullable Path given) {
    if (given != null) {
      if (!Files.isRegularFile(given)) {
        throw new CliException(CliException.USAGE, "--llnode " + given + " does not exist");
      }
      return given;
    }
    for (String root : List.of("/usr/lib/node_modules", "/usr/local/lib/node_modules")) {
      Path p = Path.of(root, "llnode", "llnode.so");
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    Optional<Path> npm = find("npm");
    if (npm.isPresent()) {
      try {
        Process p = new ProcessBuilder(npm.get().toString(), "root", "-g").start();
        String root =
            new String(p.getInputStream().readAllBytes(), Charset.defaultCharset()).trim();
        if (p.waitFor(30, TimeUnit.SECONDS) && !root.isEmpty()) {
          Path so = Path.of(root, "llnode", "llnode.so");
          if (Files.isRegularFile(so)) {
            return so;
          }
        }
      } catch (IOException e) {
        // fall through to the hint
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    throw new CliException(
        CliException.FAILURE,
        "llnode (the lldb plugin for Node.js) is not installed; run: "
            + LLNODE_HINT
            + " (or pass --llnode PATH, or --debugger gdb for native frames only)");
  }

  /**
   * Debian's lldb prints "No module named 'lldb.embedded_interpreter'" unless PYTHONPATH names its
   * Python bindings; found as the analysis finds them ({@link ToolPaths#findLldbPythonPath}).
   */
  Optional<String> lldbPythonPath() {
    return ToolPaths.findLldbPythonPath();
  }
}
