package dev.coroner.agent.cri;

import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.api.ListContainersRequest;
import dev.coroner.agent.cri.api.ListPodSandboxRequest;
import dev.coroner.agent.cri.api.PodSandbox;
import dev.coroner.agent.cri.api.RemoveContainerRequest;
import dev.coroner.agent.cri.api.RemovePodSandboxRequest;
import dev.coroner.agent.cri.api.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.coroner.agent.cri.api.StopPodSandboxRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@link ContainerdHarness}'s teardown: everything a containerd run leaves on a host if it is not
 * taken down in order (shims and pause processes outlive containerd; sandboxes leave mounts and pod
 * cgroups), found and removed by what marks it as the harness's own: the scratch path in a command
 * line or mount point, and the harness's cgroup directory name.
 */
final class HarnessCleanup {
  private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

  /** containerd 1.6 puts shim sockets here whatever its config says. */
  private static final Path SHIM_SOCKETS = Path.of("/run/containerd/s");

  private final Path scratch;
  private final Path socket;

  /** The top cgroup of every pod of this run, named like the scratch directory. */
  private final String cgroupRoot;

  private final boolean runDirExisted = Files.exists(SHIM_SOCKETS.getParent());
  private final List<Long> shimsSeen = new ArrayList<>();
  private Process containerd;
  private Thread hook;

  HarnessCleanup(Path scratch, Path socket) {
    this.scratch = scratch;
    this.socket = socket;
    this.cgroupRoot = scratch.getFileName().toString();
  }

  /** A shutdown hook that runs {@code close}: a killed test JVM still cleans up. */
  Thread hook(Runnable close) {
    hook = new Thread(close, "containerd-harness-cleanup");
    return hook;
  }

  void containerd(Process process) {
    containerd = process;
  }

  /** The cgroup parent of pod {@code uid}, as kubelet's cgroupfs driver would name it. */
  String podCgroup(String uid) {
    return "/" + cgroupRoot + "/pod" + uid;
  }

  /**
   * Remembers the running shims: once they exit their command lines are gone, and they linger as
   * zombies until init reaps them, which the teardown waits for.
   */
  void noteShims() throws IOException {
    shimsSeen.addAll(shims());
  }

  void removeSandbox(RuntimeServiceBlockingStub runtime, String id) {
    // containerd 1.6 may answer "failed to kill container ... ttrpc: closed" when a container's
    // shim is exiting at that moment (its process just died); asking again succeeds.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptionsMatching(
            e ->
                e instanceof StatusRuntimeException
                    && String.valueOf(e.getMessage()).contains("ttrpc"))
        .until(
            () -> {
              runtime.stopPodSandbox(
                  StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
              return true;
            });
    runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  void removeAll(RuntimeServiceBlockingStub runtime) {
    for (PodSandbox sandbox :
        runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      removeSandbox(runtime, sandbox.getId());
    }
    for (var container :
        runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      runtime.removeContainer(
          RemoveContainerRequest.newBuilder().setContainerId(container.getId()).build());
    }
  }

  interface Step {
    void run() throws Exception;
  }

  void step(Map<String, Throwable> errors, String name, Step step) {
    try {
      step.run();
    } catch (Exception | AssertionError e) {
      errors.put(name, e);
    }
  }

  /** Stops containerd and removes what is left; throws if anything could not be removed. */
  void finish(Map<String, Throwable> errors) {
    step(errors, "stop containerd", this::stopContainerd);
    step(errors, "kill leftovers", this::killLeftovers);
    step(errors, "unmount", this::unmount);
    step(errors, "remove cgroups", this::removeCgroups);
    step(errors, "delete scratch", () -> Commands.deleteTree(scratch));
    if (!runDirExisted) {
      step(errors, "remove /run/containerd", this::removeRunDir);
    }
    step(errors, "check", this::check);
    if (hook != null && Thread.currentThread() != hook) {
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    if (!errors.isEmpty()) {
      AssertionError failure = new AssertionError("containerd harness teardown failed: " + errors);
      errors.values().forEach(failure::addSuppressed);
      throw failure;
    }
  }

  private void stopContainerd() throws InterruptedException {
    if (containerd == null) {
      return;
    }
    containerd.destroy();
    if (!containerd.waitFor(10, TimeUnit.SECONDS)) {
      containerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void killLeftovers() throws IOException {
    List<Long> pids = new ArrayList<>(shimsSeen);
    pids.addAll(shims());
    pids.addAll(cgroupProcesses());
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> pids.stream().noneMatch(p -> ProcessHandle.of(p).isPresent()));
  }

  /** Shims are started by containerd with {@code -address SOCKET}, and outlive it on purpose. */
  private List<Long> shims() throws IOException {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8);
          if (cmdline.replace('\0', ' ').contains(socket.toString())) {
            pids.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited meanwhile
        }
      }
    }
    return pids;
  }

