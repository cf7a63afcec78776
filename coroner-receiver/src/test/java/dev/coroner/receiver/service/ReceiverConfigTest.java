package dev.coroner.receiver.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReceiverConfigTest {
  private final Map<String, String> p =
      new HashMap<>(
          Map.of(
              "coroner.config", "/opt/coroner/composer.properties",
              "coroner.log", "/opt/coroner/receiver.log",
              "coroner.socket", "/opt/coroner/run/coredump.sock",
              "coroner.fallback-pattern", "|/opt/coroner/composer %P %p"));

  @Test
  void readsTheLaunchersProperties() {
    ReceiverConfig c = ReceiverConfig.from(p);
    assertThat(c.socket()).isEqualTo(Path.of("/opt/coroner/run/coredump.sock"));
    assertThat(c.fallbackPattern()).isEqualTo("|/opt/coroner/composer %P %p");
    assertThat(c.workers()).isEqualTo(ReceiverConfig.DEFAULT_WORKERS);
    assertThat(c.closeGrace()).isEqualTo(ReceiverConfig.DEFAULT_CLOSE_GRACE);
    assertThat(c.readAheadMib()).isEqualTo(ReceiverConfig.DEFAULT_READ_AHEAD_MIB);
    p.put("coroner.read-ahead-mib", "0");
    assertThat(ReceiverConfig.from(p).readAheadMib()).isZero();
    p.put("coroner.workers", "4");
    p.put("coroner.close-grace", "90s");
    assertThat(ReceiverConfig.from(p).workers()).isEqualTo(4);
    assertThat(ReceiverConfig.from(p).closeGrace()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void badValuesNameThePropertyAndTheValue() {
    p.put("coroner.workers", "0");
    assertThatThrownBy(() -> ReceiverConfig.from(p))
        .hasMessage("coroner.workers must be 1 to 64: '0'");
    p.remove("coroner.workers");
    p.put("coroner.read-ahead-mib", "2048");
    assertThatThrownBy(() -> ReceiverConfig.from(p))
        .hasMessage("coroner.read-ahead-mib must be 0 to 1024 (MiB): '2048'");
    p.put("coroner.read-ahead-mib", "lots");
    assertThatThrownBy(() -> ReceiverConfig.from(p)).hasMessageContaining("'lots'");
    p.remove("coroner.read-ahead-mib");
    p.put("coroner.close-grace", "soon");
    assertThatThrownBy(() -> ReceiverConfig.from(p)).hasMessageContaining("'soon'");
    p.remove("coroner.socket");
    assertThatThrownBy(() -> ReceiverConfig.from(p)).hasMessage("-Dcoroner.socket is missing");
  }
}
