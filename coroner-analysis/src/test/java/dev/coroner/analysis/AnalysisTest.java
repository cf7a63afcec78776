package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnalysisTest {
  @Test
  void theJsonShape() {
    Frame f =
        Frame.nativeFrame("crash_write", "segv", "d64b", "0x1194", "/src/segv.c", 10)
            .classified("segv!crash_write", true);
    Analysis a =
        new Analysis(
            "native",
            List.of(f, Frame.marker("<exit>")),
            "crash_write (segv.c:10)",
            "0123456789abcdef",
            "fedcba9876543210",
            "eu-stack",
            42,
            null);
    assertThat(a.toJson())
        .isEqualTo(
            "{\"runtime\":\"native\",\"signature\":\"0123456789abcdef\",\"signature3\":\"fedcba9876543210\","
                + "\"top_frame\":\"crash_write (segv.c:10)\",\"tool\":\"eu-stack\",\"duration_ms\":42,"
                + "\"frames\":[{\"kind\":\"native\",\"function\":\"crash_write\",\"module\":\"segv\","
                + "\"build_id\":\"d64b\",\"offset\":\"0x1194\",\"file\":\"/src/segv.c\",\"line\":10,"
                + "\"key\":\"segv!crash_write\",\"in_app\":true},"
                + "{\"kind\":\"marker\",\"function\":\"<exit>\",\"in_app\":false}]}");
  }

  @Test
  void stringsAreEscaped() {
    Analysis a = Analysis.failed("node", "none", 1, "bad \"core\"\\\n\u0001\u2028");
    assertThat(a.toJson()).contains("\"problem\":\"bad \\\"core\\\"\\\\\\n\\u0001\\u2028\"");
  }

  @Test
  void longNamesAreCapped() {
    Frame f = Frame.nativeFrame("x".repeat(10_000), "m", null, null, null, 0);
    assertThat(f.function()).hasSize(Frame.MAX_TEXT).endsWith("…");
  }
}
