package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.agent.cri.CriClient;
import dev.coroner.agent.kube.PodRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A container's cgroup found as the agent finds it, on real parts: containerd (the harness plays
 * kubelet, with the cgroupfs driver) names the container's process and its cgroupsPath through CRI;
 * the process's {@code /proc/PID/cgroup}, or else the cgroupsPath, names the cgroup; the memory
 * trigger then reads it and fires for a Node.js process near the limit the test sets there, as the
 * kubelet would.
 */
class TriggerCgroupIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static ContainerdHarness harness;
  private static Pod pod;
  private static Container app;

  @BeforeAll
  static void run() throws IOException {
    harness = ContainerdHarness.start();
    pod = harness.runPod("shop", "web-1", Map.of("app", "web"), Map.of());
    app =
        harness.runContainer(
            pod,
            new ContainerSpec(
                "app",
                ContainerdHarness.NODE_IMAGE,
                List.of(
                    "/usr/bin/node",
                    "-e",
                    "const b = Buffer.alloc(64 << 20, 1); console.log('ready');"
                        + " setInterval(() => b[0]++, 1000)"),
                Map.of(),
                0));
    await()
        .atMost(30, SECONDS)
        .ignoreExceptions()
        .until(() -> Files.readString(app.logPath()).contains(" ready\n"));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      if (pod != null) {
        harness.removePod(pod);
      }
      harness.close();
    }
  }

  CgroupLocator locator(SnapshotTriggers.Processes processes) {
    return new CgroupLocator(
        processes, Path.of("/proc"), new CgroupPaths(Path.of("/sys/fs/cgroup")), System::nanoTime);
  }

  @Test
  void theRuntimeNamesTheProcessAndTheCgroup() throws Exception {
    try (CriClient cri = CriClient.open(harness.socket(), Path.of("/"))) {
      ContainerProcess process = cri.process(app.id(), TIMEOUT);
      assertThat(process.pid()).isEqualTo(app.pid());
      assertThat(process.cgroupsPath()).endsWith("/pod" + pod.uid() + "/" + app.id());

      // Through the PID (this test sees the host's PIDs) and through the cgroupsPath alone (an
      // agent without them): the same directories, which hold the process.
      ContainerCgroup byPid = locator(id -> process).locate(app.id());
      ContainerCgroup bySpec =
          locator(id -> new ContainerProcess(id, true, 0, process.cgroupsPath())).locate(app.id());
      assertThat(byPid).isNotNull().isEqualTo(bySpec);
      ContainerCgroup.V1 v1 = (ContainerCgroup.V1) byPid;
      assertThat(Files.readAllLines(v1.memoryDir().resolve("cgroup.procs")))
          .contains(Long.toString(app.pid()));
      assertThat(byPid.memory().workingSet()).isGreaterThan(64L << 20);
      assertThat(byPid.cpu().usageMicros()).isPositive();

      // Another container's ID with this process: refused.
      assertThat(locator(id -> process).locate(TestPods.containerId("other"))).isNull();

      // A limit as the kubelet sets one, just above the working set: the trigger fires.
      long workingSet = byPid.memory().workingSet();
      long limit = (workingSet * 100 / 93 + 4095) / 4096 * 4096;
      Files.writeString(v1.memoryDir().resolve("memory.limit_in_bytes"), Long.toString(limit));
      List<Firing> fired = new CopyOnWriteArrayList<>();
      WatchedContainer watched =
          new WatchedContainer(
              new PodRef("shop", "web-1", pod.uid()),
              "app",
              app.id(),
              Instant.now(),
              0,
              Set.of(Trigger.MEMORY),
              Duration.ofSeconds(11));
      ResourceTrigger trigger =
          new ResourceTrigger(
              () -> List.of(watched),
              locator(id -> cri.process(id, TIMEOUT)),
              new ResourceTrigger.Thresholds(90, 90, Duration.ofSeconds(60), 2),
              System::nanoTime,
              fired::add);
      trigger.poll();
      assertThat(fired).hasSize(1);
      assertThat(fired.get(0).reason()).startsWith("memory 9");
      System.out.printf(
          "memory trigger on a containerd container: %s (limit set to %d)%n",
          fired.get(0).reason(), limit);
    }
  }
}
