package dev.coroner.cli.debug;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.elf.ElfBuildId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wrong {@code --exe} must never be cached as the right binary: the cache key of a stripped copy
 * is the executable's own build-id, not the core's. The core is a real one, of a live {@code
 * sleep}, taken with gcore (no core_pattern needed).
 */
class ExeResolverIT {
  @TempDir Path tmp;

  @Test
  void aWrongExeIsKeyedByItsOwnBuildIdAndSaidToBeWrong() throws Exception {
    Process sleep = new ProcessBuilder("/bin/sleep", "60").start();
    try {
      Path core = tmp.resolve("core");
      Process gcore =
          new ProcessBuilder("gcore", "-o", core.toString(), Long.toString(sleep.pid()))
              .redirectErrorStream(true)
              .start();
      gcore.getInputStream().readAllBytes();
      assertThat(gcore.waitFor(120, TimeUnit.SECONDS)).isTrue();
      Path written = Path.of(core + "." + sleep.pid());
      StringWriter err = new StringWriter();
      var resolved =
          new ExeResolver(new Tools(System.getenv()), new PrintWriter(err, true))
              .resolve(
                  withExe(
                      dev.coroner.cli.TestDumps.dump(
                              "0badc0de-0000-4000-8000-000000000002",
                              java.time.Instant.EPOCH,
                              "sleep",
                              11,
                              null,
                              false)
                          .info(),
                      "/bin/sleep"),
                  written,
                  Path.of("/bin/true"));
      assertThat(resolved.exe()).isEqualTo(Path.of("/bin/true"));
      assertThat(resolved.buildId())
          .as("the wrong binary's own id, never the core's")
          .isEqualTo(ElfBuildId.of(Path.of("/bin/true")).orElseThrow())
          .isNotEqualTo(ElfBuildId.of(Path.of("/bin/sleep")).orElseThrow());
      assertThat(err.toString()).contains("warning: --exe /bin/true has build-id");
    } finally {
      sleep.destroyForcibly();
      sleep.waitFor();
    }
  }

  private static dev.coroner.dump.DumpInfo withExe(dev.coroner.dump.DumpInfo s, String exe) {
    var p = s.process();
    return new dev.coroner.dump.DumpInfo(
        s.schemaVersion(),
        s.uuid(),
        s.name(),
        s.timestamp(),
        s.hostname(),
        s.nodeHostname(),
        new dev.coroner.dump.DumpInfo.ProcessInfo(
            "sleep",
            exe,
            p.cmdline(),
            p.pid(),
            p.hostPid(),
            p.tid(),
            p.hostTid(),
            0,
            0,
            11,
            null,
            null,
            true),
        null,
        s.core(),
        s.integrity(),
        s.files(),
        s.composer());
  }
}
