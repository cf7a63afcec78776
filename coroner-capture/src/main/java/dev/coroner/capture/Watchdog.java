package dev.coroner.capture;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.capture.log.CaptureLog;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ends a capture that takes too long. At the timeout it interrupts the capturing thread, whose
 * blocking read of the pipe then fails, so the dump is finished and marked truncated. If the dump
 * is still not finished after a grace period (a hung disk), it halts the JVM; the dump then stays a
 * {@code .zip.partial} and is never taken for a complete one.
 */
public final class Watchdog implements AutoCloseable {
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread thread;
  private final Thread target;
  private boolean reading = true;

  private Watchdog(Thread target, Duration timeout, Duration grace, CaptureLog log) {
    this.thread =
        DaemonThreads.create(
            "coroner-watchdog",
            () -> {
              if (await(timeout)) {
                return;
              }
              log.info("watchdog: timeout of " + timeout.toSeconds() + "s reached; finishing");
              interruptRead();
              if (await(grace)) {
                return;
              }
              log.info("watchdog: dump not finished after the grace period; halting");
              log.flush();
              Runtime.getRuntime().halt(ExitCode.TIMEOUT_KILLED.code());
            });
    this.target = target;
  }

  /**
   * The core has been read: from now on a timeout no longer interrupts the capturing thread, since
   * an interrupt would close the file channels that finish the dump.
   */
  public synchronized void readDone() {
    reading = false;
  }

  private synchronized void interruptRead() {
    if (reading) {
      target.interrupt();
    }
  }

  /** Starts a watchdog on the current thread. */
  public static Watchdog start(Duration timeout, CaptureLog log) {
    Duration grace = Duration.ofSeconds(Math.max(5, Math.min(30, timeout.toSeconds())));
    Watchdog w = new Watchdog(Thread.currentThread(), timeout, grace, log);
    w.thread.start();
    return w;
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
