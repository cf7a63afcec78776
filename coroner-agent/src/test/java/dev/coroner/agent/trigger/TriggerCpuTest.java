package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
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
 * The CPU trigger against a real cgroup with a CPU quota and a real process spinning in it: it
 * fires once the CPU has averaged the threshold over the duration (3 s here), not before. This
 * machine's two cores are shared by several builds (load 10), where a spinner does not get a steady
 * 90% even of a tenth of a CPU, so the firing case asks for half of its quota.
 */
class TriggerCpuTest {
  static final Duration DURATION = Duration.ofSeconds(3);
  static final String[] SPIN = {"sh", "-c", "while :; do :; done"};

  /** When each firing came, in nanoTime. */
  record Fired(Firing firing, long nanos) {}

  final List<Fired> fired = new CopyOnWriteArrayList<>();

  ResourceTrigger trigger(TestCgroup cg, long pid, int percent, int nodeCpus) {
    WatchedContainer container =
        new WatchedContainer(
            new PodRef("shop", "web-1", "uid-web-1"),
            "app",
            cg.id,
            Instant.now(),
            0,
            Set.of(Trigger.CPU),
            Duration.ofSeconds(11));
    return new ResourceTrigger(
        () -> List.of(container),
        new CgroupLocator(
            id -> new ContainerProcess(id, true, pid, null),
            Path.of("/proc"),
            new CgroupPaths(TestCgroup.ROOT),
            System::nanoTime),
        new ResourceTrigger.Thresholds(90, percent, DURATION, nodeCpus),
        System::nanoTime,
        f -> fired.add(new Fired(f, System.nanoTime())));
  }

  @Test
  void aSpinAtTheQuotaFiresAfterTheDurationNotBefore() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      cg.cpuQuota(10_000, 100_000); // a tenth of a CPU
      Process p = cg.run(false, SPIN);
      ResourceTrigger trigger = trigger(cg, p.pid(), 50, 2);
      long first = System.nanoTime();
      trigger.poll(); // the first reading: where the usage counts from

      await()
          .pollInterval(250, MILLISECONDS)
          .atMost(20, SECONDS)
          .until(
              () -> {
                trigger.poll();
                return !fired.isEmpty();
              });
      Fired f = fired.get(0);
      assertThat(Duration.ofNanos(f.nanos() - first)).isGreaterThanOrEqualTo(DURATION);
      assertThat(f.firing().trigger()).isEqualTo(Trigger.CPU);
      assertThat(f.firing().reason())
          .matches("cpu \\d{2,3}% of 0\\.1 CPU \\(its quota\\) over [3-9]s");

      // Still spinning: once is enough.
      await()
          .pollInterval(250, MILLISECONDS)
          .during(1, SECONDS)
          .atMost(3, SECONDS)
          .until(
              () -> {
                trigger.poll();
                return fired.size() == 1;
              });
      assertThat(fired).hasSize(1);
    }
  }

  @Test
  void anIdleProcessUnderTheSameQuotaDoesNotFire() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      cg.cpuQuota(10_000, 100_000);
      Process p = cg.run(false, "sleep", "600");
      ResourceTrigger trigger = trigger(cg, p.pid(), 50, 2);
      trigger.poll();
      long start = System.nanoTime();
      await()
          .pollInterval(250, MILLISECONDS)
          .atMost(DURATION.plusSeconds(5))
          .until(
              () -> {
                trigger.poll();
                return Duration.ofNanos(System.nanoTime() - start)
                        .compareTo(DURATION.plusSeconds(2))
                    > 0;
              });
      assertThat(fired).isEmpty();
    }
  }

  @Test
  void halfTheQuotaDoesNotFire() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      cg.cpuQuota(200_000, 100_000); // two CPUs; one spinner uses at most one
      Process p = cg.run(false, SPIN);
      ResourceTrigger trigger = trigger(cg, p.pid(), 90, 2);
      trigger.poll();
      long start = System.nanoTime();
      await()
          .pollInterval(250, MILLISECONDS)
          .atMost(DURATION.plusSeconds(5))
          .until(
              () -> {
                trigger.poll();
                return Duration.ofNanos(System.nanoTime() - start)
                        .compareTo(DURATION.plusSeconds(2))
                    > 0;
              });
      assertThat(fired).isEmpty();
      assertThat(cg.ofProcess(p).cpu().quotaCpus()).isEqualTo(2.0);
      assertThat(cg.ofProcess(p).cpu().usageMicros()).isPositive();
    }
  }

  @Test
  void withoutAQuotaTheNodesCpusCount() throws Exception {
    try (TestCgroup cg = TestCgroup.create()) {
      Process p = cg.run(false, SPIN);
      assertThat(cg.ofProcess(p).cpu().quotaCpus()).isZero();
      // One spinner on a node of 4 CPUs is at 25% at most.
      ResourceTrigger trigger = trigger(cg, p.pid(), 90, 4);
      trigger.poll();
      long start = System.nanoTime();
      await()
          .pollInterval(250, MILLISECONDS)
          .atMost(DURATION.plusSeconds(5))
          .until(
              () -> {
                trigger.poll();
                return Duration.ofNanos(System.nanoTime() - start)
                        .compareTo(DURATION.plusSeconds(2))
                    > 0;
              });
      assertThat(fired).isEmpty();
    }
  }
}
