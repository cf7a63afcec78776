package dev.coroner.composer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ends a capture that takes too long. At the timeout it interrupts the capturing thread, whose
 * blocking read of the pipe then fails, so the dump is finished and marked truncated. If the dump
 * is still not finished after a grace period (a hung disk), it halts the JVM; the dump then stays a
 * {@code .zip.partial} and is never taken for a complete one.
 */
final class Watchdog implements AutoCloseable {
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean fired;

  private Watchdog(Thread target, Duration timeout, Duration grace, ComposerLog log) {
    this.thread =
        new Thread(
            () -> {
              if (await(timeout)) {
                return;
              }
              fired = true;
              log.info("watchdog: timeout of " + timeout.toSeconds() + "s reached; finishing");
              target.interrupt();
              if (await(grace)) {
                return;
              }
              log.info("watchdog: dump not finished after the grace period; halting");
              Runtime.getRuntime().halt(ExitCode.TIMEOUT_KILLED.code());
            },
            "coroner-watchdog");
    thread.setDaemon(true);
  }

  /** Starts a watchdog on the current thread. */
  static Watchdog start(Duration timeout, ComposerLog log) {
    Duration grace = Duration.ofSeconds(Math.max(5, Math.min(30, timeout.toSeconds())));
    Watchdog w = new Watchdog(Thread.currentThread(), timeout, grace, log);
    w.thread.start();
    return w;
  }

  /** Whether the timeout was reached. */
  boolean fired() {
    return fired;
  }

  private boolean await(Duration d) {
    try {
      return done.await(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  @Override
  public void close() {
    done.countDown();
  }
}
