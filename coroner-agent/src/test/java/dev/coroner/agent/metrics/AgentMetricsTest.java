package dev.coroner.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  @Test
  void jvmMetricsAreThoseOfJvmMetricsWithoutStartingJmxWhenNativeMemoryIsNotTracked() {
    PrometheusRegistry ours = new PrometheusRegistry();
    AgentMetrics.registerJvmMetrics(ours, List.of("-Xmx128m"));
    PrometheusRegistry library = new PrometheusRegistry();
    JvmMetrics.builder().register(library);

    // This JVM tracks no native memory: the library registers no jvm_native_memory_* either.
    assertThat(names(ours)).isEqualTo(names(library)).contains("jvm_memory_used_bytes");
  }

  @Test
  void nativeMemoryTrackingFollowsTheLastSetting() {
    assertThat(AgentMetrics.nativeMemoryTracking(List.of())).isFalse();
    assertThat(AgentMetrics.nativeMemoryTracking(List.of("-XX:NativeMemoryTracking=summary")))
        .isTrue();
    assertThat(AgentMetrics.nativeMemoryTracking(List.of("-XX:NativeMemoryTracking=detail")))
        .isTrue();
    assertThat(
            AgentMetrics.nativeMemoryTracking(
                List.of("-XX:NativeMemoryTracking=summary", "-XX:NativeMemoryTracking=off")))
        .isFalse();
  }

  private static Set<String> names(PrometheusRegistry registry) {
    return registry.scrape().stream()
        .map(MetricSnapshot::getMetadata)
        .map(m -> m.getPrometheusName())
        .collect(Collectors.toSet());
  }
}
