package dev.coroner.agent.trigger;

import dev.coroner.base.units.ByteSizes;
import dev.coroner.base.units.Durations;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory and CPU triggers, read from each watched container's cgroup at every poll (a few small
 * files per container).
 *
 * <ul>
 *   <li>memory: the working set at or above {@code memoryPercent} of the limit; a container without
 *       a limit is skipped.
 *   <li>CPU: the usage over the last {@code cpuDuration} (from the readings of each poll) at or
 *       above {@code cpuPercent} of the quota (no quota: of the node's CPUs) on average, so that
 *       one poll that found the container waiting for a busy node's CPU does not start it again.
 * </ul>
 *
 * Each fires once, then again only after it has fallen {@value #REARM} points below its threshold,
 * so a container that stays high asks for one snapshot, not one per poll.
 */
final class ResourceTrigger {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceTrigger.class);

  /** Points below the threshold that re-arm a trigger that fired. */
  static final int REARM = 5;

  /**
   * The thresholds.
   *
   * @param memoryPercent the working set's share of the limit that fires
   * @param cpuPercent the CPU's share of the quota (or of {@code nodeCpus}) that fires
   * @param cpuDuration how long the CPU stays there first
   * @param nodeCpus the node's CPUs, the CPU of a container without a quota
   */
  record Thresholds(int memoryPercent, int cpuPercent, Duration cpuDuration, int nodeCpus) {}

  /** What is known of one container between polls. */
  private static final class State {
    boolean memoryArmed = true;
    boolean cpuArmed = true;

    /** (nanoTime, usage in microseconds) of the readings that span the CPU's duration. */
    final ArrayDeque<long[]> cpuSamples = new ArrayDeque<>();
  }

  private final Supplier<List<WatchedContainer>> containers;
  private final CgroupLocator cgroups;
  private final Thresholds thresholds;
  private final LongSupplier nanos;
  private final Consumer<Firing> fire;
  private final Map<String, State> states = new HashMap<>();
  private final Set<String> unreadable = new HashSet<>();

  ResourceTrigger(
      Supplier<List<WatchedContainer>> containers,
      CgroupLocator cgroups,
      Thresholds thresholds,
      LongSupplier nanos,
      Consumer<Firing> fire) {
    this.containers = containers;
    this.cgroups = cgroups;
    this.thresholds = thresholds;
    this.nanos = nanos;
    this.fire = fire;
  }

  /** Reads every watched container once; from one thread at a time. */
  synchronized void poll() {
    Set<String> running = new HashSet<>();
    for (WatchedContainer c : containers.get()) {
      boolean memory = c.triggers().contains(Trigger.MEMORY);
      boolean cpu = c.triggers().contains(Trigger.CPU);
      if (!memory && !cpu) {
        continue;
      }
      running.add(c.containerId());
      ContainerCgroup cgroup = cgroups.locate(c.containerId());
      if (cgroup == null) {
        continue;
      }
      State state = states.computeIfAbsent(c.containerId(), id -> new State());
      try {
        if (memory) {
          memory(c, cgroup.memory(), state);
        }
        if (cpu) {
          cpu(c, cgroup.cpu(), state);
        }
        unreadable.remove(c.containerId());
      } catch (IOException | RuntimeException e) {
        // The container stopped between the listing and the read, most often.
        if (unreadable.add(c.containerId())) {
          LOG.info("Cannot read the cgroup of {} ({}): {}", c, cgroup.describe(), e.toString());
        }
      }
    }
    states.keySet().retainAll(running);
    unreadable.retainAll(running);
    cgroups.retain(running);
  }

  private void memory(WatchedContainer c, ContainerCgroup.Memory m, State state) {
    OptionalLong limit = m.limit();
    if (limit.isEmpty() || limit.getAsLong() <= 0) {
      return; // no limit: nothing to run into
    }
    double percent = 100.0 * m.workingSet() / limit.getAsLong();
    if (percent >= thresholds.memoryPercent()) {
      if (state.memoryArmed) {
        state.memoryArmed = false;
        fire.accept(
            new Firing(
                c,
                Trigger.MEMORY,
                String.format(
                    Locale.ROOT,
                    "memory %d%% of %s (working set %s)",
                    (int) percent,
                    size(limit.getAsLong()),
                    size(m.workingSet()))));
      }
    } else if (percent < thresholds.memoryPercent() - REARM) {
      state.memoryArmed = true;
    }
  }

  private void cpu(WatchedContainer c, ContainerCgroup.Cpu cpu, State state) {
    long now = nanos.getAsLong();
    ArrayDeque<long[]> samples = state.cpuSamples;
    long[] newest = samples.peekLast();
    if (newest != null && (now <= newest[0] || cpu.usageMicros() < newest[1])) {
      samples.clear(); // a counter that went back: a new cgroup under the same name
    }
    samples.addLast(new long[] {now, cpu.usageMicros()});
    long window = thresholds.cpuDuration().toNanos();
    // Keep one reading at or before the window's start, and those after it.
    while (samples.size() > 2) {
      long[] second = samples.stream().skip(1).findFirst().orElseThrow();
      if (now - second[0] < window) {
        break;
      }
      samples.removeFirst();
    }
    long[] oldest = samples.getFirst();
    if (now - oldest[0] < window) {
      return; // not watched for the whole duration yet
    }
    double cpus = cpu.quotaCpus() > 0 ? cpu.quotaCpus() : thresholds.nodeCpus();
    double percent = 100.0 * (cpu.usageMicros() - oldest[1]) * 1000 / ((now - oldest[0]) * cpus);
    if (percent >= thresholds.cpuPercent()) {
      if (state.cpuArmed) {
        state.cpuArmed = false;
        fire.accept(
            new Firing(
                c,
                Trigger.CPU,
                String.format(
                    Locale.ROOT,
                    "cpu %d%% of %s over %s",
                    (int) percent,
                    cpu.quotaCpus() > 0
                        ? cpus(cpu.quotaCpus()) + " (its quota)"
                        : thresholds.nodeCpus() + " node CPUs",
                    Durations.format(
                        Duration.ofSeconds(Duration.ofNanos(now - oldest[0]).toSeconds())))));
      }
    } else if (percent < thresholds.cpuPercent() - REARM) {
      state.cpuArmed = true;
    }
  }

  /** {@code 256 MiB}, or {@code 1.5 GiB}: what a limit was set to. */
  static String size(long bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0 && bytes < 1L << 40) {
      return bytes % (1L << 30) == 0 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }
    return ByteSizes.format(bytes);
  }

  private static String cpus(double cpus) {
    String s = String.format(Locale.ROOT, "%.2f", cpus).replaceAll("\\.?0+$", "");
    return s + " CPU";
  }
}
