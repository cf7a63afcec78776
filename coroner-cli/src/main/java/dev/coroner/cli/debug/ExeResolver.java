package dev.coroner.cli.debug;

import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.elf.ElfBuildId;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Picks the executable a core is opened with: the one recorded in the dump if it is here and its
 * build-id matches the core's, else {@code --exe}. A wrong binary makes a debugger show garbage, so
 * a mismatch stops with advice instead.
 */
final class ExeResolver {
  private final Tools tools;
  private final PrintWriter err;

  ExeResolver(Tools tools, PrintWriter err) {
    this.tools = tools;
    this.err = err;
  }

  /**
   * The executable, and its own build-id (null if it has none): what a cached, debug-stripped copy
   * of it is keyed by. Never the core's: a wrong {@code --exe} must not be cached as the right one.
   */
  record Resolved(Path exe, @Nullable String buildId) {}

  Resolved resolve(DumpInfo info, Path core, @Nullable Path given) throws IOException {
    String recorded = info.process().exePath();
    Optional<String> coreId = coreBuildId(core, recorded);
    if (given != null) {
      if (!Files.isRegularFile(given)) {
        throw new CliException(CliException.USAGE, "--exe " + given + " does not exist");
      }
      Optional<String> id = ElfBuildId.of(given);
      if (coreId.isPresent() && id.isPresent() && !coreId.get().equals(id.get())) {
        err.println(
            "warning: --exe "
                + given
                + " has build-id "
                + id.get()
                + " but the core was made by "
                + coreId.get()
                + "; frames may be wrong");
      }
      return new Resolved(given, id.orElse(null));
    }
    if (recorded == null) {
      throw new CliException(
          CliException.FAILURE,
          "the dump does not record which executable crashed; pass --exe PATH to the exact binary");
    }
    Path exe = Path.of(recorded);
    if (!Files.isRegularFile(exe)) {
      throw new CliException(
          CliException.FAILURE,
          "the executable that crashed, "
              + recorded
              + ", is not on this machine; pass --exe PATH to the same binary (for a container,"
              + " copy it out of the image)");
    }
    Optional<String> id = ElfBuildId.of(exe);
    if (coreId.isPresent() && id.isPresent() && !coreId.get().equals(id.get())) {
      throw new CliException(
          CliException.FAILURE,
          recorded
              + " here is not the binary that crashed (build-id "
              + id.get()
              + ", the core's is "
              + coreId.get()
              + "); pass --exe PATH to the exact binary, e.g. from the app's image or package"
              + " version");
    }
    return new Resolved(exe, id.orElse(null));
  }

  /** The main executable's build-id as the core records it, via elfutils' eu-unstrip. */
  private Optional<String> coreBuildId(Path core, @Nullable String exePath) throws IOException {
    Optional<Path> unstrip = tools.find("eu-unstrip");
    if (unstrip.isEmpty()) {
      err.println(
          "note: cannot check the executable's build-id against the core: eu-unstrip is missing"
              + " (apt-get install -y elfutils)");
      return Optional.empty();
    }
    Process p =
        new ProcessBuilder(unstrip.get().toString(), "-n", "--core=" + core)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), Charset.defaultCharset());
    try {
      p.waitFor(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String name = exePath == null ? null : Path.of(exePath).getFileName().toString();
    String first = null;
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 5 || !f[1].contains("@")) {
        continue;
      }
      String id = f[1].substring(0, f[1].indexOf('@'));
      if (first == null) {
        first = id;
      }
      if (name != null && Path.of(f[f.length - 1]).getFileName().toString().equals(name)) {
        return Optional.of(id);
      }
    }
    // eu-unstrip lists the main executable first.
    return Optional.ofNullable(first);
  }
}
