package dev.coroner.controller.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The controller's environment, read once: defaults, and bad values named with their variable. */
class ControllerConfigTest {
  @Test
  void defaultsFromTheTable() throws Exception {
    ControllerConfig c =
        ControllerConfig.from(
            Map.of("CORONER_STORE", "s3://crashes/prod", "CORONER_POD_NAMESPACE", "coroner"));
    assertThat(c.urlTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.retention()).isEqualTo(Duration.ofDays(30));
    assertThat(c.resyncInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.hostNamespace()).isEqualTo("coroner");
    assertThat(c.namespace()).isEqualTo("coroner");
    assertThat(c.lease()).isEqualTo("coroner-controller");
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.s3().endpoint()).isNull();
    assertThat(
            ControllerConfig.from(Map.of("CORONER_STORE", "s3://b/p", "CORONER_RETENTION", "0"))
                .retention())
        .isZero();
  }

  @Test
  void everyBadValueIsNamedAtOnce() {
    assertThatThrownBy(
            () ->
                ControllerConfig.from(
                    Map.of(
                        "CORONER_STORE", "file:///var/lib/coroner",
                        "CORONER_URL_TTL", "2h",
                        "CORONER_HOST_NAMESPACE", "Not_A_Namespace",
                        "CORONER_LEADER_ELECTION", "maybe")))
        .isInstanceOf(ControllerConfig.ConfigException.class)
        .hasMessageContaining(
            "CORONER_STORE must be an s3://bucket/prefix URL: 'file:///var/lib/coroner'")
        .hasMessageContaining("CORONER_URL_TTL: must be 1s to 15m")
        .hasMessageContaining("(got '2h')")
        .hasMessageContaining("CORONER_HOST_NAMESPACE")
        .hasMessageContaining("CORONER_LEADER_ELECTION: must be true or false");
    assertThatThrownBy(() -> ControllerConfig.from(Map.of()))
        .hasMessageContaining("CORONER_STORE is required");
  }
}
