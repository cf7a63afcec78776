package dev.coroner.agent.seal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.store.crypt.AgeRecipients;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SealingPolicyTest {
  static final String AGE_A = "age1mwjm7j9rqch8usrzchs7gpwlynu3pasf34csjaup2pkxk0qcgprqwdqsje";
  static final String AGE_B = "age1atuyeqrwv6phu09xl8q8ahxfz6wgysutc3nn9e0pv9jd554kedmqd7ndqf";

  /** A host process's dump. */
  static DumpInfo host() {
    return new DumpInfo(
        1,
        "8179c3b0-d92b-47c4-8776-99992cf68adf",
        "d",
        1795769715,
        "h",
        "n",
        new DumpInfo.ProcessInfo(
            "app", "/app", List.of("app"), 7, 7, 7, 7, 0, 0, 11, null, "unlimited", true),
        null,
        new DumpInfo.CoreInfo("d.core", Compression.NONE, 1, 1, "00".repeat(32), 1L),
        DumpInfo.Integrity.complete(),
        List.of("d.core"),
        new DumpInfo.ComposerInfo("test", 1, List.of()));
  }

  static DumpInfo pod(String ns, Map<String, String> annotations) {
    return host()
        .withPod(
            new DumpInfo.PodInfo(
                ns, "web-1", "uid", "app", "img", null, 0, null, Map.of(), annotations));
  }

  @Test
  void annotationThenNamespaceThenDefault() {
    ScrubPolicy p = new ScrubPolicy(ScrubMode.DEFAULT, Map.of("native", ScrubMode.DROP_HEAP), true);
    assertThat(p.choose(pod("shop", Map.of())).mode()).isEqualTo(ScrubMode.DEFAULT);
    assertThat(p.choose(pod("native", Map.of())).mode()).isEqualTo(ScrubMode.DROP_HEAP);
    assertThat(p.choose(pod("native", Map.of(ScrubPolicy.ANNOTATION, "off"))))
        .isEqualTo(new ScrubPolicy.Choice(ScrubMode.OFF, "pod annotation coroner.dev/scrub"));
    // A typo never turns scrubbing off.
    assertThat(p.choose(pod("shop", Map.of(ScrubPolicy.ANNOTATION, "of"))).mode())
        .isEqualTo(ScrubMode.DEFAULT);
    ScrubPolicy strict = new ScrubPolicy(ScrubMode.DEFAULT, Map.of(), false);
    assertThat(strict.choose(pod("shop", Map.of(ScrubPolicy.ANNOTATION, "off"))).mode())
        .isEqualTo(ScrubMode.DEFAULT);
    ScrubPolicy hosts = new ScrubPolicy(ScrubMode.DEFAULT, Map.of("host", ScrubMode.OFF), true);
    assertThat(hosts.choose(host()).mode()).isEqualTo(ScrubMode.OFF);
  }

  @Test
  void recipientsByNamespaceElseDefault() {
    EncryptionPolicy p =
        new EncryptionPolicy(
            Optional.of(AgeRecipients.parse(AGE_A)),
            Map.of(
                "payments", Optional.of(AgeRecipients.parse(AGE_B)), "sandbox", Optional.empty()));
    assertThat(p.recipients(pod("shop", Map.of())).orElseThrow().keys()).containsExactly(AGE_A);
    assertThat(p.recipients(pod("payments", Map.of())).orElseThrow().keys()).containsExactly(AGE_B);
    assertThat(p.recipients(pod("sandbox", Map.of()))).isEmpty();
    assertThat(EncryptionPolicy.none().recipients(pod("shop", Map.of()))).isEmpty();
    assertThat(EncryptionPolicy.none().any()).isFalse();
  }
}
