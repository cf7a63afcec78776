package dev.coroner.agent.snapshot;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Which snapshot runs when: at most {@code maxInFlight} at once on the node, one at a time per
 * process (a process has one tracer at a time), the rest waiting in order. Past {@code maxWaiting}
 * waiting, a new one is refused rather than queued without end.
 */
final class SnapshotQueue {
  /** One snapshot to run. */
  interface Job {
    /** The process it traces. */
    int pid();

    /** Takes the snapshot; called on a worker thread, never throws. */
    void run();
  }

  private final int maxInFlight;
  private final int maxWaiting;
  private final Executor workers;
  private final Deque<Job> waiting = new ArrayDeque<>();
  private final Set<Integer> busy = new HashSet<>();
  private int running;

  SnapshotQueue(int maxInFlight, int maxWaiting, Executor workers) {
    this.maxInFlight = maxInFlight;
    this.maxWaiting = maxWaiting;
    this.workers = workers;
  }

  /**
   * Queues {@code job}: the number of snapshots ahead of it (running or waiting), 0 when it starts
   * at once, or -1 when it is refused because {@code maxWaiting} already wait.
   */
  synchronized int offer(Job job) {
    int ahead = running + waiting.size();
    if (ahead >= maxInFlight && waiting.size() >= maxWaiting) {
      return -1;
    }
    waiting.addLast(job);
    dispatch();
    return waiting.contains(job) ? ahead : 0;
  }

  /** Snapshots running now. */
  synchronized int running() {
    return running;
  }

  /** Snapshots waiting for their turn. */
  synchronized int waiting() {
    return waiting.size();
  }

  private void dispatch() {
    for (Iterator<Job> it = waiting.iterator(); it.hasNext() && running < maxInFlight; ) {
      Job job = it.next();
      if (busy.add(job.pid())) {
        it.remove();
        running++;
        try {
          workers.execute(() -> run(job));
        } catch (RejectedExecutionException e) {
          // Closing: what waits is dropped with the agent.
          running--;
          busy.remove(job.pid());
          return;
        }
      }
    }
  }

  private void run(Job job) {
    try {
      job.run();
    } finally {
      finished(job);
    }
  }

  private synchronized void finished(Job job) {
    running--;
    busy.remove(job.pid());
    dispatch();
  }
}
