package dev.coroner.capture.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.DumpInfo.PodInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The composer-agent wire format survives every character a pod or a log can hold. */
class CrashVerdictTest {
  @Test
  void queryRoundTrips() {
    CrashQuery q = new CrashQuery("u-1", "ab".repeat(32), 4242, "node", 5);
    assertThat(CrashQuery.decode(q.encode())).isEqualTo(q);
  }

  @Test
  void queryRejectsWhatIsNotAContainerId() {
    String text = new CrashQuery("u-1", "../../etc", 1, "x", 11).encode();
    assertThatThrownBy(() -> CrashQuery.decode(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("container_id");
    assertThatThrownBy(() -> CrashQuery.decode("uuid=x\n"))
        .hasMessageContaining("missing container_id");
  }

  @Test
  void verdictRoundTripsPodLabelsAndLog() {
    PodInfo pod =
        new PodInfo(
            "shop",
            "web-7d9f",
            "uid-1",
            "app",
            "registry/app:1",
            "sha256:" + "0".repeat(64),
            3,
            "node-1",
            Map.of("app.kubernetes.io/name", "web", "team", "a=b: c"),
            Map.of("note", "multi\nline ünïcödé ✓"));
    String log = "line 1\n=== key: value ===\n\\escaped\\ \u2603";
    CrashVerdict v = new CrashVerdict(Decision.METADATA_ONLY, "flood: x", pod, log);
    assertThat(CrashVerdict.decode(v.encode())).isEqualTo(v);
  }

  @Test
  void anUnknownPodAndAnEmptyLogRoundTrip() {
    CrashVerdict v = new CrashVerdict(Decision.CAPTURE, null, null, "");
    assertThat(CrashVerdict.decode(v.encode())).isEqualTo(v);
  }

  @Test
  void anUnknownDecisionIsRejected() {
    assertThatThrownBy(() -> CrashVerdict.decode("decision=maybe\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown decision 'maybe'");
  }
}
