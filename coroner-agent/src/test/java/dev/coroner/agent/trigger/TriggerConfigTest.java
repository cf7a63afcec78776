package dev.coroner.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.agent.config.AgentConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The snapshot triggers' agent variables: defaults, values, and bad values named at start. */
class TriggerConfigTest {
  @Test
  void offByDefault() throws Exception {
    TriggerPolicy p = AgentConfig.from(Map.of()).triggers();
    assertThat(p.enabled()).isFalse();
    assertThat(p.everyPod()).isEmpty();
    assertThat(p.livenessFailures()).isEqualTo(2);
    assertThat(p.memoryPercent()).isEqualTo(90);
    assertThat(p.cpuPercent()).isEqualTo(90);
    assertThat(p.cpuDuration()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.workloadWindow()).isEqualTo(Duration.ofMinutes(30));
    assertThat(p.serviceAccount()).isNull();
    assertThat(p).isEqualTo(TriggerPolicy.off());
  }

  @Test
  void everyValue() throws Exception {
    TriggerPolicy p =
        AgentConfig.from(
                Map.of(
                    "CORONER_SNAPSHOT_TRIGGERS_ENABLED", "true",
                    "CORONER_SNAPSHOT_TRIGGERS", "memory, liveness",
                    "CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES", "1",
                    "CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT", "80",
                    "CORONER_SNAPSHOT_TRIGGERS_CPU_PERCENT", "95",
                    "CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION", "2m",
                    "CORONER_SNAPSHOT_TRIGGERS_INTERVAL", "10s",
                    "CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW", "0s",
                    "CORONER_SERVICE_ACCOUNT", "coroner",
                    "CORONER_POD_NAMESPACE", "coroner-system"))
            .triggers();
    assertThat(p.enabled()).isTrue();
    assertThat(p.everyPod()).containsExactlyInAnyOrder(Trigger.MEMORY, Trigger.LIVENESS);
    assertThat(p.livenessFailures()).isEqualTo(1);
    assertThat(p.memoryPercent()).isEqualTo(80);
    assertThat(p.cpuPercent()).isEqualTo(95);
    assertThat(p.cpuDuration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(p.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.workloadWindow()).isZero();
    assertThat(p.serviceAccount()).isEqualTo("system:serviceaccount:coroner-system:coroner");
  }

  @Test
  void badValuesNameTheirVariable() {
    assertThatThrownBy(
            () ->
                AgentConfig.from(
                    Map.of(
                        "CORONER_SNAPSHOT_TRIGGERS_ENABLED", "yes please",
                        "CORONER_SNAPSHOT_TRIGGERS", "memory,disk",
                        "CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES", "0",
                        "CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT", "150",
                        "CORONER_SNAPSHOT_TRIGGERS_INTERVAL", "100ms",
                        "CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW", "soon")))
        .isInstanceOf(AgentConfig.ConfigException.class)
        .hasMessageContaining("CORONER_SNAPSHOT_TRIGGERS_ENABLED: must be true or false")
        .hasMessageContaining(
            "CORONER_SNAPSHOT_TRIGGERS: 'disk' is not a trigger: liveness, memory or cpu")
        .hasMessageContaining(
            "CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES: must be a number from 1 to 100")
        .hasMessageContaining(
            "CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT: must be a number from 1 to 100")
        .hasMessageContaining("CORONER_SNAPSHOT_TRIGGERS_INTERVAL: must be 1s to 5m (got '100ms')")
        .hasMessageContaining("CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW: not a duration");
  }

  @Test
  void triggersWithoutEnabledAndADurationShorterThanThePoll() {
    assertThatThrownBy(
            () ->
                AgentConfig.from(
                    Map.of(
                        "CORONER_SNAPSHOT_TRIGGERS", "cpu",
                        "CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION", "2s",
                        "CORONER_SNAPSHOT_TRIGGERS_INTERVAL", "5s")))
        .isInstanceOf(AgentConfig.ConfigException.class)
        .hasMessageContaining(
            "CORONER_SNAPSHOT_TRIGGERS names triggers but CORONER_SNAPSHOT_TRIGGERS_ENABLED is"
                + " false")
        .hasMessageContaining(
            "CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION must be at least"
                + " CORONER_SNAPSHOT_TRIGGERS_INTERVAL (5s)");
  }

  @Test
  void theRequesterIsTheServiceAccount(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path token = dir.resolve("token");
    assertThat(Requester.resolve("system:serviceaccount:coroner:agent", token))
        .isEqualTo("system:serviceaccount:coroner:agent");
    assertThat(Requester.resolve(null, token)).isEqualTo(Requester.FALLBACK);
    // A service account token: header.claims.signature, the claims' sub names the account.
    String claims =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "{\"iss\":\"https://kubernetes.default.svc\",\"sub\":\"system:serviceaccount:coroner:coroner-agent\"}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    java.nio.file.Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9." + claims + ".c2lnbmF0dXJl");
    assertThat(Requester.resolve(null, token))
        .isEqualTo("system:serviceaccount:coroner:coroner-agent");
    java.nio.file.Files.writeString(token, "not a token");
    assertThat(Requester.resolve("someone", token)).isEqualTo(Requester.FALLBACK);
  }
}
