package dev.coroner.receiver;

import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.testkit.KernelLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a kernel test in another package needs: why it cannot run here (or null), the kernel lock
 * held for the test class, and crasher.c compiled, run on the host or as a "container" (own UTS and
 * pid namespaces, a cgroup named like a container's).
 */
public final class TestKernel implements AutoCloseable {
  private final String skipped;
  private final KernelLock lock;
  private final Path build;
  private final Path crasher;

  private TestKernel(String skipped, KernelLock lock, Path build, Path crasher) {
    this.skipped = skipped;
    this.lock = lock;
    this.build = build;
    this.crasher = crasher;
  }

  /** Takes the kernel lock and builds the crasher, unless the tests cannot run here. */
  public static TestKernel acquire() throws Exception {
    String why = whyNot();
    if (why != null) {
      return new TestKernel(why, null, null, null);
    }
    KernelLock lock = KernelLock.acquire();
    Path build = Files.createTempDirectory("coroner-receiver-it-");
    return new TestKernel(null, lock, build, Crasher.compile(build));
  }

  /** Why kernel tests cannot run here, or null. */
  public static String whyNot() {
    if (CoredumpSocketServer.unavailableReason().isPresent()) {
      return CoredumpSocketServer.unavailableReason().get();
    }
    if (!ProcessHandle.current().info().user().orElse("").equals("root")) {
      return "the kernel tests set core_pattern and need root";
    }
    List<String> problems = KernelSupport.host().report().problems(SocketPattern.REQUEST);
    return problems.isEmpty() ? null : String.join(" ", problems);
  }

  public String skipped() {
    return skipped;
  }

  public Path crasherPath() {
    return crasher;
  }

  /** The crasher on the host, with {@code args} (the MiB of heap to touch). */
  public Crasher crasher(List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(crasher.toString()));
    cmd.addAll(args);
    return Crasher.start(cmd);
  }

  /** The crasher with {@code env} added to its environment ({@code env NAME=VALUE ...}). */
  public Crasher crasher(java.util.Map<String, String> env, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("env"));
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    cmd.add(crasher.toString());
    cmd.addAll(args);
    return Crasher.start(cmd);
  }

  /** The crasher as a container's process: hostname {@code hostname}, cgroup {@code .../ID}. */
  public Contained contained(String hostname, String containerId) throws Exception {
    Crasher c =
        Crasher.start(
            List.of(
                "unshare",
                "--uts",
                "--pid",
                "--fork",
                "sh",
                "-c",
                "hostname " + hostname + " && exec " + crasher));
    Path cgroup = Path.of("/sys/fs/cgroup/pids/coroner-it-" + containerId);
    try {
      Files.createDirectories(cgroup);
      Files.writeString(cgroup.resolve("cgroup.procs"), c.hostChildPid() + "\n");
    } catch (IOException e) {
      c.close();
      throw e;
    }
    return new Contained(c, cgroup);
  }

  /** A crasher in a "container"; closing removes its cgroup once it has ended. */
  public static final class Contained implements AutoCloseable {
    private final Crasher crasher;
    private final Path cgroup;
    private final long hostChildPid;

    Contained(Crasher crasher, Path cgroup) {
      this.crasher = crasher;
      this.cgroup = cgroup;
      this.hostChildPid = crasher.hostChildPid();
    }

    public long hostChildPid() {
      return hostChildPid;
    }

    /** The crashing child's pid in its own pid namespace. */
    public int childPid() {
      return crasher.childPid();
    }

    public void crash() throws IOException {
      crasher.crash();
    }

    public Crasher.WaitStatus await() throws IOException, InterruptedException {
      return crasher.await();
    }

    @Override
    public void close() throws Exception {
      crasher.close();
      for (int i = 0; i < 100 && Files.exists(cgroup); i++) {
        try {
          Files.delete(cgroup);
        } catch (IOException e) {
          TimeUnit.MILLISECONDS.sleep(50); // EBUSY until its last process is gone
        }
      }
    }
  }

  @Override
  public void close() throws Exception {
    if (build != null) {
      deleteTree(build);
    }
    if (lock != null) {
      lock.close();
    }
  }

  public static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
