package dev.coroner.agent.trigger;

import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.CriException;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.kube.PodOwners;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.base.units.Durations;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's snapshot triggers (liveness, memory, CPU): they watch the containers of this node's
 * pods that {@link TriggerPolicy} names and, when one fires, create a {@code CoreDumpSnapshot}
 * request that the agent then carries out like anyone's (docs/agent.md, "Snapshot triggers").
 */
public final class SnapshotTriggers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotTriggers.class);

  /** The container runtime's account of a running container (CRI, verbose status). */
  @FunctionalInterface
  public interface Processes {
    /** The process and cgroup of a running container. */
    ContainerProcess process(String containerId) throws CriException;
  }

  /**
   * The cluster's side.
   *
   * @param client the API (its timeouts bound each call: {@code KubeClients})
   * @param node this node's name
   * @param owners names each pod's workload, the key of the rate limit
   * @param events posts {@code SnapshotTriggered} on the pod; null: no Events
   */
  public record Cluster(
      KubernetesClient client, String node, PodOwners owners, @Nullable PodEvents events) {}

  /**
   * The host's side.
   *
   * @param proc the host's {@code /proc}
   * @param cgroups the cgroup mount, {@code /sys/fs/cgroup}
   * @param cpus the node's CPUs, the CPU of a container without a quota
   */
  record Host(Path proc, Path cgroups, int cpus) {
    /** This machine's. */
    static Host local() {
      return new Host(
          Path.of("/proc"),
          Path.of("/sys/fs/cgroup"),
          onlineCpus(Path.of("/sys/devices/system/cpu/online")));
    }
  }

  private final NodePods pods;
  private final LivenessTrigger liveness;
  private final ResourceTrigger resources;
  private final SnapshotRequests requests;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("coroner-trigger-poll"));

  SnapshotTriggers(
      TriggerPolicy policy, Cluster cluster, Processes processes, AgentMetrics metrics, Host host) {
    String requester = Requester.resolve(policy.serviceAccount(), Requester.TOKEN);
    requests =
        new SnapshotRequests(
            new SnapshotRequests.Target(
                cluster.client(), cluster.node(), requester, policy.workloadWindow()),
            cluster.owners(),
            cluster.events(),
            (trigger, outcome) ->
                metrics.snapshotTriggers.labelValues(trigger.id(), outcome.label()).inc(),
            Clock.systemUTC());
    pods = new NodePods(cluster.client(), cluster.node(), policy, this::podsChanged);
    liveness =
        new LivenessTrigger(cluster.client(), pods, policy.livenessFailures(), requests::fire);
    resources =
        new ResourceTrigger(
            pods::containers,
            new CgroupLocator(
                processes, host.proc(), new CgroupPaths(host.cgroups()), System::nanoTime),
            new ResourceTrigger.Thresholds(
                policy.memoryPercent(), policy.cpuPercent(), policy.cpuDuration(), host.cpus()),
            System::nanoTime,
            requests::fire);
    LOG.info(
        "Snapshot triggers on node {}: {}; liveness after {} failures in a row, memory at {}%,"
            + " CPU at {}% for {}, read every {}; at most one per workload per {}, one in flight;"
            + " requester {}",
        cluster.node(),
        policy.everyPod().isEmpty()
            ? "pods annotated " + TriggerPolicy.ANNOTATION
            : "every pod: "
                + policy.everyPod().stream()
                    .map(Trigger::id)
                    .sorted()
                    .collect(Collectors.joining(","))
                + " (or its "
                + TriggerPolicy.ANNOTATION
                + ")",
        policy.livenessFailures(),
        policy.memoryPercent(),
        policy.cpuPercent(),
        Durations.format(policy.cpuDuration()),
        Durations.format(policy.interval()),
        Durations.format(policy.workloadWindow()),
        requester);
  }

  /**
   * Starts watching this node's pods, when {@code policy} is enabled; null when it is not, and then
   * nothing is listed or watched.
   */
  public static @Nullable SnapshotTriggers start(
      TriggerPolicy policy, Cluster cluster, Processes processes, AgentMetrics metrics) {
    if (!policy.enabled()) {
      return null;
    }
    SnapshotTriggers t = new SnapshotTriggers(policy, cluster, processes, metrics, Host.local());
    t.start(policy);
    return t;
  }

  void start(TriggerPolicy policy) {
    pods.start();
    long every = policy.interval().toMillis();
    var unused = poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
  }

  private void poll() {
    try {
      resources.poll();
    } catch (RuntimeException e) {
      LOG.warn("Snapshot trigger poll failed: {}", e.toString());
    }
  }

  /** After each change of the node's pods: Events are watched only while some pod needs them. */
  private void podsChanged() {
    if (pods.any(Trigger.LIVENESS)) {
      liveness.start();
      liveness.retain();
    } else if (liveness.started()) {
      liveness.stop();
    }
  }

  /** Container {@code name} of the pod with {@code uid}, if it is watched: for tests. */
  @Nullable WatchedContainer watching(String uid, String name) {
    return pods.container(uid, name);
  }

  /** Whether Unhealthy Events are watched now: for tests. */
  boolean watchingEvents() {
    return liveness.started();
  }

  /** The node's CPUs as {@code /sys/devices/system/cpu/online} lists them ({@code 0-3,6}). */
  static int onlineCpus(Path online) {
    try {
      int cpus = 0;
      for (String range : Files.readString(online).trim().split(",")) {
        String[] ends = range.split("-");
        cpus += ends.length == 2 ? Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1 : 1;
      }
      return Math.max(1, cpus);
    } catch (IOException | RuntimeException e) {
      return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    pods.close();
    liveness.close();
    requests.close();
  }
}
