package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.elf.TrainingCore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real dump, written by the real composer fed a synthetic ELF core on stdin (as the kernel would
 * feed it): zstd core, sha256, /proc files, dump-info. No kernel setting is touched.
 */
final class ComposedDump {
  private ComposedDump() {}

  /** Composes a dump of a {@code coreBytes} core into {@code dir}; the zip's path. */
  static Path compose(Path dir, int coreBytes, String compression)
      throws IOException, InterruptedException {
    Path dumps = dir.resolve("dumps");
    Path config = dir.resolve("composer.properties");
    Files.writeString(config, "dump.dir=" + dumps + "\ncompression=" + compression + "\n");
    String pid = Long.toString(ProcessHandle.current().pid());
    Process composer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dcoroner.config=" + config,
                "-Dcoroner.log=" + dir.resolve("composer.log"),
                "dev.coroner.composer.Main",
                pid,
                pid,
                pid,
                pid,
                "6",
                "1634419098",
                "web-5d8f7c9b6-x2x7q",
                "node",
                "!usr!bin!node",
                "0",
                "0",
                "0",
                "-1")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (var in = composer.getOutputStream()) {
      in.write(TrainingCore.of(coreBytes));
    }
    assertThat(composer.waitFor(60, TimeUnit.SECONDS)).isTrue();
    try (var files = Files.list(dumps)) {
      return files.filter(f -> f.toString().endsWith(".zip")).findFirst().orElseThrow();
    }
  }
}
