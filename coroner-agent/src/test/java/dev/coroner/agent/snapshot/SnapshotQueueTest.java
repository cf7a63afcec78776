package dev.coroner.agent.snapshot;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Snapshots in flight per node, one per process, a bounded wait. */
class SnapshotQueueTest {
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final List<String> started = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    workers.shutdownNow();
  }

  /** A job that runs until released. */
  private final class Held implements SnapshotQueue.Job {
    final String name;
    final int pid;
    final CountDownLatch release = new CountDownLatch(1);

    Held(String name, int pid) {
      this.name = name;
      this.pid = pid;
    }

    @Override
    public int pid() {
      return pid;
    }

    @Override
    public void run() {
      started.add(name);
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void oneAtATimeByDefaultTheRestInOrder() {
    SnapshotQueue q = new SnapshotQueue(1, 16, workers);
    Held a = new Held("a", 10);
    Held b = new Held("b", 20);
    Held c = new Held("c", 30);

    assertThat(q.offer(a)).isZero();
    assertThat(q.offer(b)).isEqualTo(1);
    assertThat(q.offer(c)).isEqualTo(2);
    await().atMost(5, SECONDS).until(() -> started.equals(List.of("a")));
    assertThat(q.running()).isEqualTo(1);
    assertThat(q.waiting()).isEqualTo(2);

    a.release.countDown();
    await().atMost(5, SECONDS).until(() -> started.equals(List.of("a", "b")));
    b.release.countDown();
    c.release.countDown();
    await().atMost(5, SECONDS).until(() -> started.size() == 3 && q.running() == 0);
  }

  @Test
  void oneProcessIsSnapshottedOnceAtATimeWhileOthersGoAhead() {
    SnapshotQueue q = new SnapshotQueue(2, 16, workers);
    Held first = new Held("first", 10);
    Held again = new Held("again", 10);
    Held other = new Held("other", 20);

    q.offer(first);
    q.offer(again);
    q.offer(other);
    await().atMost(5, SECONDS).until(() -> started.size() == 2);
    assertThat(started).containsExactlyInAnyOrder("first", "other");
    assertThat(q.waiting()).isEqualTo(1);

    first.release.countDown();
    await().atMost(5, SECONDS).until(() -> started.contains("again"));
    again.release.countDown();
    other.release.countDown();
  }

  @Test
  void pastTheWaitingLimitARequestIsRefused() {
    SnapshotQueue q = new SnapshotQueue(1, 2, workers);
    Held running = new Held("running", 1);
    q.offer(running);
    q.offer(new Held("w1", 2));
    q.offer(new Held("w2", 3));

    assertThat(q.offer(new Held("refused", 4))).isEqualTo(-1);
    assertThat(q.waiting()).isEqualTo(2);
    running.release.countDown();
    await().atMost(5, SECONDS).until(() -> started.contains("w1"));
  }
}
