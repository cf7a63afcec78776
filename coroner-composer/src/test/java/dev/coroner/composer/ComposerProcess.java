package dev.coroner.composer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real composer as its own JVM, the way the kernel does: arguments, a config file and the
 * core on stdin. Exit codes and System.exit are only observable in a separate process.
 */
final class ComposerProcess {
  private ComposerProcess() {}

  /** The 13 arguments for a crash of this test JVM with the given signal. */
  static String[] args(int signal) {
    String pid = Long.toString(ProcessHandle.current().pid());
    return new String[] {
      pid,
      pid,
      pid,
      pid,
      Integer.toString(signal),
      "1634419098",
      "test-host",
      "java",
      "!usr!bin!java",
      "18446744073709551615",
      "0",
      "0",
      "-1"
    };
  }

  static Process start(Path config, Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx64m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    if (config != null) {
      cmd.add("-Dcoroner.config=" + config);
    }
    cmd.add("-Dcoroner.log=" + log);
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Runs to completion with {@code stdin} as the core; returns the exit code. */
  static int run(Path config, Path log, byte[] stdin, String... args)
      throws IOException, InterruptedException {
    Process p = start(config, log, args);
    try (var out = p.getOutputStream()) {
      out.write(stdin);
    } catch (IOException e) {
      // the composer may stop reading early (a limit); that is what some tests check
    }
    p.getInputStream().transferTo(System.out);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("composer finished").isTrue();
    return p.exitValue();
  }

  static Path config(Path dir, String... lines) throws IOException {
    Path config = dir.resolve("composer.properties");
    Files.write(config, List.of(lines));
    return config;
  }

  /** The only finished dump in {@code dir}. */
  static Path onlyDump(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).as("files in " + dir).hasSize(1);
      assertThat(all.get(0).toString()).endsWith(".zip");
      return all.get(0);
    }
  }

  static DumpArchive openOnly(Path dir) throws IOException {
    return DumpArchive.open(onlyDump(dir));
  }
}
