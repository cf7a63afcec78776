package dev.coroner.base.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
  @Test
  void sizes() {
    assertThat(ByteSizes.parse("1024")).isEqualTo(1024);
    assertThat(ByteSizes.parse("64G")).isEqualTo(64L << 30);
    assertThat(ByteSizes.parse("512MiB")).isEqualTo(512L << 20);
    assertThat(ByteSizes.parse(" 4 kb ")).isEqualTo(4096);
    assertThat(ByteSizes.format(48L << 20)).isEqualTo("48.0 MiB");
    assertThat(ByteSizes.format(100)).isEqualTo("100 B");
    assertThatThrownBy(() -> ByteSizes.parse("lots")).hasMessageContaining("'lots'");
    assertThatThrownBy(() -> ByteSizes.parse("-1G")).hasMessageContaining("'-1G'");
    assertThatThrownBy(() -> ByteSizes.parse("99999999999T")).hasMessageContaining("too large");
  }

  @Test
  void durations() {
    assertThat(Durations.parse("600s")).isEqualTo(Duration.ofSeconds(600));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.format(Duration.ofSeconds(600))).isEqualTo("10m");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.parse(Durations.format(Duration.ofDays(3)))).isEqualTo(Duration.ofDays(3));
    assertThatThrownBy(() -> Durations.parse("abc")).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("600s");
  }
}
