package dev.coroner.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.testkit.KernelLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Crashes a real process and returns the kernel's core: under {@link KernelLock},
 * kernel.core_pattern is a file pattern in the test's directory only for the moment of the crash,
 * then the exact previous value is written back.
 */
final class KernelCrash {
  static final Path CORE_PATTERN = Path.of("/proc/sys/kernel/core_pattern");

  /** What the test does with the process while it runs, before it crashes. */
  interface Interaction {
    void with(Process p) throws Exception;
  }

  private KernelCrash() {}

  /**
   * Runs {@code process} (its command, directory and environment) with RLIMIT_CORE unlimited;
   * returns its core, written to {@code dir}.
   */
  static Path crash(Path dir, ProcessBuilder process, Interaction interaction) throws Exception {
    assertThat(ProcessHandle.current().info().user())
        .as("kernel tests run as root")
        .contains("root");
    Process p;
    KernelLock lock = KernelLock.acquire();
    try {
      String saved = Files.readString(CORE_PATTERN).strip();
      try {
        write(dir.resolve("core.%p").toString());
        List<String> command =
            new ArrayList<>(List.of("sh", "-c", "ulimit -c unlimited && exec \"$@\"", "sh"));
        command.addAll(process.command());
        ProcessBuilder pb = process.command(command);
        p = pb.redirectError(dir.resolve("stderr").toFile()).start();
        try {
          interaction.with(p);
          assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the process dies").isTrue();
        } finally {
          if (p.isAlive()) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        }
      } finally {
        write(saved);
        assertThat(Files.readString(CORE_PATTERN).strip())
            .as("core_pattern restored")
            .isEqualTo(saved);
      }
    } finally {
      lock.close();
    }
    // The kernel has written the whole core by the time the parent sees the exit.
    Path core = dir.resolve("core." + p.pid());
    assertThat(core).as("the core (exit %d)", p.exitValue()).isRegularFile();
    return core;
  }

  private static void write(String pattern) throws IOException {
    Files.writeString(CORE_PATTERN, pattern + "\n", StandardCharsets.US_ASCII);
  }

  /** Runs a tool to its end; returns its output (stdout and stderr). */
  static String run(Path dir, Map<String, String> env, String... command) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.redirectOutput(out.toFile()).start();
    try {
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        throw new AssertionError(String.join(" ", command) + " did not end in 300 s");
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    String output = Files.readString(out, StandardCharsets.ISO_8859_1);
    Files.delete(out);
    return output;
  }
}
