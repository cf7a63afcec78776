package dev.coroner.snapshot.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WaitStatusTest {
  @Test
  void decodesTheStatusWord() {
    // PTRACE_EVENT_STOP after PTRACE_INTERRUPT: SIGTRAP | 128 << 8, stopped (0x7f)
    WaitStatus interrupt = new WaitStatus(5, (Ptrace.EVENT_STOP << 16) | (5 << 8) | 0x7f);
    assertThat(interrupt.stopped()).isTrue();
    assertThat(interrupt.event()).isEqualTo(Ptrace.EVENT_STOP);
    assertThat(interrupt.signalDelivery()).isFalse();
    WaitStatus signal = new WaitStatus(5, (17 << 8) | 0x7f); // SIGCHLD on its way in
    assertThat(signal.signalDelivery()).isTrue();
    assertThat(signal.stopSignal()).isEqualTo(17);
    WaitStatus clone = new WaitStatus(5, (Ptrace.EVENT_CLONE << 16) | (5 << 8) | 0x7f);
    assertThat(clone.event()).isEqualTo(Ptrace.EVENT_CLONE);
    assertThat(new WaitStatus(5, 3 << 8).exited()).isTrue();
    assertThat(new WaitStatus(5, 9).killed()).isTrue();
    assertThat(new WaitStatus(5, 9).gone()).isTrue();
    assertThat(interrupt.gone()).isFalse();
  }

  @Test
  void theStubSaysWhyOnJava17() {
    assertThat(UnavailablePtrace.reasonFor(17, "Linux", "amd64"))
        .contains("need Java 22 or newer")
        .contains("this is Java 17");
    assertThat(UnavailablePtrace.reasonFor(25, "Linux", "aarch64")).contains("x86_64 only");
    assertThat(UnavailablePtrace.reasonFor(25, "Linux", "amd64")).contains("multi-release jar");
  }
}
