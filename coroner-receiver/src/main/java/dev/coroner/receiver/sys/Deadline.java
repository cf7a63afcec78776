package dev.coroner.receiver.sys;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * When a connection must stop, and why it stopped early: its time ran out, or someone aborted it
 * (the server closing). Thread-safe: a watchdog aborts while a worker reads.
 */
public final class Deadline {
  private final long startNanos;
  private final long timeoutNanos;
  private final String description;
  private volatile @Nullable String abortReason;

  private Deadline(long timeoutNanos, String description) {
    this.startNanos = System.nanoTime();
    this.timeoutNanos = timeoutNanos;
    this.description = description;
  }

  /** A deadline {@code timeout} from now; {@code description} names it in messages. */
  public static Deadline after(Duration timeout, String description) {
    return new Deadline(nanos(timeout), description);
  }

  /** The duration in nanoseconds, at most Long.MAX_VALUE (292 years) instead of overflowing. */
  public static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The time left in nanoseconds; 0 or less once it has passed. */
  public long remainingNanos() {
    // differences of nanoTime never overflow; absolute values may
    return timeoutNanos - (System.nanoTime() - startNanos);
  }

  /** The first reason wins. */
  public synchronized void abort(String reason) {
    if (abortReason == null) {
      abortReason = reason;
    }
  }

  /** Why reading must stop, or empty while it may go on. */
  public Optional<String> stopReason() {
    String aborted = abortReason;
    if (aborted != null) {
      return Optional.of(aborted);
    }
    return remainingNanos() <= 0 ? Optional.of(description + " passed") : Optional.empty();
  }

  /** Throws the stop reason, if any. */
  public void check() throws ReadAbortedException {
    Optional<String> reason = stopReason();
    if (reason.isPresent()) {
      throw new ReadAbortedException(reason.get());
    }
  }
}
