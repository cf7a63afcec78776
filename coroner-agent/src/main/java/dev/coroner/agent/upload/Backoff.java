package dev.coroner.agent.upload;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter and no limit on attempts: the delay before attempt n+1 is
 * random in [base * 2^n / 2, base * 2^n], capped at {@code max}. Jitter keeps a fleet of agents
 * from retrying in lockstep after an outage.
 */
public record Backoff(Duration base, Duration max) {
  public Duration delay(int failures) {
    long cap = max.toMillis();
    long exp = base.toMillis() << Math.min(failures, 30);
    long ceiling = Math.min(cap, exp <= 0 ? cap : exp);
    long floor = ceiling / 2;
    return Duration.ofMillis(floor + ThreadLocalRandom.current().nextLong(ceiling - floor + 1));
  }
}
