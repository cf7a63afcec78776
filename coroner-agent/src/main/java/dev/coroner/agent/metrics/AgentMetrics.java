package dev.coroner.agent.metrics;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.util.List;

/** The agent's Prometheus metrics, on /metrics. */
public final class AgentMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  /** Finished dumps seen in the dump directory. */
  public final Counter captured =
      Counter.builder()
          .name("coroner_dumps_captured_total")
          .help("Finished dumps found in the dump directory")
          .register(registry);

  /** Dumps whose core is not whole, by reason (keep-free, max-use, timeout, short, ...). */
  public final Counter truncated =
      Counter.builder()
          .name("coroner_dumps_truncated_total")
          .help("Dumps whose core is not whole, by the first word of the reason")
          .labelNames("reason")
          .register(registry);

  /** Upload attempts by result: ok, or the failure kind (auth, bucket, network, corrupt, other). */
  public final Counter uploads =
      Counter.builder()
          .name("coroner_uploads_total")
          .help("Upload attempts by result")
          .labelNames("result")
          .register(registry);

  public final Counter bytes =
      Counter.builder()
          .name("coroner_upload_bytes_total")
          .help("Bytes of dumps uploaded and verified")
          .register(registry);

  public final Histogram duration =
      Histogram.builder()
          .name("coroner_upload_duration_seconds")
          .help("Time to upload and verify one dump")
          .classicUpperBounds(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)
          .register(registry);

  public final Gauge backlog =
      Gauge.builder()
          .name("coroner_backlog_dumps")
          .help("Dumps on local disk waiting for upload")
          .register(registry);

  public final Gauge backlogBytes =
      Gauge.builder()
          .name("coroner_backlog_bytes")
          .help("Bytes of dumps on local disk waiting for upload")
          .register(registry);

  public final Gauge oldestAge =
      Gauge.builder()
          .name("coroner_backlog_oldest_age_seconds")
          .help("Age of the oldest dump waiting for upload")
          .register(registry);

  /** Crashes whose core was not kept: policy (nothing kept) or flood (metadata and log kept). */
  public final Counter skipped =
      Counter.builder()
          .name("coroner_cores_skipped_total")
          .help("Crashes whose core was not kept, by reason: policy or flood")
          .labelNames("reason")
          .register(registry);

  /** CoreDump resources after verified uploads, by result: ok, exists, failed, dropped. */
  public final Counter coreDumps =
      Counter.builder()
          .name("coroner_coredumps_total")
          .help("CoreDump resources created after verified uploads, by result")
          .labelNames("result")
          .register(registry);

  /** The kernel's core handler in force: 1 for {@code pipe} or {@code socket}, 0 for the other. */
  public final Gauge coreHandler =
      Gauge.builder()
          .name("coroner_core_handler")
          .help("The core handler in force (1): pipe (the composer) or socket (the receiver)")
          .labelNames("handler")
          .register(registry);

  /** The receiver's connections: accepted, rejected, refused (not the kernel), failed. */
  public final Counter receiver =
      Counter.builder()
          .name("coroner_receiver_connections_total")
          .help("Coredump socket connections by result: accepted, rejected, refused, failed")
          .labelNames("result")
          .register(registry);

  /** Partial dumps a killed capture left, removed when the agent starts. */
  public final Counter stalePartials =
      Counter.builder()
          .name("coroner_stale_partials_removed_total")
          .help("Partial dumps (NAME.zip.partial) a killed capture left, removed at start")
          .register(registry);

  /** Container runtime lookups by result: ok, not_found, unavailable, error. */
  public final Counter lookups =
      Counter.builder()
          .name("coroner_identity_lookups_total")
          .help("Container runtime (CRI) lookups of crashed containers, by result")
          .labelNames("result")
          .register(registry);

  public final Histogram lookupSeconds =
      Histogram.builder()
          .name("coroner_identity_lookup_seconds")
          .help("Time to resolve a crashed container's pod through the runtime")
          .classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2)
          .register(registry);

  /** Kubernetes Events on crashed pods by result: ok, failed (API), dropped (queue full). */
  public final Counter events =
      Counter.builder()
          .name("coroner_events_total")
          .help("Kubernetes Events posted on crashed pods, by result")
          .labelNames("result")
          .register(registry);

  /** Analyses of dumps before upload, by result: ok, unnamed (no frame named), failed, skipped. */
  public final Counter analyses =
      Counter.builder()
          .name("coroner_analyses_total")
          .help("Dumps analyzed before upload, by result: ok, unnamed, failed, skipped")
          .labelNames("result")
          .register(registry);

  /** Time to extract, analyze and rewrite one dump before upload. */
  public final Histogram analysisSeconds =
      Histogram.builder()
          .name("coroner_analysis_duration_seconds")
          .help("Time to extract, analyze and rewrite one dump before upload")
          .classicUpperBounds(0.5, 1, 2, 5, 10, 30, 60, 120, 300)
          .register(registry);

  /** Bytes of executables and libraries stored by build-id: 0 for a build already stored. */
  public final Counter binaryBytes =
      Counter.builder()
          .name("coroner_binary_bytes_total")
          .help("Bytes of executables and libraries stored by build-id")
          .register(registry);

  /**
   * Dumps made ready for upload, by how their scrub ended: complete, off (by policy), or the mode
   * of a scrub that could not finish the core (dropped).
   */
  public final Counter scrubbed =
      Counter.builder()
          .name("coroner_dumps_scrubbed_total")
          .help("Dumps scrubbed before upload, by result: complete, off, or the mode that failed")
          .labelNames("result")
          .register(registry);

  /**
   * CoreDumpSnapshot requests this agent finished, by outcome (succeeded, failed) and reason (none,
   * or the status's reason word: NoSuchPod, PtraceRefused, ...).
   */
  public final Counter snapshots =
      Counter.builder()
          .name("coroner_snapshots_total")
          .help("Snapshot requests finished, by outcome (succeeded, failed) and reason")
          .labelNames("outcome", "reason")
          .register(registry);

  /** How long each snapshot kept its process stopped. */
  public final Histogram snapshotFreezeSeconds =
      Histogram.builder()
          .name("coroner_snapshot_freeze_seconds")
          .help("How long a snapshot kept the process's threads stopped")
          .classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
          .register(registry);

  /**
   * Snapshot triggers that fired, by trigger (liveness, memory, cpu) and outcome: requested (a
   * CoreDumpSnapshot was created), rate_limited, failed.
   */
  public final Counter snapshotTriggers =
      Counter.builder()
          .name("coroner_snapshot_triggers_total")
          .help(
              "Snapshot triggers that fired, by trigger and outcome: requested, rate_limited, failed")
          .labelNames("trigger", "outcome")
          .register(registry);

  public AgentMetrics() {
    registerJvmMetrics(registry, ManagementFactory.getRuntimeMXBean().getInputArguments());
  }

  /**
   * The metrics {@code JvmMetrics} registers, with the native memory ones only where the JVM runs
   * with native memory tracking ({@code jvmArguments}): without it they show nothing, and finding
   * that out starts the platform MBean server, which loads JMX and JFR for good (~400 classes, 3.7
   * MiB of idle RSS).
   */
  static void registerJvmMetrics(PrometheusRegistry registry, List<String> jvmArguments) {
    PrometheusProperties config = PrometheusProperties.get();
    JvmThreadsMetrics.builder(config).register(registry);
    JvmBufferPoolMetrics.builder(config).register(registry);
    JvmClassLoadingMetrics.builder(config).register(registry);
    JvmCompilationMetrics.builder(config).register(registry);
    JvmGarbageCollectorMetrics.builder(config).register(registry);
    JvmMemoryPoolAllocationMetrics.builder(config).register(registry);
    JvmMemoryMetrics.builder(config).register(registry);
    if (nativeMemoryTracking(jvmArguments)) {
      JvmNativeMemoryMetrics.builder(config).register(registry);
    }
    JvmRuntimeInfoMetric.builder(config).register(registry);
    ProcessMetrics.builder(config).register(registry);
  }

  /** Whether {@code jvmArguments} turn native memory tracking on (the last setting counts). */
  static boolean nativeMemoryTracking(List<String> jvmArguments) {
    boolean on = false;
    for (String a : jvmArguments) {
      if (a.startsWith("-XX:NativeMemoryTracking=")) {
        on = !a.equals("-XX:NativeMemoryTracking=off");
      }
    }
    return on;
  }

  /** The registry /metrics serves. */
  public PrometheusRegistry registry() {
    return registry;
  }
}
