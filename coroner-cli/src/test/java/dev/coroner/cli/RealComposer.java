package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The real pipe composer ({@code dev.coroner.composer.Main}) in a JVM of its own, fed {@code core}
 * on stdin with the specifiers the kernel would pass (%P %p %I %i %s %t %h %e %E %c %u %g %F): a
 * dump as a crash leaves it, without touching any kernel setting. The crash is this test JVM's PID.
 */
public final class RealComposer {
  private RealComposer() {}

  /**
   * Runs it with {@code config} ({@code composer.properties}) and its log at {@code log}, for a
   * process {@code exe} on {@code host} of {@code uid} that died of {@code signal}; its exit code
   * (0: a complete dump).
   */
  public static int run(
      Path config, Path log, byte[] core, String exe, String host, long uid, int signal)
      throws IOException, InterruptedException {
    String pid = Long.toString(ProcessHandle.current().pid());
    Process composer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dcoroner.config=" + config,
                "-Dcoroner.log=" + log,
                "dev.coroner.composer.Main",
                pid,
                pid,
                pid,
                pid,
                Integer.toString(signal),
                Long.toString(Instant.now().getEpochSecond()),
                host,
                exe,
                "!usr!bin!" + exe,
                "0",
                Long.toString(uid),
                Long.toString(uid),
                "-1")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (var in = composer.getOutputStream()) {
      in.write(core);
    }
    assertThat(composer.waitFor(120, TimeUnit.SECONDS)).as("the composer finished").isTrue();
    return composer.exitValue();
  }

  /** The one {@code *.zip} in {@code dir} whose name holds {@code part}. */
  public static Path zipIn(Path dir, String part) throws IOException {
    try (var files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".zip"))
          .filter(f -> f.getFileName().toString().contains(part))
          .reduce(
              (a, b) -> {
                throw new AssertionError("two dumps with " + part + " in " + dir);
              })
          .orElseThrow(() -> new AssertionError("no dump with " + part + " in " + dir));
    }
  }
}
