package dev.coroner.base.threads;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named daemon threads: background work (watchdogs, writers, pumps, executors) that must never keep
 * the JVM alive once the main work is done.
 */
public final class DaemonThreads implements ThreadFactory {
  private final String name;
  private final boolean numbered;
  private final AtomicInteger count = new AtomicInteger();

  private DaemonThreads(String name, boolean numbered) {
    this.name = name;
    this.numbered = numbered;
  }

  /** A factory whose threads are all called {@code name}: for a single-thread executor. */
  public static DaemonThreads named(String name) {
    return new DaemonThreads(name, false);
  }

  /** A factory whose threads are called {@code prefix-1}, {@code prefix-2}, ...: for a pool. */
  public static DaemonThreads numbered(String prefix) {
    return new DaemonThreads(prefix, true);
  }

  @Override
  public Thread newThread(Runnable r) {
    return create(numbered ? name + "-" + count.incrementAndGet() : name, r);
  }

  /** A daemon thread called {@code name} that runs {@code r}, not started yet. */
  public static Thread create(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts a daemon thread called {@code name} that runs {@code r}. */
  public static Thread start(String name, Runnable r) {
    Thread t = create(name, r);
    t.start();
    return t;
  }

  /**
   * Stops {@code executor} taking work and gives the work queued {@code grace} to finish, then
   * interrupts what still runs; an interrupt of the caller does the same at once and is kept.
   */
  public static void shutdown(ExecutorService executor, Duration grace) {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
