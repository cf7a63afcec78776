package dev.coroner.base.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * How to retry: exponential backoff with jitter, a cap on the delay and, optionally, on the number
 * of attempts. The delay after failed attempt n (counting from 0) is random in the upper half of
 * {@code base * 2^n}, capped at {@code max}: the jitter keeps a fleet of agents or CLIs from
 * retrying in lockstep after an outage, and the floor keeps a retry from coming at once.
 *
 * @param base the delay after the first failure (before jitter)
 * @param max the longest delay
 * @param maxAttempts attempts in all, the first included; {@link #UNLIMITED} for no limit
 */
public record RetryPolicy(Duration base, Duration max, int maxAttempts) {
  /** No limit on attempts. */
  public static final int UNLIMITED = 0;

  public RetryPolicy {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(max, "max");
    if (base.isNegative() || max.compareTo(base) < 0 || maxAttempts < 0) {
      throw new IllegalArgumentException(
          "a retry policy needs 0 <= base <= max and attempts >= 0: "
              + base
              + ", "
              + max
              + ", "
              + maxAttempts);
    }
  }

  /** Retries without end, doubling from {@code base} up to {@code max}. */
  public static RetryPolicy exponential(Duration base, Duration max) {
    return new RetryPolicy(base, max, UNLIMITED);
  }

  /** The same delays, with at most {@code attempts} attempts in all. */
  public RetryPolicy withAttempts(int attempts) {
    return new RetryPolicy(base, max, attempts);
  }

  /** Whether another attempt may follow failed attempt {@code attempt} (counting from 0). */
  public boolean allowsRetry(int attempt) {
    return maxAttempts == UNLIMITED || attempt + 1 < maxAttempts;
  }

  /** The delay after failed attempt {@code attempt} (counting from 0), jittered and capped. */
  public Duration delay(int attempt) {
    long cap = max.toMillis();
    int doublings = Math.min(Math.max(attempt, 0), 62);
    long b = base.toMillis();
    long ceiling = b > cap >> doublings ? cap : b << doublings;
    long floor = ceiling / 2;
    return Duration.ofMillis(floor + ThreadLocalRandom.current().nextLong(ceiling - floor + 1));
  }

  /**
   * Runs {@code action} until it succeeds, fails in a way {@code retryable} rejects, or the
   * attempts are used up; then throws its last failure. Sleeps between attempts on the calling
   * thread.
   *
   * @throws InterruptedException when interrupted while waiting to retry
   */
  public <T> T call(Callable<T> action, Predicate<Exception> retryable) throws Exception {
    return call(action::call, Exception.class, retryable);
  }

  /**
   * {@link #call(Callable, Predicate)} for an action that throws one kind of failure: only that
   * kind is considered for a retry, anything else is thrown at once.
   */
  public <T, E extends Exception> T call(
      Attempt<T, E> action, Class<E> failure, Predicate<? super E> retryable)
      throws E, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        return action.run();
      } catch (Exception e) {
        if (e instanceof InterruptedException interrupted) {
          throw interrupted;
        }
        if (!failure.isInstance(e)) {
          // The action throws only E, so anything else is unchecked.
          throw (RuntimeException) e;
        }
        E f = failure.cast(e);
        if (!retryable.test(f) || !allowsRetry(attempt)) {
          throw f;
        }
        Thread.sleep(delay(attempt).toMillis());
      }
    }
  }

  /** One attempt: returns a result or throws {@code E}. */
  @FunctionalInterface
  public interface Attempt<T, E extends Exception> {
    /** Tries once. */
    T run() throws E;
  }
}
