package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;

/**
 * A real cgroup for one test, named as a runtime names a container's ({@code coroner-test-<64
 * hex>}): one directory on a cgroup v2 mount, or one in each of the v1 memory, cpu and cpuacct
 * hierarchies, which is what this machine has. Processes are started inside it; {@link #close}
 * kills them by PID and removes the directories, or fails.
 */
final class TestCgroup implements AutoCloseable {
  static final Path ROOT = Path.of("/sys/fs/cgroup");

  final String id = HexFormat.of().formatHex(SecureRandom.getSeed(32));
  final String name = "coroner-test-" + id;
  final boolean unified = Files.isRegularFile(ROOT.resolve("cgroup.controllers"));
  private final List<Path> dirs = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  private TestCgroup() {}

  /** A new cgroup; the test is skipped (and says why) where none can be made. */
  static TestCgroup create() throws IOException {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "making a cgroup needs root");
    TestCgroup cg = new TestCgroup();
    if (cg.unified) {
      String controllers = Files.readString(ROOT.resolve("cgroup.subtree_control"));
      Assumptions.assumeTrue(
          controllers.contains("memory") && controllers.contains("cpu"),
          "cgroup v2 without the memory and cpu controllers for children of the root");
      cg.dirs.add(Files.createDirectory(ROOT.resolve(cg.name)));
    } else {
      for (String hierarchy : List.of("memory", "cpu", "cpuacct")) {
        Assumptions.assumeTrue(
            Files.isDirectory(ROOT.resolve(hierarchy)), "no cgroup v1 " + hierarchy + " hierarchy");
      }
      for (String hierarchy : List.of("memory", "cpu", "cpuacct")) {
        Path dir = ROOT.resolve(hierarchy).resolve(cg.name);
        // cpu and cpuacct may be one hierarchy under two names.
        if (!Files.isDirectory(dir)) {
          cg.dirs.add(Files.createDirectory(dir));
        }
      }
    }
    return cg;
  }

  private Path dir(String hierarchy) {
    return unified ? ROOT.resolve(name) : ROOT.resolve(hierarchy).resolve(name);
  }

  void memoryLimit(long bytes) throws IOException {
    Files.writeString(
        dir("memory").resolve(unified ? "memory.max" : "memory.limit_in_bytes"),
        Long.toString(bytes));
  }

  void cpuQuota(long quotaMicros, long periodMicros) throws IOException {
    if (unified) {
      Files.writeString(dir("cpu").resolve("cpu.max"), quotaMicros + " " + periodMicros);
    } else {
      Files.writeString(dir("cpu").resolve("cpu.cfs_period_us"), Long.toString(periodMicros));
      Files.writeString(dir("cpu").resolve("cpu.cfs_quota_us"), Long.toString(quotaMicros));
    }
  }

  /**
   * Starts {@code command} inside the cgroup: a shell moves itself in, then becomes the command, so
   * nothing runs outside it first. Returns once the command printed {@code ready} (for those that
   * print it), or at once.
   */
  Process run(boolean waitForReady, String... command) throws IOException {
    StringBuilder script = new StringBuilder();
    for (String h : unified ? List.of("memory") : List.of("memory", "cpu", "cpuacct")) {
      script.append("echo $$ > ").append(dir(h).resolve("cgroup.procs")).append(" || exit 9; ");
    }
    script.append("exec \"$@\"");
    List<String> argv = new ArrayList<>(List.of("sh", "-c", script.toString(), "sh"));
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    processes.add(p);
    // In once the shell has moved itself: /proc/PID/cgroup names the cgroup.
    Path cgroupFile = Path.of("/proc", Long.toString(p.pid()), "cgroup");
    await()
        .atMost(10, SECONDS)
        .until(() -> !p.isAlive() || Files.readString(cgroupFile).contains(name));
    if (waitForReady) {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      CompletableFuture<String> line =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Optional.ofNullable(out.readLine()).orElse("(exited)");
                } catch (IOException e) {
                  return e.toString();
                }
              });
      await().atMost(30, SECONDS).until(line::isDone);
      if (!"ready".equals(line.join())) {
        throw new IOException("the process in " + name + " said: " + line.join());
      }
    }
    return p;
  }

  /** The cgroup as the triggers find it from a process in it ({@code /proc/PID/cgroup}). */
  ContainerCgroup ofProcess(Process p) throws IOException {
    String content = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cgroup"));
    return new CgroupPaths(ROOT).ofProcess(content).orElseThrow();
  }

  @Override
  public void close() throws IOException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Anything else that got in (a child of the command) is killed by PID too.
    for (Path dir : dirs) {
      for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    // The kernel empties cgroup.procs once the killed processes are reaped; then rmdir works.
    await()
        .atMost(10, SECONDS)
        .until(
            () -> {
              for (Path dir : dirs) {
                if (!Files.readAllLines(dir.resolve("cgroup.procs")).isEmpty()) {
                  return false;
                }
              }
              return true;
            });
    for (Path dir : dirs) {
      Files.delete(dir);
    }
    for (Path dir : dirs) {
      if (Files.exists(dir)) {
        throw new IOException(dir + " is still there");
      }
    }
  }
}
