package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.kube.PodRef;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The memory trigger against a real cgroup (v1 on this machine, v2 where the mount is unified) and
 * a real process that allocates inside it. The runtime's part (container → PID) is the PID the test
 * started; the cgroup is then found as in a cluster, from {@code /proc/PID/cgroup}, checked against
 * the container ID in its name.
 */
class TriggerMemoryTest {
  static final long LIMIT = 128L << 20;

  final List<Firing> fired = new CopyOnWriteArrayList<>();

  /** A trigger on one container, the cgroup's, whose process is {@code pid}. */
  ResourceTrigger trigger(TestCgroup cg, long pid) {
    WatchedContainer container =
        new WatchedContainer(
            new PodRef("shop", "web-1", "uid-web-1"),
            "app",
            cg.id,
            Instant.now(),
            0,
            Set.of(Trigger.MEMORY),
            Duration.ofSeconds(11));
    CgroupLocator locator =
        new CgroupLocator(
            id -> new ContainerProcess(id, true, pid, null),
            Path.of("/proc"),
            new CgroupPaths(TestCgroup.ROOT),
            System::nanoTime);
    return new ResourceTrigger(
        () -> List.of(container),
        locator,
        new ResourceTrigger.Thresholds(90, 90, Duration.ofSeconds(60), 2),
        System::nanoTime,
        fired::add);
  }

  /** Perl holding {@code bytes} it wrote, then saying ready. */
  static String[] allocate(long bytes) {
    return new String[] {
      "perl",
      "-e",
      "my $x = 'a' x shift; $| = 1; print qq(ready\\n); sleep 600",
      Long.toString(bytes)
    };
  }

  @Test
  void aWorkingSetPastNinetyPercentOfTheLimitFiresOnce() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      cg.memoryLimit(LIMIT);
      Process p = cg.run(true, allocate(120L << 20));
      ResourceTrigger trigger = trigger(cg, p.pid());

      await()
          .atMost(10, SECONDS)
          .until(
              () -> {
                trigger.poll();
                return !fired.isEmpty();
              });
      Firing f = fired.get(0);
      assertThat(f.trigger()).isEqualTo(Trigger.MEMORY);
      assertThat(f.container().containerId()).isEqualTo(cg.id);
      assertThat(f.reason())
          .matches("memory 9\\d% of 128 MiB \\(working set 1[12]\\d(\\.\\d)? MiB\\)");
      ContainerCgroup.Memory m = cg.ofProcess(p).memory();
      assertThat(m.limit()).hasValue(LIMIT);
      assertThat(m.workingSet()).isBetween(120L << 20, LIMIT);

      // Still high: once is enough.
      for (int i = 0; i < 3; i++) {
        trigger.poll();
      }
      assertThat(fired).hasSize(1);
    }
  }

  @Test
  void belowTheThresholdNothingFires() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      cg.memoryLimit(LIMIT);
      Process p = cg.run(true, allocate(64L << 20));
      ResourceTrigger trigger = trigger(cg, p.pid());
      for (int i = 0; i < 3; i++) {
        trigger.poll();
      }
      // The cgroup was read, at about half its limit, and nothing fired.
      ContainerCgroup.Memory m = cg.ofProcess(p).memory();
      assertThat(m.workingSet()).isBetween(64L << 20, 80L << 20);
      assertThat(fired).isEmpty();
    }
  }

  @Test
  void aContainerWithoutALimitIsSkipped() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      Process p = cg.run(true, allocate(64L << 20));
      assertThat(cg.ofProcess(p).memory().limit()).isEmpty();
      ResourceTrigger trigger = trigger(cg, p.pid());
      trigger.poll();
      assertThat(fired).isEmpty();
    }
  }

  @Test
  void aPidWhoseCgroupIsNotTheContainersIsNotRead() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      cg.memoryLimit(LIMIT);
      Process p = cg.run(true, allocate(120L << 20));
      // The runtime names a process of another cgroup (this JVM's): a reused PID, another
      // namespace's. Its cgroup does not name the container, so it is not read as the container's.
      ResourceTrigger trigger = trigger(cg, ProcessHandle.current().pid());
      trigger.poll();
      assertThat(fired).isEmpty();
      p.destroy();
    }
  }
}
