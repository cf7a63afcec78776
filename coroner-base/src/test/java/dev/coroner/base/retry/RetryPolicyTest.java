package dev.coroner.base.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final RetryPolicy UPLOADS =
      RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5));
  private static final RetryPolicy FAST =
      RetryPolicy.exponential(Duration.ofMillis(1), Duration.ofMillis(4)).withAttempts(3);

  @Test
  void delaysDoubleWithinTheirJitterRange() {
    for (int i = 0; i < 200; i++) {
      assertThat(UPLOADS.delay(0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
      assertThat(UPLOADS.delay(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(UPLOADS.delay(3)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
    }
  }

  @Test
  void theCapHoldsForAnyNumberOfFailures() {
    for (int attempt : new int[] {9, 10, 30, 31, 40, 63, 64, Integer.MAX_VALUE}) {
      assertThat(UPLOADS.delay(attempt))
          .as("attempt %d", attempt)
          .isBetween(Duration.ofSeconds(150), Duration.ofMinutes(5));
    }
    assertThat(UPLOADS.delay(-1))
        .as("a negative count is the first")
        .isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void jitterSpreadsRetries() {
    long distinct = IntStream.range(0, 50).mapToObj(i -> UPLOADS.delay(5)).distinct().count();
    assertThat(distinct).isGreaterThan(10);
  }

  @Test
  void theAttemptLimitCountsTheFirstAttempt() {
    assertThat(FAST.allowsRetry(0)).isTrue();
    assertThat(FAST.allowsRetry(1)).isTrue();
    assertThat(FAST.allowsRetry(2)).isFalse();
    assertThat(UPLOADS.allowsRetry(1_000_000)).isTrue();
    assertThat(UPLOADS.withAttempts(1).allowsRetry(0)).as("one attempt, no retry").isFalse();
  }

  @Test
  void callRetriesUntilItWorks() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    String result =
        FAST.call(
            () -> {
              if (calls.incrementAndGet() < 3) {
                throw new IOException("passing");
              }
              return "ok";
            },
            e -> true);
    assertThat(result).isEqualTo("ok");
    assertThat(calls).hasValue(3);
  }

  @Test
  void callGivesUpAfterTheLimitWithTheLastFailure() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                FAST.call(
                    () -> {
                      throw new IOException("failure " + calls.incrementAndGet());
                    },
                    e -> true))
        .isInstanceOf(IOException.class)
        .hasMessage("failure 3");
    assertThat(calls).hasValue(3);
  }

  @Test
  void aFailureThatWillNotPassIsThrownAtOnce() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                FAST.call(
                    () -> {
                      calls.incrementAndGet();
                      throw new IOException("denied");
                    },
                    e -> !e.getMessage().equals("denied")))
        .hasMessage("denied");
    assertThat(calls).hasValue(1);
  }

  @Test
  void theTypedCallRetriesOnlyItsKind() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                FAST.call(
                    () -> {
                      calls.incrementAndGet();
                      throw new IllegalStateException("a bug");
                    },
                    UncheckedIOException.class,
                    e -> true))
        .isInstanceOf(IllegalStateException.class);
    assertThat(calls).as("another kind is not retried").hasValue(1);
  }

  @Test
  void anInterruptStopsTheWait() {
    RetryPolicy slow = RetryPolicy.exponential(Duration.ofMinutes(1), Duration.ofMinutes(1));
    Thread.currentThread().interrupt();
    assertThatThrownBy(
            () ->
                slow.call(
                    () -> {
                      throw new IOException("passing");
                    },
                    e -> true))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void nonsenseIsRefused() {
    assertThatThrownBy(() -> RetryPolicy.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UPLOADS.withAttempts(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
