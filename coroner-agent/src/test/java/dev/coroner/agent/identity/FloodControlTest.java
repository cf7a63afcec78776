package dev.coroner.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** At most N cores per workload in a sliding window, on a clock the test moves. */
class FloodControlTest {
  private Instant now = Instant.parse("2026-11-27T10:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  @Test
  void keepsNPerWindowPerWorkload() {
    FloodControl flood = new FloodControl(2, Duration.ofMinutes(10), clock);
    assertThat(flood.admit("shop/web/app")).isNull();
    now = now.plusSeconds(60);
    assertThat(flood.admit("shop/web/app")).isNull();
    assertThat(flood.admit("shop/web/app"))
        .startsWith("shop/web/app already kept 2 cores within 10m")
        .endsWith("next core in 540 s");
    assertThat(flood.admit("shop/cart/app")).as("another workload").isNull();
    now = now.plusSeconds(541);
    assertThat(flood.admit("shop/web/app")).as("the first core left the window").isNull();
    assertThat(flood.admit("shop/web/app")).isNotNull();
  }

  @Test
  void zeroMeansNoLimit() {
    FloodControl flood = new FloodControl(0, Duration.ofMinutes(10), clock);
    for (int i = 0; i < 100; i++) {
      assertThat(flood.admit("shop/web/app")).isNull();
    }
  }
}
