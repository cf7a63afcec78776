package dev.coroner.receiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.capture.CrashFacts;
import org.junit.jupiter.api.Test;

class PeerFactsTest {
  @Test
  void theInnermostPidIsTheLastOfNsPid() {
    assertThat(PeerFacts.lastNsPid("Name:\tnode\nNSpid:\t4242\t7\nNSsid:\t1\n")).hasValue(7L);
    assertThat(PeerFacts.lastNsPid("NSpid:\t4242\n")).hasValue(4242L);
    assertThat(PeerFacts.lastNsPid("Name:\tnode\n")).isEmpty();
    assertThat(PeerFacts.lastNsPid("NSpid:\tx\n")).isEmpty();
  }

  @Test
  void theCoreLimitIsPrintedAsTheKernelPrintsIt() {
    String limits =
        "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max core file size        0                    unlimited            bytes     \n";
    assertThat(PeerFacts.coreLimit(limits)).isEqualTo("0");
    assertThat(
            PeerFacts.coreLimit(
                "Max core file size        unlimited            unlimited            bytes\n"))
        .isEqualTo(CrashFacts.UNLIMITED);
    assertThat(PeerFacts.coreLimit("")).isNull();
  }
}
