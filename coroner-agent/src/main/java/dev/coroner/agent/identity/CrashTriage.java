package dev.coroner.agent.identity;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerNotFoundException;
import dev.coroner.agent.cri.CriException;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.dump.DumpInfo.Integrity;
import dev.coroner.dump.DumpInfo.PodInfo;
import dev.coroner.dump.IntegrityCause;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the composer for one crash: resolves the container's pod through the runtime, then
 * applies the collection policy and flood control. Anything it cannot find out means "keep
 * everything, pod unknown": a missing answer never loses a core.
 */
public final class CrashTriage {
  private static final Logger LOG = LoggerFactory.getLogger(CrashTriage.class);

  /** The container runtime, asked by container ID. */
  public interface Lookup {
    /** The container's metadata, or an exception that says why the runtime gave none. */
    ContainerMetadata lookup(String containerId) throws CriException;
  }

  /** Told about every crash whose core is not kept (for Kubernetes Events). */
  public interface SkipListener {
    /** A crash of {@code pod} whose core is not kept, and why. */
    void skipped(PodInfo pod, CrashQuery crash, String reason);
  }

  /**
   * Told about every crash whose core is kept, before the composer hears the verdict: the kernel
   * still holds the process, so its files can still be opened (kept binaries). Must be quick.
   */
  public interface CaptureListener {
    /** {@code crash}'s core is about to be kept. */
    void capturing(CrashQuery crash);
  }

  /** The rules: policy, flood control and what counts as one workload. */
  public record Rules(
      CapturePolicy policy, FloodControl flood, Function<PodInfo, String> workload) {}

  private final Lookup lookup;
  private final @Nullable String nodeName;
  private final Rules rules;
  private final AgentMetrics metrics;
  private SkipListener skips = (pod, crash, reason) -> {};
  private CaptureListener captures = crash -> {};

  public CrashTriage(Lookup lookup, @Nullable String nodeName, Rules rules, AgentMetrics metrics) {
    this.lookup = lookup;
    this.nodeName = nodeName;
    this.rules = rules;
    this.metrics = metrics;
  }

  /** Sets who hears about skipped cores. */
  public CrashTriage onSkip(SkipListener listener) {
    this.skips = listener;
    return this;
  }

  /** Sets who hears about kept cores while their process is held. */
  public CrashTriage onCapture(CaptureListener listener) {
    this.captures = listener;
    return this;
  }

  /** The workload key of the default rules: the container of a pod. */
  public static String containerWorkload(PodInfo pod) {
    return pod.namespace() + "/" + pod.name() + "/" + pod.container();
  }

  /** The verdict for one crash. */
  public CrashVerdict decide(CrashQuery crash) {
    CrashVerdict verdict = verdict(crash);
    if (verdict.decision() == Decision.CAPTURE) {
      try {
        captures.capturing(crash);
      } catch (RuntimeException e) {
        LOG.warn("holding the files of pid {} failed: {}", crash.hostPid(), e.toString());
      }
    }
    return verdict;
  }

  private CrashVerdict verdict(CrashQuery crash) {
    ContainerMetadata meta = identify(crash.containerId());
    if (meta == null) {
      return new CrashVerdict(Decision.CAPTURE, null, null, "");
    }
    PodInfo pod = podInfo(meta);
    String log = String.join("\n", meta.logTail());
    String policy = rules.policy().skipReason(pod);
    if (policy != null) {
      report(Decision.SKIP, "policy", policy, pod, crash);
      return new CrashVerdict(Decision.SKIP, policy, pod, "");
    }
    String flood = rules.flood().admit(rules.workload().apply(pod));
    if (flood != null) {
      // The verdict carries the detail alone: the composer records the cause as a typed value.
      Integrity why = Integrity.truncated(IntegrityCause.FLOOD, flood);
      report(
          Decision.METADATA_ONLY,
          IntegrityCause.FLOOD.id(),
          Objects.requireNonNull(why.reason(), "a truncated core has a reason"),
          pod,
          crash);
      return new CrashVerdict(Decision.METADATA_ONLY, flood, pod, log);
    }
    return new CrashVerdict(Decision.CAPTURE, null, pod, log);
  }

  /** The runtime's answer for a container, or null (counted, logged) when there is none. */
  public @Nullable ContainerMetadata identify(String containerId) {
    long start = System.nanoTime();
    try {
      ContainerMetadata meta = lookup.lookup(containerId);
      metrics.lookups.labelValues("ok").inc();
      return meta;
    } catch (ContainerNotFoundException e) {
      metrics.lookups.labelValues("not_found").inc();
      LOG.warn("container {} is unknown to the runtime: {}", containerId, e.getMessage());
    } catch (CriException e) {
      metrics.lookups.labelValues("unavailable").inc();
      LOG.warn("cannot ask the container runtime about {}: {}", containerId, e.getMessage());
    } catch (RuntimeException e) {
      metrics.lookups.labelValues("error").inc();
      LOG.error("looking up container {} failed: {}", containerId, e.toString());
    } finally {
      metrics.lookupSeconds.observe((System.nanoTime() - start) / 1e9);
    }
    return null;
  }

  /** The dump's pod identity from the runtime's metadata. */
  public PodInfo podInfo(ContainerMetadata m) {
    return new PodInfo(
        m.podNamespace(),
        m.podName(),
        m.podUid(),
        m.containerName(),
        m.image(),
        m.imageDigest(),
        m.restartCount(),
        m.nodeName() != null ? m.nodeName() : nodeName,
        m.podLabels(),
        m.podAnnotations());
  }

  /** Counts, logs and announces a crash whose core is not kept. */
  private void report(
      Decision decision, String kind, String reason, PodInfo pod, CrashQuery crash) {
    metrics.skipped.labelValues(kind).inc();
    LOG.warn(
        "crash of {} (pid {}) in {}: {}; {}",
        crash.exe(),
        crash.hostPid(),
        pod.qualifiedName(),
        decision == Decision.SKIP ? "no dump kept" : "keeping metadata and log, not the core",
        reason);
    try {
      skips.skipped(pod, crash, reason);
    } catch (RuntimeException e) {
      LOG.warn("reporting the skipped core failed: {}", e.toString());
    }
  }
}