  private List<Long> cgroupProcesses() throws IOException {
    List<Long> pids = new ArrayList<>();
    for (Path dir : cgroupDirs()) {
      Path procs = dir.resolve("cgroup.procs");
      if (Files.exists(procs)) {
        for (String line : Files.readAllLines(procs)) {
          if (!line.isBlank() && Long.parseLong(line.trim()) != ProcessHandle.current().pid()) {
            pids.add(Long.parseLong(line.trim()));
          }
        }
      }
    }
    return pids;
  }

  private void unmount() {
    for (String mount : mounts()) {
      try {
        Commands.run("umount", mount);
      } catch (IllegalStateException busy) {
        Commands.run("umount", "-l", mount);
      }
    }
  }

  /** Mount points under the scratch directory, deepest first. */
  private List<String> mounts() {
    List<String> found = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String point = unescape(line.split(" ")[4]);
        if (point.startsWith(scratch + "/") || point.equals(scratch.toString())) {
          found.add(point);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    found.sort(Comparator.comparingInt(String::length).reversed());
    return found;
  }

  private static String unescape(String field) {
    // mountinfo writes space, tab, newline and backslash as \ooo.
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        s.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private void removeCgroups() throws IOException {
    // A cgroup directory holds only kernel files: rmdir removes it once it has no processes and
    // no children, so remove the deepest first.
    List<Path> dirs = cgroupDirs();
    dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path dir : dirs) {
      Files.deleteIfExists(dir);
    }
  }

  /** Every directory of this run's cgroup tree, in every hierarchy (v1 controllers, v2). */
  private List<Path> cgroupDirs() throws IOException {
    List<Path> roots = new ArrayList<>();
    roots.add(CGROUPS.resolve(cgroupRoot));
    if (Files.isDirectory(CGROUPS)) {
      try (Stream<Path> hierarchies = Files.list(CGROUPS)) {
        hierarchies.forEach(h -> roots.add(h.resolve(cgroupRoot)));
      }
    }
    List<Path> dirs = new ArrayList<>();
    for (Path root : roots) {
      if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> walk = Files.walk(root)) {
          walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(dirs::add);
        }
      }
    }
    return dirs;
  }

  private void removeRunDir() throws IOException {
    // Only if this run created it and it is empty: a host runtime may use it.
    try {
      Files.deleteIfExists(SHIM_SOCKETS);
      Files.deleteIfExists(SHIM_SOCKETS.getParent());
    } catch (DirectoryNotEmptyException e) {
      // another containerd's sockets: not ours
    }
  }

  private void check() throws IOException {
    Map<String, Object> left = new LinkedHashMap<>();
    if (!shims().isEmpty()) {
      left.put("processes", shims());
    }
    if (!mounts().isEmpty()) {
      left.put("mounts", mounts());
    }
    if (!cgroupDirs().isEmpty()) {
      left.put("cgroups", cgroupDirs());
    }
    if (Files.exists(scratch, LinkOption.NOFOLLOW_LINKS)) {
      left.put("scratch", scratch);
    }
    if (!left.isEmpty()) {
      throw new AssertionError("left behind: " + left);
    }
  }
}
