package dev.coroner.base.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {
  @Test
  void numberedThreadsCountUp() {
    DaemonThreads f = DaemonThreads.numbered("coroner-test");
    Thread a = f.newThread(() -> {});
    Thread b = f.newThread(() -> {});
    assertThat(a.getName()).isEqualTo("coroner-test-1");
    assertThat(b.getName()).isEqualTo("coroner-test-2");
    assertThat(a.isDaemon()).isTrue();
    assertThat(b.isDaemon()).isTrue();
    assertThat(a.getState()).as("a factory does not start").isEqualTo(Thread.State.NEW);
  }

  @Test
  void namedThreadsKeepTheirName() {
    DaemonThreads f = DaemonThreads.named("coroner-one");
    assertThat(f.newThread(() -> {}).getName()).isEqualTo("coroner-one");
    assertThat(f.newThread(() -> {}).getName()).isEqualTo("coroner-one");
    assertThat(DaemonThreads.create("x", () -> {}).isDaemon()).isTrue();
  }

  @Test
  void startRunsADaemon() throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(1);
    Thread t = DaemonThreads.start("coroner-started", ran::countDown);
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(t.isDaemon()).isTrue();
    assertThat(t.getName()).isEqualTo("coroner-started");
    t.join(10_000);
  }
}
