package dev.coroner.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A process to snapshot, started detached through a shell (setsid, then the shell exits), so that
 * it is not a child of the test's JVM: the JDK's process reaper would take its ptrace stops, and a
 * real target is nobody's child here either. Killed by PID on close.
 */
final class Victim implements AutoCloseable {
  final int pid;
  final Path out;

  private Victim(int pid, Path out) {
    this.pid = pid;
    this.out = out;
  }

  /**
   * Starts {@code command} (as a shell word list, environment prefixes allowed) into {@code out}.
   */
  static Victim start(Path out, String command) throws IOException, InterruptedException {
    Process sh =
        new ProcessBuilder(
                "sh", "-c", "setsid " + command + " > '" + out + "' 2>&1 < /dev/null & echo $!")
            .redirectErrorStream(true)
            .start();
    String pid = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!sh.waitFor(10, TimeUnit.SECONDS)) {
      sh.destroyForcibly();
    }
    Victim v = new Victim(Integer.parseInt(pid), out);
    v.awaitOutput("ready", Duration.ofSeconds(120));
    return v;
  }

  /**
   * Waits until the output has a line starting with {@code prefix}. threads.c says "ready" only
   * once every worker is inside its function, so a snapshot after it finds each one there.
   */
  void awaitOutput(String prefix, Duration timeout) {
    Awaitility.await("'" + prefix + "' from pid " + pid)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> lines().stream().anyMatch(l -> l.startsWith(prefix)));
  }

  List<String> lines() throws IOException {
    return Files.exists(out) ? Files.readAllLines(out) : new ArrayList<>();
  }

  /** The {@code State:} line of /proc/PID/status, e.g. "S (sleeping)"; "gone" when it exited. */
  String state() {
    return status("State:");
  }

  String status(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(key)) {
          return line.substring(key.length()).strip();
        }
      }
    } catch (IOException e) {
      return "gone";
    }
    return "";
  }

  /** The PIDs of this process's children (all threads'), which a snapshot must not leave. */
  List<String> children() throws IOException {
    List<String> out = new ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks.toList()) {
        String c =
            new String(Files.readAllBytes(t.resolve("children")), StandardCharsets.UTF_8).strip();
        if (!c.isEmpty()) {
          out.addAll(List.of(c.split("\\s+")));
        }
      }
    }
    return out;
  }

  boolean alive() {
    return Files.exists(Path.of("/proc/" + pid));
  }

  /** SIGKILL, then waits until the process is gone or a zombie (generous: a loaded machine). */
  void kill() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-9", Integer.toString(pid)).start().waitFor();
    Awaitility.await("pid " + pid + " dead")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !alive() || state().startsWith("Z"));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    kill();
  }
}
