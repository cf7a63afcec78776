package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.testkit.KernelLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Crashes a program for real and returns the core the kernel wrote. core_pattern is global to the
 * machine and shared with other builds: the whole crash runs under {@code flock
 * /run/coroner-kernel.lock} (flock(2); a Java FileLock is an fcntl lock and would not exclude
 * them), with core_pattern set to a file in {@code dir} only for that moment and the previous value
 * written back by the shell's EXIT trap, whatever happens to the crash.
 */
final class KernelCrash {

  // timeout(1) ends a program that does not crash; it forks the program, so the core is found
  // by name in a directory of its own rather than by the pid the shell knows.
  private static final String SCRIPT =
      """
      dir=$1; shift
      prev=$(cat /proc/sys/kernel/core_pattern)
      trap 'printf "%s\\n" "$prev" > /proc/sys/kernel/core_pattern' EXIT
      trap 'exit 130' INT TERM HUP
      printf '%s\\n' "$dir/core.%p" > /proc/sys/kernel/core_pattern
      (ulimit -c unlimited; exec timeout -s KILL 120 "$@") > "$dir/output.log" 2>&1 < /dev/null
      echo "rc=$?"
      """;
  private static final Pattern RESULT = Pattern.compile("rc=(\\d+)");

  private KernelCrash() {}

  /**
   * Runs {@code command} in {@code cwd} until it crashes; its core, in a new directory in {@code
   * dir}.
   */
  static Path crash(Path dir, Path cwd, String... command)
      throws IOException, InterruptedException {
    assertThat(ProcessHandle.current().info().user())
        .as("kernel tests run as root")
        .contains("root");
    Files.createDirectories(dir);
    Path out = Files.createTempDirectory(dir, "crash");
    // Under the machine-wide lock, unless an ancestor (flock ... ./mvnw) holds it already: a
    // second flock on it from here would wait for that ancestor forever.
    List<String> argv = new ArrayList<>();
    if (!KernelLock.heldByAncestor()) {
      argv.addAll(List.of("flock", "-w", "900", KernelLock.LOCK.toString()));
    }
    argv.addAll(List.of("sh", "-c", SCRIPT, "sh", out.toString()));
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(20, TimeUnit.MINUTES)).isTrue();
    Matcher m = RESULT.matcher(said);
    assertThat(m.find()).as("the crash ran: %s", said).isTrue();
    // The kernel has written the whole core by the time the shell sees the exit.
    try (Stream<Path> files = Files.list(out)) {
      List<Path> cores = files.filter(f -> f.getFileName().toString().startsWith("core.")).toList();
      assertThat(cores)
          .as(
              "a core of %s (exit %s): %s",
              command[0], m.group(1), Files.readString(out.resolve("output.log")))
          .hasSize(1);
      return cores.get(0);
    }
  }

  /** Runs a build step (gcc, ...) and fails the test with its output if it fails. */
  static void build(Path cwd, String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
