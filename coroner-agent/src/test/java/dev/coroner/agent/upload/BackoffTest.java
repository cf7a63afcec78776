package dev.coroner.agent.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesWithJitterAndStaysUnderTheCap() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));
    for (int i = 0; i < 200; i++) {
      assertThat(b.delay(0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
      assertThat(b.delay(3)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
      assertThat(b.delay(40)).isBetween(Duration.ofSeconds(150), Duration.ofMinutes(5));
    }
  }

  @Test
  void jitterSpreadsRetries() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));
    long distinct =
        java.util.stream.IntStream.range(0, 50).mapToObj(i -> b.delay(5)).distinct().count();
    assertThat(distinct).isGreaterThan(10);
  }
}
