package dev.coroner.cli.k8s;

import dev.coroner.cli.RealComposer;
import dev.coroner.dump.elf.TrainingCore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
    RealComposer.run(
        config,
        dir.resolve("composer.log"),
        TrainingCore.of(coreBytes),
        "node",
        "web-5d8f7c9b6-x2x7q",
        0,
        6);
    try (var files = Files.list(dumps)) {
      return files.filter(f -> f.toString().endsWith(".zip")).findFirst().orElseThrow();
    }
  }
}
