package dev.coroner.dump;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignalsTest {
  @Test
  void namesAndParsing() {
    assertThat(Signals.name(5)).isEqualTo("SIGTRAP");
    assertThat(Signals.name(11)).isEqualTo("SIGSEGV");
    assertThat(Signals.name(35)).isEqualTo("SIGRTMIN+1");
    assertThat(Signals.name(-1)).isEqualTo("unknown");
    assertThat(Signals.parse("segv")).contains(11);
    assertThat(Signals.parse("SIGABRT")).contains(6);
    assertThat(Signals.parse("6")).contains(6);
    assertThat(Signals.parse("nope")).isEmpty();
  }

  @Test
  void signalZeroIsASnapshotOfALiveProcess() {
    assertThat(Signals.name(0)).isEqualTo("live");
    assertThat(Signals.parse("live")).contains(0);
    assertThat(Signals.parse("0")).contains(0);
  }
}
