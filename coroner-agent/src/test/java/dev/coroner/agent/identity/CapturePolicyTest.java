package dev.coroner.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.DumpInfo.PodInfo;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which pods keep their cores under each mode, namespace list and label. */
class CapturePolicyTest {
  private static PodInfo pod(String ns, Map<String, String> labels, Map<String, String> notes) {
    return new PodInfo(ns, "web", "uid", "app", "img", null, 0, "n", labels, notes);
  }

  @Test
  void theKeyIsInCoronersOneLabelDomain() {
    assertThat(CapturePolicy.KEY).isEqualTo("coroner.dev/capture");
    assertThat(
            CapturePolicy.all()
                .skipReason(pod("shop", Map.of("coroner.dev/capture", "false"), Map.of())))
        .contains("opted out with coroner.dev/capture=false");
  }

  @Test
  void optOutKeepsEverythingButPodsThatSayFalse() {
    CapturePolicy p = CapturePolicy.all();
    assertThat(p.skipReason(pod("shop", Map.of(), Map.of()))).isNull();
    assertThat(p.skipReason(pod("shop", Map.of(CapturePolicy.KEY, "true"), Map.of()))).isNull();
    assertThat(p.skipReason(pod("shop", Map.of(CapturePolicy.KEY, "False"), Map.of())))
        .contains("opted out");
    assertThat(p.skipReason(pod("shop", Map.of(), Map.of(CapturePolicy.KEY, "false"))))
        .as("an annotation works like a label")
        .contains("opted out");
  }

  @Test
  void optInKeepsOnlyPodsThatSayTrue() {
    CapturePolicy p = new CapturePolicy(true, Set.of(), Set.of());
    assertThat(p.skipReason(pod("shop", Map.of(), Map.of()))).contains("opt-in mode");
    assertThat(p.skipReason(pod("shop", Map.of(), Map.of(CapturePolicy.KEY, "true")))).isNull();
  }

  @Test
  void namespacesAreIncludedAndExcluded() {
    CapturePolicy p =
        new CapturePolicy(false, Set.of("shop", "kube-system"), Set.of("kube-system"));
    assertThat(p.skipReason(pod("shop", Map.of(), Map.of()))).isNull();
    assertThat(p.skipReason(pod("blog", Map.of(), Map.of()))).contains("not included");
    assertThat(p.skipReason(pod("kube-system", Map.of(), Map.of())))
        .as("exclude wins")
        .contains("excluded");
  }

  @Test
  void anUnknownPodIsAlwaysKept() {
    assertThat(new CapturePolicy(true, Set.of("shop"), Set.of()).skipReason(null)).isNull();
  }
}
